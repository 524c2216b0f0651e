"""Namespaces of the ltgraph ontology and loaders for the ontology and its SHACL shapes."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD, DefinedNamespace, Namespace

from ltgraph.config import ontology_dir

ONTOLOGY_IRI = "https://w3id.org/ltgraph/ontology"


class LTG(DefinedNamespace):
    """`ltg:` terms; closed, so a typo such as `LTG.hasConcpet` raises at once."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    Entry: URIRef
    LearningTheory: URIRef
    InstructionalDesignModel: URIRef
    Researcher: URIRef
    Item: URIRef
    Concept: URIRef
    Implication: URIRef
    Strength: URIRef
    Limitation: URIRef
    NetworkResource: URIRef
    Misconception: URIRef
    EvidenceAssessment: URIRef
    EvidenceGrade: URIRef
    EvidenceGrades: URIRef
    WellSupported: URIRef
    Mixed: URIRef
    Contested: URIRef
    Weak: URIRef
    Revision: URIRef
    Publication: URIRef
    Tool: URIRef
    Passage: URIRef

    developedBy: URIRef
    hasResearcher: URIRef
    originatedBy: URIRef
    hasForerunner: URIRef
    criticisedBy: URIRef
    hasMisconception: URIRef
    hasEvidence: URIRef
    evidenceGrade: URIRef
    hasRevision: URIRef
    hasItem: URIRef
    itemOf: URIRef
    hasConcept: URIRef
    hasImplication: URIRef
    hasStrength: URIRef
    hasLimitation: URIRef
    hasNetworkResource: URIRef
    relatedTo: URIRef
    buildsOn: URIRef
    contrastsWith: URIRef
    influencedBy: URIRef
    yearProposed: URIRef
    seminalWork: URIRef
    recommendsTool: URIRef
    about: URIRef
    text: URIRef
    kind: URIRef
    inEntry: URIRef


#: Prefixes bound in every graph and predeclared for SPARQL queries.
PREFIXES: dict[str, str] = {
    "ltg": str(LTG._NS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "foaf": str(FOAF),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "schema": str(SDO),
    "ltgs": "https://w3id.org/ltgraph/search#",
}

#: Item kind -> (class, property linking the entry to the item).
KIND_TERMS: dict[str, tuple[URIRef, URIRef]] = {
    "concept": (LTG.Concept, LTG.hasConcept),
    "implication": (LTG.Implication, LTG.hasImplication),
    "strength": (LTG.Strength, LTG.hasStrength),
    "limitation": (LTG.Limitation, LTG.hasLimitation),
    "misconception": (LTG.Misconception, LTG.hasMisconception),
    "network": (LTG.NetworkResource, LTG.hasNetworkResource),
}
#: Evidence grade (corpus spelling) -> concept of `ltg:EvidenceGrades`.
EVIDENCE_GRADES: dict[str, URIRef] = {"well-supported": LTG.WellSupported, "mixed": LTG.Mixed,
                                      "contested": LTG.Contested, "weak": LTG.Weak}
#: Researcher role -> the properties linking the entry to the person (besides hasResearcher).
ROLE_PROPERTIES: dict[str | None, tuple[URIRef, ...]] = {
    None: (LTG.developedBy,), "contributor": (LTG.developedBy,),
    "originator": (LTG.developedBy, LTG.originatedBy),
    "forerunner": (LTG.hasForerunner,), "critic": (LTG.criticisedBy,)}
ENTRY_CLASSES: dict[str, URIRef] = {"theory": LTG.LearningTheory, "model": LTG.InstructionalDesignModel}


def ontology_path() -> Path:
    return ontology_dir() / "ltgraph.ttl"


def shapes_path() -> Path:
    return ontology_dir() / "shapes.ttl"


def load_ontology() -> Graph:
    """The ontology as an rdflib graph (small: parsed with rdflib's own Turtle parser)."""
    return Graph().parse(ontology_path(), format="turtle")


def load_shapes() -> Graph:
    return Graph().parse(shapes_path(), format="turtle")
