"""Answers made from a question's hits (the search results, best first): the entry a described
idea belongs to (`description_answer`), what the best-fitting entries imply for a teaching
situation (`situation_answer`) and the first hit described (`hit_answer`). Which question gets
which is decided in `answers.compose_answer`; every fact beyond the hits' own text comes from
the graph, by the constant queries of `facts` and `cards`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ltgraph.corpus import names_a_situation
from ltgraph.retrieval.cards import Select, answer_record, entry_card, first_sentences, words
from ltgraph.retrieval.facts import ITEM_OPENINGS, evidence_answer, item_answer

#: A hit of the search response (see `search.Searcher`).
Hit = dict[str, Any]


def hit_answer(select: Select, hit: Hit) -> dict[str, Any] | None:
    """A search hit described: a concept, limitation, strength, misconception or implication
    (not a "When …" situation) of its entry ("autonomy, competence and relatedness": the
    concept; "problems with pure discovery": the limitation), or for evidence the entry's grade
    ("does quizzing help more than rereading")."""
    if hit["kind"] == "evidence":
        return evidence_answer(select, hit["theory_iri"])
    if hit["kind"] in ITEM_OPENINGS and not names_a_situation(hit["label"]):
        return item_answer(select, hit["item_iri"], [hit["kind"]], True, kind=hit["kind"])
    return None


def description_answer(select: Select, hits: Sequence[Hit], who: bool = False) -> dict[str, Any] | None:
    """The entry a described idea belongs to: the top hit's entry, with its overview; asked
    `who`, the person of the top entry's researcher passage among the first three hits, with that
    passage."""
    if not hits:
        return None
    top = hits[0]
    person = next((h for h in hits[:3] if h["kind"] == "researcher" and h["theory"] == top["theory"]),
                  None) if who else None
    if person is not None:
        text = (f"This sounds like {person['label']}, of {person['theory_label']}. "
                f"{first_sentences(person['text'])}")
        return answer_record("description", text, person["item_iri"],
                             [], [(person["item_iri"], person["label"]),
                                  (person["theory_iri"], person["theory_label"])],
                             entries=[person["theory_iri"]])
    overview = next((h for h in hits if h["theory"] == top["theory"] and h["kind"] == "overview"), None)
    card = entry_card(select, top["theory_iri"])
    if "label" not in card:
        return None
    names = f", {words(card['researchers'][:3])}" if card["researchers"] else ""
    text = f"This sounds like {card['label']} ({card['type']}, {card['year']}{names})."
    best = overview or top
    text += f" {first_sentences(best['text'])}"
    return answer_record("description", text, card["iri"], [],
                         [(card["iri"], card["label"]), (best["passage_iri"], f"{card['label']}: {best['label']}")],
                         entries=[card["iri"]])


def _approach(hit: Hit) -> str:
    """One entry's part of a situation answer. A "When …" implication describes a situation in
    its first paragraph and the entry's response in the second (docs/corpus-format.md): the
    response is what the reader needs, the title says which situation it is for."""
    label = hit["label"][0].lower() + hit["label"][1:]
    paragraphs = hit["text"].split("\n\n")
    if names_a_situation(hit["label"]) and len(paragraphs) > 1:
        return f"{hit['theory_label']}, {label}: {first_sentences(paragraphs[1])}"
    return f"{hit['theory_label']} suggests {label}: {first_sentences(hit['text'], 1)}"


#: A situation answer names another entry only when its implication scores at least this
#: share of the first one's. On the `situations` development set, 0.7 cut the entries named
#: from 3.00 to 2.00 an answer and raised the share that are expected from 0.44 to 0.58,
#: while answers naming an expected entry went from 80 to 78 of 86.
SITUATION_NEAR = 0.7


def situation_answer(hits: Sequence[Hit]) -> dict[str, Any] | None:
    """What the best-fitting entries imply for a teaching situation (their implications
    among the top hits, one per entry, at most three, each nearly as good as the first)."""
    chosen: list[Hit] = []
    for hit in hits:
        if (hit["kind"] == "implication" and hit["theory"] not in {h["theory"] for h in chosen}
                and (not chosen or hit["score"] >= SITUATION_NEAR * chosen[0]["score"])):
            chosen.append(hit)
        if len(chosen) == 3:
            break
    if not chosen:
        return None
    text = "Approaches that fit: " + " ".join(_approach(h) for h in chosen)
    evidence = [(h["theory_iri"], h["theory_label"]) for h in chosen]
    evidence += [(h["item_iri"], f"{h['theory_label']}: {h['label']}") for h in chosen]
    return answer_record("situation", text, chosen[0]["theory_iri"], [], evidence,
                         entries=[h["theory_iri"] for h in chosen])
