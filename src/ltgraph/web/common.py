"""What every view shares: the service, the request's snapshot, problem responses, links.

No routes here; `web/app.py` builds the app, `web/api.py` and `web/pages.py` hold the views.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, g, jsonify, render_template, request

from ltgraph.store.snapshot import Snapshot
from ltgraph.web.sparql_protocol import prefers_html

#: A path under /id/ that can name a node of the graph: slug-like segments only.
RESOURCE_PATH = re.compile(r"[a-z]+(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,199}){1,6}")


def service() -> Any:
    """The app's `Service` (in `app.extensions["ltgraph"]`)."""
    return current_app.extensions["ltgraph"]


def snapshot() -> Snapshot:
    """The live generation as this request first saw it: taken once, then reused, so that
    every part of one response comes from the same generation."""
    snap: Snapshot | None = g.get("ltgraph_snapshot")
    if snap is None:
        snap = g.ltgraph_snapshot = service().snapshot()
    return snap


T = TypeVar("T")
_MEMO_LOCK = threading.Lock()


def per_generation(key: str, compute: Callable[[], T]) -> T:
    """`compute()` once per generation and key (a layout, a page's data), for every request
    of the app; a new generation drops the old one's values."""
    snap = snapshot()
    memo: dict[tuple[str, str], Any] = current_app.extensions.setdefault("ltgraph_memo", {})
    found = memo.get((snap.name, key), memo)
    if found is not memo:
        return found  # type: ignore[no-any-return]
    value = compute()
    with _MEMO_LOCK:
        for stale in [k for k in memo if k[0] != snap.name]:
            memo.pop(stale, None)
        memo[(snap.name, key)] = value
    return value


def wants_html() -> bool:
    """A browser asking for a page (not the JSON API, not a SPARQL client)."""
    if request.path.startswith("/api/") or request.path == "/openapi.json":
        return False
    return prefers_html(request.headers.get("Accept", ""))


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """An RFC 9457 problem document (or, for a browser, the same message as a page)."""
    if wants_html():
        page = render_template("error.html", status=status, title=title, detail=detail)
        return Response(page, status=status, mimetype="text/html")
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response




def local(iri: str) -> str | None:
    """The path on this server of an IRI under the configured base, else None.

    Only paths this server can answer: an IRI such as `{base}/evil.example/x` would make
    `//evil.example/x`, a link to another site, so anything but a resource path is None.
    """
    base = service().iris.base
    if not isinstance(iri, str) or not iri.startswith(base):
        return None
    rest = iri[len(base):]
    if rest == "ontology" or rest.startswith("ontology#"):
        return "/" + rest
    if rest.startswith("id/") and RESOURCE_PATH.fullmatch(rest[3:]):
        return "/" + rest
    return None
