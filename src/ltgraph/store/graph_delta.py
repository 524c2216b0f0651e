"""The graph server's named graphs of a generation: from all its statements, or from what a
delta changed.

The server holds each statement in exactly one named graph (`graph_server`): an entry's own
statements in its graph, those several entries make in the shared graph. Computed from every
statement of the generation (`generation_graphs`), that costs seconds per million statements
on every change. For a delta generation `delta_graphs` computes the same graphs from what the
delta changed:

- A base generation gets, on its first delta's push, an index of its entry graphs' statements
  (`graph-index.sqlite`: any statement's holders are a lookup away; SQLite, not an on-disk
  Oxigraph store, whose RocksDB threads hang a process forked after using one) and a summary
  of its graphs as the server holds them (`graph-summary.json`: each graph's digest, and the
  shared statements). Both are derived from the base's `graph.nq`, written once, beside it.
- A delta's statements that can change holders are those of the base graphs it hides and of
  its own graphs (the candidates). A candidate is shared when, after the change, two graphs
  hold it; a kept base graph whose candidate statements change from shared to its own or back
  is recomputed, as are the delta's graphs and the shared graph; every other graph is as in
  the base summary. A property test checks the result against the full computation.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ltgraph.rdf.iris import Iris
from ltgraph.store.manifest import FULL, MANIFEST, Manifest
from ltgraph.store.served import DELTA_DIR

INDEX, SUMMARY = "graph-index.sqlite", "graph-summary.json"


class _Index:
    """The statements of a base generation's entry graphs, by statement and by graph."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def graph(self, name: str) -> set[ox.Triple]:
        with closing(sqlite3.connect(self.path)) as db:
            return set(_parse_lines([r[0] for r in db.execute("SELECT t FROM q WHERE g = ?", (name,))]))

    def holders(self, triples: set[ox.Triple]) -> dict[ox.Triple, set[str]]:
        out: dict[ox.Triple, set[str]] = {t: set() for t in triples}
        keys = {str(t): t for t in triples}
        with closing(sqlite3.connect(self.path)) as db:
            for key, triple in keys.items():
                out[triple] = {r[0] for r in db.execute("SELECT g FROM q WHERE t = ?", (key,))}
        return out


@dataclass
class ServerGraphs:
    """A generation's named graphs as the server holds them: digests of all, contents on demand."""

    digests: dict[str, str]
    _known: dict[str, list[ox.Triple]] = field(default_factory=dict)
    _index: _Index | None = None
    _shared: set[ox.Triple] = field(default_factory=set)

    def content(self, name: str) -> list[ox.Triple]:
        """The statements of graph `name` (sorted as `digest` sorts them)."""
        if name not in self._known:  # an unaffected base graph: its own statements, unshared
            assert self._index is not None
            self._known[name] = sorted(self._index.graph(name) - self._shared, key=str)
        return self._known[name]


def server_graphs(path: Path) -> ServerGraphs:
    """The generation's named graphs as the server holds them; a delta's computed from what it
    changed, a full one's from all its statements."""
    if Manifest.read(path / MANIFEST).kind != FULL:
        return delta_graphs(path)
    graphs = generation_graphs(path)
    return ServerGraphs({name: digest(triples) for name, triples in graphs.items()}, dict(graphs))


def delta_graphs(path: Path) -> ServerGraphs:
    """The server's graphs of the delta generation at `path`, from its changes (see above)."""
    manifest = Manifest.read(path / MANIFEST)
    assert manifest.kind != FULL
    base = path.parent / str(manifest.base)
    index, base_digests, base_shared_lines = _base_index(base)
    shared_iri = Iris(manifest.base_iri).shared_graph
    prefix = f"{manifest.base_iri}graph/"
    hidden = {prefix + slug for slug in manifest.deleted}
    delta = {prefix + file.stem: set(_triples(file)) for file in sorted((path / DELTA_DIR).glob("*.nt"))}
    base_shared = set(_parse_lines(base_shared_lines))
    candidates: set[ox.Triple] = set()
    for name in hidden:
        candidates |= index.graph(name)
    for triples in delta.values():
        candidates |= triples
    shared = base_shared - candidates  # no hidden or delta graph holds these: holders unchanged
    affected = set(delta)
    for triple, in_base in index.holders(candidates).items():
        holders = (in_base - hidden) | {name for name, triples in delta.items() if triple in triples}
        now = len(holders) >= 2
        if now:
            shared.add(triple)
        if now != (triple in base_shared):
            affected |= holders - set(delta)
    digests = {name: sha for name, sha in base_digests.items()
               if name not in hidden and name != shared_iri}
    graphs = ServerGraphs(digests, _index=index, _shared=shared)
    for name in sorted(affected):
        own = delta[name] if name in delta else index.graph(name)
        graphs._known[name] = sorted(own - shared, key=str)
        digests[name] = digest(graphs._known[name])
    if shared:
        graphs._known[shared_iri] = sorted(shared, key=str)
        digests[shared_iri] = digest(graphs._known[shared_iri])
    return graphs


