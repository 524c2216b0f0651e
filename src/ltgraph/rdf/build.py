"""Entry records -> RDF triples, each entry in a named graph of its own.

Each entry's statements are kept in a named graph of its own (`graph.nq` in a generation), so
that an entry can be replaced or removed exactly; the served graph (`graph.nt`) is the union
of those graphs as one default graph, which is what SPARQL users see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SDO, SKOS, XSD

from ltgraph.corpus import EVIDENCE_ITEM, SYMMETRIC_RELATIONS, Entry, Person, passages, slugify
from ltgraph.corpus.people import Registry
from ltgraph.rdf.graph import union_graph
from ltgraph.rdf.iris import Iris
from ltgraph.rdf.ontology import (
    ENTRY_CLASSES,
    EVIDENCE_GRADES,
    KIND_TERMS,
    LTG,
    ROLE_PROPERTIES,
    load_ontology,
)

Triple = tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]



def _label(node: URIRef, text: str) -> Iterator[Triple]:
    yield node, RDFS.label, Literal(text)
    yield node, SKOS.prefLabel, Literal(text, lang="en")



def entry_triples(entry: Entry, iris: Iris) -> Iterator[Triple]:
    """Every triple of one entry, its items, researchers (as links), works, tools, passages.

    Researcher nodes' own labels are added once per person by `person_triples`; symmetric
    relations' reverse direction is added by `build_graph`, which sees all entries.
    """
    e = iris.entry(entry.slug)
    yield e, RDF.type, ENTRY_CLASSES[entry.type]
    yield from _label(e, entry.name)
    yield e, DCTERMS.identifier, Literal(entry.slug)
    yield e, DCTERMS.description, Literal("\n\n".join(entry.overview))
    yield e, LTG.yearProposed, Literal(f"{entry.year:04d}", datatype=XSD.gYear)
    for alias in entry.aliases:
        yield e, SKOS.altLabel, Literal(alias, lang="en")
    for source in entry.sources:
        yield e, DCTERMS.source, Literal(source)
    for person in entry.researchers:
        yield e, LTG.hasResearcher, iris.person(person.slug)
        for prop in ROLE_PROPERTIES[person.role]:
            yield e, prop, iris.person(person.slug)
    for work in entry.works:
        w = iris.work(work.slug)
        yield e, LTG.seminalWork, w
        yield w, RDF.type, LTG.Publication
        yield w, RDFS.label, Literal(work.title)
        yield w, DCTERMS.title, Literal(work.title)
        yield w, DCTERMS.issued, Literal(f"{work.year:04d}", datatype=XSD.gYear)
        yield w, DCTERMS.bibliographicCitation, Literal(work.citation)
        yield w, SDO.isPartOf, Literal(work.venue)
        for author in work.authors:
            yield w, DCTERMS.creator, iris.person(slugify(author))
    for rel in entry.related:
        yield e, LTG[rel.relation], iris.entry(rel.target)
    for item in entry.items:
        if item.kind == "researcher":
            continue
        cls, prop = KIND_TERMS[item.kind]
        node = iris.item(entry.slug, item.kind, item.slug)
        yield e, prop, node
        yield node, RDF.type, cls
        yield node, LTG.itemOf, e
        yield from _label(node, item.title)
        yield node, DCTERMS.description, Literal(item.text)
        for key in item.sources:
            yield node, DCTERMS.source, Literal(entry.cite(key))
        for tool in item.tools:
            t = iris.tool(slugify(tool))
            yield node, LTG.recommendsTool, t
            yield t, RDF.type, LTG.Tool
            yield from _label(t, tool)
        if item.resource_type == "person":
            yield node, RDF.type, FOAF.Person
            yield node, FOAF.name, Literal(item.title)
        elif item.resource_type == "organisation":
            yield node, RDF.type, SDO.Organization
    yield from _evidence_and_revisions(entry, iris)
    for passage in passages(entry):
        p = iris.passage(passage)
        yield p, RDF.type, LTG.Passage
        yield p, LTG.text, Literal(passage.text)
        yield p, LTG.kind, Literal(passage.kind)
        yield p, LTG.about, iris.passage_about(passage)
        yield p, LTG.inEntry, e
        yield p, RDFS.label, Literal(f"{entry.name}: {passage.label}" if passage.item else entry.name)



def _evidence_and_revisions(entry: Entry, iris: Iris) -> Iterator[Triple]:
    e = iris.entry(entry.slug)
    if entry.evidence is not None:
        node = iris.item(entry.slug, "evidence", EVIDENCE_ITEM)
        yield e, LTG.hasEvidence, node
        yield node, RDF.type, LTG.EvidenceAssessment
        yield node, LTG.itemOf, e
        yield from _label(node, f"Evidence: {entry.evidence.grade}")
        yield node, LTG.evidenceGrade, EVIDENCE_GRADES[entry.evidence.grade]
        yield node, DCTERMS.description, Literal(entry.evidence.summary)
        for key in entry.evidence.sources:
            yield node, DCTERMS.source, Literal(entry.cite(key))
    for n, revision in enumerate(entry.revisions, 1):
        node = iris.item(entry.slug, "revision", f"{revision.year}-{n}")
        yield e, LTG.hasRevision, node
        yield node, RDF.type, LTG.Revision
        yield node, LTG.itemOf, e
        yield from _label(node, f"{revision.year}: {revision.change}")
        yield node, DCTERMS.date, Literal(f"{revision.year:04d}", datatype=XSD.gYear)
        yield node, DCTERMS.description, Literal(revision.change)
        if revision.source:
            yield node, DCTERMS.source, Literal(entry.cite(revision.source))



def person_triples(people: Iterable[Person], authors: Iterable[str], iris: Iris) -> Iterator[Triple]:
    """Person nodes: researchers (`ltg:Researcher`), and authors of seminal works who are not."""
    researchers = set()
    for person in people:
        researchers.add(person.slug)
        node = iris.person(person.slug)
        yield node, RDF.type, LTG.Researcher
        yield node, RDF.type, FOAF.Person
        yield from _label(node, person.name)
        yield node, FOAF.name, Literal(person.name)
    for name in authors:
        slug = slugify(name)
        if slug not in researchers:
            node = iris.person(slug)
            yield node, RDF.type, FOAF.Person
            yield from _label(node, name)
            yield node, FOAF.name, Literal(name)



def corpus_people(entries: Iterable[Entry], registry: Registry | None = None) -> dict[str, Person]:
    """Researchers by slug, labelled by the one rule of `corpus.people` (the registered name,
    else the spelling every entry shares; `person_problems` refuses anything else)."""
    registry = registry or Registry()
    people: dict[str, Person] = {}
    for entry in entries:
        for person in entry.researchers:
            if person.slug not in people:
                people[person.slug] = Person(registry.label(person.slug, person.name), person.slug)
    return people



def entry_graph_triples(entry: Entry, iris: Iris, people: dict[str, Person]) -> list[Triple]:
    """Everything one entry states: its triples, the reverse of its symmetric relations, and
    the descriptions of the people it names (`people`: canonical spelling per person slug).

    Each entry's statements live in its own named graph, so removing or replacing an entry
    drops exactly what it stated; a person, tool or work described by two entries survives
    the removal of one of them.
    """
    triples = list(entry_triples(entry, iris))
    for rel in entry.related:
        if rel.relation in SYMMETRIC_RELATIONS:
            triples.append((iris.entry(rel.target), LTG[rel.relation], iris.entry(entry.slug)))
    named = [people.get(p.slug, p) for p in entry.researchers]
    authors = [a for w in entry.works for a in w.authors]
    researcher_slugs = {p.slug for p in people.values()}
    triples.extend(person_triples(named, [a for a in authors if slugify(a) not in researcher_slugs],
                                  iris))
    return triples



def _ox(term: URIRef | BNode | Literal) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))



def _quads(triples: Iterable[Triple], graph_iri: str) -> list[ox.Quad]:
    name = ox.NamedNode(graph_iri)
    return [ox.Quad(_ox(s), _ox(p), _ox(o), name) for s, p, o in triples]  # type: ignore[arg-type]



def build_dataset(entries: list[Entry], iris: Iris, *, with_ontology: bool = True,
                  registry: Registry | None = None) -> ox.Store:
    """The ontology and every entry, each in its own named graph."""
    store = ox.Store()
    if with_ontology:
        store.extend(_quads(load_ontology(), iris.ontology_graph))  # type: ignore[arg-type]
    people = corpus_people(entries, registry)
    for entry in entries:
        store.extend(_quads(entry_graph_triples(entry, iris, people), iris.entry_graph(entry.slug)))
    return store



def entry_quads(entry: Entry, iris: Iris, people: dict[str, Person]) -> list[ox.Quad]:
    """The named graph of one entry, as quads (see `entry_graph_triples`)."""
    return _quads(entry_graph_triples(entry, iris, people), iris.entry_graph(entry.slug))



def build_graph(entries: list[Entry], iris: Iris, *, with_ontology: bool = True,
                registry: Registry | None = None) -> Graph:
    """The whole graph (ontology and entries) as one rdflib graph."""
    return union_graph(build_dataset(entries, iris, with_ontology=with_ontology, registry=registry))
