"""Entry records -> RDF triples; the graph store; SHACL validation; SPARQL execution.

The store is an rdflib `Graph` backed by Oxigraph (oxrdflib's `OxigraphStore`): code keeps
rdflib's API for building and reading triples, while SPARQL, parsing and serialising run in
Oxigraph. rdflib's own SPARQL engine is never used on real work — measured here it is 20-40x
slower for joins, on the corpus and on a 60k-triple graph (see `benchmarks/bench_graph.py`).

Each entry's statements are kept in a named graph of its own (`graph.nq` in a generation), so
that an entry can be replaced or removed exactly; the served graph (`graph.nt`) is the union
of those graphs as one default graph, which is what SPARQL users see.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SDO, SKOS, XSD

from ltgraph.corpus import SYMMETRIC_RELATIONS, Entry, Passage, Person, passages, slugify
from ltgraph.corpus.people import Registry
from ltgraph.errors import QueryError
from ltgraph.rdf.ontology import ENTRY_CLASSES, KIND_TERMS, LTG, PREFIXES, load_ontology, load_shapes

Triple = tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]


@dataclass(frozen=True)
class Iris:
    """Mints the contract IRIs under a configurable base (default `https://w3id.org/ltgraph/`)."""

    base: str = "https://w3id.org/ltgraph/"

    def entry(self, slug: str) -> URIRef:
        return URIRef(f"{self.base}id/theory/{slug}")

    def person(self, slug: str) -> URIRef:
        return URIRef(f"{self.base}id/person/{slug}")

    def item(self, entry: str, kind: str, item: str) -> URIRef:
        return URIRef(f"{self.base}id/theory/{entry}/{kind}/{item}")

    def tool(self, slug: str) -> URIRef:
        return URIRef(f"{self.base}id/tool/{slug}")

    def work(self, slug: str) -> URIRef:
        return URIRef(f"{self.base}id/work/{slug}")

    def passage(self, passage: Passage) -> URIRef:
        return URIRef(f"{self.base}id/theory/{passage.key}")

    def passage_about(self, passage: Passage) -> URIRef:
        """The node a passage is about: the entry, the researcher, or the item."""
        if passage.item is None:
            return self.entry(passage.entry)
        if passage.kind == "researcher":
            return self.person(passage.item)
        return self.item(passage.entry, passage.kind, passage.item)

    def entry_graph(self, slug: str) -> str:
        """The named graph holding everything one entry states (for exact removal)."""
        return f"{self.base}graph/{slug}"

    @property
    def ontology_graph(self) -> str:
        return f"{self.base}graph/ontology"

    def slug_of(self, iri: str) -> str | None:
        """The entry slug of an entry or item IRI, else None."""
        prefix = f"{self.base}id/theory/"
        return iri[len(prefix):].split("/")[0] if iri.startswith(prefix) else None


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
        yield e, LTG.developedBy, iris.person(person.slug)
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
    for passage in passages(entry):
        p = iris.passage(passage)
        yield p, RDF.type, LTG.Passage
        yield p, LTG.text, Literal(passage.text)
        yield p, LTG.kind, Literal(passage.kind)
        yield p, LTG.about, iris.passage_about(passage)
        yield p, LTG.inEntry, e
        yield p, RDFS.label, Literal(f"{entry.name}: {passage.label}" if passage.item else entry.name)


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


def new_graph(store: ox.Store | None = None) -> Graph:
    """An Oxigraph-backed rdflib graph (empty, or over `store`) with the standard prefixes bound."""
    # The default-graph identifier makes rdflib's writes land in Oxigraph's default graph, the
    # one SPARQL queries see without GRAPH clauses.
    graph = Graph(store=OxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    return graph


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


def union_graph(store: ox.Store) -> Graph:
    """The served graph: the distinct triples of all named graphs, as the default graph."""
    graph = new_graph()
    triples = _construct(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    oxstore(graph).extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return graph


def save_union(store: ox.Store, path: Path) -> int:
    """Write the distinct triples of all named graphs as N-Triples; return how many."""
    triples = list(_construct(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
    ox.serialize(triples, str(path), format=ox.RdfFormat.N_TRIPLES)
    return len(triples)


def _construct(store: ox.Store, query: str) -> ox.QueryTriples:
    """A CONSTRUCT over the union of the named graphs."""
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QueryTriples)
    return result


def build_graph(entries: list[Entry], iris: Iris, *, with_ontology: bool = True,
                registry: Registry | None = None) -> Graph:
    """The whole graph (ontology and entries) as one rdflib graph."""
    return union_graph(build_dataset(entries, iris, with_ontology=with_ontology, registry=registry))


def oxstore(graph: Graph) -> ox.Store:
    """The pyoxigraph store under an Oxigraph-backed rdflib graph."""
    store = graph.store
    if not isinstance(store, OxigraphStore):
        raise TypeError("graph is not backed by Oxigraph")
    return store._inner


def save_graph(graph: Graph, path: Path) -> None:
    """Write the default graph as N-Triples (the format Oxigraph loads fastest)."""
    oxstore(graph).dump(str(path), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())


def load_graph(path: Path) -> Graph:
    """Load an N-Triples dump into a fresh in-memory Oxigraph-backed graph."""
    graph = new_graph()
    oxstore(graph).bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES)
    return graph


def save_dataset(store: ox.Store, path: Path) -> None:
    store.dump(str(path), format=ox.RdfFormat.N_QUADS)


def count_triples(graph: Graph) -> int:
    return len(oxstore(graph))


# --------------------------------------------------------------------------- SHACL


def validate_graph(graph: Graph, iris: Iris) -> list[str]:
    """Run the SHACL shapes; return violations in plain words, each prefixed by its entry."""
    from pyshacl import validate  # heavy import, only when validating

    # pyshacl runs rdflib's own machinery over the data graph: give it rdflib's memory store.
    data = Graph()
    data += graph
    conforms, report, _ = validate(data, shacl_graph=load_shapes(), inference="none",
                                   abort_on_first=False, allow_warnings=True)
    if conforms:
        return []
    sh = "http://www.w3.org/ns/shacl#"
    problems = []
    for result in report.subjects(RDF.type, URIRef(sh + "ValidationResult")):
        focus = report.value(result, URIRef(sh + "focusNode"))
        message = report.value(result, URIRef(sh + "resultMessage"))
        path = report.value(result, URIRef(sh + "resultPath"))
        value = report.value(result, URIRef(sh + "value"))
        who = iris.slug_of(str(focus)) or _short(str(focus), iris)
        detail = f" ({_short(str(value), iris)})" if value is not None else ""
        problems.append(f"{who}: {message or 'violates ' + _short(str(path), iris)}{detail}")
    return sorted(set(problems))


def _short(iri: str, iris: Iris) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri.replace(iris.base, "") if iri.startswith(iris.base) else iri


# --------------------------------------------------------------------------- SPARQL


def run_query(graph: Graph, query: str, bindings: dict[str, str] | None = None,
              base_iri: str | None = None) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Execute SPARQL in Oxigraph with the standard prefixes predeclared.

    `bindings` binds variables to IRIs as terms (never as text). No guard here: it is for
    the CLI (the user's own machine) and for internal constant queries; anything a request
    can influence goes through `sparql.executor.GuardedExecutor`.
    """
    substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable(k): ox.NamedNode(v) for k, v in (bindings or {}).items()}
    try:
        return oxstore(graph).query(query, prefixes=PREFIXES, substitutions=substitutions,
                                    base_iri=base_iri)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
