"""Whether the ranking's constants sit at a local optimum of the development sets.

    .venv/bin/python benchmarks/sweep_ranking.py [--data-dir DIR] [--sets questions situations passages]

The ranking's weights (`ltgraph.retrieval.ranking`: reciprocal rank fusion constant, boosts,
entry evidence and vote, caps, kinds that lead an entry's places; `search.CANDIDATES`) are set
by method and checked on the development sets, never tuned per question. This script moves
each one alone to a lower and a higher value and prints hybrid hit@1 / MRR@10 / kind@5 on each
set beside the shipped value, so a reader can see whether any single move would help on all
development sets at once (none did in session 9: see README, "Retrieval quality").

The default sets are the development sets only: `questions`, `situations` and `passages`
(2,808 questions written from the passages themselves). Held-out sets (`heldout`, `test`,
`everyday`) must not choose constants; pass them with --sets only to report. Builds the bundled
corpus into a temporary data directory unless --data-dir is given. About 20 s per setting
for the 3,188 questions of the default sets on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, print_table  # noqa: E402

#: (module, constant, values tried beside the shipped one).
SETTINGS: tuple[tuple[str, str, tuple[float, ...]], ...] = (
    ("ranking", "RRF_K", (3, 10)),
    ("ranking", "ENTITY_BOOST", (0.5, 2.0)),
    ("ranking", "PERSON_BOOST", (0.5, 2.0)),
    ("ranking", "ITEM_BOOST", (0.5, 2.0)),
    ("ranking", "ENTRY_EVIDENCE", (0.0, 2.0)),
    ("ranking", "ENTRY_VOTE", (0.5, 1.5)),
    ("ranking", "UNNAMED_CAP", (2, 5)),
    ("ranking", "PREFERRED_KINDS", (1, 3)),
    ("ranking", "SURE_LEADERS", (1, 3)),
    ("search", "CANDIDATES", (30, 100)),
)
#: Constants whose tried values are factors of the shipped value, not values.
FACTORS = {"ENTITY_BOOST", "PERSON_BOOST", "ITEM_BOOST", "ENTRY_EVIDENCE"}


BOOSTS = ("ENTITY_BOOST", "PERSON_BOOST", "ITEM_BOOST")


@contextmanager
def setting(module: Any, name: str, value: float) -> Iterator[None]:
    """`module.name = value` for the block. A new `RRF_K` rescales the boosts, which are set in
    units of a rank-1 fused score (1 / (RRF_K + 1))."""
    changed = {name: type(getattr(module, name))(value)}
    if name == "RRF_K":
        scale = (module.RRF_K + 1) / (value + 1)
        changed |= {boost: getattr(module, boost) * scale for boost in BOOSTS}
    old = {key: getattr(module, key) for key in changed}
    for key, new in changed.items():
        setattr(module, key, new)
    try:
        yield
    finally:
        for key, previous in old.items():
            setattr(module, key, previous)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--sets", nargs="+", default=["questions", "situations", "passages"])
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="ltgraph-sweep-"))
    if args.data_dir is None:
        subprocess.run([sys.executable, "-m", "ltgraph", "--data-dir", str(data_dir), "build"],
                       check=True, env={**os.environ})
    import ltgraph.retrieval.ranking as ranking
    import ltgraph.retrieval.search as search
    from ltgraph.config import Settings, eval_dir
    from ltgraph.evaluation import evaluate, load_questions
    from ltgraph.service import Service

    print(f"ranking constants, one moved at a time; load average {load_average()}")
    service = Service(Settings(data_dir=data_dir))
    sets = {name: load_questions(eval_dir() / f"{name}.jsonl") for name in args.sets}

    def run() -> list[str]:
        cells = []
        for questions in sets.values():
            m = evaluate(questions, lambda q, mode: service.search(q, k=10, mode=mode)["results"],
                         "hybrid")
            cells.append(f"{m['hit@1']:.3f} / {m['mrr@10']:.3f} / {m['kind_match@5']:.3f}")
        return cells

    modules = {"ranking": ranking, "search": search}
    rows = [["shipped", "", *run()]]
    for module_name, name, values in SETTINGS:
        module = modules[module_name]
        shipped = getattr(module, name)
        for value in values:
            tried = shipped * value if name in FACTORS else value
            with setting(module, name, tried):
                rows.append([name, f"{tried:g} (shipped {shipped:g})", *run()])
            print(f"  .. {name} = {tried:g}", flush=True)
    print_table("hybrid hit@1 / MRR@10 / kind@5 per development set", ["constant", "value",
                *(f"{n} ({len(q)})" for n, q in sets.items())], rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
