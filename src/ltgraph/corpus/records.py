"""Records of the corpus: entries, their items, people, works and passages; slugs.

No I/O here: see `parse` for reading files and `write` for writing them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Sequence

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Ids an entry may not take: `ontology` names the ontology's named graph (`…/graph/ontology`),
#: and `readme` files are documentation, never entries (see `entry_files`).
RESERVED_IDS = frozenset({"ontology", "readme", "shared"})  # graph names, the README
ENTRY_TYPES = ("theory", "model")
RELATIONS = ("buildsOn", "contrastsWith", "relatedTo", "influencedBy")
#: Relations that hold both ways; the graph states them in both directions.
SYMMETRIC_RELATIONS = frozenset({"relatedTo", "contrastsWith"})

#: Section heading -> kind of its items (and of their passages), in canonical order.
SECTIONS: dict[str, str] = {
    "Overview": "overview",
    "Key Researchers": "researcher",
    "Key Concepts": "concept",
    "Implications for Instructional Design": "implication",
    "Strengths": "strength",
    "Limitations": "limitation",
    "Common Misconceptions": "misconception",
    "Personal Learning Network": "network",
}
OPTIONAL_SECTIONS = ("Common Misconceptions", "Personal Learning Network")
REQUIRED_SECTIONS = tuple(s for s in SECTIONS if s not in OPTIONAL_SECTIONS)
#: Kinds of passage: one per section, and the entry's evidence summary (front matter).
KINDS = (*SECTIONS.values(), "evidence")
ITEM_KINDS = tuple(SECTIONS.values())[1:]
NETWORK_TYPES = ("person", "organisation")
FRONT_MATTER_KEYS = ("id", "name", "type", "aliases", "year", "researchers", "seminal_works",
                     "related", "sources", "evidence", "revisions")
#: A researcher's part in an entry. Originators and contributors developed it (`ltg:developedBy`).
ROLES = ("originator", "contributor", "forerunner", "critic")
DEVELOPER_ROLES = frozenset({"originator", "contributor"})
#: How well the research supports an entry, strongest first.
EVIDENCE_GRADES = ("well-supported", "mixed", "contested", "weak")
#: The item slug of an entry's evidence summary (`…/id/theory/{slug}/evidence/assessment`).
EVIDENCE_ITEM = "assessment"
REQUIRED_KEYS = ("id", "name", "type", "year", "researchers", "seminal_works")
#: Items longer than this are cut into several passages on paragraph boundaries.
MAX_PASSAGE_CHARS = 1200


def names_a_situation(title: str) -> bool:
    """Whether an implication's title names a teaching situation the entry fits ("When
    experienced staff feel talked down to in training"): its text is the situation, then the
    entry's response (docs/corpus-format.md)."""
    return title.startswith("When ")


def slugify(text: str) -> str:
    """Lowercase ASCII slug: `"Robert M. Gagné"` -> `"robert-m-gagne"`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@dataclass(frozen=True)
class Person:
    """A researcher named by an entry; `slug` is unique across the corpus."""

    name: str
    slug: str
    #: The person's part in the entry that names them (`ROLES`); None when not stated (read
    #: as a contributor). Not part of the person's identity.
    role: str | None = field(default=None, compare=False)

    @property
    def developed(self) -> bool:
        """Whether the person developed the entry (an originator or a contributor)."""
        return self.role is None or self.role in DEVELOPER_ROLES


@dataclass(frozen=True)
class Evidence:
    """How well research supports an entry: a grade, a summary, and the works it rests on."""

    grade: str
    summary: str
    sources: tuple[str, ...]  # source keys ("Pashler 2008"), see `citations`


@dataclass(frozen=True)
class Revision:
    """A documented change of the theory or model: when, what, and the work that made it."""

    year: int
    change: str
    source: str | None = None  # a source key


@dataclass(frozen=True)
class Work:
    """A seminal publication: a full citation."""

    authors: tuple[str, ...]
    year: int
    title: str
    venue: str

    @property
    def slug(self) -> str:
        return slugify(f"{self.authors[0] if self.authors else 'anon'} {self.year} {self.title}")[:80]

    @property
    def citation(self) -> str:
        """APA-like one-line citation."""
        authors = ", ".join(self.authors)
        return f"{authors} ({self.year}). {self.title}. {self.venue}."


@dataclass(frozen=True)
class Relation:
    """A typed link from this entry to another entry."""

    target: str
    relation: str


@dataclass(frozen=True)
class Item:
    """A `###` item: a researcher's contribution, a concept, implication, strength, …"""

    kind: str
    title: str
    paragraphs: tuple[str, ...]
    tools: tuple[str, ...] = ()
    resource_type: str | None = None
    #: Source keys of the listed works backing the item (`Source: Sweller 1988; …`).
    sources: tuple[str, ...] = ()
    line: int = field(default=0, compare=False)

    @property
    def slug(self) -> str:
        return slugify(self.title)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True)
class Entry:
    """One corpus file: a learning theory or an instructional-design model."""

    slug: str
    name: str
    type: str
    year: int
    researchers: tuple[Person, ...]
    works: tuple[Work, ...]
    overview: tuple[str, ...]
    items: tuple[Item, ...]
    aliases: tuple[str, ...] = ()
    related: tuple[Relation, ...] = ()
    sources: tuple[str, ...] = ()
    evidence: Evidence | None = None
    revisions: tuple[Revision, ...] = ()
    path: str | None = field(default=None, compare=False)

    def items_of(self, kind: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.kind == kind)

    def cite(self, key: str) -> str:
        """The full citation a source key stands for (keys are checked when parsed)."""
        from ltgraph.corpus.citations import resolve

        return resolve(key, self.works, self.sources)


@dataclass(frozen=True)
class Passage:
    """An indexed chunk of text, tied to its entry and (for items) to its item."""

    entry: str
    kind: str
    item: str | None  # item slug (person slug for researchers); None for overview paragraphs
    label: str  # the item's title, or the entry name for overview paragraphs
    text: str
    ordinal: int  # 1-based position among the passages of the same item / overview

    @property
    def key(self) -> str:
        """Stable identifier within the corpus, also the tail of the passage IRI."""
        middle = f"{self.kind}/{self.item}" if self.item else self.kind
        return f"{self.entry}/{middle}/p{self.ordinal}"


# --------------------------------------------------------------------------- passages


def passages(entry: Entry, max_chars: int = MAX_PASSAGE_CHARS) -> list[Passage]:
    """Cut an entry into indexed passages: each overview paragraph, each item (long items are
    split on paragraph boundaries; the item's title stays as `label`)."""
    out = [Passage(entry.slug, "overview", None, entry.name, text, n)
           for n, text in enumerate(entry.overview, 1)]
    if entry.evidence is not None:
        out.append(Passage(entry.slug, "evidence", EVIDENCE_ITEM,
                           f"Evidence: {entry.evidence.grade}", entry.evidence.summary, 1))
    people = {p.name: p.slug for p in entry.researchers}
    for item in entry.items:
        item_slug = people.get(item.title, item.slug) if item.kind == "researcher" else item.slug
        for n, chunk in enumerate(_chunks(item.paragraphs, max_chars), 1):
            out.append(Passage(entry.slug, item.kind, item_slug, item.title, chunk, n))
    return out


def _chunks(paragraphs: Sequence[str], max_chars: int) -> list[str]:
    chunks: list[str] = []
    current: list[str] = []
    for para in paragraphs:
        if current and len("\n\n".join(current + [para])) > max_chars:
            chunks.append("\n\n".join(current))
            current = []
        current.append(para)
    if current:
        chunks.append("\n\n".join(current))
    return chunks
