from __future__ import annotations

import re
from pathlib import Path

import pytest

from ltgraph.corpus import (
    Entry,
    entry_files,
    load_corpus,
    parse_entry,
    passages,
    read_entry,
    slugify,
    write_entry,
)
from ltgraph.errors import CorpusError, ValidationError

from .conftest import TINY_CORPUS, entry_text


def parse(text: str, name: str = "alpha-theory.md") -> Entry:
    return parse_entry(text, path=name)


def test_parses_front_matter_and_sections() -> None:
    entry = read_entry(TINY_CORPUS / "alpha-theory.md")
    assert entry.slug == "alpha-theory" and entry.type == "theory" and entry.year == 1999
    assert [p.slug for p in entry.researchers] == ["ada-example", "john-dewey"]
    assert entry.aliases == ("Alphaism",)
    assert entry.works[0].citation.startswith("Ada Example (1999). Alpha: A Theory")
    assert [i.title for i in entry.items_of("implication")] == ["Show before asking"]
    implication = entry.items_of("implication")[0]
    assert implication.tools == ("Padlet", "Trello")
    assert "Tools:" not in implication.text
    assert entry.items_of("network")[0].resource_type == "organisation"
    assert len(entry.overview) == 2


def test_writer_round_trips_every_entry() -> None:
    for path in entry_files(TINY_CORPUS):
        entry = read_entry(path)
        assert parse(write_entry(entry), path.name) == entry


def test_writer_round_trips_the_bundled_corpus() -> None:
    from ltgraph.config import bundled_corpus_dir

    files = entry_files(bundled_corpus_dir())
    assert files
    for path in files:
        entry = read_entry(path)
        assert parse(write_entry(entry), path.name) == entry, path.name


def test_slugify() -> None:
    assert slugify("Robert M. Gagné") == "robert-m-gagne"
    assert slugify("B. F. Skinner") == "b-f-skinner"
    assert slugify("  Real-World Problem-Solving! ") == "real-world-problem-solving"


def test_passages_cover_overview_and_items_and_split_long_items() -> None:
    entry = read_entry(TINY_CORPUS / "alpha-theory.md")
    ps = passages(entry)
    assert [p.kind for p in ps].count("overview") == 2
    researcher = next(p for p in ps if p.kind == "researcher" and p.item == "john-dewey")
    assert researcher.key == "alpha-theory/researcher/john-dewey/p1"
    long_text = entry_text().replace(
        "A worked example shows every step of a solution.",
        "\n\n".join(["Para %d. " % n + "word " * 100 for n in range(4)]))
    split = [p for p in passages(parse(long_text)) if p.kind == "concept"]
    assert len(split) > 1
    assert all(p.label == "Worked example" for p in split)
    assert [p.ordinal for p in split] == list(range(1, len(split) + 1))


def top(old: str, new: str):
    """Replace a top-level front-matter line only (seminal works repeat some keys)."""
    return lambda t: re.sub(rf"(?m)^{re.escape(old)}$", new, t, count=1)


BAD_ENTRIES = [
    # (description, transform of the valid text, text on the expected line, message part)
    ("bad YAML", top("name: Alpha Theory", "name: Alpha: Theory"), "name: Alpha: Theory",
     "invalid YAML"),
    ("missing field", top("year: 1999", ""), None, "'year' is missing"),
    ("empty name", top("name: Alpha Theory", "name: ''"), "name: ''", "'name' is missing"),
    ("unknown section", lambda t: t.replace("## Strengths", "## Benefits"), "## Benefits",
     "unknown section"),
    ("duplicate item", lambda t: t.replace("## Implications", "### Worked Example\nAgain.\n\n"
                                           "## Implications"), "### Worked Example",
     "duplicate item"),
    ("unknown relation", lambda t: t.replace("relation: relatedTo", "relation: likes"),
     "related:", "unknown relation 'likes'"),
    ("bad slug", top("id: alpha-theory", "id: ../etc/passwd"), "id: ../etc/passwd", "not a slug"),
    ("id differs from file", top("id: alpha-theory", "id: gamma"), "id: gamma",
     "must equal the file name"),
    ("no front matter", lambda t: t.split("---", 2)[2], None, "must start with"),
    ("bad year", top("year: 1999", "year: soon"), "year: soon", "four-digit"),
    ("missing section", lambda t: t.split("## Limitations")[0], None, "'## Limitations'"),
    ("unlisted researcher", lambda t: t.replace("### Ada Example", "### Ada Sample"),
     "### Ada Sample", "not listed"),
    ("item without text", lambda t: t.replace("Learners start quickly because they see the "
                                              "goal first.", ""), "### Quick start", "has no text"),
    ("unknown field", top("year: 1999", "year: 1999\ncolour: blue"), "colour: blue",
     "unknown front-matter field 'colour'"),
    ("deep heading", lambda t: t.replace("### Quick start", "#### Quick start"),
     "#### Quick start", "only '## ' sections"),
    ("tools outside implication", lambda t: t.replace("goal first.", "goal first.\nTools: X"),
     "### Quick start", "'Tools:' lines belong to implication items"),
]


