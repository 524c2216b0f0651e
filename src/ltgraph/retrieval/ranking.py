"""Question analysis and ranking: entity linking, kind detection, fusion, graph-aware boosts.

Pure functions over passage records and a lexicon of graph labels; no model, no store.
Weights are set by method (reciprocal rank fusion plus fixed boosts) and checked on the
development questions with `ltgraph eval`, never tuned per question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ltgraph.corpus import Entry, slugify

#: Cue phrases for the kind of passage a question asks for (checked on lowercased text).
KIND_CUES: dict[str, tuple[str, ...]] = {
    "limitation": (
        r"drawbacks?", r"disadvantages?", r"criticis(?:m|ms|ed|e)", r"criticiz(?:ed|e)",
        r"critiques?", r"weakness(?:es)?", r"limitations?", r"limits", r"downsides?", r"cons\b",
        r"problems? (?:with|of)", r"shortcomings?", r"pitfalls?", r"risks?", r"flaws?",
        r"what(?:'s| is) wrong", r"issues? with", r"struggle", r"fall short", r"concerns?",
        r"negatives?", r"doesn'?t work", r"fails?\b",
    ),
    "strength": (
        r"strengths?", r"advantages?", r"benefits?", r"pros\b", r"upsides?", r"merits?",
        r"why (?:use|choose|adopt)", r"good (?:about|for)", r"positives?", r"value of",
        r"what(?:'s| is) great", r"work well", r"effective",
    ),
    "researcher": (
        r"\bwho\b", r"whose", r"developed by", r"founders?", r"founded", r"inventors?",
        r"invented", r"came up with", r"originators?", r"originated", r"proposed by",
        r"researchers?", r"theorists?", r"psychologists?", r"authors?", r"pioneers?",
        r"behind (?:the|this)",
    ),
    "implication": (
        r"how (?:should|do|can|would|could) (?:i|we|you|a designer|designers|teachers?)",
        r"\bdesign(?:ing)?\b", r"implications?", r"apply(?:ing)?", r"in practice", r"classroom",
        r"instructional designers?", r"activities", r"how to (?:use|teach|build|create|structure)",
        r"lesson", r"course", r"\bteach(?:ing)?\b", r"tools?", r"put into practice",
    ),
    "concept": (
        r"concepts?", r"ideas?", r"principles?", r"key terms?", r"stages?", r"levels?",
        r"what does .* mean", r"meaning of", r"define", r"definition", r"components?",
        r"elements?", r"phases?", r"steps?", r"events?", r"types?",
    ),
    "overview": (
        r"^what (?:is|are)\b", r"overview", r"summar(?:y|ise|ize)", r"explain", r"describe",
        r"in a nutshell", r"basics", r"introduction", r"tell me about", r"main idea",
    ),
}
_KIND_RES = {kind: re.compile("|".join(f"(?:{c})" for c in cues)) for kind, cues in KIND_CUES.items()}
#: When several kinds match, the more specific wins (a "who" beats "what is").
KIND_PRIORITY = ("limitation", "strength", "researcher", "implication", "concept", "overview")


@dataclass(frozen=True)
class Mention:
    """A graph node named in the question."""

    kind: str  # "entry", "person" or "item"
    entry: str | None  # entry slug (for entries and items)
    slug: str  # entry, person or item slug
    label: str
    item_kind: str | None = None


@dataclass
class Analysis:
    """What a question is about and what kind of answer it wants."""

    kinds: list[str]
    mentions: list[Mention] = field(default_factory=list)

    @property
    def entries(self) -> set[str]:
        return {m.entry for m in self.mentions if m.kind == "entry" and m.entry}

    @property
    def people(self) -> set[str]:
        return {m.slug for m in self.mentions if m.kind == "person"}

    @property
    def items(self) -> set[tuple[str | None, str]]:
        return {(m.entry, m.slug) for m in self.mentions if m.kind == "item"}


def detect_kinds(question: str) -> list[str]:
    """The kinds of passage a question asks for, most specific first."""
    text = question.lower()
    found = [kind for kind in KIND_PRIORITY if _KIND_RES[kind].search(text)]
    # "what is X" only signals an overview when nothing more specific was asked.
    if len(found) > 1 and "overview" in found:
        found.remove("overview")
    return found


#: How alike (rapidfuzz ratio, 0-100) an unknown word must be to a word of a name to be
#: corrected to it: 85 keeps "siemnes" -> "siemens" (86) and leaves "downsides" (80 to
#: "downes") alone.
SPELLING_CUTOFF = 85


class Lexicon:
    """Labels of graph nodes, matched against questions as whole words."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        entries = list(entries)
        surface: dict[str, list[Mention]] = {}

        def add(text: str, mention: Mention) -> None:
            key = _norm(text)
            if len(key) >= 3 and mention not in surface.setdefault(key, []):
                surface[key].append(mention)

        last_names: dict[str, set[str]] = {}
        for entry in entries:
            m = Mention("entry", entry.slug, entry.slug, entry.name)
            add(entry.name, m)
            add(entry.slug.replace("-", " "), m)
            for alias in entry.aliases:
                add(alias, m)
            # "Bloom's taxonomy" is also asked as "Bloom taxonomy" or "blooms taxonomy".
            add(entry.name.replace("'s", "").replace("’s", ""), m)
            add(entry.name.replace("'", "").replace("’", ""), m)
            for person in entry.researchers:
                pm = Mention("person", None, person.slug, person.name)
                add(person.name, pm)
                last = person.name.split()[-1]
                last_names.setdefault(_norm(last), set()).add(person.slug)
                # keep the mention to resolve unique last names below
                surface.setdefault("\0" + person.slug, [pm])
            for item in entry.items:
                # Single generic words ("Attention", "Relevance") name too many things to
                # anchor a question on; multi-word titles ("Zone of proximal development") do.
                if item.kind in ("concept", "network") and len(item.title.split()) >= 2:
                    add(item.title, Mention("item", entry.slug, item.slug, item.title, item.kind))
        for last, slugs in last_names.items():
            if len(slugs) == 1 and len(last) >= 4:
                (slug,) = slugs
                pm = surface["\0" + slug][0]
                add(last, pm)
                add(last + "s", pm)  # "Gagnés", "Blooms"
        self._surface = {k: v for k, v in surface.items() if not k.startswith("\0")}
        # Words of names (for spelling correction) and every word of the corpus (never corrected).
        self._name_words = sorted({w for k in self._surface for w in k.split() if len(w) >= 4})
        self._known_words = set(self._name_words)
        for entry in entries:
            self._known_words.update(_norm(entry.name).split())
            for text in (*entry.overview, *(item.text for item in entry.items)):
                self._known_words.update(_norm(text).split())
        # Labels are matched as word n-grams (a dict lookup per n-gram), not as one regex
        # alternation: compiling that took 0.5 s on a 280-entry corpus, on every reload.
        self._longest = max((k.count(" ") + 1 for k in self._surface), default=0)

    def correct(self, question: str) -> str | None:
        """The question with misspelled names corrected ("conectivism" -> "connectivism"), or
        None. Only words the corpus never uses are considered, and a correction is kept only
        when it makes the question name something it did not name before."""
        from rapidfuzz import fuzz, process

        before = self.find(question)
        corrected = question
        for word in set(re.findall(r"[^\W\d_]{5,}", question)):
            norm = _norm(word)
            if not norm or norm in self._known_words:  # "Łȴȴȴȴ" folds to nothing
                continue
            # Typos seldom change the first letter; "layers" is not a misspelled "Mayers".
            names = [w for w in self._name_words if w[0] == norm[0]]
            match = process.extractOne(norm, names, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
            if match is None:
                continue
            candidate = re.sub(rf"\b{re.escape(word)}\b", match[0], corrected)
            if any(m not in before for m in self.find(candidate)):
                corrected = candidate
        return corrected if corrected != question else None

    def find(self, question: str) -> list[Mention]:
        """Mentions in the question, left to right; at each word the longest label wins, and
        the words inside it are not matched again."""
        words = _norm(question).split()
        found: list[Mention] = []
        i = 0
        while i < len(words):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                mentions = self._surface.get(" ".join(words[i:i + n]))
                if mentions:
                    found.extend(m for m in mentions if m not in found)
                    i += n
                    break
            else:
                i += 1
        return found


def _norm(text: str) -> str:
    return " ".join(slugify(text).split("-"))


def analyse(question: str, lexicon: Lexicon) -> Analysis:
    return Analysis(kinds=detect_kinds(question), mentions=lexicon.find(question))


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


def reciprocal_rank_fusion(*rankings: Sequence[tuple[int, float]], k: int = RRF_K) -> dict[int, float]:
    """Sum of 1 / (k + rank) over the rankings each row appears in."""
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
    ranked = prefer_kind(ranked, records, analysis.kinds[:1])
    if not entries and not people and not items:
        ranked = spread(ranked, records, analysis.kinds[:1])
    return ranked


#: When a question names no entry, one entry may take at most this many of the first places.
SPREAD_CAP, SPREAD_WINDOW = 2, 5


def spread(ranked: list[Scored], records: Sequence[Any], kinds: Sequence[str] = (),
           cap: int = SPREAD_CAP, window: int = SPREAD_WINDOW) -> list[Scored]:
    """Let at most `cap` passages of one entry into the first `window` places (passages of
    the kind asked for do not count: "weaknesses of …" may list one entry's limitations).

    For a question that names no entry, the answer may be any of several entries; one entry
    filling every top place hides the others. Places keep their scores (descending); the
    passages held back follow in their order.
    """
    first: list[Scored] = []
    held: list[Scored] = []
    counts: dict[str, int] = {}
    for scored in ranked:
        entry = records[scored.row].entry
        if records[scored.row].kind in kinds:
            entry = f"{entry} {scored.row}"  # counted apart: never held back
        if len(first) < window and counts.get(entry, 0) >= cap:
            held.append(scored)
            continue
        if len(first) < window:
            counts[entry] = counts.get(entry, 0) + 1
            first.append(scored)
        else:
            held.append(scored)
    order = first + held
    return [Scored(moved.row, slot.score) for moved, slot in zip(order, ranked, strict=True)]


def prefer_kind(ranked: list[Scored], records: Sequence[Any], kinds: Sequence[str]) -> list[Scored]:
    """Within each entry's slots of the ranking, put passages of the wanted kind first.

    Slots keep their scores, so scores stay in descending order down the list.
    """
    if not kinds:
        return ranked
    by_entry: dict[str, list[Scored]] = {}
    for scored in ranked:
        by_entry.setdefault(records[scored.row].entry, []).append(scored)
    queues = {
        entry: sorted(group, key=lambda s: records[s.row].kind not in kinds)  # stable
        for entry, group in by_entry.items()
    }
    return [Scored(queues[records[slot.row].entry].pop(0).row, slot.score) for slot in ranked]
