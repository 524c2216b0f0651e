"""The facade the API and the CLI call: build, read entries, SPARQL, validate, export.

`Service` owns one data directory. Reading methods load the live generation lazily and
reload it when another process has published a newer one, so a long-running server sees
changes made from the CLI without a restart.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import Graph

from ltgraph.config import Settings
from ltgraph.corpus import ENTRY_TYPES, KINDS, Entry, corpus_hash, entry_files, load_corpus
from ltgraph.curation.writer import Progress, Report, Writer
from ltgraph.store.datadir import DataDir, Lease, Manifest
from ltgraph.errors import DataDirError, NotFoundError, QueryError, ValidationError
from ltgraph.rdf.graph import Iris, build_graph, count_triples, new_graph, run_query, validate_graph
from ltgraph.retrieval.encoders import Encoder, QueryCache, make_encoder
from ltgraph.retrieval.index import TIE_MARGIN, PassageIndex
from ltgraph.store.layers import BaseIndex, DeltaCache, Generation, load_index, served_store
from ltgraph.retrieval.ranking import Lexicon, Mention, analyse, boost, reciprocal_rank_fusion

#: Export formats -> (Oxigraph-backed rdflib serializer name, media type).
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("ox-turtle", "text/turtle"),
    "nt": ("ox-ntriples", "application/n-triples"),
    "jsonld": ("ox-json-ld", "application/ld+json"),
    "xml": ("ox-xml", "application/rdf+xml"),
}


@dataclass
class _Loaded:
    name: str
    path: Path
    manifest: Manifest
    entries: dict[str, Entry]
    graph: Graph
    index: PassageIndex
    lexicon: Lexicon


MAX_QUESTION_CHARS = 500
MAX_K = 100
#: Candidates taken from each retriever before fusion.
CANDIDATES = 50
SEARCH_MODES = ("hybrid", "keyword", "dense")


class Service:
    """ltgraph's one entry point for every caller."""

    def __init__(self, settings: Settings, encoder: Encoder | None = None) -> None:
        self.settings = settings
        self.iris = Iris(settings.base_iri)
        self.datadir = DataDir(settings.data_dir, settings.lock_timeout)
        self.encoder: Encoder = encoder or make_encoder(settings.model, settings.backend,
                                                        settings.data_dir / "models")
        self._query_vector = QueryCache(self.encoder)
        self._loaded: _Loaded | None = None
        from ltgraph.sparql.executor import GuardedExecutor

        #: The one door for SPARQL that requests influence; its processes start on first use.
        self.executor = GuardedExecutor(settings)
        self._reload_lock = threading.Lock()
        #: Held on the served generation (and its base) so that clean-up leaves them alone.
        self._leases: list[Lease] = []
        #: The last base generation's index parts and parsed entries, reused by its deltas.
        self._base: tuple[BaseIndex, dict[str, Entry]] | None = None
        #: The delta's entries as last read: a change re-reads only the entries it touched.
        self._delta = DeltaCache()
        self.writer = Writer(settings, self.iris, self.datadir, self.encoder)

    # ------------------------------------------------------------------ building

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
                or manifest.extra.get("index", {}).get("model") != self.encoder.name)

    def build(self, progress: Progress | None = None) -> Report:
        """Rebuild everything from the corpus into a new generation and switch to it.

        Always repairs: whatever state the data directory is in, the result is consistent.
        """
        return self.writer.build(progress)

    def add(self, paths: list[Path], replace: bool = False, dry_run: bool = False,
            strict: bool = False) -> Report:
        """Add (or replace) entries from files in one all-or-nothing change."""
        return self.writer.add(paths, replace_existing=replace, dry_run=dry_run, strict=strict)

    def remove(self, slug: str, force: bool = False, dry_run: bool = False) -> Report:
        """Remove an entry, its items, passages, vectors and now-unreferenced people."""
        return self.writer.remove(slug, force=force, dry_run=dry_run)

    def doctor(self) -> list[tuple[str, bool, str]]:
        """Whether corpus, graph and indexes agree; each failure says how to repair."""
        from ltgraph.curation.doctor import diagnose

        try:
            curated = self.writer.sources()
        except DataDirError as exc:
            return [("curated entries", False, str(exc))]
        rows = diagnose(self.datadir, self.iris, self.encoder.name, self.writer._effective(curated),
                        self.settings.max_entry_bytes)
        shadowed = self.writer.shadowed(curated)
        detail = (f"{len(curated.entries)} added or changed, {len(curated.removed)} bundled "
                  f"removed, in {self.writer.curated.root}"
                  + (f"; replacing bundled entries of the same id: {', '.join(shadowed)}"
                     if shadowed else ""))
        return [("curated entries", True, detail), *rows]

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

    def _state(self) -> _Loaded:
        """The live generation, loaded once and reloaded when CURRENT moves on.

        Checking costs one small file read per call; a server's threads share one reload.
        """
        name = self.datadir.current_name()
        loaded = self._loaded
        if loaded is not None and loaded.name == name:
            return loaded
        with self._reload_lock:
            return self._reload()

    def _reload(self) -> _Loaded:
        name = self.datadir.current_name()
        if self._loaded is None or self._loaded.name != name:
            generation = Generation.open(self.datadir.current())
            model = (generation.manifest.extra.get("index") or {}).get("model")
            if model != self.encoder.name:
                raise DataDirError(f"the index was built with model {model!r} but "
                                   f"{self.encoder.name!r} is configured; run `ltgraph build` to "
                                   "rebuild it with the configured model")
            base = self._base if self._base and self._base[0].name == generation.base.name else None
            if generation.is_full:
                entries = load_corpus(generation.entry_files(), self.settings.max_entry_bytes)
                index = load_index(generation)
                base = (BaseIndex.of(generation.path, index), {e.slug: e for e in entries})
            else:
                if base is None:  # parse the base's entries once for all its deltas
                    files = entry_files(generation.base / "corpus")
                    base = (BaseIndex.of(generation.base),
                            {e.slug: e for e in load_corpus(files, self.settings.max_entry_bytes)})
                delta = self._delta.read(generation, generation.catalog(),
                                         self.settings.max_entry_bytes)
                entries = sorted([*(e for s, e in base[1].items() if s not in generation.deleted),
                                  *(item.entry for item in delta)], key=lambda e: e.slug)
                index = load_index(generation, base[0], delta)
            leases = [Lease(generation.path)] + ([] if generation.is_full else [Lease(generation.base)])
            graph = new_graph(served_store(generation))
            for lease in self._leases:  # the previous generation may be cleaned up now
                lease.close()
            self._leases = leases
            if self.executor.started:  # a server: load query processes for the new generation
                self.executor.use(str(generation.path))
            self._base = base
            self._loaded = _Loaded(generation.path.name, generation.path, generation.manifest,
                                   {e.slug: e for e in entries}, graph, index, Lexicon(entries))
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
            raise NotFoundError(f"no entry {slug!r}") from None

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
                "triples": count_triples(state.graph), "passages": state.manifest.passages,
                "vectors": state.index.vectors.size, "model": self.encoder.name}

    # ------------------------------------------------------------------ search

    def search(self, question: str, k: int = 10, theory: str | None = None,
               kind: str | None = None, type_: str | None = None,
               mode: str = "hybrid") -> dict[str, Any]:
        """Ranked passages tied to graph nodes, the entities named, and a graph answer."""
        started = time.perf_counter()
        question = self._check_request(question, k, theory, kind, type_, mode)
        state = self._state()
        # A misspelled name ("conectivism") is searched as corrected, and the response says so.
        corrected = state.lexicon.correct(question)
        asked = corrected or question
        analysis = analyse(asked, state.lexicon)
        rows = self._ranked_rows(state, asked, analysis, k, theory, kind, type_, mode)
        results = [self._hit(state, row, score) for row, score in rows[:k]]
        match = match_level(self.closeness(asked, state), bool(analysis.mentions))

        def select(query: str, **bindings: str) -> list[dict[str, str]]:
            return _rows(run_query(state.graph, query, bindings))  # one generation throughout

        from ltgraph.retrieval.answers import compose_answer, entity_cards

        return {
            "query": question,
            "did_you_mean": corrected,
            "match": match,
            "results": results,
            "entities": entity_cards(select, analysis.mentions, self._mention_iri),
            "answer": (compose_answer(select, asked, analysis, self._mention_iri)
                       if match != "none" else None),
            "analysis": {"kinds": analysis.kinds},
            "took_ms": round((time.perf_counter() - started) * 1000, 2),
        }

    def closeness(self, question: str, state: _Loaded | None = None) -> float:
        """The cosine between the question and the nearest passage of the whole corpus
        (`state`: the generation a response is made from, so that it uses one throughout)."""
        hits = (state or self._state()).index.vectors.search(self._query_vector(question), 1)
        return hits[0][1] if hits else 0.0

    def _check_request(self, question: str, k: int, theory: str | None, kind: str | None,
                       type_: str | None, mode: str) -> str:
        if not isinstance(question, str) or not question.strip():
            raise QueryError("the question is empty")
        for name, value in (("q", question), ("theory", theory), ("kind", kind), ("type", type_)):
            if isinstance(value, str) and not _encodable(value):
                raise QueryError(f"{name} is not valid Unicode (it holds a lone surrogate)")
        question = " ".join(question.split())
        if len(question) > MAX_QUESTION_CHARS:
            raise QueryError(f"the question is {len(question)} characters; the limit is "
                             f"{MAX_QUESTION_CHARS}")
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise QueryError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
        if kind is not None and kind not in KINDS:
            raise QueryError(f"unknown kind {kind!r} (use one of {', '.join(KINDS)})")
        if type_ is not None and type_ not in ENTRY_TYPES:
            raise QueryError(f"unknown type {type_!r} (use theory or model)")
        if mode not in SEARCH_MODES:
            raise QueryError(f"unknown mode {mode!r} (use one of {', '.join(SEARCH_MODES)})")
        if theory is not None and theory not in self._state().entries:
            raise QueryError(f"unknown theory {theory!r}: it is not the id of an entry")
        return question

    def _ranked_rows(self, state: _Loaded, question: str, analysis: Any, k: int,
                     theory: str | None, kind: str | None, type_: str | None,
                     mode: str) -> list[tuple[int, float]]:
        records = state.index.records

        def keep(row: int) -> bool:
            r = records[row]
            return ((theory is None or r.entry == theory) and (kind is None or r.kind == kind)
                    and (type_ is None or state.entries[r.entry].type == type_))

        filtered = theory is not None or kind is not None or type_ is not None
        # With filters, look deeper so that enough candidates survive them.
        depth = len(records) if filtered and len(records) <= 20_000 else max(CANDIDATES, 4 * k)
        def ordered(hits: list[tuple[int, float]]) -> list[tuple[int, float]]:
            # Equal scores in passage-key order, so that ranks (and fused scores) are the same
            # whatever order rows have: a full build and a composed delta lay them out apart.
            hits.sort(key=lambda h: (-h[1], records[h[0]].key))
            return hits[:depth]

        dense = keyword = []
        if mode in ("hybrid", "dense"):
            dense = ordered([h for h in state.index.vectors.search(
                self._query_vector(question), depth + TIE_MARGIN) if keep(h[0])])
        if mode in ("hybrid", "keyword"):
            keyword = ordered([h for h in state.index.keywords.search(question, depth + TIE_MARGIN)
                               if keep(h[0])])
        if mode == "dense":
            return dense
        if mode == "keyword":
            return keyword
        fused = reciprocal_rank_fusion(dense[:CANDIDATES], keyword[:CANDIDATES])
        entry_ranking = state.index.entry_ranking(question, 10)
        return [(s.row, s.score) for s in boost(fused, records, analysis, entry_ranking)]

    def _hit(self, state: _Loaded, row: int, score: float) -> dict[str, Any]:
        r = state.index.records[row]
        entry = state.entries[r.entry]
        if r.item is None:
            item_iri = self.iris.entry(r.entry)
        elif r.kind == "researcher":
            item_iri = self.iris.person(r.item)
        else:
            item_iri = self.iris.item(r.entry, r.kind, r.item)
        return {"theory": r.entry, "theory_iri": str(self.iris.entry(r.entry)),
                "theory_label": entry.name, "type": entry.type, "kind": r.kind,
                "item_iri": str(item_iri), "passage_iri": f"{self.iris.base}id/theory/{r.key}",
                "label": r.label, "text": r.text, "score": round(score, 6)}

    def _mention_iri(self, mention: Mention) -> str:
        if mention.kind == "entry":
            return str(self.iris.entry(mention.slug))
        if mention.kind == "person":
            return str(self.iris.person(mention.slug))
        return str(self.iris.item(mention.entry or "", mention.item_kind or "concept", mention.slug))

    def _select(self, query: str) -> list[dict[str, str]]:
        """Internal SELECT helper: rows as {variable: lexical value}."""
        return _rows(run_query(self.graph, query))

    def warm_up(self) -> None:
        """Load the live data, the model and the SPARQL processes; embed one query.

        Servers call this before taking requests.
        """
        self.executor.use(str(self._state().path))
        loader = getattr(self.encoder, "load", None)
        if loader is not None:
            loader()
        self._query_vector("warm up")

    def health(self) -> dict[str, Any]:
        """Counts of the live generation and whether graph, vectors and keywords agree."""
        state = self._state()  # once: every figure below is of the same generation
        rows = _rows(run_query(state.graph, "SELECT (COUNT(?p) AS ?n) WHERE { ?p a ltg:Passage }"))
        graph_passages = int(rows[0]["n"])
        index = state.index
        consistent = (graph_passages == len(index.records) == index.vectors.size
                      == index.keywords.size == state.manifest.passages)
        return {
            "status": "ok" if consistent else "inconsistent",
            "generation": state.name,
            "entries": len(state.entries),
            "triples": count_triples(state.graph),
            "passages": graph_passages,
            "vectors": index.vectors.size,
            "keyword_documents": index.keywords.size,
            "model": self.encoder.name,
            "index": "hnsw" if index.vectors.hnsw else "exact",
            "consistent": consistent,
            **({"sparql": sparql} if (sparql := self.executor.status()) is not None else {}),
        }

    # ------------------------------------------------------------------ SPARQL and export

    def sparql(self, query: str) -> Any:
        """Run a read-only SPARQL query on the live graph (pyoxigraph result object)."""
        if len(query.encode("utf-8")) > self.settings.sparql_max_query_bytes:
            raise QueryError(f"query is over {self.settings.sparql_max_query_bytes} bytes")
        try:
            return run_query(self.graph, query, base_iri=self.settings.base_iri)
        except QueryError:
            from ltgraph.sparql import check_query

            try:
                check_query(query, self.settings.sparql_max_query_bytes)
            except QueryError as refused:
                if "SPARQL Update" in str(refused):
                    raise QueryError("SPARQL Update is not supported: the graph is derived from "
                                     "the corpus; change entries with `ltgraph add`, `update` or "
                                     "`remove`") from None
            raise

    def public_sparql(self, query: str, select_fmt: str = "json", graph_fmt: str = "turtle") -> Any:
        """A query a request influences: guarded, sandboxed, limited in time, rows and bytes.

        Returns a `sparql.Rendered` (serialised body, media type, row count, truncation).
        """
        return self.executor.run(query, str(self._state().path), select_fmt, graph_fmt)

    def describe(self, iri: str, limit: int = 10_000) -> tuple[list[Any], bool]:
        """Triples about one node: outgoing, incoming, and the labels of its neighbours.

        Pattern lookups on a term built from the IRI, no query text. Returns the triples
        (at most `limit`) and whether they were cut. Raises NotFoundError for an unknown
        node or a string that is not an IRI.
        """
        import pyoxigraph as ox

        from ltgraph.rdf.graph import oxstore
        from ltgraph.rdf.ontology import PREFIXES

        try:
            node = ox.NamedNode(iri)
        except ValueError:
            raise NotFoundError("there is no resource at this address") from None
        store = oxstore(self._state().graph)
        label = ox.NamedNode(PREFIXES["rdfs"] + "label")
        out: list[Any] = []
        seen_labels: set[Any] = set()

        def add(triple: Any) -> bool:
            out.append(triple)
            return len(out) >= limit

        for quad in store.quads_for_pattern(node, None, None, None):
            if add(quad.triple):
                return out, True
        for quad in store.quads_for_pattern(None, None, node, None):
            if add(quad.triple):
                return out, True
        if not out:
            raise NotFoundError("nothing is known about this resource")
        neighbours = [t.object for t in out if isinstance(t.object, ox.NamedNode)]
        neighbours += [t.subject for t in out if isinstance(t.subject, ox.NamedNode)]
        for other in neighbours:
            if other == node or other in seen_labels:
                continue
            seen_labels.add(other)
            for quad in store.quads_for_pattern(other, label, None, None):
                if add(quad.triple):
                    return out, True
        return out, False

    def close(self) -> None:
        """Stop the SPARQL query processes and release the leases (servers call this at
        shutdown)."""
        self.executor.close()
        for lease in self._leases:
            lease.close()
        self._leases = []

    def export(self, fmt: str) -> bytes:
        """The whole graph serialised in one of `EXPORT_FORMATS`."""
        if fmt not in EXPORT_FORMATS:
            raise QueryError(f"unknown export format {fmt!r} (use {', '.join(EXPORT_FORMATS)})")
        data = self.graph.serialize(format=EXPORT_FORMATS[fmt][0], encoding="utf-8")
        return data if isinstance(data, bytes) else data.encode("utf-8")


#: Cosine of the nearest passage below which the corpus does not answer a question ("none"),
#: and from which it answers it well ("strong"), for all-MiniLM-L6-v2. Calibrated with
#: `benchmarks/calibrate_match.py` on the 309 on-topic questions of eval/ (lowest 0.358,
#: 1st percentile 0.392) and the off-topic ones of eval/offtopic.jsonl.
MATCH_NONE_BELOW = 0.35
MATCH_STRONG_FROM = 0.50


def match_level(closeness: float, names_something: bool) -> str:
    """How well the corpus answers a question: "strong", "weak" or "none".

    A question naming an entry, a person or a concept of the corpus is answered strongly;
    otherwise the nearest passage decides. Another embedding model needs its own calibration.
    """
    if names_something or closeness >= MATCH_STRONG_FROM:
        return "strong"
    return "none" if closeness < MATCH_NONE_BELOW else "weak"


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _rows(result: Any) -> list[dict[str, str]]:
    names = [v.value for v in result.variables]
    return [{n: sol[n].value for n in names if sol[n] is not None} for sol in result]
