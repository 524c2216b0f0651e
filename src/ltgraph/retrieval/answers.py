"""Graph-backed answers and entity cards for search responses.

Every word of an answer comes from the graph: node labels, literal values and the
`rdfs:label` of the property that links them ("developed by", "has limitation", …). Each
answer lists the IRIs of the triples it was composed from.

Query texts here are constants: the node a card or answer is about is bound to `?this` (and a
property to `?prop`, both projected, as substitution requires) as an RDF term by the `select` callable (Oxigraph's substitutions), so
no IRI or name is ever pasted into SPARQL text.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from ltgraph.retrieval.ranking import Analysis, Mention

#: Runs a constant SELECT with variables bound to IRIs: `select(query, this=iri)`.
Select = Callable[..., list[dict[str, str]]]

#: Question patterns -> the property whose values answer it, for an entry subject.
ENTRY_FACTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bwho\b|developed by|came up with|founders?|invented|proposed by|originat"),
     "developedBy"),
    (re.compile(r"\bwhen\b|what year|which year|how old|proposed in"), "yearProposed"),
    (re.compile(r"drawbacks?|disadvantages?|criticis|critiques?|weakness|limitations?|downsides?|cons\b"),
     "hasLimitation"),
    (re.compile(r"strengths?|advantages?|benefits?|pros\b|upsides?|merits?"), "hasStrength"),
    (re.compile(r"implications?|how (?:should|do|can) (?:i|we|you) design|design implications"),
     "hasImplication"),
    (re.compile(r"builds? on|based on|draws on|built on|influenced by|roots"), "buildsOn"),
    (re.compile(r"key concepts?|main ideas?|core concepts?|principles"), "hasConcept"),
]
PERSON_FACTS = re.compile(r"which (?:theories|models|entries)|what did .* (?:develop|propose|create)|"
                          r"(?:theories|models) (?:did|by|of)|known for|contribut")


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
        OPTIONAL { ?e ltg:developedBy ?this ; rdfs:label ?elabel } } ORDER BY ?elabel""", this=iri)
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


def compose_answer(select: Select, question: str, analysis: Analysis,
                   iri_of: Callable[[Mention], str]) -> dict[str, Any] | None:
    """An answer from graph facts for factoid questions about one entry or one person."""
    text = question.lower()
    entries = [m for m in analysis.mentions if m.kind == "entry"]
    people = [m for m in analysis.mentions if m.kind == "person"]
    if len(entries) == 1:
        for pattern, prop in ENTRY_FACTS:
            if pattern.search(text):
                return _entry_fact(select, iri_of(entries[0]), prop)
    if len(people) == 1 and not entries and PERSON_FACTS.search(text):
        return _person_fact(select, iri_of(people[0]))
    return None


#: Facts shown alongside a property: (property, how the object is labelled).
COMPANION_FACTS = {
    "buildsOn": ("influencedBy", "rdfs:label"),
    "yearProposed": ("seminalWork", "dcterms:bibliographicCitation"),
}


def _entry_fact(select: Select, iri: str, prop: str) -> dict[str, Any] | None:
    from ltgraph.rdf.ontology import LTG

    def facts_of(name: str, label_path: str, optional: bool) -> list[dict[str, str]]:
        label = f"?o {label_path} ?olabel"  # label_path: a constant of COMPANION_FACTS
        return select(f"""SELECT ?this ?prop ?slabel ?plabel ?o ?olabel WHERE {{
            ?this rdfs:label ?slabel ; ?prop ?o . ?prop rdfs:label ?plabel .
            {f"OPTIONAL {{ {label} }}" if optional else label} }} ORDER BY ?olabel ?o""",
                      this=iri, prop=str(LTG[name]))

    groups = [(prop, facts_of(prop, "rdfs:label", optional=True))]
    if prop in COMPANION_FACTS:
        name, label_path = COMPANION_FACTS[prop]
        groups.append((name, facts_of(name, label_path, optional=False)))
    groups = [(name, rows) for name, rows in groups if rows]
    if not groups:
        return None
    subject = groups[0][1][0]["slabel"]
    sentences, facts = [], []
    for name, rows in groups:
        values = [r.get("olabel", r["o"]) for r in rows]
        sentences.append(f"{subject} — {rows[0]['plabel']}: {'; '.join(values)}.")
        facts += [{"subject": iri, "predicate": str(LTG[name]), "object": r["o"],
                   "label": r.get("olabel", r["o"])} for r in rows]
    return {"text": " ".join(sentences), "subject": iri, "facts": facts,
            "sources": sorted({iri} | {f["object"] for f in facts if f["object"].startswith("http")})}


def _person_fact(select: Select, iri: str) -> dict[str, Any] | None:
    rows = select("""SELECT ?this ?plabel ?e ?elabel ?rel WHERE {
        ?e ltg:developedBy ?this ; rdfs:label ?elabel . ?this rdfs:label ?plabel .
        ltg:developedBy rdfs:label ?rel } ORDER BY ?elabel""", this=iri)
    if not rows:
        return None
    names = "; ".join(r["elabel"] for r in rows)
    from ltgraph.rdf.ontology import LTG

    return {"text": f"{names} — {rows[0]['rel']}: {rows[0]['plabel']}.", "subject": iri,
            "facts": [{"subject": r["e"], "predicate": str(LTG.developedBy), "object": iri,
                       "label": r["elabel"]} for r in rows],
            "sources": sorted({iri} | {r["e"] for r in rows})}
