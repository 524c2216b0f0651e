"""Benchmark ltgraph's graph layer: corpus build, SPARQL join latency, N-Triples I/O.

What is measured
----------------
1. **Build of the bundled corpus** (median of 3 runs each):
   - parse: `load_corpus(entry_files(bundled_corpus_dir()))`;
   - build_graph: entry records -> triples -> Oxigraph-backed rdflib graph (with the ontology);
   - SHACL: `validate_graph` (pyshacl over a copy of the graph);
   - Service.build: the whole `ltgraph build` into a fresh temporary data directory
     (parse + graph + SHACL + writing a generation).
2. **SPARQL join latency on the corpus graph**: the same query text and prefixes run
   - on the chosen store, Oxigraph (`ltgraph.rdf.graph.run_query` on the built graph), and
   - on rdflib's own in-memory store and SPARQL engine (the triples copied into a plain
     `rdflib.Graph()`, `graph.query(q, initNs=PREFIXES)`).
   Each timing covers parsing the query, evaluating it and iterating every result row. One
   warm-up run per store and query is not counted (it also yields the row count, which must
   be the same on both stores). Figures: median and p90 (nearest rank) over the runs; rdflib
   gets fewer runs and a time budget per measurement so the script stays short.
3. **A scaled graph**: the corpus graph replicated `--scale` times (default 8, ~61k triples).
   Copy k renames every IRI minted under the ltgraph base (`…/id/theory/{slug}` ->
   `…/id/theory/{slug}-rk`, likewise people, works, tools, items and passages), so each copy
   is an isolated replica and join results grow exactly `scale`-fold (asserted). The
   ontology is not replicated. On that graph the join comparison is repeated, and N-Triples
   serialising and parsing are timed with Oxigraph (`save_graph` / `load_graph`) versus
   rdflib's own plugins (`serialize(format="nt")` / `parse(format="nt")`).

Note on copying: oxrdflib hands simple literals back as `Literal("x", datatype=xsd:string)`,
which rdflib does not match against the plain `"x"` of a query (RDF 1.1 says they are the
same term; rdflib 7 keeps them apart). The copy into the plain rdflib graph therefore turns
xsd:string literals back into plain ones, exactly what rdflib's own parsers produce.

Run from the repository root::

    .venv/bin/python benchmarks/bench_graph.py            # scale 8
    .venv/bin/python benchmarks/bench_graph.py --scale 4  # smaller scaled graph

It prints plain-text tables and finishes in well under a minute at the default scale.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from ltgraph.config import Settings, bundled_corpus_dir
from ltgraph.corpus import Entry, entry_files, load_corpus
from ltgraph.rdf.iris import Iris
from ltgraph.rdf.build import build_graph
from ltgraph.rdf.graph import count_triples, load_graph, new_graph, run_query, save_graph
from ltgraph.rdf.shacl import validate_graph
from ltgraph.rdf.ontology import PREFIXES
from ltgraph.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import percentile, print_table  # noqa: E402

#: Entries with their researchers and the labels of their limitations (three-pattern join).
JOIN_RESEARCHERS_LIMITATIONS = """\
SELECT ?e ?p ?l WHERE {
  ?e ltg:developedBy ?p .
  ?e ltg:hasLimitation ?x .
  ?x rdfs:label ?l
}"""

#: Limitation passages joined to the label of their entry.
JOIN_PASSAGES_ENTRIES = """\
SELECT ?pa ?e ?name WHERE {
  ?pa ltg:inEntry ?e .
  ?pa ltg:kind "limitation" .
  ?e rdfs:label ?name
}"""

QUERIES: dict[str, str] = {
    "entry-researcher-limitation": JOIN_RESEARCHERS_LIMITATIONS,
    "passage-entry (limitation)": JOIN_PASSAGES_ENTRIES,
}

Triple = tuple[Any, Any, Any]


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Timing:
    """Wall-clock samples (seconds) of one measurement and the last value the code returned."""

    samples: tuple[float, ...]
    result: Any = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p90(self) -> float:
        return percentile(self.samples, 90)

    @property
    def runs(self) -> int:
        return len(self.samples)




def measure(fn: Callable[[], Any], runs: int, *, warmup: int = 0,
            budget: float | None = None) -> Timing:
    """Time `fn` up to `runs` times after `warmup` uncounted calls.

    With a `budget` (seconds), stop early once the counted runs have used it up; at least
    one run is always counted.
    """
    result = None
    for _ in range(warmup):
        result = fn()
    gc.collect()
    samples: list[float] = []
    spent = 0.0
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        samples.append(elapsed)
        spent += elapsed
        if budget is not None and spent >= budget:
            break
    return Timing(tuple(samples), result)


# --------------------------------------------------------------------------- output


def fmt_ms(seconds: float) -> str:
    """Milliseconds with about three significant digits."""
    ms = seconds * 1000
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def fmt_ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:,.1f}x" if fast > 0 else "n/a"




# --------------------------------------------------------------------------- graphs


def load_bundled() -> list[Entry]:
    return load_corpus(entry_files(bundled_corpus_dir()))


def plain_literals(triples: Iterable[Triple]) -> Iterable[Triple]:
    """Turn oxrdflib's xsd:string literals into the plain literals rdflib itself produces."""
    for s, p, o in triples:
        if isinstance(o, Literal) and o.datatype == XSD.string:
            o = Literal(str(o))
        yield s, p, o


