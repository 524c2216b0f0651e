"""Search inside SPARQL: the `ltgs:` property functions and function (DESIGN.md).

    (?passage ?score) ltgs:search ("question" 20 ["kind"])   hybrid ranking, as /api/search
    (?passage ?score) ltgs:keyword ("words" 20)              keyword (BM25) ranking only
    (?entry ?score)   ltgs:similarEntries (<entry IRI> 10)   entries nearest in meaning
    ltgs:similarity(?passage, "text")                        cosine, xsd:double

They have the shape of Jena's `text:query`. The model and the indexes stay in the serving
process; the query processes stay sealed. So, before a query is run, `rewrite` finds each
property-function pattern (its arguments must be constants), asks the `Backend` for the rows,
and puts them in the query's place as inline data — `VALUES (?passage ?score) { … }`, made of
IRIs of this graph and numbers, never of request text — which joins with the rest of the
pattern exactly as the property function would. For `ltgs:similarity` it computes the
cosine of the text with every passage once, and the query process looks the value up
(an Oxigraph custom function). A query without `ltgs:` is passed through untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from ltgraph.errors import QueryError
from ltgraph.sparql.guard import tokens

LTGS = "https://w3id.org/ltgraph/search#"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
PROPERTY_FUNCTIONS = {
    "search": '(?passage ?score) ltgs:search ("question" 20) — or ("question" 20 "limitation")',
    "keyword": '(?passage ?score) ltgs:keyword ("words" 20)',
    "similarEntries": "(?entry ?score) ltgs:similarEntries (<entry IRI> 10)",
}
FUNCTION = ('ltgs:similarity(?passage, "text")', "similarity")
MAX_ROWS = 100
#: Most `ltgs:` calls one query may make: each is a search in the serving process, before the
#: query process's time limit starts, so their number is bounded instead.
MAX_CALLS = 8

Rows = list[tuple[str, float]]


class Backend(Protocol):
    """What `rewrite` asks for (the service answers from one snapshot)."""

    def search(self, question: str, k: int, kind: str | None) -> Rows: ...
    def keyword(self, words: str, k: int) -> Rows: ...
    def similar_entries(self, entry_iri: str, k: int) -> Rows: ...
    def similarity_table(self, text: str) -> dict[str, float]: ...


@dataclass(frozen=True)
class Rewritten:
    """The query to run and, per text given to `ltgs:similarity`, its cosine per passage IRI."""

    query: str
    similarity: dict[str, dict[str, float]]


def uses_ltgs(query: str) -> bool:
    """Cheap test: could the query use the `ltgs:` vocabulary at all?"""
    return "ltgs:" in query or "ltgraph/search#" in query


def rewrite(query: str, backend: Backend) -> Rewritten:
    """The query with every `ltgs:` property function replaced by its rows; QueryError (400)
    naming the expected form for an unknown term or arguments of the wrong shape."""
    if not uses_ltgs(query):
        return Rewritten(query, {})
    toks = tokens(query)
    prefixes = {"ltgs": LTGS}
    for i, (kind, text, _, _) in enumerate(toks[:-2]):
        if kind == "word" and text.upper() == "PREFIX" and toks[i + 1][0] == "pname" \
                and toks[i + 2][0] == "iri":
            prefixes[toks[i + 1][1][:-1]] = _iri(toks[i + 2][1])
    out: list[str] = []
    at = 0
    tables: dict[str, dict[str, float]] = {}
    calls = 0
    i = 0
    while i < len(toks):
        local = _ltgs_local(toks[i], prefixes)
        if local is None or (i >= 2 and toks[i - 2][0] == "word" and toks[i - 2][1].upper() == "PREFIX"):
            i += 1
            continue
        calls += 1
        if calls > MAX_CALLS:
            raise QueryError(f"the query uses the ltgs: vocabulary more than {MAX_CALLS} times; "
                             "that is the limit")
        if local in PROPERTY_FUNCTIONS:
            start, end, variables, args = _pattern(toks, i, local)
            rows = _rows(local, args, backend, prefixes)
            out.append(query[at:toks[start][2]])
            out.append(_values(variables, rows))
            at = toks[end][3]
            i = end + 1
        elif local == FUNCTION[1]:
            text = _similarity_text(toks, i)
            if text not in tables:
                tables[text] = backend.similarity_table(text)
            i += 1
        else:
            raise QueryError(f"unknown term ltgs:{local}; the ltgs: vocabulary has "
                             + "; ".join([*PROPERTY_FUNCTIONS.values(), FUNCTION[0]]))
    out.append(query[at:])
    return Rewritten("".join(out), tables)


def _ltgs_local(token: tuple[str, str, int, int], prefixes: dict[str, str]) -> str | None:
    kind, text, _, _ = token
    if kind == "iri":
        iri = _iri(text)
    elif kind == "pname" and ":" in text:
        prefix, local = text.split(":", 1)
        iri = prefixes.get(prefix, "") + local if prefix in prefixes else ""
    else:
        return None
    return iri[len(LTGS):] if iri.startswith(LTGS) and len(iri) > len(LTGS) else None


def _pattern(toks: list[tuple[str, str, int, int]], at: int,
             local: str) -> tuple[int, int, list[str], list[tuple[str, str]]]:
    """(first token, last token, subject variables, argument tokens) of a property function."""
    form = PROPERTY_FUNCTIONS[local]
    wrong = QueryError(f"ltgs:{local} is written {form} (a triple pattern of its own, with "
                       "constant arguments)")
    # subject: ( ?a ?b ) just before
    if at < 4 or toks[at - 1][1] != ")" or toks[at - 4][1] != "(" \
            or toks[at - 3][0] != "var" or toks[at - 2][0] != "var":
        raise wrong
    variables = [toks[at - 3][1], toks[at - 2][1]]
    if at + 1 >= len(toks) or toks[at + 1][1] != "(":
        raise wrong
    args: list[tuple[str, str]] = []
    j = at + 2
    while j < len(toks) and toks[j][1] != ")":
        if toks[j][0] not in ("string", "number", "iri", "pname") or len(args) == 3:
            raise wrong
        args.append((toks[j][0], toks[j][1]))
        j += 1
    if j >= len(toks):
        raise wrong
    if j + 1 < len(toks) and toks[j + 1][1] in (";", ","):
        raise wrong
    return at - 4, j, variables, args


def _rows(local: str, args: list[tuple[str, str]], backend: Backend, prefixes: dict[str, str]) -> Rows:
    form = PROPERTY_FUNCTIONS[local]
    wrong = QueryError(f"ltgs:{local} takes {form.split(' ', 2)[2]}")
    if local == "similarEntries":
        if len(args) != 2 or args[0][0] not in ("iri", "pname") or args[1][0] != "number":
            raise wrong
        kind, text = args[0]
        if kind == "iri":
            entry = _iri(text)
        else:
            prefix, name = text.split(":", 1)
            if prefix not in prefixes:
                raise QueryError(f"ltgs:similarEntries: the prefix {prefix!r} is not declared")
            entry = prefixes[prefix] + name
        return backend.similar_entries(entry, _count(args[1][1], local))
    if len(args) not in (2, 3) or args[0][0] != "string" or args[1][0] != "number" \
            or (len(args) == 3 and (local != "search" or args[2][0] != "string")):
        raise wrong
    text = _string(args[0][1])
    k = _count(args[1][1], local)
    if local == "keyword":
        return backend.keyword(text, k)
    return backend.search(text, k, _string(args[2][1]) if len(args) == 3 else None)


def _similarity_text(toks: list[tuple[str, str, int, int]], at: int) -> str:
    wrong = QueryError(f"{FUNCTION[0]} takes a variable (or IRI) and a constant string")
    shape = [t[0] for t in toks[at + 1:at + 6]]
    texts = [t[1] for t in toks[at + 1:at + 6]]
    if len(shape) < 5 or texts[0] != "(" or shape[1] not in ("var", "iri", "pname") \
            or texts[2] != "," or shape[3] != "string" or texts[4] != ")":
        raise wrong
    return _string(texts[3])


def _count(text: str, local: str) -> int:
    if not re.fullmatch(r"[0-9]+", text) or not 1 <= int(text) <= MAX_ROWS:
        raise QueryError(f"ltgs:{local}: the number of results must be a whole number from 1 "
                         f"to {MAX_ROWS}, got {text}")
    return int(text)


def _values(variables: list[str], rows: Rows) -> str:
    """Inline data for the rows: IRIs of this graph and doubles only."""
    body = " ".join(f'(<{iri}> "{score!r}"^^<{XSD_DOUBLE}>)' for iri, score in rows
                    if _safe_iri(iri))
    return f"VALUES ({' '.join(variables)}) {{ {body} }}"


def _safe_iri(iri: str) -> bool:
    return bool(re.fullmatch(r"[^\x00-\x20<>\"{}|^`\\]+", iri))


_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _string(token: str) -> str:
    """The value of a SPARQL string token (quotes removed, escapes decoded)."""
    quote = 3 if token[:3] in ('"""', "'''") else 1
    body = token[quote:-quote]

    def decode(match: re.Match[str]) -> str:
        escape = match.group(0)
        if escape[1] in "uU":
            return chr(int(escape[2:], 16))
        return _ESCAPES[escape[1]]

    return re.sub(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}|\\.", decode, body)


def _iri(token: str) -> str:
    return re.sub(r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}", lambda m: chr(int(m.group(0)[2:], 16)),
                  token[1:-1])
