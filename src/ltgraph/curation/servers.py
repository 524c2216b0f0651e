"""Bring the servers of "storage on servers" to a published generation (see README).

PostgreSQL (`LTGRAPH_INDEX_URL`) first, in one transaction (`store.pg_index.push`), then the
graph server (`LTGRAPH_GRAPH_URL`), in one SPARQL Update (`store.graph_server.push`). A server
that does not answer leaves the change published in the data directory, and the error says how
to catch up.
"""

from __future__ import annotations

from pathlib import Path

from ltgraph.config import Settings
from ltgraph.errors import DataDirError, LtgraphError


def mirror(settings: Settings, root: Path, generation: Path, everything: bool = False) -> dict[str, int] | None:
    """Push `generation` to the configured servers; the graph server's changes, or None."""
    if settings.index_url:
        from ltgraph.store.pg_index import generation_parts
        from ltgraph.store.pg_index import push as push_index

        try:
            push_index(settings.index_url, generation.name, *generation_parts(generation))
        except LtgraphError as exc:
            raise _behind(generation, "PostgreSQL", exc) from None
    if not settings.graph_url:
        return None
    from ltgraph.store.graph_server import GraphServer, push

    try:
        return push(GraphServer.of(settings), root, generation, everything)
    except LtgraphError as exc:
        raise _behind(generation, "the graph server", exc) from None


def _behind(generation: Path, what: str, exc: LtgraphError) -> DataDirError:
    return DataDirError(f"{generation.name} is published in the data directory, but {what} was "
                        f"not updated: {exc} — run `ltgraph migrate --to-server` once it answers")
