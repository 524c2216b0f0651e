"""Generations in PostgreSQL with pgvector (`LTGRAPH_INDEX_URL`): stateless readers follow them.

A writer builds and publishes a generation in its data directory as always, then copies it to
PostgreSQL in **one transaction** (under a transaction-level advisory lock, so writers on
several hosts take turns), and finally moves the one-row `ltgraph_live` pointer. Generations
are laid out as in the data directory (`store.layers`):

- a **full** generation (a build) holds every entry: its file (`ltgraph_entry`), its named
  graph as N-Triples (`ltgraph_graph_part`), its passages with their vectors in a pgvector
  column (`ltgraph_passage`) and its keyword postings and document frequencies (`pg_keywords`);
- a **delta** generation (a change) holds only the entries it changed, and names its `base`
  (a full generation) and the base entries it `hidden`s — so a change copies only what
  changed, whatever the size of the corpus. Readers compose the two (`pg_search`), as the
  embedded store composes a delta.

The generation just replaced is kept until the next push (readers still on it search its
rows), and so is the base of each generation kept; older ones are deleted. Readers
(`pg_reader.PgSnapshotReader`) check the pointer at most every `POLL_SECONDS` and load the
generation it names; they need no data directory of their own. (Writers on several hosts take
turns and catch up: `curation.servers`.)

A full generation of `HNSW_THRESHOLD` passages or more (as the embedded index) gets an HNSW
index of its own rows (a partial index, built in the push's transaction, dropped with the
generation; M and ef as FAISS's); a delta's few rows are searched exactly beside it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ltgraph.errors import DataDirError
from ltgraph.retrieval.index import IndexedPassage
from ltgraph.retrieval.vectors import HNSW_THRESHOLD
from ltgraph.store.manifest import Manifest
from ltgraph.store.pg_keywords import SCHEMA as KEYWORD_SCHEMA
from ltgraph.store.pg_keywords import copy_frequencies, copy_postings, document_frequencies, postings
from ltgraph.store.pg_parts import Parts, delta_parts, generation_parts

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
-- the layout of delta generations: what a delta is of, and the composed keyword statistics
-- ({"p": [passages, words], "e": [entries, words]}; NULL in the layout before: pushed in full)
ALTER TABLE ltgraph_generation ADD COLUMN IF NOT EXISTS base text,
    ADD COLUMN IF NOT EXISTS hidden jsonb NOT NULL DEFAULT '[]', ADD COLUMN IF NOT EXISTS stats jsonb;
ALTER TABLE ltgraph_passage ADD COLUMN IF NOT EXISTS words int;
-- the MD5 (hex) of each entry file, so that readers learn which files changed without hashing
-- them all on every load (NULL in rows of the layout before: hashed when read)
ALTER TABLE ltgraph_entry ADD COLUMN IF NOT EXISTS md5 text;
CREATE TABLE IF NOT EXISTS ltgraph_graph_part (
    generation text NOT NULL REFERENCES ltgraph_generation (name) ON DELETE CASCADE,
    part text NOT NULL, nt bytea NOT NULL, PRIMARY KEY (generation, part));
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


def vector_literal(values: np.ndarray) -> str:
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
    """Delete every generation but `keep` and their bases, with their HNSW indexes."""
    from psycopg import sql

    kept = list(keep) + [r[0] for r in conn.execute(
        "SELECT base FROM ltgraph_generation WHERE name = ANY(%s) AND base IS NOT NULL",
        (list(keep),)).fetchall()]
    gone = [r[0] for r in conn.execute("SELECT name FROM ltgraph_generation WHERE name <> ALL(%s)",
                                       (kept,)).fetchall()]
    for name in gone:
        conn.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(hnsw_index_name(name))))
    conn.execute("DELETE FROM ltgraph_generation WHERE name = ANY(%s)", (gone,))


# --------------------------------------------------------------------------- writing


class _NoBase(Exception):
    """The base of a delta is not in PostgreSQL (or of an older layout): push it too."""


def push(url: str, parts: Parts, base: Parts | None = None) -> None:
    """Copy one generation to PostgreSQL and make it live, in one transaction; `base`: the full
    generation a delta is of, copied first when PostgreSQL lacks it (readers never see it live)."""
    with connect(url) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        conn.execute(SCHEMA)
        conn.execute(KEYWORD_SCHEMA)
        live = conn.execute("SELECT generation FROM ltgraph_live WHERE id = 1").fetchone()
        if live is not None and live[0] == parts.name:
            return  # already live (a second `migrate --to-server`): nothing to copy
        for one in (base, parts):
            if one is not None:
                _insert(conn, one)
        if parts.base is None or base is not None:
            conn.execute("ANALYZE ltgraph_passage, ltgraph_posting, ltgraph_df")  # plans for the new rows
        conn.execute("INSERT INTO ltgraph_live (id, generation) VALUES (1, %s) ON CONFLICT (id) "
                     "DO UPDATE SET generation = excluded.generation", (parts.name,))
        # older generations go, but the one just replaced stays: readers still on it (until
        # their next poll) search its rows
        _drop_generations(conn, keep=(parts.name, live[0] if live is not None else parts.name))


def _insert(conn: Any, parts: Parts) -> None:
    """The rows of one generation (not live yet)."""
    name = parts.name
    stats = _stats(conn, parts)
    # a copy not finished, or one of the layout before (even live: it is replaced, and the
    # pointer moves to `parts`, in this same transaction)
    conn.execute("DELETE FROM ltgraph_live WHERE generation = %s", (name,))
    conn.execute("DELETE FROM ltgraph_generation WHERE name = %s", (name,))
    conn.execute("INSERT INTO ltgraph_generation (name, created, manifest, graph, changed, base, "
                 "hidden, stats) VALUES (%s, %s, %s, '', %s, %s, %s, %s) ON CONFLICT (name) DO NOTHING",
                 (name, parts.manifest.created, parts.manifest.to_json(), json.dumps(parts.changed),
                  parts.base, json.dumps(parts.hidden), json.dumps(stats)))
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO ltgraph_entry (generation, slug, source, md5) VALUES (%s, %s, %s, %s) "
                        "ON CONFLICT DO NOTHING", [(name, slug, data, hashlib.md5(data).hexdigest())
                                                   for slug, data in parts.sources.items()])
        cur.executemany("INSERT INTO ltgraph_graph_part VALUES (%s, %s, %s)",
                        [(name, part, data) for part, data in parts.graph.items()])
        with cur.copy("COPY ltgraph_passage (generation, row, key, entry, kind, item, label, "
                      "text, digest, embedding, words) FROM STDIN") as copy:
            for row, (record, vector, words) in enumerate(
                    zip(parts.records, parts.vectors, parts.tokens, strict=True)):
                copy.write_row((name, row, record.key, record.entry, record.kind, record.item,
                                record.label, record.text, record.digest, vector_literal(vector), len(words)))
        entry_docs = _entry_docs(parts.records, parts.tokens)
        copy_postings(cur, name, postings("p", parts.tokens) + postings("e", entry_docs))
        for level, df in _frequencies(parts, entry_docs).items():
            copy_frequencies(cur, name, level, df)
    if parts.base is None and len(parts.records) >= HNSW_THRESHOLD:
        _create_hnsw(conn, name, int(parts.vectors.shape[1]))


def _entry_docs(records: list[IndexedPassage], tokens: list[list[str]]) -> list[list[str]]:
    """One keyword document per entry (its passages' tokens), in order of first passage."""
    docs: dict[str, list[str]] = {}
    for record, words in zip(records, tokens, strict=True):
        docs.setdefault(record.entry, []).extend(words)
    return list(docs.values())


def _frequencies(parts: Parts, entry_docs: list[list[str]]) -> dict[str, Counter[str]]:
    """df rows by level: a full generation's own; a delta's adjustment to its base's."""
    frequencies = {"p": document_frequencies(parts.tokens), "e": document_frequencies(entry_docs)}
    for passages in parts.hidden_tokens.values():
        frequencies["p"].subtract(document_frequencies(passages))
        if passages:
            frequencies["e"].subtract(document_frequencies([[w for p in passages for w in p]]))
    return frequencies


def _stats(conn: Any, parts: Parts) -> dict[str, list[float]]:
    """Documents and total length per level ("p": passages, "e": entries), of the composed
    generation (a delta's from its base's: raises `_NoBase` when that is not here)."""
    words = sum(len(t) for t in parts.tokens)
    entries = len({r.entry for r in parts.records})
    if parts.base is None:
        return {"p": [len(parts.records), words], "e": [entries, words]}
    row = conn.execute("SELECT stats FROM ltgraph_generation WHERE name = %s AND base IS NULL",
                       (parts.base,)).fetchone()
    if row is None or row[0] is None:
        raise _NoBase(parts.base)
    (bp, bwords), (be, _) = row[0]["p"], row[0]["e"]
    hidden = list(parts.hidden_tokens.values())
    hidden_words = sum(len(w) for p in hidden for w in p)
    total = bwords - hidden_words + words
    return {"p": [bp - sum(len(p) for p in hidden) + len(parts.records), total],
            "e": [be - sum(1 for p in hidden if p) + entries, total]}


def push_generation(url: str, path: Path) -> None:
    """Push the generation at `path`; a delta as a delta of its base (a change then copies only
    the entries it changed), with the base itself when PostgreSQL lacks it (once per build)."""
    from ltgraph.store.generation import Generation

    generation = Generation.open(path)
    if generation.is_full:
        push(url, generation_parts(path))
        return
    delta = delta_parts(generation)
    try:
        push(url, delta)
    except _NoBase:
        push(url, delta, base=generation_parts(generation.base))


#: (slug, source) of the entry files of generation %(g)s: a delta's own, and its base's but
#: those it hides.
ENTRIES = """SELECT e.* FROM ltgraph_entry e JOIN ltgraph_generation g ON g.name = %(g)s
    WHERE e.generation = g.name OR (e.generation = g.base
        AND NOT e.slug = ANY(ARRAY(SELECT jsonb_array_elements_text(g.hidden))))"""
#: (part, N-Triples) of the named graphs of generation %(g)s, composed as its entries are.
GRAPH_PARTS = """SELECT p.part, p.nt FROM ltgraph_graph_part p JOIN ltgraph_generation g ON g.name = %(g)s
    WHERE p.generation = g.name OR (p.generation = g.base
        AND NOT p.part = ANY(ARRAY(SELECT jsonb_array_elements_text(g.hidden))))"""
#: ENTRIES in a database of the layout before deltas (full generations only).
FULL_ENTRIES = "SELECT * FROM ltgraph_entry WHERE generation = %(g)s"


def has_column(conn: Any, table: str, column: str) -> bool:
    """Whether `table` has `column` (databases written by an older ltgraph lack newer ones)."""
    return bool(conn.execute(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = %s AND column_name = %s)", (table, column)).fetchone()[0])


def has_deltas(conn: Any) -> bool:
    """Whether the database has the layout of delta generations; one written by an ltgraph
    before them (read by readers upgraded before the writer's next push) holds full ones only."""
    return has_column(conn, "ltgraph_generation", "base")


def entries_sql(conn: Any) -> str:
    return ENTRIES if has_deltas(conn) else FULL_ENTRIES


def live_counts(url: str) -> tuple[int, int] | None:
    """Passages and entry files of the live generation as readers compose it (a delta with
    its base); None before the first push."""
    with connect(url) as conn:
        name = live_name(url, conn)
        if name is None:
            return None
        passages = conn.execute(
            """SELECT count(*) FROM ltgraph_passage p JOIN ltgraph_generation g ON g.name = %(g)s
               WHERE p.generation = g.name OR (p.generation = g.base
                   AND NOT p.entry = ANY(ARRAY(SELECT jsonb_array_elements_text(g.hidden))))"""
            if has_deltas(conn) else "SELECT count(*) FROM ltgraph_passage WHERE generation = %(g)s",
            {"g": name}).fetchone()[0]
        entries = conn.execute(f"SELECT count(*) FROM ({entries_sql(conn)}) AS e", {"g": name}).fetchone()[0]
    return int(passages), int(entries)


def changed_sources(conn: Any, name: str, known: dict[str, str]) -> tuple[dict[str, str], dict[str, bytes]]:
    """The MD5 (hex) of each entry file of generation `name`, and the bytes of those whose
    MD5 differs from `known` (slug -> MD5 of a file one has): only those travel."""
    entries = entries_sql(conn)
    digest = "COALESCE(md5, md5(source))" if has_column(conn, "ltgraph_entry", "md5") else "md5(source)"
    digests = {str(slug): str(md5) for slug, md5 in conn.execute(
        f"SELECT slug, {digest} FROM ({entries}) AS e", {"g": name}).fetchall()}
    wanted = [slug for slug, md5 in digests.items() if known.get(slug) != md5]
    rows = conn.execute(f"SELECT slug, source FROM ({entries}) AS e WHERE slug = ANY(%(w)s)",
                        {"g": name, "w": wanted}).fetchall()
    return digests, {str(slug): bytes(data) for slug, data in rows}


def live_sources(url: str, unless: dict[str, str] | None = None) -> dict[str, bytes | None]:
    """The entry files of the live generation (slug -> bytes); with `unless` (slug -> MD5 hex
    of a file one has), None for a file with that digest instead of its bytes."""
    with connect(url) as conn:
        name = live_name(url, conn)
        digests, fetched = changed_sources(conn, name, unless or {}) if name else ({}, {})
    out: dict[str, bytes | None] = {slug: None for slug in digests}
    out.update(fetched)
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
