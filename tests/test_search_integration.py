"""Search over the bundled corpus with the real packaged model."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ltgraph.cli import cli
from ltgraph.evaluation import evaluate, load_questions

from .conftest import REPO

pytestmark = pytest.mark.slow


def test_limitations_of_connectivism(bundled_service) -> None:
    response = bundled_service.search("what are the limitations of connectivism", k=10)
    top = response["results"][0]
    assert top["theory"] == "connectivism" and top["kind"] == "limitation"
    assert "Information overload" in [h["label"] for h in response["results"]]
    assert "Information overload" in response["answer"]["text"]


def test_evidence_and_myth_questions_are_answered_from_the_graph(bundled_service) -> None:
    """"Is there evidence for …" answers with the entry's grade, summary and the reviews it
    rests on; "myths about …" lists its common misconceptions; the passages lead the hits."""
    response = bundled_service.search("is there any evidence that learning styles work?", k=5)
    answer = response["answer"]
    assert answer["kind"] == "fact" and "graded weak" in answer["text"]
    assert "Pashler" in answer["text"]  # the review it rests on, cited in full
    assert response["results"][0]["theory"] == "learning-styles"
    assert "evidence" in [h["kind"] for h in response["results"][:3]]
    myths = bundled_service.search("common myths about constructivism", k=5)
    assert myths["answer"] and "misconceptions about Constructivism" in myths["answer"]["text"]
    assert myths["results"][0]["kind"] == "misconception"


def test_drawbacks_for_unmotivated_learners(bundled_service) -> None:
    results = bundled_service.search("what are the drawbacks of connectivism for unmotivated learners?")["results"]
    assert results[0]["label"] == "High self-motivation needed"


def test_who_developed_connectivism_answer(bundled_service) -> None:
    answer = bundled_service.search("who developed connectivism?")["answer"]
    assert "George Siemens" in answer["text"] and "Stephen Downes" in answer["text"]
    assert "https://w3id.org/ltgraph/id/person/george-siemens" in answer["sources"]


def test_person_answer(bundled_service) -> None:
    answer = bundled_service.search("which theories did Jerome Bruner develop")["answer"]
    for name in ("Constructivism", "Discovery Learning"):
        assert name in answer["text"]
    # who shaped a person's work: the forerunners and roots of the entries they developed
    kolb = bundled_service.search("who influenced kolb")["answer"]
    assert kolb["text"] == ("Experiential Learning, which David A. Kolb developed, grew out of earlier work "
                            "by Jean Piaget, John Dewey and Kurt Lewin, and was influenced by Constructivism.")
    assert "https://w3id.org/ltgraph/id/person/john-dewey" in kolb["sources"]
    # and what grew out of theirs: the person's entries and roles
    vygotsky = bundled_service.search("which theories were influenced by vygotsky")["answer"]
    assert vygotsky["text"] == bundled_service.search("who is Lev Vygotsky")["answer"]["text"]
    # the name alone is a question about the person too, and a strong match whatever the topic
    # head makes of one word ("bruner": 0.2); two people alone, the entry they developed together
    bruner = bundled_service.search("bruner")
    assert bruner["match"] == "strong" and bruner["answer"]["text"].startswith("Jerome Bruner developed ")
    assert bundled_service.search("siemens and downes")["answer"]["text"].startswith(
        "Connectivism is a learning theory, first proposed by George Siemens and Stephen Downes")
    assert bundled_service.search("ADDIE and SAM")["answer"]["kind"] == "comparison"
    lave = bundled_service.search("jean lave")["answer"]
    assert lave["text"] == bundled_service.search("who is Jean Lave")["answer"]["text"]
    assert "Situated Learning" in lave["text"]


def test_a_name_alone_or_its_gist_asked_gets_what_the_entry_is(bundled_service) -> None:
    """An entry's name and nothing else ("gagne's nine events", "the ADDIE model"), or a
    question for its main idea whatever kind of passage its words suggest: what it is."""
    for question in ("gagne's nine events", "the ADDIE model", "connectivism",
                     "what's the main idea of cognitive load theory in one sentence",
                     "self-determination theory in a nutshell", "what does SAM stand for",
                     "how does spaced practice work", "tell me everything about tpack"):
        answer = bundled_service.search(question)["answer"]
        assert answer is not None and " first proposed " in answer["text"].split(". ")[0], question
        assert answer["text"].split(" is a")[0] in {
            "Gagné's Nine Events of Instruction", "ADDIE", "Connectivism", "Cognitive Load Theory",
            "Self-Determination Theory", "Successive Approximation Model (SAM)", "Spaced Practice",
            "TPACK"}, question
    # a name with words asking something else keeps its own answer
    assert bundled_service.search("connectivism critics")["answer"]["text"].startswith(
        "Connectivism has these documented limitations")
    assert bundled_service.search("key ideas of social learning theory")["answer"]["text"].startswith(
        "The key concepts of Social Learning Theory are ")
    opposite = bundled_service.search("what is the opposite of behaviorism")["answer"]["text"]
    assert opposite.startswith("In the graph, Behaviorism ") and "contrasts with " in opposite
    # a concept's title keeps its capitals where they name something ("Savvy Start")
    assert bundled_service.search("define savvy start")["answer"]["text"].startswith(
        "One of the key concepts of Successive Approximation Model (SAM) is Savvy Start. ")


def test_quality_targets_on_the_development_questions(bundled_service) -> None:
    questions = load_questions(REPO / "eval" / "questions.jsonl")
    search = lambda q, mode: bundled_service.search(q, k=10, mode=mode)["results"]  # noqa: E731
    hybrid = evaluate(questions, search, "hybrid")
    keyword = evaluate(questions, search, "keyword")
    dense = evaluate(questions, search, "dense")
    assert hybrid["hit@5"] >= 0.95
    assert hybrid["mrr@10"] >= 0.85
    # Near the ceiling a fixed margin cannot hold (BM25 0.957 + 0.05 > 1): the hybrid's misses
    # (1 - MRR) must be at most half the best single retriever's (measured: 0.014 vs 0.043).
    best = max(keyword["mrr@10"], dense["mrr@10"])
    assert 1 - hybrid["mrr@10"] <= 0.5 * (1 - best)


def test_cli_search_and_eval(bundled_service) -> None:
    data_dir = str(bundled_service.settings.data_dir)
    runner = CliRunner()
    human = runner.invoke(cli, ["--data-dir", data_dir, "search", "who developed connectivism"], obj={})
    assert human.exit_code == 0, human.output
    assert "Answer:" in human.output and "George Siemens" in human.output
    assert " 1. Connectivism · researcher ·" in human.output
    raw = runner.invoke(cli, ["--data-dir", data_dir, "search", "limits of SAM", "--k", "3", "--json"], obj={})
    assert len(json.loads(raw.stdout)["results"]) == 3
    bad = runner.invoke(cli, ["--data-dir", data_dir, "search", "   "], obj={})
    assert bad.exit_code == 1 and "the question is empty" in bad.output
    bad_k = runner.invoke(cli, ["--data-dir", data_dir, "search", "x", "--k", "0"], obj={})
    assert bad_k.exit_code == 1 and "k must be" in bad_k.output
    report = runner.invoke(cli, ["--data-dir", data_dir, "eval", "--questions",
                                 str(REPO / "eval" / "questions.jsonl"), "--json"], obj={})
    assert report.exit_code == 0, report.output
    assert set(json.loads(report.stdout)) == {"hybrid", "keyword", "dense"}


def test_quality_on_the_held_out_questions(bundled_service) -> None:
    """eval/heldout.jsonl was written after tuning, by someone who had not seen the
    development set: the absolute targets must hold there too."""
    questions = load_questions(REPO / "eval" / "heldout.jsonl")
    hybrid = evaluate(questions, lambda q, mode: bundled_service.search(q, k=10, mode=mode)["results"], "hybrid")
    assert hybrid["hit@5"] >= 0.95
    assert hybrid["mrr@10"] >= 0.85


def test_match_says_when_the_corpus_does_not_answer(bundled_service) -> None:
    """`match`: "none" for at most 2 % of the on-topic questions (1 of 837 on 63 entries) and
    at least 95 % of the off-topic ones (184 of 188; calibration: benchmarks/calibrate_match.py).
    The topic head was trained on training/, none of whose questions is here."""
    on = [q.q for name in ("questions", "heldout", "test", "everyday", "situations")
          for q in load_questions(REPO / "eval" / f"{name}.jsonl")]
    nones = sum(bundled_service.search(q, k=3)["match"] == "none" for q in on)
    assert nones / len(on) <= 0.02
    off = [json.loads(line) for line in (REPO / "eval" / "offtopic.jsonl").read_text().splitlines()
           if line.strip()]
    assert len(off) >= 150
    levels = [bundled_service.search(item["q"], k=3)["match"] for item in off]
    assert levels.count("none") / len(levels) >= 0.95  # 0.968 measured
    assert levels.count("strong") / len(levels) <= 0.02


def test_short_definitions_and_subject_teaching_are_on_topic(bundled_service) -> None:
    """A one-word definition of a term of the field, or a teaching situation that names the
    subject taught, is answered; the same words about another field are not. (Before
    training/ontopic.jsonl, the first two were "No good match"; the next two, before an unsure
    topic head gave way to a passage as near as a named match.)"""
    for question in ("what is scaffolding", "what is assimilation", "what is a schema", "what is chunking",
                     "how do I get my year 9s to remember the periodic table trends past the test"):
        assert bundled_service.search(question)["match"] != "none", question
    for question in ("scaffold tower safety regulations uk", "scaffolding hire prices near me",
                     "trends across the periodic table explained"):
        assert bundled_service.search(question)["match"] == "none", question


def test_misspelled_names_are_corrected(bundled_service) -> None:
    response = bundled_service.search("conectivism critics", k=5)
    assert response["did_you_mean"] == "connectivism critics"
    assert all(h["theory"] == "connectivism" for h in response["results"][:3])
    assert bundled_service.search("downsides of constructivism")["did_you_mean"] is None


def test_an_adjective_of_the_top_entry_names_it_for_the_answer(bundled_service) -> None:
    """"drawbacks of a cognitivist approach in the classroom" is answered with cognitivism's
    limitations and shows its card; an adjective the ranking does not follow is no name
    ("the cognitivist theory of three loads on working memory" is cognitive load theory)."""
    response = bundled_service.search("drawbacks of a cognitivist approach in the classroom")
    assert [e["label"] for e in response["entities"]] == ["Cognitivism"]
    assert response["answer"]["kind"] == "fact"
    assert response["answer"]["text"].startswith("Cognitivism has these documented limitations")
    other = bundled_service.search("the cognitivist theory of three loads on working memory")
    assert other["results"][0]["theory"] == "cognitive-load-theory"
    assert "Cognitivism" not in [e["label"] for e in other["entities"]]


def test_comparisons_get_both_entries_and_a_comparison_answer(bundled_service) -> None:
    for question, slugs in [("difference between ADDIE and SAM", {"addie", "sam"}),
                            ("what's the difference between behaviorism and constructivism",
                             {"behaviorism", "constructivism"}),
                            ("kolb vs mezirow vs knowles, how do their ideas differ",
                             {"experiential-learning", "transformative-learning", "andragogy"}),
                            ("what is the difference between problem based and project based learning",
                             {"problem-based-learning", "project-based-learning"})]:
        response = bundled_service.search(question)
        assert response["intent"]["type"] == "comparison", question
        top5 = {h["theory"] for h in response["results"][:5]}
        assert slugs <= top5, (question, top5)
        answer = response["answer"]
        assert answer["kind"] == "comparison"
        assert {iri.rsplit("/", 1)[-1] for iri in answer["entries"]} == slugs
        assert answer["compare_url"].startswith("/compare?theories=")
        assert set(answer["compare_url"].split("=", 1)[1].split(",")) == slugs
    addie_sam = bundled_service.search("difference between ADDIE and SAM")["answer"]["text"]
    assert "contrasts with" in addie_sam and "1975" in addie_sam and "2012" in addie_sam


def test_description_and_situation_answers(bundled_service) -> None:
    described = bundled_service.search("which theory says knowledge lives in networks")
    assert described["intent"]["type"] == "description"
    assert described["answer"]["kind"] == "description"
    assert described["answer"]["entries"] == ["https://w3id.org/ltgraph/id/theory/connectivism"]
    assert described["results"][0]["theory"] == "connectivism"
    situation = bundled_service.search("I teach adult nurses who hate lectures, what approach fits?")
    assert situation["intent"]["type"] == "situation"
    assert situation["answer"]["kind"] == "situation"
    assert situation["results"][0]["kind"] == "implication"
    # adult learners who dislike lectures: andragogy, or problem-based learning (from medical
    # and nursing education) — both fit
    assert {"andragogy", "problem-based-learning"} & {h["theory"] for h in situation["results"][:3]}


@pytest.mark.parametrize("question,entries", [
    ("nurses on placement cannot use what they learned in the classroom", {"situated-learning"}),
    ("our online forum posts are all polite agreement and nobody challenges anyone",
     {"community-of-inquiry"}),
    ("my year 9 pupils forget everything from the autumn term by the summer exams",
     {"spaced-practice", "retrieval-practice"}),
])
def test_a_situation_finds_the_entry_through_its_when_implication(bundled_service, question,
                                                                    entries) -> None:
    """A situation that names nothing reaches an entry through the "When …" implication that
    describes it (docs/corpus-format.md); before those items these led with other entries. A
    situation stated rather than asked about may read to the intent model as a description;
    its answer is a situation's all the same, as its best passage names a situation."""
    response = bundled_service.search(question, k=5)
    assert response["intent"]["type"] in ("situation", "description")
    when = [h for h in response["results"][:3]
            if h["theory"] in entries and h["kind"] == "implication" and h["label"].startswith("When ")]
    assert when
    answer = response["answer"]
    assert answer["kind"] == "situation"
    assert {iri.rsplit("/", 1)[-1] for iri in answer["entries"]} & entries
    # the answer gives the entry's response (the item's second paragraph) under the situation's
    # title, not the description of the situation the asker already knows
    situation, reply = when[0]["text"].split("\n\n")
    assert f"{when[0]['theory_label']}, when " in answer["text"]
    assert reply.split(". ")[0] in answer["text"] and situation.split(". ")[0] not in answer["text"]


