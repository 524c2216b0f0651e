"""Curation: add, update, remove, new, doctor — atomic, validated, incremental (fake encoder)."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from filelock import FileLock

from ltgraph.cli import cli
from ltgraph.errors import CorpusError, DataDirError, NotFoundError, ValidationError
from ltgraph.service import Service

from .conftest import FakeEncoder, entry_text, select

pytestmark = pytest.mark.backends  # each test on the embedded store and on the servers

GAMMA = entry_text().replace("alpha-theory", "gamma-theory").replace("Alpha Theory", "Gamma Theory") \
    .replace("Alphaism", "Gammaism").replace("{id: beta-model, relation: relatedTo}",
                                             "{id: alpha-theory, relation: contrastsWith}") \
    .replace("Ada Example", "Gus Gamma").replace("worked examples", "gamma rays")


def snapshot(root: Path) -> dict[str, str]:
    """Every file of the data directory with a hash of its bytes."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "lock"}


@pytest.fixture
def gamma(tmp_path: Path) -> Path:
    path = tmp_path / "drafts" / "gamma-theory.md"
    path.parent.mkdir()
    path.write_text(GAMMA)
    return path


def test_add_search_query_remove_round_trip(service: Service, gamma: Path) -> None:
    before = service.health()
    report = service.add([gamma])
    assert report.added == ["gamma-theory"] and report.embedded == 9
    hits = service.search("Gus Gamma gamma rays", k=3)["results"]
    assert hits[0]["theory"] == "gamma-theory"
    rows = select(service, "SELECT ?n WHERE { <https://w3id.org/ltgraph/id/theory/gamma-theory> "
                           "ltg:developedBy/rdfs:label ?n }")
    assert {r["n"] for r in rows} == {"Gus Gamma", "John Dewey"}
    # the symmetric relation is stated both ways
    assert bool(service.sparql("ASK { <https://w3id.org/ltgraph/id/theory/alpha-theory> ltg:contrastsWith "
                               "<https://w3id.org/ltgraph/id/theory/gamma-theory> }"))
    assert service.health()["consistent"]
    service.remove("gamma-theory")
    assert all(h["theory"] != "gamma-theory" for h in service.search("Gus Gamma gamma rays", k=20)["results"])
    assert select(service, "SELECT ?p ?o WHERE { <https://w3id.org/ltgraph/id/person/gus-gamma> ?p ?o }") == []
    # John Dewey is still referenced by the other entries, so he stays
    assert select(service, "SELECT ?o WHERE { <https://w3id.org/ltgraph/id/person/john-dewey> ?p ?o }")
    after = service.health()
    assert (after["triples"], after["passages"], after["vectors"]) == \
        (before["triples"], before["passages"], before["vectors"])


def test_cli_add_then_search_and_sparql_then_remove(settings, gamma: Path, fake_encoder) -> None:
    runner = CliRunner()
    base = ["--data-dir", str(settings.data_dir), "--corpus-dir", str(settings.corpus_dir)]
    assert runner.invoke(cli, [*base, "build"], obj={}).exit_code == 0
    added = runner.invoke(cli, [*base, "add", str(gamma)], obj={})
    assert added.exit_code == 0, added.output
    assert "added gamma-theory" in added.output
    found = runner.invoke(cli, [*base, "search", "Gus Gamma", "--json"], obj={})
    assert '"theory": "gamma-theory"' in found.stdout
    query = "SELECT ?l WHERE { <https://w3id.org/ltgraph/id/theory/gamma-theory> rdfs:label ?l }"
    assert "Gamma Theory" in runner.invoke(cli, [*base, "sparql", query], obj={}).output
    removed = runner.invoke(cli, [*base, "remove", "gamma-theory"], obj={})
    assert removed.exit_code == 0 and "removed gamma-theory" in removed.output
    assert "(0 rows)" in runner.invoke(cli, [*base, "sparql", query], obj={}).output
    assert '"gamma-theory"' not in runner.invoke(cli, [*base, "search", "Gus Gamma", "--json"], obj={}).stdout


