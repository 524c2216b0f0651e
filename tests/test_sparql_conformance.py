"""The SPARQL guard against the W3C SPARQL 1.1 (and 1.0) syntax test suites.

The queries in tests/data/w3c/ are vendored from w3c/rdf-tests by
scripts/vendor_w3c_sparql.py; MANIFEST.json records where each comes from and, for each
positive query, which of SERVICE / FROM / FROM NAMED it uses (from rdflib's parse tree).

- A positive query that uses none of them must pass `check_query`; one that does must be
  refused with `QueryError` (the endpoint is read-only over a fixed dataset).
- A negative query must never run: `check_query` refuses it or Oxigraph's parser does.

Every known difference between this policy and what happens is listed in KNOWN_DIFFERENCES
with its reason; those tests are strict xfails, so they show in the report and fail the
run once the difference goes away (then delete the entry). Nothing is skipped silently.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from ltgraph.errors import QueryError
from ltgraph.sparql import check_query

#: File name (in syntax-positive/ or syntax-negative/) -> why the policy does not hold today.
KNOWN_DIFFERENCES: dict[str, str] = {
    "syntax-sparql3-syn-bad-26.rq":
        "Oxigraph has no longest-token lexer: it reads `?x<?a&&?b>?y` as comparisons, "
        "not as the IRI <?a&&?b> (harmless: a FILTER over variables)",
}

W3C = Path(__file__).parent / "data" / "w3c"
MANIFEST = json.loads((W3C / "MANIFEST.json").read_text("utf-8"))
FILES = {Path(entry["file"]).name: entry for entry in MANIFEST["files"]}
MAX_BYTES = 64_000
BASE_IRI = "http://example.org/base/"


def _params(kind: str) -> list:
    params = []
    for name, entry in sorted(FILES.items()):
        if entry["kind"] != kind:
            continue
        marks = ()
        if name in KNOWN_DIFFERENCES:
            marks = (pytest.mark.xfail(strict=True, reason=KNOWN_DIFFERENCES[name]),)
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def _query(name: str) -> str:
    # Bytes decoded as-is: no newline translation, the guard sees what a client would send.
    return (W3C / FILES[name]["file"]).read_bytes().decode("utf-8")


def _origin(name: str) -> str:
    entry = FILES[name]
    return f"{entry['origin']} ({', '.join(t['iri'] for t in entry['tests'])})"


@pytest.mark.parametrize("name", _params("positive"))
def test_positive_syntax(name: str) -> None:
    query, uses = _query(name), FILES[name]["uses"]
    if uses:
        with pytest.raises(QueryError):
            check_query(query, MAX_BYTES)
            pytest.fail(f"{_origin(name)} uses {' and '.join(uses)} but check_query accepted it")
        return
    try:
        check_query(query, MAX_BYTES)
    except QueryError as exc:
        pytest.fail(f"check_query refused the valid query {_origin(name)}: {exc}\n{query}")


@pytest.mark.parametrize("name", _params("negative"))
def test_negative_syntax(name: str) -> None:
    query = _query(name)
    try:
        check_query(query, MAX_BYTES)
    except QueryError:
        return
    try:
        # Only parsed (and, on an empty store, planned): results are never iterated.
        ox.Store().query(query, base_iri=BASE_IRI)
    except SyntaxError:
        return
    pytest.fail(f"the invalid query {_origin(name)} passed check_query and Oxigraph\n{query}")


def test_vendored_files_match_manifest() -> None:
    on_disk = {p.relative_to(W3C).as_posix() for p in W3C.glob("syntax-*/*.rq")}
    assert on_disk == {entry["file"] for entry in FILES.values()}
    assert len(FILES) == len(MANIFEST["files"]), "two vendored files share a name"
    for entry in FILES.values():
        data = (W3C / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["file"]
    assert MANIFEST["counts"] == {
        "positive": sum(e["kind"] == "positive" for e in FILES.values()),
        "negative": sum(e["kind"] == "negative" for e in FILES.values()),
    }


def test_known_differences_name_vendored_files() -> None:
    assert set(KNOWN_DIFFERENCES) <= set(FILES), set(KNOWN_DIFFERENCES) - set(FILES)