def test_an_implications_answer_lists_actions_then_the_situations(bundled_service) -> None:
    """"When …" implications name situations, not actions: they get a sentence of their own."""
    answer = bundled_service.search("what are the implications of andragogy for instructional design")[
        "answer"]
    actions, situations = answer["text"].split(" It also says what to do ")
    assert actions.startswith("For instructional design, Andragogy implies Explain the why")
    assert "When" not in actions and "when experienced staff feel talked down to" in situations
    titles = {e["title"] for e in answer["evidence"]}  # every item is evidence, situations too
    assert {"Explain the why before the what", "When experienced staff feel talked down to in training"} <= titles


def test_answers_are_sentences_with_linked_names_and_titled_evidence(bundled_service) -> None:
    answer = bundled_service.search("who developed connectivism")["answer"]
    assert answer["text"] == "Connectivism was developed by George Siemens and Stephen Downes."
    links = {link["text"]: link["iri"] for link in answer["links"]}
    assert links["George Siemens"] == "https://w3id.org/ltgraph/id/person/george-siemens"
    assert {e["title"] for e in answer["evidence"]} >= {"Connectivism", "George Siemens", "Stephen Downes"}
    year = bundled_service.search("when was connectivism proposed")["answer"]["text"]
    assert year.startswith("Connectivism was first proposed in 2005. Seminal works: ")
    assert ".;" not in year and ".." not in year


