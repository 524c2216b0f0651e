"""Writing the data directory: full builds, and adding, replacing and removing entries.

Every change writes a new generation beside the live one and switches to it with one atomic
rename (see `datadir.py`), under the writers' lock. A change is therefore all or nothing
across corpus file, graph, vectors and keyword index, whatever happens to the process.

A build writes a full generation. A change writes a delta generation (see `layers.py`): the
changed entries' own files, hard links to the rest of the live delta, a catalog and a
manifest. It validates against the catalog instead of the corpus, embeds only the changed
passages, and never reads or rewrites the other entries' graph, vectors or keyword data, so
its cost does not grow with the corpus (it grows, slowly, with the number of entries changed
since the last build, whose files are hard-linked; `ltgraph build` folds them back in).
"""

from __future__ import annotations

import errno
import functools
import hashlib
import itertools
import json
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pyoxigraph as ox

from ltgraph import __version__
from ltgraph.config import Settings
from ltgraph.corpus import Entry, Person, entry_files, load_corpus, read_bytes, read_entry, write_entry
from ltgraph.corpus.people import Registry, builds_on_cycle, near_duplicates, person_problems
from ltgraph.errors import CorpusError, DataDirError, NotFoundError, ValidationError
from ltgraph.rdf.build import build_dataset, corpus_people, entry_quads
from ltgraph.rdf.graph import save_dataset, save_union, union_graph
from ltgraph.rdf.iris import Iris
from ltgraph.rdf.shacl import validate_graph
from ltgraph.retrieval.encoders import Encoder
from ltgraph.retrieval.index import (
    IndexedPassage,
    PassageIndex,
    Tokens,
    corpus_passages,
    row_tokens,
)
from ltgraph.store.catalog import BASE, CATALOG, DELTA, Catalog, CatalogEntry
from ltgraph.store.curated import Curated, CuratedStore
from ltgraph.store.datadir import DELTA as DELTA_KIND
from ltgraph.store.datadir import MANIFEST, DataDir, Manifest, acquire, link_or_copy
from ltgraph.store.layers import (
    DELTA_DIR,
    Generation,
    load_vectors,
    read_delta_passages,
    write_delta_passages,
)

Progress = Callable[[str, int, int], None]
#: OS errors that say the data directory cannot be written (not a bug): full, read-only, denied.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def _storage_errors(method: Callable[..., Report]) -> Callable[..., Report]:
    """Report a full, read-only or forbidden data directory as what it is, with the path.

    Every writer stages beside the live state and publishes with one rename, so a failed
    write leaves the data directory as it was; the message says so.
    """

    @functools.wraps(method)
    def wrapper(self: Writer, *args: object, **kwargs: object) -> Report:
        try:
            return method(self, *args, **kwargs)
        except OSError as exc:
            if exc.errno not in STORAGE_ERRNOS:
                raise
            where = exc.filename or self.datadir.root
            raise DataDirError(f"cannot write {where}: {exc.strerror}; nothing was changed "
                               "(free some space or make the data directory writable, then "
                               "run the command again)") from None

    return wrapper
#: The files of one entry in a delta generation.
DELTA_SUFFIXES = (".md", ".nt", ".jsonl", ".npy")


@dataclass(frozen=True)
class Report:
    """What a build or a change did (or, for a dry run, would do)."""

    generation: str
    entries: int
    researchers: int
    #: Served triples (full builds only: a change does not count the whole graph).
    triples: int | None
    passages: int
    seconds: float
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    embedded: int = 0
    dry_run: bool = False
    #: Near-duplicate names of entries and people (errors with `strict`).
    warnings: list[str] = field(default_factory=list)
    #: Bundled entries a curator's entry of the same id replaces (full builds report them).
    shadowed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Change:
    """One transaction: entries to write (with their file bytes) and entries to drop."""

    upserts: list[Entry]
    sources: dict[str, bytes]
    removed: list[str]
    user_entries: list[str]
    removed_bundled: list[str]


