"""Graph-backed answers for search responses: which answer a question calls for
(`compose_answer`). Those made from its hits (descriptions, situations, the first hit
described) are in `found`, the answers about one entry, concept or person in `facts`, how
entries relate in `relations`, lists of entries in `lists`, the entity cards in `cards`.

Every fact of an answer comes from the graph: node labels, literal values, citations. An
answer is a few plain sentences (`text`), the names in it with their IRIs (`links`, so pages
can link them), the triples it was composed from (`facts`), and its evidence: the nodes it
rests on, titled (`evidence`; `sources` lists their IRIs).

Kinds of answer (DESIGN.md "Search response"): `fact` (a factoid about one entry, one of its
concepts or one person: what it is, who developed or criticised it, when, its strengths and
other sections, its evidence, a person's entries and writings; how entries are linked, and
lists of entries — `relations`, `lists`), `comparison` (two to four named entries side by
side, with `entries` and `compare_url`), `description` (the entry a described idea belongs
to, with its overview; in the plural, the few that fit) and `situation` (what the
best-fitting entries imply for a teaching situation).

Query texts here are constants: the nodes a query is about are bound to `?this` / `?other`
(and a property to `?prop`, all projected, as substitution requires) as RDF terms by the
`select` callable (Oxigraph's substitutions), so no IRI or name is ever pasted into SPARQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from ltgraph.corpus import names_a_situation
from ltgraph.retrieval.cards import (
    Select,
    joined,
)
from ltgraph.retrieval.facts import (
    KIND_PROPERTY,
    entry_fact,
    evidence_answer,
    influences_answer,
    item_answer,
    origin_answer,
    overview_answer,
    person_fact,
    person_in_entry_answer,
    shared_entry,
    works_answer,
    works_on,
)
from ltgraph.retrieval.found import Hit, description_answer, hit_answer, situation_answer
from ltgraph.retrieval.lexicon import Mention, mentions_surname, says_full_name
from ltgraph.retrieval.lists import list_answer, several_answer
from ltgraph.retrieval.ranking import Analysis
from ltgraph.retrieval.relations import (
    compare_answer,
    link_answer,
    no_roots_answer,
    relations_answer,
    successors_answer,
)

#: Kinds whose lists a comparison adds when asked for ("ADDIE vs SAM strengths"): its own text
#: already names each entry's key concepts and people.
PART_KINDS = ("strength", "limitation", "implication", "misconception")
PART_PROPERTIES = tuple(KIND_PROPERTY[kind][0] for kind in PART_KINDS)
#: The sections a question can name in words ("limitations of …", "key ideas of …").
NAMED_SECTIONS = (*PART_PROPERTIES, "hasConcept")
#: Facts no passage kind stands for: asked for in words.
#: ("when" asks for a year at the start, after "and", or before a past verb: not in "… when
#: deadlines are tight", nor in "when does PBL fail" or "when should I use it", which ask when
#: an entry fits)
WHEN = re.compile(r"^\W*when\b(?!\s+(does|do|is|are|should|shall|can|could|would|will|might|may|must|"
                  r"not|to|it|you|i|we|they|students|learners|teachers)\b)|\band when\b|"
                  r"\bwhen (was|were|did|had)\b|what year|which year|how old|proposed in|how long ago")
ROOTS = re.compile(r"builds? on|based on|draws on|built on|influenced by|\broots\b|origins? of|"
                   r"gr[eo]w out of|came out of|comes? from|derived from|developed from")
#: Asking who or what shaped a person or an entry ("who influenced Kolb", "Piaget's influences").
INFLUENCES = re.compile(r"\b(who|what) (influenced|inspired|shaped)\b|\binfluences (on|of)\b|['’]s influences\b|"
                        r"\binfluenced (him|her|them)\b")
#: "Theories related to X", "alternatives to X": the entries X is linked to.
RELATED = re.compile(r"\b(related to|similar to|alternatives? to|opposite of|connected to|linked to|"
                     r"relationship|relate to|relates to|connections?)\b")
#: Asking for a person's writings ("books by John Sweller", "what did Knowles write").
WORKS = re.compile(r"\b(books?|papers?|articles?|publications?|writings?|bibliography|reading list|works)\b"
                   r"|\b(written|published) by\b|\bwhat (did|has) [\w .'-]+ (write|written|publish|published)\b")
#: Asking who started an entry, not everyone who shaped it ("who proposed X", "father of X").
ORIGIN = re.compile(r"\b(propos\w*|came up with|come up with|found\w*|originat\w*|invent\w*|creat\w*|"
                    r"father|mother|started|starts|first)\b")
#: Parts of an entry a question can ask for together ("strengths and weaknesses of X", "who
#: developed X and when"), by the words that ask for them.
ASPECTS = ((re.compile(r"\b(strengths?|pros|advantages?|benefits?)\b"), ["hasStrength"]),
           (re.compile(r"\b(weakness(es)?|limitations?|cons|disadvantages?|drawbacks?|downsides?|"
                       r"criticisms?)\b"), ["hasLimitation"]),
           (re.compile(r"\bimplications?\b"), ["hasImplication"]),
           (re.compile(r"\bconcepts?\b|\b(key|core) (ideas|principles)\b"), ["hasConcept"]),
           (re.compile(r"\b(misconceptions?|myths?)\b"), ["hasMisconception"]),
           (re.compile(r"\b(who|whom)\b"), ["developedBy", "hasForerunner"]),
           (WHEN, ["yearProposed"]))
#: Words joining the parts asked for.
JOINED = re.compile(r"\band\b|&|\+|/")
#: "Who criticised X": its critics, not its limitations.
WHO_CRITICISED = re.compile(r"\bwho\b.*\bcriti[cq]")
#: Asking what an entry is or says, whatever kind of passage the intent model reads in it.
ABOUT = re.compile(r"\bwhat does .+ (say|mean|claim|argue|propose)\b|"
                   r"\btell me (\w+ )?about\b|\bexplain\b|\boverview\b|\bsummar(y|ise|ize)\b|^\W*what('s| is)\b")
#: "What is …" asked of a concept ("what is the zone of proximal development").
WHAT_IS = re.compile(r"^\s*(what\s+is|what's|whats|what\s+are|define|definition\s+of|meaning\s+of|explain|"
                     r"tell\s+me\s+about|describe)\b")
#: Asking for the gist of an entry, whatever kind of passage the words suggest ("the main idea
#: of cognitive load theory", "connectivism in a nutshell").
GIST = re.compile(r"\b(main|central|core|big|basic) (idea|point|claim|message|argument)\b|\bgist\b|"
                  r"\bnutshell\b|\bbasics of\b|\bessence of\b|\bstands? for\b|\bacronym\b|"
                  r"\bwhat do the letters\b|\bhow (does|do|did) .+ work\b|\bwhat does [^?]+ mean\b(?! for)")
#: Asking what an entry means for practice ("what does SDT mean for classroom teaching"): its
#: implications, when the intent model reads a concept or an overview in the words.
PRACTICE = re.compile(r"\bmeans? for\b|\bimplications? for\b|\bin (the|my|a|your) classroom\b|"
                      r"\bfor (teachers|teaching|trainers|instruction|designers|instructional design)\b|"
                      r"\bin practice\b|\bhow (do|can|should) (i|we|you) (apply|use)\b")
#: Asking what came after an entry ("what replaced behaviorism", "successors of ADDIE"), not
#: telling ("I followed ADDIE", "my lesson replaced lectures").
SUCCEEDED = re.compile(r"\b(what|which)\b(\s+[\w-]+){0,3}?\s+(came after|comes after|followed|replaced|"
                       r"succeeded|superseded)\b|\bsuccessors?\b")


def compose_answer(select: Select, question: str, analysis: Analysis, iri_of: Callable[[Mention], str],
                   hits: Sequence[Hit] = (),
                   find: Callable[[str], list[Mention]] | None = None) -> dict[str, Any] | None:
    """The answer the question's type calls for, from graph facts (and, for descriptions and
    situations, the best hits); None when the graph holds no direct answer. `find` (the
    lexicon's) tells where in the question an entry is named."""
    text = question.lower()
    entries = list(dict.fromkeys(iri_of(m) for m in analysis.mentions if m.kind == "entry"))
    people = [m for m in analysis.mentions if m.kind == "person"]
    if len(entries) == 2 and analysis.type != "comparison" and (ROOTS.search(text) or RELATED.search(text)):
        return link_answer(select, entries[0], entries[1])  # "does 4C/ID build on CLT"
    clear = analysis.kinds[0] if analysis.kinds and analysis.sure else None  # a clear kind, if any
    # The sections asked for: the clear kind's, or, when the model is unsure, those named in words.
    parts = KIND_PROPERTY.get(clear or "", []) if analysis.sure else _named_parts(text)
    if (analysis.type == "comparison" or analysis.bare) and 2 <= len(entries) <= 4:  # or "ADDIE and SAM"
        props = [p for p in parts if p in PART_PROPERTIES]
        each = [entry_fact(select, e, props) for e in entries] if props else []
        return joined([compare_answer(select, entries), *each])  # "ADDIE vs SAM strengths": each one's too
    if 2 <= len(entries) <= 4 and not people and (parts or not analysis.sure):
        if parts:  # "strengths of ADDIE and SAM"
            return joined([entry_fact(select, e, parts) for e in entries])
        # "is constructionism just another name for constructivism": nothing asked in words
        # and no clear kind, so the model's reading of the type decides nothing either
        return compare_answer(select, entries)
    if 2 <= len(people) <= 3 and not entries and analysis.type == "person" and not analysis.bare:
        return joined([person_fact(select, iri_of(p)) for p in people])  # "which theories did A and B develop"
    starts_who = re.match(r"\W*who\b", text) is not None
    asks_who = starts_who and analysis.kinds[:1] == ["researcher"]
    if analysis.type == "situation" and not entries and not asks_who:  # (who: the people, below)
        return situation_answer(hits)
    if not entries and not people:
        listed = list_answer(select, question)
        if listed is not None:
            return listed
    if len(people) == 1 and not entries and INFLUENCES.search(text):
        return influences_answer(select, iri_of(people[0])) or person_fact(select, iri_of(people[0]))
    if len(people) == 1 and not entries and (ROOTS.search(text) or RELATED.search(text)):
        return person_fact(select, iri_of(people[0]))  # "theories influenced by Vygotsky"
    one = not re.match(r"\W*who (are|were)\b", text)  # "who were the main …": the entry and its people
    items = [m for m in analysis.mentions if m.kind == "item"]
    if not entries and not people and len({m.slug for m in items}) >= 2 and len({m.entry for m in items}) == 1:
        # "the framework with teaching presence and social presence": the entry they belong to
        return overview_answer(select, iri_of(Mention("entry", items[0].entry, items[0].entry or "", "")))
    if analysis.type == "description" and not entries:
        if not asks_who and hits and hits[0]["kind"] == "implication" and names_a_situation(hits[0]["label"]):
            return situation_answer(hits)  # a situation stated, not asked: its best passage says so
        return several_answer(select, question, hits) or description_answer(select, hits, who=asks_who and one)
    if not entries and not people and not analysis.mentions:  # "what models are used for …"
        several = several_answer(select, question, hits)
        if several is not None:
            return several
        if asks_who:  # "who invented the forgetting curve": the person
            return description_answer(select, hits, who=one)
        # (what to do, named nowhere: what the best-fitting entries imply, `situation_answer`)
        if _asks_for_first_hit(analysis, hits) and hits[0]["kind"] != "implication":
            return hit_answer(select, hits[0])
    network = bool(items) and items[0].item_kind == "network"  # "who is Julian Davis"
    if (not entries and items and people and analysis.type != "comparison" and not network
            and not re.search(r"\bwhat did\b|\bcontribut|\bwho (is|was)\b", text)):  # (asks about the person)
        return item_answer(select, iri_of(items[0]), [], True)  # "Thorndike's law of effect": what it is
    if not entries and items and (network or analysis.type in ("factoid", "keyword")):
        asks_what = (bool(WHAT_IS.search(text) or GIST.search(text))  # "what does ZPD stand for"
                     or _only_names(text, items[0].label))  # or names it alone
        return item_answer(select, iri_of(items[0]), analysis.kinds[:1], asks_what, network)
    if len(entries) == 1:
        together = _aspects(text)
        if len(together) >= 2:  # "strengths and weaknesses of X": both
            return entry_fact(select, entries[0], together)
        if WHEN.search(text):
            return entry_fact(select, entries[0], ["yearProposed"])
        roots = ROOTS.search(text)
        way = _direction(find, text, roots, entries[0], iri_of) if roots else None
        after = SUCCEEDED.search(text)
        if after and _named_after(find, text, after, entries[0], iri_of):
            way = "successors"  # "what came after behaviorism"
        if way == "successors":
            return successors_answer(select, entries[0])
        if INFLUENCES.search(text) and not people:  # "who influenced connectivism"
            shaped = entry_fact(select, entries[0], ["buildsOn", "influencedBy", "hasForerunner"])
            return shaped or no_roots_answer(select, entries[0])
        roots_fact = entry_fact(select, entries[0], ["buildsOn", "influencedBy"]) if way == "roots" else None
        if roots_fact is not None:  # (none in the graph: what it is answers "where did X come from")
            return roots_fact
        if RELATED.search(text):
            return relations_answer(select, entries[0])
        if WHO_CRITICISED.search(text):  # its critics, else the criticisms (its limitations)
            return (entry_fact(select, entries[0], ["criticisedBy"])
                    or entry_fact(select, entries[0], ["hasLimitation"]))
        named_item = next((m for m in items if iri_of(m).startswith(entries[0] + "/")), None)
        if GIST.search(text) and named_item is None:
            return overview_answer(select, entries[0])
        if named_item is not None and (analysis.kinds[:1] in (["concept"], ["overview"])  # "the four levels of …"
                                       or (analysis.bare and not _within_name(named_item, analysis))):
            return item_answer(select, iri_of(named_item), ["concept"], True)
        if (analysis.kinds[:1] == ["researcher"] and people and not _joined(text, people) and not ORIGIN.search(text)
                and not starts_who):  # not "who co-wrote … with Gagné"
            part = person_in_entry_answer(select, iri_of(people[0]), entries[0], hits)
            if part is not None:  # "what did Rogoff add to sociocultural theory"
                return part
        if analysis.kinds[:1] == ["researcher"] and ORIGIN.search(text):
            origin = origin_answer(select, entries[0])
            if origin is not None:
                return origin
        if analysis.kinds[:1] in ([], ["concept"], ["overview"]) and PRACTICE.search(text):
            return entry_fact(select, entries[0], ["hasImplication"])  # "what X means for teachers"
        if not analysis.sure and len(parts) == 1 and analysis.kinds[:1] != ["evidence"]:
            return entry_fact(select, entries[0], parts)  # "key ideas of X", however unsure the model
        # On the border of a concept and the whole entry, with no concept named, what X is:
        # "X vs (no entry)" and "what is X in education".
        if (not analysis.sure and analysis.kinds[:1] in ([], ["concept"], ["overview"]) and named_item is None
                and (analysis.type == "comparison" or ABOUT.search(text))):
            return overview_answer(select, entries[0])
        for kind in analysis.kinds[:1]:
            if kind == "evidence":
                return evidence_answer(select, entries[0])
            if kind in KIND_PROPERTY:
                return entry_fact(select, entries[0], KIND_PROPERTY[kind])
            if kind == "overview" and analysis.type in ("factoid", "keyword", "person"):
                return overview_answer(select, entries[0])
        if way == "roots" or ABOUT.search(text) or analysis.bare or analysis.type == "comparison":
            return overview_answer(select, entries[0])  # "what does ADDIE stand for", "ADDIE", "X vs (no entry)"
    if len(people) == 1 and not entries and WORKS.search(text):
        return works_answer(select, iri_of(people[0])) or person_fact(select, iri_of(people[0]))
    if len(people) == 2 and not entries and analysis.bare:  # "siemens and downes": their entry
        shared = shared_entry(select, iri_of(people[0]), iri_of(people[1]))
        if shared is not None:
            return overview_answer(select, shared)
        return joined([person_fact(select, iri_of(p)) for p in people])  # "vygotsky and piaget"
    if len(people) == 1 and not entries and (analysis.type == "person" or analysis.bare
                                             or (analysis.type == "keyword" and says_full_name(text, people[0].label))):
        return person_fact(select, iri_of(people[0]))
    if not analysis.mentions and analysis.kinds[:1] == ["implication"] and not ROOTS.search(text):
        return situation_answer(hits)  # "students feel isolated in my online course, what helps?"
    if 1 <= len(people) <= 2 and not entries and _asks_for_first_hit(analysis, hits):
        # "Paivio verbal and imagery systems": the first hit, when it is of one of their entries
        # and names them ("Piaget described …"; a surname shared with someone else, "ann brown
        # reciprocal teaching", seldom finds a passage about its bearer in the corpus)
        person = next((iri_of(p) for p in people if works_on(select, iri_of(p), hits[0]["theory_iri"])
                       and mentions_surname(f"{hits[0]['label']} {hits[0]['text']}", p.label)), None)
        if person is not None and hits[0]["kind"] == "researcher":
            return person_in_entry_answer(select, person, hits[0]["theory_iri"], hits)
        if person is not None:
            return hit_answer(select, hits[0])
    return None


def _asks_for_first_hit(analysis: Analysis, hits: Sequence[Hit]) -> bool:
    """Whether a factoid or keyword question asks for the kind its first hit is (the kind the
    intent model reads first)."""
    return (analysis.type in ("factoid", "keyword") and bool(hits)
            and analysis.kinds[:1] == [hits[0]["kind"]])


def _joined(text: str, people: list[Mention]) -> bool:
    """Whether the people named are named together ("Lave and Wenger"): then the question is
    about their entry, not one person's part in it ("what did Rogoff add to Vygotsky's …")."""
    last = [re.escape(p.label.split()[-1].lower()) for p in people]
    return any(re.search(rf"{a}\W+(and|&)\W+(\w+\W+){{0,2}}{b}", text) for a, b in zip(last, last[1:], strict=False))


def _only_names(text: str, label: str) -> bool:
    """Whether the question is the label and little else ("zone of proximal development?",
    "legitimate peripheral participation explained")."""
    rest = text.replace(label.lower(), " ")
    return rest != text and len(re.findall(r"[a-z0-9]+", rest)) <= 2


def _aspects(text: str) -> list[str]:
    """The properties of the parts a question asks for together, in the question's order;
    none unless it joins two or more ("pros and cons of X")."""
    if not JOINED.search(text):
        return []
    found = sorted((match.start(), props) for pattern, props in ASPECTS
                   for match in [pattern.search(text)] if match)
    return [prop for _, props in found for prop in props] if len(found) >= 2 else []


def _named_parts(text: str) -> list[str]:
    """The properties of the sections a question names in words ("limitations of …", "key
    ideas of …"), in the question's order, whether or not it joins several: they decide when
    the intent model is unsure, as they read the same to anyone."""
    found = sorted((match.start(), props) for pattern, props in ASPECTS
                   if set(props) <= set(NAMED_SECTIONS) for match in [pattern.search(text)] if match)
    return [prop for _, props in found for prop in props]


#: Before a relation cue, a question about what builds on an entry ("which models are …").
SUCCESSORS_LEAD = re.compile(r"\b(what|which)\b(\s+[\w'-]+){0,3}\s*$")
#: After a relation cue, a question about the entry's own roots ends, or asks which.
ROOTS_END = re.compile(r"^\s*(\?|$|(which|what|any|other|earlier)\b)")


def _direction(find: Callable[[str], list[Mention]] | None, text: str, cue: re.Match[str],
               entry: str, iri_of: Callable[[Mention], str]) -> str | None:
    """Which way a relation cue asks: "what does X build on", "what is X based on" and
    "origins of X" ask for X's roots; "what builds on X" and "which models are based on X" for
    what builds on X; "a project based on X" or "isn't X built on estimates" for neither."""
    if find is None:
        return "roots"

    def names(part: str) -> bool:
        return _names_entry(find, part, entry, iri_of)

    before, after = text[:cue.start()], text[cue.end():]
    if cue.group(0).startswith(("origin", "roots")):  # "the roots of X", "X's origins"
        return "roots"
    if names(after) and not names(before):
        return "successors" if SUCCESSORS_LEAD.search(before) else None
    return "roots" if names(before) and ROOTS_END.match(after) else None


def _within_name(item: Mention, analysis: Analysis) -> bool:
    """Whether a concept's title is part of its entry's name ("the nine events" of "Gagné's
    Nine Events of Instruction"): naming both then names the entry."""
    entry = next((m.label for m in analysis.mentions if m.kind == "entry" and m.entry == item.entry), "")
    title = set(re.findall(r"\w+", item.label.lower())) - {"the", "a", "an"}
    return title <= set(re.findall(r"\w+", entry.lower()))


def _named_after(find: Callable[[str], list[Mention]] | None, text: str, cue: re.Match[str],
                 entry: str, iri_of: Callable[[Mention], str]) -> bool:
    """Whether the entry is named after the cue and not before it ("what replaced X", not
    "X replaced …")."""
    if find is None:
        return True
    return (_names_entry(find, text[cue.end():], entry, iri_of)
            and not _names_entry(find, text[:cue.start()], entry, iri_of))


def _names_entry(find: Callable[[str], list[Mention]], part: str, entry: str,
                 iri_of: Callable[[Mention], str]) -> bool:
    """Whether `part` of a question names the entry (IRI `entry`)."""
    return any(m.kind == "entry" and iri_of(m) == entry for m in find(part))