def test_what_is_questions_are_answered_with_the_overview(bundled_service) -> None:
    """"What is X" answers with X's type, year and originators, then its overview; without
    an originator the developers are named as such, not as the ones who proposed it."""
    answer = bundled_service.search("what is connectivism")["answer"]
    assert answer["kind"] == "fact"
    assert answer["text"].startswith("Connectivism is a learning theory, first proposed by George "
                                     "Siemens and Stephen Downes in 2005. Connectivism presents itself")
    links = {link["text"]: link["iri"] for link in answer["links"]}
    assert links["Stephen Downes"] == "https://w3id.org/ltgraph/id/person/stephen-downes"
    addie = bundled_service.search("what is ADDIE")["answer"]["text"]
    assert addie.startswith("ADDIE is an instructional-design model, first proposed in 1975 and "
                            "developed by Michael Molenda. ADDIE is the generic process framework")
    # other kinds of question about an entry keep their own answers
    assert bundled_service.search("who developed connectivism")["answer"]["text"].startswith(
        "Connectivism was developed by")


def test_who_criticised_an_entry_names_its_critics_else_its_criticisms(bundled_service) -> None:
    critics = bundled_service.search("who criticised learning styles")["answer"]
    assert critics["text"] == "Critics of Learning Styles include Frank Coffield and Harold Pashler."
    assert "https://w3id.org/ltgraph/id/person/frank-coffield" in critics["sources"]
    # constructivism names no critic: the answer is its documented limitations, not its developers
    none_named = bundled_service.search("who are the main critics of constructivism")["answer"]
    assert none_named["text"].startswith("Constructivism has these documented limitations: ")


def test_asking_for_a_persons_writings_lists_their_seminal_works(bundled_service) -> None:
    answer = bundled_service.search("books by John Sweller")["answer"]
    assert answer["text"].startswith("Seminal works by John Sweller in the graph: John Sweller (1988). "
                                     "Cognitive load during problem solving: Effects on learning.")
    years = [int(y) for y in re.findall(r"\((\d{4})\)", answer["text"])]
    assert len(years) >= 3 and years == sorted(years)  # oldest first
    titles = {e["title"] for e in answer["evidence"]}
    assert any(t.startswith("Paul Chandler, John Sweller (1991).") for t in titles)
    assert all(e["iri"].startswith("https://w3id.org/ltgraph/id/") for e in answer["evidence"])
    assert bundled_service.search("what did Malcolm Knowles write")["answer"]["text"].startswith(
        "Seminal works by Malcolm Knowles in the graph: Malcolm Knowles (1970).")
    # writing something oneself is not asking for someone's writings
    how_to = bundled_service.search("how to write learning objectives with Bloom's action verbs")["answer"]
    assert how_to is None or not how_to["text"].startswith("Seminal work")
    # who someone is stays the person's entries
    assert bundled_service.search("who is John Sweller")["answer"]["text"].startswith("John Sweller is one of")