def to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    """A plain rdflib graph (rdflib's own Memory store) holding the given triples."""
    graph = rdflib.Graph()
    graph.addN((s, p, o, graph) for s, p, o in plain_literals(triples))
    return graph


def renamer(base: str, suffix: str) -> Callable[[Any], Any]:
    """Rename `{base}id/{kind}/{slug}[/rest]` to `{base}id/{kind}/{slug}{suffix}[/rest]`."""
    prefix = f"{base}id/"

    def rename(term: Any) -> Any:
        if not isinstance(term, URIRef) or not term.startswith(prefix):
            return term
        kind, _, rest = term[len(prefix):].partition("/")
        slug, sep, tail = rest.partition("/")
        return URIRef(f"{prefix}{kind}/{slug}{suffix}{sep}{tail}")

    return rename


def replicate(triples: list[Triple], base: str, scale: int) -> list[Triple]:
    """The triples plus `scale - 1` renamed copies of every triple about an ltgraph IRI."""
    instance_prefix = f"{base}id/"
    data = [t for t in triples if isinstance(t[0], URIRef) and t[0].startswith(instance_prefix)]
    out = list(triples)
    for k in range(1, scale):
        rename = renamer(base, f"-r{k}")
        out.extend((rename(s), p, rename(o)) for s, p, o in data)
    return out


def to_oxigraph(triples: Iterable[Triple]) -> rdflib.Graph:
    graph = new_graph()
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return graph


# --------------------------------------------------------------------------- sections


def bench_build(entries_runs: int = 3) -> tuple[list[list[str]], rdflib.Graph, int]:
    """Section 1: parse, build_graph, SHACL and Service.build of the bundled corpus."""
    iris = Iris()
    parse = measure(load_bundled, entries_runs)
    entries = parse.result
    build = measure(lambda: build_graph(entries, iris), entries_runs)
    graph = build.result
    shacl = measure(lambda: validate_graph(graph, iris), entries_runs)
    if shacl.result:
        raise AssertionError(f"bundled corpus does not validate: {shacl.result[:3]}")

    def full_build() -> Any:
        with tempfile.TemporaryDirectory(prefix="ltgraph-bench-") as tmp:
            return Service(Settings(data_dir=Path(tmp))).build()

    service = measure(full_build, entries_runs)
    rows = [
        ["parse corpus (load_corpus)", f"{len(entries)} entries", fmt_ms(parse.median),
         fmt_ms(min(parse.samples)), fmt_ms(max(parse.samples))],
        ["build_graph (Oxigraph store)", f"{count_triples(graph):,} triples", fmt_ms(build.median),
         fmt_ms(min(build.samples)), fmt_ms(max(build.samples))],
        ["SHACL validate_graph", "0 violations", fmt_ms(shacl.median),
         fmt_ms(min(shacl.samples)), fmt_ms(max(shacl.samples))],
        ["Service.build (fresh data dir)", f"{service.result.passages:,} passages",
         fmt_ms(service.median), fmt_ms(min(service.samples)), fmt_ms(max(service.samples))],
    ]
    return rows, graph, len(entries)


