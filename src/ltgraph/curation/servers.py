"""Bring the servers of "storage on servers" to a published generation (see README).

PostgreSQL (`LTGRAPH_INDEX_URL`) first, in one transaction (`store.pg_index.push_generation`: a
change copies only the entries it changed), then the graph server (`LTGRAPH_GRAPH_URL`), in
SPARQL Updates of whole named graphs (`store.graph_server.push`). A server
that does not answer leaves the change published in the data directory, and the error says how
to catch up.

Writers on several hosts (each with its own data directory, all with the same servers) take
turns by a PostgreSQL advisory lock (`writers_lock`), and each first catches up with what the
others wrote (`catch_up`), so that no host's push drops another host's change.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ltgraph.config import Settings
from ltgraph.errors import DataDirError, LtgraphError, ServersBehind
from ltgraph.store.datadir import DataDir
from ltgraph.store.manifest import Manifest

if TYPE_CHECKING:
    from ltgraph.curation.writer import Writer


def mirror(settings: Settings, root: Path, generation: Path, everything: bool = False) -> dict[str, int] | None:
    """Push `generation` to the configured servers; the graph server's changes, or None."""
    if settings.index_url:
        from ltgraph.store.pg_index import push_generation

        try:
            push_generation(settings.index_url, generation)
        except LtgraphError as exc:
            raise _behind(generation, "PostgreSQL", exc) from None
        _remember(root, settings.index_url, generation.name)
    if not settings.graph_url:
        return None
    from ltgraph.store.graph_server import GraphServer, push

    try:
        return push(GraphServer.of(settings), root, generation, everything, settings.index_url)
    except LtgraphError as exc:
        raise _behind(generation, "the graph server", exc) from None


def _behind(generation: Path, what: str, exc: LtgraphError) -> ServersBehind:
    return ServersBehind(f"{generation.name} is published in the data directory, but {what} was "
                        f"not updated: {exc} — run `ltgraph migrate --to-server` once it answers")


# --------------------------------------------------------------------------- writers on several hosts

#: The writers' session lock in PostgreSQL (apart from `pg_index.LOCK_KEY`, which each push
#: takes for its own transaction on another connection).
WRITERS_KEY = 0x6C7468


