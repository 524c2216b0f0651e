"""Reading a generation, full or delta, as one state: entries, graph, search index.

A full generation holds everything in bulk files. A delta generation is its base (a full
generation) minus the base entries listed in its manifest's `deleted`, plus the entries in
its `delta/` directory, each with four files::

    delta/{slug}.md      the entry file
    delta/{slug}.nt      the statements of the entry's named graph (N-Triples)
    delta/{slug}.jsonl   its passages, one JSON object per line, with their keyword tokens
    delta/{slug}.npy     its passages' vectors (float32, row i <-> line i)

Writers never compose (they work from the catalog); readers do: the server when `CURRENT`
moves, the CLI, doctor. A reader that keeps a `DeltaCache` re-reads only the delta entries
that changed since its last load.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyoxigraph as ox

from ltgraph.corpus import Entry, read_entry
from ltgraph.errors import DataDirError
from ltgraph.retrieval.index import IndexedPassage, PassageIndex
from ltgraph.retrieval.info import IndexInfo
from ltgraph.retrieval.keyword import Tokens
from ltgraph.retrieval.vectors import LayeredVectors, VectorIndex
from ltgraph.store.catalog import DELTA, Catalog, CatalogEntry
from ltgraph.store.datadir import link_or_copy
from ltgraph.store.generation import Generation
from ltgraph.store.served import DELTA_DIR as DELTA_DIR
from ltgraph.store.served import load_served

# --------------------------------------------------------------------------- delta files


#: The files of one entry in a delta generation.
DELTA_SUFFIXES = (".md", ".nt", ".jsonl", ".npy")


def write_delta_entry(directory: Path, slug: str, source: bytes, triples: list[ox.Triple],
                      records: list[IndexedPassage], tokens: list[Tokens],
                      vectors: np.ndarray) -> None:
    """Write one entry's delta files: its source, named graph, passages with tokens, vectors."""
    (directory / f"{slug}.md").write_bytes(source)
    ox.serialize(triples, str(directory / f"{slug}.nt"), format=ox.RdfFormat.N_TRIPLES)
    with open(directory / f"{slug}.jsonl", "w", encoding="utf-8") as handle:
        for record, (key, words) in zip(records, tokens, strict=True):
            row = {**asdict(record), "tokens": [key, words]}
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    np.save(directory / f"{slug}.npy", vectors.astype(np.float32))


def link_delta_entry(live: Generation, directory: Path, slug: str) -> None:
    """Carry an unchanged delta entry of `live` into a new generation's `directory`."""
    for suffix in DELTA_SUFFIXES:
        link_or_copy(live.path / DELTA_DIR / f"{slug}{suffix}", directory / f"{slug}{suffix}")


def entry_passages(live: Generation, item: CatalogEntry | None,
                   slug: str) -> tuple[list[IndexedPassage], list[Tokens], np.ndarray] | None:
    """The passages, tokens and vectors an entry has in `live` (`item`: its catalog entry);
    None when it has none or they cannot be read (then the entry is embedded again)."""
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
            tokens: list[Tokens] = [tuple(json.loads(line))
                                    for line in itertools.islice(handle, start, stop)]
        vectors = np.load(live.base / "vectors.npy", mmap_mode="r")[start:stop]
        return records, tokens, np.asarray(vectors)
    except (OSError, ValueError, TypeError):
        return None


