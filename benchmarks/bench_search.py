"""Benchmark ltgraph's search layer: build, encoding, query latency, and a synthetic 100k scale run.

What is measured
----------------
1. **Build of the bundled corpus** into a fresh temporary data directory with the default
   settings (ONNX backend), in a fresh process, so the figures are those of a first
   `ltgraph build` on a new machine:
   - model load: the service's `encoder.load()`, i.e. importing torch/transformers,
     exporting the model to ONNX into `<data_dir>/models/` and opening the query session;
   - the same load again from a new `Service` on the same data directory, where the ONNX
     file is already there (so: export time ~= cold load - cached load);
   - `Service.build()`: parse, graph, SHACL, embedding every passage (the batch session),
     FAISS + BM25, writing the generation; its stages are timed through the progress hook.
   Target: model load + build <= 60 s.
2. **Encode throughput** (passages/s) over the bundled corpus passages
   (`[doc for _, doc, _ in corpus_passages(entries)]`): ltgraph's encoder
   (`make_encoder("default", "onnx", …)`, i.e. `OnnxEncoder.encode`, every core) versus the
   raw sentence-transformers model, `encode(docs, batch_size=64, normalize_embeddings=True)`
   after `torch.set_num_threads(os.cpu_count())`. Both are warmed with one batch first; the
   figure is the best of `--encode-runs` full passes (default 1: torch alone takes ~50 s a
   pass on two cores). The two sets of vectors are also compared (cosine).
   Target: ONNX >= 90 % of torch throughput.
3. **Warm in-process search latency** of `Service.search(q, k=10)` (hybrid mode, every
   stage: analysis, query embedding, dense + keyword retrieval, fusion, boosts, hits,
   entity cards and the graph answer) over the questions of `eval/questions.jsonl`:
   - distinct questions: each pass uses a new `Service` on the built data directory sharing
     the already-loaded encoder, so its query cache is empty and every timed question is
     really embedded; the service is warmed with a few questions that are not in the set.
     A thin wrapper around the encoder splits each of these searches into the query
     embedding and everything else;
   - repeated questions: the same questions again on that service (query-vector cache hits);
   - query embedding alone, one question at a time, one thread each: ONNX (`OnnxEncoder`)
     versus torch (`SentenceEncoder(threads=1)`).
   Target: p50 <= 15 ms for distinct questions.
4. **Synthetic scale run** with `--passages N` (default 100,000) passages:
   - N random L2-normalised float32 vectors of dimension 384 (fixed numpy seed) in a
     `VectorIndex` (exact `IndexFlatIP`) and `VectorIndex(vectors, hnsw=True)` (HNSW, M=32,
     efConstruction=80, efSearch=128, as ltgraph uses above its 50k threshold);
   - N synthetic texts for a `KeywordIndex` (bm25s): words sampled with their corpus
     frequencies from the bundled corpus vocabulary, lengths sampled from the real
     passages' lengths;
   - build time of each index; exact and HNSW search p50/p99 at k=50 (the candidate depth
     of the service) over `--queries` random query vectors; BM25 search p50/p99 with the
     eval questions; peak RSS (`getrusage`) and current RSS (`/proc/self/status`) after
     building;
   - HNSW recall@10 and @50 against exact search over the same random queries, at ltgraph's
     efSearch=128 and, as a diagnostic, at 64 and 256; the mean cosine of the exact 1st/10th/
     50th neighbours (how well separated the true neighbours are); and how often HNSW finds
     a planted near neighbour (a stored vector plus noise, cosine ~0.7);
   - end to end at that scale, per eval question: ONNX query embedding (real model) + dense
     top-50 + BM25 top-50 + `reciprocal_rank_fusion` + `boost` with `Analysis(kinds=[])` on
     synthetic records. Target: p50 <= 25 ms.
   The end-to-end figure leaves out what does not grow with the passage count (question
   analysis, the whole-entry keyword vote over entries, hits and the SPARQL-backed answer);
   section 3 measures those on the real corpus (the cached-question latency).

Percentiles are nearest rank (an observed value, no interpolation). Times are wall clock
(`time.perf_counter`). The cpu/wall columns divide the process CPU time by the wall time of
the loop: about 1.0 for one-thread work that ran undisturbed, up to the core count for
multi-threaded work; lower means the process waited for a core. The load average is printed
at the start and after each section for the same reason. Run from the repository root::

    .venv/bin/python benchmarks/bench_search.py                    # 100,000 passages
    .venv/bin/python benchmarks/bench_search.py --passages 20000   # a quicker scale run

It prints plain-text tables and takes about five minutes at the default settings on a
two-core machine: about a minute for the first build, a minute and a half for encoding, and
two to three minutes for the scale run (mostly the HNSW build); `--passages 20000` saves
most of the last.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import percentile, print_table  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "eval" / "questions.jsonl"
#: Warm-up questions; none of them is in eval/questions.jsonl (asserted).
WARMUP_QUESTIONS = (
    "an overview of experiential learning cycles",
    "who came up with scaffolding",
    "benefits of spaced practice for adult learners",
    "how should I design a blended course",
    "limitations of programmed instruction",
)
DIM = 384
SEED = 20240601
K_CANDIDATES = 50  # the service's CANDIDATES: depth of each retriever before fusion
N_ENTRIES_SYNTHETIC = 1_000  # synthetic records spread over this many entries

TARGET_BUILD_S = 60.0
TARGET_ENCODE_RATIO = 0.90
TARGET_SEARCH_P50_MS = 15.0
TARGET_SCALE_P50_MS = 25.0


# --------------------------------------------------------------------------- timing


class Samples(list):
    """Wall-clock seconds per call, plus the process CPU time and wall time of the loops.

    CPU / wall near 1.0 for single-threaded work means the process ran undisturbed; well
    below 1.0 means it waited for a core (other processes on the machine).
    """

    cpu = 0.0
    wall = 0.0

    @property
    def cpu_ratio(self) -> float:
        return self.cpu / self.wall if self.wall else 0.0


def time_each(fn: Callable[[Any], Any], inputs: Iterable[Any],
              into: Samples | None = None) -> Samples:
    """Seconds of `fn(x)` for each input, in order (appended to `into` when given)."""
    samples = Samples() if into is None else into
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for x in inputs:
        start = time.perf_counter()
        fn(x)
        samples.append(time.perf_counter() - start)
    samples.cpu += time.process_time() - cpu0
    samples.wall += time.perf_counter() - wall0
    return samples


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


# --------------------------------------------------------------------------- output


def fmt_ms(seconds: float) -> str:
    """Milliseconds with about three significant digits."""
    ms = seconds * 1000
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds < 10 else f"{seconds:.1f}"


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"




def latency_row(name: str, samples: Samples, target_ms: float | None = None) -> list[str]:
    p50 = percentile(samples, 50)
    check = "" if target_ms is None else f"<= {target_ms:g} ms {verdict(p50 * 1000 <= target_ms)}"
    return [name, len(samples), fmt_ms(p50), fmt_ms(percentile(samples, 90)),
            fmt_ms(percentile(samples, 99)), fmt_ms(statistics.fmean(samples)),
            f"{samples.cpu_ratio:.2f}" if samples.wall else "", check]


LATENCY_HEADERS = ["measurement", "n", "p50 ms", "p90 ms", "p99 ms", "mean ms", "cpu/wall",
                   "target"]


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB."""
    current = 0.0
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                current = int(line.split()[1]) / 1024  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return current, peak