@contextmanager
def writers_lock(settings: Settings, what: str,
                 waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the writers' lock of the PostgreSQL at `LTGRAPH_INDEX_URL` (writers on every host
    take turns), waiting up to `LTGRAPH_LOCK_TIMEOUT` seconds; `waiting` hears, once, that
    another writer holds it."""
    import psycopg

    from ltgraph.store.pg_index import connect

    conn = connect(settings.index_url)
    conn.autocommit = True
    try:
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", (WRITERS_KEY,)).fetchone()[0]:
            if waiting is not None:
                waiting(f"another ltgraph writer (on this or another host) is changing the data in "
                        f"PostgreSQL; waiting up to {settings.lock_timeout:.0f} s for it to finish "
                        "(LTGRAPH_LOCK_TIMEOUT) …")
            conn.execute(f"SET lock_timeout = '{int(settings.lock_timeout * 1000)}ms'")
            try:
                conn.execute("SELECT pg_advisory_lock(%s)", (WRITERS_KEY,))
            except psycopg.errors.LockNotAvailable:
                raise DataDirError(f"another ltgraph writer held PostgreSQL's writers' lock for "
                                   f"over {settings.lock_timeout:.0f} s; try `{what}` again when "
                                   "it has finished") from None
        yield
    finally:
        conn.close()  # a session lock ends with its session


#: In the data directory: the generation this writer last pushed to PostgreSQL, and where.
PUSHED = "postgresql.json"


def _remember(root: Path, url: str, name: str) -> None:
    staged = root / (PUSHED + ".tmp")
    staged.write_text(json.dumps({"url": url, "generation": name}), "utf-8")
    os.replace(staged, root / PUSHED)


def others_wrote(settings: Settings, root: Path, ours: Manifest | None) -> bool:
    """Whether PostgreSQL's live generation holds changes another writer made since this data
    directory (whose live manifest is `ours`) last pushed: its live generation is not the one
    recorded here as pushed. With no record (a data directory new to these servers), whether
    its entries differ. A push of ours that failed is not another writer's change: the next
    write, or `migrate --to-server`, sends it."""
    from ltgraph.store.pg_index import live_manifest, live_name

    live = live_name(settings.index_url)
    if live is None:
        return False
    try:
        record = json.loads((root / PUSHED).read_text("utf-8"))
    except (OSError, ValueError):
        record = {}
    if isinstance(record, dict) and record.get("url") == settings.index_url:
        return bool(live != record.get("generation"))
    theirs = live_manifest(settings.index_url)
    return ours is None or (theirs is not None and theirs.corpus_hash != ours.corpus_hash)


def catch_up(writer: Writer, always: bool = False) -> dict[str, list[str]] | None:
    """Bring this data directory to PostgreSQL's live entries when another writer (on another
    host) changed them since this one last pushed (`others_wrote`) — or `always`, after a full
    build here (`migrate --from-server`): entries PostgreSQL has in another version are
    replaced (or added), entries it lacks removed — published here only, not pushed (the
    servers already hold them; what the graph server holds is recorded in PostgreSQL, so this
    writer's next push sends exactly what differs). Call it under `writers_lock`. Returns what
    changed, or None when nothing had to."""
    import tempfile

    from ltgraph.store.generation import Generation
    from ltgraph.store.pg_index import live_name, live_sources

    url = writer.settings.index_url
    try:
        ours: Manifest | None = writer.datadir.manifest()
    except LtgraphError:
        ours = None
    live = live_name(url)
    if live is None and always:
        raise DataDirError("PostgreSQL at LTGRAPH_INDEX_URL holds no generation to copy")
    if not always and not others_wrote(writer.settings, writer.datadir.root, ours):
        return None
    writer.mirroring = False
    try:
        if ours is None or always:
            writer.build()
        local = {p.stem: p.read_bytes() for p in Generation.open(writer.datadir.current()).entry_files()}
        # only the files that differ travel (None: the same bytes as here)
        wanted = live_sources(url, unless={slug: hashlib.md5(data, usedforsecurity=False).hexdigest()
                                           for slug, data in local.items()})
        changed = sorted(slug for slug, data in wanted.items() if data is not None)
        removed = sorted(set(local) - set(wanted))
        with tempfile.TemporaryDirectory() as tmp:
            paths = []
            for slug in changed:
                paths.append(Path(tmp) / f"{slug}.md")
                paths[-1].write_bytes(wanted[slug] or b"")
            if paths:
                writer.add(paths, replace_existing=None)
        for slug in removed:
            writer.remove(slug, force=True)
    finally:
        writer.mirroring = True
    _remember(writer.datadir.root, url, str(live))  # in step with it now
    return {"added or changed": changed, "removed": removed}


# --------------------------------------------------------------------------- doctor


def doctor_rows(settings: Settings, datadir: DataDir) -> list[tuple[str, bool, str]]:
    """`ltgraph doctor`'s rows for the configured servers, against the data directory."""
    rows, behind = _postgres_rows(settings, datadir)
    if not settings.graph_url:
        return rows
    from ltgraph.store.graph_server import GraphServer, compare

    if behind:
        return [*rows, ("graph server", True, "not compared: it holds what the other writer pushed "
                        "(see postgresql)")]
    try:
        problems = compare(GraphServer.of(settings), datadir.current())
    except LtgraphError as exc:
        return [*rows, ("graph server", False, str(exc))]
    if problems:
        return [*rows, ("graph server", False, f"{problems[0]} (and {len(problems) - 1} "
                        "more); repair: `ltgraph migrate --to-server`")]
    return [*rows, ("graph server", True, f"{settings.graph_url} holds the live generation's "
                    "named graphs")]


def _postgres_rows(settings: Settings, datadir: DataDir) -> tuple[list[tuple[str, bool, str]], bool]:
    """PostgreSQL's row, and whether another writer is ahead of this data directory."""
    if not settings.index_url:
        return [], False
    from ltgraph.store.pg_index import live_counts, live_manifest, live_name

    try:
        theirs, name = live_manifest(settings.index_url), live_name(settings.index_url)
        ours = datadir.manifest()
        if theirs is None:
            return [("postgresql", False, "holds no generation; repair: `ltgraph migrate --to-server`")], False
        passages, entries = live_counts(settings.index_url) or (0, 0)
        if (passages, entries) != (theirs.passages, theirs.entries):
            return [("postgresql", False, f"live generation {name} holds {passages} passages of "
                     f"{entries} entries, its manifest says {theirs.passages} of {theirs.entries}; "
                     "repair: `ltgraph build`")], False
        if theirs.corpus_hash == ours.corpus_hash:
            return [("postgresql", True, f"live generation {name} holds the data directory's entries "
                     f"({passages} passages)")], False
        ahead = others_wrote(settings, datadir.root, ours)
    except LtgraphError as exc:
        return [("postgresql", False, str(exc))], False
    if ahead:
        return [("postgresql", True, f"live generation {name} holds changes another writer made "
                 "since; this data directory catches up at its next write, or now with "
                 "`ltgraph migrate --from-server`")], True
    return [("postgresql", False, f"its live generation {name} is behind the data directory; "
             "repair: `ltgraph migrate --to-server`")], False
