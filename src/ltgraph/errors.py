"""The one error hierarchy of ltgraph (every class a user can meet is here).

Library code raises these; the CLI turns them into a one-line message and a non-zero exit,
the API into RFC 9457 problem+json. Nothing else should escape to a user.
"""

from __future__ import annotations


class LtgraphError(Exception):
    """Base of every error ltgraph reports to a user."""

    #: HTTP status the API answers with.
    status = 500
    title = "Internal error"


class CorpusError(LtgraphError):
    """A corpus file is malformed; the message names the file and line."""

    status = 422
    title = "Invalid corpus entry"

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = path or "<input>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class ValidationError(LtgraphError):
    """The graph built from the corpus violates the SHACL shapes or cross-entry rules."""

    status = 422
    title = "Validation failed"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


class QueryError(LtgraphError):
    """A SPARQL query or search request is invalid or refused."""

    status = 400
    title = "Bad query"


class NotFoundError(LtgraphError):
    """A requested entry, person or resource does not exist."""

    status = 404
    title = "Not found"


class DataDirError(LtgraphError):
    """The data directory is missing, stale or inconsistent; the message says how to repair."""

    status = 503
    title = "Data directory not ready"


class ServersBehind(DataDirError):
    """A change is published in the data directory, but a configured server was not updated
    (the change stands; the next write or `ltgraph migrate --to-server` sends it)."""


class ConfigError(LtgraphError, ValueError):
    """A setting (CLI option or LTGRAPH_* variable) has a value ltgraph cannot use (also a
    ValueError: `Settings(...)` raises it for a bad value)."""

    status = 500
    title = "Configuration error"


class QueryTimeout(QueryError):
    """The query ran past the time limit and was stopped."""

    title = "Query exceeded the time limit"


class QueryResourceLimit(QueryError):
    """The query process ran out of memory or stack and was stopped."""

    title = "Query exceeded a resource limit"


class PoolBusy(LtgraphError):
    """Every query process is busy and the queue is full (or the wait ran out)."""

    status = 503
    title = "SPARQL endpoint busy"
    retry_after = 2


class PoolUnavailable(LtgraphError):
    """Query processes cannot start (the sandbox is missing, the generation unreadable)."""

    status = 503
    title = "SPARQL endpoint unavailable"
    retry_after = 10
