"""Delta generations: a change writes only what changed, and reads back as a full build would."""

from __future__ import annotations

import numpy as np
import pytest

import ltgraph.curation.writer
import ltgraph.store.layers
from ltgraph.retrieval.vectors import LayeredVectors, VectorIndex
from ltgraph.retrieval.index import PassageIndex
from ltgraph.service import Service
from ltgraph.store.layers import DELTA_DIR
from ltgraph.store.generation import Generation

from .conftest import TINY_CORPUS, FakeEncoder
from .test_curation import GAMMA, snapshot

QUESTIONS = ["gamma rays", "worked examples", "what are the limitations of alpha theory",
             "who developed beta model", "Gus Gamma", "see the goal first"]


@pytest.fixture
def drafts(tmp_path):
    """Two new entries and a changed version of the tiny corpus's alpha-theory."""
    directory = tmp_path / "drafts"
    directory.mkdir()
    (directory / "gamma-theory.md").write_text(GAMMA)
    (directory / "delta-theory.md").write_text(GAMMA.replace("gamma-theory", "delta-theory")
                                        .replace("Gamma Theory", "Delta Theory"))
    alpha = (TINY_CORPUS / "alpha-theory.md").read_text()
    changed = alpha.replace("A worked example shows every step of a solution.",
                            "A worked example shows every step of a solution, and fades as skill grows.")
    assert changed != alpha
    (directory / "alpha-theory.md").write_text(changed)
    return directory


def observe(service: Service) -> dict:
    """Everything a reader can see: entries, triples, passages, search results, health."""
    graph = service.graph
    triples = sorted(str(t) for t in service.sparql("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"))
    state = service.snapshot()
    searches = {}
    for question in QUESTIONS:
        hits = service.search(question, k=8)["results"]
        searches[question] = sorted((h["passage_iri"], round(h["score"], 5)) for h in hits)
    health = service.health()
    return {
        "entries": {e.slug: e for e in service.entries()},
        "triples": triples,
        "count": len(graph),
        "passages": sorted((r.key, r.digest) for r in state.index.records),
        "searches": searches,
        "health": {k: v for k, v in health.items() if k != "generation"},
    }


def test_changes_compose_to_exactly_what_a_full_build_gives(service: Service, drafts) -> None:
    first = service.datadir.current_name()
    service.add([drafts / "gamma-theory.md"])
    service.add([drafts / "delta-theory.md"])
    service.add([drafts / "alpha-theory.md"], replace=True)  # a base entry, replaced
    service.remove("beta-model", force=True)          # a base entry; alpha's link is dropped
    service.remove("delta-theory")                    # an entry of the delta itself
    live = Generation.open(service.datadir.current())
    assert live.manifest.kind == "delta" and live.manifest.base == first
    assert live.deleted == {"alpha-theory", "beta-model"}
    assert live.delta_slugs() == ["alpha-theory", "gamma-theory"]
    composed = observe(service)
    assert all(composed["searches"].values())
    assert composed["health"]["consistent"] and all(ok for _, ok, _ in service.doctor())

    service.build()  # folds the delta into a new full generation
    assert Generation.open(service.datadir.current()).is_full
    rebuilt = observe(service)
    for key in composed:
        assert composed[key] == rebuilt[key], key


def test_a_change_reads_and_writes_nothing_of_the_other_entries(service: Service, drafts,
                                                                monkeypatch) -> None:
    base = service.datadir.current()
    before = snapshot(base)

    def forbidden(*args, **kwargs):
        raise AssertionError("a change must not load the whole corpus, graph or index")

    for module, name in [(ltgraph.curation.writer, "load_corpus"), (ltgraph.curation.writer, "load_vectors"),
                         (ltgraph.store.layers, "served_store"), (ltgraph.store.layers, "load_index")]:
        monkeypatch.setattr(module, name, forbidden)
    monkeypatch.setattr(PassageIndex, "load", forbidden)
    monkeypatch.setattr(PassageIndex, "load_records", forbidden)
    writer = Service(service.settings, encoder=FakeEncoder()).writer
    report = writer.add([drafts / "gamma-theory.md"])
    assert report.added == ["gamma-theory"] and report.embedded == 9
    writer.add([drafts / "alpha-theory.md"], replace_existing=True)  # reuses alpha's unchanged vectors
    monkeypatch.undo()

    live = service.datadir.current()
    files = sorted(str(p.relative_to(live)) for p in live.rglob("*") if p.is_file())
    assert files == [".lease", "catalog.json", *(f"delta/{s}{x}" for s in ("alpha-theory", "gamma-theory")
                                       for x in (".jsonl", ".md", ".npy", ".nt")), "manifest.json"]
    assert snapshot(base) == before  # the base generation is never modified
    assert service.health()["consistent"]