def test_how_entries_relate_is_answered_in_the_direction_asked(bundled_service) -> None:
    """"What is X based on" lists X's roots; "which models are based on X" the entries built
    on X; "theories related to X" every link of X, both ways."""
    roots = bundled_service.search("what is cognitive load theory based on")["answer"]["text"]
    assert roots == "Cognitive Load Theory builds on Information Processing Theory."
    based = bundled_service.search("which models are based on cognitive load theory")["answer"]
    assert based["text"].startswith("Four-Component Instructional Design (4C/ID) builds on Cognitive Load Theory")
    clt = "https://w3id.org/ltgraph/id/theory/cognitive-load-theory"
    assert based["facts"] and all(f["object"] == clt for f in based["facts"])
    after = bundled_service.search("what theories build on behaviorism")["answer"]["text"]
    assert "Social Learning Theory" in after and after.endswith("influenced by Behaviorism.")
    for question in ("what came after behaviorism", "what replaced behaviorism?"):  # what followed it
        assert bundled_service.search(question)["answer"]["text"] == after, question
    assert bundled_service.search("origins of cognitive load theory")["answer"]["text"] == roots
    # a cue that asks about neither: a project based on an entry, a method built on estimates
    project = bundled_service.search("a making project based on Papert's constructionism: what do "
                                     "low floor and high ceiling mean?")["answer"]
    assert project is None or "builds on" not in project["text"]
    estimates = bundled_service.search("main criticisms of the Phillips ROI Methodology - isn't it "
                                       "built on estimates?")["answer"]["text"]
    assert estimates.startswith("Phillips ROI Model has these documented limitations")
    # two entries: whether and how they are linked
    both = bundled_service.search("does 4C/ID build on cognitive load theory")["answer"]
    assert both["text"] == "In the graph, Four-Component Instructional Design (4C/ID) builds on Cognitive Load Theory."
    assert both["facts"][0]["object"] == clt
    related = bundled_service.search("theories related to connectivism")["answer"]
    assert related["text"].startswith("In the graph, Connectivism is related to ")
    assert "contrasts with Behaviorism" in related["text"]
    links = {link["text"] for link in related["links"]}
    assert {"Connectivism", "Behaviorism", "Situated Learning"} <= links


def test_list_questions_are_answered_from_the_catalogue(bundled_service) -> None:
    """"List all … models", "theories from the 1980s" and "which theories have strong
    evidence" list exactly the graph's entries of that type (and decade, or evidence grade),
    oldest first; a plural description names the few that fit."""
    from ltgraph.config import bundled_corpus_dir
    from ltgraph.corpus import entry_files, load_corpus

    entries = load_corpus(entry_files(bundled_corpus_dir()))
    iri = "https://w3id.org/ltgraph/id/theory/"

    def expected(type_: str, years: range = range(0, 3000)) -> list[str]:
        chosen = sorted((e for e in entries if e.type == type_ and e.year in years),
                        key=lambda e: (e.year, e.name))
        return [iri + e.slug for e in chosen]

    models = bundled_service.search("list all instructional design models")["answer"]
    assert models["text"].startswith(f"The graph holds {len(expected('model'))} instructional-design models: ")
    assert models["entries"] == expected("model")
    eighties = bundled_service.search("theories from the 1980s")["answer"]
    assert eighties["entries"] == expected("theory", range(1980, 1990)) != []
    assert eighties["text"].startswith("Learning theories first proposed in the 1980s: ")
    strong = bundled_service.search("which theories have strong evidence")["answer"]
    assert strong["entries"] == [iri + e.slug for e in sorted(
        (e for e in entries if e.type == "theory" and e.evidence and e.evidence.grade == "well-supported"),
        key=lambda e: (e.year, e.name))] != []
    assert strong["text"].startswith("The graph grades the evidence for these learning theories as well supported: ")
    weak = bundled_service.search("which models have little research behind them")["answer"]["entries"]
    assert weak == [iri + e.slug for e in sorted(
        (e for e in entries if e.type == "model" and e.evidence and e.evidence.grade == "weak"),
        key=lambda e: (e.year, e.name))] != []
    none = bundled_service.search("theories from the 1890s")["answer"]
    assert none["text"] == "The graph holds no learning theories first proposed in the 1890s."
    assert none["subject"] == "https://w3id.org/ltgraph/ontology#LearningTheory" and not none["evidence"]
    # catalogue requests the topic head alone would call off the field ("list all the models"):
    # the graph answers them in full, so the match is strong; look-alikes stay "none"
    for question in ("list all the models", "show me every theory", "what theories are there",
                     "which models do you have", "1980s theories"):
        response = bundled_service.search(question)
        assert response["match"] == "strong" and response["answer"]["entries"], question
    assert bundled_service.search("show me every theory")["answer"]["entries"] == expected("theory")
    for question in ("list all the car models", "1980s car models", "show me all cheap flights"):
        response = bundled_service.search(question)
        assert response["match"] == "none" and response["answer"] is None, question
    # a plural question with no name, whatever its type: the few that fit
    evaluating = bundled_service.search("what models are used for evaluating training")["answer"]
    assert evaluating["kind"] == "description" and iri + "kirkpatrick-model" in evaluating["entries"]
    several = bundled_service.search("which theories are about motivation")["answer"]
    assert several["kind"] == "description" and len(several["entries"]) == 3
    assert iri + "self-determination-theory" in several["entries"]
    # one entry asked for stays one entry
    assert len(bundled_service.search("which theory says knowledge lives in networks")["answer"]["entries"]) == 1


ANSWER_PATHS = ("what is connectivism", "what is ADDIE", "who developed connectivism", "when was connectivism proposed",
                "is there any evidence that learning styles work?", "who criticised learning styles",
                "who came up with the zone of proximal development", "what is the zone of proximal development",
                "books by John Sweller", "who is John Sweller", "difference between ADDIE and SAM",
                "which theory says knowledge lives in networks", "which theories are about motivation",
                "I teach adult nurses who hate lectures, what approach fits?", "what theories build on behaviorism",
                "theories related to connectivism", "does 4C/ID build on cognitive load theory",
                "list all instructional design models", "theories from the 1890s",
                "which models have little research behind them", "who influenced kolb", "jean lave",
                "list all the models", "what came after behaviorism", "gagne's nine events",
                "what are the strengths of ADDIE and SAM", "limitations of behaviorism and constructivism",
                "who invented the forgetting curve", "what influenced constructivism", "vygotsky and piaget")


def test_every_kind_of_answer_conforms_to_the_openapi_answer_schema(bundled_service) -> None:
    """Every answer path, one question each: the answer validates against the OpenAPI
    document's Answer schema, and its subject, links, evidence and entries are absolute IRIs."""
    import jsonschema

    from ltgraph.web.openapi import SCHEMAS

    schema = {**SCHEMAS["Answer"], "components": {"schemas": SCHEMAS}}
    for question in ANSWER_PATHS:
        answer = bundled_service.search(question)["answer"]
        assert answer is not None, question
        jsonschema.validate(answer, schema)
        iris = [answer["subject"], *(link["iri"] for link in answer["links"]),
                *(e["iri"] for e in answer["evidence"]), *answer.get("entries", [])]
        assert all(iri.startswith("https://w3id.org/ltgraph/") for iri in iris), (question, iris)
        assert {link["text"] for link in answer["links"]} <= {e["title"] for e in answer["evidence"]}