def test_replace_changes_text_and_vectors(service: Service, gamma: Path) -> None:
    service.add([gamma])
    state = service.snapshot()
    row = next(i for i, r in enumerate(state.index.records)
               if r.entry == "gamma-theory" and r.kind == "strength")
    old_vector = state.index.vectors.vectors[row].copy()
    gamma.write_text(GAMMA.replace("Learners start quickly because they see the goal first.",
                                   "Learners in orbit finish sooner with telescopes."))
    report = service.add([gamma], replace=True)
    assert report.replaced == ["gamma-theory"] and report.embedded == 1
    state = service.snapshot()
    row = next(i for i, r in enumerate(state.index.records)
               if r.entry == "gamma-theory" and r.kind == "strength")
    assert "telescopes" in state.index.records[row].text
    assert not np.allclose(state.index.vectors.vectors[row], old_vector)
    texts = " ".join(r.text for r in state.index.records)
    assert "see the goal first" in texts  # alpha-theory still has it
    assert select(service, "SELECT ?d WHERE { ?s dcterms:description ?d FILTER CONTAINS(?d, 'telescopes') }")
    assert service.health()["consistent"]


def test_add_refuses_existing_slug_and_update_refuses_missing(service: Service, gamma: Path, tmp_path) -> None:
    with pytest.raises(CorpusError, match="already exists; use `ltgraph update`"):
        service.add([service.settings.corpus_dir / "alpha-theory.md"])
    with pytest.raises(CorpusError, match="no entry 'gamma-theory' to replace"):
        service.add([gamma], replace=True)