@pytest.mark.parametrize("name,transform,marker,message", BAD_ENTRIES, ids=[b[0] for b in BAD_ENTRIES])
def test_malformed_entries_are_rejected_with_file_and_line(name, transform, marker, message) -> None:
    text = transform(entry_text())
    with pytest.raises(CorpusError) as info:
        parse(text)
    error = str(info.value)
    assert error.startswith("alpha-theory.md:"), error
    # every problem of the file is reported; the expected one at its own line
    problems = getattr(info.value, "problems", [info.value])
    found = [p for p in problems if message in str(p)]
    assert found, [str(p) for p in problems]
    if marker is not None:
        assert found[0].line == text.split("\n").index(marker) + 1, str(found[0])


def test_binary_non_utf8_and_oversized_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "x.md"
    binary.write_bytes(b"---\x00\x01")
    with pytest.raises(CorpusError, match="binary"):
        read_entry(binary)
    latin = tmp_path / "y.md"
    latin.write_bytes(entry_text().encode("utf-8") + "\ncaf\xe9".encode("latin-1"))
    with pytest.raises(CorpusError, match="not valid UTF-8"):
        read_entry(latin)
    big = tmp_path / "z.md"
    big.write_text("x" * 2000)
    with pytest.raises(CorpusError, match="over the limit"):
        read_entry(big, max_bytes=1000)


def test_unknown_related_slug_and_duplicates_are_reported_across_files(tmp_path: Path) -> None:
    (tmp_path / "alpha-theory.md").write_text(entry_text().replace("id: beta-model", "id: nowhere"))
    with pytest.raises(ValidationError) as info:
        load_corpus(entry_files(tmp_path))
    assert any("alpha-theory.md:16: related entry 'nowhere' does not exist" in p
               for p in info.value.problems), info.value.problems


def test_load_corpus_collects_every_problem(tmp_path: Path) -> None:
    (tmp_path / "alpha-theory.md").write_text(entry_text().replace("type: theory", "type: poem"))
    (tmp_path / "beta-model.md").write_text(entry_text("beta-model.md").replace("year: 2004", "year: x"))
    with pytest.raises(ValidationError) as info:
        load_corpus(entry_files(tmp_path))
    assert len(info.value.problems) >= 2



def test_every_problem_of_a_file_is_reported_at_once_in_line_order() -> None:
    from ltgraph.corpus.parse import problems_of

    text = entry_text()
    broken = (text.replace("### Fading needed", "### TODO Fading needed")
              .replace("## Strengths", "## Strenghts")
              .replace("### Ada Example", "#### Ada Example"))
    with pytest.raises(CorpusError) as info:
        parse(broken)
    problems = problems_of(info.value)
    assert len(problems) >= 3, problems
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == sorted(lines)
    joined = "\n".join(problems)
    assert "unknown section '## Strenghts'" in joined
    assert "placeholder" in joined and "only '## ' sections" in joined


def test_the_template_refuses_every_placeholder(tmp_path: Path) -> None:
    from ltgraph.corpus import template
    from ltgraph.corpus.parse import problems_of

    text = template("Test Theory", "theory")
    with pytest.raises(CorpusError) as info:
        parse_entry(text, "test-theory.md")
    problems = problems_of(info.value)
    for field in ("'year'", "'researchers'", "'seminal_works'", "'## Overview'", "TODO Concept",
                  "TODO Implication", "TODO Strength", "TODO Limitation"):
        assert any(field in p for p in problems), (field, problems)
    # the front matter's TODO values are refused even once the body is written
    body_done = text.replace("TODO: write the overview.", "An overview.")
    with pytest.raises(CorpusError, match="'year' still holds a template placeholder"):
        parse_entry(body_done, "test-theory.md")
