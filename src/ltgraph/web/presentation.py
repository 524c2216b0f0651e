"""Data for the HTML pages, prepared without Flask: highlighting, graph layouts, comparisons.

Everything here returns plain data (strings, numbers, lists); templates render it with
Jinja's autoescaping, so no corpus or user text is ever marked safe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from ltgraph.corpus import Entry
from ltgraph.retrieval.text import normalise_spelling

#: Example questions for the home page (each answered well by the bundled corpus).
EXAMPLE_QUESTIONS = [
    "What are the limitations of connectivism?",
    "Who developed cognitive load theory?",
    "How should I design a course using Gagné's nine events?",
    "What are the strengths of experiential learning?",
    "Which theories did Jerome Bruner develop?",
    "What is the zone of proximal development?",
]

PREFIX_LINES = """PREFIX ltg: <https://w3id.org/ltgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""

#: The console's menu: (title, query) answering real questions.
EXAMPLE_QUERIES: list[tuple[str, str]] = [
    ("Who developed each learning theory?", PREFIX_LINES + """
SELECT ?theory ?researcher WHERE {
  ?e a ltg:LearningTheory ; rdfs:label ?theory ; ltg:developedBy/rdfs:label ?researcher .
} ORDER BY ?theory ?researcher"""),
    ("Limitations of connectivism", PREFIX_LINES + """
SELECT ?limitation ?description WHERE {
  <https://w3id.org/ltgraph/id/theory/connectivism> ltg:hasLimitation ?l .
  ?l rdfs:label ?limitation ; dcterms:description ?description .
} ORDER BY ?limitation"""),
    ("Researchers behind more than one entry", PREFIX_LINES + """
SELECT ?researcher (COUNT(?e) AS ?entries) (GROUP_CONCAT(?name; separator=", ") AS ?which) WHERE {
  ?e ltg:developedBy ?p ; rdfs:label ?name . ?p rdfs:label ?researcher .
} GROUP BY ?researcher HAVING (COUNT(?e) > 1) ORDER BY DESC(?entries) ?researcher"""),
    ("What builds on constructivism?", PREFIX_LINES + """
SELECT ?entry ?relation WHERE {
  ?e ?rel <https://w3id.org/ltgraph/id/theory/constructivism> ; rdfs:label ?entry .
  VALUES ?rel { ltg:buildsOn ltg:influencedBy ltg:relatedTo ltg:contrastsWith }
  BIND(STRAFTER(STR(?rel), "#") AS ?relation)
} ORDER BY ?relation ?entry"""),
    ("Tools recommended for instructional design", PREFIX_LINES + """
SELECT ?tool ?implication ?entry WHERE {
  ?e ltg:hasImplication ?i ; rdfs:label ?entry .
  ?i ltg:recommendsTool/rdfs:label ?tool ; rdfs:label ?implication .
} ORDER BY ?tool"""),
    ("Entries in order of the year proposed", PREFIX_LINES + """
SELECT ?year ?entry ?type WHERE {
  ?e ltg:yearProposed ?year ; rdfs:label ?entry ; a ?t .
  VALUES ?t { ltg:LearningTheory ltg:InstructionalDesignModel }
  BIND(STRAFTER(STR(?t), "#") AS ?type)
} ORDER BY ?year"""),
    ("Search: limitations about motivation, with their entries", PREFIX_LINES + """PREFIX ltgs: <https://w3id.org/ltgraph/search#>
SELECT ?entry ?limitation ?score WHERE {
  (?p ?score) ltgs:search ("learners lose motivation" 10 "limitation")
  ?p ltg:about ?item . ?item ltg:itemOf/rdfs:label ?entry ; rdfs:label ?limitation .
} ORDER BY DESC(?score)"""),
    ("Search: models whose implications are about feedback", PREFIX_LINES + """PREFIX ltgs: <https://w3id.org/ltgraph/search#>
SELECT ?model (MAX(?fit) AS ?best) WHERE {
  ?e a ltg:InstructionalDesignModel ; rdfs:label ?model ; ltg:hasImplication ?i .
  ?p ltg:about ?i . BIND(ltgs:similarity(?p, "feedback on learners' work") AS ?fit)
} GROUP BY ?model ORDER BY DESC(?best) LIMIT 5"""),
    ("Search: entries like connectivism that it does not link to", PREFIX_LINES + """PREFIX ltgs: <https://w3id.org/ltgraph/search#>
SELECT ?entry ?score WHERE {
  (?e ?score) ltgs:similarEntries (<https://w3id.org/ltgraph/id/theory/connectivism> 8)
  ?e rdfs:label ?entry .
  FILTER NOT EXISTS { <https://w3id.org/ltgraph/id/theory/connectivism> ?link ?e }
} ORDER BY DESC(?score)"""),
]

