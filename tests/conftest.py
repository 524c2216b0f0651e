"""Shared fixtures: a temp data dir, a tiny corpus, settings and a built service."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ltgraph.config import Settings

TESTS = Path(__file__).parent
TINY_CORPUS = TESTS / "data" / "corpus"
REPO = TESTS.parent


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A writable copy of the two-entry test corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(TINY_CORPUS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, tiny_corpus: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", corpus_dir=tiny_corpus)


@pytest.fixture
def service(settings: Settings):
    from ltgraph.search import Service

    svc = Service(settings)
    svc.build()
    return svc


def entry_text(name: str = "alpha-theory.md") -> str:
    return (TINY_CORPUS / name).read_text("utf-8")
