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

import functools
import hashlib
import shutil
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import pyoxigraph as ox

from ltgraph import __version__
from ltgraph.config import Settings
from ltgraph.corpus import Entry, Person, entry_files, load_corpus, read_entry, write_entry
from ltgraph.corpus.people import Registry
from ltgraph.curation import rules
from ltgraph.curation.embedding import known_vectors, reuse_or_embed
from ltgraph.curation.report import Progress, Report, listing, progress_of, storage_errors
from ltgraph.curation.sources import Sources
from ltgraph.errors import CorpusError, DataDirError, NotFoundError, ServersBehind, ValidationError
from ltgraph.rdf.build import build_dataset, corpus_people, entry_quads
from ltgraph.rdf.graph import save_dataset, save_union, union_graph
from ltgraph.rdf.iris import Iris
from ltgraph.rdf.shacl import validate_graph
from ltgraph.retrieval.encoders import Encoder
from ltgraph.retrieval.index import IndexedPassage, PassageIndex, corpus_passages
from ltgraph.retrieval.keyword import Tokens, row_tokens
from ltgraph.store.catalog import BASE, CATALOG, DELTA, Catalog, CatalogEntry
from ltgraph.store.curated import Curated
from ltgraph.store.datadir import DELTA as DELTA_KIND
from ltgraph.store.datadir import MANIFEST, DataDir, Lease, Manifest, acquire, turn
from ltgraph.store.generation import Generation
from ltgraph.store.layers import DELTA_DIR, entry_passages, link_delta_entry, load_vectors, write_delta_entry
from ltgraph.words import counted


@dataclass(frozen=True)
class _Change:
    """One transaction: entries to write (with their file bytes) and entries to drop."""

    upserts: list[Entry]
    sources: dict[str, bytes]
    removed: list[str]
    user_entries: list[str]
    removed_bundled: list[str]