_WORD = re.compile(r"\w+", re.UNICODE)
_STOP = frozenset("a an and are as at be by can do does for from how i in is it of on or should "
                  "the to use using what when which who why with you your my me we".split())


def highlight(text: str, query: str) -> list[tuple[str, bool]]:
    """Split `text` into (segment, is_match) pieces marking the words of the query.

    Matching ignores case, British/American spelling and simple suffixes, so "limitation"
    marks "limitations". Templates wrap matches in <mark>; nothing is marked safe.
    """
    wanted = {_stem(w) for w in _WORD.findall(normalise_spelling(query)) if w not in _STOP and len(w) > 1}
    if not wanted:
        return [(text, False)]
    pieces: list[tuple[str, bool]] = []
    last = 0
    for match in _WORD.finditer(text):
        if _stem(normalise_spelling(match.group(0))) in wanted:
            if match.start() > last:
                pieces.append((text[last:match.start()], False))
            pieces.append((match.group(0), True))
            last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "ies", "es", "ed", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


# --------------------------------------------------------------------------- graph pictures


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str  # "theory", "model", "person"
    href: str
    x: float
    y: float
    focus: bool = False


@dataclass(frozen=True)
class Edge:
    x1: float
    y1: float
    x2: float
    y2: float
    label: str

    @property
    def words(self) -> str:
        """The relation as a reader says it ("builds on", not "buildsOn")."""
        return EDGE_WORDS.get(self.label, self.label)


EDGE_WORDS = {"buildsOn": "builds on", "influencedBy": "influenced by", "relatedTo": "related to",
              "contrastsWith": "contrasts with", "developedBy": "developed by"}


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]


#: Spring-layout iterations for up to `LAYOUT_FULL` nodes; above, fewer (each iteration costs
#: the square of the nodes: 6,400 nodes, a corpus 100 times the bundled one, take ~1.5 s each).
LAYOUT_ITERATIONS, LAYOUT_FULL = 200, 600


def layout_iterations(count: int) -> int:
    """200 up to `LAYOUT_FULL` nodes, then as many as cost the same, at least 3."""
    if count <= LAYOUT_FULL:
        return LAYOUT_ITERATIONS
    return max(3, int(LAYOUT_ITERATIONS * (LAYOUT_FULL / count) ** 2))


