"""Curators' entries: a durable home of their own in the data directory, outside generations.

The source of truth of a data directory is the bundled corpus plus this store; every
generation (graph, vectors, keyword index) is derived from the two and can be rebuilt from
them at any time, so losing or failing to read a generation never loses a curator's work.

Layout::

    DATA_DIR/curated/
      CURRENT                  name of the live version (replaced atomically)
      versions/
        v000001-<time>/
          entries/{slug}.md    every entry a curator added or changed (a curator's version
                               of a bundled entry too: it replaces the bundled one)
          removed.json         ids of bundled entries the curators removed

Each change writes a new version beside the live one: new files written and fsynced,
unchanged ones hard-linked, then `CURRENT` is switched with one atomic rename. The old
versions stay as history (`KEEP_VERSIONS` of them); nothing unreadable is ever deleted.

Writers change this store *before* they publish the matching generation, under the same
writers' lock, and switch back if the publish fails. A process killed in between leaves the
sources ahead of the served data, which `ltgraph doctor` reports and `ltgraph build` repairs;
never the reverse.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ltgraph.errors import DataDirError
from ltgraph.store.datadir import fsync_dir, fsync_file, link_or_copy, write_pointer

KEEP_VERSIONS = 50
ENTRIES = "entries"
REMOVED = "removed.json"


@dataclass(frozen=True)
class Curated:
    """One version of the curators' sources."""

    version: str | None
    #: Entry files by slug.
    entries: dict[str, Path]
    #: Bundled entries the curators removed.
    removed: frozenset[str]


class CuratedStore:
    """The versions under `DATA_DIR/curated`; writes only under the writers' lock."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    @property
    def versions(self) -> Path:
        return self.root / "versions"

    def exists(self) -> bool:
        return (self.root / "CURRENT").is_file()

    def current_name(self) -> str | None:
        try:
            return (self.root / "CURRENT").read_text("utf-8").strip() or None
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DataDirError(f"cannot read {self.root / 'CURRENT'}: {exc.strerror}; the "
                               "curators' entries are in the newest directory under "
                               f"{self.versions}") from None

    def has(self, name: str) -> bool:
        return (self.versions / name / REMOVED).is_file()

    def read(self, name: str | None = None) -> Curated:
        """Version `name`, or the live one (empty when the store has none yet)."""
        name = name or self.current_name()
        if name is None:
            return Curated(None, {}, frozenset())
        path = self.versions / name
        try:
            removed = json.loads((path / REMOVED).read_text("utf-8"))
            if not isinstance(removed, list) or not all(isinstance(s, str) for s in removed):
                raise ValueError("expected a list of ids")
            entries = {p.stem: p for p in sorted((path / ENTRIES).glob("*.md"))}
        except (OSError, ValueError) as exc:
            raise DataDirError(f"cannot read the curators' entries in {path} ({exc}); restore "
                               f"{path / REMOVED} or point {self.root / 'CURRENT'} at an earlier "
                               f"version in {self.versions}") from None
        return Curated(name, entries, frozenset(removed))

    def write(self, upserts: dict[str, bytes], drop: Iterable[str], removed: Iterable[str]) -> str:
        """A new live version: the current one with `upserts` written, `drop` left out and
        `removed` as the removed bundled ids. Returns the previous version's name (or "")."""
        current = self.read()
        self.versions.mkdir(parents=True, exist_ok=True)
        for abandoned in self.versions.glob(".staging-*"):  # left by a killed writer
            shutil.rmtree(abandoned, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.versions))
        try:
            (staging / ENTRIES).mkdir()
            dropped = set(drop) | set(upserts)
            for slug, path in current.entries.items():
                if slug not in dropped:
                    link_or_copy(path, staging / ENTRIES / path.name)
            for slug, data in sorted(upserts.items()):
                target = staging / ENTRIES / f"{slug}.md"
                target.write_bytes(data)
                fsync_file(target)
            (staging / REMOVED).write_text(json.dumps(sorted(set(removed))) + "\n", "utf-8")
            fsync_file(staging / REMOVED)
            fsync_dir(staging / ENTRIES)
            fsync_dir(staging)
            names = sorted(p.name for p in self.versions.iterdir() if p.name.startswith("v"))
            number = int(names[-1][1:7]) + 1 if names else 1
            name = f"v{number:06d}-{int(time.time())}"
            os.replace(staging, self.versions / name)
            fsync_dir(self.versions)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self.switch(name)
        self._collect_garbage()
        return current.version or ""

    def switch(self, name: str) -> None:
        """Make version `name` live (used to roll back when a publish fails)."""
        write_pointer(self.root, name)

    def _collect_garbage(self) -> None:
        names = sorted(p.name for p in self.versions.iterdir() if p.name.startswith("v"))
        live = self.current_name()
        for name in names[:-KEEP_VERSIONS]:
            path = self.versions / name
            if name != live and (path / REMOVED).is_file():  # never what it cannot read
                shutil.rmtree(path, ignore_errors=True)

