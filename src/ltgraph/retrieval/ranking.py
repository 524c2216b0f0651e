"""Question analysis and ranking: entity linking, kind detection, fusion, graph-aware boosts.

Pure functions over passage records and a lexicon of graph labels; no model, no store.
Weights are set by method (reciprocal rank fusion plus fixed boosts) and checked on the
development questions with `ltgraph eval`, never tuned per question.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from ltgraph.retrieval.intent import Intent, rule_intent
from ltgraph.retrieval.lexicon import Lexicon, Mention


@dataclass
class Analysis:
    """What a question is about and what kind of answer it wants."""

    kinds: list[str]
    mentions: list[Mention] = field(default_factory=list)
    #: The question type (`intent.TYPES`).
    type: str = "factoid"
    #: Whether the first kind is clear (else an entry's places show a variety of kinds).
    sure: bool = True
    #: How likely the question is about the field at all (`Intent.on_topic`).
    on_topic: float | None = None
    #: Whether the question is names and nothing else ("jean lave", "ADDIE model").
    bare: bool = False

    @property
    def entries(self) -> set[str]:
        return {m.entry for m in self.mentions if m.kind == "entry" and m.entry}

    @property
    def people(self) -> set[str]:
        return {m.slug for m in self.mentions if m.kind == "person"}

    @property
    def items(self) -> set[tuple[str | None, str]]:
        return {(m.entry, m.slug) for m in self.mentions if m.kind == "item"}


def analyse(question: str, lexicon: Lexicon,
            intent: Callable[[int, int], Intent] | None = None) -> Analysis:
    """The names in the question and what it asks for; `intent(entries_named,
    people_named)` decides the type and kinds (word cues when not given)."""
    mentions = lexicon.find(question)
    entries = len({m.entry for m in mentions if m.kind == "entry"})
    people = len({m.slug for m in mentions if m.kind == "person"})
    found = intent(entries, people) if intent else rule_intent(question, entries, people)
    kinds, sure = list(found.kinds), found.sure
    if found.type == "comparison":
        mentions = lexicon.entries_of_people(mentions)
    elif found.type == "description":  # "which theory says …": the entry's overview answers,
        # after the kind the model reads first when that is another ("who came up with the
        # idea that …": its researchers; "advantages of letting students find out …": its strengths)
        lead = kinds[:1] if kinds[:1] and kinds[0] not in ("overview", "concept") else []
        kinds = [*lead, "overview", "concept", *(k for k in kinds if k not in (*lead, "overview", "concept"))]
        sure = False
    bare = bool(mentions) and all(word in FILLERS for word in lexicon.unnamed(question))
    return Analysis(kinds=kinds, mentions=mentions, type=found.type, sure=sure,
                    on_topic=found.on_topic, bare=bare)


#: Words that leave a question a bare name ("the ADDIE model", "connectivism explained").
FILLERS = frozenset({"the", "a", "an", "s", "and", "theory", "model", "framework", "approach", "please",
                     "explained", "overview", "summary", "info"})


# --------------------------------------------------------------------------- fusion


#: Reciprocal rank fusion constant. Small values weigh the top of each ranking heavily; both
#: retrievers are precise at the top here, so 5 beats the customary 60 (see `ltgraph eval`).
RRF_K = 5
_TOP = 1.0 / (RRF_K + 1)  # the fused score of a rank-1 hit in one retriever
#: Additive boosts, in units of a rank-1 fused score.
ENTITY_BOOST = 2.0 * _TOP
PERSON_BOOST = 0.5 * _TOP
ITEM_BOOST = 0.5 * _TOP
#: Weight of the entry-level evidence: the summed fused scores of an entry's candidates.
ENTRY_EVIDENCE = 0.1
#: Weight of the whole-entry keyword ranking relative to a passage retriever.
ENTRY_VOTE = 1.0


@dataclass(frozen=True)
class Scored:
    row: int
    score: float


def reciprocal_rank_fusion(*rankings: Sequence[tuple[int, float]],
                           k: int | None = None) -> dict[int, float]:
    """Sum of 1 / (k + rank) over the rankings each row appears in (k: `RRF_K`)."""
    k = RRF_K if k is None else k  # read at call time: benchmarks/sweep_ranking.py varies it
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (row, _) in enumerate(ranking, 1):
            fused[row] = fused.get(row, 0.0) + 1.0 / (k + rank)
    return fused


def boost(fused: dict[int, float], records: Sequence[Any], analysis: Analysis,
          entry_ranking: Sequence[str] = ()) -> list[Scored]:
    """Rank passages: fused score, raised for the entities the question names; then, within
    each entry, passages of the kind asked for take the entry's best places.

    The kind never changes which entries rank where — a "drawbacks" question about one
    theory must not surface another theory's limitations first — it only chooses which of
    an entry's passages fill that entry's places in the list.
    """
    entries, people, items = analysis.entries, analysis.people, analysis.items
    item_entries = {e for e, _ in items}
    # An entry with several relevant passages is more likely the one asked about than an
    # entry with one lucky match: every passage gets a share of its entry's total evidence.
    evidence: dict[str, float] = {}
    for row, score in fused.items():
        evidence[records[row].entry] = evidence.get(records[row].entry, 0.0) + score
    # The whole-entry keyword ranking votes for entries like a third retriever.
    entry_vote = {slug: ENTRY_VOTE / (RRF_K + rank) for rank, slug in enumerate(entry_ranking, 1)}
    ranked = []
    for row, score in fused.items():
        record = records[row]
        score += ENTRY_EVIDENCE * evidence[record.entry] + entry_vote.get(record.entry, 0.0)
        if record.entry in entries:
            score += ENTITY_BOOST
        elif record.entry in item_entries:
            score += ENTITY_BOOST / 2
        if record.kind == "researcher" and record.item in people:
            score += PERSON_BOOST
        if (record.entry, record.item) in items:
            score += ITEM_BOOST
        ranked.append(Scored(row, score))
    ranked.sort(key=lambda s: (-s.score, records[s.row].key))  # ties: same order in any layout
    # (An entry the question does not name is held to three of the first places by `arrange`;
    # holding it to two here as well cost kind@5 on every development set and moved no entry:
    # benchmarks/sweep_ranking.py.)
    return prefer_kind(ranked, records, analysis.kinds[:PREFERRED_KINDS], analysis.sure, entries)


#: The first places of a result list, where `arrange`'s rules hold (the top five).
WINDOW = 5


#: How many of the kinds asked for (most likely first) take an entry's first places.
PREFERRED_KINDS = 2
#: How many passages of a clearly asked-for kind lead an entry's places before the others.
SURE_LEADERS = 2


def prefer_kind(ranked: list[Scored], records: Sequence[Any], kinds: Sequence[str],
                sure: bool = True, named: Collection[str] = ()) -> list[Scored]:
    """Within each entry's slots of the ranking, put passages of the wanted kinds first, then
    one passage of each other kind, then the rest in score order.

    The leaders are the best passage of each wanted kind — the best `SURE_LEADERS` of the
    first kind when it is `sure`, and all of them for an entry the question names ("drawbacks
    of connectivism" lists its limitations). Two kinds hedge a question read either way
    ("why is X good at …": a strength, or an implication); the one passage of every other
    kind hedges a wrong reading (a "drawbacks" question gets two limitations, then what else
    the entry holds — the answer card lists all of them). Slots keep their scores, so scores
    stay in descending order down the list.
    """
    if not kinds and sure:
        return ranked
    by_entry: dict[str, list[Scored]] = {}
    for scored in ranked:
        by_entry.setdefault(records[scored.row].entry, []).append(scored)
    queues = {}
    for entry, group in by_entry.items():
        leaders = []
        for n, kind in enumerate(kinds):
            take = (len(group) if entry in named else SURE_LEADERS) if sure and n == 0 else 1
            leaders += [s for s in group if records[s.row].kind == kind][:take]
        rest = [s for s in group if s not in leaders]
        shown = {records[s.row].kind for s in leaders}
        for s in list(rest):
            if records[s.row].kind not in shown:
                shown.add(records[s.row].kind)
                leaders.append(s)
        rest = [s for s in rest if s not in leaders]
        wanted = [s for s in rest if records[s.row].kind in kinds]
        queues[entry] = leaders + wanted + [s for s in rest if records[s.row].kind not in kinds]
    return [Scored(queues[records[slot.row].entry].pop(0).row, slot.score) for slot in ranked]


#: An entry the question does not name may take at most this many of the first places.
UNNAMED_CAP = 3


def arrange(ranked: list[Scored], records: Sequence[Any], analysis: Analysis,
            window: int | None = None) -> list[Scored]:
    """The first places made worth reading; slots keep their scores (descending).

    - A question naming several entries (a comparison, "limitations of X and Y", "does X
      build on Y") shows each of them in the first `window` places, taking turns in the order
      of each entry's best passage, whatever type the intent model reads in it.
    - A question about a person that names no entry ("who is Merrill") shows that person's
      researcher passages first — those of every entry they worked on — before more of any
      one entry.
    - An entry the question does not name takes at most `UNNAMED_CAP` of them.
    - No entry's overview passages follow each other there.
    """
    window = WINDOW if window is None else window
    named = [m.entry for m in analysis.mentions if m.kind == "entry" and m.entry]
    named = list(dict.fromkeys(named))
    order = list(ranked)
    if len(named) >= 2:
        queues: dict[str, list[Scored]] = {e: [] for e in named}
        for scored in order:
            entry = records[scored.row].entry
            if entry in queues:
                queues[entry].append(scored)
        turns = sorted((e for e in named if queues[e]), key=lambda e: order.index(queues[e][0]))
        first: list[Scored] = []
        while len(first) < window and any(queues[e] for e in turns):
            for entry in turns:
                if queues[entry] and len(first) < window:
                    first.append(queues[entry].pop(0))
        chosen = {s.row for s in first}
        order = first + [s for s in order if s.row not in chosen]
    if analysis.type == "person" and analysis.people and not analysis.entries:
        about = [s for s in order if records[s.row].kind == "researcher"
                 and records[s.row].item in analysis.people][:window]
        order = about + [s for s in order if s not in about]
    # Entries tied to anything the question names (an entry, an item, a person's entries)
    # are exempt, as are passages of a clearly asked-for kind ("weaknesses of …" may list many).
    exempt = set(named) | {m.entry for m in analysis.mentions if m.entry}
    people = analysis.people
    exempt |= {records[s.row].entry for s in order
               if records[s.row].kind == "researcher" and records[s.row].item in people}

    def key(scored: Scored) -> str | None:
        return None if records[scored.row].entry in exempt else str(records[scored.row].entry)

    def may_hold(scored: Scored) -> bool:  # a clearly asked-for kind counts but stays
        return not (analysis.sure and records[scored.row].kind in analysis.kinds[:1])

    order = _no_overview_runs(_hold_back(order, key, UNNAMED_CAP, window, may_hold), records, window)
    return _slots(_varied_tail(order, records, window), ranked)


#: Places after the first five given to other entries' best passages, and where they end.
TAIL_ENTRIES, TAIL_END = 3, 10


def _varied_tail(order: list[Scored], records: Sequence[Any], window: int) -> list[Scored]:
    """Let up to `TAIL_ENTRIES` entries not among the first `window` places show their best
    passage right after them (before `TAIL_END`): when the first entry is the wrong reading
    of a question, the list offers the next ones instead of more of the same entry."""
    shown = {records[s.row].entry for s in order[:window]}
    head, rest = order[:window], order[window:]
    tail: list[Scored] = []
    for scored in rest:
        entry = records[scored.row].entry
        if entry not in shown and len(tail) < TAIL_ENTRIES:
            shown.add(entry)
            tail.append(scored)
    room = max(0, TAIL_END - window - len(tail))
    others = [s for s in rest if s not in tail]
    return head + tail + others[:room] + others[room:]


def _hold_back(order: list[Scored], key: Callable[[Scored], str | None], cap: int,
               window: int, may_hold: Callable[[Scored], bool] = lambda s: True) -> list[Scored]:
    """`order` with the passages beyond `cap` per key moved out of the first `window`
    places (a key of None is neither counted nor held back; one `may_hold` refuses is counted
    but stays); the held ones follow in their order."""
    first: list[Scored] = []
    held: list[Scored] = []
    counts: dict[str, int] = {}
    for scored in order:
        name = key(scored)
        if len(first) >= window or (name is not None and counts.get(name, 0) >= cap
                                    and may_hold(scored)):
            held.append(scored)
            continue
        if name is not None:
            counts[name] = counts.get(name, 0) + 1
        first.append(scored)
    return first + held


def _slots(order: list[Scored], ranked: list[Scored]) -> list[Scored]:
    """The passages of `order` in the slots (scores) of `ranked`: scores stay descending."""
    return [Scored(moved.row, slot.score) for moved, slot in zip(order, ranked, strict=True)]


def _no_overview_runs(order: list[Scored], records: Sequence[Any], window: int) -> list[Scored]:
    """Move a passage that would repeat the previous one's entry overview later on."""
    order = list(order)
    for i in range(1, min(window, len(order))):
        prev, here = records[order[i - 1].row], records[order[i].row]
        if here.kind == prev.kind == "overview" and here.entry == prev.entry:
            swap = next((j for j in range(i + 1, len(order))
                         if not (records[order[j].row].kind == "overview"
                                 and records[order[j].row].entry == prev.entry)), None)
            if swap is not None:
                order.insert(i, order.pop(swap))
    return order
