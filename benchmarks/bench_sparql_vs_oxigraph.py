"""ltgraph's `/sparql` side by side with the Oxigraph server, over HTTP on loopback.

What it measures
  1. per-query latency (p50, p99; one keep-alive client, N requests per system) of 11 queries
     over the ltgraph graph -- lookup, list, join, group-by, filter, optional, `buildsOn+`
     path, CONSTRUCT, DESCRIBE, ASK, `relatedTo*` path -- sent with the same text (full PREFIX
     declarations) to `ltgraph serve` (/sparql) and to `oxigraph serve-read-only` (/query)
     loaded with the same graph. Requests alternate A, B, A, B … so that drift (other load
     on the machine, CPU frequency) hits both systems alike. Before timing, both answers
     are compared: the same number of rows (SELECT), triples (CONSTRUCT/DESCRIBE) or the
     same boolean (ASK); a mismatch is printed loudly and the script exits with status 1.
  2. throughput (requests/s) of the whole mix with C concurrent keep-alive clients, each
     system in turn (A, B, A, B in two halves of --seconds each), and the ratio.
  3. result rendering vs engine serialisation, for a large SELECT (all triples, LIMIT
     10,000): ltgraph /sparql vs Oxigraph server over HTTP, and in-process the pyoxigraph
     engine's own JSON serialiser (`QuerySolutions.serialize`) vs ltgraph's Python renderer
     (`ltgraph.sparql.render_select`, and `ltgraph.sparql.execute` when it exists) on the
     same in-memory store. Skipped with a message if that API is missing.

Goal (the issue): ltgraph's per-query p50 within 2x of the Oxigraph server's, and mix
throughput >= 0.4x the Oxigraph server's.

Run (builds the bundled corpus into a temporary data directory unless --data-dir is given;
needs the Oxigraph server binary: `.venv/bin/pip install oxigraph`):

    .venv/bin/python benchmarks/bench_sparql_vs_oxigraph.py [--requests 200] [--clients 8]
        [--seconds 5] [--workers 2] [--data-dir DIR] [--json]

Both servers listen on 127.0.0.1 only and are stopped at the end (also on Ctrl-C or an
error). The load generator shares the cores with both servers, so absolute figures are a
lower bound; the ratios are what to read. Note that Oxigraph's server uses every core while
`ltgraph serve` runs --workers gunicorn processes (each with its SPARQL worker processes).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, percentile, print_table, run_threads, say  # noqa: E402

HOST = "127.0.0.1"
PREFIXES = """PREFIX ltg: <https://w3id.org/ltgraph/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
THEORY = "https://w3id.org/ltgraph/id/theory/"
SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples"

