"""One immutable view of the live generation, for one request from start to finish.

`SnapshotReader.current()` returns the `Snapshot` of the generation `CURRENT` names, loading
it once and again only when another process publishes a newer one, so a long-running server
sees changes made from the CLI without a restart. A caller takes one snapshot per request
and reads everything from it: a response never mixes two generations.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

from ltgraph.corpus import Entry, entry_files, load_corpus
from ltgraph.errors import LtgraphError, NotFoundError
from ltgraph.rdf.graph import count_triples, new_graph
from ltgraph.retrieval.index import PassageStore
from ltgraph.retrieval.lexicon import Lexicon
from ltgraph.store.catalog import CATALOG, Catalog
from ltgraph.store.datadir import DataDir, Lease
from ltgraph.store.generation import Generation
from ltgraph.store.layers import BaseIndex, DeltaCache, load_index, served_store
from ltgraph.store.manifest import Manifest


@dataclass(frozen=True)
class Snapshot:
    """The entries, graph and search index of one generation."""

    name: str
    path: Path
    manifest: Manifest
    by_slug: dict[str, Entry]
    graph: Graph
    index: PassageStore
    lexicon: Lexicon
    #: Entry slug -> when its file last changed (Unix time); None: from the catalog at `path`.
    changed: dict[str, float] | None = None

    def last_changed(self) -> dict[str, float]:
        """When each entry's file last changed in this data (Unix time; none if unknown)."""
        if self.changed is not None:
            return self.changed
        try:
            entries = Catalog.load(self.path / CATALOG).entries
        except LtgraphError:
            return {}
        return {slug: e.changed for slug, e in entries.items() if e.changed is not None}

    def entries(self, type_: str | None = None) -> list[Entry]:
        """The entries in id order (only those of `type_` when given)."""
        return [e for e in self.by_slug.values() if type_ is None or e.type == type_]

    def entry(self, slug: str) -> Entry:
        try:
            return self.by_slug[slug]
        except KeyError:
            raise NotFoundError(f"no entry {slug!r}") from None

    def stats(self) -> dict[str, Any]:
        return {"generation": self.name, "entries": len(self.by_slug),
                "triples": count_triples(self.graph), "passages": self.manifest.passages,
                "vectors": self.index.vectors.size}


class SnapshotReader:
    """Loads snapshots of one data directory; holds leases on the one it serves.

    `model`: the configured embedding model (a generation built with another is refused with
    the repair). `on_switch(path)` is called after a new generation is loaded (the server
    points its SPARQL query processes at it).
    """

    def __init__(self, datadir: DataDir, model: str, max_entry_bytes: int,
                 on_switch: Callable[[str], None] | None = None) -> None:
        self.datadir = datadir
        self.model = model
        self.max_entry_bytes = max_entry_bytes
        self.on_switch = on_switch
        self._loaded: Snapshot | None = None
        self._lock = threading.Lock()
        #: Held on the served generation (and its base) so that clean-up leaves them alone.
        self._leases: list[Lease] = []
        #: The last base generation's index parts and parsed entries, reused by its deltas.
        self._base: tuple[BaseIndex, dict[str, Entry]] | None = None
        #: The delta's entries as last read: a change re-reads only the entries it touched.
        self._delta = DeltaCache()
        #: What each entry adds to the lexicon: a delta reworks only the entries it changed.
        self._lexicon: dict[int, Any] = {}

    def current(self) -> Snapshot:
        """The live generation's snapshot. Checking costs one `stat` per call; a server's
        threads share one reload."""
        name = self.datadir.current_name()
        loaded = self._loaded
        if loaded is not None and loaded.name == name:
            return loaded
        with self._lock:
            return self._reload()

    def expire(self) -> None:
        """Nothing to do: every call checks the live generation (`PgSnapshotReader` polls)."""

    def _reload(self) -> Snapshot:
        name = self.datadir.current_name()
        if self._loaded is not None and self._loaded.name == name:
            return self._loaded
        generation = Generation.open(self.datadir.current())
        generation.manifest.require_model(self.model)
        base = self._base if self._base and self._base[0].name == generation.base.name else None
        if generation.is_full:
            entries = load_corpus(generation.entry_files(), self.max_entry_bytes)
            index = load_index(generation)
            base = (BaseIndex.of(generation.path, index), {e.slug: e for e in entries})
        else:
            if base is None:  # parse the base's entries once for all its deltas
                files = entry_files(generation.base / "corpus")
                base = (BaseIndex.of(generation.base),
                        {e.slug: e for e in load_corpus(files, self.max_entry_bytes)})
            delta = self._delta.read(generation, generation.catalog(), self.max_entry_bytes)
            entries = sorted([*(e for s, e in base[1].items() if s not in generation.deleted),
                              *(item.entry for item in delta)], key=lambda e: e.slug)
            index = load_index(generation, base[0], delta)
        leases = [Lease(generation.path)] + ([] if generation.is_full else [Lease(generation.base)])
        graph = new_graph(served_store(generation))
        for lease in self._leases:  # the previous generation may be cleaned up now
            lease.close()
        self._leases = leases
        if self.on_switch is not None:
            self.on_switch(str(generation.path))
        self._base = base
        self._loaded = Snapshot(generation.path.name, generation.path, generation.manifest,
                                {e.slug: e for e in entries}, graph, index,
                                 Lexicon(entries, self._lexicon))
        return self._loaded

    def close(self) -> None:
        """Release the leases (the snapshot stays usable until the generation is cleaned up)."""
        for lease in self._leases:
            lease.close()
        self._leases = []
