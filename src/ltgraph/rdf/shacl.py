"""SHACL validation of a graph against `ontology/shapes.ttl`, in plain words."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ltgraph.rdf.iris import Iris
from ltgraph.rdf.ontology import PREFIXES, load_shapes


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
