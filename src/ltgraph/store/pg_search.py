"""Searching one generation in PostgreSQL: the `PassageStore` seam for stateless readers.

A full generation is searched in SQL alone: BM25 over its postings (`pg_keywords`), and
inner product over its pgvector column — exact, or through its HNSW index from
`HNSW_THRESHOLD` passages. A delta generation (see `pg_index`) is composed as the embedded
store composes one (`store.layers`): rows are the base's kept rows in order, then the
delta's; vectors are the base's (its hidden rows dropped from the hits) beside an exact
in-memory index of the delta's few; keywords are scored with the composed statistics. A
reader keeps a base's records between its deltas (`BaseCache`), so a change loads only the
changed entries' rows.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from ltgraph.errors import DataDirError
from ltgraph.retrieval.index import TIE_MARGIN, IndexedPassage, KeywordSearch
from ltgraph.retrieval.vectors import HNSW_THRESHOLD, LayeredVectors, VectorIndex, VectorSearch
from ltgraph.store.pg_index import HNSW_EF_SEARCH, connect, has_deltas, vector_literal
from ltgraph.store.pg_keywords import PgDeltaKeywords, PgKeywords


@dataclass
class _Base:
    """A full generation's passages as a reader holds them between its deltas."""

    name: str
    records: list[IndexedPassage]
    matrix: np.ndarray | None = None  # every vector, loaded on first use


class BaseCache:
    """The last full generation a reader loaded (its deltas reuse its records)."""

    def __init__(self) -> None:
        self._base: _Base | None = None
        self._lock = threading.Lock()

    def offer(self, base: _Base) -> None:
        """Keep a full generation just loaded: its first delta then loads only its own rows."""
        with self._lock:
            self._base = base

    def get(self, conn: Any, name: str) -> _Base:
        with self._lock:
            if self._base is None or self._base.name != name:
                self._base = _Base(name, _records(conn, name))
            return self._base


def _records(conn: Any, name: str) -> list[IndexedPassage]:
    rows = conn.execute("SELECT key, entry, kind, item, label, text, digest FROM ltgraph_passage "
                        "WHERE generation = %s ORDER BY row", (name,)).fetchall()
    return [IndexedPassage(*row) for row in rows]


def _matrix(conn: Any, name: str) -> np.ndarray:
    rows = conn.execute("SELECT embedding::text FROM ltgraph_passage WHERE generation = %s "
                        "ORDER BY row", (name,)).fetchall()
    return np.array([json.loads(r[0]) for r in rows], dtype=np.float32)


class _Vectors:
    """Inner product over a full generation's pgvector column (vectors are L2-normalised):
    exact, or through the generation's HNSW index when it has one."""

    def __init__(self, store: PgPassageStore, base: _Base) -> None:
        from psycopg import sql

        self.store, self.base = store, base
        self.hnsw = len(base.records) >= HNSW_THRESHOLD
        if self.hnsw:
            # the generation as a literal: the planner matches it to the partial index's
            # predicate (with a parameter, a generic plan would not)
            row = store.conn.execute("SELECT vector_dims(embedding) FROM ltgraph_passage WHERE "
                                     "generation = %s LIMIT 1", (base.name,)).fetchone()
            dim = int(row[0])
            self._hnsw_query = sql.SQL(
                "SELECT row, -(embedding::vector({dim}) <#> %(q)s::vector({dim})) AS s FROM "
                "ltgraph_passage WHERE generation = {name} ORDER BY embedding::vector({dim}) <#> "
                "%(q)s::vector({dim}) LIMIT %(k)s").format(dim=sql.Literal(dim),
                                                          name=sql.Literal(base.name))

    @property
    def size(self) -> int:
        return len(self.base.records)

    @property
    def vectors(self) -> np.ndarray:
        """Every vector, loaded on first use (entry centroids, closeness tables)."""
        if self.base.matrix is None:
            self.base.matrix = _matrix(self.store.conn, self.base.name)
        return self.base.matrix

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        if self.hnsw:
            rows = self.store.conn.execute(self._hnsw_query, {"q": vector_literal(vector), "k": k}).fetchall()
            return sorted(((int(row), float(score)) for row, score in rows), key=lambda h: (-h[1], h[0]))
        rows = self.store.conn.execute(
            "SELECT row, -(embedding <#> %s::vector) AS s FROM ltgraph_passage "
            "WHERE generation = %s ORDER BY embedding <#> %s::vector, row LIMIT %s",
            (vector_literal(vector), self.base.name, vector_literal(vector), k)).fetchall()
        return [(int(row), float(score)) for row, score in rows]


class PgPassageStore:
    """The `PassageStore` seam on PostgreSQL: one generation's passages, searched in SQL."""

    def __init__(self, url: str, name: str, bases: BaseCache | None = None) -> None:
        self.url, self.name = url, name
        self._local = threading.local()  # a connection per request thread: no waiting on one
        self._connections: list[Any] = []
        self._guard = threading.Lock()
        conn = self.conn
        row = conn.execute("SELECT base, hidden, stats FROM ltgraph_generation WHERE name = %s"
                           if has_deltas(conn) else "SELECT NULL, '[]'::jsonb, NULL FROM "
                           "ltgraph_generation WHERE name = %s", (name,)).fetchone()
        if row is None:
            raise DataDirError(f"generation {name} is no longer in PostgreSQL; try again")
        base_name, hidden, stats = row
        if base_name is None:  # a full generation
            base = _Base(name, _records(conn, name))
            if bases is not None:
                bases.offer(base)
            self.records = base.records
            self.entry_slugs = list(dict.fromkeys(r.entry for r in self.records))
            self._vectors: VectorSearch = _Vectors(self, base)
            self._keywords: KeywordSearch = PgKeywords(self, name, "p", len(self.records))
            self._entries: KeywordSearch = PgKeywords(self, name, "e", len(self.entry_slugs))
            return
        base = (bases or BaseCache()).get(conn, base_name)
        gone = set(hidden)
        keep = np.array([r.entry not in gone for r in base.records], dtype=bool)
        own = _records(conn, name)
        self.records = [r for r, k in zip(base.records, keep, strict=True) if k] + own
        self.entry_slugs = list(dict.fromkeys(r.entry for r in self.records))
        delta = VectorIndex(_matrix(conn, name)) if own else None
        self._vectors = LayeredVectors(_Vectors(self, base), keep, delta)
        self._keywords = PgDeltaKeywords(self, name, base_name, "p", keep, len(own), stats["p"])
        base_entries = list(dict.fromkeys(r.entry for r in base.records))
        self._entries = PgDeltaKeywords(self, name, base_name, "e",
                                        np.array([e not in gone for e in base_entries], dtype=bool),
                                        len(dict.fromkeys(r.entry for r in own)), stats["e"])

    @property
    def conn(self) -> Any:
        """This thread's connection (autocommit: each query sees the committed state)."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = connect(self.url)
            conn.autocommit = True
            conn.execute(f"SET hnsw.ef_search = {HNSW_EF_SEARCH}")  # as FAISS's efSearch
            self._local.conn = conn
            with self._guard:
                self._connections.append(conn)
        return conn

    @property
    def vectors(self) -> VectorSearch:
        return self._vectors

    @property
    def keywords(self) -> KeywordSearch:
        return self._keywords

    def entry_ranking(self, question: str, k: int) -> list[str]:
        hits = self._entries.search(question, k + TIE_MARGIN)
        hits.sort(key=lambda h: (-h[1], self.entry_slugs[h[0]]))
        return [self.entry_slugs[i] for i, _ in hits[:k]]

    def close(self) -> None:
        with self._guard:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()
