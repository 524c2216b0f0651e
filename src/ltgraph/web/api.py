"""The JSON API, the SPARQL 1.1 Protocol endpoint (for browsers; SPARQL clients take
`sparql_protocol.FastPath`) and linked data: thin views over `Service`.

Views parse the request, call the service with the request's snapshot, and serialize.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, render_template, request

from ltgraph.errors import NotFoundError, QueryError
from ltgraph.web import sparql_protocol as protocol
from ltgraph.web.common import RESOURCE_PATH, local, service, snapshot
from ltgraph.web.openapi import openapi_document
from ltgraph.web.pages import graph_data, person_page, sparql_console, theory_page
from ltgraph.web.serializers import entry_json, entry_summary
from ltgraph.web.sparql_protocol import RDF_TYPES

#: The console's policy: the site's, plus inline style attributes (YASGUI's layout) and the one
#: <style> element YASGUI 4.6.2 injects, by its hash (a new version fails the browser test).
CONSOLE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
               "style-src-attr 'unsafe-inline'; style-src-elem 'self' "
               "'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='; "
               "script-src 'self'; frame-ancestors 'none'; "
               "base-uri 'none'; form-action 'self'")
#: Most triples a linked-data description returns (it says when it was cut).
MAX_DESCRIPTION_TRIPLES = 10_000


def blueprint() -> Blueprint:
    """The JSON API, the SPARQL endpoint and the linked-data routes."""
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
        iris = service().iris
        return jsonify([entry_summary(e, iris) for e in snapshot().entries(type_)])

    @bp.get("/api/theories/<slug>")
    def theory(slug: str) -> Response:
        return jsonify(entry_json(snapshot().entry(slug), service().iris))

    @bp.get("/api/graph")
    def graph() -> Response:
        """Nodes (entries, people) and edges (relations, roles) for the graph explorer."""
        return jsonify(graph_data())

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
        suffix = None
        stem, dot, ext = rest.rpartition(".")
        if dot and ext in DATA_FORMATS and ext != "html":  # /id/theory/connectivism.ttl
            rest, suffix = stem, ext
        parts = rest.split("/")
        if len(parts) == 2 and parts[0] in ("theory", "person") and _best_is_html(suffix):
            page = theory_page(parts[1]) if parts[0] == "theory" else person_page(parts[1])
            response = Response(page, mimetype="text/html")
            response.headers["Vary"] = "Accept"
            return response
        return _describe(f"id/{rest}", forced=suffix)

    @bp.get("/ontology")
    def ontology() -> Response:
        return _describe("ontology", ontology=True)

    @bp.get("/openapi.json")
    def openapi() -> Response:
        return jsonify(openapi_document(sorted(e.slug for e in snapshot().entries())))

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
                                    snap=snapshot(),
                                    type_=type_ or None))


# --------------------------------------------------------------------------- SPARQL protocol


def _sparql() -> Response:
    """SPARQL 1.1 Protocol (GET ?query=, POST form, POST application/sparql-query) for the
    requests `protocol.FastPath` leaves to Flask: browsers (console, HTML errors)."""
    action = protocol.read(request)
    if isinstance(action, protocol.Console):
        response = Response(sparql_console(action.query), mimetype="text/html")
        # YASGUI sets style attributes as it lays out its panes; scripts stay 'self' only.
        response.headers["Content-Security-Policy"] = CONSOLE_CSP
        return response
    svc = service()
    rendered = svc.public_sparql(action.query, action.select_fmt, action.graph_fmt)
    return protocol.respond(rendered, svc.settings)  # type: ignore[return-value]


# --------------------------------------------------------------------------- linked data


#: `?format=` values and path suffixes a browser can use instead of an Accept header.
DATA_FORMATS = {"ttl": "text/turtle", "turtle": "text/turtle", "jsonld": "application/ld+json",
                "nt": "application/n-triples", "rdf": "application/rdf+xml",
                "rdfxml": "application/rdf+xml", "html": "text/html"}


def _wanted(forced: str | None = None) -> str:
    """The media type to answer with: a `?format=` (or path suffix) wins over Accept."""
    fmt = forced or request.args.get("format")
    if fmt is not None:
        if fmt not in DATA_FORMATS:
            raise QueryError(f"unknown format {fmt!r} (use {', '.join(sorted(set(DATA_FORMATS) - {'html'}))})")
        return DATA_FORMATS[fmt]
    offered = ["text/html", *RDF_TYPES]
    return request.accept_mimetypes.best_match(offered, default="text/turtle") or "text/turtle"


def _best_is_html(forced: str | None = None) -> bool:
    return _wanted(forced) == "text/html"


def _describe(path: str, ontology: bool = False, forced: str | None = None) -> Response:
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
        result = oxstore(snapshot().graph).query(  # a constant: ONTOLOGY_IRI is not input
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o . FILTER(?s = <{iri}> || "
            f"STRSTARTS(STR(?s), \"{iri}#\")) }}")
        assert isinstance(result, ox.QueryTriples)
        triples = list(result)
    else:
        iri = svc.iris.base + path
        triples, truncated = svc.describe(iri, MAX_DESCRIPTION_TRIPLES, snap=snapshot())
    best = _wanted(forced)
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

    def local_path(term: Any) -> str | None:
        return local(getattr(term, "value", ""))

    outgoing = [(short(t.predicate.value), t.object) for t in triples if getattr(t.subject, "value", None) == iri]
    incoming = [(t.subject, short(t.predicate.value)) for t in triples if getattr(t.object, "value", None) == iri]
    labels = {t.subject.value: t.object.value for t in triples
              if t.predicate.value.endswith("rdf-schema#label")}
    return render_template("resource.html", iri=iri, outgoing=outgoing, incoming=incoming,
                           labels=labels, local=local_path, short=short,
                           title=labels.get(iri, short(iri)))
