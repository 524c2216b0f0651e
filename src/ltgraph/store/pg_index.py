"""Generations in PostgreSQL with pgvector (`LTGRAPH_INDEX_URL`): stateless readers follow them.

A writer builds and publishes a generation in its data directory as always, then copies it to
PostgreSQL in **one transaction** (under a transaction-level advisory lock, so writers on
several hosts take turns): the manifest, the entry files, the served graph (N-Triples, for the
answer cards' facts), and the search index — one row per passage with its vector in a
pgvector column, and the keyword postings — and finally moves the one-row `ltgraph_live`
pointer; the generation it replaced is kept until the next push (readers still on it search
its rows), older ones are deleted. Readers (`pg_reader.PgSnapshotReader`) check the pointer
at most every `POLL_SECONDS` and load the generation it names; they need no data directory of
their own. (Writers on several hosts take turns and catch up: `curation.servers`.)

Search runs in SQL: keyword retrieval as BM25 over postings weighted at push time
(`pg_keywords`); dense retrieval as exact inner product (`<#>`) over the pgvector column —
or, for a generation of `HNSW_THRESHOLD` passages or more (as the embedded index), through an
HNSW index of that generation alone (a partial index, built in the push's transaction, dropped
with the generation; M and ef as FAISS's). Results and scores equal the embedded index's (a
test compares them).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from ltgraph.errors import DataDirError
from ltgraph.retrieval.index import TIE_MARGIN, IndexedPassage
from ltgraph.retrieval.vectors import HNSW_THRESHOLD
from ltgraph.store.manifest import Manifest
from ltgraph.store.pg_keywords import SCHEMA as KEYWORD_SCHEMA
from ltgraph.store.pg_keywords import PgKeywords, copy_postings, postings

POLL_SECONDS = 0.5
#: What a reader (and `ltgraph serve`) says when PostgreSQL holds nothing to serve.
EMPTY = ("PostgreSQL at LTGRAPH_INDEX_URL holds no generation yet: run `ltgraph build` (or "
         "`ltgraph migrate --to-server`) with it set")
LOCK_KEY = 0x6C7467  # "ltg": the writers' advisory lock
#: HNSW parameters, as the embedded FAISS index's (`retrieval.vectors`).
HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH = 32, 80, 128

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS ltgraph_generation (
    name text PRIMARY KEY, created double precision NOT NULL, manifest jsonb NOT NULL,
    graph bytea NOT NULL);
-- entry slug -> when its file last changed (Unix time; the catalog's "changed")
ALTER TABLE ltgraph_generation ADD COLUMN IF NOT EXISTS changed jsonb NOT NULL DEFAULT '{}';
CREATE TABLE IF NOT EXISTS ltgraph_live (
    id int PRIMARY KEY CHECK (id = 1),
    generation text NOT NULL REFERENCES ltgraph_generation (name));
CREATE TABLE IF NOT EXISTS ltgraph_entry (
    generation text NOT NULL REFERENCES ltgraph_generation (name) ON DELETE CASCADE,
    slug text NOT NULL, source bytea NOT NULL, PRIMARY KEY (generation, slug));
CREATE TABLE IF NOT EXISTS ltgraph_passage (
    generation text NOT NULL REFERENCES ltgraph_generation (name) ON DELETE CASCADE,
    row int NOT NULL, key text NOT NULL, entry text NOT NULL, kind text NOT NULL, item text,
    label text NOT NULL, text text NOT NULL, digest text NOT NULL, embedding vector NOT NULL,
    PRIMARY KEY (generation, row));
-- vectors inline in the rows (the text goes to TOAST instead): exact search reads no TOAST
DO $$ BEGIN
    IF (SELECT attstorage FROM pg_attribute WHERE attrelid = 'ltgraph_passage'::regclass
        AND attname = 'embedding') <> 'p' THEN
        ALTER TABLE ltgraph_passage ALTER COLUMN embedding SET STORAGE PLAIN;
    END IF;
END $$;
"""


