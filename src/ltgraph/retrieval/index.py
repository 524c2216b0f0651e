"""Passages -> vectors (sentence-transformers) in FAISS, plus a BM25 keyword index.

Files of an index inside a generation directory::

    passages.jsonl   one passage per line, row i <-> vector i
    vectors.npy      float32, L2-normalised, shape (passages, dim)
    hnsw.faiss       only when the approximate index is in use (large corpora)
    bm25/            the bm25s keyword index over passage text + entry names and aliases

Encoders live in `encoders.py`; importing this module loads nothing heavy.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ltgraph.corpus import Entry, Passage, passages


def _bm25s() -> Any:
    """bm25s, imported with its progress bars off.

    They are noise in a server, and every bar takes tqdm's process-shared lock: a writer
    killed while holding it (the SIGKILL tests fork writers) would hang its parent for ever.
    """
    os.environ.setdefault("DISABLE_TQDM", "1")
    import bm25s

    return bm25s


#: Extra candidates fetched so that equal scores at the cut are ordered by key, not by row
#: (rows are laid out differently in a full build and in a composed delta).
TIE_MARGIN = 16
from ltgraph.errors import DataDirError

#: Above this many passages an HNSW index replaces exact search.
HNSW_THRESHOLD = 50_000


def passage_document(passage: Passage, entry: Entry) -> str:
    """The text that is embedded: the passage with its entry and item title as context."""
    if passage.item is None:
        return f"{entry.name}. {passage.text}"
    return f"{entry.name} — {passage.label} ({passage.kind}). {passage.text}"


def keyword_document(passage: Passage, entry: Entry) -> str:
    """What BM25 sees: the passage plus the entry's names and aliases and the item title."""
    return " ".join([entry.name, *entry.aliases, passage.label, passage.kind, passage.text])


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

#: British -> American spellings, applied to documents and questions alike, so that
#: "behavior" finds "behaviour" and "organize" finds "organise". Over-eager rewrites
#: ("exercise" -> "exercize") are harmless because both sides are rewritten the same way.
_SPELLING = [
    (re.compile(r"\b(behavi|col|fav|hon|lab|rig|harb|neighb|hum|vig|flav|endeav)our"), r"\1or"),
    (re.compile(r"\b(\w{3,}?)is(e|es|ed|ing|ation|ations)\b"), r"\1iz\2"),
    (re.compile(r"\b(\w+)yse(s|d)?\b"), r"\1yze\2"),
    (re.compile(r"\bcentre(s)?\b"), r"center\1"),
    (re.compile(r"\bprogramme(s)?\b"), r"program\1"),
    (re.compile(r"\b(model|travel|label|cancel|signal)l(ing|ed)\b"), r"\1\2"),
    (re.compile(r"\bjudgement"), "judgment"),
    (re.compile(r"\benrol(s|ment)?\b"), r"enroll\1"),
]


def normalise_spelling(text: str) -> str:
    """Lowercase and map common British spellings to American ones (for keyword matching)."""
    return _CANDIDATE.sub(lambda m: _american(m.group(0)), text.lower())


# Only words that some rule could change are looked at: most words are left alone cheaply.
_CANDIDATE = re.compile(r"\b\w*(?:our|is(?:e|es|ed|ing|ation|ations)|yse[sd]?|centre|programme"
                        r"|ll(?:ing|ed)|judgement|enrol)\w*\b")


@functools.lru_cache(maxsize=65536)
def _american(word: str) -> str:
    # Word by word with a cache: the vocabulary is small, so each rule runs once per word.
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


def _stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english").stemWords
    except ImportError:  # pragma: no cover - PyStemmer is a dependency
        return None


class KeywordIndex:
    """BM25 (bm25s) over passages; scores are only compared within one query."""

    def __init__(self, retriever: Any, size: int) -> None:
        self._retriever = retriever
        self.size = size
        self._stem = _stemmer()

    @classmethod
    def build(cls, documents: Sequence[str]) -> KeywordIndex:
        return cls.from_tokens(tokenize(documents))

    @classmethod
    def from_tokens(cls, tokens: list[list[str]]) -> KeywordIndex:
        bm25s = _bm25s()

        retriever = bm25s.BM25()
        # bm25s wants a non-empty vocabulary; an empty document list cannot be searched anyway
        retriever.index(tokens if any(tokens) else [["\0"]], show_progress=False)
        return cls(retriever, len(tokens))

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> KeywordIndex:
        bm25s = _bm25s()

        return cls(bm25s.BM25.load(str(directory), mmap=False), size)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        bm25s = _bm25s()

        tokens = bm25s.tokenize([normalise_spelling(query)], stopwords="en", stemmer=self._stem,
                                show_progress=False)
        if not tokens.vocab or not any(tokens.ids[0]):
            return []
        k = min(k, self.size)
        ids, scores = self._retriever.retrieve(tokens, k=k, show_progress=False, n_threads=1)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]


