"""The bundled corpus meets the content bar: counted from the built graph, not the files."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from ltgraph.corpus import KINDS
from ltgraph.service import Service

from .conftest import REPO

THEORIES = """activity-theory andragogy attribution-theory behaviorism cognitive-load-theory cognitivism
communities-of-practice community-of-inquiry connectivism constructionism constructivism
desirable-difficulties discovery-learning dual-coding-theory expectancy-value-theory
experiential-learning generative-learning growth-mindset humanism
information-processing-theory learning-styles meaningful-learning multimedia-learning
multiple-intelligences reflective-practice retrieval-practice schema-theory
self-determination-theory self-regulated-learning situated-learning social-constructivism
social-learning-theory spaced-practice transformative-learning""".split()
MODELS = """addie anchored-instruction arcs-model assure-model backward-design
behavior-engineering-model blooms-taxonomy cognitive-apprenticeship
component-display-theory constructive-alignment dick-and-carey elaboration-theory
flipped-classroom four-component-instructional-design gagnes-nine-events gamification
kirkpatrick-model mastery-learning merrills-first-principles microlearning
morrison-ross-kemp-model phillips-roi-model problem-based-learning project-based-learning
sam seventy-twenty-ten solo-taxonomy tpack universal-design-for-learning""".split()
E = "https://w3id.org/ltgraph/id/theory/"


pytestmark = pytest.mark.slow


@pytest.fixture
def bundled(bundled_service) -> Service:
    return bundled_service


def select(service: Service, query: str) -> list[dict[str, str]]:
    return [{v.value: s[v.value].value for v in rows.variables if s[v.value] is not None}
            for rows in [service.sparql(query)] for s in rows]


def count_per_entry(service: Service, pattern: str) -> Counter[str]:
    rows = select(service, f"SELECT ?e (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?e ltg:yearProposed ?y . "
                           f"{pattern} }} GROUP BY ?e")
    return Counter({r["e"].removeprefix(E): int(r["n"]) for r in rows})


def test_every_required_slug_exists_with_its_type(bundled: Service) -> None:
    rows = select(bundled, "SELECT ?e ?t WHERE { VALUES ?t { ltg:LearningTheory "
                           "ltg:InstructionalDesignModel } ?e a ?t }")
    types = {r["e"].removeprefix(E): r["t"].rsplit("#", 1)[1] for r in rows}
    for slug in THEORIES:
        assert types.get(slug) == "LearningTheory", slug
    for slug in MODELS:
        assert types.get(slug) == "InstructionalDesignModel", slug


@pytest.mark.parametrize("pattern,minimum", [
    ("?e ltg:developedBy ?x . ?x a ltg:Researcher", 1),
    ("?e ltg:seminalWork ?x . ?x dcterms:bibliographicCitation ?c ; dcterms:creator ?a ; dcterms:issued ?d", 1),
    ("?e ltg:hasConcept ?x", 2),
    ("?e ltg:hasImplication ?x", 3),
    # the teaching situations it fits, in everyday words (docs/corpus-format.md)
    ('?e ltg:hasImplication ?x . ?x rdfs:label ?l FILTER(STRSTARTS(STR(?l), "When "))', 2),
    ("?e ltg:hasStrength ?x", 2),
    ("?e ltg:hasLimitation ?x", 2),
    ("?e ?rel ?x . VALUES ?rel { ltg:buildsOn ltg:contrastsWith ltg:relatedTo ltg:influencedBy } "
     "?x ltg:yearProposed ?y2", 2),
])
def test_every_entry_meets_the_minimums(bundled: Service, pattern: str, minimum: int) -> None:
    counts = count_per_entry(bundled, pattern)
    short = {slug: counts.get(slug, 0) for slug in THEORIES + MODELS if counts.get(slug, 0) < minimum}
    assert not short, f"below {minimum}: {short}"


def test_overviews_have_at_least_150_words_and_researchers_a_paragraph(bundled: Service) -> None:
    for row in select(bundled, "SELECT ?e ?d WHERE { ?e ltg:yearProposed ?y ; dcterms:description ?d }"):
        assert len(row["d"].split()) >= 150, row["e"]
    rows = select(bundled, "SELECT ?e ?p ?t WHERE { ?e ltg:hasResearcher ?p . ?pa ltg:about ?p ; "
                           "ltg:inEntry ?e ; ltg:text ?t }")
    described = {(r["e"], r["p"]) for r in rows if len(r["t"].split()) >= 20}
    links = select(bundled, "SELECT ?e ?p WHERE { ?e ltg:hasResearcher ?p }")
    assert {(r["e"], r["p"]) for r in links} == described


def test_at_least_35_distinct_researchers_and_shared_people_have_one_iri(bundled: Service) -> None:
    rows = select(bundled, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?e ltg:hasResearcher ?p }")
    assert int(rows[0]["n"]) >= 35
    for person in ["jerome-bruner", "john-dewey", "jean-piaget"]:
        rows = select(bundled, f"SELECT ?e WHERE {{ ?e ltg:hasResearcher <https://w3id.org/ltgraph/id/person/{person}> }}")
        assert len(rows) >= 2, person


def test_every_entry_has_sources_evidence_and_roles() -> None:
    """Issue #18's acceptance: every bundled entry lists its sources, grades its evidence on
    named works, gives every researcher a role and backs at least five items with a `Source:`
    line; most have common misconceptions."""
    from ltgraph.config import bundled_corpus_dir
    from ltgraph.corpus import entry_files, load_corpus

    entries = load_corpus(entry_files(bundled_corpus_dir()))
    assert len(entries) == 63
    for entry in entries:
        assert entry.sources and entry.evidence and entry.evidence.sources, entry.slug
        assert all(p.role for p in entry.researchers), entry.slug
        assert sum(bool(i.sources) for i in entry.items) >= 5, entry.slug
        for key in [k for i in entry.items for k in i.sources] + list(entry.evidence.sources):
            assert entry.cite(key) in {w.citation for w in entry.works} | set(entry.sources)
    assert sum(bool(e.items_of("misconception")) for e in entries) >= 55


def test_when_implications_give_the_situation_then_the_response() -> None:
    """Each "When …" implication is a situation paragraph then a response paragraph that reads
    alone: a situation answer quotes the response (docs/corpus-format.md)."""
    from ltgraph.config import bundled_corpus_dir
    from ltgraph.corpus import entry_files, load_corpus

    for entry in load_corpus(entry_files(bundled_corpus_dir())):
        when = [i for i in entry.items_of("implication") if i.title.startswith("When ")]
        assert len(when) == 2, entry.slug
        for item in when:
            assert len(item.paragraphs) == 2, (entry.slug, item.title)
            assert 60 <= len(item.text.split()) <= 140, (entry.slug, item.title)
            opening = item.paragraphs[1].split()[0]
            assert opening not in {"This", "It", "Here", "So", "They", "Their"}, (entry.slug, item.title)


def test_aliases_people_search_by(bundled: Service) -> None:
    rows = select(bundled, "SELECT ?e ?a WHERE { ?e skos:altLabel ?a }")
    aliases = {(r["e"].removeprefix(E), r["a"].lower()) for r in rows}
    assert ("behaviorism", "behaviourism") in aliases
    assert not any(a == "operant conditioning" for e, a in aliases if e == "behaviorism")


SEED = "https://w3id.org/ltgraph/id/theory/connectivism"


def labels(service: Service, prop: str) -> set[str]:
    return {r["l"].lower() for r in select(service, f"SELECT ?l WHERE {{ <{SEED}> {prop} ?x . ?x rdfs:label ?l }}")}


def test_seed_facts_are_in_the_graph(bundled: Service) -> None:
    assert labels(bundled, "ltg:developedBy") == {"george siemens", "stephen downes"}
    works = select(bundled, f"SELECT ?t ?y ?a WHERE {{ <{SEED}> ltg:seminalWork ?w . ?w a ltg:Publication ; "
                            "dcterms:title ?t ; dcterms:issued ?y ; dcterms:creator ?a }")
    assert {"title": "Connectivism: A Learning Theory for the Digital Age",
            "y": "2005"} in [{"title": w["t"], "y": w["y"]} for w in works]
    assert labels(bundled, "ltg:hasImplication") >= {
        "networked learning", "learner-centred design", "use of open educational resources",
        "real-world problem-solving"}
    assert labels(bundled, "ltg:hasStrength") >= {
        "real-world relevance", "continuous learning", "enhanced engagement", "access to resources",
        "critical thinking and digital literacy"}
    assert labels(bundled, "ltg:hasLimitation") >= {
        "high self-motivation needed", "information overload", "technology dependency",
        "resource quality", "limited guidance", "interaction challenges"}
    tools = {r["l"] for r in select(bundled, f"SELECT ?l WHERE {{ <{SEED}> ltg:hasImplication ?i . "
                                             "?i ltg:recommendsTool ?t . ?t a ltg:Tool ; rdfs:label ?l }")}
    assert {"X", "LinkedIn", "Trello", "Padlet"} <= tools and any("Teams" in t for t in tools)
    network = select(bundled, f"SELECT ?l ?t WHERE {{ <{SEED}> ltg:hasNetworkResource ?x . "
                              "?x rdfs:label ?l ; a ?t }")
    kinds = {(r["l"], r["t"].rsplit("/", 1)[-1]) for r in network}
    assert ("eLearning Industry", "Organization") in kinds
    assert ("Julian Davis", "Person") in kinds
    julian = " ".join(r["d"] for r in select(bundled, f"SELECT ?d WHERE {{ <{SEED}> ltg:hasNetworkResource ?x . "
                                                      "?x rdfs:label 'Julian Davis' ; dcterms:description ?d }"))
    assert "xAPI" in julian and "LinkedIn" in julian
    downes = " ".join(r["t"] for r in select(bundled, "SELECT ?t WHERE { ?p ltg:about "
                                                      "<https://w3id.org/ltgraph/id/person/stephen-downes> ; "
                                                      f"ltg:inEntry <{SEED}> ; ltg:text ?t }}"))
    assert "network" in downes.lower() and "social" in downes.lower()


def test_eval_questions_are_well_formed_and_cover_every_entry() -> None:
    lines = (REPO / "eval" / "questions.jsonl").read_text("utf-8").splitlines()
    questions = [json.loads(line) for line in lines if line.strip()]
    assert len(questions) >= 80
    covered = Counter(slug for q in questions for slug in q["expected"])
    assert set(covered) == set(THEORIES + MODELS)
    assert all(q["kind"] in KINDS or q["kind"] is None for q in questions)


def test_a_work_cited_by_several_entries_has_one_citation(bundled: Service) -> None:
    rows = select(bundled, "SELECT ?w (COUNT(DISTINCT ?c) AS ?n) WHERE { ?w a ltg:Publication ; "
                           "dcterms:bibliographicCitation ?c } GROUP BY ?w HAVING (COUNT(DISTINCT ?c) > 1)")
    assert rows == []
