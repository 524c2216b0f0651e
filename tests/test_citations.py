"""The format additions of issue #18: source keys, researcher roles, evidence, revisions and
common misconceptions — parsed, written back, turned into triples and shown on the page."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from ltgraph.corpus import Entry, Work, parse_entry, passages, write_entry
from ltgraph.corpus.citations import resolve
from ltgraph.errors import CorpusError
from ltgraph.rdf.build import build_graph
from ltgraph.rdf.iris import Iris
from ltgraph.rdf.ontology import LTG
from ltgraph.rdf.shacl import validate_graph

from .conftest import entry_text

WORKS = (Work(("Jeroen J. G. van Merriënboer",), 1997, "Training complex cognitive skills", "ETP"),
         Work(("John Sweller", "Paul Chandler"), 1991, "Format", "C&I"))
SOURCES = ("de Jong, T. (2010). Cognitive load theory. Instructional Science, 38(2), 105-134.",
           "Coffield, F., Moseley, D., Hall, E., & Ecclestone, K. (2004). Learning styles and pedagogy.",
           "Coffield, F., Moseley, D., Hall, E., & Ecclestone, K. (2004). Should we be using learning styles?",
           "Sweller, J. (1991). Format again. Elsewhere.",
           "CAST (2018). Universal Design for Learning Guidelines version 2.2.")


def test_a_key_names_a_seminal_work_or_one_source_by_surname_and_year() -> None:
    assert resolve("van Merriënboer 1997", WORKS, SOURCES).startswith("Jeroen J. G. van")
    assert resolve("Merrienboer 1997", WORKS, SOURCES).startswith("Jeroen J. G. van")
    assert resolve("de Jong 2010", WORKS, SOURCES).startswith("de Jong, T. (2010)")
    assert resolve("CAST 2018", WORKS, SOURCES).startswith("CAST (2018)")
    # the seminal work wins over a source line with the same key: one work listed twice
    assert resolve("Sweller 1991", WORKS, SOURCES).startswith("John Sweller, Paul Chandler")
    # two works of one author and year: a letter in the order they are listed
    assert "pedagogy" in resolve("Coffield 2004a", WORKS, SOURCES)
    assert "Should we" in resolve("Coffield 2004b", WORKS, SOURCES)


@pytest.mark.parametrize("key,message", [
    ("Coffield 2004", "matches 2 works"), ("Coffield 2004c", "letter only"),
    ("de Jong 2010a", "letter only"), ("Jong 2011", "matches no"), ("Sweller", "not 'Surname Year'"),
    ("Chandler 1991", "matches no"),  # a co-author is not the first author
])
def test_a_key_that_names_no_work_or_several_is_refused_saying_why(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve(key, WORKS, SOURCES)


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_any_key_resolves_or_raises_value_error(key: str) -> None:
    try:
        assert resolve(key, WORKS, SOURCES) in {w.citation for w in WORKS} | set(SOURCES)
    except ValueError as exc:
        assert str(exc)


def enriched(text: str | None = None) -> str:
    """The tiny fixture entry with every addition of the format."""
    text = text or entry_text()
    text = text.replace("  - name: Ada Example\n", "  - name: Ada Example\n    role: originator\n")
    text = text.replace("  - name: John Dewey\n", "  - name: John Dewey\n    role: critic\n")
    text = text.replace('sources:\n  - "Test fixture', 'evidence:\n  grade: mixed\n'
                        '  summary: "Two studies agree, a third does not."\n'
                        '  sources: [Example 1999, Dewey 1938]\n'
                        'revisions:\n  - {year: 2005, change: "Fading added.", source: Example 1999}\n'
                        'sources:\n  - "Dewey, J. (1938). Experience and education. Macmillan."\n'
                        '  - "Test fixture')
    text = text.replace("Examples must fade, or learners copy without understanding.",
                        "Examples must fade, or learners copy without understanding.\n"
                        "Source: Dewey 1938")
    text = text.replace("Tools: Padlet, Trello", "Source: Example 1999\nTools: Padlet, Trello")
    return text.replace("## Personal Learning Network",
                        "## Common Misconceptions\n\n### Examples are enough\n\n"
                        "Examples alone do not teach; learners must also practise.\n"
                        "Source: Example 1999; Dewey 1938\n\n## Personal Learning Network")


def parse(text: str) -> Entry:
    return parse_entry(text, path="alpha-theory.md")


def test_roles_evidence_revisions_sources_and_misconceptions_are_parsed() -> None:
    entry = parse(enriched())
    assert [(p.slug, p.role) for p in entry.researchers] == [("ada-example", "originator"),
                                                            ("john-dewey", "critic")]
    assert not entry.researchers[1].developed
    assert entry.evidence is not None and entry.evidence.grade == "mixed"
    assert entry.evidence.sources == ("Example 1999", "Dewey 1938")
    assert [(r.year, r.source) for r in entry.revisions] == [(2005, "Example 1999")]
    implication = entry.items_of("implication")[0]
    assert implication.sources == ("Example 1999",) and implication.tools == ("Padlet", "Trello")
    assert entry.items_of("limitation")[0].sources == ("Dewey 1938",)
    misconception = entry.items_of("misconception")[0]
    assert misconception.title == "Examples are enough"
    assert entry.cite("Dewey 1938").startswith("Dewey, J. (1938)")
    kinds = {p.kind: p for p in passages(entry)}
    assert kinds["evidence"].text == "Two studies agree, a third does not."
    assert kinds["misconception"].key == "alpha-theory/misconception/examples-are-enough/p1"


def test_the_additions_survive_writing_and_reading_back() -> None:
    entry = parse(enriched())
    again = parse(write_entry(entry))
    assert again == entry
    assert [p.role for p in again.researchers] == ["originator", "critic"]


@pytest.mark.parametrize("transform,message", [
    (lambda t: t.replace("role: critic", "role: inventor"), "role 'inventor'"),
    (lambda t: t.replace("grade: mixed", "grade: strong"), "evidence grade 'strong'"),
    (lambda t: t.replace("sources: [Example 1999, Dewey 1938]", "sources: []"), "needs 'sources'"),
    (lambda t: t.replace("Source: Dewey 1938\n", "Source: Dewey 1939\n"), "'Dewey 1939' matches no"),
    (lambda t: t.replace("source: Example 1999}", "source: Nobody 2000}"), "'Nobody 2000'"),
    (lambda t: t.replace("{year: 2005,", "{year: soon,"), "revision year"),
    (lambda t: t.replace("Source: Example 1999\nTools", "Source:\nTools"), "names no work"),
])
def test_bad_additions_are_refused_with_the_line(transform, message: str) -> None:
    with pytest.raises(CorpusError) as info:
        parse(transform(enriched()))
    problems = getattr(info.value, "problems", [info.value])
    assert any(message in str(p) and p.line for p in problems), [str(p) for p in problems]


def test_the_graph_states_roles_evidence_revisions_sources_and_misconceptions() -> None:
    beta = parse_entry(entry_text("beta-model.md"), path="beta-model.md")
    graph = build_graph([parse(enriched()), beta], Iris())
    iris = Iris()
    e, ada, dewey = iris.entry("alpha-theory"), iris.person("ada-example"), iris.person("john-dewey")
    assert (e, LTG.originatedBy, ada) in graph and (e, LTG.developedBy, ada) in graph
    assert (e, LTG.criticisedBy, dewey) in graph and (e, LTG.developedBy, dewey) not in graph
    assert (e, LTG.hasResearcher, dewey) in graph
    evidence = iris.item("alpha-theory", "evidence", "assessment")
    assert (e, LTG.hasEvidence, evidence) in graph
    assert (evidence, LTG.evidenceGrade, LTG.Mixed) in graph
    assert (evidence, DCTERMS.source, Literal("Dewey, J. (1938). Experience and education. Macmillan.")) in graph
    revision = iris.item("alpha-theory", "revision", "2005-1")
    assert (revision, DCTERMS.date, Literal("2005", datatype=XSD.gYear)) in graph
    limitation = iris.item("alpha-theory", "limitation", "fading-needed")
    assert len(list(graph.objects(limitation, DCTERMS.source))) == 1
    myth = iris.item("alpha-theory", "misconception", "examples-are-enough")
    assert (myth, RDF.type, LTG.Misconception) in graph and (e, LTG.hasMisconception, myth) in graph
    assert len(list(graph.objects(myth, DCTERMS.source))) == 2
    passage = URIRef(f"{iris.base}id/theory/alpha-theory/evidence/assessment/p1")
    assert (passage, LTG.about, evidence) in graph
    assert validate_graph(graph, Iris()) == []


def test_shacl_refuses_an_evidence_node_without_a_grade() -> None:
    graph = build_graph([parse(enriched()), parse_entry(entry_text("beta-model.md"), path="beta-model.md")],
                        Iris())
    graph.remove((None, LTG.evidenceGrade, None))
    assert any("grade" in problem for problem in validate_graph(graph, Iris()))


@pytest.fixture
def enriched_corpus(tiny_corpus):
    """The tiny corpus with the additions in alpha-theory (requested before `client`)."""
    path = tiny_corpus / "alpha-theory.md"
    path.write_text(enriched(path.read_text("utf-8")), "utf-8")
    return tiny_corpus


def test_the_entry_page_shows_the_grade_roles_notes_revisions_and_misconceptions(enriched_corpus, client) -> None:
    page = client.get("/theories/alpha-theory").get_data(as_text=True)
    assert 'class="grade grade-mixed"' in page and "Two studies agree" in page
    assert "John Dewey</a> (critic)" in page and '<p class="role">Originator</p>' in page
    assert 'id="misconceptions"' in page and "Examples are enough" in page
    assert "<strong>2005</strong> — Fading added." in page
    assert re.search(r"<dt>Last changed</dt><dd><time datetime=\"\d{4}-\d\d-\d\d\">", page)
    # numbered notes: each work once, in the order the page first cites it
    notes = page[page.index('<ol class="notes">'):]
    assert notes.count("<li id=\"note-") == 2
    assert notes.index("Ada Example (1999)") < notes.index("Dewey, J. (1938)")  # evidence order
    assert 'href="#note-1" aria-label="Source 1"' in page and 'href="#note-2"' in page
    data = client.get("/api/theories/alpha-theory").get_json()
    assert data["evidence"]["grade"] == "mixed" and len(data["evidence"]["sources"]) == 2
    assert [r["role"] for r in data["researchers"]] == ["originator", "critic"]
    assert data["misconceptions"][0]["sources"] and data["revisions"][0]["year"] == 2005
    listing = client.get("/api/theories").get_json()
    assert {row["id"]: row["evidence"] for row in listing} == {"alpha-theory": "mixed",
                                                               "beta-model": None}


def test_search_finds_evidence_and_misconception_passages_by_kind(enriched_corpus, client) -> None:
    for kind in ("evidence", "misconception"):
        hits = client.get(f"/api/search?q=examples&kind={kind}").get_json()["results"]
        assert hits and {h["kind"] for h in hits} == {kind}
