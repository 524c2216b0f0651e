"""deploy/ is documentation (not run here): the compose file must describe what the README's
"Storage on servers" says — stateless API replicas on both servers, one writer with a data
directory, a private graph server with a query timeout, PostgreSQL with pgvector, a proxy."""

from __future__ import annotations

import yaml

from ltgraph.config import Settings

from .conftest import REPO


def test_the_compose_file_describes_the_server_deployment() -> None:
    compose = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    assert {"proxy", "api", "writer", "oxigraph", "postgres"} <= set(services)
    api, writer = services["api"], services["writer"]
    for service in (api, writer):
        env = service["environment"]
        assert env["LTGRAPH_GRAPH_URL"] == "http://oxigraph:7878"
        assert env["LTGRAPH_INDEX_URL"].startswith("postgresql://")
        # the names are the settings' (a renamed setting would break the deployment)
        names = {f"LTGRAPH_{f.upper()}" for f in Settings.__dataclass_fields__}
        assert set(env) <= names, set(env) - names
    assert "volumes" not in api and api["deploy"]["replicas"] >= 2  # stateless readers
    assert any(v.endswith(":/data") for v in writer["volumes"])  # the writer's data directory
    assert writer["environment"]["LTGRAPH_DATA_DIR"] == "/data"
    oxigraph = services["oxigraph"]
    assert "ports" not in oxigraph and "--timeout-s" in oxigraph["command"]  # private, time-limited
    assert "pgvector" in services["postgres"]["image"] and "ports" not in services["postgres"]
    assert services["proxy"]["ports"] and "api:8000" in (REPO / "deploy" / "Caddyfile").read_text()
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert "torch==2.13.0" in dockerfile and "[server]" in dockerfile and "USER ltgraph" in dockerfile
