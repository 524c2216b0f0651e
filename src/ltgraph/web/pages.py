"""The HTML pages: thin views; page data comes from `ltgraph.pages` and the service.

Every page works without JavaScript; strings from the corpus or the request are escaped by
Jinja's autoescaping (nothing is marked safe).
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request

from ltgraph.errors import LtgraphError, NotFoundError, QueryError
from ltgraph.web.common import local, per_generation, service, snapshot
from ltgraph.web.presentation import (
    EXAMPLE_QUERIES,
    EXAMPLE_QUESTIONS,
    EXPLORER_RELATIONS,
    comparison,
    explorer_data,
    footnotes,
    highlight,
    linked_segments,
    neighbourhood,
    whole_graph,
)
from ltgraph.web.serializers import entry_json

KIND_LABELS = {"overview": "Overview", "researcher": "Researcher", "concept": "Concept",
               "implication": "Implication", "strength": "Strength", "limitation": "Limitation",
               "misconception": "Misconception", "network": "Learning network", "evidence": "Evidence"}


def blueprint() -> Blueprint:
    bp = Blueprint("pages", __name__)

    @bp.get("/")
    def home() -> str:
        snap = snapshot()
        entries = sorted(snap.entries(), key=lambda e: e.name.lower())
        stats = service().stats(snap)
        people = {p.slug for e in entries for p in e.researchers}
        return render_template("index.html", examples=EXAMPLE_QUESTIONS, stats=stats,
                               theories=[e for e in entries if e.type == "theory"],
                               models=[e for e in entries if e.type == "model"], people=len(people))

    @bp.get("/search")
    def search() -> Response:
        vocabulary = _search_vocabulary()  # the ltgs: namespace IRI's path, for RDF clients
        if vocabulary is not None:
            return vocabulary
        q = request.args.get("q", "")
        kind = request.args.get("kind") or None
        type_ = request.args.get("type") or None
        response, error = None, None
        if q.strip():
            try:
                response = service().search(q, k=10, kind=kind, type_=type_, snap=snapshot())
            except QueryError as exc:
                error = str(exc)
        hits = []
        for hit in (response or {}).get("results", []):
            hits.append({**hit, "pieces": highlight(hit["text"], q), "kind_label": KIND_LABELS[hit["kind"]],
                         "href": _human_anchor(hit)})
        match = (response or {}).get("match")
        nearest = list(dict.fromkeys((h["theory"], h["theory_label"]) for h in hits))[:3]
        if match == "none":
            hits = []  # nothing here answers it: the nearest entries and examples instead
        answer = (response or {}).get("answer")
        compare_url = (answer or {}).get("compare_url")
        if not (isinstance(compare_url, str) and compare_url.startswith("/compare?theories=")):
            compare_url = None
        pieces = linked_segments(answer["text"], answer["links"]) if answer else []
        page = render_template("search.html", q=q, kind=kind, type=type_, hits=hits, error=error,
                               answer_pieces=pieces, compare_url=compare_url,
                               match=match, nearest=nearest, examples=EXAMPLE_QUESTIONS[:4],
                               did_you_mean=(response or {}).get("did_you_mean"),
                               answer=(response or {}).get("answer"), kinds=KIND_LABELS,
                               local=local)
        return Response(page, status=400 if error else 200, mimetype="text/html")

    @bp.get("/theories")
    def theories() -> str:
        type_ = request.args.get("type") if request.args.get("type") in ("theory", "model") else None
        sort = request.args.get("sort") if request.args.get("sort") in ("name", "year") else "name"
        entries = snapshot().entries(type_)
        entries.sort(key=(lambda e: (e.year, e.name.lower())) if sort == "year" else (lambda e: e.name.lower()))
        return render_template("theories.html", entries=entries, type=type_, sort=sort,
                               data_links=[("JSON", "/api/theories" + (f"?type={type_}" if type_ else ""),
                                            "application/json"),
                                           ("CSV", sparql_link(ENTRIES_CSV, "csv"), "text/csv")])

    @bp.get("/theories/<slug>")
    def theory(slug: str) -> str:
        return theory_page(slug)

    @bp.get("/people")
    def people() -> str:
        by_person: dict[str, tuple[str, list[Any]]] = {}
        for entry in sorted(snapshot().entries(), key=lambda e: e.name.lower()):
            for person in entry.researchers:
                by_person.setdefault(person.slug, (person.name, []))[1].append(entry)
        rows = sorted(by_person.items(), key=lambda kv: kv[1][0].split()[-1].lower())
        return render_template("people.html", people=rows,
                               data_links=[("CSV", sparql_link(PEOPLE_CSV, "csv"), "text/csv"),
                                           ("JSON", sparql_link(PEOPLE_CSV, "json"),
                                            "application/sparql-results+json")])

    @bp.get("/people/<slug>")
    def person(slug: str) -> str:
        return person_page(slug)

    @bp.get("/compare")
    def compare() -> Any:
        snap = snapshot()
        raw = request.args.get("theories", "")
        slugs = [s.strip() for s in raw.split(",") if s.strip()]
        slugs += [s for s in request.args.getlist("pick") if s]  # the form's menus
        picks = [s for s in request.args.getlist("pick") if s]
        if picks and not request.args.get("theories") and 2 <= len(picks) <= 4:
            # the form's menus give ?pick=a&pick=b: answer at the one shareable address
            return redirect("/compare?theories=" + ",".join(dict.fromkeys(picks)), code=303)
        raw = raw or ",".join(slugs)
        error, entries = None, []
        # "compare…" on an entry page links ?theories=<that entry>: the form, with it chosen
        opening = (len(slugs) == 1 and not request.args.getlist("pick")
                   and slugs[0] in {e.slug for e in snap.entries()})
        if opening:
            pass
        elif raw and not 2 <= len(slugs) <= 4:
            error = f"choose 2 to 4 entries to compare ({len(slugs)} given)"
        else:
            try:
                entries = [snap.entry(s) for s in slugs]
            except NotFoundError as exc:
                error = str(exc)
        if opening:
            entries = []
        page = render_template("compare.html", entries=entries, rows=comparison(entries) if entries and not error else [],
                               error=error, all_entries=sorted(snap.entries(), key=lambda e: e.name.lower()),
                               chosen=slugs, names={e.slug: e.name for e in snap.entries()})
        return Response(page, status=400 if error else 200, mimetype="text/html")

    @bp.get("/graph")
    def graph() -> str:
        return render_template("graph.html", picture=whole_picture(),
                               relations=EXPLORER_RELATIONS,
                               decades=sorted({e.year // 10 * 10 for e in snapshot().entries()}))

    return bp


#: Relations in words, as the entry page says them (outgoing; incoming ones end in "this").
RELATION_WORDS = {"buildsOn": ("builds on", "builds on"), "influencedBy": ("was influenced by", "influenced"),
                  "relatedTo": ("is related to", "is related to"),
                  "contrastsWith": ("contrasts with", "contrasts with")}
SECTIONS = [("concept", "Key concepts"), ("implication", "Implications for instructional design"),
            ("strength", "Strengths"), ("limitation", "Limitations"),
            ("misconception", "Common misconceptions"), ("network", "Personal learning network")]


#: The RDF formats a resource's page links to (label, ?format= value, media type).
RDF_LINKS = (("Turtle", "ttl", "text/turtle"), ("JSON-LD", "jsonld", "application/ld+json"),
             ("N-Triples", "nt", "application/n-triples"))
#: Constant queries behind the list pages' CSV and JSON links (no request text in them).
ENTRIES_CSV = """SELECT ?id ?name ?type ?year ?evidence WHERE {
  ?e dcterms:identifier ?id ; rdfs:label ?name ; a ?class ; ltg:yearProposed ?year .
  VALUES (?class ?type) { (ltg:LearningTheory "theory") (ltg:InstructionalDesignModel "model") }
  OPTIONAL { ?e ltg:hasEvidence/ltg:evidenceGrade/skos:notation ?evidence } } ORDER BY ?name"""
PEOPLE_CSV = """SELECT ?person ?name ?entry ?role WHERE {
  ?e ?p ?person ; rdfs:label ?entry . ?person rdfs:label ?name .
  VALUES (?p ?role) { (ltg:originatedBy "originator") (ltg:developedBy "developer")
                      (ltg:hasForerunner "forerunner") (ltg:criticisedBy "critic") } }
  ORDER BY ?name ?entry ?role"""


def sparql_link(query: str, fmt: str) -> str:
    """A link to the SPARQL endpoint running a constant query, answered as `fmt`."""
    from urllib.parse import urlencode

    return "/sparql?" + urlencode({"query": " ".join(query.split()), "format": fmt})


def whole_picture() -> Any:
    """The server's picture of the whole graph: laid out once per generation."""
    return per_generation("whole-graph", lambda: whole_graph(snapshot().entries()))