def tokenize(documents: Sequence[str]) -> list[list[str]]:
    """Stemmed tokens of each document, stop words removed, spelling normalised."""
    bm25s = _bm25s()

    tokens: list[list[str]] = bm25s.tokenize([normalise_spelling(d) for d in documents],
                                             stopwords="en", stemmer=_stemmer(),
                                             return_ids=False, show_progress=False)
    return tokens


#: A passage's keyword document hash and its tokens.
Tokens = tuple[str, list[str]]


def keyword_hash(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()[:32]


def row_tokens(documents: Sequence[str], known: dict[str, list[str]] | None = None) -> list[Tokens]:
    """(hash, tokens) per keyword document, tokenising only documents `known` lacks."""
    known = known or {}
    hashes = [keyword_hash(d) for d in documents]
    missing = [i for i, h in enumerate(hashes) if h not in known]
    fresh = dict(zip((hashes[i] for i in missing), tokenize([documents[i] for i in missing]),
                     strict=True))
    return [(h, fresh[h] if h in fresh else known[h]) for h in hashes]


def save_tokens(path: Path, tokens: list[Tokens]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for key, words in tokens:
            handle.write(json.dumps([key, words], ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- vector index


class VectorIndex:
    """FAISS inner product on normalised vectors: exact, or HNSW for large collections."""

    def __init__(self, vectors: np.ndarray, hnsw: bool = False, index: Any = None) -> None:
        import faiss

        self.vectors = vectors
        self.hnsw = hnsw
        if index is not None:
            self._index = index
        elif hnsw:
            self._index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            self._index.hnsw.efConstruction = 80
            self._index.add(vectors)
        else:
            self._index = faiss.IndexFlatIP(vectors.shape[1])
            self._index.add(vectors)
        if hnsw:
            # recall@50 0.95 on corpus-shaped vectors, 0.90 at 64, for +0.2 ms
            # (benchmarks/bench_hnsw_recall.py)
            self._index.hnsw.efSearch = 128

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, self.size)
        if k <= 0:
            return []
        scores, ids = self._index.search(vector.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, directory: Path) -> None:
        import faiss

        np.save(directory / "vectors.npy", self.vectors)
        if self.hnsw:
            faiss.write_index(self._index, str(directory / "hnsw.faiss"))

    @classmethod
    def load(cls, directory: Path) -> VectorIndex:
        import faiss

        vectors = np.load(directory / "vectors.npy")
        hnsw_path = directory / "hnsw.faiss"
        if hnsw_path.is_file():
            return cls(vectors, hnsw=True, index=faiss.read_index(str(hnsw_path)))
        return cls(vectors)


class LayeredVectors:
    """A base index with some rows hidden, plus a small exact index of newer vectors.

    This is how a delta generation searches without rebuilding the base index (an HNSW
    graph of 100k vectors takes minutes to build): both layers are searched and the hits
    merged by inner product, which is comparable across them. Rows are numbered as the
    composed records are: the base's kept rows in order, then the delta's.
    """

    def __init__(self, base: VectorIndex, keep: np.ndarray, delta: VectorIndex | None) -> None:
        self.base = base
        self.delta = delta
        self.hnsw = base.hnsw
        self._keep = keep
        self._row = np.cumsum(keep) - 1  # base row -> composed row (where kept)
        self._kept = int(keep.sum())
        self._hidden = len(keep) - self._kept

    @property
    def size(self) -> int:
        return self._kept + (self.delta.size if self.delta is not None else 0)

    @property
    def vectors(self) -> np.ndarray:
        """The composed matrix (a copy: only for checks and rebuilds, not for searching)."""
        parts = [self.base.vectors[self._keep]]
        if self.delta is not None:
            parts.append(self.delta.vectors)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        hits = []
        if self._kept:
            # ask for enough that k survive the hidden rows
            for i, score in self.base.search(vector, k + self._hidden):
                if self._keep[i]:
                    hits.append((int(self._row[i]), score))
        if self.delta is not None:
            hits.extend((self._kept + i, score) for i, score in self.delta.search(vector, k))
        hits.sort(key=lambda h: -h[1])
        return hits[:k]


# --------------------------------------------------------------------------- the pair


@dataclass(frozen=True)
class IndexInfo:
    """What the manifest records about an index, checked when it is loaded."""

    model: str
    dim: int
    passages: int
    hnsw: bool


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
        with open(directory / "passages.jsonl", "w", encoding="utf-8") as handle:
            for record in self.records:
                handle.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        if not isinstance(self.vectors, VectorIndex):
            raise TypeError("a composed index is saved by writing a full generation (ltgraph build)")
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