#: Words that steer `compose_answer` (cues of every answer path) and names of the bundled corpus.
_CUES = ("what is", "who", "developed", "when", "was", "does", "stand for", "how does", "work", "and",
         "vs", "strengths", "limitations", "of", "related to", "based on", "came after", "influenced",
         "books by", "list all", "theories", "models", "from the 1980s", "which", "main idea", "?")
_NAMES = ("connectivism", "ADDIE", "SAM", "Vygotsky", "Lave", "Wenger", "ZPD", "zone of proximal development",
          "gagne's nine events", "the nine events", "Kolb", "behaviorism", "Siemens", "Downes", "bloom")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_CUES + _NAMES), min_size=1, max_size=7))
def test_any_mix_of_cues_and_names_gets_a_valid_answer_or_none(bundled_service, words) -> None:
    """Any sequence of answer cues and names (the paths of `compose_answer` crossed every way):
    the response has a match level, and its answer, if any, validates against the Answer schema
    with every name it links among its evidence."""
    import jsonschema

    from ltgraph.web.openapi import SCHEMAS

    response = bundled_service.search(" ".join(words))
    assert response["match"] in ("strong", "weak", "none")
    answer = response["answer"]
    if answer is not None:
        jsonschema.validate(answer, {**SCHEMAS["Answer"], "components": {"schemas": SCHEMAS}})
        assert answer["text"].strip() and {link["text"] for link in answer["links"]} <= {
            e["title"] for e in answer["evidence"]}


def test_who_proposed_an_entry_names_its_originators_first(bundled_service) -> None:
    """"Who came up with X" names who first proposed it, then who developed it further; "who
    developed X" keeps every developer; without an originator in the graph, the developers."""
    origin = bundled_service.search("who came up with cognitive load theory")["answer"]
    assert origin["text"].startswith("Cognitive Load Theory was first proposed by John Sweller in 1988. "
                                     "It was developed further by ")
    assert {f["predicate"].rsplit("#", 1)[-1] for f in origin["facts"]} == {"originatedBy", "developedBy"}
    assert bundled_service.search("who developed connectivism")["answer"]["text"] == \
        "Connectivism was developed by George Siemens and Stephen Downes."
    assert bundled_service.search("who created ADDIE")["answer"]["text"].startswith("ADDIE was developed by")


def test_a_person_named_with_an_entry_and_a_network_member(bundled_service) -> None:
    """A person named with their entry gets their part in it, and the start of their
    researcher passage; "who … with Gagné" asks for someone else, so the entry's developers;
    a member of an entry's example learning network is described as such."""
    rogoff = bundled_service.search("what did Barbara Rogoff add to Vygotsky's sociocultural theory?")["answer"]
    assert rogoff["text"].startswith("Barbara Rogoff is one of the developers of Social Constructivism. "
                                     "Barbara Rogoff is an American developmental psychologist")
    together = bundled_service.search("Collins and Brown's cognitive apprenticeship, what is it about")["answer"]
    assert not together["text"].startswith("Allan Collins")  # both named: their entry, not one of them
    coauthor = bundled_service.search("who co-wrote Principles of Instructional Design with Robert Gagné?")
    assert "Leslie J. Briggs" in coauthor["answer"]["text"]
    davis = bundled_service.search("who is Julian Davis and why would I follow him for xAPI")["answer"]
    assert davis["text"].startswith("Julian Davis is part of the example learning network of Connectivism.")


def test_what_an_entry_is_when_nothing_more_specific_answers(bundled_service) -> None:
    """"Where did X come from" with no roots in the graph, "what does X say about …" with no
    kind clear: what X is. A person named with a concept: what the concept is."""
    for question in ("where did connectivism come from", "what does connectivism say about knowledge and networks"):
        answer = bundled_service.search(question)["answer"]
        assert answer["text"].startswith("Connectivism is a learning theory, first proposed by"), question
    gardner = bundled_service.search("Gardner and his eight intelligences")["answer"]["text"]
    # (a plural title reads right: "one of … is the eight intelligences")
    assert gardner.startswith("One of the key concepts of Multiple Intelligences is the eight intelligences. ")


def test_parts_asked_together_are_answered_together(bundled_service) -> None:
    """"Strengths and weaknesses of X", "who developed X and when": every part, in the
    question's order; "when" inside a clause ("… when the budget is small") asks no year."""
    both = bundled_service.search("strengths and weaknesses of ADDIE")["answer"]["text"]
    assert both.startswith("The strengths of ADDIE are ") and " ADDIE has these documented limitations: " in both
    who_when = bundled_service.search("who developed connectivism and when")["answer"]["text"]
    assert who_when.startswith("Connectivism was developed by George Siemens and Stephen Downes. "
                               "Connectivism was first proposed in 2005.")
    drawbacks = bundled_service.search("drawbacks of ADDIE when the budget is small")["answer"]["text"]
    assert drawbacks.startswith("ADDIE has these documented limitations") and "1975" not in drawbacks
    # "when does X fail" asks when it fits, not its year; "when did X start" its year
    fail = bundled_service.search("when does problem based learning fail")["answer"]["text"]
    assert fail.startswith("Problem-Based Learning has these documented limitations")
    assert bundled_service.search("when did behaviorism start")["answer"]["text"].startswith(
        "Behaviorism was first proposed in 1913.")
    assert bundled_service.search("what are the limitations of connectivism")["answer"]["text"].startswith(
        "Connectivism has these documented limitations")  # one part stays one part


def test_who_asked_of_a_description_names_the_person(bundled_service) -> None:
    """"Who invented the forgetting curve" names no entry: the person whose researcher
    passage leads the best entry's hits, with that passage; "who influenced X" X's roots;
    telling what one did ("I followed ADDIE") asks for no successors."""
    ebbinghaus = bundled_service.search("who invented the forgetting curve")["answer"]
    assert ebbinghaus["kind"] == "description"
    assert ebbinghaus["text"].startswith("This sounds like Hermann Ebbinghaus, of Spaced Practice. ")
    assert ebbinghaus["subject"] == "https://w3id.org/ltgraph/id/person/hermann-ebbinghaus"
    assert bundled_service.search("who studied cats in puzzle boxes")["answer"]["text"].startswith(
        "This sounds like Edward Thorndike, of Behaviorism. ")
    # read as a teaching situation, but it asks who: the person, not what to do
    recording = bundled_service.search("who came up with recording my lessons so kids who miss "
                                       "school can catch up at home")
    assert recording["intent"]["type"] == "situation"
    assert recording["answer"]["text"].startswith("This sounds like Jonathan Bergmann, of Flipped Classroom.")
    assert bundled_service.search("what influenced constructivism")["answer"]["text"] == \
        "Constructivism grew out of earlier work by John Dewey."
    # nothing recorded: it says so, not who developed it, then how the entry is linked
    unknown = bundled_service.search("who influenced connectivism")["answer"]["text"]
    assert unknown.startswith("The graph records no forerunner of Connectivism and no entry it builds on")
    assert "contrasts with Behaviorism, Cognitivism and Constructivism" in unknown
    for told in ("I followed ADDIE but the course flopped", "my lesson replaced lectures with projects, "
                 "was that constructivism?"):
        assert "builds on" not in bundled_service.search(told)["answer"]["text"], told
    # a list narrowed by a description is the few that fit, not the catalogue
    narrowed = bundled_service.search("list all the theories you know about motivation")["answer"]
    assert narrowed["kind"] == "description" and len(narrowed["entries"]) == 3


