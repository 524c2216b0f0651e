"""A real `ltgraph serve` (waitress) on 127.0.0.1 with the bundled corpus and real model:
SPARQL clients, the attack corpus with a canary server, concurrency, and schemathesis."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

pytestmark = pytest.mark.slow
CONNECTIVISM = "https://w3id.org/ltgraph/id/theory/connectivism"
#: How long a change may take to reach every worker before the test gives up. Generous on
#: purpose (a busy CI machine); the real figure is measured by benchmarks/bench_curation.py.
PICKUP = 30.0


def get(url: str, **headers: str) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_sparqlwrapper_select_construct_ask(live) -> None:
    from SPARQLWrapper import JSON, TURTLE, XML, SPARQLWrapper

    query = f"SELECT ?name WHERE {{ <{CONNECTIVISM}> ltg:developedBy/rdfs:label ?name }} ORDER BY ?name"
    client = SPARQLWrapper(live + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert [r["name"]["value"] for r in rows] == ["George Siemens", "Stephen Downes"]
    client.setReturnFormat(XML)
    document = client.query().convert()
    assert "George Siemens" in document.toxml()
    client.setQuery(f"CONSTRUCT {{ <{CONNECTIVISM}> ?p ?o }} WHERE {{ <{CONNECTIVISM}> ?p ?o }}")
    client.setReturnFormat(TURTLE)
    turtle = client.query().convert()
    assert b"Connectivism" in turtle
    client.setQuery("ASK { ?s a ltg:InstructionalDesignModel }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True


def test_rdflib_sparqlstore(live) -> None:
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(live + "/sparql", returnFormat="json"))
    rows = list(graph.query("SELECT ?e WHERE { ?e ltg:developedBy "
                            "<https://w3id.org/ltgraph/id/person/jerome-bruner> }"))
    assert len(rows) >= 2


# ------------------------------------------------------------------ attacks


class Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        Canary.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def canary():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Canary)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def attack_corpus(c: str) -> list[tuple[str, dict]]:
    """(description, request) pairs; `c` is the canary's URL."""
    q = lambda text: {"params": {"query": text}}  # noqa: E731
    nested = "SELECT * WHERE " + "{ " * 200 + "?s ?p ?o " + "} " * 200
    return [
        ("insert data", q("INSERT DATA { <urn:a> <urn:b> <urn:c> }")),
        ("delete data", q("DELETE DATA { <urn:a> <urn:b> <urn:c> }")),
        ("delete where", q("DELETE WHERE { ?s ?p ?o }")),
        ("insert where", q("INSERT { ?s a <urn:x> } WHERE { ?s ?p ?o }")),
        ("load", q(f"LOAD <{c}load>")),
        ("load into", q(f"LOAD SILENT <{c}load> INTO GRAPH <urn:g>")),
        ("clear", q("CLEAR ALL")),
        ("drop", q("DROP DEFAULT")),
        ("create", q("CREATE GRAPH <urn:g>")),
        ("add", q("ADD DEFAULT TO <urn:g>")),
        ("move", q("MOVE DEFAULT TO <urn:g>")),
        ("copy", q("COPY DEFAULT TO <urn:g>")),
        ("with", q("WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }")),
        ("update form", {"method": "POST", "data": {"update": "DROP ALL"}}),
        ("update body", {"method": "POST", "data": "DROP ALL", "type": "application/sparql-update"}),
        ("update param", {"params": {"query": "ASK {}", "update": "DROP ALL"}}),
        ("service", q(f"SELECT * WHERE {{ SERVICE <{c}sparql> {{ ?s ?p ?o }} }}")),
        ("service silent", q(f"SELECT * WHERE {{ SERVICE SILENT <{c}sparql> {{ ?s ?p ?o }} }}")),
        ("service variable", q(f"SELECT * WHERE {{ VALUES ?e {{ <{c}sparql> }} SERVICE ?e {{ ?s ?p ?o }} }}")),
        ("service lowercase", q(f"select * where {{ service <{c}sparql> {{ ?s ?p ?o }} }}")),
        ("service escaped", q(f"SELECT * WHERE {{ \\u0053ERVICE <{c}sparql> {{ ?s ?p ?o }} }}")),
        ("service after dot", q(f"SELECT * WHERE {{ ?s ?p ?o.SERVICE <{c}sparql> {{ ?a ?b ?c }} }}")),
        ("service post", {"method": "POST", "data": f"SELECT * {{ SERVICE <{c}x> {{ ?s ?p ?o }} }}",
                          "type": "application/sparql-query"}),
        ("from http", q(f"SELECT * FROM <{c}graph> WHERE {{ ?s ?p ?o }}")),
        ("from named", q(f"SELECT * FROM NAMED <{c}graph> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")),
        ("from file", q("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")),
        ("default-graph-uri", {"params": {"query": "SELECT * { ?s ?p ?o }", "default-graph-uri": c}}),
        ("named-graph-uri", {"params": {"query": "SELECT * { ?s ?p ?o }",
                                        "named-graph-uri": "file:///etc/passwd"}}),
        ("huge query", {"method": "POST", "data": "SELECT * WHERE { ?s ?p ?o } #" + "x" * 70_000,
                        "type": "application/sparql-query"}),
        ("huge body", {"method": "POST", "data": "x" * 400_000, "type": "application/sparql-query"}),
        ("deep nesting", q(nested)),
        ("cartesian product", q("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")),
        ("path blow-up", q("SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x>)* ?b . ?c (!<urn:y>)* ?d }")),
        ("empty query", q("")),
    ]


