"""Rewrite the entries table in README.md from `ltgraph list --markdown` on the bundled corpus."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

from ltgraph.cli import cli

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- entries:start -->", "<!-- entries:end -->"


def entries_table() -> str:
    with tempfile.TemporaryDirectory() as data:
        runner = CliRunner()
        for args in (["build"], ["list", "--markdown"]):
            result = runner.invoke(cli, ["--data-dir", data, *args], obj={})
            if result.exit_code != 0:
                sys.exit(result.output)
        return result.stdout


def main() -> None:
    text = README.read_text("utf-8")
    block = f"{START}\n{entries_table().strip()}\n{END}"
    new = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    README.write_text(new, "utf-8")
    print("README.md entries table updated" if new != text else "README.md already current")


if __name__ == "__main__":
    main()
