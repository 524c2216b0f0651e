"""Passages -> vectors (sentence-transformers) in FAISS, plus a BM25 keyword index.

Files of an index inside a generation directory::

    passages.jsonl   one passage per line, row i <-> vector i
    vectors.npy      float32, L2-normalised, shape (passages, dim)
    hnsw.faiss       only when the approximate index is in use (large corpora)
    bm25/            the bm25s keyword index over passage text + entry names and aliases

The parts: `text.py` (documents, tokens), `keyword.py` (BM25), `vectors.py` (FAISS);
encoders live in `encoders.py`. Importing this module loads nothing heavy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Protocol

import numpy as np

from ltgraph.corpus import Entry, passages
from ltgraph.errors import DataDirError
from ltgraph.retrieval.info import IndexInfo
from ltgraph.retrieval.keyword import KeywordIndex, Tokens, row_tokens, save_tokens
from ltgraph.retrieval.text import keyword_document, passage_document
from ltgraph.retrieval.vectors import HNSW_THRESHOLD, LayeredVectors, VectorIndex, VectorSearch

#: Extra candidates fetched so that equal scores at the cut are ordered by key, not by row
#: (rows are laid out differently in a full build and in a composed delta).
TIE_MARGIN = 16


@dataclass(frozen=True)
class IndexedPassage:
    """A passage as stored in `passages.jsonl`."""

    key: str
    entry: str
    kind: str
    item: str | None
    label: str
    text: str
    #: SHA-256 of the embedded document: a vector is reused while this stays the same.
    digest: str = ""


def corpus_passages(entries: Iterable[Entry]) -> list[tuple[IndexedPassage, str, str]]:
    """(passage, text to embed, text for BM25) for every passage of the entries, in order."""
    out = []
    for entry in entries:
        for p in passages(entry):
            document = passage_document(p, entry)
            digest = hashlib.sha256(document.encode("utf-8")).hexdigest()
            record = IndexedPassage(p.key, p.entry, p.kind, p.item, p.label, p.text, digest)
            out.append((record, document, keyword_document(p, entry)))
    return out


# --------------------------------------------------------------------------- keyword index


# --------------------------------------------------------------------------- vector index


# --------------------------------------------------------------------------- the pair


class KeywordSearch(Protocol):
    """Best rows for a question by a keyword ranking (`keyword.py`: BM25)."""

    @property
    def size(self) -> int: ...
    def search(self, query: str, k: int) -> list[tuple[int, float]]: ...


class PassageStore(Protocol):
    """The passage-index seam search reads: passages in row order, their vector and keyword
    rankings, and entries ranked as wholes. `PassageIndex` is the embedded implementation
    (FAISS + bm25s files in a generation); `store.pg_search.PgPassageStore` is the one on
    PostgreSQL with pgvector."""

    records: list[IndexedPassage]

    @property
    def vectors(self) -> VectorSearch: ...
    @property
    def keywords(self) -> KeywordSearch: ...
    def entry_ranking(self, question: str, k: int) -> list[str]: ...


class PassageIndex:
    """Passages with their vector and keyword indexes, persisted in one directory.

    Besides the passage-level indexes there is a keyword index over whole entries (all
    their passages in one document): it recognises a question that combines several ideas
    of one entry ("reaction, learning, behaviour, results") that no single passage holds.
    """

    def __init__(self, records: list[IndexedPassage], vectors: VectorIndex | LayeredVectors,
                 keywords: KeywordIndex, entry_keywords: KeywordIndex,
                 tokens: list[Tokens] | None = None) -> None:
        self.records = records
        self.vectors = vectors
        self.keywords = keywords
        self.entry_keywords = entry_keywords
        self.entry_slugs = list(dict.fromkeys(r.entry for r in records))
        #: Per row: (keyword-document hash, tokens); saved so that a change re-tokenises only
        #: what changed and a delta generation can rebuild the keyword index without
        #: tokenising (only when built or composed, not when loaded: servers do not need them).
        self.tokens = tokens or []

    @classmethod
    def build(cls, items: list[tuple[IndexedPassage, str, str]], vectors: np.ndarray,
              kind: str = "auto", known_tokens: dict[str, list[str]] | None = None) -> PassageIndex:
        """`kind`: "exact", "hnsw", or "auto" (HNSW above `HNSW_THRESHOLD` passages).

        `known_tokens` (keyword-document hash -> tokens, from the previous index) spares
        re-tokenising unchanged passages.
        """
        records = [r for r, _, _ in items]
        hnsw = kind == "hnsw" or (kind == "auto" and len(records) > HNSW_THRESHOLD)
        return cls.from_parts(records, VectorIndex(vectors, hnsw=hnsw),
                              row_tokens([kw for _, _, kw in items], known_tokens))

    @classmethod
    def from_parts(cls, records: list[IndexedPassage], vectors: VectorIndex | LayeredVectors,
                   tokens: list[Tokens]) -> PassageIndex:
        """An index over records whose vectors are indexed and whose tokens are known."""
        keywords = KeywordIndex.from_tokens([t for _, t in tokens])
        entry_tokens: dict[str, list[str]] = {}
        for record, (_, passage_tokens) in zip(records, tokens, strict=True):
            entry_tokens.setdefault(record.entry, []).extend(passage_tokens)
        entry_keywords = KeywordIndex.from_tokens(list(entry_tokens.values()))
        return cls(records, vectors, keywords, entry_keywords, tokens)

    def entry_ranking(self, question: str, k: int) -> list[str]:
        """Entry slugs whose whole text best matches the question's words, best first."""
        hits = self.entry_keywords.search(question, k + TIE_MARGIN)
        # equal scores in slug order: the same whatever order the entries were indexed in
        hits.sort(key=lambda h: (-h[1], self.entry_slugs[h[0]]))
        return [self.entry_slugs[i] for i, _ in hits[:k]]

    def info(self, model: str) -> IndexInfo:
        return IndexInfo(model=model, dim=int(self.vectors.vectors.shape[1]),
                         passages=len(self.records), hnsw=self.vectors.hnsw)

    def save(self, directory: Path) -> None:
        if not isinstance(self.vectors, VectorIndex):
            raise TypeError("a composed index is saved by writing a full generation (ltgraph build)")
        with open(directory / "passages.jsonl", "w", encoding="utf-8") as handle:
            for record in self.records:
                handle.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        self.vectors.save(directory)
        (directory / "bm25").mkdir()
        self.keywords.save(directory / "bm25")
        (directory / "bm25-entries").mkdir()
        self.entry_keywords.save(directory / "bm25-entries")
        save_tokens(directory / "tokens.jsonl", self.tokens)

    @staticmethod
    def load_records(directory: Path) -> list[IndexedPassage]:
        with open(directory / "passages.jsonl", encoding="utf-8") as handle:
            return [IndexedPassage(**json.loads(line)) for line in handle]

    @staticmethod
    def load_tokens(directory: Path) -> list[Tokens]:
        """The per-row tokens of a saved index."""
        with open(directory / "tokens.jsonl", encoding="utf-8") as handle:
            return [(key, tokens) for key, tokens in map(json.loads, handle)]

    @classmethod
    def load(cls, directory: Path, expected: IndexInfo) -> PassageIndex:
        """Load and check against the manifest; refuse an index of another model or corpus."""
        try:
            records = PassageIndex.load_records(directory)
            vectors = VectorIndex.load(directory)
            keywords = KeywordIndex.load(directory / "bm25", len(records))
            entry_keywords = KeywordIndex.load(directory / "bm25-entries",
                                               len({r.entry for r in records}))
        except (OSError, ValueError, TypeError) as exc:
            raise DataDirError(f"the search index in {directory} is missing or damaged ({exc}); "
                               "run `ltgraph build` to rebuild it") from None
        if len(records) != expected.passages or vectors.size != expected.passages:
            raise DataDirError(f"the search index in {directory} holds {vectors.size} vectors for "
                               f"{len(records)} passages, the manifest says {expected.passages}; "
                               "run `ltgraph build` to rebuild it")
        if vectors.vectors.shape[1] != expected.dim:
            raise DataDirError(f"the search index has dimension {vectors.vectors.shape[1]}, the "
                               f"manifest says {expected.dim}; run `ltgraph build` to rebuild it")
        return cls(records, vectors, keywords, entry_keywords)
