"""Calibration of `match` (strong / weak / none): how close the nearest passage is, for the
on-topic question sets of eval/ and the off-topic set eval/offtopic.jsonl.

    .venv/bin/python benchmarks/calibrate_match.py [--data-dir DIR]

Prints the closeness (cosine of the nearest passage) per set as percentiles, and how many
questions of each set and off-topic category each level gets with the thresholds in
`ltgraph.retrieval.search` (MATCH_NONE_BELOW, MATCH_STRONG_FROM), then two sweeps: the topic
head's TOPIC_NONE_BELOW on those sets, and its TOPIC_SURE_FROM on every on-topic question of
eval/ (the passage questions too) against the off-topic ones of eval/ and of training/. Builds
the bundled corpus into a temporary data directory unless --data-dir is given.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, print_table  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="ltgraph-match-"))
    if args.data_dir is None:
        subprocess.run([sys.executable, "-m", "ltgraph", "--data-dir", str(data_dir), "build"],
                       check=True, env={**os.environ})
    from ltgraph.config import Settings
    import ltgraph.retrieval.search as search
    from ltgraph.retrieval.search import MATCH_NONE_BELOW, MATCH_STRONG_FROM, match_level
    from ltgraph.service import Service

    service = Service(Settings(data_dir=data_dir))
    sets: dict[str, list[tuple[str, str]]] = {}
    for name in ("questions", "heldout", "test", "everyday", "situations"):
        lines = (REPO / "eval" / f"{name}.jsonl").read_text("utf-8").splitlines()
        sets[f"on: {name}"] = [(json.loads(line)["q"], "") for line in lines if line.strip()]
    for line in (REPO / "eval" / "offtopic.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            sets.setdefault(f"off: {item['category']}", []).append((item["q"], item["category"]))
    rows = []
    for name, questions in sets.items():
        levels: Counter[str] = Counter()
        closeness = []
        for question, _ in questions:
            response = service.search(question, k=5)
            levels[response["match"]] += 1
            closeness.append(service.closeness(question))
        closeness.sort()
        n = len(closeness)
        rows.append((name, n, f"{closeness[0]:.3f}", f"{closeness[n // 2]:.3f}",
                     f"{closeness[-1]:.3f}", levels["strong"], levels["weak"], levels["none"]))
    print_table(f"Closeness of the nearest passage, and match levels (none < {MATCH_NONE_BELOW} "
                f"<= weak < {MATCH_STRONG_FROM} <= strong; a named entry is strong)",
                ["set", "n", "min", "median", "max", "strong", "weak", "none"], rows)
    assert match_level(0.0, True) == "strong"
    # The topic head's threshold: the share of "none" on each side for nearby values.
    shipped = search.TOPIC_NONE_BELOW
    sweep = []
    for threshold in (0.1, 0.2, 0.3, 0.4, 0.5):
        search.TOPIC_NONE_BELOW = threshold
        on = [service.search(q, k=3)["match"] for n, qs in sets.items() if n.startswith("on:")
              for q, _ in qs]
        off = [service.search(q, k=3)["match"] for n, qs in sets.items() if n.startswith("off:")
               for q, _ in qs]
        sweep.append((f"{threshold:.1f}" + (" (shipped)" if threshold == shipped else ""),
                      f"{on.count('none')}/{len(on)}", f"{on.count('none') / len(on):.1%}",
                      f"{off.count('none')}/{len(off)}", f"{off.count('none') / len(off):.1%}"))
    search.TOPIC_NONE_BELOW = shipped
    print()
    print_table("Topic head: 'none' below this probability of being about the field",
                ["threshold", "on-topic none", "share", "off-topic none", "share"], sweep)
    print()
    print_table("Topic head: never 'none' from this probability (every question of eval/ and "
                "training/offtopic.jsonl)",
                ["threshold", "on-topic none", "eval off-topic none", "training off-topic none"],
                _sure_sweep(service, search))
    print(f"\nload average: {load_average()}")


def _sure_sweep(service: object, search: object) -> list[tuple[str, ...]]:
    """How many questions are "none" for each TOPIC_SURE_FROM: each question's topic
    probability, closeness and names are read once, then `match_level` decides."""
    from ltgraph.retrieval.lexicon import says_full_name

    def read(path: Path) -> list[str]:
        return [json.loads(line)["q"] for line in path.read_text("utf-8").splitlines() if line.strip()]

    searcher, view = service.searcher, service.snapshot()  # type: ignore[attr-defined]

    def signals(question: str) -> tuple[float, bool, float | None, bool, bool]:
        nearest = searcher.nearest(view, question)
        analysis = searcher.analyse(view, question, nearest)
        specific = bool(analysis.items) or any(m.kind == "person" and says_full_name(question, m.label)
                                               for m in analysis.mentions)
        return (nearest.closeness, bool(analysis.mentions), analysis.on_topic,
                analysis.bare, specific)

    on = [signals(q) for path in sorted((REPO / "eval").glob("*.jsonl")) if path.name != "offtopic.jsonl"
          for q in read(path)]
    off_eval = [signals(q) for q in read(REPO / "eval" / "offtopic.jsonl")]
    off_training = [signals(q) for q in read(REPO / "training" / "offtopic.jsonl")]
    shipped = search.TOPIC_SURE_FROM  # type: ignore[attr-defined]
    rows = []
    for threshold in (0.6, 0.7, 0.8, 0.9, 0.95):
        search.TOPIC_SURE_FROM = threshold  # type: ignore[attr-defined]

        def nones(items: list[tuple[float, bool, float | None, bool, bool]]) -> str:
            return f"{sum(search.match_level(*s) == 'none' for s in items)}/{len(items)}"  # type: ignore[attr-defined]

        rows.append((f"{threshold:.2f}" + (" (shipped)" if threshold == shipped else ""),
                     nones(on), nones(off_eval), nones(off_training)))
    search.TOPIC_SURE_FROM = shipped  # type: ignore[attr-defined]
    return rows


if __name__ == "__main__":
    main()