def read_delta_passages(directory: Path, slug: str) -> tuple[list[IndexedPassage], list[Tokens], np.ndarray]:
    records, tokens = [], []
    with open(directory / f"{slug}.jsonl", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            key, words = row.pop("tokens")
            records.append(IndexedPassage(**row))
            tokens.append((key, words))
    vectors = np.load(directory / f"{slug}.npy")
    if len(vectors) != len(records):
        raise ValueError(f"{slug}: {len(records)} passages but {len(vectors)} vectors")
    return records, tokens, vectors


# --------------------------------------------------------------------------- composing


def served_store(generation: Generation) -> ox.Store:
    """The served graph (the union of the entries' graphs) in a fresh Oxigraph store."""
    return load_served(generation.path, generation.manifest)


@dataclass(frozen=True)
class DeltaItem:
    """One delta entry as read from its files."""

    sha: str
    entry: Entry
    records: list[IndexedPassage]
    tokens: list[Tokens]
    vectors: np.ndarray


class DeltaCache:
    """Delta entries by slug, re-read only when their file changed (by the catalog's hash)."""

    def __init__(self) -> None:
        self._items: dict[str, DeltaItem] = {}

    def read(self, generation: Generation, catalog: Catalog, max_bytes: int) -> list[DeltaItem]:
        """The generation's delta entries, sorted by slug; raises on a damaged delta."""
        items = {}
        directory = generation.path / DELTA_DIR
        for slug in generation.delta_slugs():
            known = catalog.entries.get(slug)
            if known is None:
                raise DataDirError(f"{generation.path.name}: the delta holds {slug!r}, which the "
                                   "catalog does not list; run `ltgraph build` to repair")
            cached = self._items.get(slug)
            if cached is not None and cached.sha == known.sha:
                items[slug] = cached
                continue
            entry = read_entry(directory / f"{slug}.md", max_bytes)
            try:
                records, tokens, vectors = read_delta_passages(directory, slug)
            except (OSError, ValueError, TypeError, KeyError) as exc:
                raise DataDirError(f"the search index of {generation.path.name} is missing or "
                                   f"damaged ({exc}); run `ltgraph build` to rebuild it") from None
            items[slug] = DeltaItem(known.sha, entry, records, tokens, vectors)
        self._items = items
        return [items[s] for s in sorted(items)]


@dataclass
class BaseIndex:
    """The bulk index files of a full generation, as a delta composes them (a reader keeps
    this between deltas of one base, so that a change reloads only what changed)."""

    name: str
    records: list[IndexedPassage]
    vectors: VectorIndex
    #: Loaded on first use (a full generation searches with its saved BM25 indexes).
    tokens: list[Tokens] | None = None

    @classmethod
    def of(cls, path: Path, index: PassageIndex | None = None) -> BaseIndex:
        """The base index of a full generation; `index` when already loaded from `path`."""
        try:
            if index is not None and isinstance(index.vectors, VectorIndex):
                return cls(path.name, index.records, index.vectors)
            return cls(path.name, PassageIndex.load_records(path), VectorIndex.load(path))
        except (OSError, ValueError, TypeError) as exc:
            raise DataDirError(f"the search index of {path.name} is missing or damaged ({exc}); "
                               "run `ltgraph build` to rebuild it") from None


def load_index(generation: Generation, base: BaseIndex | None = None,
               delta: list[DeltaItem] | None = None) -> PassageIndex:
    """The search index of a generation; for a delta, the base's with the delta layered on
    (`base`, `delta`: the parts the caller has read already)."""
    expected = _expected(generation)
    if generation.is_full:
        return PassageIndex.load(generation.path, expected)
    if base is None or base.name != generation.base.name:
        base = BaseIndex.of(generation.base)
    if delta is None:
        delta = DeltaCache().read(generation, generation.catalog(), 1 << 30)
    records, vectors, tokens = _compose(generation, expected, base, delta)
    return PassageIndex.from_parts(records, vectors, tokens)


def load_vectors(generation: Generation) -> tuple[list[IndexedPassage], np.ndarray, list[Tokens]]:
    """Every passage of a generation with its vector, and the (hash, tokens) pairs it knows:
    what a full build reuses. The pairs are row-aligned except in a generation of data
    format 1 (one pair per distinct document): use them as a table, not by row."""
    expected = _expected(generation)
    if generation.is_full:
        try:
            records = PassageIndex.load_records(generation.path)
            vectors = np.load(generation.path / "vectors.npy")
            tokens = PassageIndex.load_tokens(generation.path)
        except (OSError, ValueError, TypeError) as exc:
            raise DataDirError(f"the search index of {generation.path.name} is damaged ({exc})") from None
        if not len(records) == len(vectors) == expected.passages:
            raise DataDirError(f"the search index of {generation.path.name} is damaged")
        return records, vectors, tokens
    delta = DeltaCache().read(generation, generation.catalog(), 1 << 30)
    records, layered, tokens = _compose(generation, expected, BaseIndex.of(generation.base), delta)
    return records, layered.vectors, tokens


def _expected(generation: Generation) -> IndexInfo:
    return generation.manifest.index_info()


def _compose(generation: Generation, expected: IndexInfo, base: BaseIndex,
             delta: list[DeltaItem]) -> tuple[list[IndexedPassage], LayeredVectors, list[Tokens]]:
    try:
        if base.tokens is None:
            base.tokens = PassageIndex.load_tokens(generation.base)
        base_records, base_vectors, base_tokens = base.records, base.vectors, base.tokens
        if not len(base_records) == base_vectors.size == len(base_tokens):
            raise ValueError(f"{len(base_records)} passages, {base_vectors.size} vectors and "
                             f"{len(base_tokens)} token rows in the base")
        deleted = generation.deleted
        keep = np.array([r.entry not in deleted for r in base_records], dtype=bool)
        records = [r for r, k in zip(base_records, keep, strict=True) if k]
        tokens = [t for t, k in zip(base_tokens, keep, strict=True) if k]
        matrices = []
        for item in delta:
            records += item.records
            tokens += item.tokens
            matrices.append(item.vectors)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise DataDirError(f"the search index of {generation.path.name} is missing or damaged "
                           f"({exc}); run `ltgraph build` to rebuild it") from None
    if len(records) != expected.passages:
        raise DataDirError(f"the search index of {generation.path.name} holds {len(records)} "
                           f"passages, the manifest says {expected.passages}; run `ltgraph build` "
                           "to rebuild it")
    delta_vectors = VectorIndex(np.concatenate(matrices)) if matrices else None
    return records, LayeredVectors(base_vectors, keep, delta_vectors), tokens
