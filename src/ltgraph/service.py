"""The facade the web app and the CLI call: reading, search, SPARQL, curation, health.

`Service` composes the parts and adds no logic of its own beyond choosing the snapshot:
- reading: `store.snapshot.SnapshotReader` (one immutable `Snapshot` per request);
- search: `retrieval.search.Searcher`;
- public SPARQL: `sparql.executor.GuardedExecutor` (the one door for request-influenced queries);
- changes: `curation.writer.Writer` (build, add, update, remove) and `curation.doctor`.

Every reading method takes an optional `snap`: a caller that reads several things for one
response takes `snapshot()` once and passes it, so the response never mixes two generations.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from rdflib import Graph

from ltgraph.config import Settings
from ltgraph.corpus import Entry, corpus_hash, load_corpus
from ltgraph.corpus.people import Registry
from ltgraph.curation.report import Progress, Report
from ltgraph.curation.writer import Writer
from ltgraph.errors import ConfigError, DataDirError, QueryError, ValidationError
from ltgraph.rdf import graph as rdf_graph
from ltgraph.rdf.build import build_graph
from ltgraph.rdf.iris import Iris
from ltgraph.rdf.shacl import validate_graph
from ltgraph.retrieval.encoders import Encoder, make_encoder
from ltgraph.retrieval.search import Searcher, rows_of
from ltgraph.sparql.executor import GuardedExecutor, RemoteExecutor
from ltgraph.sparql.guard import check_query
from ltgraph.sparql.semantic import rewrite
from ltgraph.store.datadir import DataDir
from ltgraph.store.snapshot import Snapshot, SnapshotReader

log = logging.getLogger(__name__)


class SearchBackend:
    """The `ltgs:` vocabulary answered from one snapshot (`sparql.semantic.Backend`)."""

    def __init__(self, searcher: Searcher, snap: Snapshot) -> None:
        self.searcher = searcher
        self.snap = snap

    def _rows(self, question: str, k: int, kind: str | None, mode: str) -> list[tuple[str, float]]:
        hits = self.searcher.search(self.snap, question, k=k, kind=kind, mode=mode)["results"]
        return [(h["passage_iri"], h["score"]) for h in hits]

    def search(self, question: str, k: int, kind: str | None) -> list[tuple[str, float]]:
        return self._rows(question, k, kind, "hybrid")

    def keyword(self, words: str, k: int) -> list[tuple[str, float]]:
        return self._rows(words, k, None, "keyword")

    def similar_entries(self, entry_iri: str, k: int) -> list[tuple[str, float]]:
        return self.searcher.similar_entries(self.snap, entry_iri, k)

    def similarity_table(self, text: str) -> dict[str, float]:
        return self.searcher.similarity_table(self.snap, text)


_T = TypeVar("_T")


class Service:
    """ltgraph's one entry point for every caller."""

    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self.iris = Iris(settings.base_iri)
        self.datadir = DataDir(settings.data_dir, settings.lock_timeout)
        self.encoder: Encoder = encoder or make_encoder(settings.model, settings.backend,
                                                        settings.data_dir / "models")
        #: The one door for SPARQL that requests influence; its processes start on first use.
        self.executor = RemoteExecutor(settings) if settings.graph_url else GuardedExecutor(settings)
        if settings.index_url:  # a stateless reader: the generation PostgreSQL names
            from ltgraph.store.pg_reader import PgSnapshotReader

            self.reader: SnapshotReader | PgSnapshotReader = PgSnapshotReader(
                settings.index_url, self.encoder.name, settings.max_entry_bytes)
        else:
            self.reader = SnapshotReader(self.datadir, self.encoder.name, settings.max_entry_bytes,
                                         on_switch=self._generation_switched)
        self.searcher = Searcher(self.encoder, self.iris)
        self.writer = Writer(settings, self.iris, self.datadir, self.encoder)

    def _generation_switched(self, path: str) -> None:
        if self.executor.started:  # a server: load query processes for the new generation
            self.executor.use(path)

    # ------------------------------------------------------------------ changes

    def source_files(self) -> list[Path]:
        """The effective corpus: bundled files, minus removals, overlaid by the user's files."""
        return self.writer.source_files()

    def is_stale(self) -> bool:
        """True when there is no usable generation or the sources changed since it was built."""
        try:
            manifest = self.datadir.manifest()
        except DataDirError:
            return True
        return (manifest.corpus_hash != corpus_hash(self.source_files())
                or manifest.base_iri != self.settings.base_iri
                or manifest.model != self.encoder.name
                or manifest.registry_hash != Registry.digest(self.settings.corpus_dir))

    def build(self, progress: Progress | None = None) -> Report:
        """Rebuild everything from the corpus into a new generation and switch to it.

        Always repairs: whatever state the data directory is in, the result is consistent.
        """
        with self._turn("ltgraph build"):
            return self._written(self.writer.build(progress))

    def add(self, paths: list[Path], replace: bool | None = False, dry_run: bool = False,
            strict: bool = False) -> Report:
        """Add (or replace) entries from files in one all-or-nothing change (`replace=None`:
        each as new or replacing, by its id)."""
        with self._turn("ltgraph add"):
            return self._written(self.writer.add(paths, replace_existing=replace, dry_run=dry_run,
                                                 strict=strict))

    def remove(self, slug: str, force: bool = False, dry_run: bool = False) -> Report:
        """Remove an entry, its items, passages, vectors and now-unreferenced people."""
        with self._turn("ltgraph remove"):
            return self._written(self.writer.remove(slug, force=force, dry_run=dry_run))

    @contextlib.contextmanager
    def _turn(self, what: str, catch: bool = True) -> Iterator[None]:
        """With PostgreSQL configured: writers on every host take turns (its writers' lock), and
        this one first catches up with what others wrote (`curation.servers.catch_up`)."""
        if not self.settings.index_url:
            yield
            return
        from ltgraph.curation.servers import catch_up, writers_lock

        with writers_lock(self.settings, what, self.writer.on_wait):
            if catch:
                catch_up(self.writer)
            yield

    def _written(self, report: _T) -> _T:
        """After a change: this process's next read sees it (read your own writes), also when
        it reads PostgreSQL, whose pointer it otherwise checks every `POLL_SECONDS`."""
        self.reader.expire()
        return report

    def doctor(self) -> list[tuple[str, bool, str]]:
        """Whether corpus, graph and indexes agree; each failure says how to repair."""
        from ltgraph.curation.doctor import diagnose

        try:
            curated = self.writer.sources()
        except DataDirError as exc:
            return [("curated entries", False, str(exc))]
        rows = diagnose(self.datadir, self.iris, self.encoder.name, self.writer.effective(curated),
                        self.settings.max_entry_bytes)
        shadowed = self.writer.shadowed(curated)
        detail = (f"{len(curated.entries)} added or changed, {len(curated.removed)} bundled "
                  f"removed, in {self.writer.curated.root}"
                  + (f"; replacing bundled entries of the same id: {', '.join(shadowed)}"
                     if shadowed else ""))
        from ltgraph.curation.servers import doctor_rows

        return [("curated entries", True, detail), *rows, *doctor_rows(self.settings, self.datadir)]

    def migrate_to_server(self) -> dict[str, int]:
        """Copy the live generation to the servers: its graph to the graph server (replacing
        all it holds), everything to PostgreSQL."""
        if not self.settings.graph_url:  # (an index URL needs a graph URL too)
            raise ConfigError("no server is configured: set LTGRAPH_GRAPH_URL (and LTGRAPH_INDEX_URL)")
        with self._turn("ltgraph migrate --to-server", catch=False), self.datadir.lock():
            result = self.writer.mirror(self.datadir.current(), everything=True)
        return self._written(result or {})

    def migrate_from_server(self) -> dict[str, list[str]]:
        """Make this data directory hold the entries of PostgreSQL's live generation: a full
        build here, then the entries PostgreSQL has in another version replaced (or added) as
        curators' entries, those it lacks removed (`curation.servers.catch_up`). The servers
        are left as they are."""
        if not self.settings.index_url:
            raise ConfigError("no PostgreSQL is configured: set LTGRAPH_INDEX_URL")
        from ltgraph.curation.servers import catch_up

        with self._turn("ltgraph migrate --from-server", catch=False):
            moved = catch_up(self.writer, always=True)
        return self._written(moved or {"added or changed": [], "removed": []})

    def validate(self) -> list[str]:
        """Every problem with the effective corpus (format, references, SHACL); [] when valid."""
        try:
            entries = load_corpus(self.source_files(), self.settings.max_entry_bytes)
        except ValidationError as exc:
            return exc.problems
        problems = self.writer.rule_problems(entries, {}, {})
        if problems:
            return problems
        return validate_graph(build_graph(entries, self.iris, registry=self.writer.registry),
                              self.iris)

    # ------------------------------------------------------------------ reading

    def snapshot(self) -> Snapshot:
        """The live generation; take it once per request and pass it on."""
        return self.reader.current()

    @property
    def graph(self) -> Graph:
        return self.snapshot().graph

    def entries(self, type_: str | None = None, snap: Snapshot | None = None) -> list[Entry]:
        return (snap or self.snapshot()).entries(type_)

    def entry(self, slug: str, snap: Snapshot | None = None) -> Entry:
        return (snap or self.snapshot()).entry(slug)

    def stats(self, snap: Snapshot | None = None) -> dict[str, Any]:
        return {**(snap or self.snapshot()).stats(), "model": self.encoder.name}

    def search(self, question: str, k: int = 10, theory: str | None = None,
               kind: str | None = None, type_: str | None = None, mode: str = "hybrid",
               snap: Snapshot | None = None) -> dict[str, Any]:
        """The search response (DESIGN.md "Search response") for one question."""
        return self.searcher.search(snap or self.snapshot(), question, k, theory, kind, type_, mode)

    def closeness(self, question: str) -> float:
        """The cosine between the question and the nearest passage (match calibration)."""
        return self.searcher.closeness(self.snapshot(), question)

    def describe(self, iri: str, limit: int = 10_000,
                 snap: Snapshot | None = None) -> tuple[list[ox.Triple], bool]:
        """Triples about one node and whether they were cut (see `rdf.graph.describe`)."""
        return rdf_graph.describe((snap or self.snapshot()).graph, iri, limit)

    def export(self, fmt: str) -> bytes:
        """The whole graph serialised in one of `rdf.graph.EXPORT_FORMATS`."""
        return rdf_graph.export(self.graph, fmt)

    def health(self) -> dict[str, Any]:
        """Counts of the live generation and whether graph, vectors and keywords agree."""
        snap = self.snapshot()  # once: every figure below is of the same generation
        rows = rows_of(rdf_graph.run_query(
            snap.graph, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a ltg:Passage }"))
        graph_passages = int(rows[0]["n"])
        index = snap.index
        consistent = (graph_passages == len(index.records) == index.vectors.size
                      == index.keywords.size == snap.manifest.passages)
        return {
            "status": "ok" if consistent else "inconsistent",
            "generation": snap.name,
            "entries": len(snap.by_slug),
            "triples": rdf_graph.count_triples(snap.graph),
            "passages": graph_passages,
            "vectors": index.vectors.size,
            "keyword_documents": index.keywords.size,
            "model": self.encoder.name,
            "index": "hnsw" if index.vectors.hnsw else "exact",
            "consistent": consistent,
            **({"sparql": sparql} if (sparql := self.executor.status()) is not None else {}),
        }

    # ------------------------------------------------------------------ SPARQL

    def sparql(self, query: str) -> Any:
        """Run a read-only SPARQL query on the live graph, unguarded: for the CLI, on the
        user's own machine (pyoxigraph result object)."""
        if len(query.encode("utf-8")) > self.settings.sparql_max_query_bytes:
            raise QueryError(f"query is over {self.settings.sparql_max_query_bytes} bytes")
        snap = self.snapshot()
        try:
            rewritten = rewrite(query, SearchBackend(self.searcher, snap))  # as is without ltgs:
            return rdf_graph.run_query(snap.graph, rewritten.query, base_iri=self.settings.base_iri,
                                       similarity=rewritten.similarity)
        except QueryError:
            try:
                check_query(query, self.settings.sparql_max_query_bytes)
            except QueryError as refused:
                if "SPARQL Update" in str(refused):
                    raise QueryError("SPARQL Update is not supported: the graph is derived from "
                                     "the corpus; change entries with `ltgraph add`, `update` or "
                                     "`remove`") from None
            raise

    def public_sparql(self, query: str, select_fmt: str = "json", graph_fmt: str = "turtle") -> Any:
        """A query a request influences: guarded, sandboxed, limited in time, rows and bytes;
        the `ltgs:` search vocabulary answered from the same snapshot.

        Returns a `sparql.Rendered` (serialised body, media type, row count, truncation).
        """
        snap = self.snapshot()
        backend = SearchBackend(self.searcher, snap)
        return self.executor.run(query, str(snap.path), select_fmt, graph_fmt,
                                 lambda text: rewrite(text, backend))

    # ------------------------------------------------------------------ life cycle

    def warm_up(self) -> None:
        """Load the live data, the model and the SPARQL processes; embed one query.

        Servers call this before taking requests. It returns once the query processes have
        loaded the graph (they load while the model does): at 100 times the corpus they take
        seconds, and `/sparql` sent meanwhile was refused as busy.
        """
        self.executor.use(str(self.snapshot().path))
        loader = getattr(self.encoder, "load", None)
        if loader is not None:
            loader()
        self.searcher.query_vector("warm up")
        if not self.executor.wait_loaded():
            log.warning("SPARQL query processes still loading after the warm-up's wait; serving anyway")

    def close(self) -> None:
        """Stop the SPARQL query processes and release the leases (servers call this at
        shutdown)."""
        self.executor.close()
        self.reader.close()
