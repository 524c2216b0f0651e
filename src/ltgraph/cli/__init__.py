"""The `ltgraph` command line: thin commands over `ltgraph.service.Service`.

`base.py` holds the click group and the error handling; `curate.py` the commands that change
or check the corpus, `query.py` those that read. Importing this package registers them all.
"""

from __future__ import annotations

from ltgraph.cli import curate, query  # noqa: F401 - registers the commands on `cli`
from ltgraph.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    cli(obj={})
