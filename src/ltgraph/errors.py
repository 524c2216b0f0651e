"""The one error hierarchy of ltgraph.

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


class ConfigError(LtgraphError):
    """A setting (CLI option or LTGRAPH_* variable) has a value ltgraph cannot use."""

    status = 500
    title = "Configuration error"
