"""People: one rule for whom a name refers to and how that person is labelled.

A researcher's IRI comes from the slug of the name, or from an explicit `id:` (homonyms).
Many entries name the same person, so the rule that decides the person's label must not
depend on the order in which entries are built or added. It is:

- a person in the registry (`people.yaml` beside the corpus) is labelled with the registered
  name; an entry may spell the person as that name or as one of its listed variants, and any
  other spelling under that id is refused;
- any other person must be spelled exactly alike by every entry that names them; the label
  is that spelling. "Jöhn Dewey" in one entry and "John Dewey" in another (one slug, two
  spellings) is refused with both places named, as is an explicit `id:` whose name is not
  the person's ("Jean Piaget Impostor" with `id: george-siemens`).

Full builds and changes both call `person_problems` and `Registry.label`, so a composed state
always equals a full build of the same sources.

The registry file::

    # person id: canonical name and the other spellings entries may use
    lev-vygotsky:
      name: Lev Vygotsky
      variants: [L. S. Vygotsky, Lev Semyonovich Vygotsky]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from ltgraph.corpus.records import SLUG_RE, Entry
from ltgraph.errors import CorpusError

REGISTRY_FILE = "people.yaml"


@dataclass(frozen=True)
class Registry:
    """Registered people: id -> (canonical name, other accepted spellings)."""

    people: Mapping[str, tuple[str, frozenset[str]]] = field(default_factory=dict)

    @staticmethod
    def digest(corpus_dir: Path) -> str:
        """SHA-256 of the registry file ("" when there is none): a build records it, and a
        changed registry makes the data stale (labels come from it)."""
        import hashlib

        path = corpus_dir / REGISTRY_FILE
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return ""

    @classmethod
    def load(cls, corpus_dir: Path) -> Registry:
        """The registry beside a corpus; empty when there is none."""
        path = corpus_dir / REGISTRY_FILE
        if not path.is_file():
            return cls()
        try:
            raw = yaml.safe_load(path.read_text("utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CorpusError(f"cannot read the people registry: {exc}", path=str(path)) from None
        if not isinstance(raw, dict):
            raise CorpusError("the people registry must map person ids to {name, variants}",
                              path=str(path))
        people = {}
        for slug, item in raw.items():
            name = item.get("name") if isinstance(item, dict) else None
            variants = item.get("variants", []) if isinstance(item, dict) else None
            if not isinstance(slug, str) or not SLUG_RE.match(slug) or not isinstance(name, str) \
                    or not isinstance(variants, list) \
                    or not all(isinstance(v, str) for v in variants):
                raise CorpusError(f"registry entry {slug!r} needs an id (a slug), a name and a "
                                  "list of variants (text)", path=str(path))
            people[slug] = (name, frozenset(variants))
        return cls(people)

    def label(self, slug: str, spelling: str) -> str:
        """The label of person `slug` as spelled `spelling` by an entry (see the rule)."""
        registered = self.people.get(slug)
        return registered[0] if registered else spelling

    def allowed(self, slug: str) -> frozenset[str] | None:
        """The accepted spellings of a registered person; None for anyone else."""
        registered = self.people.get(slug)
        return frozenset({registered[0]}) | registered[1] if registered else None


def person_problems(entries: Iterable[Entry], known: Mapping[str, str],
                    registry: Registry) -> list[str]:
    """Spellings that break the rule, as `file: message` strings.

    `known`: the label of every person named by entries outside `entries` (for a change:
    the catalog minus the entries being replaced; for a build: nothing).
    """
    spelled: dict[str, tuple[str, str]] = {slug: (name, "the other entries")
                                           for slug, name in known.items()}
    problems = []
    for entry in sorted(entries, key=lambda e: e.slug):
        for person in entry.researchers:
            where = entry.path or entry.slug
            allowed = registry.allowed(person.slug)
            if allowed is not None:
                if person.name not in allowed:
                    problems.append(
                        f"{where}: researcher {person.name!r} has the id {person.slug!r}, whose "
                        f"registered spellings are {', '.join(sorted(allowed))}; use one of "
                        f"them, or add the spelling to {REGISTRY_FILE}")
                continue
            seen = spelled.setdefault(person.slug, (person.name, entry.slug))
            if seen[0] != person.name:
                problems.append(
                    f"{where}: researcher {person.name!r} (id {person.slug!r}) is spelled "
                    f"{seen[0]!r} in {seen[1]}; one person has one spelling: use "
                    f"{seen[0]!r}, give a different person another id, or register the "
                    f"variant in {REGISTRY_FILE}")
    return problems


def builds_on_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle of `buildsOn` links (entry -> entries it builds on), as slugs, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in sorted(edges):
        if state.get(start):
            continue
        path: list[str] = []
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        state[start] = 1
        path.append(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            if state.get(child) == 1:
                return path[path.index(child):] + [child]
            if not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(edges.get(child, ())))))
    return None


#: How alike two names must be (rapidfuzz's token-sort ratio, 0-100) to be worth a warning.
NEAR = 90


def near_duplicates(new: Iterable[tuple[str, str]], known: Mapping[str, str],
                    what: str) -> list[str]:
    """Warnings for new (id, name) pairs whose name is close to a known one with another id.

    Exact matches (ignoring case and accents) are as suspicious as near ones: "GEORGE SIEMENS"
    under a new id is most likely George Siemens. `what` names the kind ("entry", "person").
    """
    from rapidfuzz import fuzz, process, utils

    choices = {slug: name for slug, name in known.items()}
    warnings = []
    for slug, name in new:
        if slug in choices:
            continue
        match = process.extractOne(name, choices, scorer=fuzz.token_sort_ratio,
                                   processor=utils.default_process, score_cutoff=NEAR)
        if match is not None:
            other_name, score, other = match
            warnings.append(f"{what} {name!r} ({slug}) looks like the existing {what} "
                            f"{other_name!r} ({other}), {score:.0f}% alike; if they are the "
                            f"same, use {other!r}")
    return warnings
