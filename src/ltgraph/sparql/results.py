"""SPARQL results: evaluation with limits, and the W3C result formats.

SELECT results are written by Oxigraph's own serialiser and cut at a row boundary when a row
or byte limit is hit (`cut.py`); graphs are taken triple by triple up to the row limit. Either
way `Rendered.truncated` names the limit that cut (sent as `X-Result-Truncated` and
`X-Result-Limit`). This module runs inside the sandboxed query processes and in the CLI.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ltgraph.errors import QueryError
from ltgraph.rdf.functions import SIMILARITY, similarity_function
from ltgraph.rdf.syntax import explain
from ltgraph.sparql.cut import serialize_select

if TYPE_CHECKING:
    from ltgraph.sparql.pool import Job

SELECT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_TYPES = {
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}
#: Aliases accepted in `format=` (browsers) and by the CLI.
FORMAT_ALIASES = {"ttl": "turtle", "n-triples": "nt", "ntriples": "nt", "json-ld": "jsonld",
                  "rdf": "rdfxml", "srj": "json", "srx": "xml", "text": "tsv"}


@dataclass
class Rendered:
    """A serialised result, ready to send."""

    body: bytes
    media_type: str
    form: str  # "select", "ask" or "graph"
    rows: int
    #: None, or the limit that cut the result short: "rows" or "bytes".
    truncated: str | None


def evaluate(store: ox.Store, query: str, prefixes: dict[str, str], base_iri: str,
             similarity: dict[str, dict[str, float]] | None = None) -> Any:
    """Run a query in Oxigraph; engine errors become `QueryError` with the engine's words.

    `similarity`: the tables behind `ltgs:similarity` (text -> {passage IRI: cosine}); the
    function is known only when the query uses it.
    """
    functions = {ox.NamedNode(SIMILARITY): similarity_function(similarity)} if similarity else None
    try:
        return store.query(query, prefixes=prefixes, base_iri=base_iri, custom_functions=functions)
    except SyntaxError as exc:
        raise QueryError(explain(str(exc), query, prefixes)) from None
    except (RuntimeError, ValueError, TypeError, OSError) as exc:
        # Unknown functions, unsupported features, and SERVICE refused by the sandbox.
        raise QueryError(f"the query cannot be evaluated: {exc}") from None


def execute(store: ox.Store, job: Job) -> Rendered:
    """Run a checked query; serialise at most `job.max_rows` rows and `job.max_bytes` bytes."""
    result = evaluate(store, job.query, job.prefixes, job.base_iri, job.similarity)
    try:
        return _render(result, job)
    except (RuntimeError, OSError) as exc:  # raised while iterating lazily evaluated results
        raise QueryError(f"the query cannot be evaluated: {exc}") from None


def _render(result: Any, job: Job) -> Rendered:
    if isinstance(result, ox.QueryBoolean):
        return Rendered(render_ask(bool(result), job.select_fmt), SELECT_TYPES[job.select_fmt],
                        "ask", 1, None)
    if isinstance(result, ox.QueryTriples):
        triples, cut = _take(result, job.max_rows)
        body, kept, cut = _fit_graph(triples, job, cut)
        return Rendered(body, GRAPH_TYPES[job.graph_fmt], "graph", kept, cut)
    body, kept, cut = serialize_select(result, job.select_fmt, job.max_rows, job.max_bytes)
    return Rendered(body, SELECT_TYPES[job.select_fmt], "select", kept, cut)


def render_answer(body: bytes, media_type: str, job: Job) -> Rendered:
    """A SPARQL server's answer (results JSON, or N-Triples for a graph) rendered as `job`
    asks, with the same row and byte limits as a local query."""
    try:
        if media_type == "application/n-triples":
            triples, cut = _take(ox.parse(body, format=ox.RdfFormat.N_TRIPLES), job.max_rows)
            graph, kept, cut = _fit_graph(triples, job, cut)
            return Rendered(graph, GRAPH_TYPES[job.graph_fmt], "graph", kept, cut)
        return _render(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON), job)
    except (SyntaxError, ValueError, OSError) as exc:
        raise QueryError(f"the graph server's answer could not be read: {exc}") from None


def _take(items: Iterable[Any], limit: int) -> tuple[list[Any], str | None]:
    out: list[Any] = []
    for item in items:
        if len(out) == limit:
            return out, "rows"
        out.append(item)
    return out, None


def _fit_graph(triples: list[Any], job: Job, cut: str | None) -> tuple[bytes, int, str | None]:
    """The serialised triples, or the most leading triples whose document fits `max_bytes`."""
    fmt = GRAPH_FORMATS[job.graph_fmt]

    def render(count: int) -> bytes:
        return ox.serialize(triples[:count], format=fmt, prefixes=job.prefixes) or b""

    body = render(len(triples))
    if len(body) <= job.max_bytes:
        return body, len(triples), cut
    low, high = 0, len(triples) - 1  # binary search: the largest count that fits
    while low < high:
        middle = (low + high + 1) // 2
        if len(render(middle)) <= job.max_bytes:
            low = middle
        else:
            high = middle - 1
    return render(low), low, "bytes"


def warm_up(store: ox.Store) -> None:
    """Use every code path of `execute` once, so that nothing is imported after sealing."""
    from ltgraph.sparql.pool import Job

    queries = ["SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 3", "ASK { ?s ?p ?o }",
               "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3",
               'SELECT (STRLANG("x", "en") AS ?l) (1 AS ?n) (BNODE() AS ?b) WHERE {}']
    for query in queries:
        for select_fmt, graph_fmt in zip(SELECT_TYPES, GRAPH_TYPES, strict=True):
            execute(store, Job(query, {"ex": "http://example.org/"}, "http://example.org/",
                               select_fmt, graph_fmt, 2, 200))
    for bad in ("SELECT", "SELECT * WHERE { FILTER(<http://example.org/f>(1)) }"):
        try:
            execute(store, Job(bad, {}, "http://example.org/", "json", "turtle", 1, 100))
        except QueryError:
            pass


def render_ask(value: bool, fmt: str) -> bytes:
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    if fmt in ("csv", "tsv"):
        return b"true\n" if value else b"false\n"
    return json.dumps({"head": {}, "boolean": value}).encode()


def render_select(names: list[str], table: list[list[Any]], fmt: str) -> bytes:
    """W3C SPARQL 1.1 results in JSON, XML, CSV or TSV."""
    if fmt == "json":
        bindings = [{n: _json_term(t) for n, t in zip(names, row, strict=True) if t is not None} for row in table]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
               "<head>", *[f"<variable name={quoteattr(n)}/>" for n in names], "</head><results>"]
        for row in table:
            out.append("<result>")
            out += [f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>"
                    for n, t in zip(names, row, strict=True) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "\n".join(out).encode("utf-8")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        writer.writerows([[_plain(t) for t in row] for row in table])
        return buffer.getvalue().encode("utf-8")
    lines = ["\t".join("?" + n for n in names)]
    lines += ["\t".join("" if t is None else str(t) for t in row) for row in table]
    return ("\n".join(lines) + "\n").encode("utf-8")


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _json_term(term: Any) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}  # RDF-star triple terms, rare here


def _xml_term(term: Any) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _plain(term: Any) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(getattr(term, "value", term))


def format_result(result: Any, fmt: str, prefixes: dict[str, str] | None = None) -> str:
    """CLI output of an in-process result: W3C formats or a table for SELECT and ASK, RDF
    formats for CONSTRUCT and DESCRIBE (Turtle by default, with `prefixes`). A format that
    does not fit the result is a `QueryError`, never a silent switch."""
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if isinstance(result, ox.QueryTriples):
        if fmt in ("json", "csv", "tsv"):
            raise QueryError(f"CONSTRUCT and DESCRIBE return a graph, which has no {fmt} form: "
                             "use --format turtle, nt, jsonld or xml")
        graph_fmt = "rdfxml" if fmt == "xml" else fmt if fmt in GRAPH_FORMATS else "turtle"
        data = ox.serialize(result, format=GRAPH_FORMATS[graph_fmt],
                            prefixes=prefixes if graph_fmt == "turtle" else None) or b""
        return _ended(data.decode("utf-8"))
    if fmt in GRAPH_FORMATS:
        raise QueryError(f"SELECT and ASK return a table, which has no {fmt} form: use --format "
                         "table, json, csv, tsv or xml")
    if isinstance(result, ox.QueryBoolean):
        value = bool(result)
        return _ended(render_ask(value, fmt).decode()) if fmt in SELECT_TYPES \
            else ("true\n" if value else "false\n")
    names = [v.value for v in result.variables]
    table = [[solution[name] for name in names] for solution in result]
    if fmt in SELECT_TYPES:
        return _ended(render_select(names, table, fmt).decode("utf-8"))
    return _table(names, table)


def _ended(text: str) -> str:
    """Text ending with a newline, as shell tools expect."""
    return text if text.endswith("\n") or not text else text + "\n"


def _table(names: list[str], table: list[list[Any]]) -> str:
    rows = [[_plain(t) for t in row] for row in table]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
