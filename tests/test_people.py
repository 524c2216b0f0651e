"""One rule for people (one spelling per person id, or a registered variant) and no buildsOn
cycles, checked the same way by builds and changes; refusals leave the data dir untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from ltgraph.corpus.people import builds_on_cycle
from ltgraph.errors import ValidationError
from ltgraph.service import Service

from .conftest import FakeEncoder, select
from .test_curation import GAMMA, snapshot


def draft(tmp_path: Path, text: str, slug: str = "gamma-theory") -> Path:
    path = tmp_path / "drafts" / f"{slug}.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("spelling", ["Jöhn Dewey", "JOHN DEWEY", "John  Dewey"])
def test_a_second_spelling_of_a_known_person_is_refused(service: Service, tmp_path: Path,
                                                        spelling: str) -> None:
    text = GAMMA.replace("John Dewey", spelling)
    path = draft(tmp_path, text)
    before = snapshot(service.settings.data_dir)
    with pytest.raises(ValidationError) as info:
        service.add([path])
    problems = " ".join(info.value.problems)
    if spelling != "John  Dewey":  # YAML keeps the double space; a different string all the same
        assert "is spelled 'John Dewey'" in problems, problems
    assert snapshot(service.settings.data_dir) == before


def test_an_explicit_id_must_name_that_person(service: Service, tmp_path: Path) -> None:
    text = GAMMA.replace("  - name: John Dewey", "  - {name: Jean Piaget Impostor, id: john-dewey}")
    text = text.replace("### John Dewey", "### Jean Piaget Impostor")
    with pytest.raises(ValidationError, match="problem") as info:
        service.add([draft(tmp_path, text)])
    assert any("Jean Piaget Impostor" in p and "'John Dewey'" in p for p in info.value.problems)


def test_a_registered_variant_is_accepted_and_labelled_by_the_registry(settings, tmp_path) -> None:
    (settings.corpus_dir / "people.yaml").write_text(
        "john-dewey:\n  name: John Dewey\n  variants: [J. Dewey]\n")
    service = Service(settings, encoder=FakeEncoder())
    service.build()
    text = GAMMA.replace("  - name: John Dewey", "  - {name: J. Dewey, id: john-dewey}")
    text = text.replace("### John Dewey", "### J. Dewey")
    service.add([draft(tmp_path, text)])
    rows = select(service, "SELECT ?l WHERE { <https://w3id.org/ltgraph/id/person/john-dewey> rdfs:label ?l }")
    assert [r["l"] for r in rows] == ["John Dewey"]
    service.build()  # the same label from a full build
    rows = select(service, "SELECT ?l WHERE { <https://w3id.org/ltgraph/id/person/john-dewey> rdfs:label ?l }")
    assert [r["l"] for r in rows] == ["John Dewey"]


def test_a_builds_on_cycle_is_refused_by_add_and_by_build(service: Service, tmp_path: Path) -> None:
    # beta-model buildsOn alpha-theory already; alpha building on beta closes the circle
    alpha = (service.settings.corpus_dir / "alpha-theory.md").read_text()
    looped = alpha.replace("{id: beta-model, relation: relatedTo}", "{id: beta-model, relation: buildsOn}")
    path = draft(tmp_path, looped, "alpha-theory")
    before = snapshot(service.settings.data_dir)
    with pytest.raises(ValidationError) as info:
        service.add([path], replace=True)
    assert any("go round in a circle" in p and "alpha-theory" in p for p in info.value.problems)
    assert snapshot(service.settings.data_dir) == before
    (service.settings.corpus_dir / "alpha-theory.md").write_text(looped)
    with pytest.raises(ValidationError) as info:
        Service(service.settings, encoder=FakeEncoder()).build()
    assert any("go round in a circle" in p for p in info.value.problems)


def test_cycle_finder() -> None:
    assert builds_on_cycle({"a": ["b"], "b": ["c"], "c": []}) is None
    assert builds_on_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert builds_on_cycle({"a": ["a"]}) == ["a", "a"]
    assert builds_on_cycle({"x": ["y"], "y": [], "a": ["b"], "b": ["x", "a"]}) == ["a", "b", "a"]


def test_near_duplicate_names_warn_and_strict_refuses(service: Service, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from ltgraph.cli import cli

    text = GAMMA.replace("Gamma Theory", "Alpha Theori").replace("Gus Gamma", "Ada Exampel")
    path = draft(tmp_path, text)
    base = ["--data-dir", str(service.settings.data_dir), "--corpus-dir",
            str(service.settings.corpus_dir)]
    before = snapshot(service.settings.data_dir)
    strict = CliRunner().invoke(cli, [*base, "add", "--strict", str(path)], obj={})
    assert strict.exit_code == 1
    assert "looks like the existing entry 'Alpha Theory' (alpha-theory)" in strict.output
    assert "looks like the existing person 'Ada Example' (ada-example)" in strict.output
    assert snapshot(service.settings.data_dir) == before
    relaxed = CliRunner().invoke(cli, [*base, "add", str(path)], obj={})
    assert relaxed.exit_code == 0 and "warning: entry 'Alpha Theori'" in relaxed.output


def test_copies_of_an_entry_under_other_ids_are_flagged(service: Service, tmp_path: Path) -> None:
    alpha = (service.settings.corpus_dir / "alpha-theory.md").read_text()
    copy = alpha.replace("id: alpha-theory", "id: alpha-copy")
    with pytest.raises(ValidationError) as info:
        service.add([draft(tmp_path, copy, "alpha-copy")], strict=True)
    assert any("'Alpha Theory' (alpha-copy) looks like the existing entry" in p
               for p in info.value.problems)


def test_an_alias_close_to_an_existing_entry_name_warns(service: Service, tmp_path: Path) -> None:
    text = GAMMA.replace("aliases: [Gammaism]", "aliases: [Gammaism, Beta Modell]")
    report = service.add([draft(tmp_path, text)])
    assert any("'Beta Modell' (gamma-theory) looks like the existing entry 'Beta Model'" in w
               for w in report.warnings)
