"""Cold start of the `ltgraph` command line: real commands from the shell, as a curator runs them.

    .venv/bin/python benchmarks/bench_cli.py [--runs 5]

Builds the bundled corpus once into a temporary data directory, then runs each command
`--runs` times as a fresh process (`ltgraph …`, the installed entry point) and prints the
median and the maximum wall time, with the load average (the machine is shared: figures move
with other load). `add` adds `tests/data/new/heutagogy.md` and `remove` takes it out again
between runs, so every `add` is a real change. Targets (issue "curator CLI"): add of one entry
≤ 2 s, search ≤ 1.5 s, list / show / validate-file ≤ 0.7 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LTGRAPH = str(Path(sys.executable).with_name("ltgraph"))
NEW = REPO / "tests" / "data" / "new" / "heutagogy.md"
TARGETS = {"add": 2.0, "search": 1.5, "list": 0.7, "show": 0.7, "validate-file": 0.7}


def run(data: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([LTGRAPH, "--data-dir", str(data), *args], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"ltgraph {' '.join(args)} failed: {done.stderr.strip()}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        entry = Path(tmp) / "heutagogy.md"
        shutil.copyfile(NEW, entry)
        print(f"building the bundled corpus into {data} …", flush=True)
        run(data, "build")
        commands = {
            "list": ["list"],
            "show": ["show", "connectivism"],
            "validate-file": ["validate-file", str(entry)],
            "search": ["search", "who developed connectivism"],
            "add": ["add", str(entry)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(run(data, *command))
                if name == "add":
                    run(data, "remove", "heutagogy")
        load = os.getloadavg()
        print(f"\nload average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores; "
              f"{args.runs} runs each\n")
        print(f"{'command':<15} {'median s':>9} {'max s':>7} {'target s':>9}")
        for name, values in times.items():
            print(f"{name:<15} {statistics.median(values):>9.2f} {max(values):>7.2f} "
                  f"{TARGETS[name]:>9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
