"""The SPARQL 1.1 Protocol over a plain werkzeug request: the endpoint's one parser.

`read` turns a request into what to do — run a query (`Run`) or show the browser console
(`Console`) — or refuses it (`QueryError`, or `Refusal` for 403/415). `respond` turns a result
into the response. The Flask view uses both; so does `FastPath`, which answers protocol
requests from SPARQL clients straight from WSGI, without Flask's request context, routing and
hooks (a third of the server's own time on a small query). Browsers, whose requests may need
the console or an HTML error page, always go through Flask.
"""

from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Request, Response

from ltgraph.errors import DataDirError, LtgraphError, QueryError
from ltgraph.sparql import FORMAT_ALIASES, GRAPH_TYPES, SELECT_TYPES

log = logging.getLogger("ltgraph.web.app")

RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "jsonld",
    "application/n-triples": "nt",
    "application/rdf+xml": "rdfxml",
}
SELECT_ACCEPT = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}


@dataclass(frozen=True)
class Run:
    query: str
    select_fmt: str
    graph_fmt: str


@dataclass(frozen=True)
class Console:
    """Show the browser console (with this query run, if any)."""

    query: str | None


class Refusal(Exception):
    """A protocol refusal that is not a bad query: 403 (Update) or 415 (media type)."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


def read(request: Request) -> Run | Console:
    """What a GET or POST to the endpoint asks for; raises `QueryError` or `Refusal`."""
    args = request.args
    if "update" in args or (request.method == "POST" and "update" in request.form) \
            or request.mimetype == "application/sparql-update":
        raise Refusal(403, "Forbidden", "SPARQL Update is not allowed: this endpoint is read-only")
    if request.method == "POST":
        mimetype = request.mimetype
        charset = request.mimetype_params.get("charset", "utf-8").lower()
        if charset not in ("utf-8", "utf8"):
            raise Refusal(415, "Unsupported Media Type", f"the query must be UTF-8, not {charset}")
        if mimetype == "application/sparql-query":
            if "query" in args:
                raise QueryError("a query sent in the body must not also be in the URL")
            try:
                query = request.get_data().decode("utf-8")
            except UnicodeDecodeError:
                raise QueryError("the query is not valid UTF-8") from None
            params = args
        elif mimetype == "application/x-www-form-urlencoded":
            if "query" in args:
                raise QueryError("send the query in the form body or the URL, not both")
            queries = request.form.getlist("query")
            if len(queries) != 1:
                raise QueryError(f"exactly one query parameter is required, got {len(queries)}")
            query = queries[0]
            params = request.values
        else:
            raise Refusal(415, "Unsupported Media Type", "send the query as "
                          "application/sparql-query or application/x-www-form-urlencoded")
    else:
        params = args
        queries = args.getlist("query")
        if not queries:
            if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "text/html":
                return Console(None)
            raise QueryError("no query: pass it as ?query=…")
        if len(queries) > 1:
            raise QueryError(f"exactly one query parameter is required, got {len(queries)}")
        query = queries[0]
        if params.get("format") == "html":
            return Console(query)
    if params.getlist("default-graph-uri") or params.getlist("named-graph-uri"):
        raise QueryError("default-graph-uri and named-graph-uri are not supported: the dataset "
                         "is this store's default graph only")
    fmt = params.get("format")
    if not fmt:
        return Run(query, *negotiate(request.headers.get("Accept", "")))
    fmt = FORMAT_ALIASES.get(fmt.lower(), fmt.lower())
    if fmt not in SELECT_TYPES and fmt not in GRAPH_TYPES:
        raise QueryError(f"unknown format {fmt!r} (use json, xml, csv, tsv, turtle, nt, jsonld "
                         "or rdfxml)")
    select_fmt = fmt if fmt in SELECT_TYPES else "json"
    graph_fmt = "rdfxml" if fmt == "xml" else fmt if fmt in GRAPH_TYPES else "turtle"
    return Run(query, select_fmt, graph_fmt)


@functools.lru_cache(maxsize=512)
def negotiate(accept: str) -> tuple[str, str]:
    """(result format, graph format) for an Accept header; clients repeat theirs, so cached."""
    parsed = parse_accept_header(accept, MIMEAccept)
    best_select = parsed.best_match(list(SELECT_ACCEPT))
    best_graph = parsed.best_match(list(RDF_TYPES))
    return SELECT_ACCEPT.get(best_select or "", "json"), RDF_TYPES.get(best_graph or "", "turtle")


@functools.lru_cache(maxsize=512)
def prefers_html(accept: str) -> bool:
    """A browser's Accept: its errors are pages, not problem documents."""
    parsed = parse_accept_header(accept, MIMEAccept)
    best = parsed.best_match(["application/json", "application/problem+json", "text/html"])
    return best == "text/html" and parsed["text/html"] > 0


