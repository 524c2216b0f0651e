"""The served graph of a generation, read from its files alone.

Light on purpose: it imports only pyoxigraph and the manifest reader, because the sandboxed
SPARQL query processes load it (each process's memory limit should go to queries, not to
numpy, FAISS or the model). `layers.served_store` is the same function for other readers.

A full generation's `graph.nt` is the served graph. A delta generation is its base's graph
minus the named graphs of the base entries it hides (from the base's `graph.nq`), plus the
statements in its `delta/{slug}.nt` files; everything is composed inside Oxigraph, and the
union is a set, so loading a delta's triples adds only what is new.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ltgraph.errors import DataDirError
from ltgraph.store.datadir import FULL, MANIFEST, Manifest

DELTA_DIR = "delta"


def load_served(path: Path, manifest: Manifest | None = None) -> ox.Store:
    """The served graph of the generation at `path`, in a fresh in-memory Oxigraph store."""
    manifest = manifest or Manifest.read(path / MANIFEST)
    base = path
    if manifest.kind != FULL:
        base = path.parent / str(manifest.base)
        if not (base / MANIFEST).is_file():
            raise DataDirError(f"generation {path.name} is a delta of {manifest.base}, which is "
                               "missing; run `ltgraph build` to repair")
    deleted = set(manifest.deleted) if manifest.kind != FULL else set()
    store = ox.Store()
    if not deleted:
        store.bulk_load(path=str(base / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    else:  # hidden base entries: drop their named graphs, then take the union of the rest
        store.bulk_load(path=str(base / "graph.nq"), format=ox.RdfFormat.N_QUADS)
        graphs = entry_graphs(store)
        for slug in deleted & graphs.keys():
            store.remove_graph(graphs[slug])
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        store.update("DROP NAMED")
    if manifest.kind != FULL:
        delta = b"".join(p.read_bytes() for p in sorted((path / DELTA_DIR).glob("*.nt")))
        if delta:
            store.bulk_load(delta, format=ox.RdfFormat.N_TRIPLES)
    return store


def entry_graphs(dataset: ox.Store) -> dict[str, ox.NamedNode]:
    """The entries' named graphs by slug (the last segment of `…/graph/{slug}`; the base IRI
    is whatever the generation was built with)."""
    return {g.value.rsplit("/", 1)[-1]: g for g in dataset.named_graphs()
            if isinstance(g, ox.NamedNode) and "/graph/" in g.value}
