"""The W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests, sparql/sparql11/protocol) that apply to
a read-only endpoint over a fixed dataset, re-expressed for `app.test_client()`.

Policy differences, by design: update requests (`update_post_form`, `update_post_direct`,
`update_dataset_*`, `update_base_uri`) are refused with 403 instead of executed; dataset
parameters (`query_dataset_default_graphs_*`, `query_dataset_named_graphs_*`,
`query_dataset_full`, `query_multiple_dataset`) are refused with 400 instead of honoured,
because the dataset is fixed. The suite's `default-graph-uri=…data0.rdf` on the plain query
tests is dropped for the same reason.
"""

from __future__ import annotations

import pytest

from ltgraph.web.app import create_app

pytestmark = pytest.mark.backends  # each test on the embedded store and on the servers


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from ltgraph.config import Settings
    from ltgraph.service import Service

    from .conftest import TINY_CORPUS, FakeEncoder

    service = Service(Settings(data_dir=tmp_path_factory.mktemp("protocol") / "data",
                               corpus_dir=TINY_CORPUS), encoder=FakeEncoder())
    service.build()
    app = create_app(service.settings, service)
    yield app.test_client()
    service.close()


FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"

# (test name in the W3C manifest, method, query string, body, content type, accept,
#  expected status, a media type the answer must have or None)
CASES = [
    ("query_get", "GET", "query=ASK%20%7B%7D", None, None, None, 200, "application/sparql-results"),
    ("query_post_form", "POST", "", "query=ASK%20%7B%7D", FORM, None, 200, "application/sparql-results"),
    ("query_post_direct", "POST", "", "ASK {}", DIRECT, None, 200, "application/sparql-results"),
    ("query_content_type_select", "POST", "", "SELECT (1 AS ?value) {}", DIRECT, None, 200,
     "application/sparql-results"),
    ("query_content_type_ask", "POST", "", "ASK {}", DIRECT, "application/sparql-results+xml",
     200, "application/sparql-results+xml"),
    ("query_content_type_describe", "POST", "", "DESCRIBE <http://example.org/>", DIRECT,
     "text/turtle", 200, "text/turtle"),
    ("query_content_type_construct", "POST", "", "CONSTRUCT { <s> <p> 1 } WHERE {}", DIRECT,
     "application/n-triples", 200, "application/n-triples"),
    ("bad_query_method", "PUT", "query=ASK%20%7B%7D", None, FORM, None, 405, None),
    ("bad_multiple_queries", "GET", "query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D", None, None,
     None, 400, None),
    ("bad_query_wrong_media_type", "POST", "", "ASK {}", "text/plain", None, 415, None),
    ("bad_query_missing_form_type", "POST", "", "query=ASK%20%7B%7D", None, None, 415, None),
    ("bad_query_missing_direct_type", "POST", "", "ASK {}", None, None, 415, None),
    ("bad_query_non_utf8", "POST", "", "ASK {}".encode("utf-16"), DIRECT + "; charset=UTF-16",
     None, 415, None),
    ("bad_query_syntax", "GET", "query=ASK%20%7B", None, None, None, 400, None),
    ("bad_update_get", "GET", "update=CLEAR%20ALL", None, None, None, 403, None),
    ("update_post_form (policy: read-only)", "POST", "", "update=CLEAR%20ALL", FORM, None, 403, None),
    ("update_post_direct (policy: read-only)", "POST", "", "CLEAR ALL", UPDATE, None, 403, None),
    ("bad_multiple_updates", "POST", "", "update=CLEAR%20NAMED&update=CLEAR%20DEFAULT", FORM, None,
     403, None),
    ("bad_update_syntax", "POST", "", "update=CLEAR%20XYZ", FORM, None, 403, None),
    ("bad_update_non_utf8", "POST", "", "CLEAR ALL".encode("utf-16"), UPDATE + "; charset=UTF-16",
     None, 403, None),
    ("bad_update_wrong_media_type", "POST", "", "CLEAR NAMED", "text/plain", None, 415, None),
    ("bad_update_missing_form_type", "POST", "", "update=CLEAR%20NAMED", None, None, 415, None),
    ("query_dataset_default_graphs_get (policy: fixed dataset)", "GET",
     "query=ASK%20%7B%7D&default-graph-uri=http%3A%2F%2Fx%2Fa&default-graph-uri=http%3A%2F%2Fx%2Fb",
     None, None, None, 400, None),
    ("query_dataset_named_graphs_post (policy: fixed dataset)", "POST", "",
     "query=ASK%20%7B%7D&named-graph-uri=http%3A%2F%2Fx%2Fa&named-graph-uri=http%3A%2F%2Fx%2Fb",
     FORM, None, 400, None),
    ("query_multiple_dataset (policy: fixed dataset)", "GET",
     "query=ASK%20FROM%20%3Chttp%3A%2F%2Fx%2Fa%3E%20%7B%7D&named-graph-uri=http%3A%2F%2Fx%2Fb",
     None, None, None, 400, None),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_protocol(client, case) -> None:
    name, method, query_string, body, ctype, accept, status, media = case
    headers = {"Accept": accept} if accept else {}
    response = client.open("/sparql?" + query_string if query_string else "/sparql", method=method,
                           data=body, headers=headers,
                           **({"content_type": ctype} if ctype else {}))
    assert response.status_code == status, (name, response.data[:300])
    if media:
        assert response.mimetype.startswith(media), (name, response.mimetype)
    if status >= 400:
        assert response.mimetype == "application/problem+json"