def bench_joins(ox_graph: rdflib.Graph, rdf_graph: rdflib.Graph, *, runs: int,
                rdflib_runs: int, budget: float) -> tuple[list[list[str]], dict[str, int]]:
    """Sections 2 and 3: each join query on Oxigraph versus rdflib's store and engine."""
    rows: list[list[str]] = []
    counts: dict[str, int] = {}
    for name, query in QUERIES.items():
        ox = measure(lambda: sum(1 for _ in run_query(ox_graph, query)), runs, warmup=1)
        rl = measure(lambda: sum(1 for _ in rdf_graph.query(query, initNs=PREFIXES)),
                     rdflib_runs, warmup=1, budget=budget)
        assert ox.result == rl.result, (
            f"{name}: Oxigraph returned {ox.result} rows, rdflib {rl.result}")
        assert ox.result > 0, f"{name}: no rows; the benchmark would measure nothing"
        counts[name] = ox.result
        rows.append([name, "Oxigraph", f"{ox.result:,}", ox.runs, fmt_ms(ox.median),
                     fmt_ms(ox.p90), ""])
        rows.append(["", "rdflib Memory", f"{rl.result:,}", rl.runs, fmt_ms(rl.median),
                     fmt_ms(rl.p90), fmt_ratio(rl.median, ox.median)])
    return rows, counts


def bench_ntriples(ox_graph: rdflib.Graph, rdf_graph: rdflib.Graph, n_triples: int, *,
                   runs: int, budget: float) -> list[list[str]]:
    """Section 3b: serialise and parse the scaled graph as N-Triples, Oxigraph vs rdflib."""
    with tempfile.TemporaryDirectory(prefix="ltgraph-bench-nt-") as tmp:
        ox_path, rl_path = Path(tmp) / "oxigraph.nt", Path(tmp) / "rdflib.nt"
        ox_save = measure(lambda: save_graph(ox_graph, ox_path), runs, budget=budget)
        rl_save = measure(lambda: rdf_graph.serialize(destination=rl_path, format="nt",
                                                      encoding="utf-8"), runs, budget=budget)
        ox_load = measure(lambda: count_triples(load_graph(ox_path)), runs, budget=budget)
        rl_load = measure(lambda: len(rdflib.Graph().parse(rl_path, format="nt")), runs,
                          budget=budget)
        assert ox_load.result == n_triples, f"Oxigraph reloaded {ox_load.result} of {n_triples}"
        assert rl_load.result == n_triples, f"rdflib reloaded {rl_load.result} of {n_triples}"
        ox_size, rl_size = ox_path.stat().st_size, rl_path.stat().st_size

    def row(op: str, engine: str, size: int, t: Timing, ratio: str = "") -> list[str]:
        return [op, engine, f"{size / 1e6:.1f} MB", t.runs, fmt_ms(t.median), fmt_ms(t.p90), ratio]

    return [
        row("serialise", "Oxigraph save_graph", ox_size, ox_save),
        row("", 'rdflib serialize("nt")', rl_size, rl_save, fmt_ratio(rl_save.median, ox_save.median)),
        row("parse", "Oxigraph load_graph", ox_size, ox_load),
        row("", 'rdflib parse("nt")', rl_size, rl_load, fmt_ratio(rl_load.median, ox_load.median)),
    ]


