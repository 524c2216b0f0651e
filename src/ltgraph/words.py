"""Counts in plain English ("1 problem", "3 problems"), for every message ltgraph writes."""

from __future__ import annotations

#: Plurals that are not the singular plus "s".
_IRREGULAR = {"entry": "entries", "file is": "files are", "relates": "relate", "passage was": "passages were"}


def counted(n: int, noun: str) -> str:
    """`counted(1, "problem")` -> "1 problem"; `counted(2, "entry")` -> "2 entries"."""
    return f"{n} {noun if n == 1 else _IRREGULAR.get(noun, noun + 's')}"
