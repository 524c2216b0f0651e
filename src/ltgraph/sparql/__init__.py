"""SPARQL for the public: the text guard, the sandboxed query processes, the result formats.

`guard` checks the text, `pool` runs it in sealed processes (`sandbox`) with limits,
`results` serialises, and `executor.GuardedExecutor` is the one door that ties them together.
"""

from __future__ import annotations

from ltgraph.errors import PoolBusy, PoolUnavailable, QueryResourceLimit, QueryTimeout
from ltgraph.sparql.guard import FORBIDDEN, MAX_NESTING, check_query
from ltgraph.sparql.pool import Job, Limits, QueryPool
from ltgraph.sparql.results import (
    FORMAT_ALIASES,
    GRAPH_FORMATS,
    GRAPH_TYPES,
    SELECT_TYPES,
    Rendered,
    evaluate,
    execute,
    format_result,
    render_ask,
    render_select,
)

__all__ = [
    "FORBIDDEN", "MAX_NESTING", "check_query", "Job", "Limits", "PoolBusy", "PoolUnavailable",
    "QueryPool", "QueryResourceLimit", "QueryTimeout", "FORMAT_ALIASES", "GRAPH_FORMATS",
    "GRAPH_TYPES", "SELECT_TYPES", "Rendered", "evaluate", "execute", "format_result",
    "render_ask", "render_select",
]
