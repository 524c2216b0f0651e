"""How well the intent model reads questions: its type against the categories of the question
sets that have them, and its first kind against their labelled kinds.

    .venv/bin/python benchmarks/bench_intent.py [--sets passages everyday] [--model FILE …]

For each set and each model file (default: the shipped `intent_model.npz`; give an older one,
e.g. from `git show REV:src/ltgraph/retrieval/intent_model.npz`, to compare), prints the share
of questions whose category (factoid, description, situation, person, keyword; `everyday`'s
other categories are not types and are skipped) the type head names, per category, the most
frequent confusions, and the share whose labelled kind is the kind head's first. In
`passages` a question's kind is its passage's, stricter than the kind a reader would say it asks
for. No index is needed: the model reads the question's vector and words, and the kinds of its
nearest passages of the bundled corpus (embedded here, as `scripts/train_intent.py` does).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPO / "scripts"))
from _report import load_average, print_table  # noqa: E402
from train_intent import featurise  # noqa: E402  (the features the model was trained on)


def main() -> None:
    from ltgraph.config import eval_dir
    from ltgraph.corpus import KINDS
    from ltgraph.retrieval.intent import MODEL_FILE, TYPES, IntentModel

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=["passages", "everyday"])
    parser.add_argument("--model", nargs="+", type=Path, default=[MODEL_FILE])
    args = parser.parse_args()
    print(f"load average at start: {load_average()}")
    models = {str(path): IntentModel.load(path) for path in args.model}
    for name, model in models.items():
        if model is None:
            raise SystemExit(f"no intent model in {name}")
    sets = {set_name: [json.loads(line) for line in (eval_dir() / f"{set_name}.jsonl").read_text("utf-8").splitlines()
                       if line.strip()] for set_name in args.sets}
    _, matrices = featurise(*sets.values())
    for (set_name, records), rows in zip(sets.items(), matrices, strict=True):
        categories = sorted({r["category"] for r in records if r.get("category") in TYPES})
        table, confusions = [], {}
        for name, model in models.items():
            assert model is not None
            right, total, confused = Counter(), Counter(), Counter()
            kinds_right = kinds_total = 0
            for record, x in zip(records, rows, strict=True):
                type_p, kind_p = model.probabilities(x)
                read = TYPES[int(np.argmax(type_p))]
                if record.get("category") in TYPES:
                    total[record["category"]] += 1
                    right[record["category"]] += read == record["category"]
                    if read != record["category"]:
                        confused[f"{record['category']} -> {read}"] += 1
                if record.get("kind"):
                    kinds_total += 1
                    kinds_right += KINDS[int(np.argmax(kind_p))] == record["kind"]
            typed = sum(total.values())
            table.append([name, f"{sum(right.values()) / typed:.3f}" if typed else "-",
                          *(f"{right[c] / total[c]:.3f}" for c in categories),
                          f"{kinds_right / kinds_total:.3f}" if kinds_total else "-"])
            confusions[name] = ", ".join(f"{k} {v}" for k, v in confused.most_common(5))
        print_table(f"eval/{set_name}.jsonl ({len(records)} questions): type read right, per category; "
                    "first kind right", ["model", "type", *categories, "first kind"], table)
        for name, text in confusions.items():
            if text:
                print(f"most confused ({name}): {text}")
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
