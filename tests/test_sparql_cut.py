"""Results written by Oxigraph and cut at row boundaries: for any values and any limits the
cut document parses, holds exactly the rows it says, in order, within the byte limit."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from ltgraph.sparql.cut import serialize_select

FORMATS = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
           "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
TRICKY = ["},{}", '},{"x', "</result>", "<result>", "a\nb", '"', "x,y", "\t", "]}}", "\r\n", ""]
VALUE = st.one_of(st.sampled_from(TRICKY), st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=20))


def parse(body: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))[1:]
    return [[str(s["o"]) if s["o"] is not None else ""]
            for s in ox.parse_query_results(body, format=FORMATS[fmt])]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(values=st.lists(st.tuples(VALUE, st.booleans()), max_size=30),
       fmt=st.sampled_from(list(FORMATS)), max_rows=st.integers(0, 40),
       max_bytes=st.integers(200, 4000))  # above any header
def test_cut_results_parse_and_say_how_many_rows(values, fmt, max_rows, max_bytes) -> None:
    store = ox.Store()
    for i, (value, bound) in enumerate(values):
        store.add(ox.Quad(ox.NamedNode(f"http://e/{i:03d}"), ox.NamedNode("http://e/p"),
                          ox.Literal(value)))
        if not bound:
            store.add(ox.Quad(ox.NamedNode(f"http://e/{i:03d}"), ox.NamedNode("http://e/q"),
                              ox.Literal("unbound o")))
    # ?o alone, unbound in some rows: JSON then has empty rows `{}`
    query = ("SELECT ?o WHERE { ?s ?p ?x OPTIONAL { ?s <http://e/p> ?o FILTER(?p = <http://e/p>) } }"
             " ORDER BY ?s ?p")
    full = store.query(query).serialize(format=FORMATS[fmt])
    body, rows, cut = serialize_select(store.query(query), fmt, max_rows, max_bytes)
    everything = parse(full, fmt)
    kept = parse(body, fmt)
    assert len(kept) == rows <= max_rows
    assert kept == everything[:rows]
    if cut is None:
        assert body == full and rows == len(everything)
    else:
        assert rows < len(everything)
        assert cut == "rows" or len(full) > max_bytes
        if rows:
            assert len(body) <= max_bytes
