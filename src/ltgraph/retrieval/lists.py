"""Answers that list entries: every theory or model ("list all instructional design models"),
those first proposed in a decade ("theories from the 1980s"), those whose evidence is graded so
("which theories have strong evidence"), and the few that fit a description asked in the plural
("which theories are about motivation").

The graph query is a constant; the type and the decade asked for filter its rows here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ltgraph.rdf.ontology import LTG
from ltgraph.retrieval.cards import Select, answer_record, words

#: What an entry type may be called in a list request ("instructional design models").
_TYPE_WORDS = (r"(?:(?:learning|instructional|design|instructional-design|teaching|educational|"
               r"pedagogical)\s+)*(?:theor(?:y|ies)|models?|frameworks?|entries)\b")
#: "list all models", "all the learning theories", "show every theory", "list of theories",
#: "what theories are there", "which models do you have" — not "list all the car models".
LIST_ALL = re.compile(rf"\b(list|show|name|give|display)\b.*\b(all|every)\s+(the\s+|of\s+the\s+|your\s+)?{_TYPE_WORDS}|"
                      rf"^\W*all\s+(the\s+)?{_TYPE_WORDS}|"
                      rf"^\W*(a\s+|the\s+)?(full\s+)?(list|index|catalogue|catalog)\s+of\s+(all\s+)?(the\s+)?{_TYPE_WORDS}|"
                      rf"^\W*(what|which)\s+{_TYPE_WORDS}\s+(are there|do you (have|know|cover|hold)|"
                      r"are (in|covered|included|available|here))")
#: "from the 1980s", "1990s theories".
DECADE = re.compile(r"\b(1[89]\d|20\d)0'?s\b")
#: "Before 1950", "since 2000": a year bound.
BOUND = re.compile(r"\b(before|prior to|earlier than|until|after|since|later than)\s+((?:1[89]|20)\d\d)\b")
#: "Which theories …", "what models …", "list the theories about …": more than one entry may answer.
PLURAL = re.compile(r"\b(which|what)\s+(\w+\s+)?(theories|models|frameworks|approaches)\b|"
                    r"\b(list|name|show me|give me)\b(\s+[\w-]+){0,3}?\s+(theories|models|frameworks|approaches)\b|"
                    r"^\W*(all\s+)?(the\s+)?(\w+\s+)?(theories|models|frameworks|approaches)\s+(of|about|for|on)\b")
#: "1980s theories", "models proposed in the 1990s", "theories from before 1950" (not "1980s
#: car models").
OF_DECADE = re.compile(rf"\b(1[89]\d|20\d)0'?s\s+{_TYPE_WORDS}|"
                       rf"\b{_TYPE_WORDS}(\s+[\w-]+){{0,3}}\s+(in|from|of|during)\s+the\s+(1[89]\d|20\d)0'?s\b|"
                       rf"\b{_TYPE_WORDS}(\s+[\w-]+){{0,3}}?\s+(before|after|since|prior to)\s+(1[89]|20)\d\d\b")
#: The evidence grades (as the graph labels them) a question asks for, by its words.
_NEAR = r"\s+(?:\w+\s+){0,2}(?:evidence|research|support|empirical)"
GRADES = (("well supported", re.compile(rf"\b(?:strong|strongest|good|solid|robust|best|most){_NEAR}|"
                                        r"\b(?:well|best|most)[- ]supported\b|\bevidence[- ]based\b|"
                                        r"\bproven\b|\bbacked by\b")),
          ("weak", re.compile(rf"\b(?:weak|weakest|little|poor|no|lack of|lacking|thin|least|without){_NEAR}|"
                              r"\bunsupported\b|\bdebunked\b|\bunproven\b")),
          ("mixed", re.compile(rf"\bmixed{_NEAR}")),
          ("contested", re.compile(r"\b(?:contested|disputed|controversial)\b")))
ENTRIES = re.compile(r"\b(theories|models|frameworks|entries|approaches)\b")
#: The class an empty list is about (its answer's subject).
_CLASS = {"theory": str(LTG.LearningTheory), "model": str(LTG.InstructionalDesignModel), None: str(LTG.Entry)}
#: How many entries a plural description lists.
PLURAL_ENTRIES = 3


def _wanted_type(text: str) -> str | None:
    models = bool(re.search(r"\b(models?|design models?|frameworks?)\b", text))
    theories = bool(re.search(r"\btheor(y|ies)\b", text))
    return "model" if models and not theories else "theory" if theories and not models else None


#: A list request narrowed by a description ("list all the theories you know about motivation"):
#: the few that fit, not the catalogue.
QUALIFIED = re.compile(r"\b(theor(y|ies)|models?|frameworks?|entries)\b.*\b(about|on|for|that|which|who|"
                       r"regarding|concerning|related|dealing|relevant|suited|useful|explaining|where|to do with)\b")


def catalogue_request(question: str) -> bool:
    """Whether the question asks for the whole catalogue, or a decade or year bound of it: the
    graph answers it fully, however little its words look like the passages'."""
    text = question.lower()
    return _lists_all(text) or bool(OF_DECADE.search(text))