class Writer:
    """Builds and changes generations of one data directory."""

    def __init__(self, settings: Settings, iris: Iris, datadir: DataDir, encoder: Encoder) -> None:
        self.settings = settings
        self.iris = iris
        self.datadir = datadir
        self.encoder = encoder
        #: The curators' entries: with the bundled corpus, the source of truth.
        self.curated = CuratedStore(datadir.root / "curated")

    # ------------------------------------------------------------------ sources

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
            raise DataDirError(f"{len(clashes)} file(s) already exist in {target} (e.g. "
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

    # ------------------------------------------------------------------ full build

    @_storage_errors
    def build(self, progress: Progress | None = None) -> Report:
        """Rebuild everything from the sources; always leaves a consistent full generation."""
        started = time.perf_counter()
        with acquire(self.datadir.lock(), "ltgraph build"):
            curated = self._store()
            live = self.live()
            files = self.effective(curated)
            entries = load_corpus(files, self.settings.max_entry_bytes)
            problems = self.rule_problems(entries, {}, {})
            if problems:
                raise ValidationError(f"{len(problems)} problem(s); nothing was changed", problems)
            _progress(progress, "parsed", 1, 1)
            store = build_dataset(entries, self.iris, registry=self.registry)
            problems = validate_graph(union_graph(store), self.iris)
            if problems:
                raise ValidationError(f"{len(problems)} SHACL violation(s)", problems)
            _progress(progress, "validated", 1, 1)
            # Bytes, not links: the bundled files may be edited in place; a generation may not.
            corpus = {e.slug: Path(e.path or "").read_bytes() for e in entries}
            report = self._publish_full(entries, corpus, store, list(curated.entries),
                                        list(curated.removed), live, progress, started)
            return replace(report, shadowed=self.shadowed(curated))

    def _publish_full(self, entries: list[Entry], corpus: dict[str, bytes], store: ox.Store,
                      user_entries: list[str], removed_bundled: list[str], live: Generation | None,
                      progress: Progress | None, started: float) -> Report:
        name, staging = self.datadir.new_generation()
        try:
            (staging / "corpus").mkdir()
            for slug, content in corpus.items():
                (staging / "corpus" / f"{slug}.md").write_bytes(content)
            save_dataset(store, staging / "graph.nq")
            triples = save_union(store, staging / "graph.nt")
            items = corpus_passages(entries)
            vectors, known_tokens, embedded = self._vectors(items, live, progress)
            index = PassageIndex.build(items, vectors, self.settings.vector_index, known_tokens)
            index.save(staging)
            people = corpus_people(entries, self.registry)
            catalog, row = Catalog(people={s: p.name for s, p in people.items()}), 0
            counts = Counter(r.entry for r in index.records)  # an entry's rows are contiguous
            for entry in entries:
                count = counts[entry.slug]
                catalog.entries[entry.slug] = CatalogEntry.of(entry, _sha(corpus[entry.slug]), count,
                                                             BASE, (row, row + count))
                row += count
            catalog.save(staging / CATALOG)
            manifest = Manifest(
                generation=name, created=time.time(), base_iri=self.settings.base_iri,
                corpus_hash=catalog.corpus_hash(), bundled_hash=self._bundled_hash(),
                entries=len(entries), triples=triples, passages=len(index.records),
                user_entries=sorted(user_entries), removed=sorted(removed_bundled),
                index=index.info(self.encoder.name), software=__version__,
                curated=self.curated.current_name())
            (staging / MANIFEST).write_text(manifest.to_json(), "utf-8")
            self.datadir.publish(name, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _progress(progress, "published", 1, 1)
        return Report(generation=name, entries=len(entries), researchers=len(catalog.people),
                      triples=triples, passages=len(index.records),
                      seconds=time.perf_counter() - started, embedded=embedded)

    def _vectors(self, items: list[tuple[IndexedPassage, str, str]], live: Generation | None,
                 progress: Progress | None) -> tuple[np.ndarray, dict[str, list[str]], int]:
        """Vectors for every passage, embedding only text the live generation lacks."""
        known: dict[str, np.ndarray] = {}
        tokens: dict[str, list[str]] = {}
        if live is not None and live.manifest.model == self.encoder.name:
            try:
                records, matrix, row_tokens_ = load_vectors(live)
                known = {r.digest: matrix[i] for i, r in enumerate(records) if r.digest}
                tokens = dict(row_tokens_)
            except DataDirError:
                pass  # a damaged index: everything is embedded again
        missing = [i for i, (record, _, _) in enumerate(items) if record.digest not in known]
        fresh: dict[str, np.ndarray] = {}
        chunk = 256  # large chunks keep length-sorted batching effective, with progress
        for start in range(0, len(missing), chunk):
            rows = missing[start:start + chunk]
            for i, vector in zip(rows, self.encoder.encode([items[i][1] for i in rows]), strict=True):
                fresh[items[i][0].digest] = vector
            _progress(progress, "embedded", min(start + chunk, len(missing)), len(missing))
        matrix = np.zeros((len(items), self.encoder.dim), dtype=np.float32)
        for i, (record, _, _) in enumerate(items):
            matrix[i] = fresh[record.digest] if record.digest in fresh else known[record.digest]
        return matrix, tokens, len(missing)

    def _bundled_hash(self) -> str:
        from ltgraph.corpus import corpus_hash

        return corpus_hash(entry_files(self.settings.corpus_dir))

    # ------------------------------------------------------------------ changes

    @_storage_errors
    def add(self, paths: list[Path], replace_existing: bool = False, dry_run: bool = False,
            strict: bool = False) -> Report:
        """Add (or with `replace_existing`, replace) entries from files, in one transaction.

        Names close to an existing entry's or person's are reported as warnings, or refused
        with `strict`.
        """
        started = time.perf_counter()
        new, sources = self._read_new(paths)
        with acquire(self.datadir.lock(), "ltgraph add"):
            live, catalog = self._require_live()
            existing = catalog.entries
            for entry in new:
                if entry.slug in existing and not replace_existing:
                    raise CorpusError(f"an entry with id {entry.slug!r} already exists; use "
                                      "`ltgraph update` (or `add --replace`) to replace it",
                                      path=entry.path, line=2)
                if entry.slug not in existing and replace_existing:
                    raise CorpusError(f"there is no entry {entry.slug!r} to replace; use "
                                      "`ltgraph add` to add it", path=entry.path, line=2)
            after = set(existing) | {e.slug for e in new}
            self._check_references(new, after)
            changed = {e.slug for e in new}
            others = {s: e for s, e in existing.items() if s not in changed}
            known = {p: catalog.people[p] for e in others.values() for p in e.people
                     if p in catalog.people}
            edges = {s: [t for t, rel in e.related if rel == "buildsOn"] for s, e in others.items()}
            problems = self.rule_problems(new, known, edges)
            warnings = self._near_duplicates(new, catalog, others)
            if strict:
                problems += warnings
            if problems:
                raise ValidationError(f"{len(problems)} problem(s); nothing was changed", problems)
            self._check_shapes(new, after)
            added = [e.slug for e in new if e.slug not in existing]
            replaced = [e.slug for e in new if e.slug in existing]
            if dry_run:
                change = _Change(new, sources, [], [], [])
                report = self._dry_report(live, catalog, change, started, added=added,
                                          replaced=replaced)
                return replace(report, warnings=warnings)
            curated = self._store()
            user = sorted(set(curated.entries) | {e.slug for e in new})
            removed = sorted(s for s in curated.removed if s not in after)
            change = _Change(new, sources, [], user, removed)
            report = self._write_ahead(curated, sources, [], removed, lambda: self._publish_delta(
                live, catalog, change, started, added=added, replaced=replaced))
            return replace(report, warnings=warnings)

    def _near_duplicates(self, new: list[Entry], catalog: Catalog,
                         others: dict[str, CatalogEntry]) -> list[str]:
        """Entries and people of a change whose names are close to existing ones."""
        named = {p for e in others.values() for p in e.people}
        people = {p: catalog.people[p] for p in named if p in catalog.people}
        entries = {s: e.name for s, e in others.items()}
        found = near_duplicates([(e.slug, name) for e in new for name in (e.name, *e.aliases)],
                                entries, "entry")
        found += near_duplicates(sorted({(p.slug, p.name) for e in new for p in e.researchers}),
                                 people, "person")
        return found

    @_storage_errors
    def remove(self, slug: str, force: bool = False, dry_run: bool = False) -> Report:
        """Remove an entry; refuse when others relate to it unless `force` drops those links."""
        started = time.perf_counter()
        with acquire(self.datadir.lock(), "ltgraph remove"):
            live, catalog = self._require_live()
            if slug not in catalog.entries:
                raise NotFoundError(f"no entry {slug!r}")
            referring = [s for s in catalog.referrers(slug) if s != slug]
            if referring and not force:
                raise ValidationError(
                    f"{', '.join(referring)} relate(s) to {slug!r}; remove those links first or "
                    "use --force to remove them with the entry")
            rewritten, sources = [], {}
            for other in referring:
                entry = read_entry(live.entry_file(other), self.settings.max_entry_bytes)
                entry = replace(entry, related=tuple(r for r in entry.related if r.target != slug))
                rewritten.append(entry)
                sources[other] = write_entry(entry).encode("utf-8")
            if dry_run:
                change = _Change(rewritten, sources, [slug], [], [])
                return self._dry_report(live, catalog, change, started, removed=[slug],
                                        replaced=referring)
            curated = self._store()
            bundled = {p.stem for p in entry_files(self.settings.corpus_dir)}
            user = sorted((set(curated.entries) | set(referring)) - {slug})
            removed = sorted(set(curated.removed) | ({slug} & bundled))
            change = _Change(rewritten, sources, [slug], user, removed)
            return self._write_ahead(curated, sources, [slug], removed, lambda: self._publish_delta(
                live, catalog, change, started, removed=[slug], replaced=referring))

    def _write_ahead(self, curated: Curated, upserts: dict[str, bytes], drop: list[str],
                     removed: list[str], publish: Callable[[], Report]) -> Report:
        """Record the change in the curators' store, then publish its generation; if the
        publish fails, the store goes back to the version it had (all under the lock)."""
        previous = self.curated.write(upserts, drop, removed)
        try:
            return publish()
        except BaseException:
            if previous:
                self.curated.switch(previous)
            raise

    # ------------------------------------------------------------------ checks

    def _read_new(self, paths: list[Path]) -> tuple[list[Entry], dict[str, bytes]]:
        """Parse every file (all problems reported at once); no two files with one id."""
        problems, entries, sources = [], [], {}
        for path in paths:
            try:
                data = read_bytes(path, self.settings.max_entry_bytes)
                entry = read_entry(path, self.settings.max_entry_bytes, data=data)
            except CorpusError as exc:
                problems.append(str(exc))
                continue
            if entry.slug in sources:
                problems.append(f"{path}:2: id {entry.slug!r} is also used by another file of "
                                "this change")
                continue
            entries.append(entry)
            sources[entry.slug] = data
        if problems:
            raise ValidationError(f"{len(problems)} problem(s); nothing was changed", problems)
        return entries, sources

    @functools.cached_property
    def registry(self) -> Registry:
        """Registered people and their accepted spellings (`corpus/people.py`)."""
        return Registry.load(self.settings.corpus_dir)

    def rule_problems(self, entries: list[Entry], known_people: dict[str, str],
                      builds_on: dict[str, list[str]]) -> list[str]:
        """The cross-entry rules a build and a change share: one spelling per person, and no
        cycle of `buildsOn` (`known_people`, `builds_on`: what the entries outside
        `entries` say; empty for a build)."""
        problems = person_problems(entries, known_people, self.registry)
        edges = dict(builds_on)
        for entry in entries:
            edges[entry.slug] = [r.target for r in entry.related if r.relation == "buildsOn"]
        cycle = builds_on_cycle(edges)
        if cycle:
            where = next((e.path for e in entries if e.slug in cycle and e.path), cycle[0])
            problems.append(f"{where}: buildsOn links go round in a circle: "
                            f"{' -> '.join(cycle)}; an idea cannot build on itself, so make one of "
                            "these links relatedTo or influencedBy")
        return problems

    def _check_references(self, new: list[Entry], after: set[str]) -> None:
        from ltgraph.corpus import check_references

        problems = check_references(new, after)
        if problems:
            raise ValidationError(f"{len(problems)} problem(s); nothing was changed", problems)

    def _check_shapes(self, new: list[Entry], after: set[str]) -> None:
        """SHACL on the new entries' own statements, plus the bare existence (typed
        `ltg:Entry`, which no shape targets) of the entries they link to, so that the links
        resolve; `_check_references` has checked those exist (`after`)."""
        from rdflib import RDF

        from ltgraph.rdf.ontology import LTG

        graph = union_graph(build_dataset(new, self.iris))
        targets = {r.target for e in new for r in e.related} & after
        for slug in targets - {e.slug for e in new}:
            graph.add((self.iris.entry(slug), RDF.type, LTG.Entry))
        problems = validate_graph(graph, self.iris)
        if problems:
            raise ValidationError(f"{len(problems)} SHACL violation(s); nothing was changed", problems)

    def _require_live(self) -> tuple[Generation, Catalog]:
        live = Generation.open(self.datadir.current())  # raises with the repair hint
        live.manifest.require_model(self.encoder.name)
        return live, live.catalog()

    def _dry_report(self, live: Generation, catalog: Catalog, change: _Change, started: float,
                    **changes: list[str]) -> Report:
        after = _apply(catalog, change, {}, self.registry)
        report = Report(generation=live.path.name, entries=len(after.entries),
                        researchers=len(after.people), triples=None, passages=after.passages,
                        seconds=time.perf_counter() - started, dry_run=True)
        return _listing(report, changes)

    # ------------------------------------------------------------------ delta generations

    def _publish_delta(self, live: Generation, catalog: Catalog, change: _Change, started: float,
                       **changes: list[str]) -> Report:
        """Write the change as a delta generation of the live one's base, and switch to it."""
        base = live.base
        deleted = live.deleted | {s for s in [*change.removed, *(e.slug for e in change.upserts)]
                                  if s in catalog.entries and catalog.entries[s].layer == BASE}
        passages = {e.slug: corpus_passages([e]) for e in change.upserts}
        after = _apply(catalog, change, {s: len(p) for s, p in passages.items()}, self.registry)
        people = {slug: Person(name, slug) for slug, name in after.people.items()}
        name, staging = self.datadir.new_generation()
        embedded = 0
        try:
            directory = staging / DELTA_DIR
            directory.mkdir()
            touched = set(change.removed) | set(change.sources)
            for slug in live.delta_slugs():
                if slug not in touched:
                    for suffix in DELTA_SUFFIXES:
                        link_or_copy(live.path / DELTA_DIR / f"{slug}{suffix}",
                                     directory / f"{slug}{suffix}")
            for entry in change.upserts:
                slug = entry.slug
                (directory / f"{slug}.md").write_bytes(change.sources[slug])
                ox.serialize([q.triple for q in entry_quads(entry, self.iris, people)],
                             str(directory / f"{slug}.nt"), format=ox.RdfFormat.N_TRIPLES)
                old = self._old_passages(live, catalog, slug)
                records, tokens, vectors, count = self._embed(passages[slug], old)
                write_delta_passages(directory, slug, records, tokens, vectors)
                embedded += count
            after.save(staging / CATALOG)
            info = live.manifest.index_info()
            info = replace(info, passages=after.passages)
            manifest = Manifest(
                generation=name, created=time.time(), base_iri=self.settings.base_iri,
                corpus_hash=after.corpus_hash(), bundled_hash=live.manifest.bundled_hash,
                entries=len(after.entries), triples=None, passages=after.passages,
                user_entries=change.user_entries, removed=change.removed_bundled,
                index=info, software=__version__,
                kind=DELTA_KIND, base=base.name, deleted=sorted(deleted),
                curated=self.curated.current_name())
            (staging / MANIFEST).write_text(manifest.to_json(), "utf-8")
            self.datadir.publish(name, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        report = Report(generation=name, entries=len(after.entries),
                        researchers=len(after.people), triples=None, passages=after.passages,
                        seconds=time.perf_counter() - started, embedded=embedded)
        return _listing(report, changes)

    def _old_passages(self, live: Generation, catalog: Catalog,
                      slug: str) -> tuple[list[IndexedPassage], list[Tokens], np.ndarray] | None:
        """The passages, tokens and vectors an entry has now (reused when its text is kept)."""
        item = catalog.entries.get(slug)
        if item is None:
            return None
        try:
            if item.layer == DELTA:
                return read_delta_passages(live.path / DELTA_DIR, slug)
            start, stop = item.rows or (0, 0)
            with open(live.base / "passages.jsonl", encoding="utf-8") as handle:
                records = [IndexedPassage(**json.loads(line))
                           for line in itertools.islice(handle, start, stop)]
            with open(live.base / "tokens.jsonl", encoding="utf-8") as handle:
                tokens = [tuple(json.loads(line)) for line in itertools.islice(handle, start, stop)]
            vectors = np.load(live.base / "vectors.npy", mmap_mode="r")[start:stop]
            return records, tokens, np.asarray(vectors)
        except (OSError, ValueError, TypeError):
            return None  # nothing to reuse: the entry is embedded again

    def _embed(self, items: list[tuple[IndexedPassage, str, str]],
               old: tuple[list[IndexedPassage], list[Tokens], np.ndarray] | None,
               ) -> tuple[list[IndexedPassage], list[Tokens], np.ndarray, int]:
        """Records, tokens and vectors of one entry's passages; embeds only changed text."""
        known_vectors: dict[str, np.ndarray] = {}
        known_tokens: dict[str, list[str]] = {}
        if old is not None:
            records, tokens, vectors = old
            known_vectors = {r.digest: vectors[i] for i, r in enumerate(records) if r.digest}
            known_tokens = dict(tokens)
        missing = [i for i, (record, _, _) in enumerate(items) if record.digest not in known_vectors]
        fresh: Any = self.encoder.encode([items[i][1] for i in missing]) if missing else []
        matrix = np.zeros((len(items), self.encoder.dim), dtype=np.float32)
        for i, (record, _, _) in enumerate(items):
            matrix[i] = known_vectors.get(record.digest, 0)
        for i, vector in zip(missing, fresh, strict=True):
            matrix[i] = vector
        tokens = row_tokens([kw for _, _, kw in items], known_tokens)
        return [r for r, _, _ in items], tokens, matrix, len(missing)


def _apply(catalog: Catalog, change: _Change, passages: dict[str, int],
           registry: Registry) -> Catalog:
    """The catalog after a change (a copy; `passages`: passage counts of the new entries)."""
    after = Catalog(dict(catalog.entries), dict(catalog.people))
    for slug in [*change.removed, *(e.slug for e in change.upserts)]:
        if slug in after.entries:
            after.drop(slug)
    for entry in change.upserts:
        count = passages.get(entry.slug)
        if count is None:
            count = len(corpus_passages([entry]))
        after.put(entry.slug, CatalogEntry.of(entry, _sha(change.sources[entry.slug]), count, DELTA),
                  entry)
        for person in entry.researchers:  # the registered name, if any (one rule for labels)
            after.people[person.slug] = registry.label(person.slug, after.people[person.slug])
    return after


def _listing(report: Report, changes: dict[str, list[str]]) -> Report:
    """`report` with the entries a change added, replaced and removed."""
    return replace(report, added=changes.get("added", []), replaced=changes.get("replaced", []),
                   removed=changes.get("removed", []))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _progress(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
