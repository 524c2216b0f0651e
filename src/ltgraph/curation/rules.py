"""The checks a change must pass before anything is written: files, references, SHACL,
one spelling per person, no `buildsOn` cycle, and near-duplicate names (warnings).

Each raises `ValidationError` with every problem found (or returns them), naming the file
and line where it can.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import RDF

from ltgraph.corpus import Entry, names_a_situation, read_bytes, read_entry
from ltgraph.corpus import check_references as corpus_check_references
from ltgraph.corpus.parse import problems_of
from ltgraph.corpus.people import Registry, builds_on_cycle, near_duplicates, person_problems
from ltgraph.errors import CorpusError, ValidationError
from ltgraph.rdf.build import build_dataset
from ltgraph.rdf.graph import union_graph
from ltgraph.rdf.iris import Iris
from ltgraph.rdf.ontology import LTG
from ltgraph.rdf.shacl import validate_graph
from ltgraph.store.catalog import Catalog, CatalogEntry
from ltgraph.words import counted


def read_new(paths: list[Path], max_bytes: int) -> tuple[list[Entry], dict[str, bytes]]:
    """Parse every file (all problems reported at once); no two files with one id."""
    problems, entries, sources = [], [], {}
    for path in paths:
        try:
            data = read_bytes(path, max_bytes)
            entry = read_entry(path, max_bytes, data=data)
        except CorpusError as exc:
            problems.extend(problems_of(exc))
            continue
        if entry.slug in sources:
            problems.append(f"{path}:2: id {entry.slug!r} is also used by another file of "
                            "this change")
            continue
        entries.append(entry)
        sources[entry.slug] = data
    if problems:
        raise ValidationError(f"{counted(len(problems), 'problem')}; nothing was changed", problems)
    return entries, sources

def rule_problems(entries: list[Entry], known_people: dict[str, str],
                  builds_on: dict[str, list[str]], registry: Registry) -> list[str]:
    """The cross-entry rules a build and a change share: one spelling per person, and no
    cycle of `buildsOn` (`known_people`, `builds_on`: what the entries outside
    `entries` say; empty for a build)."""
    problems = person_problems(entries, known_people, registry)
    edges = dict(builds_on)
    for entry in entries:
        edges[entry.slug] = [r.target for r in entry.related if r.relation == "buildsOn"]
    cycle = builds_on_cycle(edges)
    if cycle:
        where = next((e.path for e in entries if e.slug in cycle and e.path), cycle[0])
        problems.append(f"{where}: buildsOn links go round in a circle: "
                        f"{' -> '.join(cycle)}; an idea cannot build on itself, so make one of "
                        "these links relatedTo or influencedBy")
    return problems

def check_references(new: list[Entry], after: set[str]) -> None:
    """Every entry the new ones link to exists once the change is made (`after`)."""
    problems = corpus_check_references(new, after)
    if problems:
        raise ValidationError(f"{counted(len(problems), 'problem')}; nothing was changed", problems)

def check_shapes(new: list[Entry], after: set[str], iris: Iris) -> None:
    """SHACL on the new entries' own statements, plus the bare existence (typed
    `ltg:Entry`, which no shape targets) of the entries they link to, so that the links
    resolve; `check_references` has checked those exist (`after`)."""
    graph = union_graph(build_dataset(new, iris))
    targets = {r.target for e in new for r in e.related} & after
    for slug in targets - {e.slug for e in new}:
        graph.add((iris.entry(slug), RDF.type, LTG.Entry))
    problems = validate_graph(graph, iris)
    if problems:
        raise ValidationError(f"{counted(len(problems), 'SHACL violation')}; nothing was changed", problems)


def near_duplicate_warnings(new: list[Entry], catalog: Catalog,
                            others: dict[str, CatalogEntry]) -> list[str]:
    """Entries and people of a change whose names are close to existing ones."""
    named = {p for e in others.values() for p in e.people}
    people = {p: catalog.people[p] for p in named if p in catalog.people}
    entries = {s: e.name for s, e in others.items()}
    found = near_duplicates([(e.slug, name) for e in new for name in (e.name, *e.aliases)],
                            entries, "entry")
    found += near_duplicates(sorted({(p.slug, p.name) for e in new for p in e.researchers}),
                             people, "person")
    return found



#: The template's guidance that is a rule of the bundled corpus (its tests hold every bundled
#: entry to it): kind -> fewest items, and the shortest overview in words.
MINIMUM_ITEMS = {"concept": 2, "implication": 3, "strength": 2, "limitation": 2}
MINIMUM_OVERVIEW_WORDS = 150
MINIMUM_RELATED = 2
#: "When …" implications: the teaching situations an entry fits (docs/corpus-format.md).
MINIMUM_SITUATIONS = 2


def minimum_warnings(new: list[Entry]) -> list[str]:
    """Where new entries fall short of the bundled corpus's minimums (warnings; errors with
    `--strict`), each `file:line: what — how to fix`."""
    found = []
    for entry in new:
        where = entry.path or entry.slug
        words = sum(len(p.split()) for p in entry.overview)
        if words < MINIMUM_OVERVIEW_WORDS:
            found.append(f"{where}: the overview has {words} words; entries of the corpus have at "
                         f"least {MINIMUM_OVERVIEW_WORDS} — say more about the core claim and context")
        for kind, fewest in MINIMUM_ITEMS.items():
            count = len(entry.items_of(kind))
            if count < fewest:
                found.append(f"{where}: {count} {kind} item(s); entries of the corpus have at least "
                             f"{fewest} — add more under their section")
        situations = sum(names_a_situation(i.title) for i in entry.items_of("implication"))
        if situations < MINIMUM_SITUATIONS:
            found.append(f"{where}: {situations} \"When …\" implication(s); entries of the corpus have "
                         f"{MINIMUM_SITUATIONS} — add implications titled \"When <a teaching situation>\": "
                         "a paragraph on the situation, then one on what to do (questions that "
                         "describe a situation find the entry through them)")
        if len(entry.related) < MINIMUM_RELATED:
            found.append(f"{where}: {len(entry.related)} related entr{'y' if len(entry.related) == 1 else 'ies'}; "
                         f"entries of the corpus link at least {MINIMUM_RELATED} — add to `related`")
    return found
