"""BM25 in PostgreSQL: impact-ordered postings with their weights computed at push time.

Each posting (a term in a document: a passage, level 'p', or a whole entry, level 'e') holds its
BM25 weight as bm25s computes it (method "lucene": idf = ln(1 + (N - df + 0.5) / (df + 0.5)),
times tf / (tf + k1 (1 - b + b len / avg)), k1 1.5, b 0.75), so a query is a sum over the
postings of its terms: one index range scan per term, no statistics at query time, and
scores equal to the embedded index's.

A term's postings are read best weight first, at most `DEPTH` of them: exact for any term in
fewer documents (every term of the bundled corpus: it has 1,420 passages), an impact-ordered
approximation beyond (a word in most of 140,000 passages contributes least where it is most
common) — as HNSW approximates dense retrieval from `HNSW_THRESHOLD` passages.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ltgraph.retrieval.text import tokenize

K1, B = 1.5, 0.75  # bm25s's defaults (method "lucene")
#: The most postings of one term a query reads (best weights first).
DEPTH = 5000

SCHEMA = """
DROP TABLE IF EXISTS ltgraph_term, ltgraph_doc;  -- the layout before weights were stored
CREATE TABLE IF NOT EXISTS ltgraph_posting (
    generation text NOT NULL REFERENCES ltgraph_generation (name) ON DELETE CASCADE,
    level char(1) NOT NULL, term text NOT NULL, doc int NOT NULL, weight double precision NOT NULL);
CREATE INDEX IF NOT EXISTS ltgraph_posting_impact ON ltgraph_posting
    (generation, level, term, weight DESC) INCLUDE (doc);
"""


def postings(level: str, docs: Sequence[Sequence[str]]) -> list[tuple[str, str, int, float]]:
    """(level, term, doc, weight) for every distinct term of every document."""
    if not docs:
        return []
    counts = [Counter(words) for words in docs]
    average = sum(len(words) for words in docs) / len(docs) or 1.0
    df: Counter[str] = Counter()
    for terms in counts:
        df.update(terms.keys())
    n = len(docs)
    idf = {term: math.log(1 + (n - d + 0.5) / (d + 0.5)) for term, d in df.items()}
    rows = []
    for doc, (words, terms) in enumerate(zip(docs, counts, strict=True)):
        norm = K1 * (1 - B + B * len(words) / average)
        rows += [(level, term, doc, idf[term] * tf / (tf + norm)) for term, tf in terms.items()]
    return rows


def copy_postings(cur: Any, name: str, rows: list[tuple[str, str, int, float]]) -> None:
    with cur.copy("COPY ltgraph_posting (generation, level, term, doc, weight) FROM STDIN") as copy:
        for row in rows:
            copy.write_row((name, *row))


class PgKeywords:
    """BM25 over one level's documents of one generation (`store.conn`: this thread's)."""

    def __init__(self, store: Any, level: str, size: int) -> None:
        self.store, self.level, self.size = store, level, size

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        counts = Counter(tokenize([query])[0])
        if not counts or not self.size:
            return []
        rows = self.store.conn.execute(
            """SELECT p.doc, sum(q.n * p.weight) AS s
               FROM unnest(%(terms)s::text[], %(ns)s::int[]) AS q(term, n)
               CROSS JOIN LATERAL (SELECT doc, weight FROM ltgraph_posting
                   WHERE generation = %(g)s AND level = %(l)s AND term = q.term
                   ORDER BY weight DESC LIMIT %(depth)s) AS p
               GROUP BY p.doc ORDER BY s DESC, p.doc LIMIT %(k)s""",
            {"terms": list(counts), "ns": list(counts.values()), "g": self.store.name,
             "l": self.level, "depth": DEPTH, "k": k}).fetchall()
        return [(int(doc), float(score)) for doc, score in rows if score > 0]
