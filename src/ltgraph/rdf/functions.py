"""SPARQL functions of the `ltgs:` vocabulary that Oxigraph calls while it evaluates a query.

Light (pyoxigraph only): the sealed query processes import it.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

SIMILARITY = "https://w3id.org/ltgraph/search#similarity"
_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")


def similarity_function(tables: dict[str, dict[str, float]]) -> Any:
    """`ltgs:similarity(?passage, "text")`: the cosine from the precomputed table, or unbound
    (None) for a node that is no passage."""

    def similarity(node: Any, text: Any) -> ox.Literal | None:
        score = tables.get(getattr(text, "value", ""), {}).get(getattr(node, "value", ""))
        return None if score is None else ox.Literal(repr(score), datatype=_DOUBLE)

    return similarity
