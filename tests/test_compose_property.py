"""Property: any sequence of add / update / remove / force-remove composes to exactly the state
a full build of the same sources gives (entries, triples, passages, search results and
scores), including people shared by entries and registered variant spellings; a refused
operation changes nothing; the graph server's named graphs computed from the change alone
equal those computed from every statement.

`benchmarks/soak_compose.py` runs the same property with 2,000 sequences.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ltgraph.config import Settings
from ltgraph.errors import LtgraphError
from ltgraph.service import Service

from .conftest import TINY_CORPUS, FakeEncoder, select
from .test_curation import GAMMA, snapshot
from .test_layers import observe

SLUGS = ["gen-a", "gen-b", "gen-c", "gen-d"]
#: (person id, spelling): John Dewey is shared with the tiny corpus, Rita Registered has a
#: registered variant, the others are new people shared among generated entries.
PEOPLE = [("john-dewey", "John Dewey"), ("rita-registered", "Rita Registered"),
          ("rita-registered", "R. Registered"), ("nia-new", "Nia New"), ("omar-other", "Omar Other"),
          ("nia-new", "Nia Neu")]  # the last one breaks the rule unless no one else says Nia New
TARGETS = ["alpha-theory", "beta-model", *SLUGS]
RELATIONS = ["relatedTo", "buildsOn", "contrastsWith", "influencedBy"]
EXAMPLES = int(os.environ.get("LTGRAPH_COMPOSE_EXAMPLES", "200"))


def entry_text(slug: str, version: int, people: list[tuple[str, str]],
               related: list[tuple[str, str]]) -> str:
    """A valid entry file (from the GAMMA fixture) with these people and links."""
    name = slug.replace("-", " ").title()
    text = GAMMA.replace("gamma-theory", slug).replace("Gamma Theory", name)
    head, body = text.split("\n---\n", 1)
    lines = []
    for line in head.split("\n"):
        if line.startswith("researchers:"):
            lines.append("researchers:")
            lines += [f"  - {{name: {n}, id: {p}}}" for p, n in people]
            continue
        if line.startswith("  - name:"):
            continue
        if line.startswith("related:"):
            lines.append("related:" if related else "related: []")
            lines += [f"  - {{id: {t}, relation: {r}}}" for t, r in related]
            continue
        if line.startswith("  - {id:"):
            continue
        lines.append(line)
    researchers = "".join(f"### {n}\n\n{n} worked on {name}, version {version}.\n\n"
                          for _, n in people)
    start = body.index("## Key Researchers")
    end = body.index("\n## ", start) + 1  # the next section (not a ### item)
    body = body[:start] + "## Key Researchers\n\n" + researchers + body[end:]
    body = body.replace("gamma rays", f"gamma rays version {version}")
    return "\n".join(lines) + "\n---\n" + body


PERSON_LISTS = st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3,
                        unique_by=lambda p: p[0])
LINKS = st.lists(st.tuples(st.sampled_from(TARGETS), st.sampled_from(RELATIONS)), max_size=2,
                 unique_by=lambda r: r[0])
OPERATION = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(SLUGS), st.integers(0, 3), PERSON_LISTS, LINKS),
    st.tuples(st.just("remove"), st.sampled_from(TARGETS), st.booleans()),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A built tiny data directory with a people registry, copied for every example."""
    root = tmp_path_factory.mktemp("compose")
    corpus = root / "corpus"
    shutil.copytree(TINY_CORPUS, corpus)
    (corpus / "people.yaml").write_text(
        "rita-registered:\n  name: Rita Registered\n  variants: [R. Registered]\n")
    Service(Settings(data_dir=root / "data", corpus_dir=corpus), encoder=FakeEncoder()).build()
    return root


def run_sequence(template: Path, workdir: Path, operations: list[tuple]) -> None:
    """Apply the operations, then check the composed state against a full build."""
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(template, workdir, symlinks=True)
    settings_ = Settings(data_dir=workdir / "data", corpus_dir=workdir / "corpus")
    service = Service(settings_, encoder=FakeEncoder())
    drafts = workdir / "drafts"
    drafts.mkdir()
    for op in operations:
        before = snapshot(settings_.data_dir)
        try:
            if op[0] == "put":
                _, slug, version, people, links = op
                path = drafts / f"{slug}.md"
                path.write_text(entry_text(slug, version, people, [l for l in links if l[0] != slug]))
                exists = slug in {e.slug for e in service.entries()}
                service.add([path], replace=exists)
            else:
                _, slug, force = op
                service.remove(slug, force=force)
        except LtgraphError:
            assert snapshot(settings_.data_dir) == before, op  # refused: nothing changed
    composed = observe(service)
    assert composed["health"]["consistent"]
    live = service.datadir.current()
    if (live / "delta").is_dir():  # the graph server's graphs, from the change alone
        assert_server_graphs_alike(live)
    service.build()
    rebuilt = observe(Service(settings_, encoder=FakeEncoder()))
    for key in composed:
        assert composed[key] == rebuilt[key], key


def assert_server_graphs_alike(generation: Path) -> None:
    """The graph server's named graphs of a delta computed from what it changed equal those
    computed from all its statements, and each statement is in exactly one of them."""
    from ltgraph.store.graph_delta import delta_graphs
    from ltgraph.store.graph_delta import digest, generation_graphs

    full = generation_graphs(generation)
    fast = delta_graphs(generation)
    assert fast.digests == {name: digest(triples) for name, triples in full.items()}
    for name, triples in full.items():
        assert fast.content(name) == triples, name
    statements = [t for triples in full.values() for t in triples]
    assert len(statements) == len(set(statements))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(operations=st.lists(OPERATION, min_size=1, max_size=5))
def test_any_sequence_of_changes_equals_a_full_build(template, tmp_path, operations) -> None:
    run_sequence(template, tmp_path / "work", operations)


def test_the_generator_makes_entries_that_can_be_added(template, tmp_path) -> None:
    """Guards the property test itself: its operations must mostly succeed, not be refused."""
    shutil.copytree(template, tmp_path / "w", symlinks=True)
    service = Service(Settings(data_dir=tmp_path / "w" / "data",
                               corpus_dir=tmp_path / "w" / "corpus"), encoder=FakeEncoder())
    path = tmp_path / "gen-a.md"
    path.write_text(entry_text("gen-a", 1, [("john-dewey", "John Dewey"),
                                            ("rita-registered", "R. Registered")],
                               [("alpha-theory", "buildsOn")]))
    service.add([path])
    path.write_text(entry_text("gen-a", 2, [("nia-new", "Nia New")], []))
    service.add([path], replace=True)
    assert {e.slug for e in service.entries()} == {"alpha-theory", "beta-model", "gen-a"}
    rows = select(service, "SELECT ?l WHERE { <https://w3id.org/ltgraph/id/person/nia-new> rdfs:label ?l }")
    assert [r["l"] for r in rows] == ["Nia New"]
