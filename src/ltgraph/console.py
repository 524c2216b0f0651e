"""Plain-text renderings for the command line (no click here: `cli.py` echoes them)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from typing import Any

from ltgraph.corpus import Entry
from ltgraph.words import counted


def search_text(response: dict[str, Any], bold: Callable[[str], str] = str) -> str:
    """A search response as the terminal shows it: correction, match, answer, ranked hits."""
    lines = []
    if response["did_you_mean"]:
        lines.append(f"Searched for: {response['did_you_mean']}\n")
    if response["match"] == "none":
        nearest = list(dict.fromkeys(h["theory_label"] for h in response["results"]))[:3]
        lines.append(bold("No good match: ") + "this corpus of learning theories does not seem "
                     "to answer that question."
                     + (f" Nearest entries: {'; '.join(nearest)}." if nearest else "") + "\n")
    answer = response["answer"]
    if answer:
        lines.append(bold("Answer: ") + answer["text"])
        if answer.get("compare_url"):
            lines.append(f"Compare side by side: {answer['compare_url']}")
        titles = [item["title"] for item in answer.get("evidence", [])]
        lines.append(("Evidence: " + "; ".join(titles) if titles else "") + "\n")
    for rank, hit in enumerate(response["results"], 1):
        text = hit["text"]
        snippet = text if len(text) <= 160 else text[:157].rsplit(" ", 1)[0] + "…"
        lines.append(f"{rank:>2}. {hit['theory_label']} · {hit['kind']} · {hit['label']}  "
                     f"({hit['score']:.4f})\n    {snippet}")
    if not response["results"]:
        lines.append("no results")
    return "\n".join(lines)


def entry_text(entry: Entry, data: dict[str, Any]) -> str:
    """`ltgraph show`: the entry's facts, overview and item titles (`data`: its JSON)."""
    lines = [f"{entry.name} ({entry.type}, {entry.year})  <{data['iri']}>"]
    if entry.aliases:
        lines.append(f"Also known as: {', '.join(entry.aliases)}")
    lines.append("Researchers: " + ", ".join(p.name for p in entry.researchers))
    lines += [f"Seminal work: {work.citation}" for work in entry.works]
    lines += [f"{rel.relation} {rel.target}" for rel in entry.related]
    lines.append("")
    lines += [textwrap.fill(paragraph, 100) + "\n" for paragraph in entry.overview]
    for kind in ("concept", "implication", "strength", "limitation", "network"):
        items = data[f"{kind}s"]
        if items:
            lines.append(f"{kind.capitalize()}s: " + "; ".join(i["title"] for i in items))
    return "\n".join(lines) + "\n"


def listing(entries: Iterable[Entry]) -> str:
    """`ltgraph list`: one line per entry."""
    entries = list(entries)
    width = max((len(e.slug) for e in entries), default=4)
    return "".join(f"{e.slug:<{width}}  {e.type:<6}  {e.year}  {e.name} "
                   f"({', '.join(p.name for p in e.researchers)})\n" for e in entries)


def markdown_table(entries: Iterable[Entry]) -> str:
    """`ltgraph list --markdown`: the README's table of entries, theories first."""
    rows = ["| Entry | Type | Year | Researchers | Evidence |", "|---|---|---|---|---|"]
    for e in sorted(entries, key=lambda e: (e.type != "theory", e.name.lower())):
        people = ", ".join(p.name + (f" ({p.role})" if p.role in ("forerunner", "critic") else "")
                           for p in e.researchers)
        rows.append(f"| {e.name} (`{e.slug}`) | {e.type} | {e.year} | {people} | "
                    f"{e.evidence.grade if e.evidence else ''} |")
    return "\n".join(rows) + "\n"


def change_summary(report: Any, verb: str) -> str:
    """One line for `add`, `update` and `remove`: what changed, the totals, where."""
    what = [f"{label} {', '.join(slugs)}" for label, slugs in
            (("added", report.added), ("replaced", report.replaced), ("removed", report.removed))
            if slugs]
    prefix = "dry run, nothing written: would have " if report.dry_run else ""
    suffix = ""
    if not report.dry_run:
        if report.added or report.replaced:
            suffix = f"; embedded {counted(report.embedded, 'passage')}"
        suffix += f" in {report.seconds:.1f} s -> {report.generation}"
    return (f"{prefix}{'; '.join(what) or verb}: now {report.entries} entries, "
            f"{report.passages} passages{suffix}")


def eval_table(report: dict[str, Any]) -> str:
    """`ltgraph eval`: one row per mode, then hybrid per category (blank: not measured)."""
    rows = [(mode, m) for mode, m in report.items() if mode != "hybrid_by_category"]
    rows += [(f"  {name}", m) for name, m in report.get("hybrid_by_category", {}).items()]
    lines = [f"{'mode':<15} {'n':>4} {'hit@1':>7} {'hit@5':>7} {'MRR@10':>7} {'kind@5':>7} {'all@5':>7}"]
    for mode, m in rows:
        kind = f"{m['kind_match@5']:>7.3f}" if m.get("kind_questions", 1) else f"{'':>7}"
        all5 = f"{m['all@5']:>7.3f}" if "all@5" in m else f"{'':>7}"
        lines.append(f"{mode:<15} {m['questions']:>4} {m['hit@1']:>7.3f} {m['hit@5']:>7.3f} "
                     f"{m['mrr@10']:>7.3f} {kind} {all5}")
    return "\n".join(lines) + "\n"
