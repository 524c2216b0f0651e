"""What a question asks for: its type and the kinds of passage that answer it.

Types: `factoid` (a fact about a named entry), `comparison` (two or more named entries side by
side), `description` (an idea described without its name: "which theory says …"),
`situation` (a teaching situation: what to do), `person` (a researcher), `keyword` (bare
words). Kinds: the passage kinds of the corpus (`corpus.KINDS`).

The learned model is logistic regression (multinomial for the type, one-vs-rest for the
kinds) over the question's embedding, a hashed bag of its words and word pairs, how many
entries and people it names, and the kinds of the corpus passages nearest to it (a question
whose nearest passages are limitations is likely asking for one: this lifted the kind head's
cross-validated accuracy from 0.76 to 0.80). It is trained by `scripts/train_intent.py` on
`training/intent.jsonl` (kept apart from the evaluation sets) and shipped as
`intent_model.npz` beside this module; applying it is two small matrix products on the query
vector and the nearest passages, both of which search computes anyway. It belongs to the
embedding model it was trained with: with another model, `rule_intent` (word cues) decides
instead — retrain with the script.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ltgraph.corpus import KINDS

TYPES = ("factoid", "comparison", "description", "situation", "person", "keyword")
MODEL_FILE = Path(__file__).with_name("intent_model.npz")
#: Buckets of the hashed bag of words and word pairs.
HASH_BUCKETS = 1024
#: Kinds at least this likely are asked for; those from `KIND_FLOOR` follow them as less sure.
KIND_THRESHOLD = 0.5
KIND_FLOOR = 0.2
#: From this probability the first kind is sure: an entry's places go to passages of that
#: kind; below it they go to one passage of each kind (a question read several ways).
KIND_SURE = 0.8

#: The nearest passages whose kinds the model reads (`neighbour_kinds`), and how sharply
#: their weight falls with their cosine below the nearest one's.
NEIGHBOURS = 50
NEIGHBOUR_TEMPERATURE = 0.05
_KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
#: Cue features: one per kind of `KIND_PRIORITY` and per type cue.
CUE_FEATURES = 12


@dataclass(frozen=True)
class Intent:
    """The question's type and the kinds wanted, most likely first."""

    type: str
    kinds: list[str] = field(default_factory=list)
    #: "model" (learned) or "rules" (word cues: no model for the configured encoder).
    source: str = "rules"
    #: Whether the first kind is clear (the model: at least `KIND_SURE` likely; rules: a cue).
    sure: bool = True
    #: How likely the question is about the field at all (the model's topic head; None from
    #: the rules, or a model without one): `search.match_level` says "none" when it is low.
    on_topic: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {"type": self.type, "kinds": list(self.kinds)}


def lexical_features(question: str, entries_named: int, people_named: int) -> np.ndarray:
    """Hashed words and word pairs (binary, L2-normalised) and the named-thing counts."""
    words = _WORD.findall(question.lower())
    grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    bag = np.zeros(HASH_BUCKETS, dtype=np.float32)
    for gram in grams:
        bag[zlib.crc32(gram.encode("utf-8")) % HASH_BUCKETS] = 1.0
    norm = float(np.linalg.norm(bag))
    if norm:
        bag /= norm
    counts = np.array([min(entries_named, 3) / 3, float(entries_named >= 2), min(people_named, 2) / 2,
                       float("?" in question), min(len(words), 30) / 30], dtype=np.float32)
    return np.concatenate([bag, counts, cue_features(question)])


def feature_width(dim: int) -> int:
    """How many features the model reads with an encoder of dimension `dim`."""
    return dim + HASH_BUCKETS + 5 + CUE_FEATURES + len(KINDS)


def cue_features(question: str) -> np.ndarray:
    """Which word cues of `rule_intent` fire (the model learns how far to trust each)."""
    text = question.lower()
    kinds = [float(bool(_KIND_RES[kind].search(text))) for kind in KIND_PRIORITY]
    types = [float(bool(cue.search(text))) for cue in (_COMPARE, _SITUATION, _DESCRIPTION, _PERSON)]
    return np.array(kinds + types, dtype=np.float32)