def send(live: str, request: dict) -> tuple[int, dict, bytes]:
    url = live + "/sparql"
    if request.get("method") == "POST":
        data = request["data"]
        if isinstance(data, dict):
            body = urllib.parse.urlencode(data).encode()
            ctype = "application/x-www-form-urlencoded"
        else:
            body, ctype = data.encode(), request["type"]
        req = urllib.request.Request(url, data=body, headers={"Content-Type": ctype}, method="POST")
    else:
        req = urllib.request.Request(url + "?" + urllib.parse.urlencode(request["params"]))
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def count_triples(live: str) -> int:
    status, _, body = get(live + "/api/health")
    import json

    return json.loads(body)["triples"]


def test_attack_corpus_is_refused_and_changes_nothing(live, canary) -> None:
    corpus = attack_corpus(canary)
    assert len(corpus) >= 30
    before = count_triples(live)
    for name, request in corpus:
        status, headers, body = send(live, request)
        assert 400 <= status < 500, (name, status, body[:200])
        assert headers["Content-Type"].startswith("application/problem+json"), name
        assert b"Traceback" not in body, name
    assert Canary.hits == []
    assert count_triples(live) == before


def test_bypasses_and_hostile_paths_on_the_live_server(live, canary) -> None:
    """The in-process attack corpus (test_attacks.py) over real HTTP: every SPARQL transport,
    the console, linked-data and page routes. Nothing reaches the canary, nothing is a 5xx."""
    from .test_attacks import bypasses

    tried = 0
    for name, query in bypasses(canary):
        for request in ({"params": {"query": query}},
                        {"method": "POST", "data": {"query": query}},
                        {"method": "POST", "data": query, "type": "application/sparql-query"}):
            status, headers, body = send(live, request)
            tried += 1
            assert 400 <= status < 500, (name, status, body[:200])
            assert headers["Content-Type"].startswith("application/problem+json"), name
        status, _, body = get(live + "/sparql?" + urllib.parse.urlencode(
            {"query": query, "format": "html"}), Accept="text/html")
        tried += 1
        assert status in (200, 400) and b"Traceback" not in body, name
    paths = [f"x> ?p ?o }} WHERE {{ SERVICE <{canary}x> {{ ?s ?p ?o }} }} #", "(" * 6000,
             "\x00", 'connectivism"', "x> ?p ?o } WHERE { ?s ?p ?o . FILTER(?p = rdfs:label) } #"]
    for path in paths:
        for route in ("/id/theory/", "/id/", "/theories/", "/people/"):
            for accept in ("text/turtle", "text/html"):
                status, _, body = get(live + route + urllib.parse.quote(path, safe=""), Accept=accept)
                tried += 1
                assert status == 404, (route, path[:30], status)
    assert tried > 150
    assert Canary.hits == []


