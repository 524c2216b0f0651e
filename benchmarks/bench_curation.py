"""Benchmark ltgraph's curation path: adding, removing and replacing one entry.

Target: `Service.add` of one entry, model load excluded, takes <= 5 s and does not grow
with the corpus size.

What is measured
----------------
For two corpora, each built into its own fresh temporary data directory with the default
settings (real default model, ONNX backend):

(a) the bundled corpus (28 entries);
(b) a synthetic corpus `--scale` times as large (default 10, i.e. 280 entries): the bundled
    entries plus `scale - 1` renamed copies of each. Copy N of entry `slug` has the id
    `slug-copy-N`, its name and aliases suffixed " (copy N)", and its related links rewritten
    to `target-copy-N`, so every link resolves inside the same copy. Texts and researchers
    are unchanged (people are shared across copies, as real entries share them); the
    embedded documents differ because they start with the entry name, so nothing is
    embedded twice and the build embeds every passage.

For each corpus, one `Service` (one shared, already-loaded ONNX encoder, so model load and
the ONNX export are timed once, separately, and excluded from everything else):

- `Service.build()` once (parse, graph, SHACL, embedding every passage, writing the
  generation); progress lines are printed while it runs;
- `service.warm_up()` (live generation + model + one query), then, with
  `tests/data/new/gamification.md` (a valid new entry):
  - `service.add([file])`, `--runs` times (default 3), the entry removed with
    `service.remove(slug)` after each run; those removes are the remove samples;
  - `service.add([variant], replace=True)`, `--runs` times, alternating between two variants
    of the file that differ in one strength paragraph, so each replace embeds one passage;
- at the end `health()` must be consistent, every `doctor()` row ok, and the entry set the
  one the build produced.

Every timed call is what a long-running server or a CLI process with a loaded model does.
A change writes a delta generation (see `src/ltgraph/store/layers.py`): it reads the live
generation's manifest and catalog, parses and checks the new file (SHACL on the new entry
only), builds the entry's own named graph, embeds and tokenises its passages, hard-links the
files of entries changed earlier since the last build, fsyncs and switches `CURRENT`. It
never loads or rewrites the other entries' graph, vectors or keyword index. A per-stage
breakdown of the add runs (wall time inside the named functions, found by wrapping them in
this process only) shows which stages, if any, grow with the corpus.

The reader's side is timed too: after each add, how long the same `Service` takes to load
the new generation (`_state()`: base plus delta composed, keyword index rebuilt from stored
tokens) -- that is what a running server does before it answers from the new state, and it
does grow with the corpus.

Figures are medians (with min and max) of the runs, wall clock (`time.perf_counter`). The
load average is printed before and after: on a shared 2-core machine other work inflates
the figures. Run from the repository root::

    .venv/bin/python benchmarks/bench_curation.py             # 1x and 10x (a few minutes)
    .venv/bin/python benchmarks/bench_curation.py --scale 3   # a smaller large corpus
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from ltgraph.config import Settings, bundled_corpus_dir
from ltgraph.corpus import Entry, Relation, entry_files, load_corpus, write_entry
from ltgraph.retrieval.encoders import Encoder, OnnxEncoder, make_encoder
from ltgraph.service import Service

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import load_average, print_table, say  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NEW_ENTRY = REPO / "tests" / "data" / "new" / "gamification.md"
NEW_SLUG = "gamification"
TARGET_SECONDS = 5.0

#: The paragraph the replace variants change (one passage re-embedded per replace).
REPLACED_TEXT = "Visible progress and frequent feedback keep learners returning to practice."


# --------------------------------------------------------------------------- output


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds < 100 else f"{seconds:.0f}"


def fmt_ratio(big: float, small: float) -> str:
    return f"{big / small:.2f}x" if small > 0 else "n/a"








# --------------------------------------------------------------------------- corpora


def copy_entry(entry: Entry, n: int) -> Entry:
    """Copy `n` of an entry: renamed id, name and aliases; related links into the same copy."""
    return replace(
        entry,
        slug=f"{entry.slug}-copy-{n}",
        name=f"{entry.name} (copy {n})",
        aliases=tuple(f"{a} (copy {n})" for a in entry.aliases),
        related=tuple(Relation(f"{r.target}-copy-{n}", r.relation) for r in entry.related),
        path=None,
    )


def write_scaled_corpus(target: Path, scale: int) -> int:
    """The bundled corpus plus `scale - 1` renamed copies of every entry, as files in `target`."""
    target.mkdir(parents=True)
    originals = entry_files(bundled_corpus_dir())
    for path in originals:
        shutil.copyfile(path, target / path.name)
    entries = load_corpus(originals)
    for n in range(1, scale):
        for entry in entries:
            copy = copy_entry(entry, n)
            (target / f"{copy.slug}.md").write_text(write_entry(copy), "utf-8")
    written = len(entry_files(target))
    # The copies must be a valid corpus on their own terms before we time anything on them.
    assert len(load_corpus(entry_files(target))) == written == scale * len(originals)
    return written


def replace_variants(directory: Path) -> list[Path]:
    """Two versions of the new entry that differ in one strength paragraph."""
    text = NEW_ENTRY.read_text("utf-8")
    assert REPLACED_TEXT in text, "tests/data/new/gamification.md changed; update REPLACED_TEXT"
    variants = []
    for i, sentence in enumerate(["Visible progress and frequent feedback bring learners back "
                                  "to practise again and again.", REPLACED_TEXT]):
        path = directory / f"variant-{i}" / NEW_ENTRY.name
        path.parent.mkdir(parents=True)
        path.write_text(text.replace(REPLACED_TEXT, sentence), "utf-8")
        variants.append(path)
    return variants


# --------------------------------------------------------------------------- stage timing


class Stages:
    """Wall time spent inside named functions, by wrapping them for the duration of a block.

    A wrapped function called inside another counts only in the outer stage, so the stages
    add up to at most the total; the rest is reported as "other". Functions that no longer exist (the code is
    edited by others) are skipped, not fatal.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, list[float]] = defaultdict(list)
        self._current: dict[str, float] = defaultdict(float)
        self._depth = 0
        self._parts: dict[str, str] = {}
        self._undo: list[Callable[[], None]] = []

    def _wrap(self, label: str, fn: Callable[..., Any], part_of: str | None = None) -> Callable[..., Any]:
        """Time `fn` as stage `label`; with `part_of`, as a part of that (outer) stage."""
        if part_of is not None:
            self._parts[label] = part_of

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if self._depth and part_of is None:  # inside another stage: it counts there
                return fn(*args, **kwargs)
            self._depth += part_of is None
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._current[label] += time.perf_counter() - start
                self._depth -= part_of is None

        return timed

    def patch(self, owner: Any, name: str, label: str, part_of: str | None = None) -> None:
        """Wrap a function of a module, or a method or classmethod of a class."""
        original = vars(owner).get(name)
        if isinstance(original, classmethod):
            wrapped: Any = classmethod(self._wrap(label, original.__func__, part_of))
        elif callable(original) and not isinstance(original, staticmethod):
            wrapped = self._wrap(label, original, part_of)
        else:
            print(f"  (stage {label!r}: {owner.__name__}.{name} not found; not timed)")
            return
        setattr(owner, name, wrapped)
        self._undo.append(lambda: setattr(owner, name, original))

    def patch_instance(self, obj: Any, name: str, label: str, part_of: str | None = None) -> None:
        """Wrap a method of one object (an instance attribute shadowing the class's)."""
        had_own = name in vars(obj)
        original = getattr(obj, name, None)
        if original is None:
            print(f"  (stage {label!r}: {type(obj).__name__}.{name} not found; not timed)")
            return
        setattr(obj, name, self._wrap(label, original, part_of))
        self._undo.append(lambda: setattr(obj, name, original) if had_own else delattr(obj, name))

    def instrument(self, service: Service) -> None:
        from ltgraph.curation import writer as curation
        from ltgraph.store import datadir

        self.patch(curation.Writer, "_require_live", "read manifest + catalog")
        self.patch(curation.Writer, "_read_new", "read new file")
        self.patch(curation.Writer, "_check_references", "check references")
        self.patch(curation.Writer, "_check_shapes", "SHACL on new entry")
        self.patch(curation, "entry_quads", "entry graph")
        self.patch(curation, "link_delta_entry", "hard-link earlier delta files")
        self.patch(curation, "entry_passages", "old passages (replace)")
        embed_stage = "embed + tokenise new passages"
        self.patch(curation.Writer, "_embed", embed_stage)
        self.patch_instance(service.encoder, "encode", "embedding", embed_stage)
        self.patch(curation, "write_delta_entry", "write entry files + vectors")
        self.patch(curation.Catalog, "save", "write catalog")
        self.patch(datadir.DataDir, "publish", "fsync + switch + GC")

    def restore(self) -> None:
        for undo in reversed(self._undo):
            undo()
        self._undo.clear()

    def start_run(self) -> None:
        self._current = defaultdict(float)

    def end_run(self, total: float) -> None:
        for label, seconds in self._current.items():
            self.seconds[label].append(seconds)
        self.seconds["total"].append(total)

    def rows(self) -> list[list[str]]:
        total = statistics.median(self.seconds["total"])

        def share(seconds: float) -> str:
            return f"{100 * seconds / total:.0f} %"

        rows = []
        staged = 0.0
        for label in [k for k in self.seconds if k != "total" and k not in self._parts]:
            median = statistics.median(self.seconds[label])
            staged += median
            rows.append([label, f"{median * 1000:,.0f}", share(median)])
            for part in [p for p, outer in self._parts.items() if outer == label and p in self.seconds]:
                median = statistics.median(self.seconds[part])
                rows.append([f"  of which {part}", f"{median * 1000:,.0f}", share(median)])
        rest = max(0.0, total - staged)
        rows.append(["other (lock, manifest, ...)", f"{rest * 1000:,.0f}", share(rest)])
        rows.append(["total (median add)", f"{total * 1000:,.0f}", "100 %"])
        return rows


