"""Check new intent-training questions before they join `training/intent.jsonl`.

    .venv/bin/python scripts/vet_training.py NEW.jsonl [NEW2.jsonl …]            # report only
    .venv/bin/python scripts/vet_training.py NEW.jsonl --append                  # and append the kept

Each line must be {"q", "type", "kinds"} with a type of `intent.TYPES` and up to three distinct
kinds of `corpus.KINDS`; a malformed line stops the script (nothing is appended). A question is
dropped when it repeats one of `training/` (the same words, or cosine ≥ `NEAR_TRAINING` by the
configured model), when it is close to any question of `eval/` (cosine ≥ `NEAR_EVAL`: the
figures must come from questions the model never saw, nor near copies of them), or when it
repeats one kept before it. Then retrain with `scripts/train_intent.py`. Session 13 vetted 1,876
questions in two rounds and kept 1,667 (203 were near an evaluation question, 6 repeated training).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np
from train_intent import DATA, REPO, load  # this script's directory is on the path

NEAR_TRAINING = 0.95
NEAR_EVAL = 0.85


def words(question: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", question.lower()))


def malformed(record: dict) -> str | None:
    from ltgraph.corpus import KINDS
    from ltgraph.retrieval.intent import TYPES

    if set(record) != {"q", "type", "kinds"} or not str(record["q"]).strip():
        return 'needs exactly "q" (not blank), "type" and "kinds"'
    if record["type"] not in TYPES:
        return f"type {record['type']!r} is not one of {', '.join(TYPES)}"
    kinds = record["kinds"]
    if not isinstance(kinds, list) or len(kinds) > 3 or len(set(kinds)) != len(kinds) \
            or any(k not in KINDS for k in kinds):
        return f"kinds must be up to three distinct of {', '.join(KINDS)}"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--append", action="store_true", help=f"append the kept questions to {DATA}")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    from ltgraph.config import Settings
    from ltgraph.retrieval.encoders import make_encoder

    new = []
    for path in args.files:
        for number, record in enumerate(load(path), 1):
            problem = malformed(record)
            if problem:
                print(f"{path}:{number}: {problem}", file=sys.stderr)
                return 2
            new.append(record)
    settings = Settings.from_env()
    encoder = make_encoder(settings.model, settings.backend, settings.data_dir / "models")
    training = [r["q"] for p in sorted((REPO / "training").glob("*.jsonl")) for r in load(p)]
    evaluation = [r["q"] for p in sorted((REPO / "eval").glob("*.jsonl")) for r in load(p)]
    N, T, E = (np.asarray(encoder.encode(qs)) for qs in ([r["q"] for r in new], training, evaluation))
    near_t, near_e = (N @ T.T).max(axis=1), N @ E.T
    seen = {words(q) for q in training}
    kept: list[int] = []
    dropped = {"training": 0, "evaluation": 0, "repeat": 0}
    for i, record in enumerate(new):
        if words(record["q"]) in seen or near_t[i] >= NEAR_TRAINING:
            dropped["training"] += 1
        elif near_e[i].max() >= NEAR_EVAL:
            dropped["evaluation"] += 1
            print(f"near eval ({near_e[i].max():.2f}): {record['q']!r} ~ {evaluation[int(near_e[i].argmax())]!r}")
        elif kept and float((N[kept] @ N[i]).max()) >= NEAR_TRAINING:
            dropped["repeat"] += 1
        else:
            seen.add(words(record["q"]))
            kept.append(i)
    print(f"{len(new)} questions: kept {len(kept)}; dropped as near training {dropped['training']}, "
          f"near evaluation {dropped['evaluation']}, repeats {dropped['repeat']}")
    if args.append and kept:
        with DATA.open("a", encoding="utf-8") as out:
            out.writelines(json.dumps(new[i], ensure_ascii=False) + "\n" for i in kept)
        print(f"appended {len(kept)} to {DATA}; now retrain: .venv/bin/python scripts/train_intent.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