def test_lists_by_year_bound_grade_words_and_plural_descriptions(bundled_service) -> None:
    """"Theories from before 1950" (a year bound), "which learning theories are contested" (the
    grade's own word), "all models about online learning" and "theories of motivation" (the
    few that fit)."""
    before = bundled_service.search("learning theories from before 1950")
    assert before["match"] == "strong"
    assert before["answer"]["text"].startswith("Learning theories first proposed before 1950: Spaced Practice (1885)")
    assert "(1956)" not in before["answer"]["text"]
    contested = bundled_service.search("which learning theories are contested")["answer"]["text"]
    assert contested.startswith("The graph grades the evidence for these learning theories as contested: ")
    for question in ("all models about online learning", "theories of motivation in education"):
        answer = bundled_service.search(question)["answer"]
        assert answer["kind"] == "description" and len(answer["entries"]) == 3, question


def test_what_to_do_named_nowhere_and_concepts_of_one_entry(bundled_service) -> None:
    """A question asking what to do that names nothing gets the situation answer whatever its
    type; two concepts of one entry without its name ("the framework with teaching presence
    and social presence") get that entry; a full name with bare keywords the person's entries,
    a surname other people share ("ann brown reciprocal teaching study") nothing."""
    isolated = bundled_service.search("designing an online course and students feel isolated, what helps?")
    assert isolated["answer"]["kind"] == "situation"
    framework = bundled_service.search("whats the framework with teaching presence and social presence called")
    assert framework["answer"]["text"].startswith("Community of Inquiry is a learning theory")
    assert bundled_service.search("david merrill instruction")["answer"]["text"].startswith(
        "M. David Merrill developed ")
    assert bundled_service.search("ann brown reciprocal teaching study")["answer"] is None
    # a full name keeps a question the topic head doubts (0.2) from "none"
    papert = bundled_service.search("Seymour Papert and Logo")
    assert papert["match"] == "weak" and "Constructionism" in papert["answer"]["text"]
    # "what does 4C/ID mean": what it is; one entry compared with something else: what it is
    assert bundled_service.search("what does 4C/ID mean")["answer"]["text"].startswith(
        "Four-Component Instructional Design (4C/ID) is an instructional-design model")
    assert bundled_service.search("gamification vs game-based learning")["answer"]["text"].startswith(
        "Gamification is an instructional-design model")


def test_a_part_asked_of_several_entries_or_people_is_answered_for_each(bundled_service) -> None:
    """"Strengths of ADDIE and SAM": each one's strengths; a comparison asking for a part adds
    each one's; "which theories did A and B develop": each person's entries."""
    both = bundled_service.search("what are the strengths of ADDIE and SAM")["answer"]
    assert both["text"].startswith("The strengths of ADDIE are ")
    assert " The strengths of Successive Approximation Model (SAM) are " in both["text"]
    # A part named in words is answered for each entry whether the model reads the question as
    # a comparison or not ("limitations of X and Y" sits on that border), and both are listed.
    for question, kind in (("behaviorism vs constructivism limitations", "comparison"),
                           ("limitations of behaviorism and constructivism", None)):
        result = bundled_service.search(question)
        compared = result["answer"]
        assert kind is None or compared["kind"] == kind, question
        if compared["kind"] == "comparison":
            assert compared["compare_url"] == "/compare?theories=behaviorism,constructivism"
        assert " Behaviorism has these documented limitations: " in " " + compared["text"], question
        assert " Constructivism has these documented limitations: " in compared["text"], question
        assert {h["theory"] for h in result["results"][:5]} == {"behaviorism", "constructivism"}, question
    people = bundled_service.search("which theories did sweller and van merrienboer develop")["answer"]["text"]
    assert people.startswith("John Sweller is one of the developers of Cognitive Load Theory. Jeroen J. G. "
                             "van Merriënboer developed ")


def test_questions_about_a_concept_are_answered_from_its_entry(bundled_service) -> None:
    who = bundled_service.search("who came up with the zone of proximal development")["answer"]
    assert who["text"].startswith("One of the key concepts of Social Constructivism is zone of proximal "
                                  "development. Social Constructivism was first proposed by Lev Vygotsky.")
    assert "Mind in Society" in who["text"]  # the concept's source, cited
    assert "https://w3id.org/ltgraph/id/person/lev-vygotsky" in who["sources"]
    what = bundled_service.search("what is the zone of proximal development")["answer"]
    assert what["text"].startswith("One of the key concepts of Social Constructivism is zone of proximal "
                                   "development. Vygotsky defined the zone of proximal development")
    alone = bundled_service.search("zone of proximal development")["answer"]  # the name alone: what it is
    assert alone["text"] == what["text"]
    # an acronym the corpus text defines names the concept, and the topic head's doubt about
    # three letters (0.13) does not make the question "none"
    zpd = bundled_service.search("what does ZPD stand for")
    assert zpd["match"] == "weak" and zpd["answer"]["text"] == what["text"]
    assert bundled_service.search("zone of proximal development and group work in year 3")["answer"] is None
    # a concept named with its entry: the concept, not the entry's list of concepts
    levels = bundled_service.search("what are the four levels of kirkpatrick's model")["answer"]["text"]
    assert levels.startswith("One of the key concepts of Kirkpatrick Model is four levels. Level 1, Reaction")
    # the entry and one of its concepts named, nothing else: the concept
    bare = bundled_service.search("cognitive load theory worked example effect")["answer"]["text"]
    assert bare.startswith("One of the key concepts of Cognitive Load Theory is worked example effect. ")
    # a concept described without its name, asked for as a concept: the concept found first
    described = bundled_service.search("what the learner can do with help but not alone")
    assert described["entities"] == [] and described["results"][0]["kind"] == "concept"
    assert described["answer"]["text"] == what["text"]