# --------------------------------------------------------------------------- inputs


def load_questions(path: Path = QUESTIONS) -> list[str]:
    """The eval questions, normalised as the service normalises them, without duplicates."""
    with open(path, encoding="utf-8") as handle:
        questions = [" ".join(json.loads(line)["q"].split()) for line in handle if line.strip()]
    unique = list(dict.fromkeys(questions))
    assert not set(unique) & set(WARMUP_QUESTIONS), "a warm-up question is in the eval set"
    return unique


# --------------------------------------------------------------------------- 1. build


def load_model(service: Any) -> None:
    """Load the service's encoder now (tokenizer, ONNX export if needed, query session)."""
    loader = getattr(service.encoder, "load", None)
    if loader is not None:
        loader()


@dataclass
class BuildResult:
    service: Any
    rows: list[list[str]]
    total: float
    passages: int


#: What happens before each progress mark of a build (names as `Service.build` reports them).
STAGE_WORK = {
    "parsed": "read and parse the corpus",
    "graph": "build the graph",
    "validated": "graph + SHACL validation",
    "embedded": "write graph, embed passages (ONNX batch session)",
    "published": "FAISS + BM25 indexes, save, publish",
}


def stage_rows(marks: dict[str, list[float]], started: float, passages: int) -> list[list[str]]:
    """Build stages from the progress hook: the time from one stage's last mark to the next."""
    rows, previous = [], started
    for stage, times in marks.items():  # dicts keep the order stages first reported in
        seconds = times[-1] - previous
        note = ""
        if stage == "embedded" and seconds > 0:
            note = f"~{passages / seconds:,.0f} passages/s"
        rows.append([f"  until '{stage}': {STAGE_WORK.get(stage, '')}".rstrip(": "),
                     fmt_s(seconds), note])
        previous = times[-1]
    return rows


