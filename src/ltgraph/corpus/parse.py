"""Parse entry files (Markdown with YAML front matter); every error names the file and line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Sequence

import yaml

from ltgraph.corpus.body import parse_body
from ltgraph.corpus.citations import resolve
from ltgraph.corpus.records import (
    ENTRY_TYPES,
    EVIDENCE_GRADES,
    FRONT_MATTER_KEYS,
    KINDS,
    RELATIONS,
    REQUIRED_KEYS,
    REQUIRED_SECTIONS,
    RESERVED_IDS,
    ROLES,
    SLUG_RE,
    Entry,
    Evidence,
    Item,
    Person,
    Relation,
    Revision,
    Work,
    slugify,
)
from ltgraph.errors import CorpusError

#: Longest entry or person id (a file name must hold it with room to spare).
MAX_ID_CHARS = 100
#: libyaml's safe loader when available (about 10x faster), else the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# --------------------------------------------------------------------------- parsing


def parse_entry(text: str, path: str | None = None, check_name: bool = True) -> Entry:
    """Parse one entry file's text; raise `CorpusError` naming `path` and the line.

    With `check_name`, the id must equal the file name (true of corpus files; a draft being
    added from elsewhere may have any name).
    """
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise CorpusError("file must start with a '---' line opening the YAML front matter",
                          path=path, line=1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    except StopIteration:
        raise CorpusError("front matter is not closed by a '---' line", path=path, line=1) from None
    front_lines = lines[1:end]
    meta = _load_yaml("\n".join(front_lines), path)
    where = _KeyLines(front_lines, path)
    # Every problem of the file is collected and reported at once, in line order; only a
    # file whose front matter cannot be read at all stops at the first.
    problems: list[CorpusError] = _placeholders(meta, where)
    fm: dict[str, Any] | None = None
    try:
        fm = _front_matter(meta, where, path if check_name else None)
    except CorpusError as exc:
        if exc.line not in {p.line for p in problems}:  # not just the placeholder again
            problems.append(exc)
    sections = parse_body(_strip_comments(lines, end + 1), end + 1, path, problems)

    for heading in REQUIRED_SECTIONS:
        if heading not in sections:
            problems.append(CorpusError(f"missing required section '## {heading}' — add it "
                                        "with its text (see `ltgraph new`)", path=path,
                                        line=len(lines)))
    overview_line, overview = sections.pop("Overview", (0, ([], [])))
    if overview_line and overview[1]:
        problems.append(CorpusError("'## Overview' takes paragraphs only, not '###' items",
                                    path=path, line=overview[1][0].line))
    elif overview_line and not overview[0]:
        problems.append(CorpusError("section '## Overview' is empty", path=path, line=overview_line))
    if any(p.startswith("TODO") for p in overview[0]):
        problems.append(CorpusError("'## Overview' still has template placeholder text (TODO) — "
                                    "replace it with the overview", path=path, line=overview_line))
    items: list[Item] = []
    starts = sorted(line for line, _ in sections.values()) + [len(lines) + 1]
    for heading, (line, (loose, section_items)) in sections.items():
        end_line = next(s for s in starts if s > line)
        reported = any(line < (p.line or 0) < end_line for p in problems)  # e.g. a bad item
        if loose:
            problems.append(CorpusError(f"text in '## {heading}' must sit under a '### ' item",
                                        path=path, line=line + 1))
        if not section_items and not loose and not reported and heading != "Personal Learning Network":
            problems.append(CorpusError(f"section '## {heading}' has no '### ' items — add at "
                                        "least one", path=path, line=line))
        items.extend(section_items)
    items.sort(key=lambda i: KINDS.index(i.kind))
    if fm is not None:
        problems += _check_researchers(fm["researchers"], [i for i in items if i.kind == "researcher"],
                                       where, path)
        problems += _check_sources(fm, items, where, path)
    if problems or fm is None:
        raise CorpusProblems(problems)
    return Entry(overview=tuple(overview[0]), items=tuple(items), path=path, **fm)


class CorpusProblems(CorpusError):
    """Several problems of one file, in line order (`problems`); the message is the first."""

    def __init__(self, problems: list[CorpusError]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line or 0))
        first = self.problems[0]
        more = len(self.problems) - 1
        super().__init__(first.reason + (f" (and {more} more problem{'s' if more > 1 else ''})"
                                         if more else ""), path=first.path, line=first.line)


def problems_of(exc: CorpusError) -> list[str]:
    """Every problem an error stands for, one `file:line: what` string each."""
    return [str(p) for p in exc.problems] if isinstance(exc, CorpusProblems) else [str(exc)]


def _placeholders(meta: dict[str, Any], where: _KeyLines) -> list[CorpusError]:
    """Front-matter values still holding the template's TODO placeholders."""
    found = []

    def walk(value: Any) -> bool:
        if isinstance(value, str):
            return value.strip().upper().startswith("TODO")
        if isinstance(value, dict):
            return any(walk(v) for v in value.values())
        if isinstance(value, list):
            return any(walk(v) for v in value)
        return False

    for key, value in meta.items():
        if walk(value):
            found.append(where.error(str(key), f"'{key}' still holds a template placeholder "
                                     "(TODO) — replace it with the real value"))
    return found