# --------------------------------------------------------------------------- main


JOIN_HEADERS = ["query", "store", "rows", "runs", "median ms", "p90 ms", "rdflib/ox"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=8,
                        help="copies of the corpus graph in the scaled graph (default 8, ~61k triples)")
    parser.add_argument("--runs", type=int, default=30,
                        help="timed runs per Oxigraph query (default 30)")
    parser.add_argument("--rdflib-runs", type=int, default=10,
                        help="at most this many timed runs per rdflib query (default 10)")
    parser.add_argument("--budget", type=float, default=10.0,
                        help="seconds of timed runs after which an rdflib or N-Triples "
                             "measurement stops early (default 10)")
    parser.add_argument("--io-runs", type=int, default=3,
                        help="timed runs per N-Triples serialise/parse (default 3)")
    args = parser.parse_args(argv)
    if args.scale < 1 or args.runs < 1 or args.rdflib_runs < 1 or args.io_runs < 1:
        parser.error("--scale and the run counts must be at least 1")

    started = time.perf_counter()
    print("ltgraph graph benchmark")
    print(f"Python {platform.python_version()} on {platform.platform()}; "
          + ", ".join(f"{p} {version(p)}" for p in ("rdflib", "pyoxigraph", "oxrdflib", "pyshacl")))

    # 1. Build
    build_rows, graph, n_entries = bench_build()
    print_table(f"1. Build of the bundled corpus ({n_entries} entries), median of 3 runs",
                ["stage", "size", "median ms", "min ms", "max ms"], build_rows)

    # 2. Joins on the corpus graph
    triples = list(graph.triples((None, None, None)))
    rdf_graph = to_rdflib(triples)
    assert len(rdf_graph) == len(triples) == count_triples(graph)
    join_rows, base_counts = bench_joins(graph, rdf_graph, runs=args.runs,
                                         rdflib_runs=args.rdflib_runs, budget=args.budget)
    print_table(f"2. SPARQL joins on the corpus graph ({len(triples):,} triples)",
                JOIN_HEADERS, join_rows)

    # 3. Scaled graph
    base = Iris().base
    scaled = replicate(triples, base, args.scale)
    t0 = time.perf_counter()
    big_ox = to_oxigraph(scaled)
    ox_fill = time.perf_counter() - t0
    t0 = time.perf_counter()
    big_rl = to_rdflib(scaled)
    rl_fill = time.perf_counter() - t0
    n_big = count_triples(big_ox)
    assert len(big_rl) == n_big, f"rdflib holds {len(big_rl)} triples, Oxigraph {n_big}"
    join_rows, big_counts = bench_joins(big_ox, big_rl, runs=args.runs,
                                        rdflib_runs=args.rdflib_runs, budget=args.budget)
    for name, count in big_counts.items():
        assert count == args.scale * base_counts[name], (
            f"{name}: {count} rows at scale {args.scale}, expected {args.scale} x {base_counts[name]}")
    print_table(f"3. SPARQL joins on the scaled graph ({args.scale} copies, {n_big:,} triples; "
                f"rows = {args.scale} x corpus rows)", JOIN_HEADERS, join_rows)
    print(f"(filling the stores once: Oxigraph addN {fmt_ms(ox_fill)} ms, "
          f"rdflib addN {fmt_ms(rl_fill)} ms)")

    io_rows = bench_ntriples(big_ox, big_rl, n_big, runs=args.io_runs, budget=args.budget)
    print_table(f"3b. N-Triples I/O of the scaled graph ({n_big:,} triples)",
                ["operation", "engine", "file", "runs", "median ms", "p90 ms", "rdflib/ox"],
                io_rows)

    print(f"\nTimes are wall clock (time.perf_counter). Query times include parsing the query "
          f"and iterating every row; row counts are asserted equal on both stores.\n"
          f"Total benchmark time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
