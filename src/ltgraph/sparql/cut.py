"""SELECT results serialised by Oxigraph itself, then cut at a row boundary when over a limit.

Rendering solutions term by term in Python costs 3-6x the engine's own serialiser; so the
engine writes the W3C format into a capped buffer (it stops as soon as `max_bytes` is passed),
and this module counts the rows and, only when a row or byte limit was hit, finds the byte
offset where a row ends and closes the document there. Counting and cutting know each
format's structure:

- JSON: rows are `{…}` objects separated by `,` inside `"bindings":[ … ]`. A structural
  separator is `},{` followed by `"` (a quote inside a string is always escaped) or by `}`
  (an empty row); only the latter can also occur raw inside a string, so when it appears
  the exact scan (strings skipped by one regular expression) decides.
- XML: every row ends with `</result>` (`<` inside values is escaped as `&lt;`).
- TSV: one row per line (newlines in values are escaped as `\\n`).
- CSV: one row per CRLF outside double-quoted fields.
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox

RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_JSON_SCAN = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"|(\},\{)', re.S)
_CSV_SCAN = re.compile(rb'"[^"]*+(?:""[^"]*+)*+"|(\r\n)')
_CSV_QUOTED = re.compile(rb'"[^"]*+(?:""[^"]*+)*+"')
_FOOTERS = {"json": b"]}}", "xml": b"</results></sparql>", "csv": b"", "tsv": b""}


class _Full(Exception):
    pass


class _Capped:
    """A write-only buffer that refuses to grow past `cap` bytes."""

    def __init__(self, cap: int) -> None:
        self.data = bytearray()
        self.cap = cap
        self.full = False

    def write(self, data: Any) -> int:
        self.data += data
        if len(self.data) > self.cap:
            self.full = True
            raise _Full
        return len(data)

    def flush(self) -> None:
        pass


def serialize_select(result: ox.QuerySolutions, fmt: str, max_rows: int,
                     max_bytes: int) -> tuple[bytes, int, str | None]:
    """(body, rows, truncated) with at most `max_rows` rows and `max_bytes` bytes.

    `truncated` is None, "rows" or "bytes" (the limit that cut the result short).
    """
    buffer = _Capped(max_bytes)
    try:
        result.serialize(buffer, format=RESULT_FORMATS[fmt])  # type: ignore[arg-type]
    except (_Full, OSError):
        if not buffer.full:
            raise
    data = bytes(buffer.data)
    if not buffer.full:
        rows = _count(data, fmt)
        if rows <= max_rows:
            return data, rows, None
    header, ends = _row_ends(data, fmt, complete=not buffer.full)
    footer = _FOOTERS[fmt]
    keep = min(max_rows, len(ends))
    while keep and ends[keep - 1] + len(footer) > max_bytes:
        keep -= 1
    cut = "bytes" if buffer.full or keep < min(max_rows, len(ends)) else "rows"
    end = ends[keep - 1] if keep else header
    return data[:end] + footer, keep, cut


def _count(data: bytes, fmt: str) -> int:
    """Rows in a complete document, by counting separators (exact scan when ambiguous)."""
    if fmt == "tsv":
        return data.count(b"\n") - 1
    if fmt == "xml":
        return data.count(b"</result>")
    if fmt == "csv":
        if b'"' in data:  # a quoted field may hold CRLF: count outside quotes only
            data = _CSV_QUOTED.sub(b"", data)
        return data.count(b"\r\n") - 1
    if data.endswith(b"[]}}"):
        return 0
    if b"},{}" in data:
        return len(_row_ends(data, fmt, complete=True)[1])
    return data.count(b'},{"') + 1


def _row_ends(data: bytes, fmt: str, complete: bool) -> tuple[int, list[int]]:
    """(end of the header, end offset of every complete row)."""
    if fmt == "tsv":
        header = data.find(b"\n") + 1
        ends = [m.end() for m in re.finditer(rb"\n", data)][1:]
        return header, ends
    if fmt == "csv":
        ends = [m.end() for m in _CSV_SCAN.finditer(data) if m.group(1)]
        return (ends[0] if ends else 0), ends[1:]
    if fmt == "xml":
        header = data.find(b"<results>") + len(b"<results>")
        ends, at = [], data.find(b"</result>", header)
        while at >= 0:
            ends.append(at + len(b"</result>"))
            at = data.find(b"</result>", at + 1)
        return header, ends
    header = data.find(b'"bindings":[') + len(b'"bindings":[')
    ends = [m.start() + 1 for m in _JSON_SCAN.finditer(data, header) if m.group(1)]
    if complete and not data.endswith(b"[]}}"):
        ends.append(len(data) - len(b"]}}"))
    return header, ends