def test_unchanged_delta_files_are_hard_links_and_the_base_survives_collection(
        service: Service, drafts) -> None:
    base = service.datadir.current_name()
    service.add([drafts / "gamma-theory.md"])
    previous = service.datadir.current()
    service.add([drafts / "delta-theory.md"])
    live = service.datadir.current()
    for suffix in (".md", ".nt", ".jsonl", ".npy"):
        old, new = (g / DELTA_DIR / f"gamma-theory{suffix}" for g in (previous, live))
        assert old.stat().st_ino == new.stat().st_ino
    for _ in range(3):  # more generations than are kept: the base must stay
        service.add([drafts / "alpha-theory.md"], replace=True)
    names = sorted(p.name for p in service.datadir.generations.iterdir())
    assert base in names and len(names) == 3
    assert Service(service.settings, encoder=FakeEncoder()).health()["consistent"]


def test_doctor_finds_a_damaged_delta_and_build_repairs(service: Service, drafts) -> None:
    service.add([drafts / "gamma-theory.md"])
    live = service.datadir.current()
    np.save(live / DELTA_DIR / "gamma-theory.npy", np.zeros((2, 128), dtype=np.float32))
    rows = {check: (ok, detail) for check, ok, detail in
            Service(service.settings, encoder=FakeEncoder()).doctor()}
    assert rows["search index"][0] is False and "ltgraph build" in rows["search index"][1]
    service.build()
    assert all(ok for _, ok, _ in service.doctor())
    assert "gamma-theory" in {e.slug for e in service.entries()}


def test_a_missing_base_is_reported_with_the_repair(service: Service, drafts) -> None:
    import shutil

    base = service.datadir.current()
    service.add([drafts / "gamma-theory.md"])
    shutil.rmtree(base)
    fresh = Service(service.settings, encoder=FakeEncoder())
    rows = fresh.doctor()
    live = dict((check, (ok, detail)) for check, ok, detail in rows)["live generation"]
    assert live[0] is False and "missing" in live[1] and "ltgraph build" in live[1]
    fresh.build()  # the user's entry was in the delta, which is still there
    assert "gamma-theory" in {e.slug for e in fresh.entries()}


@pytest.mark.parametrize("hidden", [0.0, 0.3, 1.0])
def test_layered_vectors_search_like_one_flat_index(hidden: float) -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=(300, 16)).astype(np.float32)
    delta = rng.normal(size=(40, 16)).astype(np.float32)
    keep = rng.random(300) >= hidden
    layered = LayeredVectors(VectorIndex(base), keep, VectorIndex(delta))
    flat = VectorIndex(np.concatenate([base[keep], delta]))
    assert layered.size == flat.size and np.array_equal(layered.vectors, flat.vectors)
    for query in rng.normal(size=(20, 16)).astype(np.float32):
        got, want = layered.search(query, 10), flat.search(query, 10)
        assert [i for i, _ in got] == [i for i, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


def test_layered_vectors_over_an_hnsw_base_skip_hidden_rows() -> None:
    """A large corpus's base is an HNSW graph that a delta never rebuilds: its hidden rows
    must not come back, and the delta's vectors must be found."""
    rng = np.random.default_rng(5)
    base = rng.normal(size=(2000, 32)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    keep = rng.random(2000) >= 0.2
    delta = base[~keep][:50] * 1.0  # the hidden rows' own vectors, now as new rows
    layered = LayeredVectors(VectorIndex(base, hnsw=True), keep, VectorIndex(delta))
    assert layered.hnsw and layered.size == int(keep.sum()) + 50
    kept = int(keep.sum())
    for j, query in enumerate(delta[:20]):
        hits = layered.search(query, 5)
        assert hits[0] == (kept + j, pytest.approx(1.0, abs=1e-5))  # found in the delta
        assert all(row < layered.size for row, _ in hits)
    flat = VectorIndex(np.concatenate([base[keep], delta]))
    recall = np.mean([len({i for i, _ in layered.search(q, 10)} & {i for i, _ in flat.search(q, 10)}) / 10
                      for q in rng.normal(size=(50, 32)).astype(np.float32)])
    assert recall >= 0.9
