"""The graph on a real SPARQL server (the Oxigraph server binary from the `oxigraph` wheel, on
127.0.0.1): writers mirror every change in one Update, `/sparql` forwards through the guard,
`doctor` compares, `migrate --to-server` repairs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from ltgraph.config import Settings
from ltgraph.errors import ConfigError, DataDirError, ServersBehind
from ltgraph.service import Service
from ltgraph.store.graph_server import GraphServer, compare, generation_graphs
from ltgraph.web.app import create_app

from .conftest import entry_text
from .servers import OXIGRAPH, start_oxigraph

pytestmark = pytest.mark.skipif(not Path(OXIGRAPH).exists(),
                                reason="needs the Oxigraph server: pip install oxigraph")


@pytest.fixture
def oxigraph(tmp_path: Path):
    process, url = start_oxigraph(tmp_path / "oxigraph")
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def served(tmp_path: Path, tiny_corpus: Path, oxigraph: str, fake_encoder):
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus, graph_url=oxigraph)
    service = Service(settings, encoder=fake_encoder)
    service.build()
    yield service
    service.close()


def sparql(service: Service, query: str, accept: str = "application/sparql-results+json"):
    client = create_app(service.settings, service).test_client()
    return client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})


def rows(response) -> set[tuple[str, ...]]:
    data = response.get_json()
    names = data["head"]["vars"]
    return {tuple(b.get(n, {}).get("value", "") for n in names) for b in data["results"]["bindings"]}


QUERIES = [
    "SELECT ?e ?name WHERE { ?e a ltg:LearningTheory ; rdfs:label ?name }",
    "SELECT ?e (COUNT(?i) AS ?n) WHERE { ?e ltg:hasConcept|ltg:hasLimitation ?i } GROUP BY ?e",
    "SELECT ?p WHERE { ?e ltg:developedBy ?p . ?p foaf:name ?n } ORDER BY ?p",
    "SELECT ?s ?o WHERE { ?s ltg:relatedTo ?o }",
    # a statement two entries make (a person's name, a symmetric link) counts once, as embedded
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT (COUNT(?name) AS ?n) WHERE { ?p foaf:name ?name }",
]


def test_a_build_mirrors_every_named_graph_and_sparql_answers_alike(served: Service, tmp_path,
                                                                    tiny_corpus, fake_encoder) -> None:
    server = GraphServer(served.settings.graph_url)
    graphs = generation_graphs(served.datadir.current())
    assert server.graph_sizes() == {name: len(set(t)) for name, t in graphs.items()}
    shared = served.iris.shared_graph
    assert graphs[shared]  # e.g. John Dewey, in both entries: in the shared graph only
    every = [t for triples in graphs.values() for t in triples]
    assert len(every) == len(set(every))
    assert compare(server, served.datadir.current()) == []
    embedded = Service(Settings(data_dir=served.settings.data_dir, corpus_dir=tiny_corpus),
                       encoder=fake_encoder)
    try:
        for query in QUERIES:
            remote, local = sparql(served, query), sparql(embedded, query)
            assert remote.status_code == local.status_code == 200, (query, remote.data[:300])
            assert rows(remote) == rows(local) and rows(local), query
        ask = sparql(served, "ASK { ?e rdfs:label 'Alpha Theory' }").get_json()
        assert ask["boolean"] is True
        graph = sparql(served, "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e rdfs:label ?l }",
                       "application/n-triples")
        assert graph.status_code == 200 and b"Alpha Theory" in graph.data
    finally:
        embedded.close()
    assert ("graph server", True) in {(name, ok) for name, ok, _ in served.doctor()}


def test_add_update_remove_reach_the_server_and_another_reader_sees_them(served: Service, tmp_path,
                                                                         fake_encoder) -> None:
    other = Service(served.settings, encoder=fake_encoder)  # a second API process, same servers
    gamma = tmp_path / "gamma-theory.md"
    gamma.write_text(entry_text().replace("alpha-theory", "gamma-theory")
                     .replace("Alpha Theory", "Gamma Theory").replace("Alphaism", "Gammaism"))
    query = "SELECT ?n WHERE { ?e a ltg:LearningTheory ; rdfs:label ?n FILTER(STRSTARTS(?n, 'Gamma')) }"
    try:
        assert rows(sparql(other, query)) == set()
        served.add([gamma])
        assert rows(sparql(other, query)) == {("Gamma Theory",)}
        gamma.write_text(gamma.read_text().replace("Gamma Theory", "Gamma Theory Revised"))
        served.add([gamma], replace=True)
        assert rows(sparql(other, query)) == {("Gamma Theory Revised",)}  # old name gone: whole
        served.remove("gamma-theory")
        assert rows(sparql(other, query)) == set()
        assert compare(GraphServer(served.settings.graph_url), served.datadir.current()) == []
    finally:
        other.close()


def test_a_server_that_was_down_is_repaired_by_migrate(tmp_path, tiny_corpus, fake_encoder) -> None:
    process, url = start_oxigraph(tmp_path / "ox")
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus, graph_url=url)
    service = Service(settings, encoder=fake_encoder)
    service.build()
    process.terminate()
    process.wait(timeout=20)
    gamma = tmp_path / "gamma-theory.md"
    gamma.write_text(entry_text().replace("alpha-theory", "gamma-theory")
                     .replace("Alpha Theory", "Gamma Theory").replace("Alphaism", "Gammaism"))
    with pytest.raises(DataDirError, match="migrate --to-server"):
        service.add([gamma])  # published here; the server is behind and the error says so
    assert "gamma-theory" in {e.slug for e in service.snapshot().entries()}
    process, _ = start_oxigraph(tmp_path / "ox-new")  # a new, empty server on another port
    service.close()
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus,
                        graph_url=f"http://127.0.0.1:{_port(process)}")
    service = Service(settings, encoder=fake_encoder)
    try:
        doctor = {name: ok for name, ok, _ in service.doctor()}
        assert doctor["graph server"] is False
        assert service.migrate_to_server()["replaced"] >= 3
        assert {name: ok for name, ok, _ in service.doctor()}["graph server"] is True
    finally:
        service.close()
        process.terminate()
        process.wait(timeout=20)


def _port(process: subprocess.Popen[bytes]) -> str:
    args = process.args
    assert isinstance(args, list)
    return str(args[args.index("--bind") + 1]).rsplit(":", 1)[1]


def test_the_guard_still_stands_before_the_server(served: Service) -> None:
    """SERVICE, updates and dataset clauses never reach the server; the guard cannot be
    switched off in server mode."""
    for query in ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }",
                  "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "SELECT * FROM <urn:g> WHERE { ?s ?p ?o }",
                  "LOAD <http://127.0.0.1:9/x>"):
        response = sparql(served, query)
        assert response.status_code in (400, 403), (query, response.status_code)
    assert rows(sparql(served, "SELECT ?s WHERE { ?s ?p <urn:c> }")) == set()
    with pytest.raises(ConfigError, match="GUARD=off"):
        Settings(graph_url="http://127.0.0.1:1", sparql_guard="off")


def test_server_answers_keep_the_row_limit(tmp_path, tiny_corpus, oxigraph, fake_encoder) -> None:
    settings = Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus, graph_url=oxigraph,
                        sparql_max_rows=3)
    service = Service(settings, encoder=fake_encoder)
    try:
        service.build()
        response = sparql(service, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
        assert response.status_code == 200 and len(response.get_json()["results"]["bindings"]) == 3
        assert response.headers["X-Result-Truncated"] == "true"
        assert json.loads(response.data)["head"]["vars"] == ["s", "p", "o"]
    finally:
        service.close()


def test_a_push_over_the_request_limit_goes_in_batches_of_whole_graphs(served: Service, monkeypatch) -> None:
    """A full load bigger than a server takes in one request (Oxigraph: 128 MiB) is sent in
    several, never splitting a graph; the server ends up holding every graph exactly."""
    import ltgraph.store.graph_server as gs

    server = GraphServer(served.settings.graph_url)
    sent: list[str] = []
    real = GraphServer.update
    monkeypatch.setattr(GraphServer, "update", lambda self, text: sent.append(text) or real(self, text))
    monkeypatch.setattr(gs, "UPDATE_BYTES", 2000)
    server.update("INSERT DATA { GRAPH <urn:stale> { <urn:a> <urn:b> <urn:c> } }")
    sent.clear()
    served.migrate_to_server()
    graphs = generation_graphs(served.datadir.current())
    assert len(sent) > 3
    for text in sent:  # a graph's DROP and INSERT always travel together
        for name in graphs:
            assert text.count(f"DROP SILENT GRAPH <{name}>") == text.count(f"GRAPH <{name}> {{")
    assert server.graph_sizes() == {name: len(set(t)) for name, t in graphs.items()}
    assert compare(server, served.datadir.current()) == []


def _gamma(tmp_path: Path) -> Path:
    path = tmp_path / "gamma-theory.md"
    path.write_text(entry_text().replace("alpha-theory", "gamma-theory")
                    .replace("Alpha Theory", "Gamma Theory").replace("Alphaism", "Gammaism"))
    return path


def test_a_change_the_server_missed_stands_and_a_build_keeps_it(served: Service, tmp_path,
                                                                monkeypatch) -> None:
    """The graph server refuses an add: the change stays published and in the curators' store
    (a later full build keeps it), and the next write brings the server in step."""
    def down(self, text):
        raise DataDirError("the graph server did not answer (test)")

    delta = tmp_path / "delta-theory.md"  # the curators' store has a version to go back to
    delta.write_text(_gamma(tmp_path).read_text().replace("gamma-theory", "delta-theory")
                     .replace("Gamma Theory", "Delta Theory").replace("Gammaism", "Deltaism"))
    served.add([delta])
    with monkeypatch.context() as patch:
        patch.setattr(GraphServer, "update", down)
        with pytest.raises(ServersBehind, match="migrate --to-server"):
            served.add([_gamma(tmp_path)])
    assert "gamma-theory" in served.snapshot().by_slug
    served.build()
    assert "gamma-theory" in served.snapshot().by_slug
    assert compare(GraphServer(served.settings.graph_url), served.datadir.current()) == []


def test_a_push_the_server_applied_but_did_not_confirm_is_not_lost(served: Service, tmp_path,
                                                                    monkeypatch) -> None:
    """The server commits an Update but the answer never arrives (a timeout, a writer killed
    before it wrote down what it sent): the next push still drops and sends every graph in
    doubt, so the server ends exactly as the data directory."""
    real = GraphServer.update

    def applied_unconfirmed(self, text):
        real(self, text)
        raise DataDirError("no answer (test)")

    with monkeypatch.context() as patch:
        patch.setattr(GraphServer, "update", applied_unconfirmed)
        with pytest.raises(ServersBehind):
            served.add([_gamma(tmp_path)])
    served.remove("gamma-theory")  # gamma's graph is on the server though no record says so
    assert compare(GraphServer(served.settings.graph_url), served.datadir.current()) == []