#: (name, kind, query body); kind "select"/"ask" asks for SPARQL JSON, "graph" for N-Triples.
QUERIES: list[tuple[str, str, str]] = [
    ("lookup", "select",
     f"SELECT ?label ?year WHERE {{ <{THEORY}connectivism> rdfs:label ?label ; ltg:yearProposed ?year }}"),
    ("list", "select",
     "SELECT ?e ?label WHERE { ?e a ltg:LearningTheory ; rdfs:label ?label } ORDER BY ?label"),
    ("join", "select",
     "SELECT ?theory ?name WHERE { ?e a ltg:LearningTheory ; rdfs:label ?theory ; ltg:developedBy ?p . "
     "?p rdfs:label ?name } ORDER BY ?theory ?name"),
    ("group-by", "select",
     "SELECT ?e (COUNT(?l) AS ?n) WHERE { ?e ltg:hasLimitation ?l } GROUP BY ?e ORDER BY DESC(?n) ?e"),
    ("filter", "select",
     "SELECT ?e ?label ?year WHERE { ?e ltg:yearProposed ?year ; rdfs:label ?label "
     "FILTER(xsd:integer(STR(?year)) >= 1980 && CONTAINS(LCASE(STR(?label)), \"learning\")) } ORDER BY ?year"),
    ("optional", "select",
     "SELECT ?e ?label ?base WHERE { { ?e a ltg:LearningTheory } UNION { ?e a ltg:InstructionalDesignModel } "
     "?e rdfs:label ?label OPTIONAL { ?e ltg:buildsOn ?base } } ORDER BY ?label"),
    ("path buildsOn+", "select",
     "SELECT ?e ?ancestor WHERE { ?e ltg:buildsOn+ ?ancestor } ORDER BY ?e ?ancestor"),
    ("construct", "graph",
     "CONSTRUCT { ?e rdfs:label ?l ; ltg:developedBy ?p . ?p rdfs:label ?n } WHERE { "
     "?e a ltg:InstructionalDesignModel ; rdfs:label ?l ; ltg:developedBy ?p . ?p rdfs:label ?n }"),
    ("describe", "graph", f"DESCRIBE <{THEORY}connectivism>"),
    ("ask", "ask", f"ASK {{ ?e ltg:buildsOn <{THEORY}constructivism> }}"),
    ("path relatedTo*", "select",
     f"SELECT DISTINCT ?x WHERE {{ <{THEORY}connectivism> ltg:relatedTo* ?x }} ORDER BY ?x"),
]
BIG_SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def oxigraph_binary() -> Path:
    """The `oxigraph` server binary next to this Python (the venv) or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("oxigraph")
    if found:
        return Path(found)
    sys.exit("error: the Oxigraph server binary `oxigraph` was found neither next to "
             f"{sys.executable} nor on PATH.\nInstall it into the venv with: "
             f"{Path(sys.executable).parent / 'pip'} install oxigraph")


# --------------------------------------------------------------------------- HTTP


class System:
    """One SPARQL server: how to turn a query into a GET path."""

    def __init__(self, name: str, port: int, endpoint: str) -> None:
        self.name, self.port, self.endpoint = name, port, endpoint

    def path(self, query: str) -> str:
        return f"{self.endpoint}?" + urllib.parse.urlencode({"query": query})

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=60)


def fetch(conn: http.client.HTTPConnection, path: str, accept: str) -> tuple[int, bytes]:
    """GET on a keep-alive connection; one retry if the server closed it while idle."""
    for attempt in (0, 1):
        try:
            conn.request("GET", path, headers={"Accept": accept})
            response = conn.getresponse()
            return response.status, response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                http.client.CannotSendRequest, http.client.ResponseNotReady):
            conn.close()
            if attempt:
                raise
    raise AssertionError("unreachable")


def accept_for(kind: str) -> str:
    return GRAPH_ACCEPT if kind == "graph" else SELECT_ACCEPT


def result_size(kind: str, body: bytes) -> Any:
    """Rows of a SELECT, triples of a graph result, the boolean of an ASK."""
    if kind == "graph":
        return sum(1 for line in body.decode("utf-8").splitlines()
                   if line.strip() and not line.lstrip().startswith("#"))
    doc = json.loads(body)
    if "boolean" in doc:
        return bool(doc["boolean"])
    return len(doc["results"]["bindings"])


def wait_until_up(system: System, process: subprocess.Popen, log: Path, timeout: float) -> None:
    path = system.path(PREFIXES + "ASK { ?s ?p ?o }")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{system.name} exited with status {process.returncode} before "
                               f"answering; last lines of its log:\n{tail(log)}")
        conn = system.connect()
        try:
            status, _ = fetch(conn, path, SELECT_ACCEPT)
            if status == 200:
                return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.3)
    raise RuntimeError(f"{system.name} did not answer within {timeout:.0f} s; last lines of its "
                       f"log:\n{tail(log)}")


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(process: subprocess.Popen | None) -> None:
    """SIGTERM the process we started, then SIGKILL its own process group if it lingers."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: started with start_new_session
        except OSError:
            process.kill()
        process.wait(timeout=10)


# --------------------------------------------------------------------------- measurements


