"""Production serving: gunicorn with the Flask app, the model loaded per worker up front.

Each worker process builds its own app (no preloading: torch and ONNX Runtime state must not
cross a fork) and loads the data and the model before it accepts a request. Every worker
uses one thread for the model's maths: on a small machine, several workers each running
many OpenMP threads oversubscribe the cores and throughput collapses.
"""

from __future__ import annotations

import os
from typing import Any

from .config import Settings

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, workers: int | None = None,
          threads: int = 4) -> None:
    """Run gunicorn in the foreground until interrupted."""
    from gunicorn.app.base import BaseApplication

    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    options = {
        "bind": f"{host}:{port}",
        "workers": workers or max(2, os.cpu_count() or 1),
        "worker_class": "gthread",
        "threads": threads,
        "timeout": max(60, int(settings.sparql_timeout * 3)),
        "graceful_timeout": 10,
        "limit_request_line": 8190,  # gunicorn's maximum; longer SPARQL goes by POST
        "accesslog": "-",
        "errorlog": "-",
        "loglevel": "info",
        "worker_exit": _worker_exit,
    }

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return build_app(settings)

    Application().run()


def build_app(settings: Settings) -> Any:
    """The app with its data, index and model loaded and one query embedded."""
    from .api import create_app

    app = create_app(settings)
    service = app.extensions["ltgraph"]
    service.warm_up()
    return app


def _worker_exit(server: Any, worker: Any) -> None:
    app = getattr(worker, "wsgi", None)
    service = getattr(app, "extensions", {}).get("ltgraph") if app is not None else None
    if service is not None:
        service.close()
