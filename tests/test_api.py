"""The Flask app with `test_client()` on the tiny corpus (fake encoder)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from rdflib import Graph, URIRef

from ltgraph.web.app import create_app

pytestmark = pytest.mark.backends  # each test on the embedded store and on the servers

BASE = "https://w3id.org/ltgraph/"
DEVELOPERS = ("SELECT ?name WHERE { <https://w3id.org/ltgraph/id/theory/alpha-theory> ltg:developedBy ?p . "
              "?p rdfs:label ?name } ORDER BY ?name")


def is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


def test_search_get_and_post(client) -> None:
    got = client.get("/api/search", query_string={"q": "limitations of alpha theory", "k": 3}).get_json()
    assert len(got["results"]) <= 3 and got["results"][0]["theory"] == "alpha-theory"
    assert {"results", "entities", "answer", "took_ms"} <= set(got)
    posted = client.post("/api/search", json={"q": "limitations of alpha theory", "k": 3}).get_json()
    assert [h["item_iri"] for h in posted["results"]] == [h["item_iri"] for h in got["results"]]


@pytest.mark.parametrize("kwargs,status,detail", [
    ({"query_string": {"q": ""}}, 400, "empty"),
    ({"query_string": {"q": "x", "k": "many"}}, 400, "k must be an integer"),
    ({"query_string": {"q": "x", "k": "0"}}, 400, "k must be"),
    ({"query_string": {"q": "x", "kind": "gossip"}}, 400, "unknown kind"),
    ({"query_string": {"q": "x", "theory": "nowhere"}}, 400, "unknown theory"),
])
def test_search_errors_are_problems(client, kwargs, status, detail) -> None:
    assert detail in is_problem(client.get("/api/search", **kwargs), status)["detail"]


def test_search_post_needs_a_json_object(client) -> None:
    is_problem(client.post("/api/search", data="not json", content_type="application/json"), 400)
    is_problem(client.post("/api/search", json=["q"]), 400)
    is_problem(client.post("/api/search", json={"q": 5}), 400)


def test_theories_and_health(client) -> None:
    listed = client.get("/api/theories").get_json()
    assert [e["id"] for e in listed] == ["alpha-theory", "beta-model"]
    assert [e["id"] for e in client.get("/api/theories?type=model").get_json()] == ["beta-model"]
    is_problem(client.get("/api/theories?type=poem"), 400)
    entry = client.get("/api/theories/alpha-theory").get_json()
    assert entry["iri"] == BASE + "id/theory/alpha-theory" and entry["limitations"][0]["title"] == "Fading needed"
    assert "nowhere" in is_problem(client.get("/api/theories/nowhere"), 404)["detail"]
    health = client.get("/api/health").get_json()
    assert health["consistent"] is True and health["passages"] == health["vectors"] == 16
    assert health["entries"] == 2 and health["model"] == "fake-hash-encoder"


def test_unknown_routes_and_methods_are_problems(client) -> None:
    is_problem(client.get("/api/nothing"), 404)
    response = client.delete("/api/search")
    is_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_body_size_limit(client) -> None:
    is_problem(client.post("/api/search", data="x" * 300_000, content_type="application/json"), 413)


def test_security_and_cors_headers(client) -> None:
    response = client.get("/api/theories")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    preflight = client.options("/sparql", headers={"Origin": "https://yasgui.example",
                                                   "Access-Control-Request-Method": "POST"})
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


# ------------------------------------------------------------------ SPARQL protocol


def names_json(response) -> list[str]:
    return [b["name"]["value"] for b in response.get_json(force=True)["results"]["bindings"]]


def test_sparql_get_post_form_and_direct(client) -> None:
    expected = ["Ada Example", "John Dewey"]
    assert names_json(client.get("/sparql", query_string={"query": DEVELOPERS})) == expected
    assert names_json(client.post("/sparql", data={"query": DEVELOPERS})) == expected
    assert names_json(client.post("/sparql", data=DEVELOPERS,
                                  content_type="application/sparql-query")) == expected


@pytest.mark.parametrize("accept,fmt,mimetype", [
    ("application/sparql-results+json", None, "application/sparql-results+json"),
    ("application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("text/csv", None, "text/csv"),
    ("text/tab-separated-values", None, "text/tab-separated-values"),
    ("text/html", "csv", "text/csv"),
])
def test_select_result_formats(client, accept, fmt, mimetype) -> None:
    query = {"query": DEVELOPERS, **({"format": fmt} if fmt else {})}
    response = client.get("/sparql", query_string=query, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == mimetype
    text = response.get_data(as_text=True)
    if mimetype.endswith("json"):
        assert names_json(response) == ["Ada Example", "John Dewey"]
    elif mimetype.endswith("xml"):
        ns = {"s": "http://www.w3.org/2005/sparql-results#"}
        assert [e.text for e in ET.fromstring(text).findall(".//s:literal", ns)] == ["Ada Example", "John Dewey"]
    elif mimetype == "text/csv":
        assert list(csv.reader(io.StringIO(text))) == [["name"], ["Ada Example"], ["John Dewey"]]
    else:
        assert text.splitlines() == ["?name", '"Ada Example"', '"John Dewey"']


@pytest.mark.parametrize("accept,parser", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                           ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_construct_formats(client, accept, parser) -> None:
    query = "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a ltg:LearningTheory ; rdfs:label ?l }"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    graph = Graph().parse(data=response.get_data(as_text=True), format=parser)
    assert len(graph) == 1


def test_ask_and_describe(client) -> None:
    ask = client.get("/sparql", query_string={"query": "ASK { ?s a ltg:Researcher }"})
    assert ask.get_json(force=True) == {"head": {}, "boolean": True}
    describe = client.get("/sparql", query_string={"query": f"DESCRIBE <{BASE}id/person/ada-example>"},
                          headers={"Accept": "text/turtle"})
    assert len(Graph().parse(data=describe.get_data(as_text=True), format="turtle")) > 0


def test_syntax_error_is_400_with_the_parser_message(client) -> None:
    body = is_problem(client.get("/sparql", query_string={"query": "SELECT ?x WHERE { ?x"}), 400)
    assert "SPARQL syntax error at line 1, column 21" in body["detail"]  # the user's line, any backend
    body = is_problem(client.get("/sparql", query_string={"query": "SELECT ?x\nWHERE { ?x foo:bar ?y }"}), 400)
    assert "the prefix 'foo:' is not declared at line 2" in body["detail"]


def test_update_and_dataset_parameters_are_refused(client) -> None:
    is_problem(client.post("/sparql", data={"update": "DROP ALL"}), 403)
    is_problem(client.post("/sparql", data="DROP ALL", content_type="application/sparql-update"), 403)
    is_problem(client.get("/sparql", query_string={"query": "INSERT DATA { <a:a> <a:b> <a:c> }"}), 400)
    is_problem(client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }",
                                                   "default-graph-uri": "file:///etc/passwd"}), 400)
    is_problem(client.post("/sparql", data="x", content_type="text/plain"), 415)
    is_problem(client.get("/sparql", headers={"Accept": "application/json"}), 400)


def test_row_limit_truncates_and_says_so(service) -> None:
    settings = replace(service.settings, sparql_max_rows=5)
    app = create_app(settings)
    app.extensions["ltgraph"].encoder = service.encoder
    try:
        response = app.test_client().get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
        assert response.headers["X-Result-Truncated"] == "true"
        assert response.headers["X-Result-Rows"] == "5"
        assert len(response.get_json(force=True)["results"]["bindings"]) == 5
    finally:
        app.extensions["ltgraph"].close()


def test_timeout_stops_a_cartesian_product_and_the_endpoint_recovers(service) -> None:
    settings = replace(service.settings, sparql_timeout=1.5)
    app = create_app(settings)
    client = app.test_client()
    try:
        body = is_problem(client.get("/sparql", query_string={
            "query": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}), 400)
        assert "time limit" in body["detail"]
        ok = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert ok.get_json(force=True)["boolean"] is True
    finally:
        app.extensions["ltgraph"].close()


# ------------------------------------------------------------------ linked data and OpenAPI


def test_iris_dereference_with_content_negotiation(client) -> None:
    turtle = client.get("/id/person/john-dewey", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and turtle.headers["Vary"] == "Accept"
    graph = Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    dewey = URIRef(BASE + "id/person/john-dewey")
    # incoming links: both entries point at the person
    assert len(set(graph.subjects(URIRef(BASE + "ontology#developedBy"), dewey))) == 2
    for accept, parser in [("application/ld+json", "json-ld"), ("application/n-triples", "nt"),
                           ("application/rdf+xml", "xml")]:
        response = client.get("/id/theory/alpha-theory", headers={"Accept": accept})
        assert response.mimetype == accept
        assert len(Graph().parse(data=response.get_data(as_text=True), format=parser)) > 10
    html = client.get("/id/theory/alpha-theory/limitation/fading-needed", headers={"Accept": "text/html"})
    assert html.mimetype == "text/html" and b"Fading needed" in html.data
    is_problem(client.get("/id/theory/nowhere", headers={"Accept": "text/turtle"}), 404)


def test_ontology_is_served(client) -> None:
    response = client.get("/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (URIRef(BASE + "ontology#Researcher"), None, None) in graph


def test_openapi_document_is_valid_and_complete(client, app) -> None:
    from openapi_spec_validator import validate

    document = client.get("/openapi.json").get_json()
    validate(document)
    documented = set(document["paths"])
    routes = {str(rule).replace("<slug>", "{slug}") for rule in app.url_map.iter_rules()
              if str(rule).startswith(("/api/", "/sparql"))}
    assert routes <= documented, routes - documented


def test_validators_per_generation_and_compression(client) -> None:
    import gzip

    first = client.get("/api/theories")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Cache-Control"] == "no-cache"
    again = client.get("/api/theories", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    page = client.get("/theories/alpha-theory", headers={"Accept": "text/html", "Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in page.headers["Vary"]
    assert b"Alpha Theory" in gzip.decompress(page.get_data())
    assert int(page.headers["Content-Length"]) == len(page.get_data())
    css = client.get("/static/style.css", headers={"Accept-Encoding": "gzip"})
    assert "max-age=86400" in css.headers["Cache-Control"] and css.headers["Content-Encoding"] == "gzip"
    plain = client.get("/static/style.css")
    assert "Content-Encoding" not in plain.headers and b"body" in plain.get_data()
