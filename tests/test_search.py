"""Search on the tiny corpus with the fake encoder: response shape, filters, errors, answers."""

from __future__ import annotations

import numpy as np
import pytest

from ltgraph.errors import DataDirError, QueryError
from ltgraph.service import Service

from .conftest import FakeEncoder

BASE = "https://w3id.org/ltgraph/"


def test_hits_carry_entry_kind_and_iris(service: Service) -> None:
    response = service.search("what are the limitations of alpha theory", k=5)
    assert response["results"], response
    top = response["results"][0]
    assert set(top) >= {"theory", "theory_iri", "theory_label", "kind", "item_iri", "label", "text", "score"}
    assert top["theory"] == "alpha-theory" and top["kind"] == "limitation"
    assert top["item_iri"] == BASE + "id/theory/alpha-theory/limitation/fading-needed"
    assert top["theory_iri"] == BASE + "id/theory/alpha-theory"
    scores = [h["score"] for h in response["results"]]
    assert scores == sorted(scores, reverse=True)
    assert response["took_ms"] >= 0


def test_filters_restrict_results(service: Service) -> None:
    only_beta = service.search("designers steps examples", k=20, theory="beta-model")["results"]
    assert only_beta and {h["theory"] for h in only_beta} == {"beta-model"}
    strengths = service.search("designers steps examples", k=20, kind="strength")["results"]
    assert strengths and {h["kind"] for h in strengths} == {"strength"}
    models = service.search("designers steps examples", k=20, type_="model")["results"]
    assert models and {h["type"] for h in models} == {"model"}


@pytest.mark.parametrize("kwargs,message", [
    ({"question": ""}, "empty"),
    ({"question": "   \n\t "}, "empty"),
    ({"question": "x" * 501}, "limit is 500"),
    ({"question": "ok", "k": 0}, "k must be an integer from 1 to 100"),
    ({"question": "ok", "k": 101}, "k must be"),
    ({"question": "ok", "k": "5"}, "k must be"),
    ({"question": "ok", "kind": "gossip"}, "unknown kind 'gossip'"),
    ({"question": "ok", "type_": "poem"}, "unknown type 'poem'"),
    ({"question": "ok", "theory": "nowhere"}, "unknown theory 'nowhere'"),
])
def test_bad_requests_are_clear_errors(service: Service, kwargs, message) -> None:
    with pytest.raises(QueryError, match=message):
        service.search(**kwargs)


def test_who_developed_is_answered_from_the_graph(service: Service) -> None:
    response = service.search("who developed Alpha Theory?")
    answer = response["answer"]
    assert answer is not None
    assert "Ada Example" in answer["text"] and "John Dewey" in answer["text"]
    assert "developed by" in answer["text"]  # the rdfs:label of ltg:developedBy
    assert BASE + "id/person/ada-example" in answer["sources"]
    assert {f["predicate"] for f in answer["facts"]} == {"https://w3id.org/ltgraph/ontology#developedBy"}
    assert response["entities"][0]["label"] == "Alpha Theory"
    assert response["entities"][0]["researchers"] == ["Ada Example", "John Dewey"]


def test_other_factoid_answers(service: Service) -> None:
    year = service.search("when was the Beta Model proposed")["answer"]
    assert "2004" in year["text"] and "The Beta Model of Course Design" in year["text"]
    builds = service.search("what does the beta model build on")["answer"]
    assert "Alpha Theory" in builds["text"]
    # the other way round: what builds on an entry, not what it builds on
    successors = service.search("what builds on alpha theory")["answer"]
    assert successors["text"] == "Beta Model builds on Alpha Theory."
    assert {f["object"] for f in successors["facts"]} == {BASE + "id/theory/alpha-theory"}
    person = service.search("which theories did John Dewey contribute to")["answer"]
    assert "Alpha Theory" in person["text"] and "Beta Model" in person["text"]
    limits = service.search("what are the weaknesses of alpha theory")["answer"]
    assert "Fading needed" in limits["text"]


def test_no_answer_without_a_factoid_pattern(service: Service) -> None:
    assert service.search("worked examples and fading")["answer"] is None


def test_rebuild_embeds_only_changed_passages(settings, tiny_corpus) -> None:
    encoder = FakeEncoder()
    service = Service(settings, encoder=encoder)
    service.build()
    first = sum(encoder.calls)
    assert first == 16
    encoder.calls.clear()
    service.build()
    assert sum(encoder.calls) == 0
    path = tiny_corpus / "beta-model.md"
    path.write_text(path.read_text().replace("Each step has a clear output.", "Each step has an output."))
    service.build()
    assert sum(encoder.calls) == 1
    assert "an output" in service.search("step output", theory="beta-model", kind="strength")["results"][0]["text"]


def test_index_of_another_model_is_refused(settings, service: Service) -> None:
    other = FakeEncoder()
    other.name = "another-model"
    with pytest.raises(DataDirError, match="built with model 'fake-hash-encoder'.*ltgraph build"):
        Service(settings, encoder=other).search("alpha")


def test_damaged_index_is_refused_with_a_repair_hint(settings, service: Service) -> None:
    current = service.datadir.current()
    np.save(current / "vectors.npy", np.zeros((3, 128), dtype=np.float32))
    with pytest.raises(DataDirError, match="run `ltgraph build`"):
        Service(settings, encoder=FakeEncoder()).search("alpha")


