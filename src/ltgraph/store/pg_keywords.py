"""BM25 in PostgreSQL: impact-ordered postings, scored as bm25s scores (method "lucene").

Each posting is a term in a document (a passage, level 'p', or a whole entry, level 'e') with
its term frequency `tf`, the document's length `dl`, and its BM25 weight within its own
generation: idf = ln(1 + (N - df + 0.5) / (df + 0.5)), times tf / (tf + k1 (1 - b + b dl / avg)),
k1 1.5, b 0.75. `ltgraph_df` holds each term's document frequency per generation.

- A **full** generation is searched by its stored weights: a query is a sum over the postings
  of its terms, one index range scan per term, scores equal to the embedded index's.
- A **delta** generation (its base's documents minus the hidden ones, plus its own; see
  `pg_index`) has other statistics, so `PgDeltaKeywords` computes each weight at query time
  from `tf`, `dl`, the delta's N and average length, and df = the base's df + the delta's
  adjustment (its `ltgraph_df` rows) — the scores the embedded delta gets by rebuilding bm25s.

A term's base postings are read best weight first, at most `DEPTH` of them: exact for any term
in fewer documents (every term of the bundled corpus: it has 1,420 passages), an
impact-ordered approximation beyond (a word in most of 140,000 passages contributes least
where it is most common) — as HNSW approximates dense retrieval from `HNSW_THRESHOLD` passages.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ltgraph.retrieval.index import TIE_MARGIN
from ltgraph.retrieval.text import tokenize

K1, B = 1.5, 0.75  # bm25s's defaults (method "lucene")
#: The most postings of one term a query reads (best weights first).
DEPTH = 5000

SCHEMA = """
DROP TABLE IF EXISTS ltgraph_term, ltgraph_doc;  -- the layout before weights were stored
CREATE TABLE IF NOT EXISTS ltgraph_posting (
    generation text NOT NULL REFERENCES ltgraph_generation (name) ON DELETE CASCADE,
    level char(1) NOT NULL, term text NOT NULL, doc int NOT NULL, weight double precision NOT NULL);
ALTER TABLE ltgraph_posting ADD COLUMN IF NOT EXISTS tf real, ADD COLUMN IF NOT EXISTS dl real;
-- best weight first, with all a query reads: index-only scans, for a delta's weights (tf, dl)
-- too (the index of the layout before held the doc only: a delta read tf and dl from the
-- table, 150 ms a question at 100 times the corpus instead of 20)
CREATE INDEX IF NOT EXISTS ltgraph_posting_scan ON ltgraph_posting
    (generation, level, term, weight DESC) INCLUDE (doc, tf, dl);
DROP INDEX IF EXISTS ltgraph_posting_impact;
CREATE TABLE IF NOT EXISTS ltgraph_df (
    generation text NOT NULL REFERENCES ltgraph_generation (name) ON DELETE CASCADE,
    level char(1) NOT NULL, term text NOT NULL, df int NOT NULL,
    PRIMARY KEY (generation, level, term));