def graph_data() -> dict[str, Any]:
    """`/api/graph`: the explorer's nodes and edges, once per generation."""
    return per_generation("graph-data", lambda: explorer_data(snapshot().entries(), whole_picture()))


def last_changed() -> dict[str, str]:
    """Entry slug -> the date its file last changed in this data (`Snapshot.last_changed`)."""
    import datetime

    def compute() -> dict[str, str]:
        return {slug: datetime.datetime.fromtimestamp(when, datetime.timezone.utc).strftime("%Y-%m-%d")
                for slug, when in snapshot().last_changed().items()}

    return per_generation("last-changed", compute)


def theory_page(slug: str) -> str:
    import datetime

    snap = snapshot()
    entry = snap.entry(slug)
    data = entry_json(entry, service().iris)
    entries = {e.slug: e for e in snap.entries()}
    names = {e.slug: e.name for e in entries.values()}
    relations = []
    seen = set()
    for rel in entry.related:  # each relation once, in words
        relations.append((RELATION_WORDS[rel.relation][0], rel.target, names.get(rel.target, rel.target), True))
        seen.add(rel.target)
    for other in entries.values():
        for rel in other.related:
            if rel.target == slug and not (other.slug in seen and rel.relation in ("relatedTo", "contrastsWith")):
                phrase = "was influenced by" if rel.relation == "influencedBy" else RELATION_WORDS[rel.relation][1]
                relations.append((phrase, other.slug, other.name, False))
    created = datetime.datetime.fromtimestamp(snap.manifest.created, datetime.timezone.utc)
    return render_template("theory.html", entry=entry, data=data, names=names, relations=relations,
                           sections=SECTIONS, picture=neighbourhood(entry, entries),
                           generation_date=created.strftime("%Y-%m-%d"),
                           people={p.name: p.slug for p in entry.researchers},
                           roles={p.name: p.role or "contributor" for p in entry.researchers},
                           notes=footnotes(entry, [kind for kind, _ in SECTIONS]),
                           changed=last_changed().get(slug))


