"""SPARQL syntax errors in words a person can act on: where, and what to do.

Oxigraph reports "error at 1:28: expected one of Prefix not found, ['%'], …" with the
character classes of its grammar. An undefined prefix becomes "the prefix 'foo:' is not
declared …, add PREFIX foo: <…>"; any other error keeps the engine's words with the line and
column in front and without the Unicode ranges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WHERE = re.compile(r"error at (\d+):(\d+): ")
_PNAME = re.compile(r"(?<![\w<?$:])([A-Za-z][\w.-]*)?:(?=[\w%\\]|\s|$)")
_DECLARED = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:", re.I)


def explain(message: str, query: str, predeclared: Iterable[str]) -> str:
    """The message for a SPARQL syntax error `message` in `query`."""
    where = _WHERE.search(message)
    at = f" at line {where.group(1)}, column {where.group(2)}" if where else ""
    known = set(predeclared)
    if "Prefix not found" in message:
        declared = known | {m.group(1) or "" for m in _DECLARED.finditer(query)}
        text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|<[^>\s]*>|#[^\n]*', " ", query)
        unknown = sorted({m.group(1) or "" for m in _PNAME.finditer(text)} - declared)
        if unknown:
            name = unknown[0]
            return (f"the prefix '{name}:' is not declared{at}; add PREFIX {name}: <…> to the "
                    f"query, or use one of the predeclared prefixes: "
                    f"{', '.join(sorted(known))}")
    detail = message[where.end():] if where else message
    detail = re.sub(r"\[[^\]]*\\u\{[^\]]*\]", "a name", detail)  # character classes
    detail = re.sub(r"(?:, a name)+", ", a name", detail)
    return f"SPARQL syntax error{at}: {detail.strip()}"
