"""The BM25 keyword index (bm25s) and its row-aligned token files (`tokens.jsonl`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ltgraph.retrieval.text import keyword_hash, load_bm25s, normalise_spelling, stemmer, tokenize


class KeywordIndex:
    """BM25 (bm25s) over passages; scores are only compared within one query."""

    def __init__(self, retriever: Any, size: int) -> None:
        self._retriever = retriever
        self.size = size
        self._stem = stemmer()

    @classmethod
    def build(cls, documents: Sequence[str]) -> KeywordIndex:
        return cls.from_tokens(tokenize(documents))

    @classmethod
    def from_tokens(cls, tokens: list[list[str]]) -> KeywordIndex:
        bm25s = load_bm25s()

        retriever = bm25s.BM25()
        # bm25s wants a non-empty vocabulary; an empty document list cannot be searched anyway
        retriever.index(tokens if any(tokens) else [["\0"]], show_progress=False)
        return cls(retriever, len(tokens))

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> KeywordIndex:
        bm25s = load_bm25s()

        return cls(bm25s.BM25.load(str(directory), mmap=False), size)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        bm25s = load_bm25s()

        tokens = bm25s.tokenize([normalise_spelling(query)], stopwords="en", stemmer=self._stem,
                                show_progress=False)
        if not tokens.vocab or len(tokens.ids[0]) == 0:  # (ids start at 0: `any` would be wrong)
            return []
        k = min(k, self.size)
        # n_threads=0: in this thread (any other value starts a thread pool for every query:
        # a third of a search request's time under load)
        ids, scores = self._retriever.retrieve(tokens, k=k, show_progress=False, n_threads=0)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]



#: A passage's keyword document hash and its tokens.
Tokens = tuple[str, list[str]]



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
