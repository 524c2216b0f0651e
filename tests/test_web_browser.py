"""The web pages in a real browser: Debian's headless Chromium driven by Playwright.

Screenshots of every page land in test-artifacts/screenshots/. Needs /usr/bin/chromium
(`apt-get install -y chromium`; `.ci/run` installs it).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, TESTS

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "test-artifacts" / "screenshots"
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install -y chromium")]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live):
    """A page that may only talk to the live server: any other request fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside: list[str] = []

    def guard(route) -> None:
        if route.request.url.startswith(live):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.base = live  # type: ignore[attr-defined]
    yield page
    context.close()
    assert outside == [], f"the page requested outside resources: {outside}"
    assert dialogs == [], f"a script ran and opened a dialog: {dialogs}"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_search_from_the_home_page(page) -> None:
    page.goto(page.base + "/")
    shot(page, "home")
    page.fill("#q", "what are the limitations of connectivism")
    page.click(".big-search button")
    page.wait_for_url("**/search?q=*")
    titles = page.locator(".hit-title").all_inner_texts()
    assert "Information overload" in titles
    assert page.locator(".answer").is_visible()
    assert page.locator("mark").count() > 0
    assert page.locator(".badge").first.inner_text() == "Limitation"
    shot(page, "search")


def test_theory_page_and_researcher_link(page) -> None:
    page.goto(page.base + "/theories/connectivism")
    assert page.locator("h1").inner_text() == "Connectivism"
    assert page.locator("svg.graph .node").count() >= 3
    assert "Padlet" in page.locator(".tools").first.inner_text()
    shot(page, "theory")
    page.click("#researchers ~ h3 >> text=George Siemens")
    page.wait_for_url("**/people/george-siemens")
    assert page.locator("h1").inner_text() == "George Siemens"
    shot(page, "person")


def test_compare_two_entries(page) -> None:
    page.goto(page.base + "/compare")
    page.select_option("#pick-0", "addie")
    page.select_option("#pick-1", "sam")
    page.click(".compare-form button")
    page.wait_for_url("**/compare?*")
    headers = page.locator("table.compare thead th").all_inner_texts()
    assert headers[1:] == ["ADDIE", page.locator("table.compare thead th").nth(2).inner_text()]
    assert "SAM" in headers[2] or "Successive" in headers[2]
    assert page.locator("table.compare tbody tr").count() == 7
    shot(page, "compare")


def test_sparql_console_example(page) -> None:
    page.goto(page.base + "/sparql")
    page.click("text=Who developed each learning theory?")
    table = page.locator("table.results")
    table.wait_for()
    assert table.locator("tbody tr").count() > 20
    assert "George Siemens" in table.inner_text()
    shot(page, "sparql")
    page.fill("#query", "SELECT WHERE {")
    page.click(".console button")
    assert "syntax error" in page.locator(".error").inner_text()


def test_graph_theories_and_not_found_pages(page) -> None:
    page.goto(page.base + "/graph")
    assert page.locator("svg.graph .node").count() > 50  # the no-JavaScript picture is there
    page.wait_for_selector("#explorer[data-visible-nodes]")
    shot(page, "graph")
    page.goto(page.base + "/theories?type=model&sort=year")
    years = [int(t) for t in page.locator("table.entries tbody td:nth-child(3)").all_inner_texts()]
    models = [p for p in (REPO / "corpus").glob("*.md")
              if "\ntype: model\n" in p.read_text("utf-8")]
    assert years == sorted(years) and len(years) == len(models)
    shot(page, "theories")
    response = page.goto(page.base + "/theories/no-such-theory")
    assert response.status == 404 and "could not find" in page.content()
    shot(page, "not-found")


def test_keyboard_and_phone_width(browser, live) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(live + "/theories/constructivism")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 376, width
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    labels = page.evaluate("[...document.querySelectorAll('input,select,textarea')]"
                           ".filter(e => e.type !== 'hidden' && !(e.labels && e.labels.length)).length")
    assert labels == 0
    shot(page, "phone-theory")
    context.close()


def test_script_in_an_entry_name_renders_as_text(page, live_data_dir, tmp_path) -> None:
    draft = tmp_path / "xss-check.md"
    source = (TESTS / "data" / "new" / "heutagogy.md").read_text()
    draft.write_text(source.replace("id: heutagogy", "id: xss-check").replace(
        "name: Heutagogy", 'name: "Heutagogy <script>alert(1)</script>"'))
    cli = [sys.executable, "-m", "ltgraph", "--data-dir", str(live_data_dir)]
    subprocess.run([*cli, "add", str(draft)], check=True, capture_output=True, timeout=300)
    try:
        page.goto(page.base + "/theories/xss-check")
        assert page.locator("h1").inner_text() == "Heutagogy <script>alert(1)</script>"
        page.goto(page.base + "/search?q=" + "<script>alert(2)</script> heutagogy")
        assert "<script>alert(2)</script>" in page.locator(".echo").inner_text()
        shot(page, "escaped-name")
    finally:
        subprocess.run([*cli, "remove", "xss-check"], check=True, capture_output=True, timeout=300)