def test_hnsw_index_by_setting_finds_the_same_top_hit(settings) -> None:
    from dataclasses import replace

    exact = Service(settings, encoder=FakeEncoder())
    exact.build()
    expected = [h["item_iri"] for h in exact.search("limitations of alpha theory", k=3)["results"]]
    hnsw = Service(replace(settings, vector_index="hnsw"), encoder=FakeEncoder())
    hnsw.build()
    assert hnsw.health()["index"] == "hnsw"
    assert [h["item_iri"] for h in hnsw.search("limitations of alpha theory", k=3)["results"]] == expected


def test_nonsense_gets_no_good_match_everywhere(service) -> None:
    from click.testing import CliRunner

    from ltgraph.cli import cli
    from ltgraph.web.app import create_app

    response = service.search("zxqv flibbertigibbet qwrtpl")
    assert response["match"] == "none" and response["answer"] is None
    assert service.search("worked examples alpha theory")["match"] == "strong"
    client = create_app(service.settings, service).test_client()
    page = client.get("/search", query_string={"q": "zxqv flibbertigibbet qwrtpl"})
    assert page.status_code == 200 and b"No good match" in page.data
    assert b'class="hits"' not in page.data
    base = ["--data-dir", str(service.settings.data_dir), "--corpus-dir",
            str(service.settings.corpus_dir)]
    result = CliRunner().invoke(cli, [*base, "search", "zxqv flibbertigibbet qwrtpl"], obj={})
    assert result.exit_code == 0 and "No good match" in result.output


def test_match_levels() -> None:
    from ltgraph.retrieval.search import match_level

    assert match_level(0.1, False) == "none"
    assert match_level(0.4, False) == "weak"
    assert match_level(0.7, False) == "strong"
    assert match_level(0.1, True) == "strong"  # it names an entry, a person or a concept
    # the topic head: sure it is off the field, "none" whatever is near; unsure, "none" unless a
    # passage is as near as a named match; sure it is on topic, never "none"
    assert match_level(0.7, False, on_topic=0.05) == "none"
    assert match_level(0.7, True, on_topic=0.05) == "none"  # "piaget watch prices"
    assert match_level(0.7, False, on_topic=0.2) == "weak"  # "what is a schema"
    assert match_level(0.45, True, on_topic=0.2) == "none"
    assert match_level(0.3, False, on_topic=0.95) == "weak"
    assert match_level(0.3, False, on_topic=0.6) == "none"
    assert match_level(0.3, False, on_topic=0.85) == "weak"  # sure from 0.8
    assert match_level(0.3, True, on_topic=0.05, bare=True) == "strong"  # "bruner": a name alone
    assert match_level(0.4, True, on_topic=0.13, names_specifically=True) == "weak"  # "what does ZPD stand for"
    assert match_level(0.4, True, on_topic=0.05, names_specifically=True) == "none"  # "how do i install pip"


def test_a_misspelled_name_is_searched_as_corrected_and_said(service) -> None:
    response = service.search("contributions of Ada Exampel")
    assert response["did_you_mean"] == "contributions of Ada example"
    assert response["query"] == "contributions of Ada Exampel"
    assert response["results"][0]["theory"] == "alpha-theory"
    assert service.search("contributions of Ada Example")["did_you_mean"] is None
    # words the corpus uses are never "corrected", nor words far from any name
    assert service.search("worked examples")["did_you_mean"] is None
    assert service.search("zxqv flibbertigibbet")["did_you_mean"] is None


def test_a_one_word_question_is_found_by_keywords() -> None:
    """bm25s numbers a question's words from 0: a one-word question is id 0, which `any()`
    once read as "no words" (the keyword retriever then returned nothing)."""
    from ltgraph.retrieval.keyword import KeywordIndex

    index = KeywordIndex.build(["Dewey wrote about experience", "Piaget studied children",
                                "nothing here"])
    assert [row for row, _ in index.search("Dewey", 3)] == [0]
    assert index.search("the", 3) == []  # only a stop word: no words to look for


def test_a_situation_answer_names_only_entries_nearly_as_good_as_the_first() -> None:
    """Entries whose best implication scores under `SITUATION_NEAR` of the first one's are
    left to the result list; a "When …" implication gives its response under its title."""
    from ltgraph.retrieval.found import SITUATION_NEAR, situation_answer

    def hit(entry: str, score: float, label: str, text: str) -> dict[str, object]:
        return {"theory": entry, "theory_iri": f"urn:x:{entry}", "theory_label": entry.title(),
                "kind": "implication", "label": label, "text": text, "item_iri": f"urn:x:{entry}/i",
                "score": score}

    hits = [hit("alpha", 1.0, "When the class is bored", "They yawn. Nobody asks.\n\nAlpha says vary it. "
                "Start with a question. Then more."),
            hit("beta", SITUATION_NEAR + 0.05, "Plan ahead", "Beta plans. It plans more."),
            hit("gamma", SITUATION_NEAR - 0.05, "Go slow", "Gamma goes slow.")]
    answer = situation_answer(hits)
    assert answer is not None
    assert [iri.rsplit(":", 1)[-1] for iri in answer["entries"]] == ["alpha", "beta"]
    assert answer["text"] == ("Approaches that fit: Alpha, when the class is bored: Alpha says vary it. "
                              "Start with a question. Beta suggests plan ahead: Beta plans.")