BAD = {
    "malformed yaml": lambda t: t.replace("name: Gamma Theory", "name: [Gamma"),
    "missing field": lambda t: t.replace("type: theory\n", ""),
    "empty section": lambda t: t.replace("A worked example shows every step of a solution.", "")
                                .replace("### Worked example\n", ""),
    "unknown relation": lambda t: t.replace("relation: contrastsWith", "relation: hates"),
    "unknown related slug": lambda t: t.replace("{id: alpha-theory, relation: contrastsWith}",
                                                "{id: omega-theory, relation: contrastsWith}"),
    "path trick slug": lambda t: t.replace("id: gamma-theory", "id: ../../etc/passwd"),
    "uppercase slug": lambda t: t.replace("id: gamma-theory", "id: Gamma"),
    "reserved id": lambda t: t.replace("id: gamma-theory", "id: ontology"),
    "placeholder": lambda t: t.replace("A worked example shows every step", "TODO: write"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_input_is_refused_and_nothing_is_written(service: Service, gamma: Path, name: str) -> None:
    gamma.write_text(BAD[name](GAMMA))
    before = snapshot(service.settings.data_dir)
    with pytest.raises((CorpusError, ValidationError)) as info:
        service.add([gamma])
    message = str(info.value) + " ".join(getattr(info.value, "problems", []))
    assert "gamma-theory.md" in message
    if name == "reserved id":
        assert "'ontology' is reserved" in message
    assert snapshot(service.settings.data_dir) == before


@pytest.mark.parametrize("content,message", [
    (b"\x00\x01binary\x00", "binary"),
    ("---\nid: caf\xe9\n".encode("latin-1"), "not valid UTF-8"),
    (b"---\n" + b"x" * 300_000, "over the limit"),
])
def test_unreadable_files_are_refused(service: Service, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "weird.md"
    path.write_bytes(content)
    before = snapshot(service.settings.data_dir)
    with pytest.raises(ValidationError) as info:
        service.add([path])
    assert any(message in p and "weird.md" in p for p in info.value.problems)
    assert snapshot(service.settings.data_dir) == before


def test_duplicate_ids_within_one_change_are_refused(service: Service, gamma: Path) -> None:
    twin = gamma.parent / "copy" / "gamma-theory.md"
    twin.parent.mkdir()
    twin.write_text(GAMMA)
    with pytest.raises(ValidationError, match="nothing was changed") as info:
        service.add([gamma, twin])
    assert any("also used by another file" in p for p in info.value.problems)


def test_several_files_are_one_transaction(service: Service, gamma: Path) -> None:
    bad = gamma.with_name("delta-theory.md")
    bad.write_text(BAD["unknown relation"](GAMMA).replace("gamma-theory", "delta-theory"))
    before = snapshot(service.settings.data_dir)
    with pytest.raises(ValidationError):
        service.add([gamma, bad])
    assert snapshot(service.settings.data_dir) == before


def test_html_in_names_is_stored_as_text(service: Service, gamma: Path) -> None:
    gamma.write_text(GAMMA.replace("name: Gamma Theory", 'name: "Gamma <script>alert(1)</script>"'))
    service.add([gamma])
    assert service.entry("gamma-theory").name == "Gamma <script>alert(1)</script>"
    from ltgraph.web.app import create_app

    app = create_app(service.settings, service)
    page = app.test_client().get("/id/theory/gamma-theory", headers={"Accept": "text/html"}).data
    assert b"<script>alert(1)</script>" not in page and b"&lt;script&gt;" in page


def test_dry_run_reports_and_writes_nothing(service: Service, gamma: Path) -> None:
    before = snapshot(service.settings.data_dir)
    report = service.add([gamma], dry_run=True)
    assert report.dry_run and report.added == ["gamma-theory"] and report.entries == 3
    assert snapshot(service.settings.data_dir) == before


def test_remove_refuses_related_entries_unless_forced(service: Service) -> None:
    with pytest.raises(ValidationError, match="beta-model relate"):
        service.remove("alpha-theory")
    with pytest.raises(NotFoundError):
        service.remove("nowhere")
    report = service.remove("alpha-theory", force=True)
    assert report.removed == ["alpha-theory"] and report.replaced == ["beta-model"]
    assert service.entry("beta-model").related == ()
    assert select(service, "SELECT ?s WHERE { ?s ?p <https://w3id.org/ltgraph/id/theory/alpha-theory> }") == []
    assert select(service, "SELECT ?o WHERE { <https://w3id.org/ltgraph/id/person/ada-example> ?p ?o }") == []
    assert service.health()["consistent"]
    # a rebuild keeps the removal and the rewritten entry (they are part of the data directory)
    service.build()
    assert [e.slug for e in service.entries()] == ["beta-model"]


def test_new_writes_a_template_that_does_not_validate_until_edited(tmp_path: Path, settings) -> None:
    runner = CliRunner()
    target = tmp_path / "gamification-beta.md"
    result = runner.invoke(cli, ["new", "Gamification <Beta>", "--type", "model", "-o", str(target)], obj={})
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert 'name: "Gamification <Beta>"' in text and "type: model" in text and "<!--" in text
    again = runner.invoke(cli, ["new", "Gamification", "-o", str(target)], obj={})
    assert again.exit_code == 1 and "already exists" in again.output
    base = ["--data-dir", str(settings.data_dir), "--corpus-dir", str(settings.corpus_dir)]
    runner.invoke(cli, [*base, "build"], obj={})
    refused = runner.invoke(cli, [*base, "add", str(target)], obj={})
    assert refused.exit_code == 1 and "placeholder text (TODO)" in refused.output


def test_doctor_finds_damage_and_build_repairs(service: Service) -> None:
    assert all(ok for _, ok, _ in service.doctor())
    current = service.datadir.current()
    (current / "passages.jsonl").write_text("")
    rows = {check: (ok, detail) for check, ok, detail in service.doctor()}
    assert rows["search index"][0] is False and "ltgraph build" in rows["search index"][1]
    runner = CliRunner()
    base = ["--data-dir", str(service.settings.data_dir), "--corpus-dir", str(service.settings.corpus_dir)]
    result = runner.invoke(cli, [*base, "doctor"], obj={})
    assert result.exit_code == 1 and "FAIL" in result.output and "ltgraph build" in result.output
    service.build()
    assert all(ok for _, ok, _ in service.doctor())


def test_second_writer_waits_then_fails_clearly(settings, gamma: Path) -> None:
    from dataclasses import replace

    service = Service(replace(settings, lock_timeout=0.5), encoder=FakeEncoder())
    service.build()
    before = snapshot(settings.data_dir)
    with FileLock(str(settings.data_dir / "lock")):
        started = time.monotonic()
        with pytest.raises(DataDirError, match="another ltgraph process is writing"):
            service.add([gamma])
        assert time.monotonic() - started >= 0.5
    assert snapshot(settings.data_dir) == before
    service.add([gamma])  # the lock is free again


def test_a_dry_run_neither_waits_for_a_writer_nor_lets_its_generation_be_cleaned_up(settings, gamma: Path) -> None:
    """A dry run writes nothing, so it takes no lock: with another writer holding it, `add
    --dry-run` and `remove --dry-run` report at once (a real change would wait, then fail), and
    the generation they read is leased, so clean-up keeps it."""
    from dataclasses import replace

    from ltgraph.store.datadir import _unleased, turn

    service = Service(replace(settings, lock_timeout=0.5), encoder=FakeEncoder())
    service.build()
    before = snapshot(settings.data_dir)
    with FileLock(str(settings.data_dir / "lock")):
        report = service.add([gamma], dry_run=True)
        assert report.dry_run and report.entries == len(service.snapshot().by_slug) + 1
        slug = sorted(service.snapshot().by_slug)[0]
        assert service.remove(slug, force=True, dry_run=True).dry_run
        with pytest.raises(DataDirError, match="another ltgraph process is writing"):
            service.add([gamma])
    assert snapshot(settings.data_dir) == before
    service.reader.close()  # (the service's own reader leases the live generation too)
    live = service.datadir.current()
    assert _unleased(live)
    with turn(service.datadir, "ltgraph add", None, dry_run=True) as leases:
        service.writer._require_live(leases)
        assert not _unleased(live)  # a writer's clean-up would skip it
    assert _unleased(live)  # released with the turn


def test_concurrent_writers_are_serialised(settings, gamma: Path) -> None:
    """Two processes add different entries at the same time: both land, in some order."""
    Service(settings, encoder=FakeEncoder()).build()
    delta = gamma.with_name("delta-theory.md")
    delta.write_text(GAMMA.replace("gamma-theory", "delta-theory").replace("Gamma Theory", "Delta Theory"))
    pids = []
    for path in (gamma, delta):
        pid = os.fork()
        if pid == 0:  # child: one writer
            code = 1
            try:
                Service(settings, encoder=FakeEncoder()).add([path])
                code = 0
            finally:
                os._exit(code)
        pids.append(pid)
    codes = [os.waitpid(pid, 0)[1] for pid in pids]
    assert codes == [0, 0]
    service = Service(settings, encoder=FakeEncoder())
    assert {"gamma-theory", "delta-theory"} <= {e.slug for e in service.entries()}
    assert service.health()["consistent"]


def fork_add(settings, path: Path) -> int:
    """Run `Service.add` (what `ltgraph add` runs) in a forked child; return its pid."""
    # (ltgraph imports bm25s with DISABLE_TQDM: tqdm's process-shared lock, taken by every
    # progress bar, would hang this process if a child were killed holding it.)
    pid = os.fork()
    if pid == 0:
        try:
            Service(settings, encoder=FakeEncoder()).add([path])
        finally:
            os._exit(0)
    return pid


@pytest.mark.embedded_only("kills between the data directory's publish and the servers' push are "
                            "test_pg_index.test_a_writer_killed_at_any_point_leaves_whole_stores")
def test_sigkill_during_add_leaves_old_or_new_state(settings, gamma: Path) -> None:
    """Fault injection: a writer killed with SIGKILL at random moments, 60 times."""
    service = Service(settings, encoder=FakeEncoder())
    service.build()
    acknowledged = gamma.with_name("kept-theory.md")
    acknowledged.write_text(GAMMA.replace("gamma-theory", "kept-theory").replace("Gamma Theory", "Kept Theory"))
    service.add([acknowledged])
    # how long an add takes in a fresh process (as in the trials), to spread the kills over it
    durations = []
    for _ in range(2):
        started = time.monotonic()
        os.waitpid(fork_add(settings, gamma), 0)
        durations.append(time.monotonic() - started)
        Service(settings, encoder=FakeEncoder()).remove("gamma-theory")
    duration = max(durations)
    rng = random.Random(7)
    outcomes = {"old": 0, "new": 0}
    for trial in range(60):
        pid = fork_add(settings, gamma)
        time.sleep(rng.uniform(0, duration * 1.4))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        check = Service(settings, encoder=FakeEncoder())
        slugs = {e.slug for e in check.entries()}
        assert "kept-theory" in slugs, trial  # an acknowledged change is never lost
        assert all(ok for _, ok, _ in check.doctor()), (trial, check.doctor())
        assert check.health()["consistent"], trial
        if "gamma-theory" in slugs:
            outcomes["new"] += 1
            check.remove("gamma-theory")
        else:
            outcomes["old"] += 1
    assert outcomes["old"] > 0 and outcomes["new"] > 0, outcomes


def test_a_killed_writers_staging_directory_is_cleared_by_the_next_writer(service: Service,
                                                                           gamma: Path) -> None:
    abandoned = service.datadir.generations / ".staging-g000099-1-abcd"
    (abandoned / "delta").mkdir(parents=True)
    (abandoned / "delta" / "half.nq").write_text("<a> <b> ")
    service.add([gamma])
    assert not abandoned.exists()
    assert service.health()["consistent"]


@pytest.mark.embedded_only("the data directory's format; readers of PostgreSQL never read it")
def test_a_build_over_an_older_data_format_keeps_the_users_entries(service: Service, gamma: Path) -> None:
    """Upgrading ltgraph: the live generation is of an earlier data format; the rebuild that
    readers ask for must carry over what the user added and removed."""
    import json

    service.add([gamma])
    service.remove("beta-model", force=True)
    service.build()
    manifest_path = service.datadir.current() / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 1
    manifest_path.write_text(json.dumps(manifest))
    fresh = Service(service.settings, encoder=FakeEncoder())
    assert fresh.is_stale()
    with pytest.raises(DataDirError, match="data format 1"):
        fresh.health()
    report = fresh.build()
    assert report.embedded == 0  # the old generation's vectors are reused
    assert {e.slug for e in fresh.entries()} == {"alpha-theory", "gamma-theory"}
    assert all(ok for _, ok, _ in fresh.doctor())


def test_a_writer_says_it_is_waiting_for_the_lock(service: Service, gamma: Path) -> None:
    """Another writer holds the lock: the change says so at once, then goes ahead."""
    import threading

    heard: list[str] = []
    released = threading.Event()
    lock = service.datadir.lock()
    lock.acquire()

    def on_wait(message: str) -> None:
        heard.append(message)
        lock.release()  # the other writer finishes
        released.set()

    service.writer.on_wait = on_wait
    report = service.add([gamma])
    assert released.is_set() and report.added == ["gamma-theory"]
    assert "another ltgraph process is writing" in heard[0] and "LTGRAPH_LOCK_TIMEOUT" in heard[0]


def test_a_build_announces_the_one_time_model_preparation(settings, monkeypatch) -> None:
    encoder = FakeEncoder()
    encoder.needs_preparation = lambda: True  # as an ONNX encoder before its first export
    stages: list[tuple[str, int, int]] = []
    Service(settings, encoder=encoder).build(progress=lambda s, d, t: stages.append((s, d, t)))
    names = [s for s, _, _ in stages]
    assert any(s.startswith("preparing the model") for s in names)
    assert names.index(next(s for s in names if s.startswith("preparing"))) < names.index("embedded")
    embedded = [(d, t) for s, d, t in stages if s == "embedded"]
    assert embedded and embedded[-1][0] == embedded[-1][1]
    from ltgraph.curation.embedding import CHUNK

    assert CHUNK <= 64  # the bar moves in steps of one encoder batch


def test_entries_short_of_the_corpus_minimums_warn_and_strict_refuses(service: Service, gamma: Path) -> None:
    report = service.add([gamma], dry_run=True)
    assert any("the overview has" in w and "at least 150" in w for w in report.warnings)
    assert any('0 "When …" implication(s)' in w for w in report.warnings)
    with pytest.raises(ValidationError) as info:
        service.add([gamma], strict=True)
    assert any("entries of the corpus have at least" in p for p in info.value.problems)


def test_a_changed_people_registry_makes_the_data_stale(service: Service, gamma: Path) -> None:
    """Labels come from corpus/people.yaml: editing it asks for a build (`build --if-stale`),
    also after changes made since (a delta keeps the base's registry)."""
    registry = service.settings.corpus_dir / "people.yaml"
    assert not service.is_stale()
    service.add([gamma])
    assert not service.is_stale()
    registry.write_text("john-dewey:\n  name: John Dewey\n  variants: [J. Dewey]\n", "utf-8")
    assert service.is_stale()
    service.add([gamma], replace=True)
    assert service.is_stale()  # the delta did not relabel the base
    service.build()
    assert not service.is_stale()


def test_an_entry_keeps_its_last_changed_time_until_its_file_changes(service: Service, gamma: Path,
                                                                       tiny_corpus: Path) -> None:
    """The catalog's `changed` (shown as "Last changed" on the entry page): the first
    generation with the file's bytes; carried over by adds, updates of others and full builds."""
    def changed() -> dict[str, float | None]:
        return dict(service.snapshot().last_changed())  # the catalog's, or PostgreSQL's copy

    first = changed()
    assert first["alpha-theory"] is not None and first["beta-model"] is not None
    service.add([gamma])
    added = changed()
    assert added["alpha-theory"] == first["alpha-theory"]
    assert added["gamma-theory"] is not None and added["gamma-theory"] >= first["alpha-theory"]
    gamma.write_text(GAMMA.replace("goal first.", "goal first, twice."))
    service.add([gamma], replace=True)
    updated = changed()
    assert updated["gamma-theory"] > added["gamma-theory"]
    assert updated["alpha-theory"] == first["alpha-theory"]
    beta = tiny_corpus / "beta-model.md"
    beta.write_text(beta.read_text("utf-8").replace("\n## Overview\n", "\n## Overview\n\nRevised.\n", 1))
    service.build()
    rebuilt = changed()
    assert rebuilt["alpha-theory"] == first["alpha-theory"]  # same bytes: same time
    assert rebuilt["gamma-theory"] == updated["gamma-theory"]
    assert rebuilt["beta-model"] > first["beta-model"]