def connect(url: str) -> Any:
    try:
        import psycopg
    except ImportError:
        raise DataDirError("LTGRAPH_INDEX_URL needs psycopg: pip install 'ltgraph[server]'") from None
    try:
        return psycopg.connect(url, autocommit=False)
    except psycopg.OperationalError as exc:
        raise DataDirError(f"PostgreSQL at LTGRAPH_INDEX_URL did not answer ({str(exc).strip()}); "
                           "check the URL and that the server runs") from None


def _vector(values: np.ndarray) -> str:
    return "[" + ",".join(f"{float(x):.9g}" for x in values) + "]"


def hnsw_index_name(generation: str) -> str:
    """The name of a generation's HNSW index (a digest: any generation name is safe in it)."""
    import hashlib

    return "ltgraph_hnsw_" + hashlib.sha256(generation.encode("utf-8")).hexdigest()[:20]


def _create_hnsw(conn: Any, name: str, dim: int) -> None:
    """An HNSW index over one generation's vectors (inner product), built now."""
    from psycopg import sql

    conn.execute("SET LOCAL maintenance_work_mem = '512MB'")
    index = sql.Identifier(hnsw_index_name(name))
    conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(index))  # of a copy not finished
    conn.execute(sql.SQL(
        "CREATE INDEX {index} ON ltgraph_passage USING hnsw ((embedding::vector({dim})) "
        "vector_ip_ops) WITH (m = {m}, ef_construction = {ef}) WHERE generation = {name}").format(
        index=index, dim=sql.Literal(dim), m=sql.Literal(HNSW_M),
        ef=sql.Literal(HNSW_EF_CONSTRUCTION), name=sql.Literal(name)))


def _drop_generations(conn: Any, keep: tuple[str, ...]) -> None:
    """Delete every generation but `keep`, with their HNSW indexes."""
    from psycopg import sql

    gone = [r[0] for r in conn.execute("SELECT name FROM ltgraph_generation WHERE name <> ALL(%s)",
                                       (list(keep),)).fetchall()]
    for name in gone:
        conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(hnsw_index_name(name))))
    conn.execute("DELETE FROM ltgraph_generation WHERE name = ANY(%s)", (gone,))


# --------------------------------------------------------------------------- writing


def push(url: str, name: str, manifest: Manifest, sources: dict[str, bytes], graph_nt: bytes,
         records: list[IndexedPassage], vectors: np.ndarray, tokens: list[list[str]],
         changed: dict[str, float] | None = None) -> None:
    """Copy one generation to PostgreSQL and make it live, in one transaction."""
    with connect(url) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute(SCHEMA)
        conn.execute(KEYWORD_SCHEMA)
        live = conn.execute("SELECT generation FROM ltgraph_live WHERE id = 1").fetchone()
        if live is not None and live[0] == name:
            return  # already live (a second `migrate --to-server`): nothing to copy
        conn.execute("DELETE FROM ltgraph_generation WHERE name = %s AND name NOT IN "
                     "(SELECT generation FROM ltgraph_live)", (name,))
        conn.execute("INSERT INTO ltgraph_generation (name, created, manifest, graph, changed) "
                      "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
                      (name, manifest.created, manifest.to_json(), graph_nt, json.dumps(changed or {})))
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO ltgraph_entry VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
                            [(name, slug, data) for slug, data in sources.items()])
            with cur.copy("COPY ltgraph_passage (generation, row, key, entry, kind, item, label, "
                          "text, digest, embedding) FROM STDIN") as copy:
                for row, (record, vector) in enumerate(zip(records, vectors, strict=True)):
                    copy.write_row((name, row, record.key, record.entry, record.kind, record.item,
                                    record.label, record.text, record.digest, _vector(vector)))
            entry_tokens: dict[str, list[str]] = {}
            for record, words in zip(records, tokens, strict=True):
                entry_tokens.setdefault(record.entry, []).extend(words)
            copy_postings(cur, name, postings("p", tokens) + postings("e", list(entry_tokens.values())))
        if len(records) >= HNSW_THRESHOLD:
            _create_hnsw(conn, name, int(vectors.shape[1]))
        conn.execute("ANALYZE ltgraph_passage, ltgraph_posting")  # plans for the new rows
        conn.execute("INSERT INTO ltgraph_live (id, generation) VALUES (1, %s) ON CONFLICT (id) "
                     "DO UPDATE SET generation = excluded.generation", (name,))
        # older generations go, but the one just replaced stays: readers still on it (until
        # their next poll) search its rows
        _drop_generations(conn, keep=(name, live[0] if live is not None else name))