def person_page(slug: str) -> str:
    snap = snapshot()
    contributions = []
    name = None
    for entry in sorted(snap.entries(), key=lambda e: e.name.lower()):
        for person in entry.researchers:
            if person.slug == slug:
                name = name or person.name
                text = next((i.text for i in entry.items_of("researcher") if i.title == person.name), "")
                contributions.append((entry, text, person.role or "contributor"))
    works = [(entry, work) for entry in snap.entries() for work in entry.works
             if any(_slug(a) == slug for a in work.authors)]
    if name is None and works:
        name = next(a for _, w in works for a in w.authors if _slug(a) == slug)
    if name is None:
        raise NotFoundError(f"no person {slug!r} in the graph")
    data_links = [(label, f"/id/person/{slug}?format={fmt}", mime) for label, fmt, mime in RDF_LINKS]
    return render_template("person.html", name=name, slug=slug, iri=str(service().iris.person(slug)),
                           data_links=data_links,
                           contributions=contributions, works=works)


def sparql_console(query: str | None) -> str:
    """The console; with a query, its results as a table (or the error, inline)."""
    example = request.args.get("example", "")
    if query is None and re.fullmatch(r"[0-9]{1,3}", example) and int(example) < len(EXAMPLE_QUERIES):
        query = EXAMPLE_QUERIES[int(example)][1]
        run = True
    else:
        run = query is not None
    columns: list[str] = []
    rows: list[list[dict[str, str]]] = []
    boolean, graph_text, error = None, None, None
    if run and query is not None:
        try:
            rendered = service().public_sparql(query, "json", "turtle")
            if rendered.form == "graph":
                graph_text = rendered.body.decode("utf-8")
            else:
                data = json.loads(rendered.body)
                if "boolean" in data:
                    boolean = data["boolean"]
                else:
                    columns = data["head"]["vars"]
                    rows = [[b.get(c, {}) for c in columns] for b in data["results"]["bindings"]]
        except LtgraphError as exc:
            error = str(exc)
    from ltgraph.rdf.ontology import PREFIXES

    console_config = {"endpoint": "/sparql", "prefixes": PREFIXES,
                      "examples": [{"title": t, "query": q} for t, q in EXAMPLE_QUERIES]}
    return render_template("sparql.html", query=query or EXAMPLE_QUERIES[0][1], examples=EXAMPLE_QUERIES,
                           console_config=console_config,
                           ran=run, columns=columns, rows=rows, boolean=boolean, graph_text=graph_text,
                           error=error, local=local, formats=["json", "xml", "csv", "tsv"],
                           graph_formats=["turtle", "nt", "jsonld", "rdfxml"])


def _slug(name: str) -> str:
    from ltgraph.corpus import slugify

    return slugify(name)


def _search_vocabulary() -> Response | None:
    """`https://w3id.org/ltgraph/search#` dereferenced: the `ltgs:` vocabulary as RDF when the
    client asks for RDF (browsers get the search page)."""
    from ltgraph.web.sparql_protocol import RDF_TYPES

    if request.args:
        return None
    best = request.accept_mimetypes.best_match(["text/html", *RDF_TYPES], default="text/html")
    if best == "text/html":
        return None
    response = Response(_vocabulary(RDF_TYPES[best]), mimetype=best)
    response.headers["Vary"] = "Accept"
    return response


@functools.lru_cache(maxsize=8)
def _vocabulary(fmt: str) -> bytes:
    """`ontology/search.ttl` in one of the graph formats (read once per format)."""
    import pyoxigraph as ox

    from ltgraph.config import ontology_dir
    from ltgraph.rdf.ontology import PREFIXES
    from ltgraph.sparql import GRAPH_FORMATS

    triples = list(ox.parse(path=str(ontology_dir() / "search.ttl"), format=ox.RdfFormat.TURTLE))
    return ox.serialize(triples, format=GRAPH_FORMATS[fmt], prefixes=PREFIXES) or b""


def _human_anchor(hit: dict[str, Any]) -> str:
    """Where a hit is readable: its place on the entry page (or the person's page)."""
    if hit["kind"] == "researcher":
        return "/people/" + str(hit["item_iri"]).rsplit("/", 1)[-1]
    if hit["kind"] in ("overview", "evidence"):  # one section each, no items
        return f"/theories/{hit['theory']}#{hit['kind']}"
    return f"/theories/{hit['theory']}#{hit['kind']}-{hit['item_iri'].rsplit('/', 1)[-1]}"
