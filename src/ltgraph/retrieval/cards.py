"""Entity cards for search responses — the key facts of the entries, people and concepts a
question names, from the graph (`entities` of a search response) — and the pieces answers are
made of (`answers`, `relations`): property values, answer records, sentences.

Query texts are constants: the node a card is about is bound to `?this` as an RDF term by the
`select` callable, so no IRI or name is ever pasted into SPARQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ltgraph.rdf.ontology import LTG
from ltgraph.retrieval.lexicon import Mention

#: Runs a constant SELECT with variables bound to IRIs: `select(query, this=iri)`.
Select = Callable[..., list[dict[str, str]]]


def words(values: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    values = list(values)
    if len(values) <= 1:
        return "".join(values)
    return f"{', '.join(values[:-1])} and {values[-1]}"


def entry_card(select: Select, iri: str) -> dict[str, Any]:
    """Key facts of an entry node."""
    rows = select("""SELECT ?this ?label ?type ?year (GROUP_CONCAT(DISTINCT ?pname; separator="|") AS ?people)
        WHERE { ?this rdfs:label ?label ; a ?type ; ltg:yearProposed ?year .
                 VALUES ?type { ltg:LearningTheory ltg:InstructionalDesignModel }
                 OPTIONAL { ?this ltg:developedBy/rdfs:label ?pname } }
        GROUP BY ?this ?label ?type ?year""", this=iri)
    if not rows:
        return {"iri": iri}
    row = rows[0]
    return {"iri": iri, "kind": "entry", "label": row["label"],
            "type": "theory" if row["type"].endswith("LearningTheory") else "model",
            "year": int(row["year"]), "researchers": sorted(filter(None, row.get("people", "").split("|")))}


def person_card(select: Select, iri: str) -> dict[str, Any]:
    rows = select("""SELECT ?this ?label ?e ?elabel WHERE { ?this rdfs:label ?label .
        OPTIONAL { ?e ltg:hasResearcher ?this ; rdfs:label ?elabel } } ORDER BY ?elabel""", this=iri)
    if not rows:
        return {"iri": iri}
    return {"iri": iri, "kind": "person", "label": rows[0]["label"],
            "entries": [{"iri": r["e"], "label": r["elabel"]} for r in rows if "e" in r]}


def item_card(select: Select, iri: str) -> dict[str, Any]:
    rows = select("""SELECT ?this ?label ?e ?elabel WHERE { ?this rdfs:label ?label ; ltg:itemOf ?e .
        ?e rdfs:label ?elabel }""", this=iri)
    if not rows:
        return {"iri": iri}
    return {"iri": iri, "kind": "item", "label": rows[0]["label"],
            "entry": {"iri": rows[0]["e"], "label": rows[0]["elabel"]}}


def entity_cards(select: Select, mentions: list[Mention], iri_of: Callable[[Mention], str]) -> list[dict[str, Any]]:
    cards = []
    for mention in mentions:
        iri = iri_of(mention)
        if mention.kind == "entry":
            cards.append(entry_card(select, iri))
        elif mention.kind == "person":
            cards.append(person_card(select, iri))
        else:
            cards.append(item_card(select, iri))
    return cards


def values(select: Select, iri: str, prop: str) -> list[dict[str, str]]:
    """The values of `prop` (an `ltg:` term) on the node, with their labels and the node's."""
    return select("""SELECT ?this ?prop ?slabel ?o ?olabel WHERE {
        ?this rdfs:label ?slabel ; ?prop ?o . OPTIONAL { ?o rdfs:label ?olabel } }
        ORDER BY ?olabel ?o""", this=iri, prop=str(LTG[prop]))


def labelled(select: Select, iri: str, prop: str) -> list[tuple[str, str]]:
    """(IRI, label) of the node's values of `prop` that have a label (people, entries)."""
    return [(r["o"], r["olabel"]) for r in values(select, iri, prop) if "olabel" in r]


def answer_record(kind: str, text: str, subject: str, facts: list[dict[str, str]],
                  evidence: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    """An answer record; `evidence`: (IRI, title) pairs, first the subject."""
    titled = list(dict(evidence).items())
    return {"kind": kind, "text": text, "subject": subject, "facts": facts,
            "links": [{"text": title, "iri": iri} for iri, title in titled if title in text],
            "evidence": [{"iri": iri, "title": title} for iri, title in titled],
            "sources": sorted({iri for iri, _ in titled}), **extra}


def joined(records: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Answers about several nodes as one ("strengths of ADDIE and SAM"): their texts in turn,
    their facts and evidence together, the first one's kind and other fields; None when none
    answers."""
    found = [r for r in records if r is not None]
    if not found:
        return None
    evidence = [(e["iri"], e["title"]) for r in found for e in r["evidence"]]
    own = ("kind", "text", "subject", "facts", "links", "evidence", "sources")
    return answer_record(found[0]["kind"], " ".join(r["text"] for r in found), found[0]["subject"],
                         [f for r in found for f in r["facts"]], evidence,
                         **{k: v for k, v in found[0].items() if k not in own})  # a comparison's entries


def sentence(text: str) -> str:
    """`text` ending as a sentence ends (a citation without its final full stop gets one)."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def first_sentences(text: str, n: int = 2) -> str:
    """The first `n` sentences of `text`."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text.strip())
    return sentence(" ".join(parts[:n]))
