"""Curators' entries have a home of their own: builds never drop them, hostile files are
refused, storage failures are reported as what they are, and nothing is half-written."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ltgraph.cli import cli
from ltgraph.errors import CorpusError, DataDirError, ValidationError
from ltgraph.service import Service

from .conftest import FakeEncoder
from .test_curation import GAMMA, gamma, snapshot  # noqa: F401 - gamma is a fixture

pytestmark = pytest.mark.backends  # each test on the embedded store and on the servers


def slugs(service: Service) -> set[str]:
    return {e.slug for e in Service(service.settings, encoder=FakeEncoder()).entries()}


def test_the_curators_store_holds_added_and_removed_entries(service: Service, gamma: Path) -> None:
    service.add([gamma])
    service.remove("beta-model", force=True)
    curated = service.writer.curated.read()
    assert set(curated.entries) == {"gamma-theory", "alpha-theory"}  # alpha lost its link to beta
    assert curated.removed == {"beta-model"}
    assert curated.entries["gamma-theory"].read_bytes() == gamma.read_bytes()
    # the store lives outside the generations
    assert service.settings.data_dir / "curated" in curated.entries["gamma-theory"].parents


def test_three_builds_in_a_row_keep_a_curators_entry(service: Service, gamma: Path) -> None:
    service.add([gamma])
    for _ in range(3):
        service.build()
    assert "gamma-theory" in slugs(service)


@pytest.mark.parametrize("damage", ["corrupt", "future"])
def test_an_unreadable_manifest_then_build_keeps_the_entry(service: Service, gamma: Path,
                                                           damage: str) -> None:
    service.add([gamma])
    manifest = service.datadir.current() / "manifest.json"
    if damage == "corrupt":
        manifest.write_text("{ not json")
    else:
        data = json.loads(manifest.read_text())
        data["format_version"] = 99
        manifest.write_text(json.dumps(data))
    unreadable = service.datadir.current()
    for _ in range(3):  # and clean-up never deletes what it cannot read
        Service(service.settings, encoder=FakeEncoder()).build()
    assert "gamma-theory" in slugs(service)
    assert unreadable.is_dir()


def test_an_older_data_directory_is_moved_into_the_store(service: Service, gamma: Path) -> None:
    """A data directory written before the store (entries inside generations) keeps them."""
    service.add([gamma])
    service.remove("beta-model", force=True)
    shutil.rmtree(service.settings.data_dir / "curated")  # as an earlier ltgraph left it
    manifest = service.datadir.current() / "manifest.json"
    data = json.loads(manifest.read_text())
    data.pop("curated")
    manifest.write_text(json.dumps(data))
    fresh = Service(service.settings, encoder=FakeEncoder())
    assert {p.stem for p in fresh.source_files()} == {"alpha-theory", "gamma-theory"}
    fresh.build()
    curated = fresh.writer.curated.read()
    assert set(curated.entries) == {"gamma-theory", "alpha-theory"}
    assert curated.removed == {"beta-model"}
    assert slugs(fresh) == {"alpha-theory", "gamma-theory"}


def test_an_older_data_directory_with_an_unreadable_generation_is_refused(service: Service,
                                                                          gamma: Path) -> None:
    service.add([gamma])
    shutil.rmtree(service.settings.data_dir / "curated")
    (service.datadir.current() / "manifest.json").write_text("{ broken")
    before = snapshot(service.settings.data_dir)
    fresh = Service(service.settings, encoder=FakeEncoder())
    with pytest.raises(DataDirError, match="manifest.json.*restore the file"):
        fresh.build()
    assert snapshot(service.settings.data_dir) == before


def test_a_bundled_entry_with_a_curators_id_is_shadowed_and_reported(service: Service,
                                                                     gamma: Path) -> None:
    service.add([gamma])
    (service.settings.corpus_dir / "gamma-theory.md").write_text(
        GAMMA.replace("Gamma Theory", "Bundled Gamma"))  # a later release ships the same id
    report = Service(service.settings, encoder=FakeEncoder()).build()
    assert report.shadowed == ["gamma-theory"]
    entry = Service(service.settings, encoder=FakeEncoder()).entry("gamma-theory")
    assert entry.name == "Gamma Theory"  # the rule: the curators' version is served
    result = CliRunner().invoke(cli, ["--data-dir", str(service.settings.data_dir), "--corpus-dir",
                                      str(service.settings.corpus_dir), "build"], obj={})
    assert result.exit_code == 0 and "gamma-theory: a curator's entry replaces" in result.output
    rows = {check: detail for check, _, detail in
            Service(service.settings, encoder=FakeEncoder()).doctor()}
    assert "replacing bundled entries of the same id: gamma-theory" in rows["curated entries"]


def test_export_entries_gives_the_files_back(service: Service, gamma: Path, tmp_path: Path) -> None:
    service.add([gamma])
    service.remove("beta-model", force=True)
    target = tmp_path / "backup"
    base = ["--data-dir", str(service.settings.data_dir), "--corpus-dir",
            str(service.settings.corpus_dir)]
    result = CliRunner().invoke(cli, [*base, "export-entries", str(target)], obj={})
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == ["alpha-theory.md", "gamma-theory.md"]
    assert (target / "gamma-theory.md").read_bytes() == gamma.read_bytes()
    assert "beta-model" in result.output
    again = CliRunner().invoke(cli, [*base, "export-entries", str(target)], obj={})
    assert again.exit_code == 1 and "already exist" in again.output


def test_a_failed_publish_rolls_the_store_back(service: Service, gamma: Path, monkeypatch) -> None:
    before = snapshot(service.settings.data_dir / "curated")
    version = service.writer.curated.current_name()

    def fail(*args, **kwargs):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(service.writer, "_publish_delta", fail)
    with pytest.raises(OSError):
        service.add([gamma])
    assert service.writer.curated.current_name() == version
    assert "gamma-theory" not in service.writer.sources().entries
    assert set(snapshot(service.settings.data_dir / "curated")) >= set(before)


def test_a_change_killed_before_its_publish_does_not_count(service: Service, gamma: Path) -> None:
    """The store is ahead of the live generation (a writer was killed in between): readers
    ignore the unacknowledged version and the next writer rolls it back."""
    live = service.writer.curated.current_name()
    service.writer.curated.write({"gamma-theory": gamma.read_bytes()}, [], [])  # then SIGKILL
    fresh = Service(service.settings, encoder=FakeEncoder())
    assert "gamma-theory" not in {p.stem for p in fresh.source_files()}
    assert all(ok for _, ok, _ in fresh.doctor())
    fresh.remove("beta-model", force=True)
    assert "gamma-theory" not in fresh.writer.curated.read().entries
    assert fresh.writer.curated.read(live).entries.keys() <= {"alpha-theory", "beta-model"}


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_a_full_or_read_only_disk_is_reported_as_such(service: Service, gamma: Path,
                                                      monkeypatch, code: int) -> None:
    before = snapshot(service.settings.data_dir)
    real = Path.write_bytes

    def write_bytes(self: Path, data: bytes) -> int:
        if "staging" in str(self) or "delta" in str(self):
            raise OSError(code, os.strerror(code), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    with pytest.raises(DataDirError, match=os.strerror(code)) as info:
        service.add([gamma])
    assert "nothing was changed" in str(info.value)
    assert snapshot(service.settings.data_dir) == before


# ------------------------------------------------------------------ hostile files


def test_yaml_aliases_are_refused_before_expansion(service: Service, tmp_path: Path) -> None:
    laughs = "\n".join([f'a{i}: &a{i} [' + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)])
    path = tmp_path / "gamma-theory.md"
    path.write_text(GAMMA.replace("---\n", "---\nx0: &a0 lol\n" + laughs.replace("a0", "a0") + "\n", 1))
    before = snapshot(service.settings.data_dir)
    with pytest.raises(ValidationError) as info:
        service.add([path])
    assert any("anchors and aliases" in p for p in info.value.problems)
    assert snapshot(service.settings.data_dir) == before


def test_a_device_or_a_fifo_is_not_an_entry(service: Service, tmp_path: Path) -> None:
    link = tmp_path / "zero.md"
    link.symlink_to("/dev/zero")
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    before = snapshot(service.settings.data_dir)
    for path in (link, fifo, tmp_path):
        with pytest.raises(ValidationError) as info:
            service.add([path])
        assert any("not a regular file" in p for p in info.value.problems), info.value.problems
    assert snapshot(service.settings.data_dir) == before


@pytest.mark.parametrize("field,value,message", [
    ("name: Gamma Theory", "name: .inf", "'name' must be text, got float"),
    ("name: Gamma Theory", "name: 2024", "'name' must be text, got int"),
    ("id: gamma-theory", "id: " + "g" * 5000, "the limit is 100"),
])
def test_wrong_scalar_types_and_long_ids_are_refused(service: Service, tmp_path: Path,
                                                    field: str, value: str, message: str) -> None:
    path = tmp_path / "gamma-theory.md"
    path.write_text(GAMMA.replace(field, value))
    with pytest.raises((ValidationError, CorpusError)) as info:
        service.add([path])
    text = str(info.value) + " ".join(getattr(info.value, "problems", []))
    assert message in text


def test_the_id_must_equal_the_file_name(service: Service, tmp_path: Path) -> None:
    path = tmp_path / "bar-baz.md"
    path.write_text(GAMMA)
    with pytest.raises(ValidationError) as info:
        service.add([path])
    assert any("must equal the file name (bar-baz.md)" in p for p in info.value.problems)


@pytest.mark.embedded_only("leases on the data directory's generations; PostgreSQL keeps the "
                            "replaced generation (test_pg_index)")
def test_clean_up_never_removes_a_generation_a_reader_holds(service: Service, gamma: Path) -> None:
    """A reader (a server) still serving an old generation keeps it through many publishes."""
    reader = Service(service.settings, encoder=FakeEncoder())
    held = reader.datadir.current()
    reader.entries()  # loads, and leases, the live generation
    for _ in range(4):
        service.build()
    assert held.is_dir() and (held / "manifest.json").is_file()
    assert reader.entry("alpha-theory").name == "Alpha Theory"
    reader.close()
    service.build()
    assert not held.exists()
