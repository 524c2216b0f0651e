"""HTTP load benchmark: `/api/search` and a `/sparql` query mix against a real `ltgraph serve`.

What it measures
  1. requests/s, p50 and p99 latency of GET /api/search over the 145 development questions
     (eval/questions.jsonl) in rotation, with C concurrent keep-alive clients, for D seconds.
     The first pass over the questions embeds each one; later passes hit the query cache, as
     repeated questions do in production. Targets (2 cores): >= 100 requests/s, p99 <= 100 ms.
  2. the same for a /sparql mix (small SELECTs, an ASK, a CONSTRUCT) in JSON / Turtle.
  3. /sparql overhead: the in-process time of the guarded path (`Service.public_sparql`: guard,
     worker-process round trip, row limit, serialisation) minus the bare Oxigraph query
     (`store.query` + iterating the rows) for small results. Target: <= 2 ms.

Run (builds the bundled corpus into a temporary data directory unless --data-dir is given):

    .venv/bin/python benchmarks/bench_http.py [--workers 2] [--clients 8] [--seconds 15]

The load generator runs on the same machine as the server, so it competes for the cores:
the figures are a lower bound of what the server does alone.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, percentile, run_threads  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SPARQL_MIX = [
    ("json", "SELECT ?name WHERE { <https://w3id.org/ltgraph/id/theory/connectivism> ltg:developedBy/rdfs:label ?name }"),
    ("json", "SELECT ?e ?y WHERE { ?e ltg:yearProposed ?y } ORDER BY ?y LIMIT 10"),
    ("json", "SELECT ?l WHERE { ?e a ltg:InstructionalDesignModel ; ltg:hasLimitation/rdfs:label ?l } LIMIT 20"),
    ("json", "ASK { ?s a ltg:Researcher }"),
    ("turtle", "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a ltg:LearningTheory ; rdfs:label ?l }"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]




def load(port: int | list[int], paths: list[tuple[str, dict[str, str]]], clients: int,
         seconds: float) -> dict:
    """`clients` threads, each with one keep-alive connection, cycling through `paths`; with
    several ports (one server process each), client i talks to ports[i % len(ports)]."""
    ports = port if isinstance(port, list) else [port]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", ports[offset % len(ports)], timeout=30)
        mine, i = [], offset
        while time.monotonic() < stop:
            path, headers = paths[i % len(paths)]
            i += clients
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 200:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    elapsed = run_threads(clients, worker)
    return {"requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
            "errors": errors[0]}


def wait_healthy(port: int, seconds: float = 240, path: str = "/api/health") -> None:
    """Until the server on `port` answers `path` with 200 (it loads data and model first; its
    SPARQL query processes load the graph on first use: pass a /sparql path to wait for them)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"the server on port {port} did not answer {path}")


def sparql_overhead(data_dir: Path, runs: int = 200) -> list[tuple[str, float, float]]:
    import pyoxigraph as ox

    from ltgraph.config import Settings
    from ltgraph.rdf.graph import oxstore
    from ltgraph.rdf.ontology import PREFIXES
    from ltgraph.service import Service

    service = Service(Settings(data_dir=data_dir))
    store = oxstore(service.graph)
    rows = []
    for _fmt, query in SPARQL_MIX:
        service.public_sparql(query, "json", "turtle")  # start the worker, load the graph
        bare, guarded = [], []
        for _ in range(runs):
            t = time.perf_counter()
            result = store.query(query, prefixes=PREFIXES)
            _ = bool(result) if isinstance(result, ox.QueryBoolean) else list(result)
            bare.append(time.perf_counter() - t)
            t = time.perf_counter()
            service.public_sparql(query, "json", "turtle")
            guarded.append(time.perf_counter() - t)
        rows.append((query[:60], statistics.median(bare) * 1000, statistics.median(guarded) * 1000))
    service.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="a built data directory (default: build one)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()

    tmp = None
    data_dir = args.data_dir
    if data_dir is None:
        tmp = tempfile.TemporaryDirectory()
        data_dir = Path(tmp.name) / "data"
        print("building the bundled corpus …", flush=True)
        subprocess.run([sys.executable, "-m", "ltgraph", "--data-dir", str(data_dir), "build"], check=True,
                       stderr=subprocess.DEVNULL)
    port = free_port()
    env = {**os.environ, "LTGRAPH_DATA_DIR": str(data_dir)}
    server = subprocess.Popen([sys.executable, "-m", "ltgraph", "serve", "--port", str(port),
                               "--workers", str(args.workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(port)
        questions = [json.loads(line)["q"] for line in (REPO / "eval" / "questions.jsonl").read_text().splitlines() if line.strip()]
        search_paths = [("/api/search?" + urllib.parse.urlencode({"q": q, "k": 10}), {}) for q in questions]
        accept = {"json": "application/sparql-results+json", "turtle": "text/turtle"}
        sparql_paths = [("/sparql?" + urllib.parse.urlencode({"query": q}), {"Accept": accept[f]}) for f, q in SPARQL_MIX]
        # warm every worker: model, graph and SPARQL worker processes
        load(port, sparql_paths + search_paths[:10], args.clients, 3)
        before = load_average()
        first = load(port, search_paths, args.clients, min(args.seconds, 8))
        search = load(port, search_paths, args.clients, args.seconds)
        during = load_average()  # (the load generator's own share included)
        sparql = load(port, sparql_paths, args.clients, args.seconds)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"\nltgraph serve --workers {args.workers}; {args.clients} concurrent keep-alive clients on "
          f"loopback, {os.cpu_count()} cores shared with the load generator; load average "
          f"before the runs {before}, after the /api/search runs {during} (1, 5, 15 min)")
    print(f"{'endpoint':<38} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in [("/api/search (first 8 s, caches filling)", first),
                    (f"/api/search (steady, {len(questions)} questions)", search),
                    ("/sparql (mix of 5 queries)", sparql)]:
        print(f"{name:<38} {r['requests']:>8} {r['rps']:>8.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['errors']:>7}")
    print("\n/sparql overhead in-process (median ms over 200 runs): bare Oxigraph query vs guarded path")
    print(f"{'query':<62} {'bare':>7} {'guarded':>8} {'overhead':>9}")
    for query, bare, guarded in sparql_overhead(data_dir):
        print(f"{query:<62} {bare:>7.2f} {guarded:>8.2f} {guarded - bare:>9.2f}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
