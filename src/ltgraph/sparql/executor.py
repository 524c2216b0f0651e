"""The one guarded executor: every query text that a request can influence goes through here.

The public endpoint, the console and any page that runs SPARQL call `GuardedExecutor.run`:
the text guard first (clear errors), then a sandboxed query process of the live generation
with the time, row, byte and memory limits of `Settings`. Internal code that needs graph
facts uses fixed query texts with values bound as terms (`substitutions`), never this door
and never text pasted together from a request.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable

from ltgraph.config import Settings
from ltgraph.errors import QueryError
from ltgraph.rdf.ontology import PREFIXES
from ltgraph.sparql.guard import check_query
from ltgraph.sparql.pool import Job, Limits, QueryPool
from ltgraph.sparql.results import Rendered
from ltgraph.sparql.semantic import Rewritten, uses_ltgs

#: Where a graph server (Oxigraph) says a syntax error is: "error at LINE:COLUMN: …".
_SERVER_WHERE = re.compile(r"error at (\d+):(\d+): ")


class GuardedExecutor:
    """Guard + pool; the pool is created once, on first use, under a lock."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool: QueryPool | None = None
        self._lock = threading.Lock()
        self._generation: str | None = None

    @property
    def started(self) -> bool:
        return self._pool is not None

    def _get_pool(self) -> QueryPool:
        with self._lock:
            if self._pool is None:
                s = self.settings
                self._pool = QueryPool(Limits(
                    size=s.sparql_workers, timeout=s.sparql_timeout, memory_mb=s.sparql_memory_mb,
                    queue=s.sparql_queue, wait=s.sparql_wait, sandbox=s.sparql_sandbox != "off"))
            return self._pool

    def use(self, generation: str) -> None:
        """Load query processes for `generation` (in the background) and serve it next."""
        self._generation = generation
        self._get_pool().use(generation)

    def wait_loaded(self, timeout: float | None = None) -> bool:
        """Until the query processes of the generation in use have loaded (`QueryPool.wait_loaded`)."""
        return self._get_pool().wait_loaded(timeout) if self._generation is not None else True

    def run(self, query: str, generation: str, select_fmt: str = "json",
            graph_fmt: str = "turtle", rewrite: Callable[[str], Rewritten] | None = None) -> Rendered:
        """Guard, then run on the live generation's processes; raise on any limit.

        `rewrite`: resolves the `ltgs:` search vocabulary (`semantic.rewrite` bound to the
        request's snapshot); applied after the guard, and its result is guarded again.
        """
        s = self.settings
        if s.sparql_guard != "off":
            check_query(query, s.sparql_max_query_bytes)
        elif not isinstance(query, str) or not query:
            check_query(query, s.sparql_max_query_bytes)
        similarity: dict[str, dict[str, float]] = {}
        if rewrite is not None and uses_ltgs(query):
            rewritten = rewrite(query)
            query, similarity = rewritten.query, rewritten.similarity
            if s.sparql_guard != "off":
                check_query(query, max(s.sparql_max_query_bytes, len(query.encode("utf-8"))))
        return self._execute(Job(query, PREFIXES, s.base_iri, select_fmt, graph_fmt,
                                 s.sparql_max_rows, s.sparql_max_response_bytes, similarity),
                             generation)

    def _execute(self, job: Job, generation: str) -> Rendered:
        pool = self._get_pool()
        if generation != self._generation:
            self.use(generation)
        rendered: Rendered = pool.run(job)
        return rendered

    def status(self) -> dict[str, int] | None:
        return self._pool.status() if self._pool is not None else None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            self._generation = None
        if pool is not None:
            pool.close()


class RemoteExecutor(GuardedExecutor):
    """The same guard, rewrite and limits, with the query answered by the graph server
    (`LTGRAPH_GRAPH_URL`) instead of local query processes. The server must be one the
    public may query: read-only, SERVICE refused, a time limit (README "Storage on servers");
    the guard refuses SERVICE, updates and dataset clauses before anything is sent."""

    #: What the server is asked for: results as JSON (SELECT, ASK), graphs as N-Triples.
    ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        from ltgraph.store.graph_server import GraphServer

        self.server = GraphServer.of(settings, timeout=settings.sparql_timeout)

    @property
    def started(self) -> bool:
        return False  # no local query processes to load

    def use(self, generation: str) -> None:
        self._generation = generation

    def wait_loaded(self, timeout: float | None = None) -> bool:
        return True  # the graph server is loaded already

    def _execute(self, job: Job, generation: str) -> Rendered:
        from ltgraph.rdf.syntax import explain
        from ltgraph.sparql.results import render_answer
        from ltgraph.store.graph_server import Refused

        if job.similarity:
            raise QueryError("ltgs:similarity runs on the embedded store only, not on the graph "
                             "server; use ltgs:search or ltgs:similarEntries")
        prologue = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in job.prefixes.items())
        text = f"BASE <{job.base_iri}>\n{prologue}{job.query}"
        try:
            body, media = self.server.query(text, self.ACCEPT, 4 * job.max_bytes)
        except Refused as exc:
            where = _SERVER_WHERE.match(exc.detail)
            if exc.code != 400 or where is None:
                raise
            # a syntax error (Oxigraph's words, as in the embedded store), at the line of the
            # query as sent to us: the prologue added above is not the user's
            line = int(where.group(1)) - 1 - len(job.prefixes)
            raise QueryError(explain(f"error at {line}:{where.group(2)}: {exc.detail[where.end():]}",
                                     job.query, job.prefixes)) from None
        return render_answer(body, media, job)

    def status(self) -> dict[str, int] | None:
        return None

    def close(self) -> None:
        self._generation = None
