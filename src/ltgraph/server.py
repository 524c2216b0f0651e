"""Production serving: waitress in N worker processes sharing one listening socket.

Why waitress: it reads each request (headers and body) with non-blocking I/O in one event
loop and hands it to a thread only once it is complete, and buffers responses the same
way. A client that sends its headers one byte every few seconds, or never reads its answer,
costs a socket and a little memory, not a thread; gunicorn's threaded worker gave such a
client a thread for as long as it liked (eight of them stopped the site). A request must
also be complete within `REQUEST_TIMEOUT` of its first byte, or the connection is closed.
Measured with
`benchmarks/bench_under_attack.py`.

The parent binds the socket, starts `workers` child processes (`python -m ltgraph.server`,
each inheriting the socket), restarts a child that dies, and stops them all on SIGTERM or
SIGINT. Each child builds its own app and loads the data, the model and its SPARQL query
processes before it accepts a connection; the kernel spreads connections over the children.
Every child uses one thread for the model's maths: several processes each running many
OpenMP threads oversubscribe a small machine's cores and throughput collapses.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from typing import Any

from ltgraph.config import Settings

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
_SETTINGS_VARIABLE = "LTGRAPH__WORKER_SETTINGS"
log = logging.getLogger("ltgraph.server")

#: A request (headers and body) must arrive within this many seconds of its first byte.
REQUEST_TIMEOUT = 30.0
#: waitress options; see https://docs.pylonsproject.org/projects/waitress/en/stable/arguments.html
WAITRESS_OPTIONS: dict[str, Any] = {
    "connection_limit": 1000,       # idle and slow connections are cheap: a socket each
    "channel_timeout": 30,          # a connection silent for 30 s is closed
    "cleanup_interval": 10,
    "max_request_header_size": 256 * 1024,  # a 64 kB query, percent-encoded, fits in a GET
    "max_request_body_size": 1024 * 1024,   # Flask refuses bodies over 256 kB with a 413
    "asyncore_use_poll": True,      # no select() limit of 1024 descriptors
    "clear_untrusted_proxy_headers": True,
    "ident": "ltgraph",
    "expose_tracebacks": False,
}


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000,
          workers: int | None = None, threads: int = 16) -> None:
    """Run the server in the foreground until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    _raise_file_limit()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.create_server((host, port), family=family, backlog=2048)
    listener.set_inheritable(True)
    count = workers or default_workers()
    # Two malloc arenas, not eight per core: a worker's request threads and its background
    # loads of new generations otherwise spread freed memory over many arenas (a reader of
    # 100 times the corpus grew to 16 GB over a few changes); an operator's value stands.
    env = {"MALLOC_ARENA_MAX": "2", **os.environ, **{name: "1" for name in THREAD_VARIABLES},
           _SETTINGS_VARIABLE: json.dumps({k: str(v) if not isinstance(v, (int, float)) else v
                                           for k, v in asdict(settings).items()})}
    command = [sys.executable, "-m", "ltgraph.server", str(listener.fileno()), str(threads)]
    children: list[subprocess.Popen[bytes]] = []
    stopping = False

    def stop(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"ltgraph: serving http://{host}:{port} with {count} worker processes", flush=True)
    try:
        children = [subprocess.Popen(command, env=env, pass_fds=(listener.fileno(),))
                    for _ in range(count)]
        while not stopping:
            time.sleep(0.5)
            for i, child in enumerate(children):
                if child.poll() is not None and not stopping:
                    log.warning("worker %s exited with %s; starting another", child.pid,
                                child.returncode)
                    time.sleep(1)  # a worker that cannot start must not spin the machine
                    children[i] = subprocess.Popen(command, env=env, pass_fds=(listener.fileno(),))
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        listener.close()


def default_workers() -> int:
    """Two worker processes per core: a worker spends much of a request in waitress's and
    Flask's Python, so one per core leaves cores idle (measured: SPARQL mix 1,590 req/s with
    2 workers on 2 cores, 1,825 with 4; `benchmarks/bench_sparql_vs_oxigraph.py`)."""
    return max(2, 2 * (os.cpu_count() or 1))


def _raise_file_limit() -> None:
    """Allow as many open connections as the hard limit permits (soft is often 1024)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):
            pass


def build_app(settings: Settings) -> Any:
    """The app with its data, model and SPARQL processes loaded and one query embedded."""
    from ltgraph.web.app import create_app, warm

    app = create_app(settings)
    app.extensions["ltgraph"].warm_up()
    warm(app)
    return app


def _worker(fd: int, threads: int) -> None:
    """One worker process: build the app, then serve the inherited socket until told to stop."""
    from pathlib import Path

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    raw = json.loads(os.environ[_SETTINGS_VARIABLE])
    for key in ("data_dir", "corpus_dir"):
        raw[key] = Path(raw[key])
    settings = Settings(**raw)
    app = build_app(settings)
    listener = socket.socket(fileno=fd)
    service = app.extensions["ltgraph"]

    def stop(signum: int, frame: Any) -> None:
        service.close()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = make_server(app, listener, threads)
    try:
        server.run()
    finally:
        service.close()


def make_server(app: Any, listener: socket.socket, threads: int,
                request_timeout: float = REQUEST_TIMEOUT, **options: Any) -> Any:
    """A waitress server on `listener` with ltgraph's options (`options` override them)."""
    import waitress

    server = waitress.create_server(app, sockets=[listener], threads=threads,
                                    **{**WAITRESS_OPTIONS, **options})
    _add_request_deadline(server, request_timeout)
    return server


def _add_request_deadline(server: Any, seconds: float) -> None:
    """Close a connection whose request is not complete `seconds` after its first byte.

    waitress's own `channel_timeout` only counts silence, so a client that sends a header
    line every few seconds would keep its socket forever; this bounds it (checked every
    `cleanup_interval`). It costs nothing per request: the parser notes when it began.
    """
    from waitress.channel import HTTPChannel
    from waitress.parser import HTTPRequestParser

    class TimedParser(HTTPRequestParser):  # type: ignore[misc]
        def __init__(self, adj: Any) -> None:
            super().__init__(adj)
            self.begun = time.monotonic()

    class TimedChannel(HTTPChannel):  # type: ignore[misc]
        parser_class = TimedParser

    server.channel_class = TimedChannel
    idle_maintenance = server.maintenance

    def maintenance(now: float) -> None:
        idle_maintenance(now)
        cutoff = time.monotonic() - seconds
        for channel in list(server.active_channels.values()):
            request = getattr(channel, "request", None)
            if request is not None and getattr(request, "begun", cutoff) < cutoff:
                channel.will_close = True

    server.maintenance = maintenance


if __name__ == "__main__":
    _worker(int(sys.argv[1]), int(sys.argv[2]))
