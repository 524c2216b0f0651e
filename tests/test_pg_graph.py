"""A reader's graph changed in place part by part (`store.pg_graph.PartGraph`): after any
sequence of changes the store holds exactly the union of the parts."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ltgraph.store.pg_graph import PartGraph

#: A small pool of statements, so that parts often share some (a person two entries name).
POOL = [f"<http://example.org/s{i % 7}> <http://example.org/p{i % 3}> \"v{i}\" .".encode()
        for i in range(24)]
PARTS = ["alpha", "beta", "gamma", "delta"]

part_contents = st.one_of(st.none(), st.sets(st.sampled_from(POOL), max_size=10))
states = st.fixed_dictionaries({name: part_contents for name in PARTS})


def _nt(lines: set[bytes] | None) -> bytes | None:
    return None if lines is None else b"".join(line + b"\n" for line in sorted(lines))


def _held(graph: PartGraph) -> set[str]:
    return {str(q.triple) for q in graph.store.quads_for_pattern(None, None, None, None)}


def _union(state: dict[str, set[bytes] | None]) -> set[str]:
    lines = set().union(*(lines for lines in state.values() if lines))
    if not lines:
        return set()
    return {str(q.triple) for q in ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_TRIPLES)}


@settings(max_examples=200, deadline=None)
@given(st.lists(states, min_size=1, max_size=6))
def test_the_store_is_the_union_of_the_parts_after_any_changes(sequence) -> None:
    first, *rest = sequence
    graph = PartGraph(b for b in (_nt(v) for v in first.values()) if b)
    assert _held(graph) == _union(first)
    state = first
    for after in rest:
        graph.change({p: _nt(v) for p, v in state.items()}, {p: _nt(v) for p, v in after.items()})
        state = after
        assert _held(graph) == _union(state)
        shared = {line for line in POOL
                  if sum(1 for v in state.values() if v and line in v) > 1}
        assert set(graph.counts) == shared  # counted: the statements two or more parts hold


def test_a_change_that_does_not_match_the_store_is_refused() -> None:
    graph = PartGraph([POOL[0] + b"\n"])
    with pytest.raises(ValueError, match="does not hold"):
        graph.change({"alpha": POOL[1] + b"\n"}, {"alpha": None})
    with pytest.raises(ValueError, match="not one N-Triples statement"):
        graph.change({}, {"alpha": POOL[1] + b" " + POOL[2] + b"\n"})
