"""One generation directory: its manifest, its base (for a delta), its entries' files.

Light on purpose (no numpy, no Oxigraph): commands that only read entries (`ltgraph list`,
`show`) open a generation with it and parse the files they need.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ltgraph.corpus import Entry, load_corpus
from ltgraph.errors import DataDirError
from ltgraph.store.catalog import CATALOG, Catalog
from ltgraph.store.datadir import DataDir
from ltgraph.store.manifest import FULL, MANIFEST, Manifest
from ltgraph.store.served import DELTA_DIR


@dataclass(frozen=True)
class Generation:
    """One generation directory with its manifest, and its base when it is a delta."""

    path: Path
    manifest: Manifest

    @classmethod
    def open(cls, path: Path, older: bool = False) -> Generation:
        """`older`: also open a generation of an earlier data format (always a full one)."""
        return cls(path, Manifest.read(path / MANIFEST, older))

    @property
    def is_full(self) -> bool:
        return self.manifest.kind == FULL

    @property
    def base(self) -> Path:
        """The full generation holding the bulk files (itself when it is full)."""
        if self.is_full:
            return self.path
        base = self.path.parent / str(self.manifest.base)
        if not (base / MANIFEST).is_file():
            raise DataDirError(f"generation {self.path.name} is a delta of {self.manifest.base}, "
                               "which is missing; run `ltgraph build` to repair")
        return base

    @property
    def deleted(self) -> set[str]:
        return set(self.manifest.deleted)

    def catalog(self) -> Catalog:
        return Catalog.load(self.path / CATALOG)

    def delta_slugs(self) -> list[str]:
        if self.is_full:
            return []
        return sorted(p.stem for p in (self.path / DELTA_DIR).glob("*.md"))

    def entry_files(self) -> list[Path]:
        """The effective corpus files, sorted by name."""
        from ltgraph.corpus import entry_files

        files = {p.stem: p for p in entry_files(self.base / "corpus") if p.stem not in self.deleted}
        for slug in self.delta_slugs():
            files[slug] = self.path / DELTA_DIR / f"{slug}.md"
        return [files[s] for s in sorted(files)]

    def entry_file(self, slug: str) -> Path:
        """The file of one entry (which must exist in this generation)."""
        delta = self.path / DELTA_DIR / f"{slug}.md"
        return delta if not self.is_full and delta.is_file() else self.base / "corpus" / f"{slug}.md"


def live_entries(data_dir: Path, max_bytes: int) -> list[Entry]:
    """The live generation's entries, parsed from its files alone (no graph, no index, no
    model): what `ltgraph list` and `show` need, in a fraction of a second."""
    generation = Generation.open(DataDir(data_dir).current())
    return load_corpus(generation.entry_files(), max_bytes)
