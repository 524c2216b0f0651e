"""The Flask application: `create_app(settings)`; thin views over `Service`."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify

from .config import Settings
from .errors import LtgraphError


def create_app(settings: Settings | None = None) -> Flask:
    """Application factory; the service lives in `app.extensions["ltgraph"]`."""
    from .search import Service

    app = Flask(__name__)
    service = Service(settings or Settings.from_env())
    app.extensions["ltgraph"] = service

    @app.get("/api/health")
    def health() -> Any:
        return jsonify({"status": "ok", **service.stats()})

    @app.errorhandler(LtgraphError)
    def ltgraph_error(exc: LtgraphError) -> Any:
        body = {"type": "about:blank", "title": exc.title, "status": exc.status, "detail": str(exc)}
        return jsonify(body), exc.status, {"Content-Type": "application/problem+json"}

    return app