def _lists_all(text: str) -> bool:
    """A request for every entry (of a type), not narrowed by a description."""
    return bool(LIST_ALL.search(text)) and not QUALIFIED.search(text)


def list_answer(select: Select, question: str) -> dict[str, Any] | None:
    """The entries of one type, of a decade or year bound, or of an evidence grade, when the
    question asks for a list; else None."""
    text = question.lower()
    if ENTRIES.search(text):  # (the grade's own words decide: "which theories are contested")
        graded = _graded(select, text)
        if graded is not None:
            return graded
    decade = DECADE.search(text) if ENTRIES.search(text) else None  # not "that 1970s process"
    bound = BOUND.search(text) if ENTRIES.search(text) else None
    if not decade and not bound and not _lists_all(text):
        return None
    rows = select("""SELECT ?e ?label ?type ?year WHERE { ?e a ?type ; rdfs:label ?label ;
        ltg:yearProposed ?year . VALUES ?type { ltg:LearningTheory ltg:InstructionalDesignModel } }
        ORDER BY ?year ?label""")
    kind = _wanted_type(text)
    entries = [(r["e"], r["label"], int(r["year"]), "model" if r["type"].endswith("Model") else "theory")
               for r in rows]
    if kind:
        entries = [e for e in entries if e[3] == kind]
    what = {"theory": "learning theories", "model": "instructional-design models", None: "entries"}[kind]
    span = ""  # "in the 1980s", "before 1950": when they were first proposed
    if decade:
        start = int(decade.group(1)) * 10
        entries = [e for e in entries if start <= e[2] < start + 10]
        span = f"in the {start}s"
    elif bound:
        year, before = int(bound.group(2)), bound.group(1) in ("before", "prior to", "earlier than", "until")
        entries = [e for e in entries if (e[2] < year if before else e[2] > year)]
        span = f"{'before' if before else 'after'} {year}"
    if not entries:
        return answer_record("fact", f"The graph holds no {what} first proposed {span}." if span
                             else f"The graph holds no {what}.", _CLASS[kind], [], [])
    lead = f"{what.capitalize()} first proposed {span}" if span else f"The graph holds {len(entries)} {what}"
    text = f"{lead}: {words([f'{label} ({year})' for _, label, year, _ in entries])}."
    return answer_record("fact", text, entries[0][0], [],
                         [(iri, label) for iri, label, _, _ in entries],
                         entries=[iri for iri, _, _, _ in entries])


def _graded(select: Select, text: str) -> dict[str, Any] | None:
    """The entries (of the type asked for) whose evidence has the grade the words ask for."""
    grades = [grade for grade, words_of in GRADES if words_of.search(text)]
    if len(grades) != 1:
        return None
    rows = select("""SELECT ?e ?label ?type ?year ?grade WHERE { ?e a ?type ; rdfs:label ?label ;
        ltg:yearProposed ?year ; ltg:hasEvidence ?x . ?x ltg:evidenceGrade/rdfs:label ?grade .
        VALUES ?type { ltg:LearningTheory ltg:InstructionalDesignModel } } ORDER BY ?year ?label""")
    kind = _wanted_type(text)
    what = {"theory": "learning theories", "model": "instructional-design models", None: "entries"}[kind]
    chosen = [r for r in rows if r["grade"] == grades[0]
              and (kind is None or ("model" if r["type"].endswith("Model") else "theory") == kind)]
    if not chosen:
        return answer_record("fact", f"The graph grades the evidence for none of its {what} as {grades[0]}.",
                             _CLASS[kind], [], [])
    names = [f"{r['label']} ({r['year']})" for r in chosen]
    text = f"The graph grades the evidence for these {what} as {grades[0]}: {words(names)}."
    return answer_record("fact", text, chosen[0]["e"], [],
                         [(r["e"], r["label"]) for r in chosen], entries=[r["e"] for r in chosen])


def several_answer(select: Select, question: str, hits: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """For a description asked in the plural, the first few entries among the hits; else None."""
    if not PLURAL.search(question.lower()):
        return None
    chosen: list[dict[str, Any]] = []
    for hit in hits:
        if hit["theory"] not in {h["theory"] for h in chosen}:
            chosen.append(hit)
        if len(chosen) == PLURAL_ENTRIES:
            break
    if len(chosen) < 2:
        return None
    years = {r["e"]: r["year"] for r in select("""SELECT ?e ?year WHERE { ?e ltg:yearProposed ?year }""")}
    names = [f"{h['theory_label']} ({h['type']}, {years.get(h['theory_iri'], '?')})" for h in chosen]
    text = f"These fit best: {words(names)}."
    return answer_record("description", text, chosen[0]["theory_iri"], [],
                         [(h["theory_iri"], h["theory_label"]) for h in chosen],
                         entries=[h["theory_iri"] for h in chosen])
