"""The facade the API and the CLI call: build, read entries, SPARQL, validate, export.

`Service` owns one data directory. Reading methods load the live generation lazily and
reload it when another process has published a newer one, so a long-running server sees
changes made from the CLI without a restart.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from rdflib import Graph

from . import __version__
from .config import Settings
from .corpus import Entry, corpus_hash, entry_files, load_corpus, passages
from .datadir import MANIFEST, DataDir, Manifest, acquire
from .errors import NotFoundError, QueryError, ValidationError
from .graph import Iris, build_graph, count_triples, load_graph, run_query, save_graph, validate_graph

#: Export formats -> (Oxigraph-backed rdflib serializer name, media type).
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("ox-turtle", "text/turtle"),
    "nt": ("ox-ntriples", "application/n-triples"),
    "jsonld": ("ox-json-ld", "application/ld+json"),
    "xml": ("ox-xml", "application/rdf+xml"),
}

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildReport:
    """What `build` produced, for the CLI summary and the tests."""

    generation: str
    entries: int
    researchers: int
    triples: int
    passages: int
    seconds: float


@dataclass
class _Loaded:
    name: str
    path: Path
    manifest: Manifest
    entries: dict[str, Entry]
    graph: Graph


class Service:
    """ltgraph's one entry point for every caller."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.iris = Iris(settings.base_iri)
        self.datadir = DataDir(settings.data_dir, settings.lock_timeout)
        self._loaded: _Loaded | None = None

    # ------------------------------------------------------------------ building

    def bundled_files(self) -> list[Path]:
        return entry_files(self.settings.corpus_dir)

    def source_files(self) -> list[Path]:
        """The effective corpus: bundled files, minus removals, overlaid by the user's files."""
        files = {p.stem: p for p in self.bundled_files()}
        name = self.datadir.current_name()
        if name is not None and (self.datadir.generations / name / MANIFEST).is_file():
            current = self.datadir.generations / name
            manifest = Manifest.read(current / MANIFEST)
            for slug in manifest.removed:
                files.pop(slug, None)
            for slug in manifest.user_entries:
                files[slug] = current / "corpus" / f"{slug}.md"
        return [files[k] for k in sorted(files)]

    def is_stale(self) -> bool:
        """True when there is no usable generation or the sources changed since it was built."""
        try:
            manifest = self.datadir.manifest()
        except Exception:
            return True
        return (manifest.corpus_hash != corpus_hash(self.source_files())
                or manifest.base_iri != self.settings.base_iri)

    def build(self, progress: Progress | None = None) -> BuildReport:
        """Rebuild everything from the corpus into a new generation and switch to it.

        Always repairs: whatever state the data directory is in, the result is consistent.
        """
        started = time.perf_counter()
        with acquire(self.datadir.lock(), "ltgraph build"):
            files = self.source_files()
            user, removed = self._overlay()
            entries = load_corpus(files, self.settings.max_entry_bytes)
            _progress(progress, "parsed", len(entries), len(entries))
            graph = build_graph(entries, self.iris)
            _progress(progress, "graph", len(entries), len(entries))
            problems = validate_graph(graph, self.iris)
            if problems:
                raise ValidationError(f"{len(problems)} SHACL violation(s)", problems)
            _progress(progress, "validated", len(entries), len(entries))
            name, staging = self.datadir.new_generation()
            try:
                (staging / "corpus").mkdir()
                for path in files:
                    shutil.copyfile(path, staging / "corpus" / path.name)
                save_graph(graph, staging / "graph.nt")
                n_passages = sum(len(passages(e)) for e in entries)
                manifest = Manifest(
                    generation=name, created=time.time(), base_iri=self.settings.base_iri,
                    corpus_hash=corpus_hash(files), bundled_hash=corpus_hash(self.bundled_files()),
                    entries=len(entries), triples=count_triples(graph), passages=n_passages,
                    user_entries=user, removed=removed, extra={"ltgraph": __version__})
                (staging / MANIFEST).write_text(manifest.to_json(), "utf-8")
                self.datadir.publish(name, staging)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            _progress(progress, "published", len(entries), len(entries))
        self._loaded = None
        people = {p.slug for e in entries for p in e.researchers}
        return BuildReport(name, len(entries), len(people), manifest.triples, n_passages,
                           time.perf_counter() - started)

    def _overlay(self) -> tuple[list[str], list[str]]:
        try:
            manifest = self.datadir.manifest()
        except Exception:
            return [], []
        return list(manifest.user_entries), list(manifest.removed)

    def validate(self) -> list[str]:
        """Every problem with the effective corpus (format, references, SHACL); [] when valid."""
        try:
            entries = load_corpus(self.source_files(), self.settings.max_entry_bytes)
        except ValidationError as exc:
            return exc.problems
        return validate_graph(build_graph(entries, self.iris), self.iris)

    # ------------------------------------------------------------------ reading

    def _state(self) -> _Loaded:
        """The live generation, loaded once and reloaded when CURRENT moves on."""
        name = self.datadir.current_name()
        if self._loaded is None or self._loaded.name != name:
            path = self.datadir.current()
            manifest = Manifest.read(path / MANIFEST)
            entries = load_corpus(entry_files(path / "corpus"), self.settings.max_entry_bytes)
            graph = load_graph(path / "graph.nt")
            self._loaded = _Loaded(path.name, path, manifest, {e.slug: e for e in entries}, graph)
        return self._loaded

    @property
    def graph(self) -> Graph:
        return self._state().graph

    def entries(self, type_: str | None = None) -> list[Entry]:
        entries = list(self._state().entries.values())
        return [e for e in entries if type_ is None or e.type == type_]

    def entry(self, slug: str) -> Entry:
        try:
            return self._state().entries[slug]
        except KeyError:
            raise NotFoundError(f"no entry {slug!r}; `ltgraph list` shows the entries") from None

    def entry_json(self, entry: Entry) -> dict[str, Any]:
        """An entry as JSON-ready data with the IRIs of the entry, people, items and works."""
        iris = self.iris
        return {
            "id": entry.slug,
            "iri": str(iris.entry(entry.slug)),
            "name": entry.name,
            "type": entry.type,
            "year": entry.year,
            "aliases": list(entry.aliases),
            "overview": list(entry.overview),
            "researchers": [
                {"name": p.name, "iri": str(iris.person(p.slug)),
                 "contribution": next((i.text for i in entry.items_of("researcher")
                                       if i.title == p.name), "")}
                for p in entry.researchers
            ],
            "seminal_works": [
                {"iri": str(iris.work(w.slug)), "authors": list(w.authors), "year": w.year,
                 "title": w.title, "venue": w.venue, "citation": w.citation}
                for w in entry.works
            ],
            "related": [{"id": r.target, "relation": r.relation, "iri": str(iris.entry(r.target))}
                        for r in entry.related],
            "sources": list(entry.sources),
            **{
                f"{kind}s": [
                    {"title": i.title, "iri": str(iris.item(entry.slug, kind, i.slug)),
                     "text": i.text, **({"tools": list(i.tools)} if i.tools else {}),
                     **({"type": i.resource_type} if i.resource_type else {})}
                    for i in entry.items_of(kind)
                ]
                for kind in ("concept", "implication", "strength", "limitation", "network")
            },
        }

    def stats(self) -> dict[str, Any]:
        state = self._state()
        return {"generation": state.name, "entries": len(state.entries),
                "triples": count_triples(state.graph), "passages": state.manifest.passages}

    # ------------------------------------------------------------------ SPARQL and export

    def sparql(self, query: str) -> Any:
        """Run a read-only SPARQL query on the live graph (pyoxigraph result object)."""
        if len(query.encode("utf-8")) > self.settings.sparql_max_query_bytes:
            raise QueryError(f"query is over {self.settings.sparql_max_query_bytes} bytes")
        return run_query(self.graph, query)

    def export(self, fmt: str) -> bytes:
        """The whole graph serialised in one of `EXPORT_FORMATS`."""
        if fmt not in EXPORT_FORMATS:
            raise QueryError(f"unknown export format {fmt!r} (use {', '.join(EXPORT_FORMATS)})")
        data = self.graph.serialize(format=EXPORT_FORMATS[fmt][0], encoding="utf-8")
        return data if isinstance(data, bytes) else data.encode("utf-8")


def _progress(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def results_to_json(result: Any) -> dict[str, Any]:
    """W3C SPARQL 1.1 Query Results JSON for a SELECT or ASK result."""
    import pyoxigraph as ox

    data = result.serialize(format=ox.QueryResultsFormat.JSON)
    return json.loads(data)
