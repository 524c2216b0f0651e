"""A question in, the search response out: checks, ranking, hits, match level, answer.

`Searcher.search(view, …)` works on one `SearchView` (in the service, the request's
snapshot), so every part of a response comes from the same generation. The response's
fields are the contract in DESIGN.md ("Search response").
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

import numpy as np
from rdflib import Graph

from ltgraph.corpus import ENTRY_TYPES, KINDS, Entry
from ltgraph.errors import QueryError
from ltgraph.rdf.graph import run_query
from ltgraph.rdf.iris import Iris
from ltgraph.retrieval.encoders import Encoder, QueryCache
from ltgraph.retrieval.index import TIE_MARGIN, PassageStore
from ltgraph.retrieval.intent import NEIGHBOURS, IntentReader
from ltgraph.retrieval.lexicon import Lexicon, Mention, says_full_name
from ltgraph.retrieval.lists import catalogue_request
from ltgraph.retrieval.ranking import Analysis, analyse, arrange, boost, reciprocal_rank_fusion

MAX_QUESTION_CHARS = 500
#: Scores equal to this many decimals are ties (then ordered by passage key).
TIE_DECIMALS = 5
MAX_K = 100
#: Candidates taken from each retriever before fusion.
CANDIDATES = 50
SEARCH_MODES = ("hybrid", "keyword", "dense")

#: Cosine of the nearest passage below which the corpus does not answer a question ("none"),
#: and from which it answers it well ("strong"), for all-MiniLM-L6-v2. Calibrated with
#: `benchmarks/calibrate_match.py` on the 309 on-topic questions of eval/ (lowest 0.358,
#: 1st percentile 0.392) and the off-topic ones of eval/offtopic.jsonl.
MATCH_NONE_BELOW = 0.35
MATCH_STRONG_FROM = 0.50
#: The intent model's topic head (`Intent.on_topic`): below this probability a question is not
#: about learning and teaching, whatever words it shares with the corpus ("piaget watch prices").
TOPIC_NONE_BELOW = 0.3
#: Below this the topic head is sure a question is off the field. Between it and
#: `TOPIC_NONE_BELOW` a passage as near as `MATCH_STRONG_FROM` makes the question "weak", not
#: "none": short definitions of one word ("what is a schema": topic 0.16, cosine 0.79) are
#: unsure for the head yet close to the corpus. No question of eval/offtopic.jsonl comes
#: nearer than 0.49; 9 of the 3,645 on-topic ones of eval/ are kept (41 -> 32 "none";
#: `benchmarks/calibrate_match.py`). Of the 587 off-topic questions in training/, 4 hard
#: look-alikes would pass ("what is scaffolding in ruby on rails": topic 0.23, cosine 0.56).
TOPIC_OFF_BELOW = 0.1
#: From this probability the topic head is sure a question is about learning and teaching: a
#: far nearest passage then makes it "weak", not "none". Long teaching situations ("junior
#: electricians can follow the fault-finding manual but freeze when a real fault doesn't
#: match it") are far from every passage yet plainly on topic: 10 of the 90 in
#: eval/situations.jsonl were "none" without this, 3 with it. At 0.8 (0.9 until session 11)
#: 26 of the 3,645 on-topic questions of eval/ are "none" (0.9: 31; 0.7: 22), and no more of
#: the off-topic ones, in eval/ or training/, than at 0.9; 0.7 lets one more through
#: (`benchmarks/calibrate_match.py`, its last table).
TOPIC_SURE_FROM = 0.8


class Neighbours(NamedTuple):
    """The passages nearest a question, (row, score) nearest first: by cosine, by BM25."""

    dense: list[tuple[int, float]]
    keyword: list[tuple[int, float]]

    @property
    def closeness(self) -> float:
        """The cosine of the nearest passage (0 for an empty index)."""
        return self.dense[0][1] if self.dense else 0.0


class SearchView(Protocol):
    """What a search reads: one generation's entries, graph, index and names."""

    @property
    def by_slug(self) -> dict[str, Entry]: ...
    @property
    def graph(self) -> Graph: ...
    @property
    def index(self) -> PassageStore: ...
    @property
    def lexicon(self) -> Lexicon: ...


def match_level(closeness: float, names_something: bool, on_topic: float | None = None,
                bare: bool = False, names_specifically: bool = False) -> str:
    """How well the corpus answers a question: "strong", "weak" or "none".

    A question the topic head finds off the field is "none" — unless the head is unsure and a
    passage is as near as a named match, or the question names a key concept of an entry or a
    person by their full name (`names_specifically`: "what does ZPD stand for", "Seymour
    Papert and Logo"), then "weak"; one naming an entry, a person or a
    concept of the corpus is answered strongly; otherwise the nearest passage decides, but a
    question the topic head is sure about is never "none". Another embedding model needs its
    own calibration (and has no topic head until one is trained). A question that is a name
    of the corpus and nothing else (`bare`: "bruner") is "strong" whatever the topic head says.
    """
    if bare:
        return "strong"
    if on_topic is not None and on_topic < TOPIC_NONE_BELOW:
        near = on_topic >= TOPIC_OFF_BELOW and (closeness >= MATCH_STRONG_FROM or names_specifically)
        return "weak" if near else "none"
    if names_something or closeness >= MATCH_STRONG_FROM:
        return "strong"
    if on_topic is not None and on_topic >= TOPIC_SURE_FROM:
        return "weak"
    return "none" if closeness < MATCH_NONE_BELOW else "weak"


