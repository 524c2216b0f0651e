"""How entries relate in the graph, as answers: comparisons of two to four entries (with the
path between them), and what an entry builds on, what builds on it and what it relates to.

Query texts are constants; the nodes are bound to `?this` / `?other` by `select`.
"""

from __future__ import annotations

from typing import Any

from ltgraph.retrieval.cards import Select, answer_record, entry_card, labelled, values, words


def compare_answer(select: Select, entries: list[str]) -> dict[str, Any] | None:
    """Two to four entries side by side: type, year, people, key concepts, and how they are
    linked in the graph (directly, or through one entry between them)."""
    cards = [entry_card(select, iri) for iri in entries]
    if any("label" not in card for card in cards):
        return None
    sentences, facts, evidence = [], [], []
    for card in cards:
        concepts = [r.get("olabel", r["o"]) for r in values(select, card["iri"], "hasConcept")][:3]
        people = words(card["researchers"][:3]) or "no named researcher"
        sentence = (f"{card['label']} is a {'learning theory' if card['type'] == 'theory' else 'design model'} "
                    f"from {card['year']}, associated with {people}")
        sentences.append(sentence + (f"; its key concepts include {words(concepts)}." if concepts else "."))
        evidence.append((card["iri"], card["label"]))
        evidence += labelled(select, card["iri"], "developedBy")
    for i, a in enumerate(cards):
        for b in cards[i + 1:]:
            found = link(select, a, b)
            if found:
                sentences.append(found[0])
                facts += found[1]
    slugs = [iri.rstrip("/").rsplit("/", 1)[-1] for iri in entries]
    return answer_record("comparison", " ".join(sentences), entries[0], facts, evidence,
                         entries=entries, compare_url=f"/compare?theories={','.join(slugs)}")


def link_answer(select: Select, a: str, b: str) -> dict[str, Any] | None:
    """Whether and how two entries are linked ("does 4C/ID build on cognitive load theory")."""
    cards = [entry_card(select, iri) for iri in (a, b)]
    if any("label" not in card for card in cards):
        return None
    found = link(select, cards[0], cards[1])
    text = found[0] if found else f"The graph records no link between {cards[0]['label']} and {cards[1]['label']}."
    return answer_record("fact", text, a, found[1] if found else [],
                         [(card["iri"], card["label"]) for card in cards])


def link(select: Select, a: dict[str, Any], b: dict[str, Any]) -> tuple[str, list[dict[str, str]]] | None:
    """How entry `a` relates to entry `b` in the graph, as a sentence and its facts."""
    direct = select("""SELECT ?this ?other ?p WHERE { ?this ?p ?other .
        VALUES ?p { ltg:buildsOn ltg:influencedBy ltg:relatedTo ltg:contrastsWith } }""",
                    this=a["iri"], other=b["iri"])
    back = select("""SELECT ?this ?other ?p WHERE { ?other ?p ?this .
        VALUES ?p { ltg:buildsOn ltg:influencedBy } }""", this=a["iri"], other=b["iri"])
    phrases = {"buildsOn": "builds on", "influencedBy": "was influenced by",
               "relatedTo": "is related to", "contrastsWith": "contrasts with"}
    if direct or back:
        first, swap = (direct[0], False) if direct else (back[0], True)
        name = first["p"].rsplit("#", 1)[-1]
        subj, obj = (b, a) if swap else (a, b)
        return (f"In the graph, {subj['label']} {phrases[name]} {obj['label']}.",
                [{"subject": subj["iri"], "predicate": first["p"], "object": obj["iri"],
                  "label": obj["label"]}])
    via = select("""SELECT ?this ?other ?mid ?mlabel ?p ?q WHERE {
        ?this ?p ?mid . ?other ?q ?mid . ?mid rdfs:label ?mlabel .
        VALUES ?p { ltg:buildsOn ltg:influencedBy ltg:relatedTo ltg:contrastsWith }
        VALUES ?q { ltg:buildsOn ltg:influencedBy ltg:relatedTo ltg:contrastsWith }
        FILTER(?mid != ?this && ?mid != ?other) } ORDER BY ?mlabel LIMIT 1""",
                 this=a["iri"], other=b["iri"])
    if via:
        row = via[0]
        return (f"They are not linked directly; both connect to {row['mlabel']}.",
                [{"subject": a["iri"], "predicate": row["p"], "object": row["mid"], "label": row["mlabel"]},
                 {"subject": b["iri"], "predicate": row["q"], "object": row["mid"], "label": row["mlabel"]}])
    return None