def respond(rendered: Any, settings: Any) -> Response:
    """A `sparql.Rendered` as the protocol's response, with the row and limit headers."""
    media = rendered.media_type
    response = Response(rendered.body, mimetype=media)
    if media.startswith("text/"):
        response.headers["Content-Type"] = f"{media}; charset=utf-8"
    response.headers["X-Result-Rows"] = str(rendered.rows)
    if rendered.truncated:
        limit = (f"rows={settings.sparql_max_rows}" if rendered.truncated == "rows"
                 else f"bytes={settings.sparql_max_response_bytes}")
        response.headers["X-Result-Truncated"] = "true"
        response.headers["X-Result-Limit"] = limit
    response.headers["Vary"] = "Accept"
    return response


def problem_parts(exc: LtgraphError, where: str) -> tuple[int, str, str, dict[str, str]]:
    """(status, title, detail, headers) of an ltgraph error, as every route answers it.

    The operator's messages (a broken data directory names paths on this host) go to the
    log; clients learn only that the data is not available, and when to try again.
    """
    retry_after = getattr(exc, "retry_after", None)
    if isinstance(exc, DataDirError) or (exc.status >= 500 and retry_after is None):
        log.error("%s on %s: %s", type(exc).__name__, where, exc)
        return (503 if isinstance(exc, DataDirError) else exc.status, exc.title,
                "the data is not available right now; the operator has been told (server log)",
                {"Retry-After": "30"})
    return exc.status, exc.title, str(exc), (
        {"Retry-After": str(retry_after)} if retry_after is not None else {})


def problem_json(status: int, title: str, detail: str, headers: dict[str, str]) -> Response:
    body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail},
                      ensure_ascii=False)
    return Response(body, status=status, mimetype="application/problem+json", headers=headers)


class FastPath:
    """WSGI middleware: SPARQL clients' protocol requests answered without Flask."""

    def __init__(self, app: Any, max_body: int) -> None:
        self.app = app
        self.inner = app.wsgi_app
        self.max_body = max_body

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != "/sparql" \
                or environ.get("REQUEST_METHOD") not in ("GET", "POST") \
                or prefers_html(environ.get("HTTP_ACCEPT", "")):
            return self.inner(environ, start_response)
        request = Request(environ)
        request.max_content_length = self.max_body
        service = self.app.extensions["ltgraph"]
        try:
            action = read(request)
            if isinstance(action, Console):  # only GET comes here: the body is untouched
                return self.inner(environ, start_response)
            rendered = service.public_sparql(action.query, action.select_fmt, action.graph_fmt)
            response = respond(rendered, service.settings)
        except Refusal as exc:
            response = problem_json(exc.status, exc.title, exc.detail, {})
        except LtgraphError as exc:
            response = problem_json(*problem_parts(exc, f"{request.method} /sparql"))
        except HTTPException as exc:  # 413 and other protocol errors raised by werkzeug
            response = problem_json(exc.code or 400, exc.name, exc.description or exc.name, {})
        except RecursionError:
            response = problem_json(400, "Bad Request", "the request is nested too deeply", {})
        except Exception:  # noqa: BLE001 - a bug: logged, never shown
            log.exception("unhandled error on %s /sparql", request.method)
            response = problem_json(500, "Internal Server Error",
                                    "the server failed to answer; the error has been logged", {})
        return response(environ, start_response)
