"""The waitress server: slow clients cost a socket, not a thread, and are cut off when a
request is not complete in time. In-process on the tiny corpus; bounded by socket timeouts."""

from __future__ import annotations

import socket
import threading

import pytest

from ltgraph.server import make_server
from ltgraph.web.app import create_app


@pytest.fixture
def server(service):
    app = create_app(service.settings, service)
    listener = socket.create_server(("127.0.0.1", 0))
    srv = make_server(app, listener, threads=2, request_timeout=1.0, cleanup_interval=1)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    srv.close()
    service.close()


def get(port: int, path: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_slow_clients_do_not_hold_the_threads(server) -> None:
    """20 unfinished requests (headers and bodies) on a server with 2 threads: others are served."""
    slow = []
    for i in range(20):
        conn = socket.create_connection(("127.0.0.1", server), timeout=30)
        if i % 2:
            conn.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n")
        else:
            conn.sendall(b"POST /api/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json"
                         b"\r\nContent-Length: 100000\r\n\r\n{\"q\": \"")
        slow.append(conn)
    try:
        for _ in range(5):
            assert get(server, "/api/health").startswith(b"HTTP/1.1 200")
    finally:
        for conn in slow:
            conn.close()


def test_an_unfinished_request_is_cut_off(server) -> None:
    conn = socket.create_connection(("127.0.0.1", server), timeout=30)
    try:
        conn.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
        received = b""
        for _ in range(60):  # a header line now and then keeps the connection busy, not complete
            try:
                conn.sendall(b"X-Slow: 1\r\n")
                chunk = conn.recv(1024) if _readable(conn) else b"waiting"
            except OSError:
                chunk = b""
            if not chunk:
                break
            if chunk != b"waiting":
                received += chunk
        else:
            raise AssertionError("the server kept an unfinished request open")
        assert b"200 OK" not in received
    finally:
        conn.close()


def _readable(conn: socket.socket) -> bool:
    import select

    return bool(select.select([conn], [], [], 0.5)[0])
