"""Source keys: `Surname Year` names one work an entry lists (a seminal work or a source).

`Source: de Jong 2010` under an item, `sources: [Pashler 2008]` under `evidence` and `source:`
of a revision all name works by the first author's surname and the year, as a reader cites
them in prose. A key resolves to a seminal work when exactly one matches, else to exactly one
line of `sources` (a source line holding a matching seminal work's title is that work again,
not another). Two works of one first author and year take a letter in the order they are
listed, seminal works first, as in APA: `Coffield 2004a`, `Coffield 2004b`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ltgraph.corpus.records import Work

KEY_RE = re.compile(r"^(?P<name>\S.*?)\s+(?P<year>\d{4})(?P<letter>[a-z]?)$")
_SOURCE_YEAR = re.compile(r"\((\d{4})")


def split_keys(text: str) -> tuple[str, ...]:
    """`"Sweller 1988; Kalyuga 2003"` -> the keys, trimmed (empty parts left out)."""
    return tuple(k.strip() for k in text.split(";") if k.strip())


def _norm(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split())


def _names(name: str, surname: str) -> bool:
    """Whether a key's surname names this author ("van Merriënboer" or "Merriënboer" for
    "Jeroen J. G. van Merriënboer" or "van Merriënboer, J. J. G.")."""
    name, surname = _norm(name), _norm(surname)
    return bool(surname) and (name == surname or name.endswith(" " + surname))


def _main_title(title: str) -> str:
    """A title without its subtitle, normalised: how a source line repeating the work shows it."""
    return _norm(re.split(r"[:?(]", title)[0])


def _source_author(line: str) -> tuple[str, int | None]:
    """The first author and year of an APA-like source line: "de Jong, T. (2010). …"."""
    year = _SOURCE_YEAR.search(line)
    head = line[: year.start()] if year else line
    return head.split(",")[0].strip(" ."), int(year.group(1)) if year else None


def resolve(key: str, works: Sequence[Work], sources: Sequence[str]) -> str:
    """The citation `key` stands for; `ValueError` saying why when none or several match."""
    match = KEY_RE.match(key.strip())
    if match is None:
        raise ValueError(f"source {key!r} is not 'Surname Year' (e.g. 'Sweller 1988')")
    surname, year = match.group("name"), int(match.group("year"))
    seminal = [w for w in works if w.year == year and w.authors and _names(w.authors[0], surname)]
    found = [w.citation for w in seminal]
    for line in sources:  # a source line that repeats a seminal work is that work, not another
        author, line_year = _source_author(line)
        if line_year == year and _names(author, surname) \
                and not any(_main_title(w.title) in _norm(line) for w in seminal):
            found.append(line)
    letter = match.group("letter")
    if letter:
        index = ord(letter) - ord("a")
        if len(found) < 2 or index >= len(found):
            raise ValueError(f"source {key!r}: there {'is' if len(found) == 1 else 'are'} "
                             f"{len(found)} such work{'' if len(found) == 1 else 's'} — use a "
                             "letter only to tell two works of one author and year apart")
        return found[index]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(f"source {key!r} matches no seminal work or source of this entry (by the "
                       "first author's surname and the year) — list the work first")
    raise ValueError(f"source {key!r} matches {len(found)} works of this entry — their first "
                   "authors share the surname and year; add a letter in the order they are listed "
                     f"({key.strip()}a, {key.strip()}b)")