class Searcher:
    """Hybrid search (dense + keyword, fused, boosted by what the question names)."""

    def __init__(self, encoder: Encoder, iris: Iris) -> None:
        self.encoder = encoder
        self.iris = iris
        self.query_vector = QueryCache(encoder)
        self.intent = IntentReader(encoder.name, lambda: encoder.dim)
        self._centroid_cache: tuple[PassageStore, dict[str, np.ndarray]] | None = None

    def search(self, view: SearchView, question: str, k: int = 10, theory: str | None = None,
               kind: str | None = None, type_: str | None = None,
               mode: str = "hybrid") -> dict[str, Any]:
        """Ranked passages tied to graph nodes, the entities named, and a graph answer."""
        started = time.perf_counter()
        question = check_request(view, question, k, theory, kind, type_, mode)
        # A misspelled name ("conectivism") is searched as corrected, and the response says so.
        corrected = view.lexicon.correct(question)
        asked = corrected or question
        nearest = self.nearest(view, asked)
        analysis = self.analyse(view, asked, nearest)
        rows = self._ranked_rows(view, asked, analysis, k, theory, kind, type_, mode, nearest)
        results = [self._hit(view, row, score) for row, score in rows[:k]]
        if results and not analysis.entries and not analysis.people:
            # "a connectivist course": the adjective names connectivism when the ranking agrees
            # (not in "which cognitivist theory splits mental effort …": cognitive load theory).
            analysis.mentions += [m for m in view.lexicon.described(asked)
                                  if m.entry == results[0]["theory"]][:1]
        specific = bool(analysis.items) or any(m.kind == "person" and says_full_name(asked, m.label)
                                               for m in analysis.mentions)
        match = match_level(nearest.closeness, bool(analysis.mentions), analysis.on_topic,
                            analysis.bare, specific)
        if catalogue_request(asked):  # "list all the models": the graph answers it in full
            match = "strong"

        def select(query: str, **bindings: str) -> list[dict[str, str]]:
            return rows_of(run_query(view.graph, query, bindings))

        from ltgraph.retrieval.answers import compose_answer
        from ltgraph.retrieval.cards import entity_cards

        return {
            "query": question,
            "did_you_mean": corrected,
            "match": match,
            "results": results,
            "entities": entity_cards(select, analysis.mentions, self.mention_iri),
            "answer": (compose_answer(select, asked, analysis, self.mention_iri, results,
                                      view.lexicon.find)
                       if match != "none" else None),
            "intent": {"type": analysis.type, "kinds": analysis.kinds},
            "took_ms": round((time.perf_counter() - started) * 1000, 2),
        }

    def nearest(self, view: SearchView, question: str) -> Neighbours:
        """The `NEIGHBOURS` passages nearest the question by meaning and by words (row,
        score), each nearest first (`first`). Unfiltered, they are also the ranking's
        candidates (`CANDIDATES` = `NEIGHBOURS`), searched once."""
        records = view.index.records
        return Neighbours(
            first(records, view.index.vectors.search(self.query_vector(question),
                                                     NEIGHBOURS + TIE_MARGIN), NEIGHBOURS),
            first(records, view.index.keywords.search(question, NEIGHBOURS + TIE_MARGIN), NEIGHBOURS))

    def analyse(self, view: SearchView, question: str, nearest: Neighbours | None = None) -> Analysis:
        """What the question names and asks for: the lexicon's names, and the intent model
        reading the question's vector and the kinds of its nearest passages."""
        vector = self.query_vector(question)
        found = self.nearest(view, question) if nearest is None else nearest
        records = view.index.records
        kinds = [(records[row].kind, cosine) for row, cosine in found.dense]
        return analyse(question, view.lexicon,
                       lambda entries, people: self.intent(vector, question, entries, people, kinds))

    def passage_iri(self, view: SearchView, row: int) -> str:
        return f"{self.iris.base}id/theory/{view.index.records[row].key}"

    def similarity_table(self, view: SearchView, text: str) -> dict[str, float]:
        """The cosine of `text` with every passage, by passage IRI (`ltgs:similarity`)."""
        vectors = np.asarray(view.index.vectors.vectors)
        scores = vectors @ self.query_vector(text)
        return {self.passage_iri(view, row): float(score) for row, score in enumerate(scores)}

    def similar_entries(self, view: SearchView, entry_iri: str, k: int) -> list[tuple[str, float]]:
        """The `k` entries nearest in meaning to an entry: cosine of the normalised means of
        their passages' vectors (`ltgs:similarEntries`); none for an IRI that is no entry."""
        slug = self.iris.slug_of(entry_iri)
        if slug is None or str(self.iris.entry(slug)) != entry_iri or slug not in view.by_slug:
            return []
        centroids = self._centroids(view.index)
        target = centroids[slug]
        scored = sorted(((float(c @ target), e) for e, c in centroids.items() if e != slug),
                        key=lambda s: (-s[0], s[1]))
        return [(str(self.iris.entry(e)), round(score, 6)) for score, e in scored[:k]]

    def _centroids(self, index: PassageStore) -> dict[str, np.ndarray]:
        """Each entry's normalised mean passage vector, for the last index asked about (a
        snapshot's index does not change, so queries reuse it)."""
        cached = self._centroid_cache
        if cached is not None and cached[0] is index:
            return cached[1]
        vectors = np.asarray(index.vectors.vectors)
        rows: dict[str, list[int]] = {}
        for row, record in enumerate(index.records):
            rows.setdefault(record.entry, []).append(row)
        centroids = {}
        for entry, entry_rows in rows.items():
            mean = vectors[entry_rows].mean(axis=0)
            centroids[entry] = mean / max(float(np.linalg.norm(mean)), 1e-12)
        self._centroid_cache = (index, centroids)
        return centroids

    def closeness(self, view: SearchView, question: str) -> float:
        """The cosine between the question and the nearest passage of the whole corpus."""
        hits = view.index.vectors.search(self.query_vector(question), 1)
        return hits[0][1] if hits else 0.0

    def _ranked_rows(self, view: SearchView, question: str, analysis: Analysis, k: int,
                     theory: str | None, kind: str | None, type_: str | None,
                     mode: str, nearest: Neighbours) -> list[tuple[int, float]]:
        records = view.index.records

        def keep(row: int) -> bool:
            r = records[row]
            return ((theory is None or r.entry == theory) and (kind is None or r.kind == kind)
                    and (type_ is None or view.by_slug[r.entry].type == type_))

        filtered = theory is not None or kind is not None or type_ is not None
        # With filters, look deeper so that enough candidates survive them.
        depth = len(records) if filtered and len(records) <= 20_000 else max(CANDIDATES, 4 * k)

        dense: list[tuple[int, float]] = []
        keyword: list[tuple[int, float]] = []
        if not filtered and depth == NEIGHBOURS:  # the searches made for the intent model
            dense, keyword = list(nearest.dense), list(nearest.keyword)
        else:
            if mode in ("hybrid", "dense"):
                dense = first(records, [h for h in view.index.vectors.search(
                    self.query_vector(question), depth + TIE_MARGIN) if keep(h[0])], depth)
            if mode in ("hybrid", "keyword"):
                keyword = first(records, [h for h in view.index.keywords.search(
                    question, depth + TIE_MARGIN) if keep(h[0])], depth)
        if mode == "dense":
            return dense
        if mode == "keyword":
            return keyword
        fused = reciprocal_rank_fusion(dense[:CANDIDATES], keyword[:CANDIDATES])
        entry_ranking = view.index.entry_ranking(question, 10)
        ranked = arrange(boost(fused, records, analysis, entry_ranking), records, analysis)
        return [(s.row, s.score) for s in ranked]

    def _hit(self, view: SearchView, row: int, score: float) -> dict[str, Any]:
        r = view.index.records[row]
        entry = view.by_slug[r.entry]
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

    def mention_iri(self, mention: Mention) -> str:
        if mention.kind == "entry":
            return str(self.iris.entry(mention.slug))
        if mention.kind == "person":
            return str(self.iris.person(mention.slug))
        return str(self.iris.item(mention.entry or "", mention.item_kind or "concept", mention.slug))


def first(records: Sequence[Any], hits: list[tuple[int, float]], n: int) -> list[tuple[int, float]]:
    """The first `n` hits, best first, equal scores in passage-key order: so ranks (and fused
    scores) are the same whatever order rows have (a full build and a composed delta lay them
    out apart). Equal to `TIE_DECIMALS` is equal: the same score summed in float32 (bm25s,
    FAISS) or in SQL (PostgreSQL) differs in the last bits."""
    hits.sort(key=lambda h: (-round(h[1], TIE_DECIMALS), records[h[0]].key))
    return hits[:n]


def check_request(view: SearchView, question: str, k: int, theory: str | None, kind: str | None,
                  type_: str | None, mode: str) -> str:
    """The question with its white space collapsed; QueryError saying what is wrong."""
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
    if theory is not None and theory not in view.by_slug:
        raise QueryError(f"unknown theory {theory!r}: it is not the id of an entry")
    return question


def rows_of(result: Any) -> list[dict[str, str]]:
    """A SELECT result as rows of {variable: lexical value} (unbound variables left out)."""
    names = [v.value for v in result.variables]
    return [{n: sol[n].value for n in names if sol[n] is not None} for sol in result]


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
