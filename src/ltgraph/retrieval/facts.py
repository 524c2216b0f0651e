"""Answers about one thing the question names: an entry (what it is, who proposed or developed
it, when, its sections, its evidence), one of its concepts, or a person (their entries, their
writings). Every fact comes from the graph, by constant queries with the node bound to `?this`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ltgraph.corpus import names_a_situation
from ltgraph.rdf.ontology import LTG
from ltgraph.retrieval.cards import (
    Select,
    answer_record,
    entry_card,
    first_sentences,
    labelled,
    sentence,
    values,
    words,
)

#: The kind a question asks for -> the property whose values answer it, for an entry.
KIND_PROPERTY = {"researcher": ["developedBy", "hasForerunner", "criticisedBy"],
                 "limitation": ["hasLimitation"], "strength": ["hasStrength"],
                 "implication": ["hasImplication"], "concept": ["hasConcept"],
                 "misconception": ["hasMisconception"]}

#: Sentences per property, `{s}` the entry's name, `{v}` the values as a list in words.
SENTENCES = {
    "developedBy": "{s} was developed by {v}.",
    "hasForerunner": "It grew out of earlier work by {v}.",
    "criticisedBy": "Critics of {s} include {v}.",
    "hasMisconception": "Common misconceptions about {s}: {v}.",
    "hasLimitation": "{s} has these documented limitations: {v}.",
    "hasStrength": "The strengths of {s} are {v}.",
    "hasImplication": "For instructional design, {s} implies {v}.",
    "hasConcept": "The key concepts of {s} are {v}.",
    "buildsOn": "{s} builds on {v}.",
    "influencedBy": "{s} was influenced by {v}.",
}


def _citations(select: Select, iri: str) -> list[dict[str, str]]:
    return select("""SELECT ?this ?w ?citation WHERE {
        ?this ltg:seminalWork ?w . ?w dcterms:bibliographicCitation ?citation } ORDER BY ?citation""",
                  this=iri)


def _implications(subject: str, labels: list[str]) -> str:
    """The implications sentence; "When …" items name situations, not actions, so they get a
    sentence of their own (neutral: for a contested entry the situation is a misuse)."""
    actions = [label for label in labels if not names_a_situation(label)]
    situations = ["w" + label[1:] for label in labels if names_a_situation(label)]
    text = SENTENCES["hasImplication"].format(s=subject, v=words(actions)) if actions else ""
    if situations:
        text += f" It also says what to do {words(situations)}."
    return text.strip()


def entry_fact(select: Select, iri: str, props: list[str]) -> dict[str, Any] | None:
    """An entry's values of `props`, a sentence per property (its year with its seminal works,
    cited); None when it has none of them."""
    sentences: list[str] = []
    facts: list[dict[str, str]] = []
    evidence: list[tuple[str, str]] = []
    subject = None
    for prop in props:
        rows = values(select, iri, prop)
        if not rows:
            continue
        subject = rows[0]["slabel"]
        labels = [r.get("olabel", r["o"]) for r in rows]
        if prop == "yearProposed":
            works = _citations(select, iri)
            sentences.append(f"{subject} was first proposed in {labels[0]}.")
            if works:
                sentences.append(("Seminal work: " if len(works) == 1 else "Seminal works: ")
                                 + " ".join(sentence(w["citation"]) for w in works))
                evidence += [(w["w"], sentence(w["citation"])) for w in works]
        else:
            sentences.append(_implications(subject, labels) if prop == "hasImplication"
                             else SENTENCES[prop].format(s=subject, v=words(labels)))
            evidence += [(r["o"], r.get("olabel", r["o"])) for r in rows if r["o"].startswith("http")]
        facts += [{"subject": iri, "predicate": str(LTG[prop]), "object": r["o"],
                   "label": r.get("olabel", r["o"])} for r in rows]
    if subject is None:
        return None
    if sentences[0].startswith("It "):  # "It grew out of …" can only follow a sentence naming it
        sentences[0] = subject + sentences[0][2:]
    return answer_record("fact", " ".join(sentences), iri, facts, [(iri, subject), *evidence])


def overview_answer(select: Select, iri: str) -> dict[str, Any] | None:
    """What an entry is ("what is connectivism"): its type, year and originators, then the
    first sentences of its overview."""
    card = entry_card(select, iri)
    rows = select("""SELECT ?this ?overview WHERE { ?this dcterms:description ?overview }""", this=iri)
    if "label" not in card or not rows:
        return None
    people, prop = _founders(select, iri)
    kind = "a learning theory" if card["type"] == "theory" else "an instructional-design model"
    text = f"{card['label']} is {kind}, first proposed {_by(people, prop, card['year'])}. "
    text += first_sentences(rows[0]["overview"])
    facts = [{"subject": iri, "predicate": str(LTG.yearProposed), "object": str(card["year"]),
              "label": str(card["year"])}]
    facts += [{"subject": iri, "predicate": str(LTG[prop]), "object": o, "label": name}
              for o, name in people]
    return answer_record("fact", text, iri, facts, [(iri, card["label"]), *people])


def origin_answer(select: Select, iri: str) -> dict[str, Any] | None:
    """Who first proposed an entry, and when; then who developed it further. None when the
    graph names no originator (the developers' answer stands then)."""
    card = entry_card(select, iri)
    people, prop = _founders(select, iri)
    if "label" not in card or prop != "originatedBy":
        return None
    founders = {o for o, _ in people}
    others = [(o, name) for o, name in labelled(select, iri, "developedBy") if o not in founders]
    text = f"{card['label']} was first proposed by {words([n for _, n in people])} in {card['year']}."
    if others:
        text += f" It was developed further by {words([n for _, n in others])}."
    facts = [{"subject": iri, "predicate": str(LTG[p]), "object": o, "label": name}
             for p, group in (("originatedBy", people), ("developedBy", others)) for o, name in group]
    return answer_record("fact", text, iri, facts, [(iri, card["label"]), *people, *others])


def item_answer(select: Select, iri: str, kinds: Sequence[str], what_is: bool,
                network: bool = False, kind: str = "concept") -> dict[str, Any] | None:
    """A question about a concept of an entry: who came up with it ("who came up with the zone
    of proximal development": the entry's originators and the concept's source), or what it
    is ("what is …": its description). A person or organisation of an entry's example learning
    network is described whatever is asked ("who is Julian Davis"). `kind`: the item's (another
    section's item, such as a limitation, is described the same way: `ITEM_OPENINGS`)."""
    rows = select("""SELECT ?this ?label ?e ?elabel ?description ?source WHERE {
        ?this rdfs:label ?label ; ltg:itemOf ?e . ?e rdfs:label ?elabel .
        OPTIONAL { ?this dcterms:description ?description }
        OPTIONAL { ?this dcterms:source ?source } } ORDER BY ?source""", this=iri)
    if not rows:
        return None
    row = rows[0]
    facts = [{"subject": iri, "predicate": str(LTG.itemOf), "object": row["e"], "label": row["elabel"]}]
    evidence = [(iri, row["label"]), (row["e"], row["elabel"])]
    if network and "description" in row:
        text = (f"{row['label']} is part of the example learning network of {row['elabel']}. "
                f"{first_sentences(row['description'])}")
        return answer_record("fact", text, iri, facts, evidence)
    if list(kinds) == ["researcher"]:
        people, prop = _founders(select, row["e"])
        if not people:
            return None
        sources = [r["source"] for r in rows if "source" in r]
        text = (f"{_one_of(row['label'], row['elabel'])} {row['elabel']} was "
                f"{'first proposed' if prop == 'originatedBy' else 'developed'} by "
                f"{words([name for _, name in people])}."
                + (f" Source: {' '.join(sentence(w) for w in sources)}" if sources else ""))
        facts += [{"subject": row["e"], "predicate": str(LTG[prop]), "object": o, "label": name}
                  for o, name in people]
        return answer_record("fact", text, iri, facts, [*evidence, *people])
    if not what_is or "description" not in row:
        return None
    text = f"{_one_of(row['label'], row['elabel'], kind)} {first_sentences(row['description'])}"
    return answer_record("fact", text, iri, facts, evidence)


#: How the description of an item of each kind opens.
ITEM_OPENINGS = {
    "concept": "One of the key concepts of {entry} is {item}.",
    "limitation": "One of the documented limitations of {entry} is {item}.",
    "strength": "One of the strengths of {entry} is {item}.",
    "misconception": "A common misconception about {entry}: {item}.",
    "implication": "For instructional design, {entry} implies {item}.",
}


def _one_of(item: str, entry: str, kind: str = "concept") -> str:
    """The sentence an item's description opens with, by its kind (`ITEM_OPENINGS`): "One of
    the key concepts of Multiple Intelligences is the eight intelligences.", "A common
    misconception about Behaviorism: negative reinforcement is another word for punishment."
    (a title in sentence case is lowercased, one with a capital inside it is kept)."""
    if not any(c.isupper() for c in item[1:]):  # "The eight …" -> "the eight …"; "Savvy Start" stays
        item = item[0].lower() + item[1:]
    return ITEM_OPENINGS.get(kind, ITEM_OPENINGS["concept"]).format(entry=entry, item=item.rstrip("."))


def _by(people: list[tuple[str, str]], prop: str, year: int) -> str:
    """"by A in 1978"; "in 1975 and developed by B" (no originator named); "in 1975"."""
    names = words([name for _, name in people])
    if not people:
        return f"in {year}"
    return f"by {names} in {year}" if prop == "originatedBy" else f"in {year} and developed by {names}"


def _founders(select: Select, iri: str) -> tuple[list[tuple[str, str]], str]:
    """An entry's originators as (IRI, name), else its developers; and the property used."""
    for prop in ("originatedBy", "developedBy"):
        people = labelled(select, iri, prop)
        if people:
            return people, prop
    return [], "developedBy"


def evidence_answer(select: Select, iri: str) -> dict[str, Any] | None:
    """How well research supports an entry: its grade, summary and the works it rests on."""
    rows = select("""SELECT ?this ?slabel ?node ?grade ?summary ?source WHERE {
        ?this rdfs:label ?slabel ; ltg:hasEvidence ?node . ?node ltg:evidenceGrade/rdfs:label ?grade ;
        dcterms:description ?summary . OPTIONAL { ?node dcterms:source ?source } }
        ORDER BY ?source""", this=iri)
    if not rows:
        return None
    row = rows[0]
    works = [r["source"] for r in rows if "source" in r]
    text = (f"The evidence for {row['slabel']} is graded {row['grade']}. {row['summary']}"
            + (f" It rests on: {' '.join(sentence(w) for w in works)}" if works else ""))
    return answer_record("fact", text, iri,
                         [{"subject": iri, "predicate": str(LTG.hasEvidence), "object": row["node"],
                           "label": f"Evidence: {row['grade']}"}],
                         [(iri, row["slabel"]), (row["node"], f"Evidence: {row['grade']}")])


#: How a person stands to an entry, most direct first, as a phrase for the answer.
ROLE_PHRASES = (("developedBy", "developed {v}", "is one of the developers of {v}"),
                ("hasForerunner", "did earlier work that {v} grew out of",
                 "did earlier work that {v} grew out of"),
                ("criticisedBy", "criticised {v}", "criticised {v}"))


def person_fact(select: Select, iri: str) -> dict[str, Any] | None:
    """What a person did for which entries: developed, anticipated (forerunner) or criticised."""
    rows = select("""SELECT ?this ?plabel ?e ?elabel ?p WHERE {
        ?e ?p ?this ; rdfs:label ?elabel . ?this rdfs:label ?plabel .
        VALUES ?p { ltg:developedBy ltg:hasForerunner ltg:criticisedBy } } ORDER BY ?elabel""",
                  this=iri)
    if not rows:
        return None
    person = rows[0]["plabel"]
    clauses = []
    for prop, many, one in ROLE_PHRASES:
        names = [r["elabel"] for r in rows if r["p"] == str(LTG[prop])]
        if names:
            clauses.append((many if len(names) > 1 else one).format(v=words(names)))
    text = f"{person} {words(clauses)}."
    return answer_record("fact", text, iri,
                         [{"subject": r["e"], "predicate": r["p"], "object": iri,
                           "label": r["elabel"]} for r in rows],
                         [(iri, person), *((r["e"], r["elabel"]) for r in rows)])


def influences_answer(select: Select, iri: str) -> dict[str, Any] | None:
    """Who and what shaped a person's work ("who influenced Kolb"): the forerunners of the
    entries they developed, and the entries those build on or were influenced by."""
    rows = select("""SELECT ?this ?plabel ?e ?elabel ?p ?o ?olabel WHERE {
        ?e ltg:developedBy ?this ; rdfs:label ?elabel ; ?p ?o . ?this rdfs:label ?plabel .
        ?o rdfs:label ?olabel . FILTER(?o != ?this)
        VALUES ?p { ltg:hasForerunner ltg:buildsOn ltg:influencedBy } } ORDER BY ?elabel ?olabel""",
                  this=iri)
    if not rows:
        return None
    person = rows[0]["plabel"]
    sentences = []
    for entry in dict.fromkeys(r["e"] for r in rows):
        of = [r for r in rows if r["e"] == entry]
        clauses = [phrase.format(words([r["olabel"] for r in of if r["p"] == str(LTG[prop])]))
                   for prop, phrase in (("hasForerunner", "grew out of earlier work by {}"),
                                        ("buildsOn", "builds on {}"), ("influencedBy", "was influenced by {}"))
                   if any(r["p"] == str(LTG[prop]) for r in of)]
        said = clauses[0] if len(clauses) == 1 else f"{', '.join(clauses[:-1])}, and {clauses[-1]}"
        sentences.append(f"{of[0]['elabel']}, which {person} developed, {said}.")
    return answer_record("fact", " ".join(sentences), iri,
                         [{"subject": r["e"], "predicate": r["p"], "object": r["o"], "label": r["olabel"]}
                          for r in rows],
                         [(iri, person), *dict.fromkeys((r["e"], r["elabel"]) for r in rows),
                          *dict.fromkeys((r["o"], r["olabel"]) for r in rows)])


def shared_entry(select: Select, a: str, b: str) -> str | None:
    """The earliest entry two people both developed ("siemens and downes": connectivism)."""
    rows = select("""SELECT ?this ?other ?e WHERE { ?e ltg:developedBy ?this, ?other ;
        ltg:yearProposed ?year } ORDER BY ?year ?e""", this=a, other=b)
    return rows[0]["e"] if rows else None


def works_answer(select: Select, iri: str) -> dict[str, Any] | None:
    """The seminal works the graph holds by a person, cited in full, oldest first."""
    rows = select("""SELECT ?this ?plabel ?w ?citation ?year WHERE { ?this rdfs:label ?plabel .
        ?w dcterms:creator ?this ; dcterms:bibliographicCitation ?citation .
        OPTIONAL { ?w dcterms:issued ?year } } ORDER BY ?year ?citation""", this=iri)
    if not rows:
        return None
    person = rows[0]["plabel"]
    works = list({r["w"]: sentence(r["citation"]) for r in rows}.items())
    label = "Seminal work" if len(works) == 1 else "Seminal works"
    text = f"{label} by {person} in the graph: " + " ".join(c for _, c in works)
    return answer_record("fact", text, iri,
                         [{"subject": w, "predicate": "http://purl.org/dc/terms/creator", "object": iri,
                           "label": person} for w, _ in works],
                         [(iri, person), *works])


def works_on(select: Select, person: str, entry: str) -> bool:
    """Whether the person first proposed, developed or did earlier work for the entry."""
    return bool(select("""SELECT ?this ?other WHERE { ?other ?p ?this .
        VALUES ?p { ltg:originatedBy ltg:developedBy ltg:hasForerunner } }""", this=person, other=entry))


def person_in_entry_answer(select: Select, person: str, entry: str,
                           hits: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """A person's part in an entry ("what did Barbara Rogoff add to sociocultural theory"): their
    role, then the first sentences of their researcher passage among the hits."""
    rows = select("""SELECT ?this ?other ?plabel ?elabel ?p WHERE { ?other ?p ?this ;
        rdfs:label ?elabel . ?this rdfs:label ?plabel .
        VALUES ?p { ltg:originatedBy ltg:developedBy ltg:hasForerunner ltg:criticisedBy } }""",
                  this=person, other=entry)
    if not rows:
        return None
    props = {r["p"].rsplit("#", 1)[-1] for r in rows}
    name, label = rows[0]["plabel"], rows[0]["elabel"]
    role = next(phrase for prop, phrase in (("originatedBy", "first proposed {e}"),
                                            ("developedBy", "is one of the developers of {e}"),
                                            ("hasForerunner", "did earlier work that {e} grew out of"),
                                            ("criticisedBy", "is a critic of {e}")) if prop in props)
    text = f"{name} {role.format(e=label)}."
    passage = next((h for h in hits if h["kind"] == "researcher" and h["item_iri"] == person
                    and h["theory_iri"] == entry), None)
    if passage is not None:
        text += f" {first_sentences(passage['text'])}"
    return answer_record("fact", text, person,
                         [{"subject": entry, "predicate": r["p"], "object": person, "label": name} for r in rows],
                         [(person, name), (entry, label)])