# --------------------------------------------------------------------------- measurement


@dataclass
class Result:
    label: str
    entries: int = 0
    passages: int = 0
    triples: int = 0
    build: float = 0.0
    embedded_build: int = 0
    warm_up: float = 0.0
    add: list[float] = field(default_factory=list)
    add_embedded: int = 0
    remove: list[float] = field(default_factory=list)
    reload: list[float] = field(default_factory=list)
    replace: list[float] = field(default_factory=list)
    replace_embedded: int = 0
    stages: list[list[str]] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=dict)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def build_progress() -> Callable[[str, int, int], None]:
    started = time.perf_counter()
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.perf_counter() - started
        # Embedding reports every 256 passages; print about every 15 s and at the end.
        if stage != "embedded" or done == total or now - last[0] >= 15:
            last[0] = now
            say(f"{now:6.1f} s  {stage} {done}/{total}")

    return progress


def bench_corpus(label: str, settings: Settings, encoder: Encoder, runs: int,
                 variants: list[Path]) -> Result:
    result = Result(label)
    service = Service(settings, encoder=encoder)
    say(f"[{label}] building {settings.data_dir} from {settings.corpus_dir}")
    result.build, report = timed(lambda: service.build(progress=build_progress()))
    result.embedded_build = report.embedded
    result.entries, result.passages, result.triples = report.entries, report.passages, report.triples
    say(f"[{label}] built in {result.build:.1f} s: {report.entries} entries, {report.passages} "
        f"passages ({report.embedded} embedded), {report.triples} triples")
    result.warm_up, _ = timed(service.warm_up)
    say(f"[{label}] warm_up (reader loads the full generation + model) {result.warm_up:.2f} s")
    before = sorted(e.slug for e in service.entries())

    stages = Stages()
    stages.instrument(service)
    try:
        for run in range(runs):
            stages.start_run()
            seconds, added = timed(lambda: service.add([NEW_ENTRY]))
            stages.end_run(seconds)
            assert added.added == [NEW_SLUG], added
            result.add.append(seconds)
            result.add_embedded = added.embedded
            say(f"[{label}] add {run + 1}/{runs}: {seconds:.2f} s (embedded {added.embedded})")
            stages.restore()
            seconds, _ = timed(service.snapshot)
            result.reload.append(seconds)
            say(f"[{label}] reader loads the new generation: {seconds:.2f} s")
            stages.instrument(service)
            if run < runs - 1:
                seconds, removed = timed(lambda: service.remove(NEW_SLUG))
                assert removed.removed == [NEW_SLUG], removed
                result.remove.append(seconds)
                say(f"[{label}] remove {run + 1}/{runs}: {seconds:.2f} s")
    finally:
        stages.restore()
    result.stages = stages.rows()
    result.stage_seconds = {k: statistics.median(v) for k, v in stages.seconds.items()}

    for run in range(runs):
        seconds, replaced = timed(lambda: service.add([variants[run % 2]], replace=True))
        assert replaced.replaced == [NEW_SLUG], replaced
        result.replace.append(seconds)
        result.replace_embedded = replaced.embedded
        say(f"[{label}] replace {run + 1}/{runs}: {seconds:.2f} s (embedded {replaced.embedded})")
    seconds, removed = timed(lambda: service.remove(NEW_SLUG))
    assert removed.removed == [NEW_SLUG], removed
    result.remove.append(seconds)
    say(f"[{label}] remove {runs}/{runs}: {seconds:.2f} s")

    health = service.health()
    assert health["consistent"], health
    failed = [row for row in service.doctor() if not row[1]]
    assert not failed, failed
    after = sorted(e.slug for e in service.entries())
    assert after == before, "the entry set changed after add/remove round trips"
    return result


