"""Query processes: loaded and sealed before they take a query, killed when over a limit.

Neither rdflib nor pyoxigraph can interrupt a running query, so each query runs in a child
process that the parent kills when the time limit passes. A child is bound to one
generation: it loads that generation's served graph, warms up every result format, seals
itself in the sandbox (`sandbox.py`), and only then reports ready. So

- the time limit counts the query alone: start-up and loading never eat into it, and a
  timeout right after a publish cannot turn into a livelock of restarts;
- one spare process beyond the `size` that may run at once is kept loaded, so a killed
  process is replaced at once while a new spare loads in the background;
- when the live generation changes (`use`), processes for it are started and loaded in the
  background and the old ones are stopped once idle; a query waits for the new processes
  (the wait is not part of the time limit), so every answer after a publish reflects it,
  as search and pages do;
- waiting is bounded twice: at most `queue` requests may wait (more are refused at once
  with `PoolBusy`, 503 with Retry-After), and none waits longer than `wait` seconds. So a
  flood of slow SPARQL holds at most `size + queue` server threads; pages and search keep
  the rest.

The child imports only pyoxigraph and this package's light modules.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from ltgraph.errors import (
    LtgraphError,
    PoolBusy,
    PoolUnavailable,
    QueryError,
    QueryResourceLimit,
    QueryTimeout,
)

log = logging.getLogger("ltgraph.sparql")


@dataclass(frozen=True)
class Job:
    query: str
    prefixes: dict[str, str]
    base_iri: str
    select_fmt: str
    graph_fmt: str
    max_rows: int
    max_bytes: int
    #: `ltgs:similarity` tables: text -> {passage IRI: cosine} (see `semantic.py`).
    similarity: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Limits:
    """What a pool allows; see the module docstring."""

    size: int = 2
    spare: int = 1
    timeout: float = 10.0
    memory_mb: int = 2048
    queue: int = 4
    wait: float = 10.0
    load_timeout: float = 300.0
    sandbox: bool = True


# --------------------------------------------------------------------------- the child


def _child(conn: Connection, generation: str, memory_bytes: int, sandbox: bool) -> None:
    """Load one generation, warm up, seal, then answer jobs until the pipe closes."""
    import os
    import resource
    import signal as signals

    # Ctrl-C in a terminal reaches the whole process group; the parent decides when we stop.
    signals.signal(signals.SIGINT, signals.SIG_IGN)
    try:
        os.nice(5)  # pages and search in the server process come first on a busy machine
    except OSError:
        pass
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if memory_bytes > 0:  # a runaway query dies alone instead of starving the machine
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        from pathlib import Path

        from ltgraph.sparql.results import execute, warm_up
        from ltgraph.store.served import load_served

        store = load_served(Path(generation))
        warm_up(store)
        if sandbox:
            from ltgraph.sparql.sandbox import seal

            seal()
    except Exception as exc:  # noqa: BLE001 - reported to the parent, never to a client
        message = str(exc) if isinstance(exc, LtgraphError) else f"{type(exc).__name__}: {exc}"
        try:
            conn.send(("failed", message))
        except OSError:
            pass  # the parent stopped waiting
        return
    conn.send(("ready", None))
    while True:
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", execute(store, job)))
        except LtgraphError as exc:
            conn.send(("error", str(exc)))
        except MemoryError:
            conn.send(("memory", None))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, never to a client
            conn.send(("crash", f"{type(exc).__name__}: {exc}"))


# --------------------------------------------------------------------------- the parent


@dataclass(eq=False)
class _Process:
    generation: str
    process: Any
    conn: Connection
    state: str = "loading"  # loading | idle | busy | dead
    started: float = field(default_factory=time.monotonic)

    def kill(self) -> None:
        self.state = "dead"
        try:
            if self.process.pid is not None:  # started (its boot thread may not have yet)
                self.process.kill()
                self.process.join(timeout=5)
        finally:
            self.conn.close()


class QueryPool:
    """Loaded, sealed query processes for the live generation; see the module docstring."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._context = mp.get_context("spawn")
        self._cond = threading.Condition()
        self._processes: list[_Process] = []
        self._generation: str | None = None
        self._waiting = 0
        self._running = 0
        self._failure: tuple[float, str] | None = None
        self._closed = False

    # ------------------------------------------------------------------ life cycle

    def use(self, generation: str) -> None:
        """Serve `generation` from now on: start its processes, retire the old ones."""
        with self._cond:
            if generation == self._generation or self._closed:
                return
            self._generation = generation
            self._failure = None
            for proc in [p for p in self._processes if p.generation != generation]:
                if proc.state in ("loading", "idle"):
                    self._retire(proc)
            self._top_up()

    def wait_loaded(self, timeout: float | None = None) -> bool:
        """Until no process of the live generation is still loading (each is ready or has
        failed), at most `timeout` seconds (default: `Limits.load_timeout`); whether none is.
        A server waits here before it takes requests: queries sent while every process still
        loads a large graph would fill the queue and be refused as busy."""
        deadline = time.monotonic() + (self.limits.load_timeout if timeout is None else timeout)
        with self._cond:
            while any(p.state == "loading" and p.generation == self._generation
                      for p in self._processes):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def _top_up(self) -> None:
        """Start processes until the generation has `size + spare` live ones (lock held)."""
        if self._generation is None or self._closed:
            return
        live = [p for p in self._processes if p.generation == self._generation]
        for _ in range(self.limits.size + self.limits.spare - len(live)):
            self._start(self._generation)

    def _start(self, generation: str) -> None:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=_child, name="ltgraph-sparql", daemon=True,
            args=(child, generation, self.limits.memory_mb * 1024 * 1024, self.limits.sandbox))
        proc = _Process(generation, process, parent)
        self._processes.append(proc)
        threading.Thread(target=self._boot, args=(proc, child), daemon=True,
                         name="ltgraph-sparql-boot").start()

    def _boot(self, proc: _Process, child: Connection) -> None:
        """Start one process and wait (off the request path) until it is ready."""
        failure = None
        try:
            with self._cond:
                if proc.state == "dead":  # retired or closed before it started
                    child.close()
                    return
                proc.process.start()
            child.close()
            if not proc.conn.poll(self.limits.load_timeout):
                failure = f"a query process did not load within {self.limits.load_timeout:g} s"
            else:
                status, detail = proc.conn.recv()
                if status != "ready":
                    failure = detail
        except Exception as exc:  # noqa: BLE001 - whatever it was, this process is lost
            if proc.process.pid is None:
                failure = f"a query process could not start ({type(exc).__name__}: {exc})"
            else:
                proc.process.join(timeout=5)
                failure = (f"a query process ended while loading (exit code "
                           f"{proc.process.exitcode}; too little memory under "
                           f"LTGRAPH_SPARQL_MEMORY_MB={self.limits.memory_mb}?)")
        with self._cond:
            if proc.state == "dead":  # retired while loading: not a failure
                self._remove(proc)
            elif failure is not None:
                log.error("SPARQL query process failed to start: %s", failure)
                self._failure = (time.monotonic(), failure)
                self._remove(proc)
            else:
                proc.state = "idle"
            self._cond.notify_all()

    def _retire(self, proc: _Process) -> None:
        """Stop a process and forget it (lock held)."""
        self._remove(proc)
        proc.kill()

    def _remove(self, proc: _Process) -> None:
        if proc in self._processes:
            self._processes.remove(proc)
        proc.state = "dead"

    def close(self) -> None:
        """Stop every process; later queries are refused."""
        with self._cond:
            self._closed = True
            processes, self._processes = self._processes, []
            self._cond.notify_all()
        for proc in processes:
            proc.kill()

    # ------------------------------------------------------------------ queries

    def run(self, job: Job) -> Any:
        """Run a job on a ready process; raise on time, memory or capacity limits."""
        proc = self._acquire()
        try:
            proc.conn.send(job)
            if not proc.conn.poll(self.limits.timeout):
                self._release(proc, killed=True)
                raise QueryTimeout(f"the query took longer than the time limit of "
                                   f"{self.limits.timeout:g} s and was stopped; add LIMIT or "
                                   "narrow its patterns")
            status, payload = proc.conn.recv()
        except (EOFError, OSError):
            proc.process.join(timeout=2)
            code = proc.process.exitcode
            self._release(proc, killed=True)
            log.warning("SPARQL query process died (exit code %s)", code)
            raise QueryResourceLimit(self._died(code)) from None
        if status == "memory":
            self._release(proc, killed=True)
            raise QueryResourceLimit(self._died(None))
        self._release(proc)
        if status == "ok":
            return payload
        if status == "error":
            raise QueryError(payload)
        log.error("SPARQL engine error: %s", payload)
        raise QueryError("the engine could not evaluate this query")

    def _died(self, code: int | None) -> str:
        memory = f"{self.limits.memory_mb} MB"
        if code is not None and code == -signal.SIGKILL:
            return f"the query process was killed, most likely for using more than {memory}"
        return (f"the query needed more memory or stack than a query process may use ({memory}) "
                "and was stopped; simplify it or add LIMIT")

    def _acquire(self) -> _Process:
        deadline = time.monotonic() + self.limits.wait
        with self._cond:
            if self._closed:
                raise PoolUnavailable("the SPARQL endpoint is shutting down")
            if self._waiting + self._running >= self.limits.size + self.limits.queue:
                raise PoolBusy(f"{self._running} SPARQL queries are running and {self._waiting} "
                               "waiting, the most this server takes; try again shortly")
            self._waiting += 1
            try:
                while True:
                    proc = self._idle()
                    if proc is not None:
                        proc.state = "busy"
                        self._running += 1
                        return proc
                    self._check_startable()
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise PoolBusy(f"every query process stayed busy for "
                                       f"{self.limits.wait:g} s; try again shortly")
                    self._cond.wait(remaining)
            finally:
                self._waiting -= 1

    def _idle(self) -> _Process | None:
        """An idle process of the live generation."""
        if self._running >= self.limits.size:
            return None
        for proc in self._processes:
            if proc.state == "idle" and proc.generation == self._generation:
                return proc
        return None

    def _check_startable(self) -> None:
        """Refuse at once when processes cannot start; retry the start after a pause."""
        if self._generation is None:
            raise PoolUnavailable("no generation is being served")
        live = [p for p in self._processes if p.generation == self._generation]
        if live:
            return
        if self._failure is not None and time.monotonic() - self._failure[0] < 5.0:
            raise PoolUnavailable(f"SPARQL query processes cannot start: {self._failure[1]}")
        self._top_up()

    def _release(self, proc: _Process, killed: bool = False) -> None:
        with self._cond:
            self._running -= 1
            if killed:
                self._retire(proc)
            elif proc.generation != self._generation:
                self._retire(proc)
            elif proc.state == "busy":
                proc.state = "idle"
            self._top_up()
            self._cond.notify_all()

    def status(self) -> dict[str, int]:
        """Counts of processes by state, and waiting and running queries (for health)."""
        with self._cond:
            counts = {"loading": 0, "idle": 0, "busy": 0}
            for proc in self._processes:
                if proc.generation == self._generation and proc.state in counts:
                    counts[proc.state] += 1
            return {**counts, "waiting": self._waiting, "running": self._running}

