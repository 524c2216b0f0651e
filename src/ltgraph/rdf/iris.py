"""The contract IRIs (DESIGN.md "Contracts"), minted under a configurable base."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef

from ltgraph.corpus import Passage


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

    @property
    def shared_graph(self) -> str:
        """On a graph server: the statements several entries make (a person, a tool, a link)."""
        return f"{self.base}graph/shared"

    def slug_of(self, iri: str) -> str | None:
        """The entry slug of an entry or item IRI, else None."""
        prefix = f"{self.base}id/theory/"
        return iri[len(prefix):].split("/")[0] if iri.startswith(prefix) else None
