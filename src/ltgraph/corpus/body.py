"""The Markdown body of an entry file: `## ` sections of paragraphs and `### ` items, with
`Source:` / `Tools:` / `Type:` lines; problems are collected with their line numbers, not raised."""

from __future__ import annotations

import re

from ltgraph.corpus.citations import split_keys
from ltgraph.corpus.records import NETWORK_TYPES, SECTIONS, Item, slugify
from ltgraph.errors import CorpusError

_Section = tuple[list[str], list[Item]]



def parse_body(lines: list[str], start: int, path: str | None,
                problems: list[CorpusError]) -> dict[str, tuple[int, _Section]]:
    """Split the Markdown body into sections -> (loose paragraphs, items), with line numbers;
    problems are appended to `problems` and parsing goes on (an unknown section's text is
    skipped)."""
    sections: dict[str, tuple[int, _Section]] = {}
    skipping = False  # inside an unknown or repeated section: its text is left out
    discard = False  # after a bad item title: that item's text is left out
    heading: str | None = None
    item: tuple[str, int] | None = None
    buffer: list[str] = []
    seen_items: dict[str, set[str]] = {}

    def flush() -> None:
        nonlocal discard
        if skipping or discard:
            buffer.clear()
            discard = False
            return
        if heading is None:
            if any(b.strip() for b in buffer):
                problems.append(CorpusError("text before the first '## ' section", path=path,
                                            line=start + 1))
            buffer.clear()
            return
        paragraphs = _paragraphs(buffer)
        loose, items = sections[heading][1]
        if item is None:
            loose.extend(paragraphs)
        else:
            try:
                items.append(_make_item(SECTIONS[heading], item[0], paragraphs, item[1], path))
            except CorpusError as exc:
                problems.append(exc)
        buffer.clear()

    for n in range(start, len(lines)):
        raw = lines[n]
        lineno = n + 1
        if raw.startswith("## "):
            flush()
            title = raw[3:].strip()
            skipping = title not in SECTIONS or title in sections
            if title not in SECTIONS:
                problems.append(CorpusError(f"unknown section '## {title}' (allowed: "
                                            f"{', '.join(SECTIONS)})", path=path, line=lineno))
                continue
            if title in sections:
                problems.append(CorpusError(f"section '## {title}' appears twice", path=path,
                                            line=lineno))
                continue
            heading, item = title, None
            sections[heading] = (lineno, ([], []))
            seen_items[heading] = set()
        elif raw.startswith("### "):
            flush()
            if skipping:
                continue
            if heading is None:
                problems.append(CorpusError("'### ' item outside any '## ' section", path=path,
                                            line=lineno))
                discard = True
                continue
            title = raw[4:].strip()
            slug = slugify(title)
            if not slug or slug in seen_items[heading]:
                problems.append(CorpusError("item title is empty" if not slug else
                                            f"duplicate item '{title}' in '## {heading}'",
                                            path=path, line=lineno))
                discard = True
                continue
            seen_items[heading].add(slug)
            item = (title, lineno)
        elif re.match(r"^#{1,6}(\s|$)", raw):
            problems.append(CorpusError("only '## ' sections and '### ' items are allowed as "
                                        "headings", path=path, line=lineno))
        else:
            buffer.append(raw)
    flush()
    return sections



def _paragraphs(buffer: list[str]) -> list[str]:
    text = "\n".join(buffer).strip()
    if not text:
        return []
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]



def _make_item(kind: str, title: str, paragraphs: list[str], line: int, path: str | None) -> Item:
    tools: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    resource_type: str | None = None
    # Metadata lines end an item; they were joined into its last paragraph by _paragraphs only
    # when not separated by a blank line, so look at the last paragraph's trailing clauses.
    while paragraphs:
        last = paragraphs[-1]
        match = re.search(r"(?:^|\s)(Source|Tools|Type):\s*([^:]*)$", last)
        if not match:
            break
        key, value = match.group(1), match.group(2).strip()
        rest = last[: match.start()].strip()
        if key == "Source":
            if sources:
                raise CorpusError("an item has one 'Source:' line (separate several works with "
                                  "';')", path=path, line=line)
            sources = split_keys(value)
            if not sources:
                raise CorpusError("'Source:' line names no work", path=path, line=line)
        elif key == "Tools":
            if kind != "implication":
                raise CorpusError("'Tools:' lines belong to implication items", path=path, line=line)
            tools = tuple(t.strip() for t in value.split(",") if t.strip())
            if not tools:
                raise CorpusError("'Tools:' line names no tool", path=path, line=line)
        else:
            if kind != "network":
                raise CorpusError("'Type:' lines belong to Personal Learning Network items",
                                  path=path, line=line)
            if value not in NETWORK_TYPES:
                raise CorpusError(f"Type {value!r} is not one of {', '.join(NETWORK_TYPES)}",
                                  path=path, line=line)
            resource_type = value
        if rest:
            paragraphs[-1] = rest
        else:
            paragraphs.pop()
    if not paragraphs:
        raise CorpusError(f"item '{title}' has no text", path=path, line=line)
    if any(p.startswith("TODO") for p in paragraphs) or title.startswith("TODO"):
        raise CorpusError(f"item '{title}' still has template placeholder text (TODO) — "
                          "replace its title and text", path=path, line=line)
    return Item(kind=kind, title=title, paragraphs=tuple(paragraphs), tools=tools,
                resource_type=resource_type, sources=sources, line=line)
