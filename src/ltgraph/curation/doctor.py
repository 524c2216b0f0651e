"""`ltgraph doctor`: whether corpus, catalog, graph and indexes of the live generation agree.

Each check returns a row (check, passed, detail); every failure's detail says how to repair
(`ltgraph build` always does). A delta generation is checked as readers see it: composed
from its base and its delta files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pyoxigraph as ox

from ltgraph.corpus import corpus_hash, load_corpus
from ltgraph.errors import DataDirError, ValidationError
from ltgraph.rdf.iris import Iris
from ltgraph.rdf.ontology import LTG
from ltgraph.store.datadir import DataDir
from ltgraph.store.generation import Generation
from ltgraph.store.layers import load_index, served_store

Row = tuple[str, bool, str]
REPAIR = "run `ltgraph build` to repair"


def diagnose(datadir: DataDir, iris: Iris, model: str, sources: list[Path],
             max_entry_bytes: int) -> list[Row]:
    """Every check of the live generation, in order; stops early only when there is none."""
    try:
        live = Generation.open(datadir.current())
        catalog = live.catalog()
        base = live.base
    except DataDirError as exc:
        return [("live generation", False, str(exc))]
    manifest = live.manifest
    rows: list[Row] = [("live generation", True, live.path.name if live.is_full else
                        f"{live.path.name} ({len(live.delta_slugs())} entries changed since "
                        f"{base.name}, {len(live.deleted)} of its entries hidden)")]
    rows.append(_corpus(live, catalog.entries.keys(), max_entry_bytes))
    keys = set()
    try:
        store = served_store(live)
        triples = len(store)
        if live.is_full:
            union = _union_size(live.path)
            ok = triples == manifest.triples == union
            detail = (f"{triples} triples" if ok else f"{triples} triples served, {union} in the "
                      f"entry graphs, manifest says {manifest.triples}; {REPAIR}")
        else:  # the base's own files must still agree with each other
            served, union = _served_size(base), _union_size(base)
            expected = Generation.open(base).manifest.triples
            ok = served == union == expected
            detail = (f"{triples} triples" if ok else f"the base {base.name} serves {served} "
                      f"triples, {union} in its entry graphs, its manifest says {expected}; {REPAIR}")
        rows.append(("graph", ok, detail))
        solutions = store.query(f"SELECT ?p WHERE {{ ?p a <{LTG.Passage}> }}")
        assert isinstance(solutions, ox.QuerySolutions)
        keys = {s["p"].value for s in solutions}
    except (OSError, SyntaxError, ValueError) as exc:
        rows.append(("graph", False, f"unreadable graph ({exc}); {REPAIR}"))
    try:
        index = load_index(live)
        indexed = {f"{iris.base}id/theory/{r.key}" for r in index.records}
        ok = (keys == indexed and index.keywords.size == len(index.records) == index.vectors.size
              == catalog.passages)
        rows.append(("search index", ok, f"{len(indexed)} passages, vectors and keyword documents"
                     if ok else f"{len(keys)} passages in the graph, {len(indexed)} indexed, "
                     f"{index.vectors.size} vectors, {index.keywords.size} keyword documents, "
                     f"{catalog.passages} in the catalog; {REPAIR}"))
    except (DataDirError, TypeError) as exc:
        rows.append(("search index", False, f"{exc}" if "ltgraph build" in str(exc) else f"{exc}; {REPAIR}"))
    built_with = manifest.model or "?"
    rows.append(("model", built_with == model, built_with if built_with == model else
                 f"index built with {built_with!r}, configured {model!r}; {REPAIR}"))
    fresh = corpus_hash(sources) == manifest.corpus_hash
    rows.append(("sources", fresh, "up to date" if fresh else
                 f"the bundled corpus changed since this generation was built; {REPAIR}"))
    return rows


def _corpus(live: Generation, catalogued: Iterable[str], max_entry_bytes: int) -> Row:
    files = live.entry_files()
    try:
        entries = load_corpus(files, max_entry_bytes)
    except ValidationError as exc:
        return ("corpus", False, f"{exc}: {'; '.join(exc.problems[:3])}; {REPAIR}")
    manifest = live.manifest
    ok = (len(entries) == manifest.entries and corpus_hash(files) == manifest.corpus_hash
          and {e.slug for e in entries} == set(catalogued))
    return ("corpus", ok, f"{len(entries)} entries" if ok else
            f"{len(entries)} entries / hash / catalog differ from the manifest; {REPAIR}")


def _served_size(full: Path) -> int:
    store = ox.Store()
    store.bulk_load(path=str(full / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
    return len(store)


def _union_size(full: Path) -> int:
    """Distinct triples of a full generation's entry graphs (graph.nq)."""
    dataset = ox.Store()
    dataset.bulk_load(path=str(full / "graph.nq"), format=ox.RdfFormat.N_QUADS)
    triples = dataset.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
                            use_default_graph_as_union=True)
    assert isinstance(triples, ox.QueryTriples)
    return len(set(triples))  # the union may repeat a statement several graphs hold