def _strip_comments(lines: list[str], start: int) -> list[str]:
    """Blank out `<!-- … -->` guidance comments in the body, keeping line numbers."""
    body = "\n".join(lines[start:])
    body = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), body, flags=re.S)
    return lines[:start] + body.split("\n")


def _load_yaml(text: str, path: str | None) -> dict[str, Any]:
    try:
        # Entries need no anchors or aliases, and aliases are how a few hundred bytes of YAML
        # expand to gigabytes ("billion laughs"): refuse them before anything is built.
        for event in yaml.parse(text, Loader=_YAML_LOADER):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise CorpusError("YAML anchors and aliases (& and *) are not allowed in entry "
                                  "files; write the values out", path=path,
                                  line=event.start_mark.line + 2)
        meta = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for 0-based, +1 for the '---' line
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CorpusError(f"invalid YAML in front matter: {problem}", path=path, line=line) from None
    if not isinstance(meta, dict):
        raise CorpusError("front matter must be a YAML mapping of fields", path=path, line=2)
    return meta


class _KeyLines:
    """Finds the line of a top-level front-matter key, for error messages."""

    def __init__(self, front_lines: list[str], path: str | None) -> None:
        self.lines = front_lines
        self.path = path

    def line(self, key: str) -> int:
        for n, text in enumerate(self.lines):
            if text.startswith(f"{key}:"):
                return n + 2
        return 1

    def error(self, key: str, message: str) -> CorpusError:
        return CorpusError(message, path=self.path, line=self.line(key))


