"""Retrieval quality on a labelled question set: hit@1, hit@5, MRR@10, kind-match@5, all@5.

Metrics are at the entry level: a result list is reduced to its entries in order of first
appearance, and a question counts as answered at rank r when one of its expected entries
is the r-th distinct entry; `also` lists entries that answer it as directly (added when the
corpus grew after the question was written) and count like expected ones. kind-match@5 is,
over questions labelled with a kind, the share where a top-5 passage is of that kind and from
an expected entry. all@5 is, over questions expecting several entries together (comparisons;
uncategorised questions with several `expected` entries), the share where every one of them
is in the top 5.
A question may carry a `category` (paraphrase, description, misspelling, comparison, keyword,
situation, person); `evaluate_by_category` reports each apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ltgraph.errors import ConfigError, ValidationError

Searcher = Callable[[str, str], list[dict[str, Any]]]


@dataclass(frozen=True)
class Question:
    q: str
    expected: tuple[str, ...]
    kind: str | None
    category: str | None = None
    #: Entries that answer the question as directly as the expected ones (not required together).
    also: tuple[str, ...] = ()

    @property
    def answers(self) -> tuple[str, ...]:
        """Every entry that counts as a right answer."""
        return self.expected + self.also


def load_questions(path: Path) -> list[Question]:
    """Read a JSONL question set; errors name the line."""
    questions = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read questions: {exc.strerror}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            questions.append(Question(data["q"], tuple(data["expected"]), data.get("kind"),
                                      data.get("category"), tuple(data.get("also", ()))))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationError(f"{path}:{n}: not a question record ({exc})") from None
    return questions


def entry_rank(results: list[dict[str, Any]], expected: tuple[str, ...], depth: int = 10) -> int | None:
    """1-based rank of the first expected entry among distinct entries of the results."""
    seen: list[str] = []
    for hit in results:
        if hit["theory"] not in seen:
            seen.append(hit["theory"])
            if hit["theory"] in expected:
                return len(seen) if len(seen) <= depth else None
    return None


def evaluate(questions: list[Question], search: Searcher, mode: str) -> dict[str, float]:
    """Metrics of one retrieval mode over the question set."""
    hit1 = hit5 = rr = 0.0
    kind_total = kind_hits = multi_total = multi_hits = 0
    for question in questions:
        results = search(question.q, mode)
        rank = entry_rank(results, question.answers)
        if len(question.expected) > 1 and question.category in (None, "comparison"):
            multi_total += 1  # entries named together (elsewhere, several would do: any counts)
            top5 = list(dict.fromkeys(h["theory"] for h in results))[:5]
            multi_hits += all(e in top5 for e in question.expected)
        hit1 += rank == 1
        hit5 += rank is not None and rank <= 5
        rr += 1.0 / rank if rank else 0.0
        if question.kind:
            kind_total += 1
            kind_hits += any(h["kind"] == question.kind and h["theory"] in question.answers
                             for h in results[:5])
    n = len(questions) or 1
    return {"hit@1": hit1 / n, "hit@5": hit5 / n, "mrr@10": rr / n,
            "kind_match@5": kind_hits / (kind_total or 1), "kind_questions": kind_total,
            **({"all@5": multi_hits / multi_total} if multi_total else {}),
            "questions": len(questions)}


def evaluate_by_category(questions: list[Question], search: Searcher,
                         mode: str) -> dict[str, dict[str, float]]:
    """`evaluate` for each category of the set (questions without one are "other")."""
    groups: dict[str, list[Question]] = {}
    for question in questions:
        groups.setdefault(question.category or "other", []).append(question)
    return {name: evaluate(group, search, mode) for name, group in sorted(groups.items())}
