"""The `ltgs:` vocabulary inside SPARQL: rewriting (unit), every door (HTTP, CLI, SPARQLWrapper),
equality with /api/search, cosine equality, and malformed uses refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ltgraph.errors import QueryError
from ltgraph.sparql.semantic import rewrite, uses_ltgs

ALPHA = "https://w3id.org/ltgraph/id/theory/alpha-theory"


class Fake:
    """A backend that records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def search(self, question, k, kind):
        self.asked.append(("search", question, k, kind))
        return [("https://w3id.org/ltgraph/id/theory/a/overview/a/p1", 0.5)]

    def keyword(self, words, k):
        self.asked.append(("keyword", words, k))
        return []

    def similar_entries(self, entry, k):
        self.asked.append(("similar", entry, k))
        return [(ALPHA, 0.25)]

    def similarity_table(self, text):
        self.asked.append(("table", text))
        return {ALPHA: 0.75}


def test_queries_without_ltgs_pass_through_untouched() -> None:
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"
    assert not uses_ltgs(query)
    assert rewrite(query, Fake()).query == query


def test_a_property_function_becomes_inline_data_never_request_text() -> None:
    fake = Fake()
    question = 'x" } SERVICE <http://127.0.0.1:9/> { "'
    escaped = question.replace('"', '\\"')
    out = rewrite(f'SELECT * WHERE {{ (?p ?s) ltgs:search ("{escaped}" 5 "limitation") . ?p ?q ?o }}', fake)
    assert fake.asked == [("search", question, 5, "limitation")]
    assert "SERVICE" not in out.query and "VALUES (?p ?s) {" in out.query
    assert '"0.5"^^<http://www.w3.org/2001/XMLSchema#double>' in out.query
    assert out.query.endswith(". ?p ?q ?o }")


def test_prefixes_full_iris_and_the_function_are_recognised() -> None:
    fake = Fake()
    out = rewrite("PREFIX s: <https://w3id.org/ltgraph/search#> SELECT * WHERE { "
                  "(?e ?x) s:similarEntries (<https://w3id.org/ltgraph/id/theory/alpha-theory> 2) "
                  "BIND(<https://w3id.org/ltgraph/search#similarity>(?e, 'wor\\u006bed') AS ?y) }", fake)
    assert ("similar", ALPHA, 2) in fake.asked and ("table", "worked") in fake.asked
    assert out.similarity == {"worked": {ALPHA: 0.75}}


@pytest.mark.parametrize("query, says", [
    ("SELECT * WHERE { (?p ?s) ltgs:serch ('x' 3) }", "unknown term ltgs:serch"),
    ("SELECT * WHERE { (?p ?s) ltgs:search (?q 3) }", 'ltgs:search is written (?passage ?score)'),
    ("SELECT * WHERE { (?p ?s) ltgs:search ('x' 0) }", "from 1 to 100"),
    ("SELECT * WHERE { (?p ?s) ltgs:search ('x' 101) }", "from 1 to 100"),
    ("SELECT * WHERE { (?p ?s) ltgs:search ('x') }", "ltgs:search takes"),
    ("SELECT * WHERE { ?p ltgs:search ('x' 3) }", "ltgs:search is written"),
    ("SELECT * WHERE { (?p ?s) ltgs:keyword ('x' 3 'limitation') }", "ltgs:keyword takes"),
    ("SELECT * WHERE { (?e ?s) ltgs:similarEntries ('x' 3) }", "ltgs:similarEntries takes"),
    ("SELECT (ltgs:similarity(?p, ?t) AS ?x) WHERE { ?p ?q ?t }", "takes a variable"),
])
def test_malformed_uses_say_the_expected_form(query, says) -> None:
    with pytest.raises(QueryError, match=None) as info:
        rewrite(query, Fake())
    assert says in str(info.value)


def _select(client, query: str) -> list[dict]:
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]["bindings"]


def test_search_over_http_equals_the_search_api(client) -> None:
    api = client.get("/api/search?q=worked+examples&k=5").get_json()["results"]
    rows = _select(client, 'SELECT ?p ?s WHERE { (?p ?s) ltgs:search ("worked examples" 5) } '
                           "ORDER BY DESC(?s) ?p")
    assert [(r["p"]["value"], float(r["s"]["value"])) for r in rows] == \
        sorted(((h["passage_iri"], h["score"]) for h in api), key=lambda x: (-x[1], x[0]))


def test_combined_with_patterns_filters_optional_and_aggregates(client) -> None:
    rows = _select(client, """
        SELECT ?entry (COUNT(?p) AS ?n) (MAX(?s) AS ?best) WHERE {
          (?p ?s) ltgs:search ("worked examples fading" 10)
          ?p ltg:about ?node . OPTIONAL { ?node ltg:itemOf ?item_entry }
          BIND(COALESCE(?item_entry, ?node) AS ?entry)
          FILTER(?s > 0)
        } GROUP BY ?entry ORDER BY DESC(?best)""")
    assert rows and all(int(r["n"]["value"]) >= 1 for r in rows)
    post = client.post("/sparql", data='SELECT ?e ?s WHERE { (?e ?s) ltgs:similarEntries '
                       f'(<{ALPHA}> 1) }}', content_type="application/sparql-query",
                       headers={"Accept": "application/sparql-results+json"})
    assert post.status_code == 200
    assert [b["e"]["value"] for b in post.get_json()["results"]["bindings"]] == \
        ["https://w3id.org/ltgraph/id/theory/beta-model"]


