"""Responses that cost less on the wire: validators per generation, compression, warm templates.

- Every page and API answer made from a snapshot gets a weak `ETag` naming the generation, the
  URL and the negotiated type, with `Cache-Control: no-cache` (reuse after revalidation): a
  client that sends `If-None-Match` gets `304 Not Modified` until the data changes.
- Static files are cached for a day (`max-age`), with their own validators.
- Text bodies over 1 KiB are gzip-compressed for clients that accept it (SPARQL clients take
  the Flask-free path and are answered uncompressed, as the protocol's clients expect).
- Templates are compiled when the app is made, so the first request is as fast as the rest.
"""

from __future__ import annotations

import gzip
import hashlib

from flask import Flask, Response, g, request

STATIC_MAX_AGE = 24 * 3600
MIN_COMPRESS = 1024
COMPRESSIBLE = ("text/", "application/json", "application/problem+json", "application/ld+json",
                "application/javascript", "application/n-triples", "application/rdf+xml",
                "application/sparql-results", "image/svg+xml")


def install(app: Flask) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = STATIC_MAX_AGE
    for name in app.jinja_env.list_templates():  # compiled now, not on the first request
        app.jinja_env.get_template(name)

    @app.after_request
    def cache_and_compress(response: Response) -> Response:
        snap = g.get("ltgraph_snapshot")
        if (request.method == "GET" and response.status_code == 200 and snap is not None
                and "ETag" not in response.headers):
            key = f"{snap.name}|{request.full_path}|{response.mimetype}|{request.headers.get('Accept', '')}"
            response.set_etag(hashlib.sha256(key.encode("utf-8")).hexdigest()[:32], weak=True)
            response.headers["Cache-Control"] = "no-cache"
            response.make_conditional(request)
            if response.status_code == 304:
                return response
        return _compressed(response)


def _compressed(response: Response) -> Response:
    if ("gzip" not in request.headers.get("Accept-Encoding", "") or response.status_code != 200
            or "Content-Encoding" in response.headers
            or not (response.mimetype or "").startswith(COMPRESSIBLE)):
        return response
    response.direct_passthrough = False  # static files: read the body to compress it
    body = response.get_data()
    if len(body) < MIN_COMPRESS:
        return response
    response.set_data(gzip.compress(body, compresslevel=6))
    response.headers["Content-Encoding"] = "gzip"
    response.headers["Content-Length"] = str(len(response.get_data()))
    vary = response.headers.get("Vary")
    response.headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
    return response