class Writer(Sources):
    """Builds and changes generations of one data directory (reading its sources as
    `Sources` does)."""

    def __init__(self, settings: Settings, iris: Iris, datadir: DataDir, encoder: Encoder) -> None:
        super().__init__(settings, datadir)
        self.iris = iris
        self.encoder = encoder
        #: Told when the writers' lock is held by another process (the CLI prints it).
        self.on_wait: Callable[[str], None] | None = None

    # ------------------------------------------------------------------ full build

    @storage_errors
    def build(self, progress: Progress | None = None) -> Report:
        """Rebuild everything from the sources; always leaves a consistent full generation."""
        started = time.perf_counter()
        with acquire(self.datadir.lock(), "ltgraph build", self.on_wait):
            curated = self._store()
            live = self.live()
            files = self.effective(curated)
            entries = load_corpus(files, self.settings.max_entry_bytes)
            problems = self.rule_problems(entries, {}, {})
            if problems:
                raise ValidationError(f"{counted(len(problems), 'problem')}; nothing was changed", problems)
            progress_of(progress, "parsed", 1, 1)
            store = build_dataset(entries, self.iris, registry=self.registry)
            problems = validate_graph(union_graph(store), self.iris)
            if problems:
                raise ValidationError(f"{counted(len(problems), 'SHACL violation')}", problems)
            progress_of(progress, "validated", 1, 1)
            if getattr(self.encoder, "needs_preparation", lambda: False)():
                progress_of(progress, "preparing the model (once on this machine, about a minute)", 0, 1)
            # Bytes, not links: the bundled files may be edited in place; a generation may not.
            corpus = {e.slug: Path(e.path or "").read_bytes() for e in entries}
            report = self._publish_full(entries, corpus, store, list(curated.entries),
                                        list(curated.removed), live, progress, started)
            return replace(report, shadowed=self.shadowed(curated))

    #: Whether a publish is pushed to the configured servers (not while catching up with them).
    mirroring = True

    def _publish(self, name: str, staging: Path, manifest: Manifest) -> None:
        """Write the manifest last (a generation without one is incomplete), then switch."""
        (staging / MANIFEST).write_text(manifest.to_json(), "utf-8")
        self.datadir.publish(name, staging)
        if self.mirroring:
            self.mirror(self.datadir.generations / name)

    def mirror(self, generation: Path, everything: bool = False) -> dict[str, int] | None:
        """Bring the configured servers to `generation` (`curation.servers.mirror`)."""
        from ltgraph.curation.servers import mirror

        return mirror(self.settings, self.datadir.root, generation, everything)

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
            before, now = _changed_before(live), time.time()
            for entry in entries:
                count = counts[entry.slug]
                catalog.entries[entry.slug] = CatalogEntry.of(
                    entry, _sha(corpus[entry.slug]), count, BASE, (row, row + count),
                ).since(before.get(entry.slug), now)
                row += count
            catalog.save(staging / CATALOG)
            manifest = Manifest(
                generation=name, created=time.time(), base_iri=self.settings.base_iri,
                corpus_hash=catalog.corpus_hash(), bundled_hash=self._bundled_hash(),
                entries=len(entries), triples=triples, passages=len(index.records),
                user_entries=sorted(user_entries), removed=sorted(removed_bundled),
                index=index.info(self.encoder.name), software=__version__,
                curated=self.curated.current_name(),
                registry_hash=Registry.digest(self.settings.corpus_dir))
            self._publish(name, staging, manifest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        progress_of(progress, "published", 1, 1)
        return Report(generation=name, entries=len(entries), researchers=len(catalog.people),
                      triples=triples, passages=len(index.records),
                      seconds=time.perf_counter() - started, embedded=embedded)

    def _vectors(self, items: list[tuple[IndexedPassage, str, str]], live: Generation | None,
                 progress: Progress | None) -> tuple[np.ndarray, dict[str, list[str]], int]:
        """Vectors for every passage, embedding only text the live generation lacks; and the
        keyword tokens it knows."""
        known: dict[str, np.ndarray] = {}
        tokens: dict[str, list[str]] = {}
        if live is not None and live.manifest.model == self.encoder.name:
            try:
                records, matrix, stored_tokens = load_vectors(live)
                known = known_vectors(records, matrix)
                tokens = dict(stored_tokens)
            except DataDirError:
                pass  # a damaged index: everything is embedded again
        vectors, embedded = reuse_or_embed(
            self.encoder, items, known,
            lambda done, total: progress_of(progress, "embedded", done, total))
        return vectors, tokens, embedded

    def _bundled_hash(self) -> str:
        from ltgraph.corpus import corpus_hash

        return corpus_hash(entry_files(self.settings.corpus_dir))

    # ------------------------------------------------------------------ changes

    @storage_errors
    def add(self, paths: list[Path], replace_existing: bool | None = False, dry_run: bool = False,
            strict: bool = False) -> Report:
        """Add (or with `replace_existing`, replace) entries from files, in one transaction;
        `replace_existing=None` takes each file as new or replacing by its id (what
        `validate-file` checks).

        Names close to an existing entry's or person's are reported as warnings, or refused
        with `strict`.
        """
        started = time.perf_counter()
        new, sources = self._read_new(paths)
        with turn(self.datadir, "ltgraph add", self.on_wait, dry_run) as leases:
            live, catalog = self._require_live(leases if dry_run else None)
            existing = catalog.entries
            for entry in new:
                if entry.slug in existing and replace_existing is False:
                    raise CorpusError(f"an entry with id {entry.slug!r} already exists; use "
                                      "`ltgraph update` (or `add --replace`) to replace it",
                                      path=entry.path, line=2)
                if entry.slug not in existing and replace_existing is True:
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
            warnings = rules.near_duplicate_warnings(new, catalog, others) + rules.minimum_warnings(new)
            if strict:
                problems += warnings
            if problems:
                raise ValidationError(f"{counted(len(problems), 'problem')}; nothing was changed", problems)
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

    @storage_errors
    def remove(self, slug: str, force: bool = False, dry_run: bool = False) -> Report:
        """Remove an entry; refuse when others relate to it unless `force` drops those links."""
        started = time.perf_counter()
        with turn(self.datadir, "ltgraph remove", self.on_wait, dry_run) as leases:
            live, catalog = self._require_live(leases if dry_run else None)
            if slug not in catalog.entries:
                raise NotFoundError(f"no entry {slug!r}")
            referring = [s for s in catalog.referrers(slug) if s != slug]
            if referring and not force:
                raise ValidationError(
                    f"{', '.join(referring)} {'relates' if len(referring) == 1 else 'relate'} to {slug!r}; "
                    "remove those links first or "
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
        publish fails, the store goes back to the version it had (all under the lock). A
        server left behind after the publish does not undo it: the change stands."""
        previous = self.curated.write(upserts, drop, removed)
        try:
            return publish()
        except ServersBehind:
            raise
        except BaseException:
            if previous:
                self.curated.switch(previous)
            raise

    # ------------------------------------------------------------------ checks

    # ------------------------------------------------------------------ checks (curation/rules.py)

    def _read_new(self, paths: list[Path]) -> tuple[list[Entry], dict[str, bytes]]:
        return rules.read_new(paths, self.settings.max_entry_bytes)

    @functools.cached_property
    def registry(self) -> Registry:
        """Registered people and their accepted spellings (`corpus/people.py`)."""
        return Registry.load(self.settings.corpus_dir)

    def rule_problems(self, entries: list[Entry], known_people: dict[str, str],
                      builds_on: dict[str, list[str]]) -> list[str]:
        """See `rules.rule_problems`."""
        return rules.rule_problems(entries, known_people, builds_on, self.registry)

    def _check_references(self, new: list[Entry], after: set[str]) -> None:
        rules.check_references(new, after)

    def _check_shapes(self, new: list[Entry], after: set[str]) -> None:
        rules.check_shapes(new, after, self.iris)

    def _require_live(self, leases: list[Lease] | None = None) -> tuple[Generation, Catalog]:
        live = Generation.open(self.datadir.current())  # raises with the repair hint
        if leases is not None:  # (a dry run, without the lock: clean-up must keep what it reads)
            leases += [Lease(live.path)] + ([] if live.is_full else [Lease(live.base)])
        live.manifest.require_model(self.encoder.name)
        return live, live.catalog()

    def _dry_report(self, live: Generation, catalog: Catalog, change: _Change, started: float,
                    **changes: list[str]) -> Report:
        after = _apply(catalog, change, {}, self.registry)
        report = Report(generation=live.path.name, entries=len(after.entries),
                        researchers=len(after.people), triples=None, passages=after.passages,
                        seconds=time.perf_counter() - started, dry_run=True)
        return listing(report, changes)

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
                    link_delta_entry(live, directory, slug)
            for entry in change.upserts:
                slug = entry.slug
                old = entry_passages(live, catalog.entries.get(slug), slug)
                records, tokens, vectors, count = self._embed(passages[slug], old)
                write_delta_entry(directory, slug, change.sources[slug],
                                  [q.triple for q in entry_quads(entry, self.iris, people)],
                                  records, tokens, vectors)
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
                curated=self.curated.current_name(),
                # the base's labels came from the registry it was built with
                registry_hash=live.manifest.registry_hash)
            self._publish(name, staging, manifest)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        report = Report(generation=name, entries=len(after.entries),
                        researchers=len(after.people), triples=None, passages=after.passages,
                        seconds=time.perf_counter() - started, embedded=embedded)
        return listing(report, changes)

    def _embed(self, items: list[tuple[IndexedPassage, str, str]],
               old: tuple[list[IndexedPassage], list[Tokens], np.ndarray] | None,
               ) -> tuple[list[IndexedPassage], list[Tokens], np.ndarray, int]:
        """Records, tokens and vectors of one entry's passages; embeds only changed text."""
        known: dict[str, np.ndarray] = {}
        known_tokens: dict[str, list[str]] = {}
        if old is not None:
            records, tokens, vectors = old
            known = known_vectors(records, vectors)
            known_tokens = dict(tokens)
        matrix, embedded = reuse_or_embed(self.encoder, items, known)
        tokens = row_tokens([kw for _, _, kw in items], known_tokens)
        return [r for r, _, _ in items], tokens, matrix, embedded


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
        item = CatalogEntry.of(entry, _sha(change.sources[entry.slug]), count, DELTA)
        after.put(entry.slug, item.since(catalog.entries.get(entry.slug), time.time()), entry)
        for person in entry.researchers:  # the registered name, if any (one rule for labels)
            after.people[person.slug] = registry.label(person.slug, after.people[person.slug])
    return after


def _changed_before(live: Generation | None) -> dict[str, CatalogEntry]:
    """The live catalog's entries, to carry their `changed` times over (none when there is no
    readable live generation: a build that repairs one starts the times afresh)."""
    try:
        return live.catalog().entries if live is not None else {}
    except DataDirError:
        return {}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
