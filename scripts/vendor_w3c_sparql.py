"""Vendor the W3C SPARQL 1.1 (and 1.0 syntax) query tests into tests/data/w3c/.

Usage:
    .venv/bin/python scripts/vendor_w3c_sparql.py MIRROR [--rev REV] [--out DIR]

MIRROR is a git directory of https://github.com/w3c/rdf-tests (bare or not); nothing is
downloaded. The script reads the manifests at REV (default HEAD) with rdflib and writes:

    syntax-positive/*.rq  queries of mf:PositiveSyntaxTest(11) and the qt:query of every
                          mf:QueryEvaluationTest in the SPARQL 1.1 query directories
    syntax-negative/*.rq  queries of mf:NegativeSyntaxTest(11)
    MANIFEST.json         origin path, test IRIs and types of each file, the rdf-tests commit,
                          and the endpoint policy for each positive query (see `uses`)
    LICENSE.md            the licence terms of the vendored files

Update tests (.ru, mf:*UpdateSyntaxTest11, mf:UpdateEvaluationTest) are never taken; nor are
the service/, entailment/, protocol and graph-store directories (only queries are vendored).
The positive syntax tests of syntax-fed/ (SERVICE) are taken: the endpoint must refuse them.

Files are copied byte for byte and named `<directory>-<file name>`, so names stay unique.
Re-running the script on the same commit gives identical output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

REPO_URL = "https://github.com/w3c/rdf-tests"
#: Base IRI the manifests are parsed against; stripped again to recover repository paths.
BASE = "https://w3c.github.io/rdf-tests/"
OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "w3c"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
DAWGT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-dawg#")

#: Top manifests followed through mf:include.
ROOTS = [
    "sparql/sparql11/manifest-sparql11-query.ttl",    # the 13 SPARQL 1.1 Query directories
    "sparql/sparql11/manifest-sparql11-results.ttl",  # csv-tsv-res, json-res (plain queries)
    "sparql/sparql11/syntax-fed/manifest.ttl",        # SERVICE syntax tests (to be refused)
    "sparql/sparql10/manifest-syntax.ttl",            # SPARQL 1.0 (data-r2) syntax-sparql1..5
]
#: Directories never vendored even if a root manifest were to include them.
EXCLUDED_DIRS = {"service", "entailment", "protocol", "http-rdf-update", "graph-store-protocol",
                 "service-description", "syntax-update-1", "syntax-update-2"}
POSITIVE = {MF.PositiveSyntaxTest11, MF.PositiveSyntaxTest}
NEGATIVE = {MF.NegativeSyntaxTest11, MF.NegativeSyntaxTest}
EVALUATION = {MF.QueryEvaluationTest}
#: SPARQL 1.0 evaluation tests are not vendored (only its syntax tests, as the brief asks).
EVALUATION_ROOTS = ("sparql/sparql11/",)

#: Positive queries rdflib cannot parse: their `uses`, read by hand, and why.
MANUAL_USES = {
    "sparql/sparql10/syntax-sparql2/syntax-general-08.rq":
        ([], "rdflib 7 fails on the negative decimal in `SELECT * WHERE { <a><b>-1.0 }`"),
}

LICENSE_SOURCES = {
    "sparql/sparql11": "rdf/rdf11/rdf-turtle/LICENSE",  # full text of the dual licence
    "sparql/sparql10": "sparql/sparql10/LICENSE",       # W3C Software Notice and License
}


def git(mirror: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={mirror}", *args], check=True,
                          capture_output=True).stdout


def git_dir(path: Path) -> Path:
    """Accept a bare repository or a work tree; return the git directory."""
    out = subprocess.run(["git", "-C", str(path), "rev-parse", "--git-dir"], check=True,
                         capture_output=True, text=True).stdout.strip()
    return (path / out).resolve()


def short(iri: URIRef) -> str:
    for prefix, ns in (("mf", MF), ("dawgt", DAWGT)):
        if iri.startswith(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    return str(iri)


def repo_path(iri: URIRef) -> str:
    if not str(iri).startswith(BASE):
        raise SystemExit(f"action outside the repository: {iri}")
    return str(iri)[len(BASE):]


def read_manifest(mirror: Path, rev: str, path: str) -> Graph:
    graph = Graph()
    graph.parse(data=git(mirror, "show", f"{rev}:{path}"), format="turtle",
                publicID=BASE + path)
    return graph


def walk(mirror: Path, rev: str, path: str, seen: set[str]) -> list[dict[str, Any]]:
    """The query tests of a manifest and of the manifests it includes, in manifest order."""
    if path in seen:
        return []
    seen.add(path)
    directory = path.rsplit("/", 2)[-2]
    if directory in EXCLUDED_DIRS:
        return []
    graph = read_manifest(mirror, rev, path)
    tests: list[dict[str, Any]] = []
    for manifest in graph.subjects(RDF.type, MF.Manifest):
        for head in graph.objects(manifest, MF.include):
            for included in Collection(graph, head):
                tests += walk(mirror, rev, repo_path(included), seen)
        for head in graph.objects(manifest, MF.entries):
            for test in Collection(graph, head):
                tests += describe(graph, test, path)
    return tests


def describe(graph: Graph, test: URIRef, manifest: str) -> list[dict[str, Any]]:
    types = set(graph.objects(test, RDF.type))
    action = graph.value(test, MF.action)
    if types & (POSITIVE | NEGATIVE):
        query, kind = action, "positive" if types & POSITIVE else "negative"
    elif types & EVALUATION and manifest.startswith(EVALUATION_ROOTS):
        query, kind = graph.value(action, QT.query), "positive"
    else:
        return []  # update, result-format-only, protocol ... tests
    origin = repo_path(query)
    if not origin.endswith(".rq"):
        return []  # .ru: SPARQL Update
    approval = graph.value(test, DAWGT.approval)
    return [{
        "kind": kind,
        "origin": origin,
        "manifest": manifest,
        "iri": str(test),
        "type": " ".join(sorted(short(t) for t in types)),
        "name": str(graph.value(test, MF.name) or ""),
        "approval": short(approval) if approval is not None else None,
    }]


def features(text: str) -> list[str]:
    """SERVICE / FROM / FROM NAMED in a query, found in rdflib's parse tree."""
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                found.add("SERVICE")
            # CompValue.get() answers a missing key with the key itself: test with `in`.
            for clause in node["datasetClause"] if "datasetClause" in node else []:
                found.add("FROM NAMED" if "named" in clause else "FROM")
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            for value in node:
                visit(value)

    visit(parseQuery(text))
    return sorted(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mirror", type=Path, help="git directory of w3c/rdf-tests")
    parser.add_argument("--rev", default="HEAD")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    mirror = git_dir(args.mirror)
    commit = git(mirror, "rev-parse", f"{args.rev}^{{commit}}").decode().strip()
    date = git(mirror, "show", "-s", "--format=%cI", commit).decode().strip()

    seen: set[str] = set()
    tests = [t for root in ROOTS for t in walk(mirror, commit, root, seen)]
    files: dict[str, dict[str, Any]] = {}
    for test in tests:
        directory, name = test["origin"].rsplit("/", 2)[-2:]
        target = f"syntax-{test['kind']}/{directory}-{name}"
        entry = files.setdefault(test["origin"], {"file": target, "origin": test["origin"],
                                                  "kind": test["kind"], "tests": []})
        if entry["file"] != target:
            raise SystemExit(f"{test['origin']} is both a positive and a negative test")
        entry["tests"].append({k: test[k] for k in ("iri", "type", "name", "approval")})
    targets = [e["file"] for e in files.values()]
    clashes = {t for t in targets if targets.count(t) > 1}
    if clashes:
        raise SystemExit(f"file names clash: {sorted(clashes)}")

    for sub in ("syntax-positive", "syntax-negative"):
        shutil.rmtree(args.out / sub, ignore_errors=True)
        (args.out / sub).mkdir(parents=True)
    unparsed = []
    for entry in files.values():
        data = git(mirror, "show", f"{commit}:{entry['origin']}")
        (args.out / entry["file"]).write_bytes(data)
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        if entry["kind"] == "positive":
            if entry["origin"] in MANUAL_USES:
                entry["uses"], why = MANUAL_USES[entry["origin"]]
                entry["uses_by_hand"] = why
            else:
                try:
                    entry["uses"] = features(data.decode("utf-8"))
                except Exception as exc:  # noqa: BLE001 - reported below, the run fails
                    unparsed.append(f"{entry['origin']}: {exc}")
                    continue
            entry["expect"] = "refused (QueryError)" if entry["uses"] else "accepted"
        else:
            entry["expect"] = "refused (QueryError or SyntaxError)"
    if unparsed:
        raise SystemExit("rdflib cannot parse these positive queries, so their policy is "
                         "unknown:\n" + "\n".join(unparsed))

    ordered = sorted(files.values(), key=lambda e: e["file"])
    manifest = {
        "source": {"repository": REPO_URL, "commit": commit, "commit_date": date,
                   "manifests": ROOTS},
        "generated_by": "scripts/vendor_w3c_sparql.py",
        "policy": ("Positive queries: `uses` lists SERVICE / FROM / FROM NAMED as found in "
                   "rdflib's parse tree (rdflib.plugins.sparql.parser.parseQuery); a query "
                   "using any of them must be refused by ltgraph.sparql.check_query, every "
                   "other one accepted. Negative queries must never run: refused by "
                   "check_query or rejected by Oxigraph's parser."),
        "counts": {kind: sum(e["kind"] == kind for e in ordered)
                   for kind in ("positive", "negative")},
        "files": ordered,
    }
    # One line per file: small, and a re-vendoring diffs file by file.
    head = json.dumps({**manifest, "files": []}, indent=1, ensure_ascii=False)[:-len("[]\n}")]
    lines = ",\n  ".join(json.dumps(e, ensure_ascii=False, sort_keys=True) for e in ordered)
    (args.out / "MANIFEST.json").write_text(f"{head}[\n  {lines}\n ]\n}}\n", "utf-8")
    write_license(mirror, commit, args.out)
    print(f"{manifest['counts']} files from w3c/rdf-tests {commit} into {args.out}")


def write_license(mirror: Path, commit: str, out: Path) -> None:
    top = git(mirror, "show", f"{commit}:LICENSE.md").decode("utf-8").strip()
    dual = git(mirror, "show", f"{commit}:{LICENSE_SOURCES['sparql/sparql11']}").decode("utf-8")
    notice = git(mirror, "show", f"{commit}:{LICENSE_SOURCES['sparql/sparql10']}")
    notice_text = notice.decode("utf-8", errors="strict") if is_utf8(notice) else \
        notice.decode("latin-1")
    text = f"""# Licence of the vendored W3C SPARQL tests

The files in `syntax-positive/` and `syntax-negative/` are unmodified copies of test
queries from the W3C RDF Tests repository, {REPO_URL}, at commit `{commit}`.
`MANIFEST.json` gives, for each file, its original path in that repository; the original
is at {REPO_URL}/blob/{commit}/<path>.
They were copied by `scripts/vendor_w3c_sparql.py` (only renamed: `<directory>-<file>`).
They are test data for ltgraph and are not part of the ltgraph package.

Copyright © World Wide Web Consortium (Massachusetts Institute of Technology, European
Research Consortium for Informatics and Mathematics, Keio University, Beihang) and others.
All Rights Reserved. https://www.w3.org/Consortium/Legal/2008/04-testsuite-copyright.html

## The repository's licence statement

The repository's own `LICENSE.md` reads:

> {top}

That page dual-licenses W3C test suites under the **W3C Test Suite License** and the
**W3C 3-clause BSD License**; the licensee may use either. The full text, as the repository
ships it in `{LICENSE_SOURCES['sparql/sparql11']}`, follows.

```text
{dual.strip()}
```

## SPARQL 1.0 (data-r2) syntax tests

The files named `syntax-sparql1-*` … `syntax-sparql5-*` come from `sparql/sparql10/`, whose
`LICENSE` file states the following (reproduced as the notice requires):

```text
{notice_text.strip()}
```
"""
    (out / "LICENSE.md").write_text(text, "utf-8")


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
