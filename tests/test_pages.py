"""Every HTML page and its 404, with `app.test_client()` on the tiny corpus (fake encoder)."""

from __future__ import annotations

import pytest

from ltgraph.web.app import create_app

pytestmark = pytest.mark.backends  # each test on the embedded store and on the servers

HTML = {"Accept": "text/html"}


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url, headers=HTML)
    assert response.status_code == status, (url, response.status_code)
    assert response.mimetype == "text/html"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    return response.get_data(as_text=True)


def test_home(client) -> None:
    text = page(client, "/")
    assert 'action="/search"' in text and "Alpha Theory" in text and "Beta Model" in text
    assert '<label for="q">' in text


def test_search_page_with_answer_highlights_and_filters(client) -> None:
    text = page(client, "/search?q=who+developed+alpha+theory")
    assert "From the graph" in text and "Ada Example" in text
    assert "<mark>" in text and 'class="badge' in text
    filtered = page(client, "/search?q=alpha&kind=strength")
    assert "Strength" in filtered and "Limitation</span>" not in filtered
    assert "unknown kind" in page(client, "/search?q=alpha&kind=gossip", 400)


def test_search_echoes_the_query_escaped(client) -> None:
    text = page(client, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "<script>alert(1)</script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_theories_filter_and_sort(client) -> None:
    assert "Beta Model" not in page(client, "/theories?type=theory")
    by_year = page(client, "/theories?sort=year")
    assert by_year.index("Alpha Theory") < by_year.index("Beta Model")


def test_theory_page_sections_links_and_picture(client) -> None:
    text = page(client, "/theories/alpha-theory")
    for heading in ("At a glance", "On this page", "Overview", "Key researchers", "Seminal works",
                    "Key concepts", "Implications for instructional design", "Strengths",
                    "Limitations", "Sources", "In the graph", "Cite this entry"):
        assert f">{heading}</h2>" in text, heading
    assert 'href="/people/ada-example"' in text and "Recommended tools" in text
    assert "<dt>Last changed</dt>" in text  # from the catalog, or PostgreSQL's copy of it
    assert "<svg" in text and 'href="/theories/beta-model"' in text
    # relations in words, each once (a symmetric link is stated both ways in the graph)
    assert ">relatedTo<" not in text and "<strong>relatedTo" not in text and "is related to" in text
    relations = text[text.index('class="relations"'):text.index("</ul>", text.index('class="relations"'))]
    lines = [line.strip() for line in relations.split("<li>")[1:]]
    assert len(lines) == len(set(lines)) and any("is related to" in line for line in lines)
    assert 'rel="alternate" type="text/turtle" href="/id/theory/alpha-theory?format=ttl"' in text
    # the map comes before the long sections
    assert text.index('id="neighbourhood"') < text.index('id="researchers"')
    page(client, "/theories/nowhere", 404)


def test_data_links_answer_in_their_formats(client) -> None:
    from rdflib import Graph

    for url, parser in (("/id/theory/alpha-theory?format=ttl", "turtle"),
                        ("/id/theory/alpha-theory.jsonld", "json-ld"),
                        ("/id/theory/alpha-theory?format=nt", "nt"),
                        ("/id/person/ada-example.rdf", "xml")):
        response = client.get(url, headers={"Accept": "text/html"})  # a browser, asking by URL
        assert response.status_code == 200, url
        assert len(Graph().parse(data=response.get_data(as_text=True), format=parser)) > 3, url
    assert client.get("/id/theory/alpha-theory?format=pdf").status_code == 400
    assert client.get("/api/theories/alpha-theory").get_json()["id"] == "alpha-theory"


def test_every_list_and_person_page_offers_itself_as_data_that_parses(client) -> None:
    """The footer's "This page as data" links (also `<link rel="alternate">`) answer in the
    type they name, and it parses."""
    import csv
    import html
    import io
    import re

    from rdflib import Graph

    seen = 0
    for path in ("/theories", "/theories?type=model", "/people", "/people/ada-example", "/graph"):
        text = page(client, path)
        links = re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', text)
        assert links, path
        for mime, href in links:
            href = html.unescape(href)
            assert f'href="{html.escape(href)}"' in text.split("<footer")[1] or path == "/graph", (path, href)
            response = client.get(href, headers={"Accept": "text/html"})
            assert response.status_code == 200, href
            body = response.get_data(as_text=True)
            if mime == "text/csv":
                rows = list(csv.reader(io.StringIO(body)))
                assert len(rows) >= 3 and len(rows[0]) >= 4, href
            elif "json" in mime and "ld+json" not in mime:
                assert response.get_json(), href
            else:
                fmt = {"text/turtle": "turtle", "application/ld+json": "json-ld",
                       "application/n-triples": "nt"}[mime]
                assert len(Graph().parse(data=body, format=fmt)) >= 2, href
            seen += 1
    assert seen >= 10


def test_people_index_and_hits_that_land_on_readable_places(client) -> None:
    text = page(client, "/people")
    assert 'href="/people/ada-example"' in text and 'href="/theories/alpha-theory"' in text
    html = page(client, "/search?q=fading+needed")
    assert 'href="/theories/alpha-theory#limitation-fading-needed"' in html
    assert 'href="/api/search?q=fading%20needed"' in html  # the page links its JSON
    assert html.count('role="search"') == 1  # one search box on the search page
    home = page(client, "/")
    assert home.count('role="search"') == 1
    assert 'rel="icon"' in home


def test_person_page(client) -> None:
    text = page(client, "/people/john-dewey")
    assert "Alpha Theory" in text and "Beta Model" in text
    assert "Carol Coauthor" in page(client, "/people/carol-coauthor")  # an author only
    page(client, "/people/nobody", 404)


def test_compare(client) -> None:
    text = page(client, "/compare?theories=alpha-theory,beta-model")
    assert "Fading needed" in text and "Rigid" in text and "<table" in text
    assert "choose 2 to 4" in page(client, "/compare?pick=alpha-theory", 400)
    assert "choose 2 to 4" in page(client, "/compare?theories=a,b,c,d,e", 400)
    assert "no entry" in page(client, "/compare?theories=alpha-theory,nowhere", 400)
    assert client.get("/compare?pick=alpha-theory&pick=beta-model", headers=HTML).status_code == 303


def test_sparql_console(client) -> None:
    text = page(client, "/sparql")
    assert "<textarea" in text and "Example queries" in text
    results = page(client, "/sparql?query=SELECT+%3Fl+WHERE+%7B+%3Fe+a+ltg%3ALearningTheory+%3B+rdfs%3Alabel+%3Fl+%7D&format=html")
    assert '<table class="results">' in results and "Alpha Theory" in results
    assert "format=csv" in results
    assert "syntax error" in page(client, "/sparql?query=SELECT+WHERE&format=html")


def test_warming_computes_the_per_generation_page_data_once(app) -> None:
    from ltgraph.web.app import warm

    warm(app)
    memo = app.extensions["ltgraph_memo"]
    assert {key for _, key in memo} == {"whole-graph", "graph-data", "last-changed"}
    before = dict(memo)
    app.test_client().get("/graph")
    assert all(memo[k] is v for k, v in before.items())  # reused, not computed again


def test_graph_page(client) -> None:
    text = page(client, "/graph")
    assert text.count('class="node node-') == 5  # 2 entries, 3 researchers


def test_unknown_page_and_server_error_pages(service) -> None:
    app = create_app(service.settings, service)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    client = app.test_client()
    assert "could not find" in page(client, "/no/such/page", 404)
    text = page(client, "/boom", 500)
    assert "secret detail" not in text and "Traceback" not in text
    api = client.get("/boom", headers={"Accept": "application/json"})
    assert api.status_code == 500 and b"secret detail" not in api.data


def test_compare_from_an_entry_page_opens_the_form_with_it_chosen(service) -> None:
    from ltgraph.web.app import create_app

    client = create_app(service.settings, service).test_client()
    page = client.get("/compare?theories=alpha-theory")
    assert page.status_code == 200
    assert b'<option value="alpha-theory" selected' in page.data
    missing = client.get("/theories/no-such-entry", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and b"ltgraph list" not in missing.data


def test_search_page_links_the_answers_names_evidence_and_comparison(client) -> None:
    html = page(client, "/search?q=Alpha+Theory+vs+Beta+Model")
    assert '<a href="/compare?theories=alpha-theory,beta-model">Compare them side by side</a>' in html
    assert '<a href="/id/theory/alpha-theory">Alpha Theory</a>' in html  # a name in the answer
    assert "Evidence:" in html and '<a href="/id/person/' in html     # titled evidence links
    data = client.get("/api/search?q=Alpha+Theory+vs+Beta+Model").get_json()
    assert data["intent"]["type"] == "comparison"
    assert data["answer"]["kind"] == "comparison"


def test_the_compare_form_lands_on_the_shareable_address(client) -> None:
    response = client.get("/compare?pick=alpha-theory&pick=beta-model&pick=", headers=HTML)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/compare?theories=alpha-theory,beta-model")
    opening = page(client, "/compare?theories=alpha-theory")
    assert "Choose at least one more entry to compare with Alpha Theory" in opening
    assert page(client, "/compare?theories=alpha-theory,beta-model").count("<th scope=\"col\">") == 3


def test_the_whole_graph_layout_costs_no_more_for_a_large_corpus() -> None:
    """The spring layout's cost grows with the square of the nodes: above `LAYOUT_FULL` its
    iterations shrink so that the whole-graph picture (computed at server start) does not take
    minutes for a corpus 100 times the bundled one."""
    from hypothesis import given
    from hypothesis import strategies as st

    from ltgraph.web.presentation import LAYOUT_FULL, LAYOUT_ITERATIONS, layout_iterations

    @given(st.integers(min_value=0, max_value=200_000))
    def bounded(count: int) -> None:
        iterations = layout_iterations(count)
        assert 3 <= iterations <= LAYOUT_ITERATIONS
        assert iterations == 3 or iterations * count ** 2 <= LAYOUT_ITERATIONS * LAYOUT_FULL ** 2
        assert layout_iterations(count + 1) <= iterations

    bounded()
    assert layout_iterations(250) == LAYOUT_ITERATIONS  # the bundled corpus: as before