def live_sources(url: str, unless: dict[str, str] | None = None) -> dict[str, bytes | None]:
    """The entry files of the live generation (slug -> bytes); with `unless` (slug -> MD5 hex
    of a file one has), None for a file with that digest instead of its bytes."""
    known = unless or {}
    with connect(url) as conn:
        digests = conn.execute("SELECT e.slug, md5(e.source) FROM ltgraph_entry e JOIN ltgraph_live l "
                               "ON l.generation = e.generation").fetchall()
        wanted = [str(slug) for slug, md5 in digests if known.get(str(slug)) != md5]
        rows = conn.execute("SELECT e.slug, e.source FROM ltgraph_entry e JOIN ltgraph_live l ON "
                            "l.generation = e.generation WHERE e.slug = ANY(%s)", (wanted,)).fetchall()
    out: dict[str, bytes | None] = {str(slug): None for slug, _ in digests}
    out.update({str(slug): bytes(data) for slug, data in rows})
    return dict(sorted(out.items()))


def graph_record(url: str) -> dict[str, object]:
    """What was last pushed to the graph server (`graph_server.push`), {} if nothing."""
    with connect(url) as conn:
        if conn.execute("SELECT to_regclass('ltgraph_graph_record')").fetchone()[0] is None:
            return {}
        row = conn.execute("SELECT record::text FROM ltgraph_graph_record WHERE id = 1").fetchone()
    data = json.loads(row[0]) if row else {}
    return data if isinstance(data, dict) else {}


def save_graph_record(url: str, record: dict[str, object]) -> None:
    with connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS ltgraph_graph_record (id int PRIMARY KEY CHECK "
                     "(id = 1), record jsonb NOT NULL)")
        conn.execute("INSERT INTO ltgraph_graph_record VALUES (1, %s) ON CONFLICT (id) DO UPDATE "
                     "SET record = excluded.record", (json.dumps(record),))


def live_manifest(url: str) -> Manifest | None:
    """The live generation's manifest (None before the first push)."""
    with connect(url) as conn:
        if conn.execute("SELECT to_regclass('ltgraph_live')").fetchone()[0] is None:
            return None
        row = conn.execute("SELECT g.manifest::text FROM ltgraph_generation g JOIN ltgraph_live l "
                           "ON l.generation = g.name").fetchone()
    return Manifest.from_json(row[0]) if row else None


def live_name(url: str, conn: Any = None) -> str | None:
    """The live generation's name (None before the first push); on `conn` if given."""
    if conn is None:
        with connect(url) as own:
            return live_name(url, own)
    if conn.execute("SELECT to_regclass('ltgraph_live')").fetchone()[0] is None:
        return None
    row = conn.execute("SELECT generation FROM ltgraph_live WHERE id = 1").fetchone()
    return str(row[0]) if row else None


# --------------------------------------------------------------------------- searching