def bench_build(data_dir: Path) -> BuildResult:
    """Section 1: cold model load (with ONNX export) + Service.build into a fresh data dir."""
    from ltgraph.config import Settings
    from ltgraph.service import Service

    settings = Settings(data_dir=data_dir)
    service = Service(settings)
    load_cold, _ = timed(lambda: load_model(service))

    marks: dict[str, list[float]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        marks.setdefault(stage, []).append(time.perf_counter())

    started = time.perf_counter()
    report = service.build(progress)
    build = time.perf_counter() - started

    # The same load once more, with the ONNX file already in <data_dir>/models/.
    again = Service(settings)
    load_cached, _ = timed(lambda: load_model(again))

    total = load_cold + build
    rows = [
        ["model load, cold (imports + ONNX export + session)", fmt_s(load_cold), ""],
        ["  (for comparison: load with the ONNX file cached)", fmt_s(load_cached), ""],
        ["  => ONNX export ~= cold - cached", fmt_s(max(0.0, load_cold - load_cached)), ""],
        ["Service.build", fmt_s(build),
         f"{report.entries} entries, {report.triples:,} triples, {report.passages} passages"],
    ]
    rows += stage_rows(marks, started, report.passages)
    rows.append(["TOTAL: model load + build", fmt_s(total),
                 f"target <= {TARGET_BUILD_S:g} s {verdict(total <= TARGET_BUILD_S)}"])
    return BuildResult(service, rows, total, report.passages)


# --------------------------------------------------------------------------- 2. encode


def bench_encode(models_dir: Path, docs: list[str], runs: int) -> tuple[list[list[str]], str]:
    """Section 2: passages/s of ltgraph's ONNX encoder vs the raw sentence-transformers model."""
    import torch
    from sentence_transformers import SentenceTransformer

    from ltgraph.retrieval.encoders import OnnxEncoder, make_encoder, resolve_model_path

    threads = os.cpu_count() or 1
    onnx = make_encoder("default", "onnx", models_dir)
    assert isinstance(onnx, OnnxEncoder), f"make_encoder gave {type(onnx).__name__}, not OnnxEncoder"
    st = SentenceTransformer(resolve_model_path("default"), device="cpu", local_files_only=True)

    results: dict[str, np.ndarray] = {}

    def run_onnx(_: Any) -> None:
        results["onnx"] = onnx.encode(docs)

    def run_torch(_: Any) -> None:
        torch.set_num_threads(threads)  # negligible; keeps every core whatever ran before
        results["torch"] = st.encode(docs, batch_size=64, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)

    warm = docs[:64]  # one batch: creates the batch session / torch thread pool
    onnx.encode(warm)
    torch.set_num_threads(threads)
    st.encode(warm, batch_size=64, normalize_embeddings=True, show_progress_bar=False)

    onnx_times, torch_times = Samples(), Samples()
    for _ in range(runs):  # interleaved, so drift (thermal, neighbours) hits both alike
        time_each(run_onnx, [None], into=onnx_times)
        time_each(run_torch, [None], into=torch_times)
    onnx_vectors, torch_vectors = results["onnx"], results["torch"]
    cosine = np.sum(onnx_vectors * np.asarray(torch_vectors, dtype=np.float32), axis=1)
    onnx_rate = len(docs) / min(onnx_times)
    torch_rate = len(docs) / min(torch_times)
    ratio = onnx_rate / torch_rate

    def row(name: str, t: Samples, rate: float, vs: str) -> list[str]:
        return [name, f"{threads}", f"{min(t):.2f}", f"{max(t):.2f}",
                f"{t.cpu / t.wall:.2f}", f"{rate:,.1f}", vs]

    rows = [
        row("ltgraph OnnxEncoder.encode (make_encoder)", onnx_times, onnx_rate, f"{ratio:.0%}"),
        row("sentence-transformers encode(batch_size=64)", torch_times, torch_rate, "100%"),
    ]
    note = (f"ONNX / torch throughput: {ratio:.0%} (target >= {TARGET_ENCODE_RATIO:.0%} "
            f"{verdict(ratio >= TARGET_ENCODE_RATIO)}); cosine(ONNX, torch) per passage: "
            f"min {cosine.min():.6f}, mean {cosine.mean():.6f}")
    return rows, note


# --------------------------------------------------------------------------- 3. latency


class TimedEncoder:
    """Wraps an encoder and adds up the time spent in `encode` (to split a search's time)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.spent = 0.0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def load(self) -> None:
        loader = getattr(self.inner, "load", None)
        if loader is not None:
            loader()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self.inner.encode(texts)
        finally:
            self.spent += time.perf_counter() - start


def bench_latency(service: Any, questions: list[str], passes: int) -> tuple[list[list[str]], Any]:
    """Section 3: Service.search p50/p99, uncached and cached, and the embedding alone."""
    from ltgraph.retrieval.encoders import SentenceEncoder
    from ltgraph.service import Service

    encoder = service.encoder
    timed_encoder = TimedEncoder(encoder)
    distinct, cached = Samples(), Samples()
    embed_in_search, rest_of_search = Samples(), Samples()

    def search_distinct(question: str) -> None:
        timed_encoder.spent = 0.0
        fresh.search(question, k=10)
        embed_in_search.append(timed_encoder.spent)

    for _ in range(passes):
        # A new Service per pass: an empty query cache, the loaded encoder shared.
        fresh = Service(service.settings, encoder=timed_encoder)
        for q in WARMUP_QUESTIONS:
            fresh.search(q, k=10)
        gc.collect()
        time_each(search_distinct, questions, into=distinct)
        time_each(lambda q: fresh.search(q, k=10), questions, into=cached)
    rest_of_search.extend(t - e for t, e in zip(distinct, embed_in_search))

    # Query embedding alone: one question, one thread, each backend.
    torch_encoder = SentenceEncoder("default", threads=1)
    for q in WARMUP_QUESTIONS:
        encoder.encode([q])
        torch_encoder.encode([q])
    onnx_embed = time_each(lambda q: encoder.encode([q]), questions)
    torch_embed = time_each(lambda q: torch_encoder.encode([q]), questions)

    rows = [
        latency_row("search, distinct questions (embedded)", distinct, TARGET_SEARCH_P50_MS),
        latency_row("  of which query embedding (ONNX, in search)", embed_in_search),
        latency_row("  of which everything else", rest_of_search),
        latency_row("search, repeated questions (cache hit)", cached),
        latency_row("query embedding alone, ONNX, 1 thread", onnx_embed),
        latency_row("query embedding alone, torch, 1 thread", torch_embed),
    ]
    return rows, encoder


# --------------------------------------------------------------------------- 4. scale


@dataclass(frozen=True)
class SyntheticRecord:
    """What `ranking.boost` reads of a passage record."""

    entry: str
    kind: str
    item: str | None


def corpus_vocabulary(keyword_docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(words, their probabilities, passage lengths in words) of the bundled corpus."""
    token = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
    counts: Counter[str] = Counter()
    lengths = []
    for doc in keyword_docs:
        words = token.findall(doc.lower())
        counts.update(words)
        lengths.append(len(words))
    words = np.array(list(counts), dtype=object)
    freq = np.array([counts[w] for w in words], dtype=np.float64)
    return words, freq / freq.sum(), np.array(lengths)


def synthetic_texts(n: int, keyword_docs: Sequence[str], rng: np.random.Generator) -> tuple[list[str], int]:
    """n texts of words drawn with corpus frequencies, lengths drawn from real passages."""
    words, probs, lengths = corpus_vocabulary(keyword_docs)
    sizes = rng.choice(lengths, size=n)
    flat = rng.choice(len(words), size=int(sizes.sum()), p=probs)
    texts, start = [], 0
    for size in sizes:
        texts.append(" ".join(words[flat[start:start + size]]))
        start += size
    return texts, len(words)


def random_unit_vectors(n: int, rng: np.random.Generator) -> np.ndarray:
    vectors = rng.standard_normal((n, DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def recall(approx: list[list[tuple[int, float]]], exact: list[list[tuple[int, float]]], at: int) -> float:
    hits = [len({i for i, _ in a[:at]} & {i for i, _ in e[:at]}) / at for a, e in zip(approx, exact)]
    return statistics.fmean(hits)


def hnsw_ef(index: Any) -> int:
    return int(index._index.hnsw.efSearch)  # diagnostic access to the FAISS object


def set_hnsw_ef(index: Any, ef: int) -> None:
    index._index.hnsw.efSearch = ef


@dataclass
class ScaleResult:
    build_rows: list[list[str]]
    search_rows: list[list[str]]
    recall_rows: list[list[str]]
    notes: list[str]
    e2e_rows: list[list[str]]


def bench_scale(n: int, n_queries: int, keyword_docs: Sequence[str], questions: list[str],
                encoder: Any) -> ScaleResult:
    """Section 4: FAISS exact/HNSW and BM25 over n synthetic passages, and end-to-end search."""
    from ltgraph.corpus import KINDS
    from ltgraph.retrieval.vectors import HNSW_THRESHOLD, VectorIndex
    from ltgraph.retrieval.keyword import KeywordIndex
    from ltgraph.retrieval.ranking import Analysis, boost, reciprocal_rank_fusion

    rss_before, _ = rss_mb()
    rng = np.random.default_rng(SEED)
    gen_vectors, vectors = timed(lambda: random_unit_vectors(n, rng))
    gen_texts, (texts, vocab) = timed(lambda: synthetic_texts(n, keyword_docs, rng))
    queries = random_unit_vectors(n_queries, np.random.default_rng(SEED + 1))
    records = [SyntheticRecord(f"entry-{i % N_ENTRIES_SYNTHETIC}", KINDS[i % len(KINDS)],
                               None if i % len(KINDS) == 0 else f"item-{i}") for i in range(n)]

    build_exact, exact = timed(lambda: VectorIndex(vectors))
    build_hnsw, hnsw = timed(lambda: VectorIndex(vectors, hnsw=True))
    build_bm25, keywords = timed(lambda: KeywordIndex.build(texts))
    gc.collect()
    rss_after, peak = rss_mb()

    build_rows = [
        ["generate vectors (random, normalised)", f"{n:,} x {DIM}", fmt_s(gen_vectors)],
        ["generate texts (corpus word frequencies)", f"{n:,} texts, {vocab:,} words", fmt_s(gen_texts)],
        ["VectorIndex exact (IndexFlatIP)", f"{n:,}", fmt_s(build_exact)],
        ["VectorIndex HNSW (M=32, efConstruction=80)", f"{n:,}", fmt_s(build_hnsw)],
        ["KeywordIndex (bm25s, stemmed)", f"{n:,}", fmt_s(build_bm25)],
        ["RSS before section 4 (models loaded)", "", f"{rss_before:,.0f} MB"],
        ["RSS after building (current, /proc)", "", f"{rss_after:,.0f} MB"],
        ["  growth for the indexes + inputs", "", f"{rss_after - rss_before:,.0f} MB"],
        ["peak RSS of the process (getrusage)", "", f"{peak:,.0f} MB"],
    ]

    for q in queries[:5]:  # warm both indexes
        exact.search(q, K_CANDIDATES)
        hnsw.search(q, K_CANDIDATES)
    exact_hits: list[list[tuple[int, float]]] = []
    exact_times = time_each(lambda q: exact_hits.append(exact.search(q, K_CANDIDATES)), queries)
    hnsw_hits: list[list[tuple[int, float]]] = []
    hnsw_times = time_each(lambda q: hnsw_hits.append(hnsw.search(q, K_CANDIDATES)), queries)
    for q in WARMUP_QUESTIONS:
        keywords.search(q, K_CANDIDATES)
    bm25_times = time_each(lambda q: keywords.search(q, K_CANDIDATES), questions)

    search_rows = [
        latency_row(f"exact IndexFlatIP, k={K_CANDIDATES}", exact_times),
        latency_row(f"HNSW efSearch={hnsw_ef(hnsw)} (ltgraph's), k={K_CANDIDATES}", hnsw_times),
        latency_row(f"BM25 (bm25s), k={K_CANDIDATES}, eval questions", bm25_times),
    ]
    recall_rows = [[f"{hnsw_ef(hnsw)} (ltgraph's)", fmt_ms(percentile(hnsw_times, 50)),
                    f"{recall(hnsw_hits, exact_hits, 10):.3f}",
                    f"{recall(hnsw_hits, exact_hits, K_CANDIDATES):.3f}"]]
    # Diagnostic only: how recall on this data moves with efSearch (ltgraph's is default_ef).
    default_ef = hnsw_ef(hnsw)
    for ef in (e for e in (64, 128, 256) if e != default_ef):
        set_hnsw_ef(hnsw, ef)
        hits: list[list[tuple[int, float]]] = []
        times = time_each(lambda q: hits.append(hnsw.search(q, K_CANDIDATES)), queries)
        recall_rows.append([f"{ef}", fmt_ms(percentile(times, 50)), f"{recall(hits, exact_hits, 10):.3f}",
                            f"{recall(hits, exact_hits, K_CANDIDATES):.3f}"])
    set_hnsw_ef(hnsw, default_ef)

    # Queries with a genuine near neighbour: a stored vector plus noise (cosine ~0.7 to it).
    noise_rng = np.random.default_rng(SEED + 2)
    targets = noise_rng.choice(n, size=n_queries, replace=False)
    noise = noise_rng.standard_normal((n_queries, DIM), dtype=np.float32) / math.sqrt(DIM)
    planted = vectors[targets] + noise  # |noise| ~ 1, so cosine to the target ~ 1/sqrt(2)
    planted /= np.linalg.norm(planted, axis=1, keepdims=True)
    found_exact = sum(exact.search(q, 10)[0][0] == t for q, t in zip(planted, targets))
    found_hnsw = [[i for i, _ in hnsw.search(q, K_CANDIDATES)[:10]] for q in planted]
    top1 = sum(ids[0] == t for ids, t in zip(found_hnsw, targets))
    top10 = sum(t in ids for ids, t in zip(found_hnsw, targets))

    scores = np.array([[s for _, s in hits] for hits in exact_hits])
    notes = [
        f"Exact cosine of the random queries' neighbours: 1st {scores[:, 0].mean():.3f}, "
        f"10th {scores[:, 9].mean():.3f}, 50th {scores[:, -1].mean():.3f} (mean over queries): "
        "isotropic random vectors have no near neighbours, the hardest case for HNSW.",
        f"Planted near neighbour (stored vector + noise, cosine ~0.7), {n_queries} queries: "
        f"exact top-1 {found_exact / n_queries:.0%}; HNSW (efSearch={default_ef}) top-1 "
        f"{top1 / n_queries:.0%}, in top-10 {top10 / n_queries:.0%}.",
        f"ltgraph switches to HNSW above {HNSW_THRESHOLD:,} passages; at {n:,} it uses "
        f"{'HNSW' if n > HNSW_THRESHOLD else 'exact search'}.",
    ]

    # End to end: a fresh embedding per question (no cache) + both retrievers + fusion + boost.
    analysis = Analysis(kinds=[])

    def end_to_end(index: VectorIndex) -> Callable[[str], list]:
        def run(question: str) -> list:
            vector = encoder.encode([question])[0]
            dense = index.search(vector, K_CANDIDATES)
            keyword = keywords.search(question, K_CANDIDATES)
            fused = reciprocal_rank_fusion(dense[:K_CANDIDATES], keyword[:K_CANDIDATES])
            return boost(fused, records, analysis)[:10]
        return run

    service_choice = "HNSW" if n > HNSW_THRESHOLD else "exact"
    e2e = {}
    for name, index in (("HNSW", hnsw), ("exact", exact)):
        run = end_to_end(index)
        for q in WARMUP_QUESTIONS:
            run(q)
        e2e[name] = time_each(run, questions)
    e2e_rows = []
    for name in ("HNSW", "exact"):
        label = f"embed (ONNX) + {name} + BM25 + RRF + boost"
        if name == service_choice:
            e2e_rows.append(latency_row(label + " [service's choice]", e2e[name], TARGET_SCALE_P50_MS))
        else:
            e2e_rows.append(latency_row(label, e2e[name]))

    return ScaleResult(build_rows, search_rows, recall_rows, notes, e2e_rows)


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=100_000,
                        help="synthetic passages in the scale run (default 100,000; 0 skips it)")
    parser.add_argument("--queries", type=int, default=200,
                        help="random query vectors for the FAISS latency and recall (default 200)")
    parser.add_argument("--passes", type=int, default=3,
                        help="passes over the eval questions for search latency (default 3)")
    parser.add_argument("--encode-runs", type=int, default=1,
                        help="full encoding passes per backend; the best counts (default 1: "
                             "torch alone takes ~50 s per pass on two cores)")
    args = parser.parse_args(argv)
    if args.passages < 0 or args.queries < 1 or args.passes < 1 or args.encode_runs < 1:
        parser.error("--passages must be >= 0 and the other counts >= 1")

    # Before transformers is imported: no "Loading weights" bars on stderr.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    started = time.perf_counter()
    mark = [started]

    def section_done(name: str) -> None:
        now = time.perf_counter()
        print(f"(section {name}: {now - mark[0]:.1f} s; {load_note()})")
        mark[0] = now

    print("ltgraph search benchmark")
    print(f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs; "
          + ", ".join(f"{p} {version(p)}" for p in
                      ("onnxruntime", "torch", "sentence-transformers", "faiss-cpu", "bm25s")))
    print(f"At start: {load_note()}. Other processes on the machine slow every figure; the "
          "cpu/wall columns show it (about 1.0 for one-thread work run undisturbed).")

    from ltgraph.config import bundled_corpus_dir
    from ltgraph.corpus import entry_files, load_corpus
    from ltgraph.retrieval.index import corpus_passages

    with tempfile.TemporaryDirectory(prefix="ltgraph-bench-search-") as tmp:
        data_dir = Path(tmp) / "data"

        # 1. Build (first: the process is cold, imports included)
        built = bench_build(data_dir)
        print_table("1. Build of the bundled corpus, fresh data dir, default settings (ONNX)",
                    ["stage", "seconds", "note"], built.rows)
        section_done("1")

        entries = load_corpus(entry_files(bundled_corpus_dir()))
        items = corpus_passages(entries)
        docs = [doc for _, doc, _ in items]
        keyword_docs = [kw for _, _, kw in items]

        # 2. Encode throughput
        rows, note = bench_encode(data_dir / "models", docs, args.encode_runs)
        print_table(f"2. Encode throughput over the {len(docs)} corpus passages "
                    f"(best of {args.encode_runs}, after warm-up)",
                    ["encoder", "threads", "best s", "worst s", "cpu/wall", "passages/s", "vs torch"], rows)
        print(note)
        section_done("2")

        # 3. Search latency
        questions = load_questions()
        rows, encoder = bench_latency(built.service, questions, args.passes)
        print_table(f"3. Warm search latency, Service.search(q, k=10), {len(questions)} eval "
                    f"questions x {args.passes} passes", LATENCY_HEADERS, rows)
        print("Distinct: a new Service (empty query cache) per pass, so every timed question is "
              "embedded.\nRepeated: the same questions again; the query vector comes from the cache.")
        section_done("3")

        # 4. Scale
        if args.passages:
            n = args.passages
            scale = bench_scale(n, args.queries, keyword_docs, questions, encoder)
            print_table(f"4a. Synthetic scale run: building over {n:,} passages",
                        ["step", "size", "seconds / MB"], scale.build_rows)
            print_table(f"4b. Retrieval at {n:,} passages ({args.queries} random query vectors "
                        f"for FAISS, {len(questions)} eval questions for BM25)",
                        LATENCY_HEADERS, scale.search_rows)
            print_table(f"4c. HNSW recall against exact search, {args.queries} random query "
                        f"vectors (other efSearch values are diagnostics, not ltgraph's setting)",
                        ["efSearch", "p50 ms", "recall@10", f"recall@{K_CANDIDATES}"],
                        scale.recall_rows)
            for line in scale.notes:
                print(line)
            print_table(f"4d. End-to-end search at {n:,} passages ({len(questions)} eval "
                        "questions, each embedded)", LATENCY_HEADERS, scale.e2e_rows)
            section_done("4")

    print(f"\nTotal benchmark time: {time.perf_counter() - started:.1f} s; at the end: {load_note()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
