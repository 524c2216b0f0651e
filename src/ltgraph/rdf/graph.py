"""The graph store: load, save, count, describe, export, and SPARQL execution.

The store is an rdflib `Graph` backed by Oxigraph (oxrdflib's `OxigraphStore`): code keeps
rdflib's API for building and reading triples, while SPARQL, parsing and serialising run in
Oxigraph. rdflib's own SPARQL engine is never used on real work — measured here it is 20-40x
slower for joins, on the corpus and on a 60k-triple graph (see `benchmarks/bench_graph.py`).

Entries become triples in `rdf/build.py`; SHACL runs in `rdf/shacl.py`.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from oxrdflib import OxigraphStore
from rdflib import Graph
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from ltgraph.errors import NotFoundError, QueryError
from ltgraph.rdf.ontology import PREFIXES
from ltgraph.rdf.syntax import explain


def new_graph(store: ox.Store | None = None) -> Graph:
    """An Oxigraph-backed rdflib graph (empty, or over `store`) with the standard prefixes bound."""
    # The default-graph identifier makes rdflib's writes land in Oxigraph's default graph, the
    # one SPARQL queries see without GRAPH clauses.
    graph = Graph(store=OxigraphStore(store=store), identifier=DATASET_DEFAULT_GRAPH_ID)
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True)
    return graph


def union_graph(store: ox.Store) -> Graph:
    """The served graph: the distinct triples of all named graphs, as the default graph."""
    graph = new_graph()
    triples = _construct(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    oxstore(graph).extend(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    return graph


def save_union(store: ox.Store, path: Path) -> int:
    """Write the distinct triples of all named graphs as N-Triples; return how many."""
    # (Oxigraph's union default graph may repeat a statement several graphs hold: at 100
    # times the corpus 255 of 1.85 M were, and the manifest counted them twice)
    triples = list(dict.fromkeys(_construct(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")))
    ox.serialize(triples, str(path), format=ox.RdfFormat.N_TRIPLES)
    return len(triples)


def _construct(store: ox.Store, query: str) -> ox.QueryTriples:
    """A CONSTRUCT over the union of the named graphs."""
    result = store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QueryTriples)
    return result


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


# --------------------------------------------------------------------------- SPARQL


def run_query(graph: Graph, query: str, bindings: dict[str, str] | None = None,
              base_iri: str | None = None, similarity: dict[str, dict[str, float]] | None = None,
              ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Execute SPARQL in Oxigraph with the standard prefixes predeclared.

    `bindings` binds variables to IRIs as terms (never as text). No guard here: it is for
    the CLI (the user's own machine) and for internal constant queries; anything a request
    can influence goes through `sparql.executor.GuardedExecutor`.
    """
    substitutions: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
        ox.Variable(k): ox.NamedNode(v) for k, v in (bindings or {}).items()}
    try:
        functions = None
        if similarity:
            from ltgraph.rdf.functions import SIMILARITY, similarity_function

            functions = {ox.NamedNode(SIMILARITY): similarity_function(similarity)}
        return oxstore(graph).query(query, prefixes=PREFIXES, substitutions=substitutions,
                                    base_iri=base_iri, custom_functions=functions)
    except SyntaxError as exc:
        raise QueryError(explain(str(exc), query, PREFIXES)) from None


#: Export formats -> (Oxigraph-backed rdflib serializer name, media type).
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "ttl": ("ox-turtle", "text/turtle"),
    "nt": ("ox-ntriples", "application/n-triples"),
    "jsonld": ("ox-json-ld", "application/ld+json"),
    "xml": ("ox-xml", "application/rdf+xml"),
}


def export(graph: Graph, fmt: str) -> bytes:
    """The whole graph serialised in one of `EXPORT_FORMATS`."""
    if fmt not in EXPORT_FORMATS:
        raise QueryError(f"unknown export format {fmt!r} (use {', '.join(EXPORT_FORMATS)})")
    data = graph.serialize(format=EXPORT_FORMATS[fmt][0], encoding="utf-8")
    return data if isinstance(data, bytes) else data.encode("utf-8")


def describe(graph: Graph, iri: str, limit: int = 10_000) -> tuple[list[ox.Triple], bool]:
    """Triples about one node: outgoing, incoming, and the labels of its neighbours.

    Pattern lookups on a term built from the IRI, no query text. Returns the triples
    (at most `limit`) and whether they were cut. Raises NotFoundError for an unknown
    node or a string that is not an IRI.
    """
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        raise NotFoundError("there is no resource at this address") from None
    store = oxstore(graph)
    label = ox.NamedNode(PREFIXES["rdfs"] + "label")
    out: list[ox.Triple] = []
    seen_labels: set[ox.NamedNode] = set()

    def add(triple: ox.Triple) -> bool:
        out.append(triple)
        return len(out) >= limit

    for quad in store.quads_for_pattern(node, None, None, None):
        if add(quad.triple):
            return out, True
    for quad in store.quads_for_pattern(None, None, node, None):
        if add(quad.triple):
            return out, True
    if not out:
        raise NotFoundError("nothing is known about this resource")
    neighbours = [t.object for t in out if isinstance(t.object, ox.NamedNode)]
    neighbours += [t.subject for t in out if isinstance(t.subject, ox.NamedNode)]
    for other in neighbours:
        if other == node or other in seen_labels:
            continue
        seen_labels.add(other)
        for quad in store.quads_for_pattern(other, label, None, None):
            if add(quad.triple):
                return out, True
    return out, False
