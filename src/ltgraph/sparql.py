"""SPARQL for the public: the read-only guard, result limits and W3C result serialisation.

The guard works on the query text before any engine sees it: SPARQL Update, SERVICE (which
both rdflib and Oxigraph would execute as an outbound HTTP request), FROM / FROM NAMED and
LOAD (which rdflib resolves against the file system and the network) are refused. It scans
tokens outside comments, strings and IRIs, after decoding `\\uXXXX` escapes (SPARQL applies
them before parsing), so spelling tricks do not get through. Results are serialised here
rather than by Oxigraph so that a row limit can cut them short and say so.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from typing import Any, Iterable
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .errors import QueryError

#: Keywords that make a request something other than a read-only query of this store.
FORBIDDEN = {
    "SERVICE": "SERVICE (federated queries to other endpoints) is not allowed on this endpoint",
    "FROM": "FROM / FROM NAMED (loading other graphs) is not allowed; the dataset is fixed",
    "LOAD": "SPARQL Update (LOAD) is not allowed: this endpoint is read-only",
    "INSERT": "SPARQL Update (INSERT) is not allowed: this endpoint is read-only",
    "DELETE": "SPARQL Update (DELETE) is not allowed: this endpoint is read-only",
    "CLEAR": "SPARQL Update (CLEAR) is not allowed: this endpoint is read-only",
    "DROP": "SPARQL Update (DROP) is not allowed: this endpoint is read-only",
    "CREATE": "SPARQL Update (CREATE) is not allowed: this endpoint is read-only",
    "ADD": "SPARQL Update (ADD) is not allowed: this endpoint is read-only",
    "MOVE": "SPARQL Update (MOVE) is not allowed: this endpoint is read-only",
    "COPY": "SPARQL Update (COPY) is not allowed: this endpoint is read-only",
    "WITH": "SPARQL Update (WITH) is not allowed: this endpoint is read-only",
}
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Comments, strings (long and short, both quotes) and IRIs: their content is not syntax.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*',
    re.S,
)
# A keyword is a bare word: not part of a prefixed name (ex:from), variable (?from) or IRI.
# Deliberately strict: "?o.SERVICE <x> {}" is valid SPARQL, so a dot before a word does not
# make it part of a name; the price is refusing rare local names such as ex:a.from.
_WORD = re.compile(r"(?<![\w:?$@])([A-Za-z]+)(?![\w:])")
MAX_NESTING = 64


def check_query(query: str, max_bytes: int) -> str:
    """Refuse anything but a read-only query of the store; return the query to run."""
    if not isinstance(query, str) or not query.strip():
        raise QueryError("the SPARQL query is empty")
    size = len(query.encode("utf-8"))
    if size > max_bytes:
        raise QueryError(f"the query is {size} bytes; the limit is {max_bytes}")
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)
    syntax = _OPAQUE.sub(" ", decoded)
    for match in _WORD.finditer(syntax):
        reason = FORBIDDEN.get(match.group(1).upper())
        if reason:
            raise QueryError(reason)
    depth = deepest = 0
    for char in syntax:
        if char in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")}]":
            depth -= 1
    if deepest > MAX_NESTING:
        raise QueryError(f"the query nests {deepest} levels deep; the limit is {MAX_NESTING}")
    return query


# --------------------------------------------------------------------------- results


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
    truncated: bool


def execute(store: ox.Store, query: str, prefixes: dict[str, str], select_fmt: str,
            graph_fmt: str, max_rows: int) -> Rendered:
    """Run a checked query and serialise at most `max_rows` rows (or triples)."""
    try:
        result = store.query(query, prefixes=prefixes)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None
    if isinstance(result, ox.QueryBoolean):
        return Rendered(render_ask(bool(result), select_fmt), SELECT_TYPES[select_fmt], "ask", 1, False)
    if isinstance(result, ox.QueryTriples):
        triples, truncated = _take(result, max_rows)
        body = ox.serialize(triples, format=GRAPH_FORMATS[graph_fmt], prefixes=prefixes)
        return Rendered(body, GRAPH_TYPES[graph_fmt], "graph", len(triples), truncated)
    names = [v.value for v in result.variables]
    rows, truncated = _take(result, max_rows)
    table = [[solution[name] for name in names] for solution in rows]
    return Rendered(render_select(names, table, select_fmt), SELECT_TYPES[select_fmt], "select",
                    len(table), truncated)


def _take(items: Iterable[Any], limit: int) -> tuple[list[Any], bool]:
    out = []
    for item in items:
        if len(out) == limit:
            return out, True
        out.append(item)
    return out, False


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
        bindings = [{n: _json_term(t) for n, t in zip(names, row) if t is not None} for row in table]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
               "<head>", *[f"<variable name={quoteattr(n)}/>" for n in names], "</head><results>"]
        for row in table:
            out.append("<result>")
            out += [f"<binding name={quoteattr(n)}>{_xml_term(t)}</binding>"
                    for n, t in zip(names, row) if t is not None]
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


def format_result(result: Any, fmt: str) -> str:
    """CLI output of an in-process result: W3C formats, Turtle/N-Triples for graphs, or a table."""
    fmt = FORMAT_ALIASES.get(fmt, fmt)
    if isinstance(result, ox.QueryTriples):
        graph_fmt = "rdfxml" if fmt == "xml" else fmt if fmt in GRAPH_FORMATS else "turtle"
        return ox.serialize(result, format=GRAPH_FORMATS[graph_fmt]).decode("utf-8")
    if isinstance(result, ox.QueryBoolean):
        value = bool(result)
        return render_ask(value, fmt).decode() if fmt in SELECT_TYPES else ("true\n" if value else "false\n")
    names = [v.value for v in result.variables]
    table = [[solution[name] for name in names] for solution in result]
    if fmt in SELECT_TYPES:
        return render_select(names, table, fmt).decode("utf-8")
    return _table(names, table)


def _table(names: list[str], table: list[list[Any]]) -> str:
    rows = [[_plain(t) for t in row] for row in table]
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [line(names), line(["-" * w for w in widths])] + [line(r) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"
