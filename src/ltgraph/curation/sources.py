"""The sources of truth a writer reads: the bundled corpus and the curators' entries.

The curators' entries live in their own versioned store (`store/curated.py`), outside the
generations; the effective corpus is the bundled files, minus the ones curators removed,
overlaid by theirs. A data directory from before that store is read too (its entries were kept
inside generations) and moved into the store by the next writer.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from ltgraph.config import Settings
from ltgraph.corpus import entry_files
from ltgraph.errors import DataDirError
from ltgraph.store.curated import Curated, CuratedStore
from ltgraph.store.datadir import DataDir
from ltgraph.store.generation import Generation
from ltgraph.words import counted


class Sources:
    """The effective corpus of one data directory."""

    def __init__(self, settings: Settings, datadir: DataDir) -> None:
        self.settings = settings
        self.datadir = datadir
        #: The curators' entries: with the bundled corpus, the source of truth.
        self.curated = CuratedStore(datadir.root / "curated")

    def live(self) -> Generation | None:
        """The live generation, or None when there is none or it is unreadable. One of an
        earlier data format is opened too: a build carries the user's entries over from it."""
        try:
            return Generation.open(self.datadir.current(), older=True)
        except DataDirError:
            return None

    def sources(self) -> Curated:
        """The curators' entries and removals (read-only).

        A data directory written before the curators had a store of their own keeps them
        inside its generations: they are read from the live one (moved into the store by the
        next writer). If that generation cannot be read, nothing is guessed: the error names
        the file and the fix.
        """
        if self.curated.exists():
            return self.curated.read(self._acknowledged())
        current = self.datadir.current_name()
        if current is None:
            return Curated(None, {}, frozenset())
        try:
            live = Generation.open(self.datadir.current(), older=True)
        except DataDirError as exc:
            raise DataDirError(
                f"{exc}. Before ltgraph kept curators' entries in {self.curated.root}, they "
                "lived inside generations, so this one may hold entries added by hand: restore "
                f"the file (or point {self.datadir.root / 'CURRENT'} at an older readable "
                "generation) and run the command again. If nothing was ever added with "
                f"`ltgraph add`, delete {self.datadir.root / 'CURRENT'} and run `ltgraph build`."
            ) from None
        return Curated(None, {slug: live.entry_file(slug) for slug in live.manifest.user_entries},
                       frozenset(live.manifest.removed))

    def _acknowledged(self) -> str | None:
        """The store's version the live generation was made from, when the store is ahead of
        it: a writer was killed between recording a change and publishing it, so the change
        was never acknowledged and does not count (the next writer rolls it back). None: the
        live version counts (no generation, an unreadable one, or one from before the store).
        """
        try:
            made_from = Generation.open(self.datadir.current(), older=True).manifest.curated
        except DataDirError:
            return None
        if made_from and made_from != self.curated.current_name() and self.curated.has(made_from):
            return made_from
        return None

    def _store(self) -> Curated:
        """The curators' store, created (and filled from an older data directory) if missing,
        with an interrupted change rolled back. Call under the writers' lock."""
        if not self.curated.exists():
            legacy = self.sources()
            self.curated.write({slug: path.read_bytes() for slug, path in legacy.entries.items()},
                               [], legacy.removed)
        acknowledged = self._acknowledged()
        if acknowledged:
            self.curated.switch(acknowledged)
        return self.curated.read()

    def source_files(self) -> list[Path]:
        """The effective corpus: bundled files, minus removals, overlaid by the curators'."""
        return self.effective(self.sources())

    def effective(self, curated: Curated) -> list[Path]:
        files = {p.stem: p for p in entry_files(self.settings.corpus_dir)}
        for slug in curated.removed:
            files.pop(slug, None)
        files.update(curated.entries)
        return [files[k] for k in sorted(files)]

    def curated_export(self, target: Path, overwrite: bool = False) -> list[Path]:
        """The curators' entry files copied to `target` (from an older data directory too)."""
        sources = self.sources()
        target.mkdir(parents=True, exist_ok=True)
        clashes = [p.name for p in sources.entries.values() if (target / p.name).exists()]
        if clashes and not overwrite:
            raise DataDirError(f"{counted(len(clashes), 'file')} already {'exists' if len(clashes) == 1 else 'exist'} in {target} (e.g. "
                               f"{clashes[0]}); choose another directory or --overwrite")
        written = []
        for slug, path in sorted(sources.entries.items()):
            shutil.copyfile(path, target / f"{slug}.md")
            written.append(target / f"{slug}.md")
        return written

    def shadowed(self, curated: Curated | None = None) -> list[str]:
        """Bundled entries replaced by a curator's entry with the same id (the rule: the
        curators' version is served; `ltgraph export-entries` and `ltgraph doctor` say so)."""
        curated = curated or self.sources()
        bundled = {p.stem for p in entry_files(self.settings.corpus_dir)}
        return sorted(bundled & curated.entries.keys())