def _front_matter(meta: dict[str, Any], where: _KeyLines, path: str | None) -> dict[str, Any]:
    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            raise where.error(str(key), f"unknown front-matter field '{key}' "
                              f"(allowed: {', '.join(FRONT_MATTER_KEYS)})")
    for key in REQUIRED_KEYS:
        value = meta.get(key)
        if value is None or (isinstance(value, (str, list)) and not value):
            raise where.error(key, f"required field '{key}' is missing or empty")

    slug = _text(meta["id"], "id", where)
    if len(slug) > MAX_ID_CHARS:
        raise where.error("id", f"id is {len(slug)} characters long; the limit is {MAX_ID_CHARS}")
    if not SLUG_RE.match(slug):
        raise where.error("id", f"id {slug!r} is not a slug: use lowercase letters, digits and "
                          "single hyphens ([a-z0-9-]+)")
    if slug in RESERVED_IDS:
        raise where.error("id", f"id {slug!r} is reserved; choose another")
    if path is not None and Path(path).stem != slug:
        raise where.error("id", f"id {slug!r} must equal the file name ({Path(path).name}) — "
                          f"rename the file to {slug}.md, or change the id")
    entry_type = _text(meta["type"], "type", where)
    if entry_type not in ENTRY_TYPES:
        raise where.error("type", f"type {entry_type!r} is not one of {', '.join(ENTRY_TYPES)}")
    year = meta["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 2100:
        raise where.error("year", f"year must be a four-digit integer, got {year!r}")

    people = []
    for raw in _list(meta["researchers"], "researchers", where):
        if isinstance(raw, str):
            raw = {"name": raw}
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"].strip():
            raise where.error("researchers", "each researcher needs a 'name'")
        name = raw["name"].strip()
        explicit = raw.get("id")
        if explicit is not None and not isinstance(explicit, str):
            raise where.error("researchers", f"researcher id of {name!r} must be text, got "
                              f"{explicit!r}")
        pslug = explicit or slugify(name)
        if len(pslug) > MAX_ID_CHARS or not SLUG_RE.match(pslug):
            raise where.error("researchers", f"researcher id {pslug!r} is not a slug")
        role = raw.get("role")
        if role is not None and role not in ROLES:
            raise where.error("researchers", f"role {role!r} of {name!r} is not one of "
                              f"{', '.join(ROLES)}")
        people.append(Person(name=name, slug=pslug, role=role))
    if len({p.slug for p in people}) != len(people):
        raise where.error("researchers", "a researcher is listed twice")

    works = []
    for raw in _list(meta["seminal_works"], "seminal_works", where):
        if not isinstance(raw, dict):
            raise where.error("seminal_works", "each seminal work is a mapping with authors, "
                              "year, title and venue")
        missing = [k for k in ("authors", "year", "title", "venue") if not raw.get(k)]
        if missing:
            raise where.error("seminal_works", f"seminal work {raw.get('title', '?')!r} lacks "
                              f"{', '.join(missing)}")
        authors = raw["authors"] if isinstance(raw["authors"], list) else [raw["authors"]]
        if not isinstance(raw["year"], int) or isinstance(raw["year"], bool):
            raise where.error("seminal_works", f"year of {raw['title']!r} must be an integer")
        for key, value in (("title", raw["title"]), ("venue", raw["venue"]),
                           *(("authors", a) for a in authors)):
            if not isinstance(value, str) or not value.strip():
                raise where.error("seminal_works", f"{key} of seminal work {raw['title']!r} must "
                                  f"be text, got {value!r} (quote it in YAML)")
        works.append(Work(authors=tuple(a.strip() for a in authors), year=raw["year"],
                          title=raw["title"].strip(), venue=raw["venue"].strip()))

    related = []
    for raw in _list(meta.get("related") or [], "related", where):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) \
                or not isinstance(raw.get("relation"), str):
            raise where.error("related", "each related entry needs an 'id' and a 'relation' "
                              "(text)")
        target, relation = raw["id"], raw["relation"]
        if relation not in RELATIONS:
            raise where.error("related", f"unknown relation {relation!r} for {target!r} "
                              f"(allowed: {', '.join(RELATIONS)})")
        if not SLUG_RE.match(target):
            raise where.error("related", f"related id {target!r} is not a slug")
        if target == slug:
            raise where.error("related", "an entry cannot be related to itself")
        related.append(Relation(target=target, relation=relation))

    return {
        "slug": slug,
        "name": _text(meta["name"], "name", where),
        "type": entry_type,
        "year": year,
        "aliases": tuple(_text(a, "aliases", where) for a in _list(meta.get("aliases") or [],
                                                                   "aliases", where)),
        "researchers": tuple(people),
        "works": tuple(works),
        "related": tuple(related),
        "sources": tuple(_text(s, "sources", where) for s in _list(meta.get("sources") or [],
                                                                   "sources", where)),
        "evidence": _evidence(meta.get("evidence"), where),
        "revisions": tuple(_revision(r, where) for r in _list(meta.get("revisions") or [],
                                                              "revisions", where)),
    }