#: Relations between entries, as a verb phrase: (property, subject -> object, object <- subject).
PHRASES = {"buildsOn": ("builds on", "{v} {build} on {obj}"),
           "influencedBy": ("was influenced by", "{v} {was} influenced by {obj}"),
           "relatedTo": ("is related to", "{v} {is} related to {obj}"),
           "contrastsWith": ("contrasts with", "{v} {contrast} with {obj}")}


def _linked(select: Select, iri: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(the entries `iri` points to, the entries pointing to it), each with property and label."""
    out = select("""SELECT ?this ?p ?o ?olabel WHERE { ?this ?p ?o . ?o rdfs:label ?olabel .
        VALUES ?p { ltg:buildsOn ltg:influencedBy ltg:relatedTo ltg:contrastsWith } }
        ORDER BY ?p ?olabel""", this=iri)
    into = select("""SELECT ?this ?p ?o ?olabel WHERE { ?o ?p ?this ; rdfs:label ?olabel .
        VALUES ?p { ltg:buildsOn ltg:influencedBy ltg:relatedTo ltg:contrastsWith } }
        ORDER BY ?p ?olabel""", this=iri)
    return out, into


def _label(select: Select, iri: str) -> str | None:
    card = entry_card(select, iri)
    return str(card["label"]) if "label" in card else None


def relations_answer(select: Select, iri: str) -> dict[str, Any] | None:
    """How an entry is linked to others in the graph, both ways ("theories related to X")."""
    label = _label(select, iri)
    if label is None:
        return None
    out, into = _linked(select, iri)
    into = [r for r in into if not any(o["o"] == r["o"] and o["p"] == r["p"] for o in out)]
    clauses = [f"{PHRASES[p][0]} {words([r['olabel'] for r in out if _name(r) == p])}"
               for p in PHRASES if any(_name(r) == p for r in out)]
    sentences = [f"In the graph, {label} {words(clauses)}."] if clauses else []
    sentences += _incoming(into)
    if not sentences:
        return None
    facts = [{"subject": iri, "predicate": r["p"], "object": r["o"], "label": r["olabel"]} for r in out]
    facts += [{"subject": r["o"], "predicate": r["p"], "object": iri, "label": label} for r in into]
    return answer_record("fact", " ".join(sentences), iri, facts,
                         [(iri, label), *((r["o"], r["olabel"]) for r in out + into)])


def no_roots_answer(select: Select, iri: str) -> dict[str, Any] | None:
    """"Who influenced X" when the graph records nothing that shaped X: says so, rather than
    answering another question, then how X is linked to other entries."""
    label = _label(select, iri)
    if label is None:
        return None
    linked = relations_answer(select, iri)
    text = (f"The graph records no forerunner of {label} and no entry it builds on or was "
            f"influenced by." + (f" {linked['text']}" if linked else ""))
    evidence = [(e["iri"], e["title"]) for e in linked["evidence"]] if linked else [(iri, label)]
    return answer_record("fact", text, iri, linked["facts"] if linked else [], evidence)


def successors_answer(select: Select, iri: str) -> dict[str, Any] | None:
    """The entries that build on an entry or were influenced by it ("what builds on X")."""
    label = _label(select, iri)
    if label is None:
        return None
    into = [r for r in _linked(select, iri)[1] if _name(r) in ("buildsOn", "influencedBy")]
    if not into:
        return answer_record("fact", f"No entry in the graph builds on {label} or was "
                             "influenced by it.", iri, [], [(iri, label)])
    text = " ".join(_incoming(into, label))
    return answer_record("fact", text, iri,
                         [{"subject": r["o"], "predicate": r["p"], "object": iri, "label": label}
                          for r in into],
                         [(iri, label), *((r["o"], r["olabel"]) for r in into)])


def _incoming(rows: list[dict[str, str]], obj: str = "it") -> list[str]:
    """Sentences for entries pointing at one (`obj`): "A and B build on it."."""
    sentences = []
    for p, (_, phrase) in PHRASES.items():
        names = [r["olabel"] for r in rows if _name(r) == p]
        if names:
            one = len(names) == 1
            text = phrase.format(v=words(names), obj=obj, build="builds" if one else "build",
                                 was="was" if one else "were", **{"is": "is" if one else "are"},
                                 contrast="contrasts" if one else "contrast")
            sentences.append(text[0].upper() + text[1:] + ".")
    return sentences


def _name(row: dict[str, str]) -> str:
    return row["p"].rsplit("#", 1)[-1]
