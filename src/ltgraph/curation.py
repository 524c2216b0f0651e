"""Writing the data directory: full builds, and adding, replacing and removing entries.

Every change writes a complete new generation beside the live one and switches to it with
one atomic rename (see `datadir.py`), under the writers' lock. A change is therefore all or
nothing across corpus file, graph, vectors and keyword index, whatever happens to the
process. Incremental changes keep their cost independent of the corpus size where it
matters: only the new entry's passages are embedded and only its SHACL shapes are checked;
the rest is linear copying done in Rust and NumPy.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
import pyoxigraph as ox

from . import __version__
from .config import Settings
from .corpus import Entry, corpus_hash, entry_files, load_corpus, read_entry, write_entry
from .datadir import MANIFEST, DataDir, Manifest, acquire
from .encoders import Encoder
from .errors import CorpusError, DataDirError, NotFoundError, ValidationError
from .graph import (Iris, build_dataset, corpus_people, count_triples, load_dataset, remove_entries,
                    replace_entries, save_dataset, save_union, union_graph, validate_graph)
from .index import IndexedPassage, PassageIndex, corpus_passages

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Report:
    """What a build or a change did (or, for a dry run, would do)."""

    generation: str
    entries: int
    researchers: int
    triples: int
    passages: int
    seconds: float
    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    embedded: int = 0
    dry_run: bool = False


@dataclass
class Current:
    """The parts of the live generation a writer needs."""

    path: Path
    manifest: Manifest
    entries: dict[str, Entry]
    #: The live index's passages and their vectors (None when unusable: everything is re-embedded).
    vectors: tuple[list[IndexedPassage], np.ndarray] | None


class Writer:
    """Builds and changes generations of one data directory."""

    def __init__(self, settings: Settings, iris: Iris, datadir: DataDir, encoder: Encoder,
                 current: Callable[[], Current | None]) -> None:
        self.settings = settings
        self.iris = iris
        self.datadir = datadir
        self.encoder = encoder
        self._current = current

    # ------------------------------------------------------------------ sources

    def source_files(self) -> list[Path]:
        """The effective corpus: bundled files, minus removals, overlaid by the user's files."""
        files = {p.stem: p for p in entry_files(self.settings.corpus_dir)}
        name = self.datadir.current_name()
        if name is not None and (self.datadir.generations / name / MANIFEST).is_file():
            current = self.datadir.generations / name
            manifest = Manifest.read(current / MANIFEST)
            for slug in manifest.removed:
                files.pop(slug, None)
            for slug in manifest.user_entries:
                files[slug] = current / "corpus" / f"{slug}.md"
        return [files[k] for k in sorted(files)]

    def _overlay(self) -> tuple[list[str], list[str]]:
        try:
            manifest = self.datadir.manifest()
        except DataDirError:
            return [], []
        return list(manifest.user_entries), list(manifest.removed)

    # ------------------------------------------------------------------ full build

    def build(self, progress: Progress | None = None) -> Report:
        """Rebuild everything from the sources; always leaves a consistent generation."""
        started = time.perf_counter()
        with acquire(self.datadir.lock(), "ltgraph build"):
            files = self.source_files()
            user, removed = self._overlay()
            entries = load_corpus(files, self.settings.max_entry_bytes)
            _progress(progress, "parsed", 1, 1)
            store = build_dataset(entries, self.iris)
            problems = validate_graph(union_graph(store), self.iris)
            if problems:
                raise ValidationError(f"{len(problems)} SHACL violation(s)", problems)
            _progress(progress, "validated", 1, 1)
            # Bytes, not links: the bundled files may be edited in place; a generation may not.
            corpus: dict[str, bytes | Path] = {e.slug: Path(e.path or "").read_bytes() for e in entries}
            report = self._publish(entries, corpus, store, user, removed, progress, started)
        return report

    # ------------------------------------------------------------------ changes

    def add(self, paths: list[Path], replace_existing: bool = False, dry_run: bool = False) -> Report:
        """Add (or with `replace_existing`, replace) entries from files, in one transaction."""
        started = time.perf_counter()
        new, sources = self._read_new(paths)
        with acquire(self.datadir.lock(), "ltgraph add"):
            current = self._require_current()
            existing = current.entries
            for entry in new:
                if entry.slug in existing and not replace_existing:
                    raise CorpusError(f"an entry with id {entry.slug!r} already exists; use "
                                      "`ltgraph update` (or `add --replace`) to replace it",
                                      path=entry.path, line=2)
                if entry.slug not in existing and replace_existing:
                    raise CorpusError(f"there is no entry {entry.slug!r} to replace; use "
                                      "`ltgraph add` to add it", path=entry.path, line=2)
            after = {**existing, **{e.slug: e for e in new}}
            self._check_references(new, after)
            self._check_shapes(new, after)
            added = [e.slug for e in new if e.slug not in existing]
            replaced = [e.slug for e in new if e.slug in existing]
            if dry_run:
                return self._dry_report(current, after, started, added=added, replaced=replaced,
                                        embedded=self._count_new_passages(new, current))
            store = _load_dataset(current.path)
            replace_entries(store, new, self.iris, corpus_people(after.values()))
            corpus = self._carry_corpus(current, after, {e.slug: sources[e.slug] for e in new})
            user = sorted(set(current.manifest.user_entries) | {e.slug for e in new})
            removed = [s for s in current.manifest.removed if s not in after]
            return self._publish(list(after.values()), corpus, store, user, removed, None, started,
                                 added=added, replaced=replaced)

    def remove(self, slug: str, force: bool = False, dry_run: bool = False) -> Report:
        """Remove an entry; refuse when others relate to it unless `force` drops those links."""
        started = time.perf_counter()
        with acquire(self.datadir.lock(), "ltgraph remove"):
            current = self._require_current()
            if slug not in current.entries:
                raise NotFoundError(f"no entry {slug!r}; `ltgraph list` shows the entries")
            referring = sorted(e.slug for e in current.entries.values()
                               if any(r.target == slug for r in e.related))
            if referring and not force:
                raise ValidationError(
                    f"{', '.join(referring)} relate(s) to {slug!r}; remove those links first or "
                    "use --force to remove them with the entry")
            after = {k: v for k, v in current.entries.items() if k != slug}
            rewritten = {}
            for other in referring:
                entry = after[other]
                after[other] = replace(entry, related=tuple(r for r in entry.related if r.target != slug))
                rewritten[other] = write_entry(after[other]).encode("utf-8")
            if dry_run:
                return self._dry_report(current, after, started, removed=[slug],
                                        replaced=referring)
            store = _load_dataset(current.path)
            remove_entries(store, [slug], self.iris)
            replace_entries(store, [after[s] for s in referring], self.iris,
                            corpus_people(after.values()))
            corpus = self._carry_corpus(current, after, rewritten)
            bundled = {p.stem for p in entry_files(self.settings.corpus_dir)}
            user = sorted((set(current.manifest.user_entries) | set(referring)) - {slug})
            removed = sorted(set(current.manifest.removed) | ({slug} & bundled))
            return self._publish(list(after.values()), corpus, store, user, removed, None, started,
                                 removed=[slug], replaced=referring)

    # ------------------------------------------------------------------ doctor

    def doctor(self) -> list[tuple[str, bool, str]]:
        """Check that corpus, graph and indexes of the live generation agree.

        Returns (check, passed, detail) rows; every failure's detail says how to repair.
        """
        from .graph import load_graph, run_query
        from .index import IndexInfo

        repair = "run `ltgraph build` to repair"
        rows: list[tuple[str, bool, str]] = []
        try:
            path = self.datadir.current()
            manifest = Manifest.read(path / MANIFEST)
        except DataDirError as exc:
            return [("live generation", False, str(exc))]
        rows.append(("live generation", True, path.name))
        files = entry_files(path / "corpus")
        try:
            entries = load_corpus(files, self.settings.max_entry_bytes)
            ok = len(entries) == manifest.entries and corpus_hash(files) == manifest.corpus_hash
            rows.append(("corpus", ok, f"{len(entries)} entries" if ok else
                         f"{len(entries)} entries / hash differ from the manifest; {repair}"))
        except ValidationError as exc:
            rows.append(("corpus", False, f"{exc}: {'; '.join(exc.problems[:3])}; {repair}"))
        try:
            graph = load_graph(path / "graph.nt")
            triples = count_triples(graph)
            union = count_triples(union_graph(load_dataset(path / "graph.nq")))
            ok = triples == manifest.triples == union
            rows.append(("graph", ok, f"{triples} triples" if ok else
                         f"{triples} triples served, {union} in the entry graphs, manifest says "
                         f"{manifest.triples}; {repair}"))
            keys = {r["p"].value for r in run_query(graph, "SELECT ?p WHERE { ?p a ltg:Passage }")}
        except (OSError, SyntaxError) as exc:
            rows.append(("graph", False, f"unreadable graph ({exc}); {repair}"))
            keys = set()
        info = manifest.extra.get("index") or {}
        try:
            index = PassageIndex.load(path, IndexInfo(**info))
            indexed = {f"{self.iris.base}id/theory/{r.key}" for r in index.records}
            ok = keys == indexed and index.keywords.size == len(index.records) == index.vectors.size
            detail = (f"{len(indexed)} passages, vectors and keyword documents" if ok else
                      f"{len(keys)} passages in the graph, {len(indexed)} indexed, "
                      f"{index.vectors.size} vectors, {index.keywords.size} keyword documents; {repair}")
            rows.append(("search index", ok, detail))
        except (DataDirError, TypeError) as exc:
            rows.append(("search index", False, f"{exc}" if "ltgraph build" in str(exc) else f"{exc}; {repair}"))
        ok = info.get("model") == self.encoder.name
        rows.append(("model", ok, info.get("model", "?") if ok else
                     f"index built with {info.get('model')!r}, configured {self.encoder.name!r}; {repair}"))
        fresh = corpus_hash(self.source_files()) == manifest.corpus_hash
        rows.append(("sources", fresh, "up to date" if fresh else
                     f"the bundled corpus changed since this generation was built; {repair}"))
        return rows

    # ------------------------------------------------------------------ checks

    def _read_new(self, paths: list[Path]) -> tuple[list[Entry], dict[str, bytes]]:
        """Parse every file (all problems reported at once); no two files with one id."""
        problems, entries, sources = [], [], {}
        for path in paths:
            try:
                entry = read_entry(path, self.settings.max_entry_bytes, check_name=False)
            except CorpusError as exc:
                problems.append(str(exc))
                continue
            if entry.slug in sources:
                problems.append(f"{path}:2: id {entry.slug!r} is also used by another file of "
                                "this change")
                continue
            entries.append(entry)
            sources[entry.slug] = path.read_bytes()
        if problems:
            raise ValidationError(f"{len(problems)} problem(s); nothing was changed", problems)
        return entries, sources

    def _check_references(self, new: list[Entry], after: dict[str, Entry]) -> None:
        from .corpus import check_references

        problems = check_references(new, after.keys())
        if problems:
            raise ValidationError(f"{len(problems)} problem(s); nothing was changed", problems)

    def _check_shapes(self, new: list[Entry], after: dict[str, Entry]) -> None:
        """SHACL on the new entries' own statements, plus the bare existence of every entry
        (typed `ltg:Entry`, which no shape targets) so that related links resolve."""
        from rdflib import RDF

        from .ontology import LTG

        graph = union_graph(build_dataset(new, self.iris))
        new_slugs = {e.slug for e in new}
        for slug in after.keys() - new_slugs:
            graph.add((self.iris.entry(slug), RDF.type, LTG.Entry))
        problems = validate_graph(graph, self.iris)
        if problems:
            raise ValidationError(f"{len(problems)} SHACL violation(s); nothing was changed", problems)

    def _require_current(self) -> Current:
        current = self._current()
        if current is None:
            raise DataDirError(f"no data in {self.datadir.root}: run `ltgraph build` first")
        return current

    def _count_new_passages(self, new: list[Entry], current: Current) -> int:
        known = {r.digest for r in current.vectors[0]} if current.vectors else set()
        return sum(1 for record, _, _ in corpus_passages(new) if record.digest not in known)

    def _dry_report(self, current: Current, after: dict[str, Entry], started: float,
                    **changes: object) -> Report:
        entries = list(after.values())
        return Report(generation=current.path.name, entries=len(entries),
                      researchers=len(corpus_people(entries)), triples=current.manifest.triples,
                      passages=sum(1 for _ in corpus_passages(entries)),
                      seconds=time.perf_counter() - started, dry_run=True, **changes)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ publishing

    def _carry_corpus(self, current: Current, after: dict[str, Entry],
                      changed: dict[str, bytes]) -> dict[str, bytes | Path]:
        """Corpus files of the new generation: new bytes for changed entries, else the old file."""
        return {slug: changed.get(slug, current.path / "corpus" / f"{slug}.md") for slug in after}

    def _publish(self, entries: list[Entry], corpus: dict[str, bytes | Path], store: ox.Store,
                 user_entries: list[str], removed_bundled: list[str], progress: Progress | None,
                 started: float, **changes: list[str]) -> Report:
        entries = sorted(entries, key=lambda e: e.slug)
        name, staging = self.datadir.new_generation()
        try:
            (staging / "corpus").mkdir()
            for slug, content in corpus.items():
                target = staging / "corpus" / f"{slug}.md"
                if isinstance(content, Path):
                    _link_or_copy(content, target)
                else:
                    target.write_bytes(content)
            save_dataset(store, staging / "graph.nq")
            triples = save_union(store, staging / "graph.nt")
            index, embedded = self._index(entries, progress)
            index.save(staging)
            files = entry_files(staging / "corpus")
            manifest = Manifest(
                generation=name, created=time.time(), base_iri=self.settings.base_iri,
                corpus_hash=corpus_hash(files), bundled_hash=corpus_hash(entry_files(self.settings.corpus_dir)),
                entries=len(entries), triples=triples, passages=len(index.records),
                user_entries=sorted(user_entries), removed=sorted(removed_bundled),
                extra={"ltgraph": __version__, "index": index.info(self.encoder.name).__dict__})
            (staging / MANIFEST).write_text(manifest.to_json(), "utf-8")
            self.datadir.publish(name, staging)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _progress(progress, "published", 1, 1)
        return Report(generation=name, entries=len(entries), researchers=len(corpus_people(entries)),
                      triples=manifest.triples, passages=manifest.passages,
                      seconds=time.perf_counter() - started, embedded=embedded, **changes)

    def _index(self, entries: list[Entry], progress: Progress | None) -> tuple[PassageIndex, int]:
        """Embed the passages whose text is new; reuse the live generation's other vectors."""
        items = corpus_passages(entries)
        known = self._reusable_vectors()
        missing = [i for i, (record, _, _) in enumerate(items) if record.digest not in known]
        fresh: dict[str, np.ndarray] = {}
        chunk = 256  # large chunks keep length-sorted batching effective, with progress
        for start in range(0, len(missing), chunk):
            rows = missing[start:start + chunk]
            for i, vector in zip(rows, self.encoder.encode([items[i][1] for i in rows])):
                fresh[items[i][0].digest] = vector
            _progress(progress, "embedded", min(start + chunk, len(missing)), len(missing))
        matrix = np.zeros((len(items), self.encoder.dim), dtype=np.float32)
        for i, (record, _, _) in enumerate(items):
            matrix[i] = fresh[record.digest] if record.digest in fresh else known[record.digest]
        current = self._current_or_none()
        tokens = PassageIndex.load_tokens(current.path) if current is not None else {}
        return PassageIndex.build(items, matrix, self.settings.vector_index, tokens), len(missing)

    def _current_or_none(self) -> Current | None:
        try:
            return self._current()
        except Exception:  # an unusable live generation: start from scratch
            return None

    def _reusable_vectors(self) -> dict[str, np.ndarray]:
        """digest -> vector from the live generation, when it was built with the same model."""
        current = self._current_or_none()
        if current is None or current.vectors is None:
            return {}
        if current.manifest.extra.get("index", {}).get("model") != self.encoder.name:
            return {}
        records, vectors = current.vectors
        return {r.digest: vectors[i] for i, r in enumerate(records) if r.digest}


def _load_dataset(generation: Path) -> ox.Store:
    try:
        return load_dataset(generation / "graph.nq")
    except OSError as exc:
        raise DataDirError(f"the graph of {generation.name} cannot be read ({exc}); run "
                           "`ltgraph build` to repair the data directory") from None


def _link_or_copy(source: Path, target: Path) -> None:
    """Hard-link an unchanged file into the new generation (it is never modified in place)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _progress(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)