def test_a_question_naming_nothing_gets_the_first_hit_of_the_kind_it_asks_for(bundled_service) -> None:
    """A factoid naming no entry whose first hit is of the kind the model reads first: that
    item described, in a sentence saying what it is of its entry; evidence: the entry's grade."""
    myth = bundled_service.search("myth that any reward ruins motivation")
    assert myth["results"][0]["kind"] == "misconception" and myth["entities"] == []
    assert myth["answer"]["text"].startswith("A common misconception about Self-Determination Theory: "
                                             "any reward destroys intrinsic motivation. ")
    good = bundled_service.search("what is good about worked examples for novices")["answer"]
    assert good["text"].startswith("One of the strengths of Cognitive Load Theory is ")
    # a person named with the words of an idea: the first hit when it is of one of their entries
    watching = bundled_service.search("Bandura learning by watching a model")
    assert [e["label"] for e in watching["entities"]] == ["Albert Bandura"]
    assert watching["answer"]["text"].startswith("One of the key concepts of Social Learning Theory is ")
    grade = bundled_service.search("how big is the evidence base for mindset interventions")["answer"]
    assert grade["text"].startswith("The evidence for Growth Mindset (Implicit Theories of Intelligence) "
                                    "is graded contested.")


def test_comparing_people_compares_the_entries_they_originated(bundled_service) -> None:
    """Piaget is a forerunner of experiential learning and the originator of constructivism:
    "vygotsky vs piaget" compares social constructivism with constructivism."""
    response = bundled_service.search("vygotsky vs piaget")
    answer = response["answer"]
    assert answer["kind"] == "comparison"
    assert [iri.rsplit("/", 1)[-1] for iri in answer["entries"]] == ["social-constructivism", "constructivism"]
    assert {"social-constructivism", "constructivism"} <= {h["theory"] for h in response["results"][:5]}


def test_result_lists_are_worth_reading_for_every_evaluation_question(bundled_service) -> None:
    """Over every question of the four sets: an entry the question does not name holds at most
    three of the first five places, and no entry's overviews follow each other there."""
    from ltgraph.retrieval.ranking import UNNAMED_CAP

    for name in ("questions", "heldout", "test", "everyday"):
        for question in load_questions(REPO / "eval" / f"{name}.jsonl"):
            response = bundled_service.search(question.q, k=10)
            first = response["results"][:5]
            # "names" an entry: by its name, one of its concepts, or one of its people
            named = set()
            for card in response["entities"]:
                iris = ([card["iri"]] if card.get("kind") == "entry" else
                        [card["entry"]["iri"]] if card.get("kind") == "item" else
                        [e["iri"] for e in card.get("entries", [])])
                named |= {iri.rsplit("/", 1)[-1] for iri in iris}
            kinds = response["intent"]["kinds"][:1]
            for slug in {h["theory"] for h in first} - named:
                count = sum(h["theory"] == slug and h["kind"] not in kinds for h in first)
                assert count <= UNNAMED_CAP, (question.q, slug)
            pairs = zip(first, first[1:], strict=False)
            assert not any(a["theory"] == b["theory"] and a["kind"] == b["kind"] == "overview"
                           for a, b in pairs), question.q


def test_quality_on_the_everyday_questions(bundled_service) -> None:
    """The fourth set, written without seeing the code or the other sets (eval/everyday.jsonl)."""
    from ltgraph.evaluation import evaluate_by_category

    questions = load_questions(REPO / "eval" / "everyday.jsonl")
    search = lambda q, mode: bundled_service.search(q, k=10, mode=mode)["results"]  # noqa: E731
    hybrid = evaluate(questions, search, "hybrid")
    # Guards at the measured level (63 entries: hit@5 0.991, MRR 0.948, kind 0.926); the issue's
    # targets (kind 0.95, MRR best baseline + 0.05) are not met yet.
    assert hybrid["hit@5"] >= 0.98 and hybrid["mrr@10"] >= 0.93 and hybrid["kind_match@5"] >= 0.90
    by_category = evaluate_by_category(questions, search, "hybrid")
    assert by_category["comparison"]["all@5"] >= 0.95
    assert by_category["misspelling"]["hit@1"] >= 0.95


def test_quality_on_teaching_situations(bundled_service) -> None:
    """eval/situations.jsonl: 90 teaching situations naming no entry, a development set for the
    weakest category (written from the corpus files, without seeing the other sets). Guards at
    the measured level (hit@5 0.933, MRR 0.798; BM25 only 0.682, dense only 0.590), and no
    more than 5 % answered "No good match" (3 of 90)."""
    questions = load_questions(REPO / "eval" / "situations.jsonl")
    search = lambda q, mode: bundled_service.search(q, k=10, mode=mode)["results"]  # noqa: E731
    hybrid = evaluate(questions, search, "hybrid")
    assert hybrid["hit@5"] >= 0.9 and hybrid["mrr@10"] >= 0.75
    assert hybrid["mrr@10"] > evaluate(questions, search, "keyword")["mrr@10"] + 0.05
    nones = sum(bundled_service.search(q.q, k=3)["match"] == "none" for q in questions)
    assert nones <= 0.05 * len(questions)


def test_passage_questions_name_real_passages_and_are_answered(bundled_service) -> None:
    """eval/passages.jsonl: two questions for each of the 1,420 passages, written from the
    passages alone (no code, no other set seen), labelled with the passage, its entry and kind.
    Every label names a passage of the bundled corpus (a renamed item must take its questions
    along; an entry added to the bundled corpus needs questions of its own), and the hybrid
    keeps its measured lead: hit@5 0.943, MRR@10 0.862 against BM25 alone 0.835 (dense alone
    0.777); at most 2 % are answered "No good match" (1.6 %)."""
    questions = load_questions(REPO / "eval" / "passages.jsonl")
    records = {r.key: r for r in bundled_service.snapshot().index.records}
    rows = [json.loads(line) for line in (REPO / "eval" / "passages.jsonl").read_text("utf-8").splitlines()]
    assert len(rows) == len(questions) >= 2800
    for row in rows:
        record = records.get(row["passage"])
        assert record is not None, row
        assert (record.entry, record.kind) == (row["expected"][0], row["kind"]), row
    assert {r.entry for r in records.values()} == {row["expected"][0] for row in rows}
    levels: list[str] = []

    def search(question: str, mode: str) -> list[dict]:
        response = bundled_service.search(question, k=10, mode=mode)
        levels.append(response["match"])
        return response["results"]

    hybrid = evaluate(questions, search, "hybrid")
    assert hybrid["hit@5"] >= 0.93 and hybrid["mrr@10"] >= 0.85
    assert levels.count("none") <= 0.02 * len(questions)  # "No good match": 45 of 2,808
    assert hybrid["mrr@10"] > evaluate(questions, search, "keyword")["mrr@10"] + 0.015