def test_the_graph_explorer_filters_focuses_and_falls_back(page, browser, live) -> None:
    """Cytoscape (vendored) draws /api/graph; the filters hide kinds, relations and decades;
    finding a node focuses its neighbourhood and lists it as links; without JavaScript the
    server's SVG picture is the page. No CSP error, no outside request."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(page.base + "/graph")
    explorer = page.locator("#explorer")
    page.wait_for_selector("#explorer[data-visible-nodes]")
    assert explorer.is_visible() and not page.locator("#graph-fallback").is_visible()
    data = page.evaluate("fetch('/api/graph').then(r => r.json())")
    people = sum(n["kind"] == "person" for n in data["nodes"])
    everything = int(explorer.get_attribute("data-visible-nodes"))
    assert everything == len(data["nodes"]) > 100

    page.uncheck("input[name=kind][value=person]")
    assert int(explorer.get_attribute("data-visible-nodes")) == everything - people
    page.uncheck("input[name=kind][value=model]")
    theories = sum(n["kind"] == "theory" for n in data["nodes"])
    assert int(explorer.get_attribute("data-visible-nodes")) == theories
    page.select_option("#decade-from", "2000")
    recent = sum(n["kind"] == "theory" and n["decade"] >= 2000 for n in data["nodes"])
    assert int(explorer.get_attribute("data-visible-nodes")) == recent < theories

    page.click("#explorer-reset")
    assert int(explorer.get_attribute("data-visible-nodes")) == everything
    assert int(explorer.get_attribute("data-visible-edges")) == len(data["edges"])
    page.uncheck("input[name=relation][value=contrastsWith]")
    contrasts = sum(e["relation"] == "contrastsWith" for e in data["edges"])
    assert int(explorer.get_attribute("data-visible-edges")) == len(data["edges"]) - contrasts < len(data["edges"])
    page.check("input[name=relation][value=contrastsWith]")
    page.fill("#find", "Connectivism")
    page.click("#explorer-controls button[type=submit]")
    assert explorer.get_attribute("data-focus") == "e:connectivism"
    neighbours = {e["target"] if e["source"] == "e:connectivism" else e["source"]
                  for e in data["edges"] if "e:connectivism" in (e["source"], e["target"])}
    links = page.locator("#explorer-focus li a")
    assert links.count() == len(neighbours) and "George Siemens" in links.all_inner_texts()
    assert "Focused on Connectivism" in page.locator("#explorer-status").inner_text()
    shot(page, "graph-explorer-focus")
    assert problems == []

    context = browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(live + "/graph")
        assert plain.locator("svg.graph .node").count() == len(data["nodes"])
        assert not plain.locator("#explorer").is_visible()
    finally:
        context.close()


def test_the_yasgui_console_runs_a_search_example(page) -> None:
    """YASGUI (vendored) loads from this server only, with the examples as tabs; running the
    ltgs:search example shows a results table; no CSP violation, no outside request."""
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(page.base + "/sparql")
    page.wait_for_selector(".yasgui .tabsList .tab")
    tabs = page.locator(".yasgui .tabsList .tab").all_inner_texts()
    assert any("Search: limitations" in t for t in tabs), tabs
    assert not page.locator("form.console").is_visible()  # the plain form is the fallback
    page.locator(".yasgui .tabsList .tab", has_text="Search: limitations").first.click()
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    page.wait_for_selector(".tabPanel.active .yasr table tbody tr", timeout=60_000)
    assert page.locator(".tabPanel.active .yasr table tbody tr").count() >= 3
    shot(page, "sparql-yasgui")
    assert problems == []


def test_the_vendored_scripts_are_what_the_script_pins() -> None:
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "vendor_js.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr


PAGES = ["/", "/search?q=limitations+of+connectivism", "/search?q=ADDIE+vs+SAM",
         "/search?q=zxqv+flibbertigibbet", "/theories", "/theories/connectivism",
         "/people/george-siemens", "/people", "/compare?theories=addie,sam", "/compare", "/graph",
         "/sparql", "/sparql?example=1", "/id/theory/connectivism/limitation/information-overload",
         "/ontology", "/no-such-page"]


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
def test_every_page_passes_axe_and_fits_the_screen(browser, live, width, height) -> None:
    """axe-core (WCAG 2.0-2.2 A/AA and best practice): no violation on any page, on a desktop
    and a phone; no sideways scrolling at either width."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    found = {}
    try:
        for path in PAGES:
            page.goto(live + path)
            if path == "/sparql":
                page.wait_for_selector(".yasgui .tabsList")
            result = axe.run(page, options={"runOnly": {"type": "tag", "values": [
                "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
            violations = [(v["id"], len(v["nodes"])) for v in result.response["violations"]]
            if violations:
                found[path] = violations
            wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
            assert not wide, f"{path} scrolls sideways at {width} px"
    finally:
        context.close()
    assert found == {}
