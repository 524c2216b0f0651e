"""Entity cards for search responses: the key facts of the entries, people and concepts a
question names, from the graph (`entities` of a search response; `answers` uses them too).

Query texts are constants: the node a card is about is bound to `?this` as an RDF term by the
`select` callable, so no IRI or name is ever pasted into SPARQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

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
