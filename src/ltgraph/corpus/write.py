"""Write entries in the corpus format, and the template of a new entry."""

from __future__ import annotations

from typing import Any

import yaml

from ltgraph.corpus.records import ENTRY_TYPES, REQUIRED_SECTIONS, SECTIONS, Entry, slugify
from ltgraph.errors import CorpusError

# --------------------------------------------------------------------------- writing


def write_entry(entry: Entry) -> str:
    """Render an entry in the corpus format; `parse_entry(write_entry(e)) == e`."""
    meta: dict[str, Any] = {"id": entry.slug, "name": entry.name, "type": entry.type}
    if entry.aliases:
        meta["aliases"] = list(entry.aliases)
    meta["year"] = entry.year
    meta["researchers"] = [
        {"name": p.name, **({} if p.slug == slugify(p.name) else {"id": p.slug}),
         **({"role": p.role} if p.role else {})}
        for p in entry.researchers
    ]
    meta["seminal_works"] = [
        {"authors": list(w.authors), "year": w.year, "title": w.title, "venue": w.venue}
        for w in entry.works
    ]
    if entry.related:
        meta["related"] = [{"id": r.target, "relation": r.relation} for r in entry.related]
    if entry.sources:
        meta["sources"] = list(entry.sources)
    if entry.evidence:
        meta["evidence"] = {"grade": entry.evidence.grade, "summary": entry.evidence.summary,
                            "sources": list(entry.evidence.sources)}
    if entry.revisions:
        meta["revisions"] = [{"year": r.year, "change": r.change,
                              **({"source": r.source} if r.source else {})}
                             for r in entry.revisions]
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)
    out = ["---", front.rstrip("\n"), "---", "", "## Overview", ""]
    for paragraph in entry.overview:
        out += [paragraph, ""]
    for heading, kind in SECTIONS.items():
        items = entry.items_of(kind)
        if kind == "overview" or (not items and heading not in REQUIRED_SECTIONS):
            continue
        out += [f"## {heading}", ""]
        for item in items:
            out += [f"### {item.title}", ""]
            out += [p for para in item.paragraphs for p in (para, "")]
            if item.sources:
                out[-1:] = [f"Source: {'; '.join(item.sources)}", ""]
            if item.tools:
                out[-1:] = [f"Tools: {', '.join(item.tools)}", ""]
            if item.resource_type:
                out[-1:] = [f"Type: {item.resource_type}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- template


def template(name: str, entry_type: str = "theory") -> str:
    """A filled-in skeleton of a new entry with guidance comments, for `ltgraph new`.

    It does not validate until every TODO is replaced: adding a half-written entry by
    accident is refused.
    """
    slug = slugify(name)
    if not slug:
        raise CorpusError(f"cannot make an id from the name {name!r}")
    if entry_type not in ENTRY_TYPES:
        raise CorpusError(f"type {entry_type!r} is not one of {', '.join(ENTRY_TYPES)}")
    quoted = yaml.safe_dump(name, default_style='"').strip()
    return f"""---
# Front matter (YAML). Fields and rules: docs/corpus-format.md
# Optional, see there: a researcher's `role`, `evidence` (grade, summary, sources) and
# `revisions`; a `Source: Surname Year` line under an item; a '## Common Misconceptions' section.
id: {slug}                 # the slug: lowercase letters, digits, hyphens
name: {quoted}
type: {entry_type}                 # theory | model
aliases: []                  # other names people search by, e.g. [British spelling, acronym]
year: TODO                   # the year of the seminal publication, e.g. 1978
researchers:                 # each needs a '### Name' item under Key Researchers
  - name: TODO Researcher Name
seminal_works:               # real publications only: authors, year, title, venue
  - authors: [TODO Researcher Name]
    year: TODO
    title: "TODO: title of the seminal work"
    venue: "TODO: journal, volume(issue), pages — or publisher"
related: []                  # TODO at least two, e.g. [{{id: constructivism, relation: relatedTo}}]
                             # relation: buildsOn | contrastsWith | relatedTo | influencedBy
sources: []
---

## Overview

<!-- At least 150 words: the core claim, how learning is seen, historical context. -->
TODO: write the overview.

## Key Researchers

### TODO Researcher Name

<!-- One item per researcher: a paragraph on their contribution. -->
TODO: describe this researcher's contribution.

## Key Concepts

<!-- At least two '###' items. -->
### TODO Concept

TODO: explain the concept.

## Implications for Instructional Design

<!-- At least three: what a designer does differently. An item may end with a line
     'Tools: a, b' naming tools it recommends. Add two whose title starts with 'When'
     and names a teaching situation it fits, in everyday words: a paragraph on the
     situation, then one on what to do first. Situation questions find the entry
     through them (docs/corpus-format.md). -->
### TODO Implication

TODO: describe what a designer does differently.

## Strengths

<!-- At least two. -->
### TODO Strength

TODO: describe the strength.

## Limitations

<!-- At least two, including the main published criticisms. -->
### TODO Limitation

TODO: describe the limitation.
"""