def layout(nodes: dict[str, tuple[str, str, str]], edges: Iterable[tuple[str, str, str]],
           focus: str | None = None, width: int = 900, height: int = 600) -> Picture:
    """A force-directed layout (networkx, fixed seed) scaled into a `width` x `height` box.

    `nodes`: id -> (label, kind, href); `edges`: (source, target, label).
    """
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(nodes)
    edge_list = [(s, t, label) for s, t, label in edges if s in nodes and t in nodes and s != t]
    graph.add_edges_from((s, t) for s, t, _ in edge_list)
    if not nodes:
        return Picture(width, height, [], [])
    positions = nx.spring_layout(graph, seed=7, k=1.6 / max(1, len(nodes)) ** 0.5,
                                 iterations=layout_iterations(len(nodes)))
    if focus in positions:
        fx, fy = positions[focus]
        positions = {n: (x - fx, y - fy) for n, (x, y) in positions.items()}
    xs = [p[0] for p in positions.values()]
    ys = [p[1] for p in positions.values()]
    margin = 95  # room for labels at the edges
    span_x = (max(xs) - min(xs)) or 1.0
    span_y = (max(ys) - min(ys)) or 1.0

    def scale(point: Any) -> tuple[float, float]:
        x = margin + (point[0] - min(xs)) / span_x * (width - 2 * margin)
        y = margin / 2 + (point[1] - min(ys)) / span_y * (height - margin)
        return round(x, 1), round(y, 1)

    placed = {n: scale(positions[n]) for n in nodes}
    return Picture(
        width, height,
        [Node(n, label, kind, href, *placed[n], focus=n == focus) for n, (label, kind, href) in nodes.items()],
        [Edge(*placed[s], *placed[t], label) for s, t, label in edge_list],
    )


#: The relation between an entry and a person, by the person's role (both graph views).
ROLE_RELATIONS = {None: "developedBy", "originator": "developedBy", "contributor": "developedBy",
                  "forerunner": "forerunner", "critic": "critic"}


def neighbourhood(entry: Entry, entries: dict[str, Entry]) -> Picture:
    """The entry, its researchers and related entries (both directions)."""
    nodes = {f"e:{entry.slug}": (entry.name, entry.type, f"/theories/{entry.slug}")}
    edges: list[tuple[str, str, str]] = []
    for person in entry.researchers:
        nodes[f"p:{person.slug}"] = (person.name, "person", f"/people/{person.slug}")
        edges.append((f"e:{entry.slug}", f"p:{person.slug}", ROLE_RELATIONS[person.role]))
    for rel in entry.related:
        other = entries.get(rel.target)
        if other is not None:
            nodes[f"e:{other.slug}"] = (other.name, other.type, f"/theories/{other.slug}")
            edges.append((f"e:{entry.slug}", f"e:{other.slug}", rel.relation))
    for other in entries.values():
        for rel in other.related:
            if rel.target == entry.slug and f"e:{other.slug}" not in nodes:
                nodes[f"e:{other.slug}"] = (other.name, other.type, f"/theories/{other.slug}")
                edges.append((f"e:{other.slug}", f"e:{entry.slug}", rel.relation))
    return layout(nodes, edges, focus=f"e:{entry.slug}", width=720, height=460)


def whole_graph(entries: Iterable[Entry]) -> Picture:
    """Every entry and researcher, with developed-by and typed relations between entries."""
    entries = list(entries)
    nodes: dict[str, tuple[str, str, str]] = {}
    edges: list[tuple[str, str, str]] = []
    for entry in entries:
        nodes[f"e:{entry.slug}"] = (entry.name, entry.type, f"/theories/{entry.slug}")
    for entry in entries:
        for person in entry.researchers:
            nodes.setdefault(f"p:{person.slug}", (person.name, "person", f"/people/{person.slug}"))
            edges.append((f"e:{entry.slug}", f"p:{person.slug}", ROLE_RELATIONS[person.role]))
        for rel in entry.related:
            edges.append((f"e:{entry.slug}", f"e:{rel.target}", rel.relation))
    return layout(nodes, edges, width=1400, height=1100)


#: The explorer's relations: graph property -> the words its legend and filters use.
EXPLORER_RELATIONS = {"buildsOn": "builds on", "influencedBy": "influenced by",
                      "relatedTo": "related to", "contrastsWith": "contrasts with",
                      "developedBy": "developed by", "forerunner": "forerunner", "critic": "critic"}


