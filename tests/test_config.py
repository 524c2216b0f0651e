from __future__ import annotations

from pathlib import Path

import pytest

from ltgraph.config import Settings, bundled_corpus_dir, ontology_dir


def test_env_overrides_default_and_flag_overrides_env() -> None:
    env = {"LTGRAPH_DATA_DIR": "/tmp/from-env", "LTGRAPH_SPARQL_MAX_ROWS": "5"}
    s = Settings.from_env(environ=env)
    assert s.data_dir == Path("/tmp/from-env")
    assert s.sparql_max_rows == 5
    s2 = Settings.from_env(environ=env, data_dir=Path("/tmp/flag"))
    assert s2.data_dir == Path("/tmp/flag")


def test_bad_number_in_env_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="LTGRAPH_SPARQL_TIMEOUT must be a number"):
        Settings.from_env(environ={"LTGRAPH_SPARQL_TIMEOUT": "soon"})


def test_base_iri_must_end_with_separator() -> None:
    with pytest.raises(ValueError, match="base_iri"):
        Settings(base_iri="https://example.org/x")


def test_settings_are_frozen() -> None:
    with pytest.raises(AttributeError):
        Settings().model = "x"  # type: ignore[misc]


def test_bundled_resources_exist() -> None:
    assert (ontology_dir() / "ltgraph.ttl").is_file()
    assert (bundled_corpus_dir() / "connectivism.md").is_file()