def _base_index(base: Path) -> tuple[_Index, dict[str, str], list[str]]:
    """The base's statement index and graph summary, made on first use."""
    index_file, summary_file = base / INDEX, base / SUMMARY
    if not index_file.is_file() or not summary_file.is_file():
        graphs = _named_graphs(base / "graph.nq")
        staging = base / (INDEX + ".tmp")
        staging.unlink(missing_ok=True)
        with closing(sqlite3.connect(staging)) as db:
            db.execute("CREATE TABLE q (t TEXT NOT NULL, g TEXT NOT NULL)")
            db.executemany("INSERT INTO q VALUES (?, ?)",
                           ((str(t), name) for name, triples in graphs.items() for t in triples))
            db.execute("CREATE INDEX q_t ON q (t)")
            db.execute("CREATE INDEX q_g ON q (g)")
            db.commit()
        os.replace(staging, index_file)
        manifest = Manifest.read(base / MANIFEST)
        shared_iri = Iris(manifest.base_iri).shared_graph
        served = share(graphs, shared_iri)
        summary = {"digests": {name: digest(triples) for name, triples in served.items()},
                   "shared": [str(t) for t in served.get(shared_iri, [])]}
        staged = base / (SUMMARY + ".tmp")
        staged.write_text(json.dumps(summary), "utf-8")
        os.replace(staged, summary_file)
    data = json.loads(summary_file.read_text("utf-8"))
    return _Index(index_file), {str(k): str(v) for k, v in data["digests"].items()}, \
        [str(t) for t in data["shared"]]


def generation_graphs(path: Path) -> dict[str, list[ox.Triple]]:
    """The named graphs a generation serves (graph IRI -> its triples, each statement in one
    of them), computed from all its statements, from its files alone."""
    manifest = Manifest.read(path / MANIFEST)
    base = path if manifest.kind == FULL else path.parent / str(manifest.base)
    graphs = _named_graphs(base / "graph.nq")
    if manifest.kind != FULL:
        hidden = set(manifest.deleted)  # (entry graphs by their last segment: `served.entry_graphs`)
        graphs = {name: triples for name, triples in graphs.items()
                  if not ("/graph/" in name and name.rsplit("/", 1)[-1] in hidden)}
        prefix = f"{manifest.base_iri}graph/"
        for file in sorted((path / DELTA_DIR).glob("*.nt")):
            graphs[prefix + file.stem] = _triples(file)
    return share(graphs, Iris(manifest.base_iri).shared_graph)


def share(graphs: dict[str, list[ox.Triple]], shared: str) -> dict[str, list[ox.Triple]]:
    """The graphs with every statement that is in more than one of them moved to `shared`:
    a union default graph then holds each statement once on any server."""
    holders: dict[ox.Triple, int] = {}
    for triples in graphs.values():
        for triple in set(triples):
            holders[triple] = holders.get(triple, 0) + 1
    out = {name: sorted({t for t in triples if holders[t] == 1}, key=str)
           for name, triples in graphs.items()}
    common = sorted((t for t, n in holders.items() if n > 1), key=str)
    if common:
        out[shared] = common
    return out


def digest(triples: Iterable[ox.Triple]) -> str:
    """Order-independent digest of a graph's triples."""
    lines = sorted(str(t) for t in triples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _named_graphs(nquads: Path) -> dict[str, list[ox.Triple]]:
    """A full generation's entry graphs (graph IRI -> triples) from its `graph.nq`."""
    graphs: dict[str, list[ox.Triple]] = {}
    for quad in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.NamedNode):  # every statement is in a named graph
            graphs.setdefault(quad.graph_name.value, []).append(quad.triple)
    return graphs


def _triples(file: Path) -> list[ox.Triple]:
    # (as triples: parsing yields quads in the default graph, which never equal a base graph's
    # triples, so a statement a delta entry shared with a base one went unshared)
    return [q.triple for q in ox.parse(path=str(file), format=ox.RdfFormat.N_TRIPLES)]


def _parse_lines(lines: list[str]) -> list[ox.Triple]:
    if not lines:
        return []
    text = "".join(f"{line} .\n" for line in lines)
    return [q.triple for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]
