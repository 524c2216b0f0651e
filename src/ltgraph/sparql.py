"""SPARQL result serialisation shared by the CLI and the API.

Results come from Oxigraph (`pyoxigraph`); its own serialisers write the W3C formats (JSON,
XML, CSV, TSV results; Turtle, N-Triples, JSON-LD, RDF/XML graphs). `table` is for humans.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "xml": ox.RdfFormat.RDF_XML,
}


def format_result(result: Any, fmt: str) -> str:
    """Serialise a SELECT/ASK/CONSTRUCT result; graph formats fall back sensibly.

    `table` prints aligned columns for SELECT, `true`/`false` for ASK and Turtle for graphs.
    """
    if isinstance(result, ox.QueryTriples):
        graph_fmt = GRAPH_FORMATS.get(fmt, ox.RdfFormat.TURTLE)
        return ox.serialize(result, format=graph_fmt).decode("utf-8")
    if isinstance(result, ox.QueryBoolean) and fmt == "table":
        return ("true" if bool(result) else "false") + "\n"
    if fmt == "table" or fmt in GRAPH_FORMATS and fmt not in RESULT_FORMATS:
        if isinstance(result, ox.QueryBoolean):
            return ("true" if bool(result) else "false") + "\n"
        return _table(result)
    return result.serialize(format=RESULT_FORMATS[fmt]).decode("utf-8")


def term_text(term: Any) -> str:
    """A readable form of an RDF term: IRIs bare, literals as their lexical value."""
    if term is None:
        return ""
    return str(term.value)


def _table(result: ox.QuerySolutions) -> str:
    names = [v.value for v in result.variables]
    rows = [[term_text(solution[name]) for name in names] for solution in result]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