def test_similarity_equals_the_cosine_of_the_stored_vectors(client, service) -> None:
    snap = service.snapshot()
    rows = _select(client, 'SELECT ?p ?c WHERE { ?p a ltg:Passage . '
                           'BIND(ltgs:similarity(?p, "worked examples") AS ?c) }')
    vector = service.searcher.query_vector("worked examples")
    expected = {f"https://w3id.org/ltgraph/id/theory/{r.key}": float(snap.index.vectors.vectors[i] @ vector)
                for i, r in enumerate(snap.index.records)}
    assert len(rows) == len(expected)
    for row in rows:
        assert np.isclose(float(row["c"]["value"]), expected[row["p"]["value"]], atol=1e-6)


def test_malformed_use_over_http_is_a_400_problem(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { (?p ?s) ltgs:nope ('x' 1) }"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "unknown term ltgs:nope" in response.get_json()["detail"]


def test_the_cli_answers_ltgs_too(run) -> None:
    assert run("build").exit_code == 0
    result = run("sparql", "--format", "json",
                 'SELECT ?p ?s WHERE { (?p ?s) ltgs:keyword ("worked examples" 3) }')
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"]["bindings"]


@pytest.mark.slow
def test_search_in_sparql_equals_the_api_over_the_evaluation_questions(bundled_service) -> None:
    """For every development question: ltgs:search ("q" 10) gives /api/search's top ten
    (passage IRIs and scores) — through the guarded, sandboxed query processes."""
    from ltgraph.evaluation import load_questions

    from .conftest import REPO

    for question in load_questions(REPO / "eval" / "questions.jsonl"):
        api = bundled_service.search(question.q, k=10)["results"]
        literal = json.dumps(question.q)  # a JSON string is a valid SPARQL string here
        rendered = bundled_service.public_sparql(
            f"SELECT ?p ?s WHERE {{ (?p ?s) ltgs:search ({literal} 10) }}", "json")
        rows = json.loads(rendered.body)["results"]["bindings"]
        assert {(r["p"]["value"], round(float(r["s"]["value"]), 6)) for r in rows} == \
            {(h["passage_iri"], h["score"]) for h in api}, question.q


@pytest.mark.slow
def test_sparqlwrapper_uses_every_ltgs_term(live) -> None:
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(live + "/sparql")
    client.setReturnFormat(JSON)
    client.setQuery("""
        SELECT ?entry (MAX(?s) AS ?best) (MAX(ltgs:similarity(?p, "feedback")) AS ?fit) WHERE {
          (?p ?s) ltgs:search ("feedback on learner work" 20 "implication")
          ?p ltg:about ?item . ?item ltg:itemOf ?entry
        } GROUP BY ?entry ORDER BY DESC(?best) LIMIT 5""")
    rows = client.query().convert()["results"]["bindings"]
    assert rows and all(0 < float(r["fit"]["value"]) <= 1 for r in rows)
    client.setQuery("SELECT ?e ?s WHERE { (?e ?s) ltgs:similarEntries "
                    "(<https://w3id.org/ltgraph/id/theory/connectivism> 3) }")
    similar = [r["e"]["value"] for r in client.query().convert()["results"]["bindings"]]
    assert len(similar) == 3 and "https://w3id.org/ltgraph/id/theory/connectivism" not in similar
    client.setQuery('SELECT ?p WHERE { (?p ?s) ltgs:keyword ("zone of proximal development" 5) }')
    assert client.query().convert()["results"]["bindings"]


def test_the_vocabulary_is_published_at_its_namespace_path(client) -> None:
    from rdflib import Graph, URIRef

    turtle = client.get("/search", headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.mimetype == "text/turtle"
    graph = Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    for term in ("search", "keyword", "similarEntries", "similarity"):
        assert (URIRef("https://w3id.org/ltgraph/search#" + term), None, None) in graph
    assert client.get("/search", headers={"Accept": "text/html"}).mimetype == "text/html"


def test_syntax_errors_say_where_and_an_unknown_prefix_is_named(client) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s foo:bar ?o }"})
    assert response.status_code == 400
    detail = response.get_json()["detail"]
    assert detail.startswith("the prefix 'foo:' is not declared at line 1, column")
    assert "PREFIX foo:" in detail and "ltgs" in detail and "\\u{" not in detail
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o "})
    assert response.get_json()["detail"].startswith("SPARQL syntax error at line 1, column 27: ")


def test_the_number_of_ltgs_calls_is_bounded() -> None:
    """Each call is a search in the serving process, outside the query time limit."""
    from ltgraph.sparql.semantic import MAX_CALLS

    patterns = " ".join(f"(?p{i} ?s{i}) ltgs:search ('x' 100) ." for i in range(MAX_CALLS + 1))
    fake = Fake()
    with pytest.raises(QueryError, match="more than"):
        rewrite(f"SELECT * WHERE {{ {patterns} }}", fake)
    assert len(fake.asked) == MAX_CALLS  # it stops before the call over the limit
