"""HNSW recall and latency on vectors shaped like ltgraph's, at the efSearch ltgraph uses.

Above 50k passages ltgraph searches an HNSW graph instead of exact inner product
(`index.HNSW_THRESHOLD`). Uniform random vectors (`bench_search.py --passages`) are the worst
case for HNSW and say little about real text, and there is no 100k-passage corpus of
learning theory to embed. This script makes vectors shaped like real ones instead:

- the bundled corpus's passages are embedded with the default model (the real vectors);
- `--passages` (default 100,000) synthetic vectors are mixtures of two real passage vectors
  (weights 0.5-1.0 and the rest) plus Gaussian noise (sigma 0.03 per dimension), normalised:
  clustered the way a larger corpus about the same subjects would be;
- the queries are the questions of `eval/questions.jsonl` and `eval/heldout.jsonl`,
  embedded with the same model.

For each efSearch (ltgraph's setting first, then diagnostics) it prints recall@10 and
recall@50 against exact search (50 is the number of dense candidates ltgraph fuses) and the
median latency of one HNSW search. Run from the repository root::

    .venv/bin/python benchmarks/bench_hnsw_recall.py
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from ltgraph.config import Settings, bundled_corpus_dir
from ltgraph.corpus import entry_files, load_corpus
from ltgraph.retrieval.encoders import make_encoder
from ltgraph.retrieval.vectors import HNSW_THRESHOLD, VectorIndex
from ltgraph.retrieval.index import corpus_passages

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, print_table, say  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passages", type=int, default=100_000)
    args = parser.parse_args(argv)
    print(f"ltgraph HNSW recall on corpus-shaped vectors; load average {load_average()}")
    defaults = Settings()
    with tempfile.TemporaryDirectory(prefix="ltgraph-bench-hnsw-") as models:
        encoder = make_encoder(defaults.model, defaults.backend, Path(models))
        items = corpus_passages(load_corpus(entry_files(bundled_corpus_dir())))
        say(f"embedding {len(items)} corpus passages with {encoder.name}")
        real = encoder.encode([document for _, document, _ in items])
        questions = [json.loads(line)["q"] for name in ("questions.jsonl", "heldout.jsonl")
                     for line in (REPO / "eval" / name).read_text("utf-8").splitlines() if line.strip()]
        queries = encoder.encode(questions)
    rng = np.random.default_rng(1)
    n = args.passages
    first, second = rng.integers(0, len(real), n), rng.integers(0, len(real), n)
    weight = rng.uniform(0.5, 1.0, size=(n, 1)).astype(np.float32)
    vectors = weight * real[first] + (1 - weight) * real[second]
    vectors += rng.normal(scale=0.03, size=vectors.shape).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    say(f"building exact and HNSW indexes over {n:,} vectors (ltgraph uses HNSW above "
        f"{HNSW_THRESHOLD:,})")
    started = time.perf_counter()
    exact = VectorIndex(vectors)
    hnsw = VectorIndex(vectors, hnsw=True)
    say(f"built in {time.perf_counter() - started:.1f} s")
    ours = int(hnsw._index.hnsw.efSearch)  # diagnostic access to the FAISS object
    truth = {k: [{i for i, _ in exact.search(q, k)} for q in queries] for k in (10, 50)}
    rows = []
    for ef in dict.fromkeys([ours, 64, 128, 256]):
        hnsw._index.hnsw.efSearch = ef
        times, found = [], {10: [], 50: []}
        for n_query, query in enumerate(queries):
            start = time.perf_counter()
            hits = hnsw.search(query, 50)
            times.append(time.perf_counter() - start)
            for k in (10, 50):
                found[k].append(len({i for i, _ in hits[:k]} & truth[k][n_query]) / k)
        rows.append([f"{ef}{' (ltgraph)' if ef == ours else ''}", f"{np.mean(found[10]):.3f}",
                     f"{np.mean(found[50]):.3f}", f"{statistics.median(times) * 1000:.2f}"])
    print_table(f"{len(queries)} real questions over {n:,} corpus-shaped vectors",
                ["efSearch", "recall@10", "recall@50", "p50 ms per search"], rows)
    print(f"\nLoad average at the end: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
