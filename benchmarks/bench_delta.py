"""Benchmark how changes since the last build weigh on the next change and on readers.

A change writes a delta generation over the last full build and hard-links the files of the
entries changed before it (see `src/ltgraph/store/layers.py`), so its cost is independent of the
corpus size (`bench_curation.py` shows that) but grows a little with the number of entries
changed since the last `ltgraph build`. This script measures that growth.

What is measured
----------------
The bundled corpus (28 entries) is built into a temporary data directory. Then, step by
step, a block of 28 more entries (one renamed copy of the whole bundled corpus, as in
`bench_curation.py`) is added in one transaction, until the delta holds `--steps` x 28
entries (default 9 -> 252, nine times the base). After each step, with the delta at that
size:

- `add` of one new entry (`tests/data/new/gamification.md`), then `remove` of it;
- the reader's reload after the add (`Service.snapshot()` of the same service: what a running
  server does before it answers from the new state; it keeps the base and the delta entries
  it has read, so only the change is re-read);
- a cold load of the same state by a fresh `Service` (a new server worker, or a CLI call).

Finally `ltgraph build` folds everything into one full generation and the cold load is timed
again, for comparison at the same total size.

The encoder is a stand-in that hashes text to vectors: embedding costs the same for a new
entry whatever the delta holds (about 20 ms per passage with the real model; see
`bench_curation.py`), so leaving it out isolates what this script is about -- the storage
and composition costs. Medians of `--runs` runs (default 3), wall clock. Run from the
repository root::

    .venv/bin/python benchmarks/bench_delta.py
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ltgraph.config import Settings
from ltgraph.corpus import entry_files
from ltgraph.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, print_table, say  # noqa: E402
from bench_curation import NEW_ENTRY, NEW_SLUG, write_scaled_corpus  # noqa: E402


class HashEncoder:
    """Deterministic stand-in vectors (unit length) from a hash of each text."""

    name = "bench-hash-encoder"
    dim = 384

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
            vector = np.random.default_rng(seed).normal(size=self.dim).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.array(rows, dtype=np.float32).reshape(len(texts), self.dim)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=9, help="blocks of 28 entries to add (default 9)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per step (default 3)")
    args = parser.parse_args(argv)
    print("ltgraph delta benchmark: changes since the last build vs the cost of the next one")
    print(f"load average {load_average()}; stand-in encoder (hashing), see the docstring")
    root = Path(tempfile.mkdtemp(prefix="ltgraph-bench-delta-"))
    rows = []
    try:
        copies = root / "copies"
        write_scaled_corpus(copies, args.steps + 1)
        settings = Settings(data_dir=root / "data")
        encoder = HashEncoder()
        service = Service(settings, encoder=encoder)
        say("building the bundled corpus")
        service.build()
        service.snapshot()
        for step in range(args.steps + 1):
            if step:
                block = [p for p in entry_files(copies) if p.stem.endswith(f"-copy-{step}")]
                seconds = timed(lambda: service.add(block))
                say(f"step {step}: added {len(block)} entries in one change in {seconds:.2f} s")
            delta = step * 28
            adds, reloads, removes = [], [], []
            for _ in range(args.runs):
                adds.append(timed(lambda: service.add([NEW_ENTRY])))
                reloads.append(timed(service.snapshot))
                removes.append(timed(lambda: service.remove(NEW_SLUG)))
                service.snapshot()
            cold = timed(lambda: Service(settings, encoder=encoder).snapshot())
            assert service.health()["consistent"]
            rows.append([delta, f"{statistics.median(adds) * 1000:.0f}",
                         f"{statistics.median(removes) * 1000:.0f}",
                         f"{statistics.median(reloads) * 1000:.0f}", f"{cold * 1000:.0f}"])
            say(f"delta {delta}: add {rows[-1][1]} ms, remove {rows[-1][2]} ms, reload "
                f"{rows[-1][3]} ms, cold load {rows[-1][4]} ms")
        failed = [row for row in service.doctor() if not row[1]]
        assert not failed, failed
        entries = len(service.entries())
        build = timed(service.build)
        cold_full = timed(lambda: Service(settings, encoder=encoder).snapshot())
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print_table(f"Median ms of {args.runs} runs, base = the bundled corpus (28 entries)",
                ["entries in the delta", "add one entry", "remove it", "server reload after add",
                 "cold load"], rows)
    print(f"\nFolding all {entries} entries with `ltgraph build` (SHACL over everything, no "
          f"embedding): {build:.1f} s; cold load of the full generation afterwards: "
          f"{cold_full * 1000:.0f} ms. Load average at the end: {load_average()}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