"""

Posting = tuple[str, str, int, float, int, int]  # level, term, doc, weight, tf, dl


def postings(level: str, docs: Sequence[Sequence[str]]) -> list[Posting]:
    """(level, term, doc, weight, tf, dl) for every distinct term of every document."""
    if not docs:
        return []
    counts = [Counter(words) for words in docs]
    average = sum(len(words) for words in docs) / len(docs) or 1.0
    df = document_frequencies(docs)
    n = len(docs)
    idf = {term: math.log(1 + (n - d + 0.5) / (d + 0.5)) for term, d in df.items()}
    rows = []
    for doc, (words, terms) in enumerate(zip(docs, counts, strict=True)):
        norm = K1 * (1 - B + B * len(words) / average)
        rows += [(level, term, doc, idf[term] * tf / (tf + norm), tf, len(words))
                 for term, tf in terms.items()]
    return rows


def document_frequencies(docs: Sequence[Sequence[str]]) -> Counter[str]:
    """In how many of the documents each term occurs."""
    df: Counter[str] = Counter()
    for words in docs:
        df.update(set(words))
    return df


def copy_postings(cur: Any, name: str, rows: list[Posting]) -> None:
    with cur.copy("COPY ltgraph_posting (generation, level, term, doc, weight, tf, dl) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((name, *row))


def copy_frequencies(cur: Any, name: str, level: str, df: Counter[str]) -> None:
    """A generation's df rows of one level (for a delta: its adjustment to the base's)."""
    with cur.copy("COPY ltgraph_df (generation, level, term, df) FROM STDIN") as copy:
        for term, n in df.items():
            if n:
                copy.write_row((name, level, term, n))


def _query_terms(query: str) -> Counter[str]:
    return Counter(tokenize([query])[0])


class PgKeywords:
    """BM25 over one level's documents of a full generation (`store.conn`: this thread's)."""

    def __init__(self, store: Any, name: str, level: str, size: int) -> None:
        self.store, self.name, self.level, self.size = store, name, level, size

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        counts = _query_terms(query)
        if not counts or not self.size:
            return []
        rows = self.store.conn.execute(
            """SELECT p.doc, sum(q.n * p.weight) AS s
               FROM unnest(%(terms)s::text[], %(ns)s::int[]) AS q(term, n)
               CROSS JOIN LATERAL (SELECT doc, weight FROM ltgraph_posting
                   WHERE generation = %(g)s AND level = %(l)s AND term = q.term
                   ORDER BY weight DESC LIMIT %(depth)s) AS p
               GROUP BY p.doc ORDER BY s DESC, p.doc LIMIT %(k)s""",
            {"terms": list(counts), "ns": list(counts.values()), "g": self.name,
             "l": self.level, "depth": DEPTH, "k": k}).fetchall()
        return [(int(doc), float(score)) for doc, score in rows if score > 0]


class PgDeltaKeywords:
    """BM25 over one level's documents of a delta generation: the base's documents but the
    `hidden` ones (base numbering), then the delta's own; documents are numbered as composed
    (the base's kept ones in order, then the delta's), as `layers` composes the embedded one.
    """

    def __init__(self, store: Any, name: str, base: str, level: str, keep: np.ndarray,
                 delta_size: int, stats: tuple[int, float]) -> None:
        self.store, self.name, self.base, self.level = store, name, base, level
        self._hidden = [int(i) for i in np.flatnonzero(~keep)]
        self._row = np.cumsum(keep) - 1  # base document -> composed document (where kept)
        self._kept = int(keep.sum())
        self.size = self._kept + delta_size
        self._n, self._average = stats[0], (stats[1] / stats[0] if stats[0] else 1.0) or 1.0

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        counts = _query_terms(query)
        if not counts or not self.size:
            return []
        rows = self.store.conn.execute(
            """SELECT p.src, p.doc, sum(q.n * q.idf
                                       * p.tf / (p.tf + %(k1)s * (1 - %(b)s + %(b)s * p.dl / %(avg)s))) AS s
               FROM (SELECT t.term, t.n, t.df, ln(1 + (%(n)s - t.df + 0.5) / (t.df + 0.5)) AS idf
                     FROM (SELECT u.term, u.n::float8 AS n,
                                  (coalesce(b.df, 0) + coalesce(a.df, 0))::float8 AS df
                           FROM unnest(%(terms)s::text[], %(ns)s::int[]) AS u(term, n)
                           LEFT JOIN ltgraph_df b ON b.generation = %(base)s AND b.level = %(l)s
                                                  AND b.term = u.term
                           LEFT JOIN ltgraph_df a ON a.generation = %(g)s AND a.level = %(l)s
                                                  AND a.term = u.term) AS t
                    ) AS q
               CROSS JOIN LATERAL (
                   (SELECT 0 AS src, doc, tf, dl FROM ltgraph_posting
                    WHERE generation = %(base)s AND level = %(l)s AND term = q.term
                      AND NOT doc = ANY(%(hidden)s::int[]) ORDER BY weight DESC LIMIT %(depth)s)
                   UNION ALL
                   (SELECT 1, doc, tf, dl FROM ltgraph_posting
                    WHERE generation = %(g)s AND level = %(l)s AND term = q.term)) AS p
               WHERE q.df > 0
               GROUP BY p.src, p.doc ORDER BY s DESC LIMIT %(k)s""",
            {"terms": list(counts), "ns": list(counts.values()), "g": self.name, "base": self.base,
             "l": self.level, "hidden": self._hidden, "depth": DEPTH, "k": k + TIE_MARGIN,
             "n": float(self._n), "avg": self._average, "k1": K1, "b": B}).fetchall()
        hits = [(int(self._row[doc]) if src == 0 else self._kept + int(doc), float(score))
                for src, doc, score in rows if score > 0]
        hits.sort(key=lambda h: (-h[1], h[0]))
        return hits[:k]