class _Vectors:
    """Inner product over the pgvector column (vectors are L2-normalised): exact, or through
    the generation's HNSW index when it has one (`HNSW_THRESHOLD` passages or more)."""

    def __init__(self, store: PgPassageStore) -> None:
        from psycopg import sql

        self.store = store
        self._matrix: np.ndarray | None = None
        self.hnsw = len(store.records) >= HNSW_THRESHOLD
        if self.hnsw:
            # the generation as a literal: the planner matches it to the partial index's
            # predicate (with a parameter, a generic plan would not)
            row = store.conn.execute("SELECT vector_dims(embedding) FROM ltgraph_passage WHERE "
                                     "generation = %s LIMIT 1", (store.name,)).fetchone()
            dim = int(row[0])
            self._hnsw_query = sql.SQL(
                "SELECT row, -(embedding::vector({dim}) <#> %(q)s::vector({dim})) AS s FROM "
                "ltgraph_passage WHERE generation = {name} ORDER BY embedding::vector({dim}) <#> "
                "%(q)s::vector({dim}) LIMIT %(k)s").format(dim=sql.Literal(dim),
                                                          name=sql.Literal(store.name))

    @property
    def size(self) -> int:
        return len(self.store.records)

    @property
    def vectors(self) -> np.ndarray:
        """Every vector, loaded on first use (entry centroids, closeness tables)."""
        if self._matrix is None:
            rows = self.store.conn.execute(
                "SELECT embedding::text FROM ltgraph_passage WHERE generation = %s ORDER BY row",
                (self.store.name,)).fetchall()
            self._matrix = np.array([json.loads(r[0]) for r in rows], dtype=np.float32)
        return self._matrix

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        if self.hnsw:
            rows = self.store.conn.execute(self._hnsw_query, {"q": _vector(vector), "k": k}).fetchall()
            return sorted(((int(row), float(score)) for row, score in rows), key=lambda h: (-h[1], h[0]))
        rows = self.store.conn.execute(
            "SELECT row, -(embedding <#> %s::vector) AS s FROM ltgraph_passage "
            "WHERE generation = %s ORDER BY embedding <#> %s::vector, row LIMIT %s",
            (_vector(vector), self.store.name, _vector(vector), k)).fetchall()
        return [(int(row), float(score)) for row, score in rows]


class PgPassageStore:
    """The `PassageStore` seam on PostgreSQL: one generation's passages, searched in SQL."""

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name
        self._local = threading.local()  # a connection per request thread: no waiting on one
        self._connections: list[Any] = []
        self._guard = threading.Lock()
        rows = self.conn.execute("SELECT key, entry, kind, item, label, text, digest FROM "
                                 "ltgraph_passage WHERE generation = %s ORDER BY row", (name,)).fetchall()
        self.records = [IndexedPassage(*row) for row in rows]
        self.entry_slugs = list(dict.fromkeys(r.entry for r in self.records))
        self._vectors = _Vectors(self)
        self._keywords = PgKeywords(self, "p", len(self.records))
        self._entries = PgKeywords(self, "e", len(self.entry_slugs))

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
    def vectors(self) -> _Vectors:
        return self._vectors

    @property
    def keywords(self) -> PgKeywords:
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


def generation_parts(path: Path) -> tuple[Manifest, dict[str, bytes], bytes, list[IndexedPassage],
                                          np.ndarray, list[list[str]], dict[str, float]]:
    """What `push` copies, read from a published generation of a data directory."""
    import pyoxigraph as ox

    from ltgraph.store.generation import Generation
    from ltgraph.store.layers import load_vectors, served_store

    generation = Generation.open(path)
    records, vectors, tokens = load_vectors(generation)
    sources = {p.stem: p.read_bytes() for p in generation.entry_files()}
    graph = ox.serialize([q.triple for q in served_store(generation)], format=ox.RdfFormat.N_TRIPLES) or b""
    changed = {slug: e.changed for slug, e in generation.catalog().entries.items() if e.changed is not None}
    return generation.manifest, sources, graph, records, vectors, [t for _, t in tokens], changed

