"""Fault-injection soak of `ltgraph add`: SIGKILL the real CLI at random moments.

What is checked
---------------
A change to the data directory must be all or nothing, whatever happens to the process
(DESIGN.md: "without ever leaving the graph, the index and the corpus out of step"). This
script kills the real command line mid-add, over and over, and checks what it left behind.

Setup, in a temporary directory:

1. a data directory built from the bundled corpus with the default settings (real default
   model, ONNX backend; the ONNX export lands in `<data_dir>/models/`, so the CLI processes
   below load the model but do not export it);
2. an *acknowledged* add: `ltgraph add soak-baseline.md` (a copy of
   `tests/data/new/gamification.md` with id `soak-baseline`) run to completion, exit 0;
   from then on that entry must be present after every trial;
3. the duration T of an unkilled `ltgraph add gamification.md`: the median wall time of
   `--calibration` runs (default 3) of the whole subprocess (interpreter start, imports, loading
   the live generation and the model, the add itself), the entry removed after each.

Each trial then runs `python -m ltgraph --data-dir D add gamification.md` as a subprocess
(its own process group) and sends SIGKILL to the group after a delay drawn uniformly from
[0, `--kill-factor` x T] (default 1.3, so some runs finish before the kill). Afterwards, from
this process, with a fresh `Service` on the data directory:

- every `doctor()` row is ok (live generation, corpus, graph, search index, model, sources);
- `health()` says graph passages, vectors and keyword documents agree;
- the entry set is exactly the old one (bundled + soak-baseline) or old + gamification;
- soak-baseline (the earlier acknowledged add) is present;
- a process that exited 0 (an acknowledged add) left the new set, never the old one;
- a process that was not killed exited 0 (anything else is reported);
- the writers' lock can be taken within 5 s (a killed writer must not leave it held).

When the new entry landed it is removed with `Service.remove` before the next trial. Leftover
`.staging-*` directories (a killed writer's half-written generation, cleared by the next
writer when it takes the lock) are counted but are not a failure: readers never see them.

After an inconsistency the details are printed, the data directory is repaired with
`Service.build()` (unless `--stop-on-failure`, which keeps the directory for inspection) and
the soak goes on; the exit status is 1 when any trial failed.

Run from the repository root::

    .venv/bin/python benchmarks/soak_curation.py                # 200 trials
    .venv/bin/python benchmarks/soak_curation.py --trials 30 --seed 7

It prints progress lines, a table of outcomes by kill delay and the failures, if any.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from filelock import FileLock, Timeout

from ltgraph.config import Settings
from ltgraph.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, print_table, say  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NEW_ENTRY = REPO / "tests" / "data" / "new" / "gamification.md"
NEW_SLUG = "gamification"
BASELINE_SLUG = "soak-baseline"
#: A trial's subprocess is given this long (x T) before it is reported as hung.
HANG_FACTOR = 10


# --------------------------------------------------------------------------- output








# --------------------------------------------------------------------------- the CLI


@dataclass
class Run:
    """One `ltgraph add` subprocess."""

    returncode: int
    seconds: float
    killed: bool
    stdout: str
    stderr: str


def cli_env() -> dict[str, str]:
    """The environment without LTGRAPH_* settings, so only the flags below apply."""
    return {k: v for k, v in os.environ.items() if not k.startswith("LTGRAPH_")}


def run_add(data_dir: Path, file: Path, kill_after: float | None, hang_after: float) -> Run:
    """Run `ltgraph add FILE`; SIGKILL its process group after `kill_after` seconds."""
    command = [sys.executable, "-m", "ltgraph", "--data-dir", str(data_dir), "add", str(file)]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=cli_env(), start_new_session=True)
    killed = False
    limit = hang_after if kill_after is None else kill_after
    try:
        stdout, stderr = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        killed = kill_after is not None
        try:
            os.killpg(process.pid, signal.SIGKILL)  # our own child's group (start_new_session)
        except ProcessLookupError:
            pass
        stdout, stderr = process.communicate()
        if not killed:
            stderr += f"\n[soak] no exit after {hang_after:.0f} s; killed as hung"
    seconds = time.perf_counter() - started
    # A kill that raced with a normal exit leaves the exit status of the normal exit.
    killed = killed and process.returncode == -signal.SIGKILL
    return Run(process.returncode, seconds, killed, stdout, stderr)


# --------------------------------------------------------------------------- checks


@dataclass
class Check:
    entries: set[str]
    problems: list[str] = field(default_factory=list)
    staging: int = 0


def check_data_dir(settings: Settings, old: set[str], new: set[str]) -> Check:
    """What a fresh reader finds in the data directory, and what is wrong with it."""
    problems: list[str] = []
    reader = Service(settings)
    for name, ok, detail in reader.doctor():
        if not ok:
            problems.append(f"doctor: {name}: {detail}")
    entries: set[str] = set()
    try:
        entries = {e.slug for e in reader.entries()}
        health = reader.health()
        if not health.get("consistent"):
            problems.append(f"health: inconsistent: {health}")
    except Exception as exc:  # noqa: BLE001 - any failure to read is a finding
        problems.append(f"reading the live generation failed: {type(exc).__name__}: {exc}")
    if entries and entries not in (old, new):
        extra, missing = sorted(entries - new), sorted(old - entries)
        problems.append(f"entry set is neither old nor old+new (extra {extra}, missing {missing})")
    if entries and BASELINE_SLUG not in entries:
        problems.append(f"the acknowledged earlier add {BASELINE_SLUG!r} is gone")
    lock = FileLock(str(settings.data_dir / "lock"), timeout=5)
    try:
        lock.acquire()
        lock.release()
    except Timeout:
        problems.append("the writers' lock is still held 5 s after the writer died")
    generations = settings.data_dir / "generations"
    staging = sum(1 for p in generations.iterdir() if p.name.startswith(".staging-")) \
        if generations.is_dir() else 0
    return Check(entries, problems, staging)


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=200, help="killed adds (default 200)")
    parser.add_argument("--seed", type=int, default=20240501, help="random seed of the delays")
    parser.add_argument("--kill-factor", type=float, default=1.3,
                        help="delays are uniform in [0, this x T] (default 1.3)")
    parser.add_argument("--calibration", type=int, default=3,
                        help="unkilled adds whose median wall time is T (default 3)")
    parser.add_argument("--stop-on-failure", action="store_true",
                        help="stop at the first inconsistency and keep the data directory")
    args = parser.parse_args(argv)
    if args.trials < 1 or args.calibration < 1 or args.kill_factor <= 0:
        parser.error("--trials and --calibration must be at least 1, --kill-factor positive")

    started = time.perf_counter()
    print("ltgraph curation soak: SIGKILL `ltgraph add` at random moments")
    print(f"Python {platform.python_version()} on {platform.platform()}; "
          f"{os.cpu_count()} cores; load average {load_average()}; seed {args.seed}")
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="ltgraph-soak-"))
    keep = False
    try:
        settings = Settings(data_dir=root / "data")
        writer = Service(settings)  # lives through the soak: builds, removes, repairs
        say(f"building {settings.data_dir} from the bundled corpus (real model, "
            f"{type(writer.encoder).__name__})")
        report = writer.build()
        say(f"built in {report.seconds:.1f} s: {report.entries} entries, {report.passages} passages")

        baseline = root / "drafts" / f"{BASELINE_SLUG}.md"
        baseline.parent.mkdir()
        baseline.write_text(NEW_ENTRY.read_text("utf-8")
                            .replace(f"id: {NEW_SLUG}", f"id: {BASELINE_SLUG}")
                            .replace("name: Gamification", "name: Soak Baseline Gamification")
                            .replace("aliases: [Gamified learning]", "aliases: [Soak baseline]"),
                            "utf-8")
        run = run_add(settings.data_dir, baseline, None, hang_after=600)
        if run.returncode != 0:
            print(f"the acknowledged baseline add failed (exit {run.returncode}):\n{run.stderr}")
            return 1
        say(f"acknowledged add of {BASELINE_SLUG} in {run.seconds:.1f} s: {run.stdout.strip()}")
        old = {e.slug for e in Service(settings).entries()}
        new = old | {NEW_SLUG}
        assert BASELINE_SLUG in old and NEW_SLUG not in old

        calibration = []
        for i in range(args.calibration):
            run = run_add(settings.data_dir, NEW_ENTRY, None, hang_after=600)
            if run.returncode != 0:
                print(f"an unkilled add failed (exit {run.returncode}):\n{run.stderr}")
                return 1
            calibration.append(run.seconds)
            writer.remove(NEW_SLUG)
            say(f"unkilled add {i + 1}/{args.calibration}: {run.seconds:.2f} s "
                f"({run.stdout.strip()})")
        duration = statistics.median(calibration)
        window = args.kill_factor * duration
        say(f"T = {duration:.2f} s (median); kill delays uniform in [0, {window:.2f}] s")

        outcomes: Counter[str] = Counter()
        by_bucket: dict[int, Counter[str]] = {}
        failures: list[str] = []
        max_staging = 0
        trial_seconds = []
        for trial in range(1, args.trials + 1):
            t0 = time.perf_counter()
            delay = rng.uniform(0, window)
            run = run_add(settings.data_dir, NEW_ENTRY, delay, hang_after=HANG_FACTOR * duration)
            check = check_data_dir(settings, old, new)
            landed = check.entries == new
            state = "new" if landed else "old" if check.entries == old else "neither"
            how = "killed" if run.killed else ("exit 0" if run.returncode == 0
                                               else f"exit {run.returncode}")
            problems = list(check.problems)
            if run.returncode == 0 and not landed:
                problems.append("the add exited 0 (acknowledged) but the entry is not there")
            if not run.killed and run.returncode != 0:
                problems.append(f"the add was not killed but exited {run.returncode}: "
                                f"{run.stderr.strip()[-500:]}")
            outcome = f"{how} -> {state}"
            outcomes[outcome] += 1
            bucket = min(int(4 * delay / duration), 5)  # quarters of T; 5 = beyond 1.25 T
            by_bucket.setdefault(bucket, Counter())[outcome] += 1
            max_staging = max(max_staging, check.staging)
            if problems:
                failures.append(f"trial {trial} (kill at {delay:.2f} s = {delay / duration:.0%} "
                                f"of T, {how}, {state}):\n      " + "\n      ".join(problems))
                print(f"  !! {failures[-1]}", flush=True)
                if args.stop_on_failure:
                    keep = True
                    print(f"stopping; the data directory is kept at {settings.data_dir}")
                    break
                writer.build()  # always repairs
                if BASELINE_SLUG not in {e.slug for e in writer.entries()}:
                    writer.add([baseline])
                if NEW_SLUG in {e.slug for e in writer.entries()}:
                    writer.remove(NEW_SLUG)
            elif landed:
                writer.remove(NEW_SLUG)
            trial_seconds.append(time.perf_counter() - t0)
            if trial % 10 == 0 or trial == args.trials:
                eta = statistics.mean(trial_seconds) * (args.trials - trial)
                say(f"trial {trial}/{args.trials}: " + ", ".join(
                    f"{k} {v}" for k, v in sorted(outcomes.items()))
                    + f"; {len(failures)} failure(s); ~{eta:.0f} s to go")
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)

    print_table(f"Outcomes of {sum(outcomes.values())} trials (T = {duration:.2f} s, "
                f"kill delay uniform in [0, {window:.2f}] s)", ["outcome", "trials"],
                [[k, v] for k, v in sorted(outcomes.items())] + [["total", sum(outcomes.values())]])
    names = sorted(outcomes)
    labels = {0: "0-25 %", 1: "25-50 %", 2: "50-75 %", 3: "75-100 %", 4: "100-125 %", 5: "> 125 %"}
    print_table("Outcomes by kill delay (share of T)", ["delay", *names],
                [[labels[b], *(by_bucket[b].get(n, 0) for n in names)] for b in sorted(by_bucket)])
    print(f"\nAt most {max_staging} abandoned staging director{'y' if max_staging == 1 else 'ies'} "
          "were seen at once (cleared by the next writer; not a failure).")
    if failures:
        print(f"\n{len(failures)} FAILURE(S):")
        for failure in failures:
            print(f"  - {failure}")
    else:
        print("\nNo inconsistency: after every kill, doctor and health were ok, the entry set was "
              f"old or old+new, {BASELINE_SLUG} was present, and every exit 0 had landed.")
    print(f"Load average at the end: {load_average()}. "
          f"Total soak time: {time.perf_counter() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
