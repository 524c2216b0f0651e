"""Records as JSON-ready data with their IRIs (the API, the pages and `ltgraph show --json`).

No Flask here: the CLI imports this module too.
"""

from __future__ import annotations

from typing import Any

from ltgraph.corpus import EVIDENCE_ITEM, Entry
from ltgraph.rdf.iris import Iris


def entry_json(entry: Entry, iris: Iris) -> dict[str, Any]:
    """An entry with the IRIs of the entry, its people, items and works."""
    return {
        "id": entry.slug,
        "iri": str(iris.entry(entry.slug)),
        "name": entry.name,
        "type": entry.type,
        "year": entry.year,
        "aliases": list(entry.aliases),
        "overview": list(entry.overview),
        "researchers": [
            {"name": p.name, "iri": str(iris.person(p.slug)), "role": p.role or "contributor",
             "contribution": next((i.text for i in entry.items_of("researcher")
                                   if i.title == p.name), ""),
             "sources": next(([entry.cite(k) for k in i.sources]
                              for i in entry.items_of("researcher") if i.title == p.name), [])}
            for p in entry.researchers
        ],
        "seminal_works": [
            {"iri": str(iris.work(w.slug)), "authors": list(w.authors), "year": w.year,
             "title": w.title, "venue": w.venue, "citation": w.citation}
            for w in entry.works
        ],
        "related": [{"id": r.target, "relation": r.relation, "iri": str(iris.entry(r.target))}
                    for r in entry.related],
        "sources": list(entry.sources),
        "evidence": None if entry.evidence is None else {
            "iri": str(iris.item(entry.slug, "evidence", EVIDENCE_ITEM)),
            "grade": entry.evidence.grade, "summary": entry.evidence.summary,
            "sources": [entry.cite(k) for k in entry.evidence.sources]},
        "revisions": [{"year": r.year, "change": r.change,
                       "source": entry.cite(r.source) if r.source else None}
                      for r in entry.revisions],
        **{
            f"{kind}s": [
                {"title": i.title, "iri": str(iris.item(entry.slug, kind, i.slug)),
                 "text": i.text, "sources": [entry.cite(k) for k in i.sources],
                 **({"tools": list(i.tools)} if i.tools else {}),
                 **({"type": i.resource_type} if i.resource_type else {})}
                for i in entry.items_of(kind)
            ]
            for kind in ("concept", "implication", "strength", "limitation", "misconception",
                         "network")
        },
    }


def entry_summary(entry: Entry, iris: Iris) -> dict[str, Any]:
    """One row of `/api/theories` and `ltgraph list --json`."""
    return {"id": entry.slug, "iri": str(iris.entry(entry.slug)), "name": entry.name,
            "type": entry.type, "year": entry.year, "aliases": list(entry.aliases),
            "researchers": [{"name": p.name, "iri": str(iris.person(p.slug)),
                             "role": p.role or "contributor"} for p in entry.researchers],
            "evidence": entry.evidence.grade if entry.evidence else None}