def explorer_data(entries: Iterable[Entry], picture: Picture) -> dict[str, Any]:
    """Nodes and edges for the graph explorer (`/api/graph`), placed where the server's
    picture of the whole graph puts them, so the two views agree."""
    entries = list(entries)
    where = {n.id: (n.x, n.y) for n in picture.nodes}
    known = {e.slug for e in entries}
    nodes: dict[str, dict[str, Any]] = {}
    edges: dict[tuple[str, str, str], dict[str, str]] = {}
    for entry in entries:
        x, y = where.get(f"e:{entry.slug}", (0.0, 0.0))
        nodes[f"e:{entry.slug}"] = {"id": f"e:{entry.slug}", "label": entry.name, "kind": entry.type,
                                    "href": f"/theories/{entry.slug}", "year": entry.year,
                                    "decade": entry.year // 10 * 10, "x": x, "y": y,
                                    "evidence": entry.evidence.grade if entry.evidence else None}
    for entry in entries:
        for person in entry.researchers:
            pid = f"p:{person.slug}"
            x, y = where.get(pid, (0.0, 0.0))
            nodes.setdefault(pid, {"id": pid, "label": person.name, "kind": "person",
                                   "href": f"/people/{person.slug}", "x": x, "y": y})
            relation = ROLE_RELATIONS[person.role]
            edges[(f"e:{entry.slug}", pid, relation)] = {"source": f"e:{entry.slug}", "target": pid,
                                                         "relation": relation}
        for rel in entry.related:
            if rel.target not in known:
                continue
            a, b = f"e:{entry.slug}", f"e:{rel.target}"
            if rel.relation in ("relatedTo", "contrastsWith"):
                a, b = sorted((a, b))  # symmetric: once
            edges[(a, b, rel.relation)] = {"source": a, "target": b, "relation": rel.relation}
    return {"nodes": list(nodes.values()),
            "edges": [{"id": f"x{n}", **edge} for n, edge in enumerate(edges.values())],
            "relations": EXPLORER_RELATIONS}


# --------------------------------------------------------------------------- notes


def footnotes(entry: Entry, kinds: Iterable[str]) -> dict[str, int]:
    """Note numbers of the works an entry's page cites (`Source:` lines, the evidence, the
    revisions), numbered in the order the page shows them: evidence, researchers, the
    sections in `kinds`' order, then revisions."""
    keys: list[str] = list(entry.evidence.sources) if entry.evidence else []
    for kind in ("researcher", *kinds):
        keys += [k for item in entry.items_of(kind) for k in item.sources]
    keys += [r.source for r in entry.revisions if r.source]
    numbers: dict[str, int] = {}
    for key in keys:
        numbers.setdefault(entry.cite(key), len(numbers) + 1)
    return numbers


# --------------------------------------------------------------------------- compare


COMPARE_SECTIONS = [
    ("Type", "type"), ("Year proposed", "year"), ("Researchers", "researcher"),
    ("Key concepts", "concept"), ("Implications for instructional design", "implication"),
    ("Strengths", "strength"), ("Limitations", "limitation"),
]


def comparison(entries: list[Entry]) -> list[tuple[str, list[list[str]]]]:
    """Rows of (section title, one list of lines per entry) for a side-by-side table."""
    rows = []
    for title, key in COMPARE_SECTIONS:
        cells = []
        for entry in entries:
            if key == "type":
                cells.append(["Learning theory" if entry.type == "theory" else "Instructional-design model"])
            elif key == "year":
                cells.append([str(entry.year)])
            else:
                cells.append([item.title for item in entry.items_of(key)])
        rows.append((title, cells))
    return rows


def linked_segments(text: str, links: list[dict[str, str]]) -> list[tuple[str, str | None]]:
    """An answer's text cut into (text, IRI or None) pieces, so a page can link the names
    in it (longest names first; each occurrence of a name is linked)."""
    names = sorted({link["text"] for link in links if link.get("text")}, key=len, reverse=True)
    iri_of = {link["text"]: link["iri"] for link in links}
    if not names:
        return [(text, None)]
    pattern = re.compile("|".join(re.escape(n) for n in names))
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for match in pattern.finditer(text):
        if match.start() > at:
            pieces.append((text[at:match.start()], None))
        pieces.append((match.group(0), iri_of[match.group(0)]))
        at = match.end()
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces
