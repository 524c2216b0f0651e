"""The Flask application: `create_app(settings, service=None)`, error handlers, headers.

Views live in `web/api.py` (routes: `/api/search`, `/api/theories`, `/api/theories/<slug>`, `/api/health`, the SPARQL 1.1
Protocol endpoint `/sparql`, dereferenceable IRIs under `/id/…`, `/ontology`, and
`/openapi.json`) and `web/pages.py` (the HTML pages). Every error is RFC 9457 `application/problem+json`; no traceback ever
reaches a client.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from ltgraph.config import Settings
from ltgraph.errors import LtgraphError
from ltgraph.web import api, caching, pages
from ltgraph.web.common import problem
from ltgraph.web.sparql_protocol import FastPath, Refusal, problem_parts

log = logging.getLogger("ltgraph.web.app")

#: Largest request body accepted (a SPARQL query is further limited by its own setting).
MAX_BODY_BYTES = 256 * 1024
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
                               "form-action 'self'",
}
PUBLIC_PREFIXES = ("/api/", "/sparql", "/id/", "/ontology", "/openapi.json")


def create_app(settings: Settings | None = None, service: Any = None) -> Flask:
    """Application factory; the service lives in `app.extensions["ltgraph"]`.

    `service`: an existing `Service` (tests pass one built with a stand-in encoder); by
    default one is made from `settings` (or the environment).
    """
    from ltgraph.service import Service

    app = Flask(__name__, template_folder="templates", static_folder="static")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["ltgraph"] = service or Service(settings or Settings.from_env())
    app.register_blueprint(api.blueprint())
    app.register_blueprint(pages.blueprint())
    _register_errors(app)
    caching.install(app)
    # SPARQL clients' requests skip Flask (FastPath); every response gets the standard headers.
    app.wsgi_app = _StandardHeaders(FastPath(app, MAX_BODY_BYTES))  # type: ignore[method-assign]
    return app


def warm(app: Flask) -> None:
    """Compute what pages keep per generation (the graph's layout and data, the entries'
    change dates) before the first request, so it is as fast as the rest. Servers call this
    after `Service.warm_up`; a new generation computes them again on first use."""
    with app.test_request_context("/"):
        pages.whole_picture()
        pages.graph_data()
        pages.last_changed()


def _register_errors(app: Flask) -> None:
    @app.errorhandler(LtgraphError)
    def ltgraph_error(exc: LtgraphError) -> Response:
        status, title, detail, headers = problem_parts(exc, f"{request.method} {request.path}")
        response = problem(status, title, detail)
        response.headers.update(headers)
        return response

    @app.errorhandler(Refusal)
    def refusal(exc: Refusal) -> Response:
        return problem(exc.status, exc.title, exc.detail)

    @app.errorhandler(RecursionError)
    def too_deep(exc: RecursionError) -> Response:
        return problem(400, "Bad Request", "the request is nested too deeply to be read")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        response = problem(exc.code or 500, exc.name, exc.description or exc.name)
        if exc.code == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return problem(500, "Internal Server Error", "the server failed to answer; the error "
                       "has been logged")

    @app.errorhandler(404)
    def not_found(exc: HTTPException) -> Response:
        return problem(404, "Not Found", "there is no page at this address")


CORS_HEADERS = [("Access-Control-Allow-Origin", "*"),
                ("Access-Control-Expose-Headers", "X-Result-Truncated, X-Result-Rows, X-Result-Limit")]
PREFLIGHT_HEADERS = [("Access-Control-Allow-Methods", "GET, POST, OPTIONS"),
                     ("Access-Control-Allow-Headers", "Content-Type, Accept"),
                     ("Access-Control-Max-Age", "86400")]


class _StandardHeaders:
    """WSGI middleware: the security headers on every response, CORS on the read-only routes.

    Added as raw header tuples where the response does not set them itself: the same
    result as an `after_request` hook at a fraction of the cost (Werkzeug's `Headers` were a
    tenth of the time of a small SPARQL request).
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.security = list(SECURITY_HEADERS.items())

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        extra = self.security
        if environ.get("PATH_INFO", "").startswith(PUBLIC_PREFIXES):
            extra = extra + CORS_HEADERS
            if environ.get("REQUEST_METHOD") == "OPTIONS":
                extra = extra + PREFLIGHT_HEADERS

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            headers.extend(h for h in extra if h[0].lower() not in present)
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