def check_counts(systems: tuple[System, System]) -> tuple[dict[str, tuple[Any, Any]], list[str]]:
    """Run every query once on both; the result sizes, and the problems (loud)."""
    sizes, problems = {}, []
    conns = [s.connect() for s in systems]
    for name, kind, body in QUERIES + [("big select", "select", BIG_SELECT)]:
        got = []
        for system, conn in zip(systems, conns):
            status, data = fetch(conn, system.path(PREFIXES + body), accept_for(kind))
            if status != 200:
                problems.append(f"{name}: {system.name} answered HTTP {status}: {data[:300]!r}")
                got.append(None)
            else:
                got.append(result_size(kind, data))
        sizes[name] = (got[0], got[1])
        if got[0] != got[1]:
            problems.append(f"{name}: MISMATCH ltgraph={got[0]} oxigraph={got[1]}")
    for conn in conns:
        conn.close()
    return sizes, problems


def latencies(systems: tuple[System, System], kind: str, query: str, n: int,
              warmup: int = 5) -> tuple[list[float], list[float], int]:
    """n timed GETs per system on one keep-alive connection each, alternating A, B, A, B."""
    conns = [s.connect() for s in systems]
    paths = [s.path(query) for s in systems]
    accept = accept_for(kind)
    samples: list[list[float]] = [[], []]
    errors = 0
    for i in range(warmup + n):
        for j in (0, 1):
            started = time.perf_counter()
            status, _ = fetch(conns[j], paths[j], accept)
            elapsed = time.perf_counter() - started
            if status != 200:
                errors += 1
            if i >= warmup:
                samples[j].append(elapsed)
    for conn in conns:
        conn.close()
    return samples[0], samples[1], errors


