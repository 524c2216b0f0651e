"""What `pg_index.push` copies of a published generation, read from its data directory: all of
a full one (a delta composed), or only a delta's own entries with what it hides of its base."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ltgraph.errors import DataDirError
from ltgraph.retrieval.index import IndexedPassage
from ltgraph.store.manifest import Manifest
from ltgraph.store.served import DELTA_DIR

if TYPE_CHECKING:
    from ltgraph.store.generation import Generation


@dataclass
class Parts:
    """What `push` copies of one generation: for a full one everything; for a delta only
    its own entries (`base` names the full generation it hides `hidden` entries of)."""

    manifest: Manifest
    #: Entry files by slug.
    sources: dict[str, bytes]
    #: N-Triples of each named graph by its last IRI segment (an entry's slug, "ontology").
    graph: dict[str, bytes]
    records: list[IndexedPassage]
    vectors: np.ndarray
    #: Keyword tokens per record.
    tokens: list[list[str]]
    #: When each entry's file last changed (slug -> Unix time), for the whole generation.
    changed: dict[str, float] = field(default_factory=dict)
    base: str | None = None
    hidden: list[str] = field(default_factory=list)
    #: The tokens of the hidden base passages, by entry (df and length adjustments).
    hidden_tokens: dict[str, list[list[str]]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.manifest.generation


def generation_parts(path: Path) -> Parts:
    """Everything `push` copies of the published generation at `path` (a delta composed)."""
    from ltgraph.store.generation import Generation
    from ltgraph.store.layers import load_vectors

    generation = Generation.open(path)
    records, vectors, tokens = load_vectors(generation)
    sources = {p.stem: p.read_bytes() for p in generation.entry_files()}
    graph = {part: data for part, data in graph_parts(generation.base / "graph.nq").items()
             if part not in generation.deleted}
    graph.update(_delta_graph(generation))
    return Parts(generation.manifest, sources, graph, records, vectors, [t for _, t in tokens],
                 _changed(generation))


def delta_parts(generation: Generation) -> Parts:
    """A delta generation's own entries, and the tokens of the base passages it hides."""
    from ltgraph.store.generation import Generation
    from ltgraph.store.layers import read_delta_passages

    directory = generation.path / DELTA_DIR
    records: list[IndexedPassage] = []
    tokens: list[list[str]] = []
    matrices = []
    for slug in generation.delta_slugs():
        own, words, vectors = read_delta_passages(directory, slug)
        records += own
        tokens += [t for _, t in words]
        matrices.append(vectors)
    dim = generation.manifest.index_info().dim
    base = Generation.open(generation.base)
    rows = {slug: base.catalog().entries[slug].rows or (0, 0) for slug in sorted(generation.deleted)}
    return Parts(generation.manifest,
                 {slug: (directory / f"{slug}.md").read_bytes() for slug in generation.delta_slugs()},
                 _delta_graph(generation), records,
                 np.concatenate(matrices) if matrices else np.zeros((0, dim), dtype=np.float32),
                 tokens, _changed(generation), base.path.name, sorted(generation.deleted),
                 _base_tokens(base.path / "tokens.jsonl", rows))


def _changed(generation: Generation) -> dict[str, float]:
    return {slug: e.changed for slug, e in generation.catalog().entries.items() if e.changed is not None}


def _delta_graph(generation: Generation) -> dict[str, bytes]:
    return {slug: (generation.path / DELTA_DIR / f"{slug}.nt").read_bytes()
            for slug in generation.delta_slugs()}


def graph_parts(nquads: Path) -> dict[str, bytes]:
    """A full generation's `graph.nq` split into N-Triples per named graph (by its last IRI
    segment). Oxigraph writes one quad per line, its graph name last."""
    parts: dict[str, list[bytes]] = {}
    with open(nquads, "rb") as handle:
        for line in handle:
            statement = line.rstrip()
            if not statement or statement.startswith(b"#"):
                continue
            triple, _, graph = statement[:-1].rstrip().rpartition(b" ")
            if not graph.startswith(b"<") or not graph.endswith(b">"):
                raise DataDirError(f"{nquads}: a statement outside the entries' named graphs")
            parts.setdefault(graph[1:-1].rsplit(b"/", 1)[-1].decode("utf-8"), []).append(triple + b" .\n")
    return {part: b"".join(lines) for part, lines in parts.items()}


def _base_tokens(path: Path, rows: dict[str, tuple[int, int]]) -> dict[str, list[list[str]]]:
    """The keyword tokens of the base rows [start, stop) of each entry (one pass over the file)."""
    owner = {row: slug for slug, (start, stop) in rows.items() for row in range(start, stop)}
    out: dict[str, list[list[str]]] = {slug: [] for slug in rows}
    if not owner:
        return out
    last = max(owner)
    with open(path, encoding="utf-8") as handle:
        for row, line in enumerate(handle):
            if row in owner:
                out[owner[row]].append(json.loads(line)[1])
            if row >= last:
                break
    return out