def neighbour_kinds(nearest: Sequence[tuple[str, float]]) -> np.ndarray:
    """The share of each kind (`corpus.KINDS` order) among the passages nearest a question.

    `nearest`: (kind, cosine) of up to `NEIGHBOURS` passages, the nearest first. Each counts
    exp((cosine − nearest cosine) / `NEIGHBOUR_TEMPERATURE`): the few nearest decide. All
    zeros for an empty index."""
    shares = np.zeros(len(KINDS), dtype=np.float32)
    if not nearest:
        return shares
    top = max(cosine for _, cosine in nearest)
    for kind, cosine in nearest[:NEIGHBOURS]:
        if kind in _KIND_INDEX:
            shares[_KIND_INDEX[kind]] += np.exp((cosine - top) / NEIGHBOUR_TEMPERATURE)
    total = float(shares.sum())
    return shares / total if total else shares


def features(vector: np.ndarray, question: str, entries_named: int, people_named: int,
             nearest: Sequence[tuple[str, float]] = ()) -> np.ndarray:
    """The model's input: the question's (normalised) embedding, its lexical features and the
    kinds of its nearest passages."""
    return np.concatenate([np.asarray(vector, dtype=np.float32).ravel(),
                           lexical_features(question, entries_named, people_named),
                           neighbour_kinds(nearest)])


class IntentModel:
    """The shipped weights; `predict` needs the question's vector from the same encoder."""

    def __init__(self, model: str, type_w: np.ndarray, type_b: np.ndarray, kind_w: np.ndarray,
                 kind_b: np.ndarray, types: tuple[str, ...], kinds: tuple[str, ...],
                 topic_w: np.ndarray | None = None, topic_b: float = 0.0) -> None:
        self.model = model
        self.type_w, self.type_b = type_w, type_b
        self.kind_w, self.kind_b = kind_w, kind_b
        self.types, self.kinds = types, kinds
        #: The topic head: logistic regression for "about learning and teaching at all".
        self.topic_w, self.topic_b = topic_w, topic_b

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> IntentModel | None:
        """The model in `path`, or None when there is none (then rules decide)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                topic = "topic_w" in data.files  # models from before the topic head lack it
                return cls(meta["model"], data["type_w"], data["type_b"], data["kind_w"],
                           data["kind_b"], tuple(meta["types"]), tuple(meta["kinds"]),
                           data["topic_w"] if topic else None,
                           float(data["topic_b"]) if topic else 0.0)
        except (OSError, KeyError, ValueError):
            return None

    def save(self, path: Path, extra: dict[str, Any] | None = None) -> None:
        meta = {"model": self.model, "types": list(self.types), "kinds": list(self.kinds),
                "hash_buckets": HASH_BUCKETS, **(extra or {})}
        arrays: dict[str, np.ndarray] = {
            "type_w": self.type_w.astype(np.float32), "type_b": self.type_b.astype(np.float32),
            "kind_w": self.kind_w.astype(np.float32), "kind_b": self.kind_b.astype(np.float32),
            "meta": np.array(json.dumps(meta, sort_keys=True))}
        if self.topic_w is not None:
            arrays["topic_w"] = self.topic_w.astype(np.float32)
            arrays["topic_b"] = np.array(self.topic_b, dtype=np.float32)
        np.savez_compressed(path, **arrays)  # type: ignore[arg-type]

    def dim(self) -> int:
        return int(self.type_w.shape[1])

    def probabilities(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(type probabilities, kind probabilities) for one feature vector."""
        logits = self.type_w @ x + self.type_b
        logits -= logits.max()
        types = np.exp(logits)
        types /= types.sum()
        kinds = 1.0 / (1.0 + np.exp(-(self.kind_w @ x + self.kind_b)))
        return types, kinds

    def on_topic(self, x: np.ndarray) -> float | None:
        """How likely a question is about the field (None without a topic head)."""
        if self.topic_w is None:
            return None
        return float(1.0 / (1.0 + np.exp(-(float(self.topic_w @ x) + self.topic_b))))

    def predict(self, vector: np.ndarray, question: str, entries_named: int, people_named: int,
                nearest: Sequence[tuple[str, float]] = ()) -> Intent:
        """`nearest`: (kind, cosine) of the passages nearest the question, nearest first."""
        x = features(vector, question, entries_named, people_named, nearest)
        type_p, kind_p = self.probabilities(x)
        type_ = self.types[int(np.argmax(type_p))]
        order = np.argsort(-kind_p)
        kinds = [self.kinds[i] for i in order if kind_p[i] >= KIND_THRESHOLD]
        # Likely enough kinds come next (ranking hedges between the first two).
        kinds += [self.kinds[i] for i in order if KIND_FLOOR <= kind_p[i] < KIND_THRESHOLD]
        return Intent(type_, kinds, "model", bool(kind_p[order[0]] >= KIND_SURE), self.on_topic(x))


