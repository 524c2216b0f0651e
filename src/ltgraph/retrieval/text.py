"""Text as the indexes see it: the documents embedded and keyword-indexed for a passage,
British spellings folded to American, and stemmed keyword tokens."""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Sequence
from typing import Any

from ltgraph.corpus import Entry, Passage


def load_bm25s() -> Any:
    """bm25s, imported with its progress bars off.

    They are noise in a server, and every bar takes tqdm's process-shared lock: a writer
    killed while holding it (the SIGKILL tests fork writers) would hang its parent for ever.
    """
    os.environ.setdefault("DISABLE_TQDM", "1")
    import bm25s

    return bm25s


def passage_document(passage: Passage, entry: Entry) -> str:
    """The text that is embedded: the passage with its entry and item title as context."""
    if passage.item is None:
        return f"{entry.name}. {passage.text}"
    return f"{entry.name} — {passage.label} ({passage.kind}). {passage.text}"



def keyword_document(passage: Passage, entry: Entry) -> str:
    """What BM25 sees: the passage plus the entry's names and aliases and the item title."""
    return " ".join([entry.name, *entry.aliases, passage.label, passage.kind, passage.text])



#: British -> American spellings, applied to documents and questions alike, so that
#: "behavior" finds "behaviour" and "organize" finds "organise". Over-eager rewrites
#: ("exercise" -> "exercize") are harmless because both sides are rewritten the same way.
_SPELLING = [
    (re.compile(r"\b(behavi|col|fav|hon|lab|rig|harb|neighb|hum|vig|flav|endeav)our"), r"\1or"),
    (re.compile(r"\b(\w{3,}?)is(e|es|ed|ing|ation|ations)\b"), r"\1iz\2"),
    (re.compile(r"\b(\w+)yse(s|d)?\b"), r"\1yze\2"),
    (re.compile(r"\bcentre(s)?\b"), r"center\1"),
    (re.compile(r"\bprogramme(s)?\b"), r"program\1"),
    (re.compile(r"\b(model|travel|label|cancel|signal)l(ing|ed)\b"), r"\1\2"),
    (re.compile(r"\bjudgement"), "judgment"),
    (re.compile(r"\benrol(s|ment)?\b"), r"enroll\1"),
]



def normalise_spelling(text: str) -> str:
    """Lowercase and map common British spellings to American ones (for keyword matching)."""
    return _CANDIDATE.sub(lambda m: _american(m.group(0)), text.lower())



# Only words that some rule could change are looked at: most words are left alone cheaply.
_CANDIDATE = re.compile(r"\b\w*(?:our|is(?:e|es|ed|ing|ation|ations)|yse[sd]?|centre|programme"
                        r"|ll(?:ing|ed)|judgement|enrol)\w*\b")



@functools.lru_cache(maxsize=65536)
def _american(word: str) -> str:
    # Word by word with a cache: the vocabulary is small, so each rule runs once per word.
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word



def stemmer() -> Any:
    try:
        import Stemmer

        return Stemmer.Stemmer("english").stemWords
    except ImportError:  # pragma: no cover - PyStemmer is a dependency
        return None



def tokenize(documents: Sequence[str]) -> list[list[str]]:
    """Stemmed tokens of each document, stop words removed, spelling normalised."""
    bm25s = load_bm25s()

    tokens: list[list[str]] = bm25s.tokenize([normalise_spelling(d) for d in documents],
                                             stopwords="en", stemmer=stemmer(),
                                             return_ids=False, show_progress=False)
    return tokens



def keyword_hash(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()[:32]
