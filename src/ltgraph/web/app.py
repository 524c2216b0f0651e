"""The Flask application: `create_app(settings)`; thin views over `Service`.

Routes: `/api/search`, `/api/theories`, `/api/theories/<slug>`, `/api/health`, the SPARQL 1.1
Protocol endpoint `/sparql`, dereferenceable IRIs under `/id/…`, `/ontology`, and
`/openapi.json`. Every error is RFC 9457 `application/problem+json`; no traceback ever
reaches a client.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ltgraph.config import Settings
from ltgraph.errors import LtgraphError, NotFoundError, QueryError
from ltgraph.web.sparql_protocol import RDF_TYPES, FastPath, Refusal, problem_parts, prefers_html

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
#: A path under /id/ that can name a node of the graph: slug-like segments only.
RESOURCE_PATH = re.compile(r"[a-z]+(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,199}){1,6}")
#: Most triples a linked-data description returns (it says when it was cut).
MAX_DESCRIPTION_TRIPLES = 10_000


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
    app.register_blueprint(_api_routes())
    app.register_blueprint(_page_routes())
    _register_errors(app)
    # SPARQL clients' requests skip Flask (FastPath); every response gets the standard headers.
    app.wsgi_app = _StandardHeaders(FastPath(app, MAX_BODY_BYTES))  # type: ignore[method-assign]
    return app


def service() -> Any:
    return current_app.extensions["ltgraph"]


def wants_html() -> bool:
    """A browser asking for a page (not the JSON API, not a SPARQL client)."""
    if request.path.startswith("/api/") or request.path == "/openapi.json":
        return False
    return prefers_html(request.headers.get("Accept", ""))


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """An RFC 9457 problem document (or, for a browser, the same message as a page)."""
    if wants_html():
        page = render_template("error.html", status=status, title=title, detail=detail)
        return Response(page, status=status, mimetype="text/html")
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


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


def _api_routes() -> Any:
    from flask import Blueprint

    from ltgraph.web.openapi import openapi_document

    bp = Blueprint("api", __name__)

    @bp.get("/api/search")
    def search_get() -> Response:
        args = request.args
        return _search(args.get("q", ""), args.get("k", "10"), args.get("theory"),
                       args.get("kind"), args.get("type"))

    @bp.post("/api/search")
    def search_post() -> Response:
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            raise QueryError("the JSON body is nested too deeply") from None
        if not isinstance(body, dict):
            raise QueryError("the body must be a JSON object such as {\"q\": \"…\", \"k\": 10}")
        unknown = sorted(set(body) - {"q", "k", "theory", "kind", "type"})
        if unknown:
            raise QueryError(f"unknown field(s) {', '.join(map(repr, unknown))}; "
                             "allowed: q, k, theory, kind, type")
        k = body.get("k", 10)
        if isinstance(k, float) and k.is_integer():
            k = int(k)  # JSON does not distinguish 18 from 18.0
        if isinstance(k, bool) or not isinstance(k, int):
            raise QueryError(f"k must be an integer from 1 to 100, got {k!r}")
        body["k"] = k
        return _search(body.get("q", ""), body.get("k", 10), body.get("theory"),
                       body.get("kind"), body.get("type"))

    @bp.get("/api/theories")
    def theories() -> Response:
        type_ = request.args.get("type")
        if type_ not in (None, "theory", "model"):
            raise QueryError(f"unknown type {type_!r} (use theory or model)")
        svc = service()
        return jsonify([
            {"id": e.slug, "iri": str(svc.iris.entry(e.slug)), "name": e.name, "type": e.type,
             "year": e.year, "aliases": list(e.aliases),
             "researchers": [{"name": p.name, "iri": str(svc.iris.person(p.slug))} for p in e.researchers]}
            for e in svc.entries(type_)])

    @bp.get("/api/theories/<slug>")
    def theory(slug: str) -> Response:
        svc = service()
        return jsonify(svc.entry_json(svc.entry(slug)))

    @bp.get("/api/health")
    def health() -> Response:
        return jsonify(service().health())

    @bp.route("/sparql", methods=["GET", "POST"])
    def sparql() -> Response:
        return _sparql()

    @bp.get("/id/<path:rest>")
    def resource(rest: str) -> Response:
        if not RESOURCE_PATH.fullmatch(rest):
            raise NotFoundError("there is no resource at this address")
        parts = rest.split("/")
        if len(parts) == 2 and parts[0] in ("theory", "person") and _best_is_html():
            from ltgraph.web.pages import person_page, theory_page

            page = theory_page(parts[1]) if parts[0] == "theory" else person_page(parts[1])
            response = Response(page, mimetype="text/html")
            response.headers["Vary"] = "Accept"
            return response
        return _describe(f"id/{rest}")

    @bp.get("/ontology")
    def ontology() -> Response:
        return _describe("ontology", ontology=True)

    @bp.get("/openapi.json")
    def openapi() -> Response:
        return jsonify(openapi_document(sorted(e.slug for e in service().entries())))

    return bp


# --------------------------------------------------------------------------- search


def _search(q: Any, k: Any, theory: Any, kind: Any, type_: Any) -> Response:
    try:
        k_int = int(k)
    except (TypeError, ValueError):
        raise QueryError(f"k must be an integer from 1 to 100, got {k!r}") from None
    for name, value in (("q", q), ("theory", theory), ("kind", kind), ("type", type_)):
        if value is not None and not isinstance(value, str):
            raise QueryError(f"{name} must be a string")
    return jsonify(service().search(q, k=k_int, theory=theory or None, kind=kind or None,
                                    type_=type_ or None))


# --------------------------------------------------------------------------- SPARQL protocol


def _sparql() -> Response:
    """SPARQL 1.1 Protocol (GET ?query=, POST form, POST application/sparql-query) for the
    requests `protocol.FastPath` leaves to Flask: browsers (console, HTML errors)."""
    from ltgraph.web import sparql_protocol as protocol
    from ltgraph.web.pages import sparql_console

    action = protocol.read(request)
    if isinstance(action, protocol.Console):
        return Response(sparql_console(action.query), mimetype="text/html")
    svc = service()
    rendered = svc.public_sparql(action.query, action.select_fmt, action.graph_fmt)
    return protocol.respond(rendered, svc.settings)  # type: ignore[return-value]


# --------------------------------------------------------------------------- linked data


def _best_is_html() -> bool:
    offered = ["text/html", *RDF_TYPES]
    return request.accept_mimetypes.best_match(offered, default="text/turtle") == "text/html"


def _page_routes() -> Any:
    from ltgraph.web.pages import blueprint

    return blueprint()


def _describe(path: str, ontology: bool = False) -> Response:
    """A resource's description (outgoing and incoming triples), negotiated by Accept.

    Built by pattern lookups on a term (`Service.describe`), never by query text; the
    ontology's description is one constant query.
    """
    import pyoxigraph as ox

    from ltgraph.rdf.graph import oxstore
    from ltgraph.rdf.ontology import ONTOLOGY_IRI, PREFIXES
    from ltgraph.sparql import GRAPH_FORMATS

    svc = service()
    truncated = False
    if ontology:
        iri = ONTOLOGY_IRI
        result = oxstore(svc.graph).query(  # a constant: ONTOLOGY_IRI is not input
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o . FILTER(?s = <{iri}> || "
            f"STRSTARTS(STR(?s), \"{iri}#\")) }}")
        assert isinstance(result, ox.QueryTriples)
        triples = list(result)
    else:
        iri = svc.iris.base + path
        triples, truncated = svc.describe(iri, MAX_DESCRIPTION_TRIPLES)
    offered = ["text/html", *RDF_TYPES]
    best = request.accept_mimetypes.best_match(offered, default="text/turtle")
    if best == "text/html":
        response = Response(_html_description(iri, triples), mimetype="text/html")
    else:
        fmt = RDF_TYPES[best]
        body = ox.serialize(triples, format=GRAPH_FORMATS[fmt], prefixes=PREFIXES)
        response = Response(body, mimetype=best)
    if truncated:
        response.headers["X-Result-Truncated"] = "true"
        response.headers["X-Result-Limit"] = f"triples={MAX_DESCRIPTION_TRIPLES}"
    response.headers["Vary"] = "Accept"
    return response


def _html_description(iri: str, triples: list[Any]) -> str:
    from ltgraph.rdf.ontology import PREFIXES

    def short(value: str) -> str:
        for prefix, ns in PREFIXES.items():
            if value.startswith(ns):
                return f"{prefix}:{value[len(ns):]}"
        return value

    def local(term: Any) -> str | None:
        from ltgraph.web.pages import _local

        return _local(getattr(term, "value", ""))

    outgoing = [(short(t.predicate.value), t.object) for t in triples if getattr(t.subject, "value", None) == iri]
    incoming = [(t.subject, short(t.predicate.value)) for t in triples if getattr(t.object, "value", None) == iri]
    labels = {t.subject.value: t.object.value for t in triples
              if t.predicate.value.endswith("rdf-schema#label")}
    return render_template("resource.html", iri=iri, outgoing=outgoing, incoming=incoming,
                           labels=labels, local=local, short=short,
                           title=labels.get(iri, short(iri)))