def throughput(system: System, clients: int, seconds: float) -> dict[str, Any]:
    """`clients` threads, each with one keep-alive connection, cycling through the mix."""
    mix = [(system.path(PREFIXES + body), accept_for(kind)) for _, kind, body in QUERIES]
    latencies_: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(offset: int) -> None:
        conn = system.connect()
        mine, bad, i = [], 0, offset
        while time.monotonic() < stop_at:
            path, accept = mix[i % len(mix)]
            i += 1
            started = time.perf_counter()
            try:
                status, _ = fetch(conn, path, accept)
            except OSError:
                status = 0
                conn.close()
            mine.append(time.perf_counter() - started)
            bad += status != 200
        conn.close()
        with lock:
            latencies_.extend(mine)
            errors[0] += bad

    elapsed = run_threads(clients, worker)
    return {"requests": len(latencies_), "seconds": elapsed, "errors": errors[0],
            "p50_ms": percentile(latencies_, 50) * 1000 if latencies_ else float("nan"),
            "p99_ms": percentile(latencies_, 99) * 1000 if latencies_ else float("nan")}


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    return {"requests": requests, "rps": requests / seconds if seconds else 0.0,
            "errors": sum(r["errors"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "p99_ms": max(r["p99_ms"] for r in runs)}


def in_process(nt_file: Path, runs: int) -> dict[str, Any]:
    """Big SELECT on one in-memory pyoxigraph store: engine JSON serialiser vs ltgraph's renderer."""
    import pyoxigraph as ox

    try:
        from ltgraph import sparql as lts
    except ImportError as exc:
        return {"skipped": f"cannot import ltgraph.sparql ({exc})"}
    render_select = getattr(lts, "render_select", None)
    if not callable(render_select):
        return {"skipped": "ltgraph.sparql.render_select does not exist (any more?); "
                           "in-process comparison skipped"}
    store = ox.Store()
    store.bulk_load(path=str(nt_file), format=ox.RdfFormat.N_TRIPLES)
    query = PREFIXES + BIG_SELECT

    def engine() -> bytes:
        return store.query(query).serialize(format=ox.QueryResultsFormat.JSON)

    def renderer() -> bytes:
        result = store.query(query)
        names = [v.value for v in result.variables]
        table = [[solution[name] for name in names] for solution in result]
        return render_select(names, table, "json")

    def query_only() -> Any:
        return sum(1 for _ in store.query(query))

    contenders: list[tuple[str, Callable[[], Any]]] = [
        ("engine: Store.query + QuerySolutions.serialize(JSON)", engine),
        ("ltgraph: Store.query + render_select(json)", renderer),
        ("bare: Store.query, iterate rows", query_only),
    ]
    notes = []
    full = _worker_path(lts, store, query)
    if isinstance(full, str):
        notes.append(full)
    else:
        contenders.append(("ltgraph: sparql.execute (worker path, json)", full))
    try:
        rows = [len(json.loads(engine())["results"]["bindings"]),
                len(json.loads(renderer())["results"]["bindings"])]
    except Exception as exc:
        return {"skipped": f"ltgraph renderer failed ({type(exc).__name__}: {exc})"}
    if rows[0] != rows[1]:
        notes.append(f"MISMATCH rows engine={rows[0]} ltgraph renderer={rows[1]}")
    samples: dict[str, list[float]] = {name: [] for name, _ in contenders}
    for _ in range(runs):  # interleaved, as over HTTP
        for name, func in contenders:
            started = time.perf_counter()
            func()
            samples[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(s) * 1000 for name, s in samples.items()}
    return {"rows": rows[0], "runs": runs, "median_ms": medians,
            "bytes": {"engine": len(engine()), "ltgraph": len(renderer())}, "notes": notes}


def _worker_path(lts: Any, store: Any, query: str) -> Callable[[], bytes] | str:
    """`ltgraph.sparql.execute` as the query workers call it, whichever signature it has today:
    `execute(store, Job(...))` or the older `execute(store, query, prefixes, select_fmt,
    graph_fmt, max_rows)`. A string says why it cannot be measured."""
    import dataclasses

    execute, job_type = getattr(lts, "execute", None), getattr(lts, "Job", None)
    if not callable(execute):
        return "ltgraph.sparql.execute does not exist: worker path not measured"
    known = {"query": query, "prefixes": {}, "base_iri": "https://w3id.org/ltgraph/id/",
             "select_fmt": "json", "graph_fmt": "nt", "max_rows": 10_000,
             "max_bytes": 64 * 1024 * 1024, "generation": ""}
    attempts: list[Callable[[], bytes]] = []
    if job_type is not None and dataclasses.is_dataclass(job_type):
        names = [f.name for f in dataclasses.fields(job_type)]
        if all(n in known for n in names):
            job = job_type(**{n: known[n] for n in names})
            attempts.append(lambda: execute(store, job).body)
    attempts.append(lambda: execute(store, query, {}, "json", "nt", 10_000).body)
    problems = []
    for attempt in attempts:
        try:
            attempt()
            return attempt
        except Exception as exc:  # the API is being rewritten: report, do not fail
            problems.append(f"{type(exc).__name__}: {exc}")
    return "ltgraph.sparql.execute not measured (" + "; ".join(problems) + ")"


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="a built ltgraph data directory (default: build one)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per query and system")
    parser.add_argument("--big-requests", type=int, default=30,
                        help="timed requests (and in-process runs) of the large SELECT")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients in the throughput phase")
    parser.add_argument("--seconds", type=float, default=5, help="throughput seconds per system")
    parser.add_argument("--workers", type=int, default=2, help="`ltgraph serve --workers`")
    parser.add_argument("--startup-timeout", type=float, default=240)
    parser.add_argument("--json", action="store_true", help="also print a machine-readable summary")
    args = parser.parse_args()

    binary = oxigraph_binary()
    # Ctrl-C raises KeyboardInterrupt; make SIGTERM unwind through `finally` as well.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = tempfile.TemporaryDirectory(prefix="bench-sparql-")
    work = Path(tmp.name)
    processes: list[subprocess.Popen] = []
    load_before = load_average()
    try:
        data_dir = args.data_dir
        env = {**os.environ}
        if data_dir is None:
            data_dir = work / "data"
            say("building the bundled corpus into a temporary data directory …")
            subprocess.run([sys.executable, "-m", "ltgraph", "build"], check=True,
                           env={**env, "LTGRAPH_DATA_DIR": str(data_dir)},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env["LTGRAPH_DATA_DIR"] = str(data_dir.resolve())
        nt_file = work / "graph.nt"
        say("exporting the served graph as N-Triples …")
        subprocess.run([sys.executable, "-m", "ltgraph", "export", "--format", "nt", "-o", str(nt_file)],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        triples = sum(1 for line in nt_file.open(encoding="utf-8") if line.strip())
        say(f"loading {triples} triples into Oxigraph ({binary}) …")
        location = work / "oxigraph"
        subprocess.run([str(binary), "load", "--location", str(location), "--file", str(nt_file)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        ox_port, lt_port = free_port(), free_port()
        ox_log, lt_log = work / "oxigraph.log", work / "ltgraph.log"
        with ox_log.open("wb") as out:
            processes.append(subprocess.Popen(
                [str(binary), "serve-read-only", "--location", str(location), "--bind", f"{HOST}:{ox_port}"],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        with lt_log.open("wb") as out:
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "ltgraph", "serve", "--host", HOST, "--port", str(lt_port),
                 "--workers", str(args.workers)],
                env=env, stdout=subprocess.DEVNULL, stderr=out, start_new_session=True))
        oxigraph = System("oxigraph", ox_port, "/query")
        ltgraph = System("ltgraph", lt_port, "/sparql")
        say("waiting for both servers to answer …")
        wait_until_up(oxigraph, processes[0], ox_log, args.startup_timeout)
        wait_until_up(ltgraph, processes[1], lt_log, args.startup_timeout)
        systems = (ltgraph, oxigraph)

        sizes, problems = check_counts(systems)
        for problem in problems:
            print(f"!!! {problem}", file=sys.stderr, flush=True)
        say("warming up both servers (every worker, every query) …")
        for system in systems:
            throughput(system, args.clients, 2)

        per_query = []
        for name, kind, body in QUERIES:
            say(f"latency: {name} ({args.requests} requests per system, interleaved)")
            a, b, errors = latencies(systems, kind, PREFIXES + body, args.requests)
            per_query.append({"query": name, "rows": sizes[name], "errors": errors,
                              "ltgraph_p50_ms": percentile(a, 50) * 1000,
                              "ltgraph_p99_ms": percentile(a, 99) * 1000,
                              "oxigraph_p50_ms": percentile(b, 50) * 1000,
                              "oxigraph_p99_ms": percentile(b, 99) * 1000})
        say(f"latency: big select ({args.big_requests} requests per system, interleaved)")
        a, b, big_errors = latencies(systems, "select", PREFIXES + BIG_SELECT, args.big_requests, warmup=2)
        big = {"rows": sizes["big select"], "errors": big_errors,
               "ltgraph_p50_ms": percentile(a, 50) * 1000, "oxigraph_p50_ms": percentile(b, 50) * 1000}

        say(f"throughput: mix of {len(QUERIES)} queries, {args.clients} clients, "
            f"{args.seconds:g} s per system (two halves, A B A B)")
        runs: dict[str, list[dict[str, Any]]] = {"ltgraph": [], "oxigraph": []}
        for _ in range(2):
            for system in systems:
                runs[system.name].append(throughput(system, args.clients, args.seconds / 2))
        mix = {name: merge(r) for name, r in runs.items()}
    finally:
        for process in reversed(processes):
            stop(process)
    say(f"in-process: large SELECT, {args.big_requests} runs each")
    inproc = in_process(nt_file, args.big_requests)
    tmp.cleanup()
    load_after = load_average()

    # ------------------------------------------------------------------ report
    def ratio(x: float, y: float) -> str:
        return f"{x / y:.2f}x" if y else "n/a"

    def rows_cell(pair: tuple[Any, Any]) -> str:
        return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]} != {pair[1]} !!"

    print_table(
        f"Per-query latency, 1 keep-alive client, {args.requests} requests per system "
        "(ratio = ltgraph / Oxigraph; goal <= 2x)",
        ["query", "rows", "ltgraph p50", "p99", "oxigraph p50", "p99", "ratio p50", "errors"],
        [[q["query"], rows_cell(q["rows"]), f"{q['ltgraph_p50_ms']:.2f}", f"{q['ltgraph_p99_ms']:.2f}",
          f"{q['oxigraph_p50_ms']:.2f}", f"{q['oxigraph_p99_ms']:.2f}",
          ratio(q["ltgraph_p50_ms"], q["oxigraph_p50_ms"]), q["errors"]] for q in per_query])
    within = sum(q["ltgraph_p50_ms"] <= 2 * q["oxigraph_p50_ms"] for q in per_query)
    print(f"(times in ms) queries with p50 within 2x: {within}/{len(per_query)}; "
          f"median ratio {statistics.median(q['ltgraph_p50_ms'] / q['oxigraph_p50_ms'] for q in per_query):.2f}x")

    lt, ox = mix["ltgraph"], mix["oxigraph"]
    print_table(
        f"Throughput, mix of {len(QUERIES)} queries, {args.clients} keep-alive clients, "
        f"{args.seconds:g} s per system (goal: ltgraph >= 0.4x)",
        ["system", "requests", "req/s", "p50 ms", "p99 ms", "errors"],
        [[name, r["requests"], f"{r['rps']:.1f}", f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}", r["errors"]]
         for name, r in mix.items()])
    print(f"throughput ratio ltgraph/oxigraph: {lt['rps'] / ox['rps']:.2f}x" if ox["rps"] else "n/a")

    print_table(
        "Result rendering vs engine serialisation: " + BIG_SELECT,
        ["measure", "rows", "median ms" if "median_ms" in inproc else "p50 ms", "ratio"],
        [["HTTP ltgraph /sparql", rows_cell(big["rows"]), f"{big['ltgraph_p50_ms']:.1f}",
          ratio(big["ltgraph_p50_ms"], big["oxigraph_p50_ms"])],
         ["HTTP oxigraph server /query", rows_cell(big["rows"]), f"{big['oxigraph_p50_ms']:.1f}", "1.00x"]]
        + ([[name, inproc["rows"], f"{ms:.1f}",
             ratio(ms, inproc["median_ms"]["engine: Store.query + QuerySolutions.serialize(JSON)"])]
            for name, ms in inproc["median_ms"].items()] if "median_ms" in inproc else []))
    if "skipped" in inproc:
        print(f"in-process comparison skipped: {inproc['skipped']}")
    else:
        print(f"(HTTP: p50 over {args.big_requests} requests; in-process: median over {inproc['runs']} runs, "
              f"ratios vs the engine serialiser; JSON bytes engine {inproc['bytes']['engine']}, "
              f"ltgraph {inproc['bytes']['ltgraph']})")
        for note in inproc["notes"]:
            print(f"!!! {note}")

    print(f"\nload average (1, 5, 15 min): before {load_before}; after {load_after}  "
          f"[{os.cpu_count()} cores shared by both servers and the load generator]")
    print(f"ltgraph serve --workers {args.workers}; oxigraph {binary}")
    for problem in problems:
        print(f"!!! {problem}")

    if args.json:
        print(json.dumps({
            "settings": {"requests": args.requests, "big_requests": args.big_requests, "clients": args.clients,
                         "seconds": args.seconds, "workers": args.workers, "triples": triples},
            "queries": [{**q, "rows": list(q["rows"]),
                         "ratio_p50": q["ltgraph_p50_ms"] / q["oxigraph_p50_ms"]} for q in per_query],
            "throughput": {**mix, "ratio": lt["rps"] / ox["rps"] if ox["rps"] else None},
            "big_select": {**big, "rows": list(big["rows"])},
            "in_process": inproc,
            "load_average": {"before": load_before, "after": load_after},
            "problems": problems,
        }, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
