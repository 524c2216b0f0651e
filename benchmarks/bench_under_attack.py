"""Does the site keep answering while it is attacked? Prober latency of a real `ltgraph serve`
under slow clients and a flood of slow SPARQL.

What it measures
  A prober thread loops over GET /api/health, GET /api/search?q=<a development question from
  eval/questions.jsonl, rotating>, GET /theories and GET /theories/connectivism (the pages with
  Accept: text/html), one fresh connection per request with a short timeout (--timeout, 10 s;
  a timeout counts as an error and as latency = the timeout). For each phase it prints p50,
  p99 and max latency, errors, and how many requests got which status:

  1. baseline: the prober alone.
  2. slow connections: --slow raw sockets that never finish their request; half send
     "GET /api/health HTTP/1.1", "Host: x" and then one more header line "X-a: b" every 2 s,
     half send a POST /api/search with Content-Length: 100000 and 10 bytes of body every 2 s.
     Reports how many the server kept open and how many it closed (and how) during the phase.
  3. slow SPARQL: --sparql-clients threads loop on a cartesian-product query to /sparql
     (each past the time limit); their statuses are counted (400 time limit, 503 busy, ...).
     After a 503 a client waits --busy-pause seconds (0 turns it into a request flood).
  4. both at once.

  Goal (the issue): prober p99 under 1 s while attacked. The server runs with
  LTGRAPH_SPARQL_TIMEOUT=--sparql-timeout and --workers worker processes; other LTGRAPH_*
  variables in the environment (LTGRAPH_SPARQL_WORKERS, _QUEUE, _WAIT, ...) pass through.
  Server log lines at WARNING or above (tracebacks, restarted workers) are reported at the end.

Run (builds the bundled corpus into a temporary data directory unless --data-dir is given):

    .venv/bin/python benchmarks/bench_under_attack.py [--seconds 30] [--workers 2] [--slow 50]
        [--sparql-clients 16] [--sparql-timeout 5] [--json]

Nothing leaves 127.0.0.1: the server listens on a free loopback port and every client,
prober and attacker alike, connects to it there. The attackers run on the same machine as
the server, so they compete for its cores as a remote attacker's traffic would not: the
figures are a pessimistic bound. The server (its whole process group) is stopped at the end,
also on errors and Ctrl-C.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, percentile, print_table, say  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
GOAL_P99_S = 1.0
TRICKLE_EVERY = 2.0  # seconds between two pieces a slow connection sends


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def request(port: int, method: str, path: str, headers: dict[str, str], timeout: float,
            body: bytes | None = None) -> tuple[str, float]:
    """One request on a fresh connection: (status label, seconds). Never raises for I/O.

    Labels: "200", "404", "400 <problem title>" (the title of a problem+json body, so a time
    limit and a syntax error differ), "timeout", "conn: <exception name>".
    """
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        if elapsed > timeout:  # slow but steady bytes: each read within the socket timeout
            return "timeout", timeout
        label = str(response.status)
        if response.status != 200 and "json" in (response.getheader("Content-Type") or ""):
            try:
                label += " " + str(json.loads(data).get("title", ""))
            except (ValueError, AttributeError):
                pass
        return label.strip(), elapsed
    except (TimeoutError, socket.timeout):
        return "timeout", timeout
    except (OSError, http.client.HTTPException) as exc:
        return f"conn: {type(exc).__name__}", min(time.perf_counter() - started, timeout)
    finally:
        conn.close()


# ------------------------------------------------------------------ prober

class Prober:
    """One thread: health, search, two pages, round and round, each on a fresh connection."""

    def __init__(self, port: int, questions: list[str], timeout: float) -> None:
        self.port, self.timeout = port, timeout
        self.questions = questions
        self.turn = 0  # the rotation carries on from phase to phase

    def run(self, seconds: float) -> dict:
        samples: dict[str, list[float]] = collections.defaultdict(list)
        errors: collections.Counter[str] = collections.Counter()
        statuses: collections.Counter[str] = collections.Counter()
        html = {"Accept": "text/html"}
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            q = self.questions[self.turn % len(self.questions)]
            self.turn += 1
            for name, path, headers in [
                ("/api/health", "/api/health", {"Accept": "application/json"}),
                ("/api/search", "/api/search?" + urllib.parse.urlencode({"q": q, "k": 10}),
                 {"Accept": "application/json"}),
                ("/theories", "/theories", html),
                ("/theories/connectivism", "/theories/connectivism", html),
            ]:
                label, elapsed = request(self.port, "GET", path, headers, self.timeout)
                samples[name].append(elapsed)
                statuses[label] += 1
                if label != "200":
                    errors[name] += 1
        everything = [x for xs in samples.values() for x in xs]
        return {"all": summarise(everything, sum(errors.values())),
                "endpoints": {name: summarise(xs, errors[name]) for name, xs in samples.items()},
                "statuses": dict(statuses.most_common())}

    def run_in_thread(self, seconds: float) -> dict:
        out: dict = {}
        thread = threading.Thread(target=lambda: out.update(self.run(seconds)), daemon=True)
        thread.start()
        while thread.is_alive():
            thread.join(0.5)  # wakes up for Ctrl-C
        return out


def summarise(samples: list[float], errors: int) -> dict:
    if not samples:
        return {"requests": 0, "p50_ms": None, "p99_ms": None, "max_ms": None, "errors": errors}
    return {"requests": len(samples), "p50_ms": round(percentile(samples, 50) * 1000, 1),
            "p99_ms": round(percentile(samples, 99) * 1000, 1),
            "max_ms": round(max(samples) * 1000, 1), "errors": errors}


# ------------------------------------------------------------------ slow connections

class SlowConnections:
    """`count` sockets that never finish a request: half slow headers, half slow bodies."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.conns: list[dict] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._trickle, daemon=True)

    def start(self) -> None:
        for n in range(self.count):
            kind = "headers" if n % 2 == 0 else "body"
            head = (b"GET /api/health HTTP/1.1\r\nHost: x\r\n" if kind == "headers" else
                    b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 100000\r\n\r\n")
            conn = {"kind": kind, "sock": None, "state": "open", "answer": None,
                    "closed_after_s": None, "opened": time.monotonic(), "sent": 0}
            try:
                sock = socket.create_connection((HOST, self.port), timeout=5)
                sock.sendall(head)
                sock.setblocking(False)
                conn["sock"] = sock
            except OSError as exc:
                conn["state"] = f"connect failed: {type(exc).__name__}"
            self.conns.append(conn)
        self.thread.start()

    def _close(self, conn: dict, state: str) -> None:
        conn["state"] = state
        conn["closed_after_s"] = round(time.monotonic() - conn["opened"], 1)
        try:
            conn["sock"].close()
        except OSError:
            pass

    def _trickle(self) -> None:
        next_send = time.monotonic() + TRICKLE_EVERY
        while not self.stop.is_set():
            live = [c for c in self.conns if c["state"] == "open"]
            if live:  # anything from the server: an answer (400, 408, ...), EOF or a reset
                readable, _, _ = select.select([c["sock"] for c in live], [], [], 0)
                for conn in (c for c in live if c["sock"] in readable):
                    try:
                        data = conn["sock"].recv(65536)
                    except OSError as exc:
                        self._close(conn, f"closed by server ({type(exc).__name__})")
                        continue
                    if not data:
                        self._close(conn, "closed by server (EOF)")
                    elif conn["answer"] is None:
                        conn["answer"] = data.split(b"\r\n", 1)[0].decode("latin-1")[:60]
            if time.monotonic() >= next_send:
                next_send += TRICKLE_EVERY
                for conn in (c for c in self.conns if c["state"] == "open"):
                    piece = b"X-a: b\r\n" if conn["kind"] == "headers" else b'{"q":"aaa"'[:10]
                    try:
                        conn["sock"].send(piece)
                        conn["sent"] += len(piece)
                    except BlockingIOError:
                        pass  # the server stopped reading: the socket buffer is full
                    except OSError as exc:
                        self._close(conn, f"closed by server ({type(exc).__name__} on send)")
            self.stop.wait(0.25)

    def finish(self) -> dict:
        """Stop trickling, count what the server kept open, close the rest ourselves."""
        self.stop.set()
        self.thread.join(5)
        states: collections.Counter[str] = collections.Counter()
        answers: collections.Counter[str] = collections.Counter()
        closed_after = []
        for conn in self.conns:
            states[f"{conn['kind']}: {conn['state']}"] += 1
            if conn["answer"]:
                answers[f"{conn['kind']}: {conn['answer']}"] += 1
            if conn["closed_after_s"] is not None:
                closed_after.append(conn["closed_after_s"])
            if conn["state"] == "open":
                conn["sock"].close()
        kept = sum(1 for c in self.conns if c["state"] == "open")
        return {"opened": sum(1 for c in self.conns if c["sock"] is not None), "kept_open": kept,
                "closed_by_server": sum(1 for c in self.conns if c["state"].startswith("closed")),
                "states": dict(states), "answers": dict(answers),
                "closed_after_s": sorted(closed_after)}


# ------------------------------------------------------------------ slow SPARQL

class SparqlFlood:
    """`clients` threads, each looping on a query that runs past the time limit."""

    def __init__(self, port: int, clients: int, timeout: float, busy_pause: float) -> None:
        self.port, self.clients, self.timeout, self.busy_pause = port, clients, timeout, busy_pause
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses: collections.Counter[str] = collections.Counter()
        self.latencies: dict[str, list[float]] = collections.defaultdict(list)
        path = "/sparql?" + urllib.parse.urlencode({"query": SLOW_QUERY})
        self.path = path
        self.threads = [threading.Thread(target=self._loop, daemon=True) for _ in range(clients)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def _loop(self) -> None:
        headers = {"Accept": "application/sparql-results+json"}
        while not self.stop.is_set():
            label, elapsed = request(self.port, "GET", self.path, headers, self.timeout)
            with self.lock:
                self.statuses[label] += 1
                self.latencies[label].append(elapsed)
            if label.startswith("503"):
                self.stop.wait(self.busy_pause)

    def finish(self) -> dict:
        """Stop looping and wait for the requests under way (at most one client timeout)."""
        self.stop.set()
        deadline = time.monotonic() + self.timeout + 5
        for t in self.threads:
            t.join(max(0.1, deadline - time.monotonic()))
        with self.lock:
            return {"requests": sum(self.statuses.values()),
                    "statuses": dict(self.statuses.most_common()),
                    "p50_s_by_status": {k: round(percentile(v, 50), 2)
                                        for k, v in self.latencies.items()},
                    "still_running": sum(t.is_alive() for t in self.threads)}


# ------------------------------------------------------------------ server

def start_server(args: argparse.Namespace, data_dir: Path, log_path: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "LTGRAPH_DATA_DIR": str(data_dir),
           "LTGRAPH_SPARQL_TIMEOUT": str(args.sparql_timeout)}
    command = [sys.executable, "-m", "ltgraph", "serve", "--host", HOST, "--port", str(port),
               "--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    with open(log_path, "wb") as log:
        # a session of its own: Ctrl-C reaches only us, and we stop the whole group
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_healthy(server: subprocess.Popen, port: int, log_path: Path, limit: float = 300) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}:\n"
                               + log_path.read_text(errors="replace")[-3000:])
        label, _ = request(port, "GET", "/api/health", {}, 2)
        if label == "200":
            return time.monotonic() - started
        time.sleep(0.5)
    raise RuntimeError(f"/api/health not 200 after {limit:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM (the parent stops its workers), then SIGKILL to whatever is left of the group."""
    if server.poll() is None:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(server.pid, signal.SIGKILL)  # our own session: workers, query processes
    except (ProcessLookupError, PermissionError):
        pass
    try:
        server.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def log_problems(log_path: Path) -> list[tuple[str, int]]:
    """Distinct server log lines at WARNING or above, and tracebacks, with their counts."""
    found: collections.Counter[str] = collections.Counter()
    for line in log_path.read_text(errors="replace").splitlines():
        if re.search(r"\b(WARNING|ERROR|CRITICAL)\b|^Traceback|Error:", line):
            text = re.sub(r"^\d{4}-\d\d-\d\d [\d:,]+ ", "", line)
            text = re.sub(r"\b\d{3,}\b", "N", text)  # pids, queue depths
            found[text[:160]] += 1
    return found.most_common()


# ------------------------------------------------------------------ main

def run_phase(name: str, prober: Prober, args: argparse.Namespace, port: int, slow: bool,
              sparql: bool, server: subprocess.Popen) -> dict:
    say(f"phase {name}: {args.seconds:g} s" + (f", {args.slow} slow connections" if slow else "")
        + (f", {args.sparql_clients} slow SPARQL clients" if sparql else ""))
    conns = SlowConnections(port, args.slow) if slow else None
    flood = SparqlFlood(port, args.sparql_clients, args.sparql_timeout + 25, args.busy_pause) \
        if sparql else None
    result: dict = {"phase": name}
    try:
        if conns:
            conns.start()
        if flood:
            flood.start()
        if conns or flood:
            time.sleep(1)  # let the attack take hold before measuring
        result.update(prober.run_in_thread(args.seconds))
    except BaseException:
        for attacker in (conns, flood):
            if attacker:
                attacker.stop.set()  # daemon threads; the server goes down next
        raise
    else:
        if conns:
            result["slow"] = conns.finish()
        if flood:
            result["sparql"] = flood.finish()
    result["server_alive"] = server.poll() is None
    result["load_average"] = load_average()
    print_phase(result)
    if conns or flood:
        time.sleep(2)  # killed query processes are replaced; let the next phase start calm
    return result


def print_phase(r: dict) -> None:
    rows = [[name, e["requests"], e["p50_ms"], e["p99_ms"], e["max_ms"], e["errors"]]
            for name, e in [("all", r["all"]), *r["endpoints"].items()]]
    print_table(f"phase {r['phase']}: prober", ["endpoint", "requests", "p50 ms", "p99 ms",
                                                "max ms", "errors"], rows)
    print("statuses: " + ", ".join(f"{k}: {v}" for k, v in r["statuses"].items()))
    if "slow" in r:
        s = r["slow"]
        print(f"slow connections: {s['opened']} opened, {s['kept_open']} kept open by the server, "
              f"{s['closed_by_server']} closed by it during the phase")
        print("  " + ", ".join(f"{k}: {v}" for k, v in s["states"].items()))
        if s["answers"]:
            print("  answers: " + ", ".join(f"{k}: {v}" for k, v in s["answers"].items()))
        if s["closed_after_s"]:
            print(f"  closed after (s): {s['closed_after_s'][:10]}")
    if "sparql" in r:
        q = r["sparql"]
        print(f"slow SPARQL: {q['requests']} requests; "
              + ", ".join(f"{k}: {v} (p50 {q['p50_s_by_status'][k]} s)" for k, v in q["statuses"].items())
              + (f"; {q['still_running']} clients still waiting at the end" if q["still_running"] else ""))
    print(f"server alive: {r['server_alive']}; load average: {r['load_average']}", flush=True)


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="a built data directory (default: build one)")
    parser.add_argument("--seconds", type=float, default=30, help="length of each phase")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--threads", type=int, help="request threads per worker (server default)")
    parser.add_argument("--slow", type=int, default=50, help="slow connections (half headers, half bodies)")
    parser.add_argument("--sparql-clients", type=int, default=16)
    parser.add_argument("--sparql-timeout", type=float, default=5, help="LTGRAPH_SPARQL_TIMEOUT")
    parser.add_argument("--busy-pause", type=float, default=0.1,
                        help="a SPARQL client's pause after a 503 (0: flood)")
    parser.add_argument("--timeout", type=float, default=10, help="the prober's per-request timeout")
    parser.add_argument("--json", action="store_true", help="also print a machine-readable summary")
    args = parser.parse_args()

    # SIGTERM ends the run like Ctrl-C, so the server is stopped either way
    signal.signal(signal.SIGTERM, _interrupted)
    print(f"load average at start: {load_average()}  ({os.cpu_count()} cores)", flush=True)
    with tempfile.TemporaryDirectory(prefix="ltgraph-attack-") as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            data_dir = Path(tmp) / "data"
            say("building the bundled corpus …")
            subprocess.run([sys.executable, "-m", "ltgraph", "--data-dir", str(data_dir), "build"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log_path = Path(tmp) / "server.log"
        port = free_port()
        server = start_server(args, data_dir, log_path, port)
        phases: list[dict] = []
        try:
            ready = wait_healthy(server, port, log_path)
            say(f"server ready on {HOST}:{port} after {ready:.1f} s "
                f"(--workers {args.workers}, LTGRAPH_SPARQL_TIMEOUT={args.sparql_timeout:g})")
            questions = [json.loads(line)["q"] for line in
                         (REPO / "eval" / "questions.jsonl").read_text().splitlines() if line.strip()]
            prober = Prober(port, questions, args.timeout)
            say("warming up (not measured)")
            prober.run(min(5.0, args.seconds))
            for name, slow, sparql in [("1 baseline", False, False), ("2 slow connections", True, False),
                                       ("3 slow SPARQL", False, True), ("4 both", True, True)]:
                phases.append(run_phase(name, prober, args, port, slow, sparql, server))
        finally:
            stop_server(server)
            problems = log_problems(log_path)

    rows = [[p["phase"], p["all"]["requests"], p["all"]["p50_ms"], p["all"]["p99_ms"],
             p["all"]["max_ms"], p["all"]["errors"],
             "yes" if (p["all"]["p99_ms"] or 1e9) < GOAL_P99_S * 1000 else "NO"] for p in phases]
    print_table(f"summary: prober latency ({args.seconds:g} s per phase, timeout {args.timeout:g} s)",
                ["phase", "requests", "p50 ms", "p99 ms", "max ms", "errors", "p99 < 1 s"], rows)
    attacked = [p for p in phases if not p["phase"].startswith("1")]
    goal_met = all((p["all"]["p99_ms"] or 1e9) < GOAL_P99_S * 1000 and not p["all"]["errors"]
                   for p in attacked)
    print(f"\ngoal (the issue): prober p99 under {GOAL_P99_S:g} s, no errors, while attacked: "
          f"{'met' if goal_met else 'NOT met'}")
    bad_5xx = collections.Counter()
    for p in phases:
        for source in [p["statuses"], p.get("sparql", {}).get("statuses", {})]:
            for label, n in source.items():
                if label.startswith("5") and not label.startswith("503 SPARQL endpoint busy"):
                    bad_5xx[label] += n
    if bad_5xx:
        print("5xx other than 503 busy: " + ", ".join(f"{k}: {v}" for k, v in bad_5xx.items()))
    never_closed = sum(p["slow"]["kept_open"] for p in phases if "slow" in p)
    if problems:
        print("server log (WARNING and above, distinct lines):")
        for text, n in problems[:15]:
            print(f"  {n:>5} x {text}")
    else:
        print("server log: nothing at WARNING or above")
    if args.json:
        print(json.dumps({"settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                          "goal_p99_ms": GOAL_P99_S * 1000, "goal_met": goal_met,
                          "other_5xx": dict(bad_5xx), "slow_connections_kept_open": never_closed,
                          "server_log_problems": [{"line": t, "count": n} for t, n in problems],
                          "phases": phases}, indent=2))


if __name__ == "__main__":
    main()