def median_row(name: str, small: list[float], big: list[float]) -> list[str]:
    def cell(samples: list[float]) -> str:
        return (f"{fmt_s(statistics.median(samples))} ({fmt_s(min(samples))}-"
                f"{fmt_s(max(samples))})")

    return [name, cell(small), cell(big),
            fmt_ratio(statistics.median(big), statistics.median(small))]


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=10,
                        help="size of the large corpus in copies of the bundled one (default 10)")
    parser.add_argument("--runs", type=int, default=3,
                        help="timed adds, removes and replaces per corpus (default 3)")
    parser.add_argument("--keep", type=Path,
                        help="build under this directory and keep it (default: a temporary "
                             "directory, deleted at the end)")
    args = parser.parse_args(argv)
    if args.scale < 2 or args.runs < 1:
        parser.error("--scale must be at least 2 and --runs at least 1")

    started = time.perf_counter()
    print("ltgraph curation benchmark")
    print(f"Python {platform.python_version()} on {platform.platform()}; "
          f"{os.cpu_count()} cores; load average {load_average()}")

    root = args.keep or Path(tempfile.mkdtemp(prefix="ltgraph-bench-curation-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        defaults = Settings()
        encoder = make_encoder(defaults.model, defaults.backend, root / "models")
        if not isinstance(encoder, OnnxEncoder):
            print(f"warning: the default settings gave {type(encoder).__name__}, not the ONNX "
                  "encoder", file=sys.stderr)

        def load_model() -> None:
            loader = getattr(encoder, "load", None)
            if loader is not None:
                loader()
            encoder.encode(["warm up the query session"])
            encoder.encode(["warm up", "the batch session"])

        say(f"loading {encoder.name} ({type(encoder).__name__}; exports to ONNX on first use)")
        model_load, _ = timed(load_model)
        say(f"model loaded in {model_load:.1f} s")

        variants = replace_variants(root / "drafts")
        small = bench_corpus("1x", Settings(data_dir=root / "data-1x"), encoder, args.runs,
                             variants)

        corpus = root / f"corpus-x{args.scale}"
        say(f"writing the {args.scale}x corpus to {corpus}")
        seconds, written = timed(lambda: write_scaled_corpus(corpus, args.scale))
        say(f"wrote {written} entry files in {seconds:.1f} s")
        big = bench_corpus(f"{args.scale}x", Settings(data_dir=root / f"data-x{args.scale}",
                                                      corpus_dir=corpus),
                           encoder, args.runs, variants)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)

    big_label = f"{args.scale}x"
    print_table(
        f"Corpora and build (model {encoder.name}, {type(encoder).__name__}; model load + "
        f"ONNX export {model_load:.1f} s, once, not counted below)",
        ["", "1x", big_label, f"{big_label}/1x"],
        [
            ["entries", small.entries, big.entries, fmt_ratio(big.entries, small.entries)],
            ["passages", f"{small.passages:,}", f"{big.passages:,}",
             fmt_ratio(big.passages, small.passages)],
            ["triples", f"{small.triples:,}", f"{big.triples:,}",
             fmt_ratio(big.triples, small.triples)],
            ["build s (embeds every passage)", fmt_s(small.build), fmt_s(big.build),
             fmt_ratio(big.build, small.build)],
            ["passages embedded by build", f"{small.embedded_build:,}", f"{big.embedded_build:,}",
             ""],
            ["warm_up s (load live generation)", fmt_s(small.warm_up), fmt_s(big.warm_up),
             fmt_ratio(big.warm_up, small.warm_up)],
        ])

    print_table(
        f"One entry ({NEW_SLUG}), model loaded: seconds, median (min-max) of {args.runs} runs",
        ["operation", "1x", big_label, f"{big_label}/1x"],
        [
            median_row(f"add (embeds {small.add_embedded})", small.add, big.add),
            median_row("remove", small.remove, big.remove),
            median_row("reader loads the new state (server pickup)", small.reload, big.reload),
            median_row(f"add --replace (embeds {small.replace_embedded})", small.replace,
                       big.replace),
        ])

    stage_labels = [row[0] for row in small.stages]
    big_rows = {row[0]: row for row in big.stages}
    print_table("Where the add time goes: median ms per stage",
                ["stage", "1x ms", "1x share", f"{big_label} ms", f"{big_label} share"],
                [[label, *row[1:], *big_rows.get(label, ["", "", ""])[1:]]
                 for label, row in zip(stage_labels, small.stages)])

    add_big = statistics.median(big.add)
    add_small = statistics.median(small.add)
    verdict = "met" if max(add_small, add_big) <= TARGET_SECONDS else "MISSED"
    print(f"\nTarget: add of one entry <= {TARGET_SECONDS:.0f} s, independent of corpus size. "
          f"1x {add_small:.2f} s, {big_label} {add_big:.2f} s ({fmt_ratio(add_big, add_small)}): "
          f"target {verdict} on time; growth with corpus size {fmt_ratio(add_big, add_small)} "
          f"for {fmt_ratio(big.passages, small.passages)} the passages.")
    print("Consistency after the runs: health consistent, doctor all ok, entry set unchanged "
          "(asserted on both corpora).")
    print(f"Load average at the end: {load_average()}. "
          f"Total benchmark time: {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
