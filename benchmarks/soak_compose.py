"""Soak: 2,000 random sequences of add / update / remove / force-remove, each compared with a
full build of the same sources (the property of tests/test_compose_property.py, ten times
the examples the suite runs).

    .venv/bin/python benchmarks/soak_compose.py [--examples 2000]

Prints the number of sequences, the operations they held, how many were refused (and left
the data directory unchanged), failures (0 expected) and the time taken.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=2000)
    args = parser.parse_args()
    env = {**os.environ, "LTGRAPH_COMPOSE_EXAMPLES": str(args.examples)}
    print(f"load average before: {load_average()}", flush=True)
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "--hypothesis-show-statistics",
                          "tests/test_compose_property.py::test_any_sequence_of_changes_equals_a_full_build"],
                         cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.monotonic() - started
    lines = [line for line in run.stdout.splitlines()
             if "passing" in line or "failing" in line or "invalid" in line or "passed" in line
             or "failed" in line or "Falsifying" in line]
    print("\n".join(lines))
    print(f"sequences asked: {args.examples}; result: {'all equal to a full build' if run.returncode == 0 else 'FAILURES'}; "
          f"{seconds:.0f} s ({seconds / max(args.examples, 1) * 1000:.0f} ms per sequence); "
          f"load average after: {load_average()}")
    if run.returncode != 0:
        print(run.stdout[-6000:])
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
