"""Everything a user can set, run or request is documented (Datasette's test_docs pattern):
every setting in the README's configuration table, every CLI command and every route in the
README."""

from __future__ import annotations

import dataclasses
import re

import pytest

from ltgraph.cli import cli
from ltgraph.config import Settings

from .conftest import REPO

README = (REPO / "README.md").read_text("utf-8")


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Settings)])
def test_every_setting_is_documented(name: str) -> None:
    assert f"LTGRAPH_{name.upper()}" in README


@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_cli_command_is_documented(command: str) -> None:
    assert re.search(rf"ltgraph {re.escape(command)}\b", README), f"`ltgraph {command}`"


def test_every_route_is_documented(app) -> None:
    rules = sorted({re.sub(r"<(?:[a-z]+:)?(\w+)>", r"<\1>", r.rule) for r in app.url_map.iter_rules()
                    if r.endpoint != "static"})
    assert len(rules) >= 10
    undocumented = [rule for rule in rules if f"`{rule.split('<')[0].rstrip('/') or '/'}" not in README]
    assert undocumented == []
