"""Run SPARQL queries in child processes that can be killed when they run out of time.

Neither rdflib nor pyoxigraph can interrupt a running query, so a cartesian product over the
whole graph would pin a thread forever. Each query runs in a spawned child process holding
its own read-only copy of the live graph; the parent waits at most the timeout, then kills
the child (and starts a fresh one for the next query). Children reload the graph when the
live generation changes. The child imports only pyoxigraph and this package's light modules.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .errors import LtgraphError, QueryError


class QueryTimeout(QueryError):
    """The query ran past the wall-clock limit and was stopped."""

    title = "Query exceeded the time limit"


@dataclass(frozen=True)
class Job:
    #: The generation directory whose served graph the query runs on.
    generation: str
    query: str
    prefixes: dict[str, str]
    select_fmt: str
    graph_fmt: str
    max_rows: int


def _child(conn: Connection, memory_bytes: int) -> None:
    """Child loop: keep the graph of one generation loaded, answer jobs until closed."""
    import resource

    # A runaway query dies of MemoryError in the child instead of starving the machine.
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    from .layers import Generation, served_store
    from .sparql import execute

    loaded: tuple[str, Any] | None = None
    while True:
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if loaded is None or loaded[0] != job.generation:
                loaded = None  # free the old graph before loading the new one
                loaded = (job.generation, served_store(Generation.open(Path(job.generation))))
            rendered = execute(loaded[1], job.query, job.prefixes, job.select_fmt, job.graph_fmt,
                               job.max_rows)
            conn.send(("ok", rendered))
        except LtgraphError as exc:
            conn.send(("error", (type(exc).__name__, str(exc))))
        except Exception as exc:  # noqa: BLE001 - reported to the parent, never to a client
            conn.send(("crash", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(self, context: Any, memory_bytes: int) -> None:
        self.conn, child_conn = context.Pipe()
        self.process = context.Process(target=_child, args=(child_conn, memory_bytes), daemon=True,
                                       name="ltgraph-sparql")
        self.process.start()
        child_conn.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


class QueryPool:
    """Up to `size` child processes; each query takes an idle one or waits for it."""

    def __init__(self, size: int = 2, timeout: float = 10.0, memory_mb: int = 2048) -> None:
        self.size = size
        self.timeout = timeout
        self.memory_bytes = memory_mb * 1024 * 1024
        self._context = mp.get_context("spawn")
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._started = 0
        self._lock = threading.Lock()

    def _acquire(self) -> _Worker:
        with self._lock:
            if self._idle.empty() and self._started < self.size:
                self._started += 1
                return _Worker(self._context, self.memory_bytes)
        try:
            return self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise QueryTimeout(f"every query worker stayed busy for {self.timeout:g} s; "
                               "try again shortly") from None

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._started -= 1

    def run(self, job: Job) -> Any:
        """Execute a job; raise QueryTimeout after `timeout` seconds, killing the child."""
        worker = self._acquire()
        try:
            worker.conn.send(job)
            if not worker.conn.poll(self.timeout):
                self._discard(worker)
                raise QueryTimeout(f"the query took longer than the time limit of "
                                   f"{self.timeout:g} s and was stopped; add LIMIT or narrow "
                                   "its patterns")
            status, payload = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            self._discard(worker)
            raise LtgraphError("the query worker failed; the query was not completed") from None
        self._idle.put(worker)
        if status == "ok":
            return payload
        if status == "error":
            name, message = payload
            raise QueryError(message)
        raise LtgraphError("the query failed inside the engine")

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().kill()
