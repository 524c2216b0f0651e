"""The catalog: what a writer must know of every entry, without reading the entries.

Each generation carries `catalog.json`: per entry its type, name, related links, people,
where its data lives (the base generation or the delta) and how much of it there is; and the
canonical spelling of every researcher's name. A change validates against the catalog and
updates it, so adding one entry never parses, loads or rewrites the others: the catalog is
the only per-entry listing a writer reads, a few hundred bytes per entry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from ltgraph.corpus import Entry, listing_hash
from ltgraph.errors import DataDirError

CATALOG = "catalog.json"
#: Where an entry's data lives: the base generation's bulk files, or its own delta files.
BASE, DELTA = "base", "delta"


@dataclass(frozen=True)
class CatalogEntry:
    """One entry as the catalog knows it."""

    type: str
    name: str
    #: SHA-256 (hex) of the entry file's bytes.
    sha: str
    related: list[tuple[str, str]]
    #: The researchers' slugs.
    people: list[str]
    passages: int
    layer: str
    #: Rows [start, stop) of its passages in the base index (base entries only).
    rows: tuple[int, int] | None = None
    #: When the entry's file last changed in this data directory (Unix time): the first
    #: generation holding these bytes. None in a catalog from before it was recorded.
    changed: float | None = None

    @classmethod
    def of(cls, entry: Entry, sha: str, passages: int, layer: str,
           rows: tuple[int, int] | None = None, changed: float | None = None) -> CatalogEntry:
        return cls(entry.type, entry.name, sha, [(r.target, r.relation) for r in entry.related],
                   [p.slug for p in entry.researchers], passages, layer, rows, changed)

    def since(self, before: CatalogEntry | None, now: float) -> CatalogEntry:
        """This entry with `changed` carried over from `before` when its bytes are the same."""
        same = before is not None and before.sha == self.sha and before.changed is not None
        return replace(self, changed=before.changed if same and before else now)


@dataclass
class Catalog:
    """Entries by slug, and researchers' names by slug (the first spelling met wins)."""

    entries: dict[str, CatalogEntry] = field(default_factory=dict)
    people: dict[str, str] = field(default_factory=dict)

    def put(self, slug: str, item: CatalogEntry, entry: Entry) -> None:
        """Add or replace an entry; a researcher keeps the spelling the catalog already has."""
        self.entries[slug] = item
        for person in entry.researchers:
            self.people.setdefault(person.slug, person.name)

    def drop(self, slug: str) -> None:
        """Remove an entry, and the people no remaining entry names."""
        gone = self.entries.pop(slug)
        named = {p for e in self.entries.values() for p in e.people}
        for person in gone.people:
            if person not in named:
                self.people.pop(person, None)

    def referrers(self, slug: str) -> list[str]:
        """The entries with a related link to `slug`, sorted."""
        return sorted(s for s, e in self.entries.items() if any(t == slug for t, _ in e.related))

    @property
    def passages(self) -> int:
        return sum(e.passages for e in self.entries.values())

    def corpus_hash(self) -> str:
        """The `corpus.corpus_hash` of the entry files, computed from the recorded digests."""
        return listing_hash({f"{slug}.md": e.sha for slug, e in self.entries.items()})

    def save(self, path: Path) -> None:
        # vars(), not asdict(): asdict deep-copies, 10x slower on a 280-entry catalog
        data = {"entries": {s: vars(e) for s, e in sorted(self.entries.items())},
                "people": dict(sorted(self.people.items()))}
        path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")

    @classmethod
    def load(cls, path: Path) -> Catalog:
        try:
            data = json.loads(path.read_text("utf-8"))
            entries = {}
            for slug, raw in data["entries"].items():
                raw["related"] = [tuple(r) for r in raw["related"]]
                raw["rows"] = tuple(raw["rows"]) if raw["rows"] is not None else None
                raw.setdefault("changed", None)  # a catalog from before it was recorded
                entries[slug] = CatalogEntry(**raw)
            return cls(entries, dict(data["people"]))
        except (OSError, ValueError, TypeError, KeyError) as exc:
            raise DataDirError(f"unreadable catalog {path} ({exc}); run `ltgraph build` to "
                               "rebuild the data directory") from None