def _evidence(raw: Any, where: _KeyLines) -> Evidence | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"grade", "summary", "sources"}:
        raise where.error("evidence", "'evidence' is a mapping with grade, summary and sources")
    grade = raw.get("grade")
    if grade not in EVIDENCE_GRADES:
        raise where.error("evidence", f"evidence grade {grade!r} is not one of "
                          f"{', '.join(EVIDENCE_GRADES)}")
    keys = raw.get("sources")
    if not isinstance(keys, list) or not keys:
        raise where.error("evidence", "evidence needs 'sources': the works it rests on, as "
                          "'Surname Year' keys, e.g. [Pashler 2008]")
    return Evidence(grade=grade, summary=" ".join(_text(raw.get("summary"), "evidence", where).split()),
                    sources=tuple(_text(k, "evidence", where) for k in keys))


def _revision(raw: Any, where: _KeyLines) -> Revision:
    if not isinstance(raw, dict) or set(raw) - {"year", "change", "source"}:
        raise where.error("revisions", "each revision is a mapping with year, change and source")
    year = raw.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1000 <= year <= 2100:
        raise where.error("revisions", f"revision year must be a four-digit integer, got {year!r}")
    source = raw.get("source")
    return Revision(year=year, change=" ".join(_text(raw.get("change"), "revisions", where).split()),
                    source=None if source is None else _text(source, "revisions", where))


def _check_sources(fm: dict[str, Any], items: Sequence[Item], where: _KeyLines,
                   path: str | None) -> list[CorpusError]:
    """Every source key of the items, the evidence and the revisions names one listed work."""
    works, sources = fm["works"], fm["sources"]
    found: list[CorpusError] = []

    def check(key: str, error: Callable[[str], CorpusError]) -> None:
        try:
            resolve(key, works, sources)
        except ValueError as exc:
            found.append(error(str(exc)))

    def at(line: int) -> Callable[[str], CorpusError]:
        return lambda why: CorpusError(why, path=path, line=line)

    for item in items:
        for key in item.sources:
            check(key, at(item.line))
    evidence: Evidence | None = fm["evidence"]
    for key in evidence.sources if evidence else ():
        check(key, lambda why: where.error("evidence", why))
    for revision in fm["revisions"]:
        if revision.source:
            check(revision.source, lambda why: where.error("revisions", why))
    return found


def _text(value: Any, key: str, where: _KeyLines) -> str:
    """A field that must be text. YAML reads unquoted `.inf`, `2024`, `yes` or `12:30` as
    numbers, booleans or times; those are refused with the fix instead of turned into text."""
    if not isinstance(value, str):
        raise where.error(key, f"'{key}' must be text, got {type(value).__name__} {value!r}; "
                          f"put it in quotes")
    if not value.strip():
        raise where.error(key, f"'{key}' must be non-empty text")
    return value.strip()


def _list(value: Any, key: str, where: _KeyLines) -> list[Any]:
    if not isinstance(value, list):
        raise where.error(key, f"'{key}' must be a YAML list")
    return value


def _check_researchers(people: Sequence[Person], items: Sequence[Item], where: _KeyLines,
                       path: str | None) -> list[CorpusError]:
    listed = {p.name for p in people}
    described = {i.title for i in items}
    found = [CorpusError(f"researcher '{item.title}' is described under '## Key Researchers' "
                         "but not listed in the front matter 'researchers'", path=path,
                         line=item.line) for item in items if item.title not in listed]
    found += [where.error("researchers", f"researcher '{person.name}' has no '### "
                          f"{person.name}' item under '## Key Researchers'")
              for person in people if person.name not in described
              and not person.name.upper().startswith("TODO")]  # reported as a placeholder
    return found


# --------------------------------------------------------------------------- files


