"""What `ltgs:search` costs inside SPARQL, against its parts.

    .venv/bin/python benchmarks/bench_semantic_sparql.py [--data-dir DIR] [--passes 3]

For each development question, three timings through the service (in process, warm):
  search   `Service.search(q, k=10)` — the search API's work;
  plain    the same SPARQL query with the rows written in as VALUES (no ltgs:), through the
           guarded, sandboxed query processes;
  ltgs     the query with `(?p ?s) ltgs:search ("q" 10)`, the whole path.
Target (issue "semantic SPARQL"): ltgs ≤ search + plain + 5 ms at the median. Prints p50/p90
of each and the median overhead, with the load average. Builds the bundled corpus into a
temporary data directory unless --data-dir names a built one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

QUERY = ("SELECT ?label ?s WHERE {{ {pattern} ?p ltg:about ?node . ?node rdfs:label ?label }} "
         "ORDER BY DESC(?s)")


def main() -> int:
    from ltgraph.config import Settings
    from ltgraph.evaluation import load_questions
    from ltgraph.service import SearchBackend, Service
    from ltgraph.sparql.semantic import _values

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data_dir or Path(tmp) / "data"
        service = Service(Settings(data_dir=data))
        if args.data_dir is None:
            print("building the bundled corpus …", flush=True)
            service.build()
        questions = [q.q for q in load_questions(REPO / "eval" / "questions.jsonl")]
        backend = SearchBackend(service.searcher, service.snapshot())
        service.warm_up()
        for q in questions[:5]:  # warm: query vectors cached, processes loaded
            service.public_sparql(QUERY.format(pattern=f"(?p ?s) ltgs:search ({json.dumps(q)} 10) ."))
        times: dict[str, list[float]] = {"search": [], "plain": [], "ltgs": []}
        for _ in range(args.passes):
            for q in questions:
                started = time.perf_counter()
                rows = backend.search(q, 10, None)
                times["search"].append(time.perf_counter() - started)
                plain = QUERY.format(pattern=_values(["?p", "?s"], rows) + " .")
                started = time.perf_counter()
                service.public_sparql(plain)
                times["plain"].append(time.perf_counter() - started)
                with_ltgs = QUERY.format(pattern=f"(?p ?s) ltgs:search ({json.dumps(q)} 10) .")
                started = time.perf_counter()
                service.public_sparql(with_ltgs)
                times["ltgs"].append(time.perf_counter() - started)
        service.close()
    load = os.getloadavg()
    print(f"\n{len(questions)} questions x {args.passes} passes; load average {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores\n")
    print(f"{'path':<8} {'p50 ms':>8} {'p90 ms':>8}")
    p50 = {}
    for name, values in times.items():
        ms = sorted(v * 1000 for v in values)
        p50[name] = statistics.median(ms)
        print(f"{name:<8} {p50[name]:>8.2f} {ms[int(len(ms) * 0.9)]:>8.2f}")
    overhead = p50["ltgs"] - p50["search"] - p50["plain"]
    print(f"\nltgs - (search + plain) at the median: {overhead:+.2f} ms (target ≤ +5 ms): "
          f"{'met' if overhead <= 5 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
