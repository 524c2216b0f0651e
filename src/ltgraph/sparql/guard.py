"""The text guard: the first line in front of the engine, reporting clear errors.

It tokenises the query with the terminals of the SPARQL 1.1 grammar exactly as Oxigraph's
lexer reads them, and refuses what a read-only endpoint over a fixed dataset must not run:
SPARQL Update, `SERVICE`, `FROM` / `FROM NAMED`, and nesting deeper than `MAX_NESTING`.

Agreement with the engine is what makes a text guard hold, so:

- `\\u` escapes are decoded only inside strings and IRIs, as Oxigraph does (SPARQL 1.1's
  "decode everywhere first" is not what the engine does, and decoding more than the engine
  lets `"\\u0022"` shift string boundaries); elsewhere a backslash is a syntax error;
- whitespace is only space, tab, CR and LF; a comment ends at CR or LF; an IRI may hold any
  character above U+0020 except ``<>"{}|^`\\`` (so U+00A0 or U+2028 inside an IRI cannot
  start a comment the engine does not see);
- prefixed names, blank node labels and variables follow PN_LOCAL & co., escapes (`ex:a\\#b`),
  hyphens and dots included, so `theory:cognitive-load-theory` is a name, not the keyword LOAD;
- any character that starts no SPARQL token is refused, with its line and column.

The guard is not the wall: query processes run in a sandbox that cannot open a socket or a
file (`sandbox.py`), so a query that slipped past this module still reaches nothing.
"""

from __future__ import annotations

import re

from ltgraph.errors import QueryError

#: Keywords that make a request something other than a read-only query of this dataset.
FORBIDDEN = {
    "SERVICE": "SERVICE (federated queries to other endpoints) is not allowed on this endpoint",
    "FROM": "FROM / FROM NAMED (choosing other graphs) is not allowed; the dataset is fixed",
    **{word: f"SPARQL Update ({word}) is not allowed: this endpoint is read-only"
       for word in ("LOAD", "INSERT", "DELETE", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
                    "WITH")},
}
MAX_NESTING = 64

_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"""\\[tbnrf\\"']"""
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PREFIX = rf"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = (rf"(?:[{_U}:0-9]|{_PLX})"
          rf"(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?")

# One token per alternative, tried in this order at each position (longest forms first).
_TOKEN = re.compile("|".join([
    r"(?P<ws>[ \t\r\n]+)",
    r"(?P<comment>#[^\r\n]*)",
    rf"(?P<iri><(?:[^\x00-\x20<>\"{{}}|^`\\]|{_UCHAR})*>)",
    rf"(?P<string>'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''"
    rf'|"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*"""'
    rf"|'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'"
    rf'|"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*")',
    rf"(?P<var>[?$][{_U}0-9][{_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)",
    r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
    rf"(?P<bnode>_:[{_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)",
    rf"(?P<pname>(?:{_PREFIX})?:(?:{_LOCAL})?)",
    r"(?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.(?:[eE][+-]?[0-9]+)?)",
    r"(?P<word>[A-Za-z][A-Za-z0-9_]*)",
    r"(?P<open>[({\[])",
    r"(?P<close>[)}\]])",
    r"(?P<punct>\^\^|&&|\|\||!=|<=|>=|[.,;*=<>!+\-/|^?])",
]))


def check_query(query: object, max_bytes: int) -> str:
    """Refuse anything but a read-only query of the dataset; return the query to run.

    Raises `QueryError` naming what was refused (and where, for a character no SPARQL
    token starts with).
    """
    if not isinstance(query, str) or not query.strip():
        raise QueryError("the SPARQL query is empty")
    try:
        size = len(query.encode("utf-8"))
    except UnicodeEncodeError:
        raise QueryError("the query contains a lone surrogate (invalid Unicode)") from None
    if size > max_bytes:
        raise QueryError(f"the query is {size} bytes; the limit is {max_bytes}")
    if "\x00" in query:
        raise QueryError("the query contains a NUL character")
    depth = deepest = 0
    position, end = 0, len(query)
    while position < end:
        match = _TOKEN.match(query, position)
        if match is None:
            line = query.count("\n", 0, position) + 1
            column = position - (query.rfind("\n", 0, position) + 1) + 1
            raise QueryError(f"SPARQL syntax error at line {line}, column {column}: unexpected "
                             f"character {query[position]!r}")
        kind = match.lastgroup
        if kind == "word":
            reason = FORBIDDEN.get(match.group().upper())
            if reason:
                raise QueryError(reason)
        elif kind == "open":
            depth += 1
            if depth > MAX_NESTING:
                raise QueryError(f"the query nests more than {MAX_NESTING} levels deep; "
                                 "that is the limit")
        elif kind == "close":
            depth -= 1
        deepest = max(deepest, depth)
        position = match.end()
    return query


def tokens(query: str) -> list[tuple[str, str, int, int]]:
    """The query's tokens as (kind, text, start, end), whitespace and comments left out;
    the same lexer as `check_query` (call that first: this assumes a lexable query)."""
    out = []
    position, end = 0, len(query)
    while position < end:
        match = _TOKEN.match(query, position)
        if match is None:
            raise QueryError("the query cannot be read")
        kind = match.lastgroup or ""
        if kind not in ("ws", "comment"):
            out.append((kind, match.group(), match.start(), match.end()))
        position = match.end()
    return out