def test_intent_model_is_what_the_script_trains() -> None:
    """scripts/train_intent.py --check: the shipped file was trained on today's data, and a fresh
    training predicts as it does (within `CHECK_TOLERANCE` on another machine)."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, str(REPO / "scripts" / "train_intent.py"), "--check"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr



def test_the_intent_model_check_finds_a_model_trained_on_other_data(tmp_path) -> None:
    """--check wants the training data the shipped model was trained on, byte for byte (its
    predictions may differ by `CHECK_TOLERANCE` on another machine, its data not at all)."""
    import shutil
    import subprocess
    import sys

    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "train_intent.py", tmp_path / "scripts")
    shutil.copytree(REPO / "training", tmp_path / "training")
    with open(tmp_path / "training" / "intent.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"q": "one more question", "type": "keyword", "kinds": []}\n')
    run = subprocess.run([sys.executable, str(tmp_path / "scripts" / "train_intent.py"), "--check"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 1 and "trained on other data" in run.stdout, run.stdout + run.stderr


def test_a_search_from_the_shell_loads_neither_torch_nor_transformers(bundled_service) -> None:
    """The ONNX path tokenizes with `tokenizers` directly: a CLI search starts in about a second."""
    import subprocess
    import sys

    code = ("import sys\nfrom pathlib import Path\nfrom ltgraph.config import Settings\n"
            "from ltgraph.service import Service\n"
            f"s = Service(Settings(data_dir=Path({str(bundled_service.settings.data_dir)!r})))\n"
            "assert s.search('who developed connectivism')['results']\n"
            "print(','.join(m for m in ['torch', 'transformers', 'sentence_transformers'] if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def force_reading(monkeypatch, service, type_: str, *kinds: str) -> None:
    """Make the service's intent model read every question as `type_` asking for `kinds`,
    unsure of them, so that a test does not hang on how the shipped model reads a question."""
    from ltgraph.retrieval.intent import Intent

    monkeypatch.setattr(service.searcher, "intent", lambda vector, question, entries, people, nearest=():
                        Intent(type_, list(kinds), "model", False))


def test_the_intent_model_reads_the_kinds_of_the_nearest_passages(bundled_service, monkeypatch) -> None:
    """Search hands the intent model the kinds of the passages nearest the question (nearest
    first, the first as near as the match level says), and the shipped model follows them when
    the words leave the kind open: "tell me more about connectivism" reads as asking for
    limitations beside limitations, for concepts beside concepts."""
    from ltgraph.corpus import KINDS
    from ltgraph.retrieval.intent import NEIGHBOURS

    searcher, view = bundled_service.searcher, bundled_service.snapshot()
    reader, seen = searcher.intent, []

    def spy(vector, question, entries, people, nearest=()):
        seen.append(nearest)
        return reader(vector, question, entries, people, nearest)

    monkeypatch.setattr(searcher, "intent", spy)
    bundled_service.search("what are the drawbacks of connectivism")
    nearest = seen[-1]
    assert len(nearest) == NEIGHBOURS and {kind for kind, _ in nearest} <= set(KINDS)
    assert [c for _, c in nearest] == sorted((c for _, c in nearest), reverse=True)
    assert nearest[0][1] == pytest.approx(searcher.nearest(view, "what are the drawbacks of connectivism").closeness)
    assert "limitation" in {kind for kind, _ in nearest[:5]}

    question = "tell me more about connectivism"
    vector = searcher.query_vector(question)
    for kind in ("limitation", "concept", "researcher"):
        assert reader(vector, question, 1, 0, [(kind, 0.6)] * 5).kinds[0] == kind


def test_a_named_concept_answers_a_question_read_as_asking_what_the_entry_is(bundled_service, monkeypatch) -> None:
    """A question naming one of an entry's concepts, read as asking for the overview, gets the
    concept (it is more specific than the entry it belongs to); read as asking for another
    kind, it gets that kind. The reading is forced, as below."""
    def reading(*kinds: str) -> None:
        force_reading(monkeypatch, bundled_service, "factoid", *kinds)

    question = "the six cells in gilbert's behavior engineering model, what are they"
    reading("overview", "concept")
    assert bundled_service.search(question)["answer"]["text"].startswith(
        "One of the key concepts of Behavior Engineering Model is the six cells."), question
    reading("limitation")
    assert "limitation" in bundled_service.search(question)["answer"]["text"], question


def test_sections_named_in_words_decide_when_the_intent_model_is_unsure(bundled_service, monkeypatch) -> None:
    """"Key ideas of X", "limitations of X and Y": the section named in words answers when the
    model is unsure of the kind, whatever type it reads (each of several entries, each of them
    in the first five); a one-entry comparison it is unsure of ("X vs something the corpus
    lacks") gets what X is; a situation stated that it reads as a description, a situation's. The reading is forced here, so the test does not hang on how the
    shipped model happens to read these questions."""
    def reading(type_: str, *kinds: str) -> None:
        force_reading(monkeypatch, bundled_service, type_, *kinds)

    for type_ in ("factoid", "keyword"):
        reading(type_)
        assert bundled_service.search("key ideas of social learning theory")["answer"]["text"].startswith(
            "The key concepts of Social Learning Theory are "), type_
        reading(type_, "overview")
        result = bundled_service.search("drawbacks of ADDIE and SAM")
        assert result["answer"]["text"].startswith("ADDIE has these documented limitations: "), type_
        assert " Successive Approximation Model (SAM) has these documented limitations: " in result["answer"]["text"]
        assert {h["theory"] for h in result["results"][:5]} == {"addie", "sam"}, type_
    reading("comparison", "concept")
    assert bundled_service.search("gamification vs escape rooms")["answer"]["text"].startswith(
        "Gamification is an instructional-design model")
    # a situation stated, read as a description: its best passage is a "When …" item, so the
    # answer is a situation's (the entry's response), not "This sounds like …"
    reading("description", "overview", "concept", "implication")
    stated = bundled_service.search("trainee nurses on placement cannot use what they learned in class")
    assert stated["results"][0]["label"].startswith("When ")
    assert stated["answer"]["kind"] == "situation" and "Situated Learning, when " in stated["answer"]["text"]
    reading("comparison", "overview")
    compared = bundled_service.search("ADDIE vs SAM pros")["answer"]
    assert compared["kind"] == "comparison" and " The strengths of ADDIE are " in compared["text"]
