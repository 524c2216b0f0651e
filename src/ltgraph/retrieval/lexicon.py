"""The names a question mentions: entries (names, aliases, acronyms), people (full and unique
last names), multi-word concepts; misspelled names corrected with rapidfuzz."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from ltgraph.corpus import Entry, slugify


#: Cue phrases for the kind of passage a question asks for (checked on lowercased text).
@dataclass(frozen=True)
class Mention:
    """A graph node named in the question."""

    kind: str  # "entry", "person" or "item"
    entry: str | None  # entry slug (for entries and items)
    slug: str  # entry, person or item slug
    label: str
    item_kind: str | None = None



#: How alike (rapidfuzz ratio, 0-100) an unknown word must be to a word of a name to be
#: corrected to it: 85 keeps "siemnes" -> "siemens" (86) and leaves "downsides" (80 to
#: "downes") alone.
SPELLING_CUTOFF = 85



@dataclass(frozen=True)
class _Names:
    """What one entry adds to a lexicon (normalised): its labels, its people, its words."""

    labels: tuple[tuple[str, Mention], ...]
    people: tuple[tuple[str, Mention, str], ...]  # (person slug, mention, normalised last name)
    #: (label, person slug): the entry named by its originator's last name ("Kirkpatrick")
    eponyms: tuple[tuple[str, str], ...]
    originators: tuple[str, ...]  # slugs of the people who originated the entry
    acronyms: tuple[str, ...]  # normalised acronyms naming the entry or its concepts ("chat", "zpd")
    words: set[str]  # (never changed: a frozenset copy cost a second at 100x)
    #: (normalised adjective, mention): "constructivist" describes what constructivism names
    described: tuple[tuple[str, Mention], ...] = ()


def _names(entry: Entry) -> _Names:
    labels: list[tuple[str, Mention]] = []
    people: list[tuple[str, Mention, str]] = []
    eponyms: list[tuple[str, str]] = []
    acronyms: list[str] = []
    described: list[tuple[str, Mention]] = []

    def add(text: str, mention: Mention) -> None:
        labels.append((_norm(text), mention))
        if re.fullmatch(r"[A-Z][A-Z0-9/]+", text):  # "ADDIE", "CHAT": see `Lexicon.correct`
            acronyms.append(_norm(text))

    m = Mention("entry", entry.slug, entry.slug, entry.name)
    add(entry.name, m)
    # An acronym in the name ("ARCS Model of Motivational Design") names it too.
    for word in re.findall(r"\b[A-Z]{3,}\b", entry.name):
        add(word, m)
    # "Kirkpatrick Model", "Gagné's Nine Events": its researcher's name names it too, unless
    # that person originated other entries as well (`Lexicon`: "Bloom" alone may be mastery
    # learning, "Merrill" component display theory).
    first = re.sub(r"['’]s$", "", entry.name.split()[0])
    for person in entry.researchers:
        if person.name.split()[-1] == first:
            eponyms += [(_norm(first), person.slug), (_norm(first + "s"), person.slug)]
    add(entry.slug.replace("-", " "), m)
    for alias in entry.aliases:
        add(alias, m)
    # "Bloom's taxonomy" is also asked as "Bloom taxonomy" or "blooms taxonomy".
    add(entry.name.replace("'s", "").replace("’s", ""), m)
    add(entry.name.replace("'", "").replace("’", ""), m)
    for name in (entry.name, *entry.aliases):
        if "/" in name and " " not in name:  # "4C/ID" is also typed "4cid"
            add(name.replace("/", ""), m)
        last = name.split()[-1]
        if len(name.split()) >= 2 and last.isalpha() and last[-1] not in "sxy":  # "flipped classrooms"
            add(name + "s", m)
        if last.lower().endswith("ism") and len(last) >= 7:  # "a constructivist classroom",
            for ending in _ISM_FORMS:  # "what behaviourists got wrong", "humanistic teaching"
                described.append((_norm(name[:-3] + ending), m))
    for person in entry.researchers:
        pm = Mention("person", None, person.slug, person.name)
        add(person.name, pm)
        people.append((person.slug, pm, _norm(person.name.split()[-1])))
    for item in entry.items:
        # Single generic words ("Attention", "Relevance") name too many things to
        # anchor a question on; multi-word titles ("Zone of proximal development") do.
        if item.kind in ("concept", "network") and len(item.title.split()) >= 2:
            add(item.title, Mention("item", entry.slug, item.slug, item.title, item.kind))
            bare = re.sub(r"^(?i:the|a|an)\s+", "", item.title)  # "2 sigma problem" too
            if bare != item.title and len(bare.split()) >= 2:
                add(bare, Mention("item", entry.slug, item.slug, item.title, item.kind))
    acronyms += _defined_acronyms(entry, labels)
    words: set[str] = set(_norm(entry.name).split())
    for text in (*entry.overview, *(item.text for item in entry.items)):
        words.update(_norm(text).split())
    originators = tuple(p.slug for p in entry.researchers if p.role == "originator")
    return _Names(tuple(labels), tuple(people), tuple(eponyms), originators, tuple(acronyms), words,
                  tuple(described))


#: What a name ending in "-ism" is called as an adjective or for its followers.
_ISM_FORMS = ("ist", "ists", "istic")


#: "… zone of proximal development (ZPD)": up to eight words, then an acronym in brackets.
_DEFINED = re.compile(r"((?:[\w'’-]+[ \t]+){1,8})\(([A-Z][A-Za-z]{1,3}[A-Z]|[A-Z]{3,6})\)")
#: Words an acronym's letters skip ("zone of proximal development": ZPD).
_SKIPPED = frozenset({"of", "and", "the", "for", "in", "to", "a", "an", "on", "with"})


def _defined_acronyms(entry: Entry, labels: list[tuple[str, Mention]]) -> list[str]:
    """Acronyms the entry's own text defines for one of its names ("zone of proximal development
    (ZPD)", "personal learning network (PLN)"): each names what its words name, when its letters
    are their initials. Added to `labels` (normalised), and returned."""
    named = dict(labels)  # normalised label -> mention (the entry's and its concepts' names)
    added = []
    for text in (*entry.overview, *(item.text for item in entry.items)):
        for found in _DEFINED.finditer(text):
            words = _norm(found.group(1)).split()
            acronym = found.group(2).lower()
            for k in range(1, len(words) + 1):
                phrase = words[-k:]
                initials = "".join(w[0] for w in phrase if w not in _SKIPPED)
                if initials == acronym and " ".join(phrase) in named:
                    labels.append((acronym, named[" ".join(phrase)]))
                    added.append(acronym)
                    break
    return added


class Lexicon:
    """Labels of graph nodes, matched against questions as whole words.

    `cache` (kept by a caller that builds a lexicon per generation, as a reader does) holds
    what each entry object added last time: a new generation reworks only the entries it
    changed (at 100 times the corpus a rebuild took 1.5 s of every reload).
    """

    def __init__(self, entries: Iterable[Entry],
                 cache: dict[int, tuple[Entry, _Names]] | None = None) -> None:
        entries = list(entries)
        known = cache if cache is not None else {}
        names = []
        for entry in entries:
            hit = known.get(id(entry))
            names.append(hit[1] if hit is not None and hit[0] is entry else _names(entry))
        if cache is not None:
            cache.clear()
            cache.update((id(e), (e, n)) for e, n in zip(entries, names, strict=True))
        surface: dict[str, list[Mention]] = {}
        seen: set[tuple[str, Mention]] = set()  # (a list test was quadratic in a name's entries)

        def add(key: str, mention: Mention) -> None:
            if len(key) >= 3 and (key, mention) not in seen:
                seen.add((key, mention))
                surface.setdefault(key, []).append(mention)

        last_names: dict[str, set[str]] = {}
        people: dict[str, Mention] = {}
        #: person slug -> the entries naming them as a researcher (for comparisons of people)
        self.person_entries: dict[str, list[Mention]] = {}
        for found in names:
            entry_mention = found.labels[0][1]
            for key, mention in found.labels:
                add(key, mention)
            for slug, mention, last in found.people:
                self.person_entries.setdefault(slug, []).append(entry_mention)
                last_names.setdefault(last, set()).add(slug)
                people.setdefault(slug, mention)  # the mention unique last names resolve to
        originated: dict[str, int] = {}
        #: person slug -> the entries they originated (a comparison of people compares those)
        self.person_originated: dict[str, list[Mention]] = {}
        for found in names:
            for slug in found.originators:
                originated[slug] = originated.get(slug, 0) + 1
                self.person_originated.setdefault(slug, []).append(found.labels[0][1])
        for found in names:  # (every bearer of the name: the Kirkpatricks are two)
            for key in dict.fromkeys(key for key, _ in found.eponyms):
                if all(originated.get(slug, 0) <= 1 for k, slug in found.eponyms if k == key):
                    add(key, found.labels[0][1])
        for last, slugs in last_names.items():
            if len(slugs) == 1 and len(last) >= 4:
                (slug,) = slugs
                add(last, people[slug])
                add(_norm(last + "s"), people[slug])  # "Gagnés", "Blooms"
        self._surface = surface
        #: Adjectives of entry names ("constructivist"), kept apart from names: "a cognitivist
        #: theory of …" is more often about another entry than about cognitivism (`described`).
        self._described: dict[str, list[Mention]] = {}
        for found in names:
            for key, mention in found.described:
                if key not in surface:
                    self._described.setdefault(key, [mention])
        # Words of names (for spelling correction) and every word of the corpus (never corrected).
        self._name_words = sorted({w for k in self._surface for w in k.split() if len(w) >= 4})
        #: Acronyms no other name uses as a word: a word is corrected to one only when typed in
        #: capitals ("ADIE" -> ADDIE), since lowercase it is more likely an English word
        #: ("phillips screwdriver sizes chart" is not about CHAT, activity theory).
        self._acronyms = frozenset(a for n in names for a in n.acronyms) - {
            w for k in self._surface if " " in k for w in k.split()}
        self._words = [n.words for n in names]  # every word of the corpus: see `_known_words`
        # Labels are matched as word n-grams (a dict lookup per n-gram), not as one regex
        # alternation: compiling that took 0.5 s on a 280-entry corpus, on every reload.
        self._longest = max((k.count(" ") + 1 for k in self._surface), default=0)

    @cached_property
    def _known_words(self) -> set[str]:
        """Words of names and every word of the corpus (never corrected). Made at the first
        spelling correction, not with the lexicon: a reader's reload at 100 times the corpus
        spent 0.2 s on it."""
        return set(self._name_words).union(*self._words)

    def entries_of_people(self, mentions: list[Mention]) -> list[Mention]:
        """`mentions` with, after each person, the entry they stand for in a comparison
        ("Kolb vs Mezirow"): the one whose name holds their last name ("Merrill" -> Merrill's
        First Principles), else the only one they originated ("Piaget" -> Constructivism, not
        experiential learning, where he is a forerunner), else their only entry. Entries already
        named are not repeated."""
        out = list(mentions)
        named = {m.entry for m in mentions if m.kind == "entry"}
        for mention in mentions:
            if mention.kind != "person":
                continue
            candidates = self.person_entries.get(mention.slug, [])
            last = _norm(mention.label.split()[-1])
            own = [e for e in candidates if last in _norm(e.label).split()
                   or last + "s" in _norm(e.label).split()]
            originated = self.person_originated.get(mention.slug, [])
            chosen = (own or (originated if len(originated) == 1 else [])
                      or (candidates if len(candidates) == 1 else []))
            for entry in chosen[:1]:
                if entry.entry not in named:
                    named.add(entry.entry)
                    out.insert(out.index(mention) + 1, entry)
        return out

    def correct(self, question: str) -> str | None:
        """The question with misspelled names corrected ("conectivism" -> "connectivism"), or
        None. Only words the corpus never uses are considered, and a correction is kept only
        when it makes the question name something it did not name before, alone or with the
        other corrections that name it together."""
        from rapidfuzz import fuzz, process

        def fix(text: str, word: str, to: str) -> str:
            return re.sub(rf"\b{re.escape(word)}\b", to, text)

        def apply(text: str, fixes: list[tuple[str, str]]) -> str:
            for word, to in fixes:
                text = fix(text, word, to)
            return text

        def names_more(text: str, known: list[Mention]) -> bool:
            return any(m not in known for m in self.find(text))

        before = self.find(question)
        corrected = question
        pending: list[tuple[str, str]] = []
        for word in sorted(set(re.findall(r"[^\W\d_]{5,}", question))):
            norm = _norm(word)
            if not norm or norm in self._known_words:  # "Łȴȴȴȴ" folds to nothing
                continue
            # Typos seldom change the first letter; "layers" is not a misspelled "Mayers".
            names = [w for w in self._name_words if w[0] == norm[0]
                     and (w not in self._acronyms or word.isupper())]
            match = process.extractOne(norm, names, scorer=fuzz.ratio, score_cutoff=SPELLING_CUTOFF)
            if match is None:
                continue
            candidate = fix(corrected, word, match[0])
            if names_more(candidate, before):
                corrected = candidate
            else:
                pending.append((word, match[0]))
        # Two misspelled words of one name ("cognative apprenticship") name it only together:
        # then they are kept, except any without which the same names are still found.
        if pending:
            target = self.find(apply(corrected, pending))
            if any(m not in self.find(corrected) for m in target):
                keep = list(pending)
                for item in pending:
                    trial = [p for p in keep if p != item]
                    if self.find(apply(corrected, trial)) == target:
                        keep = trial
                corrected = apply(corrected, keep)
        return corrected if corrected != question else None

    def find(self, question: str, coordinated: bool = True) -> list[Mention]:
        """Mentions in the question, left to right; at each word the longest label wins, and
        the words inside it are not matched again. With `coordinated`, a name a coordination
        leaves implicit counts too: "problem based and project based learning" names
        problem-based learning as well."""
        return self._scan(question, coordinated)[0]

    def described(self, question: str) -> list[Mention]:
        """Entries the question describes by an adjective of their name, left to right
        ("constructivist teaching": constructivism; "social constructivist": social
        constructivism). Not names: callers decide when such a word means the entry itself."""
        return self._scan(question, False, self._described)[0]

    def unnamed(self, question: str) -> list[str]:
        """The (normalised) words of the question that no name covers: none or only fillers
        when a question is a bare name ("jean lave", "gagne's nine events")."""
        return self._scan(question, False)[1]

    def _scan(self, question: str, coordinated: bool,
              table: dict[str, list[Mention]] | None = None) -> tuple[list[Mention], list[str]]:
        """(mentions, unnamed words) of the question by the labels of `table` (the names)."""
        table = self._surface if table is None else table
        words = _norm(question).split()
        found: list[Mention] = []
        rest: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(self._longest, len(words) - i), 0, -1):
                mentions = table.get(" ".join(words[i:i + n]))
                if mentions:
                    if coordinated and n > 1:
                        mentions = self._implied(words, i, n) + mentions
                    found.extend(m for m in mentions if m not in found)
                    i += n
                    break
            else:
                rest.append(words[i])
                i += 1
        return found, rest

    def _implied(self, words: list[str], i: int, n: int) -> list[Mention]:
        """The label that words before "and" / "or" / "vs" form with the end of the label
        at `i` (n words): "problem based and [project based] learning"."""
        if i < 2 or words[i - 1] not in _COORDINATORS:
            return []
        for k in range(n - 1, 0, -1):  # the longest shared end first
            if i - 1 - k >= 0:
                mentions = self._surface.get(" ".join(words[i - 1 - k:i - 1] + words[i + k:i + n]))
                if mentions:
                    return list(mentions)
        return []


def says_full_name(question: str, name: str) -> bool:
    """Whether the question gives a person's first and last name ("carol dweck research
    summary", "David Merrill" for M. David Merrill), not the last name alone, which people
    outside the corpus share ("ann brown reciprocal teaching")."""
    words = [w for w in _norm(name).split() if len(w) > 1]  # not initials
    return bool(words) and re.search(rf"\b{words[0]}\b.*\b{words[-1]}\b", _norm(question)) is not None


def mentions_surname(text: str, name: str) -> bool:
    """Whether `text` gives the last name of the person called `name` ("Piaget described …")."""
    words = _norm(name).split()
    return bool(words) and re.search(rf"\b{words[-1]}s?\b", _norm(text)) is not None


#: Words that join two names sharing their last words ("problem and project based learning").
_COORDINATORS = frozenset({"and", "or", "vs", "versus"})


@lru_cache(maxsize=1 << 19)
def _norm(text: str) -> str:
    """Lowercase ASCII words of `text`, numbers to ten as words (remembered: a reader rebuilds
    the lexicon for every generation, and at 100 times the corpus normalising its texts took 4 s
    of a 6,300-entry reload; a change alters few of them)."""
    return " ".join(_NUMBERS.get(word, word) for word in slugify(text).split("-"))


#: Small numbers read alike as digits or words ("the 9 events" names "the nine events").
_NUMBERS = {str(n): word for n, word in enumerate(
    "zero one two three four five six seven eight nine ten".split())}