def test_other_clients_are_served_during_a_runaway_query(live) -> None:
    result: dict = {}

    def runaway() -> None:
        status, _, body = send(live, {"params": {"query": "SELECT (COUNT(*) AS ?n) "
                                                 "WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}})
        result["status"], result["body"] = status, body

    thread = threading.Thread(target=runaway)
    thread.start()
    for _ in range(3):  # served meanwhile (how fast is bench_under_attack.py's business)
        status, _, _ = send(live, {"params": {"query": "ASK { ?s ?p ?o }"}})
        assert status == 200
        status, _, _ = get(live + "/api/search?q=what+is+constructivism")
        assert status == 200
    thread.join()
    assert result["status"] == 400 and b"time limit" in result["body"]


def test_dereference_on_the_live_server(live) -> None:
    status, headers, body = get(live + "/id/theory/connectivism", Accept="application/ld+json")
    assert status == 200 and headers["Vary"] == "Accept" and b"Connectivism" in body
    status, headers, body = get(live + "/id/person/george-siemens", Accept="text/html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")


def test_running_server_sees_an_add_and_a_remove(live, live_data_dir, tmp_path) -> None:
    """Every worker and query process answers from the new state once the CLI finishes."""
    import json

    from .conftest import REPO, TESTS

    def theories_found() -> set[str]:
        _, _, body = get(live + "/api/search?q=self-determined+learning+heutagogy&k=5")
        return {h["theory"] for h in json.loads(body)["results"]}

    def cli(*args: str) -> None:
        run = subprocess.run([sys.executable, "-m", "ltgraph", "--data-dir", str(live_data_dir), *args],
                             capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr

    assert "heutagogy" not in theories_found()
    cli("add", str(TESTS / "data" / "new" / "heutagogy.md"))
    finished = time.monotonic()
    # several requests, so that both workers are asked
    while not all("heutagogy" in theories_found() for _ in range(4)):
        assert time.monotonic() - finished < PICKUP, "the server did not pick up the add"
        time.sleep(0.05)
    status, _, body = get(live + "/api/theories/heutagogy")
    assert status == 200 and b"Stewart Hase" in body
    assert sparql_ask(live, "ASK { <https://w3id.org/ltgraph/id/theory/heutagogy> a ?c }")
    # replacing a bundled entry hides its old statements in every worker and query process
    original = tmp_path / "connectivism.md"
    original.write_bytes((REPO / "corpus" / "connectivism.md").read_bytes())
    changed = tmp_path / "edited" / "connectivism.md"
    changed.parent.mkdir()
    changed.write_text(original.read_text("utf-8").replace("Information overload", "Signal fatigue"),
                       "utf-8")
    label = 'ASK { ?i rdfs:label "Signal fatigue" }'
    assert sparql_ask(live, 'ASK { ?i rdfs:label "Information overload" }') and not sparql_ask(live, label)
    cli("update", str(changed))
    finished = time.monotonic()
    while not all(sparql_ask(live, label) for _ in range(4)):
        assert time.monotonic() - finished < PICKUP, "the server did not pick up the update"
        time.sleep(0.05)
    assert not sparql_ask(live, 'ASK { ?i rdfs:label "Information overload" }')
    cli("update", str(original))  # back as it was, for the other tests
    finished = time.monotonic()
    while any(sparql_ask(live, label) for _ in range(4)):
        assert time.monotonic() - finished < PICKUP, "the server did not pick up the update"
        time.sleep(0.05)
    cli("remove", "heutagogy")
    finished = time.monotonic()
    while any("heutagogy" in theories_found() for _ in range(4)):
        assert time.monotonic() - finished < PICKUP, "the server did not pick up the removal"
        time.sleep(0.05)
    assert get(live + "/api/theories/heutagogy")[0] == 404


def sparql_ask(live: str, query: str) -> bool:
    import json

    status, _, body = get(live + "/sparql?" + urllib.parse.urlencode({"query": query}),
                          Accept="application/sparql-results+json")
    assert status == 200, body
    return json.loads(body)["boolean"]


# ------------------------------------------------------------------ schemathesis


def test_api_conforms_to_its_openapi_document(live) -> None:
    """schemathesis generates requests from /openapi.json: no server errors, and every
    response's status, content type, headers and body conform to the document."""
    checks = ("not_a_server_error,status_code_conformance,content_type_conformance,"
              "response_schema_conformance,response_headers_conformance")
    run = subprocess.run([os.path.join(os.path.dirname(sys.executable), "schemathesis"), "run",
                          live + "/openapi.json", "--max-examples", "25", "--checks", checks,
                          "--seed", "1"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "8/8" in run.stdout  # every operation was tested