# --------------------------------------------------------------------------- rules (fallback)

#: Word cues per kind, for encoders the learned model was not trained with.
KIND_CUES: dict[str, tuple[str, ...]] = {
    "misconception": (
        r"misconceptions?", r"myths?", r"misunderst(?:and|anding|ood)", r"misread",
        r"get wrong", r"wrong about", r"is it true that", r"common mistakes? about",
    ),
    "evidence": (
        r"\bevidence\b", r"evidence-based", r"research (?:show|say|support|back)s?",
        r"(?:well|empirically) supported", r"meta-analys[ie]s", r"proven", r"studies (?:show|say)",
        r"does (?:it|this|that) (?:really )?work", r"backed by research",
    ),
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
KIND_PRIORITY = ("misconception", "evidence", "limitation", "strength", "researcher",
                 "implication", "concept", "overview")
_COMPARE = re.compile(r"\bvs\.?\b|\bversus\b|differ|difference|compar|contrast|better than|"
                      r"\bor\b|same as|similar")
_SITUATION = re.compile(r"\bi (?:teach|train|run|design|have|work|am|'m)|\bmy (?:students|learners|"
                        r"class|team|staff|course|pupils)|\bwe (?:need|want|have|are)|what approach|"
                        r"which approach|what should i|how do i get|how can i get")
_PERSON = re.compile(r"\bwho\b|which (?:theories|models|entries)|what did .* (?:develop|propose|"
                     r"create)|(?:theories|models) (?:did|by|of)|known for|contribut|work of|ideas of")
_DESCRIPTION = re.compile(r"\bwhich (?:theory|theories|model|models|approach|framework|idea)\b|"
                          r"\bwhat (?:theory|model|approach|framework) (?:says|is|claims|holds)|"
                          r"\bthe (?:theory|model|idea) (?:that|where|which)\b|\bname of the\b")


def detect_kinds(question: str) -> list[str]:
    """The kinds of passage a question asks for by word cues, most specific first."""
    text = question.lower()
    found = [kind for kind in KIND_PRIORITY if _KIND_RES[kind].search(text)]
    # "what is X" only signals an overview when nothing more specific was asked.
    if len(found) > 1 and "overview" in found:
        found.remove("overview")
    return found


def rule_intent(question: str, entries_named: int, people_named: int) -> Intent:
    """The intent by word cues (for encoders the learned model was not trained with)."""
    text = question.lower()
    kinds = detect_kinds(question)
    words = _WORD.findall(text)
    if entries_named >= 2 and _COMPARE.search(text):
        return Intent("comparison", [])
    if people_named and not entries_named and _PERSON.search(text):
        return Intent("person", ["researcher"])
    if _SITUATION.search(text) and not entries_named:
        return Intent("situation", ["implication"])
    if _DESCRIPTION.search(text) and not entries_named:
        return Intent("description", kinds or ["overview"])
    if len(words) <= 4 and "?" not in question and not re.match(r"(?:what|who|how|why|when|which)\b", text):
        return Intent("keyword", kinds)
    return Intent("factoid", kinds)


class IntentReader:
    """The learned model when it fits the encoder, else the rules.

    `encoder_dim`: the encoder's dimension, or a callable giving it — asked only at the first
    question, so that creating a reader never loads the encoder (CLI commands that do not
    search stay fast).
    """

    def __init__(self, encoder_name: str, encoder_dim: int | Callable[[], int],
                 path: Path = MODEL_FILE) -> None:
        self.encoder_name = encoder_name
        self._dim = encoder_dim
        self._path = path
        self._model: IntentModel | None = None
        self._loaded = False

    @property
    def model(self) -> IntentModel | None:
        if not self._loaded:
            model = IntentModel.load(self._path)
            if model is not None and model.model == self.encoder_name:
                dim = self._dim() if callable(self._dim) else self._dim
                if model.dim() != feature_width(dim):
                    model = None
            else:
                model = None
            self._model, self._loaded = model, True
        return self._model

    @model.setter
    def model(self, value: IntentModel | None) -> None:  # tests and evaluations swap it
        self._model, self._loaded = value, True

    def __call__(self, vector: np.ndarray | None, question: str, entries_named: int,
                 people_named: int, nearest: Sequence[tuple[str, float]] = ()) -> Intent:
        model = self.model
        if model is not None and vector is not None:
            return model.predict(vector, question, entries_named, people_named, nearest)
        return rule_intent(question, entries_named, people_named)
