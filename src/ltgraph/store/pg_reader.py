"""Stateless readers of generations in PostgreSQL (`LTGRAPH_INDEX_URL`): see `pg_index`."""

from __future__ import annotations

import gc
import json
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ltgraph.corpus import Entry, parse_entry
from ltgraph.errors import DataDirError
from ltgraph.rdf.graph import new_graph
from ltgraph.retrieval.lexicon import Lexicon
from ltgraph.store.manifest import Manifest
from ltgraph.store.pg_graph import ReaderGraphs
from ltgraph.store.pg_index import (
    EMPTY,
    POLL_SECONDS,
    changed_sources,
    connect,
    has_deltas,
    live_name,
)
from ltgraph.store.pg_search import BaseCache, PgPassageStore

if TYPE_CHECKING:
    from ltgraph.store.snapshot import Snapshot

log = logging.getLogger(__name__)


class PgSnapshotReader:
    """`SnapshotReader` for stateless readers: the generation `ltgraph_live` names.

    A new generation is loaded in the background while requests go on with the one loaded
    (loading a corpus of thousands of entries takes seconds); the first load, and the first
    after this process's own write (`expire`), happen in the caller.
    """

    def __init__(self, url: str, model: str, max_entry_bytes: int) -> None:
        self.url, self.model, self.max_entry_bytes = url, model, max_entry_bytes
        self._loaded: Snapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._poll: Any = None  # one connection for the polls (under `_lock`), not one each
        #: The parsed entries of the last load and the MD5 of their files: a new generation
        #: fetches and parses only the entries whose files changed.
        self._parsed: dict[str, tuple[str, Entry]] = {}
        self._loading = False  # whether a background load runs
        self._wanted = ""  # the live generation the last poll saw
        self._load_lock = threading.Lock()  # one load at a time (they share `_parsed`)
        self._sync = False
        self._bases = BaseCache()  # the records of the base a delta generation hides rows of
        self.graphs = ReaderGraphs()  # the graph stores, changed in place by a delta
        self._lexicon: dict[int, Any] = {}  # what each parsed entry adds to the lexicon

    def current(self) -> Snapshot:
        loaded = self._loaded
        if loaded is not None and not self._sync and time.monotonic() - self._checked < POLL_SECONDS:
            return loaded
        with self._lock:
            if self._poll is None or self._poll.closed or self._poll.broken:
                self._poll = connect(self.url)
                self._poll.autocommit = True
            name = live_name(self.url, self._poll)
            self._checked = time.monotonic()
            if name is None:
                raise DataDirError(EMPTY)
            if self._loaded is None or self._sync:
                self._sync = False
                if self._loaded is None or self._loaded.name != name:
                    self._loaded = self._load(name)
            elif self._loaded.name != name:
                self._wanted = name
                if not self._loading:  # one loader; it goes on to whatever is live when done
                    self._loading = True
                    threading.Thread(target=self._load_later, daemon=True,
                                     name="ltgraph-pg-load").start()
            return self._loaded

    def _load_later(self) -> None:
        """Load the generation last seen live, then again while the live one moved on meanwhile
        (a load takes seconds at scale: loads of every generation in between would queue)."""
        while True:
            with self._lock:
                name, replacing = self._wanted, self._loaded.name if self._loaded else ""
            try:
                snapshot: Snapshot | None = self._load(name)
            except Exception:  # noqa: BLE001 - the next poll tries again; requests keep the old one
                log.exception("loading generation %s from PostgreSQL failed", name)
                snapshot = None
            with self._lock:
                # (unless a load in the caller, after a write here, got a newer one meanwhile)
                if snapshot is not None and self._loaded is not None and self._loaded.name == replacing:
                    # the old snapshot's connections close when the last request using it ends
                    self._loaded = snapshot
                if snapshot is None or self._wanted == name or self._loaded is None \
                        or self._loaded.name == self._wanted:
                    self._loading = False
                    return

    def expire(self) -> None:
        """Load the live generation in the next call, there and then (a writer in this
        process just moved it: its own next read sees its change)."""
        self._sync = True

    def _load(self, name: str) -> Snapshot:
        with self._load_lock:
            # The cyclic garbage collector is paused while a generation loads: the load makes
            # many small objects, and each full collection walks a reader's whole heap (at 100
            # times the corpus, millions of objects: a reload took 1.5 s instead of 0.7 s).
            # Nothing made here forms cycles that must be collected meanwhile.
            paused = gc.isenabled()
            gc.disable()
            try:
                return self._read(name)
            finally:
                if paused:
                    gc.enable()

    def _read(self, name: str) -> Snapshot:
        import pyoxigraph as ox

        from ltgraph.store.snapshot import Snapshot

        with connect(self.url) as conn:
            # one state of the database for the whole load (a writer may push meanwhile)
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            row = conn.execute("SELECT manifest::text, graph, changed::text FROM ltgraph_generation "
                               "WHERE name = %s", (name,)).fetchone()
            if row is None:  # replaced between the two reads: the next call loads the newer one
                raise DataDirError("the live generation changed while loading; try again")
            known = self._parsed
            digests, sources = changed_sources(conn, name, {s: md5 for s, (md5, _) in known.items()})
            if has_deltas(conn):
                base, hidden = conn.execute("SELECT base, hidden FROM ltgraph_generation WHERE name = %s",
                                            (name,)).fetchone()
                store = self.graphs.load(conn, name, base, hidden)
            else:  # a database of the layout before parts: the generation's graph in one piece
                store = ox.Store()
                store.bulk_load(bytes(row[1]), format=ox.RdfFormat.N_TRIPLES)
        manifest = Manifest.from_json(row[0])
        manifest.require_model(self.model)
        parsed = {slug: known[slug] for slug in digests if slug not in sources}
        for slug, data in sources.items():
            parsed[slug] = (digests[slug], parse_entry(data.decode("utf-8"), f"{slug}.md"))
        self._parsed = parsed
        entries_ = [parsed[slug][1] for slug in sorted(parsed)]
        snapshot = Snapshot(name, Path("postgresql") / name, manifest, {e.slug: e for e in entries_},
                            new_graph(store), PgPassageStore(self.url, name, self._bases),
                            Lexicon(entries_, self._lexicon),
                            changed={str(k): float(v) for k, v in json.loads(row[2]).items()})
        self.graphs.bind(store, snapshot)
        return snapshot

    def close(self) -> None:
        if self._poll is not None:
            self._poll.close()
        if self._loaded is not None and isinstance(self._loaded.index, PgPassageStore):
            self._loaded.index.close()


