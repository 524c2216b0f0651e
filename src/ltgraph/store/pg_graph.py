"""A stateless reader's graph: the union of a generation's graph parts in PostgreSQL, kept in
memory and changed in place, part by part, when a delta generation goes live.

Parsing every part again for each generation costs seconds per million statements (5 s at
100 times the bundled corpus). `PartGraph` instead replaces only the parts a change touched:
a statement leaves the store when no part holds it any more and enters it when the first
part does. Statements several parts hold (a person two entries name) are counted; every
other statement in the store is held by exactly one part. A property test checks the store
against the union of the parts after any sequence of changes.

Requests read the store of the snapshot they took while the next generation is prepared,
so a store is never changed while a snapshot uses it: `ReaderGraphs` keeps two — the one
the live snapshot reads and a spare. A change is applied to the spare once no snapshot
uses it any more (the requests of the generation before have ended), which then serves
the new generation; otherwise, and for a generation of another base, the graph is loaded
in full. No request ever sees a store between two generations.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from ltgraph.store.pg_index import GRAPH_PARTS

log = logging.getLogger(__name__)

#: The parts of one generation stored as its own (a delta's entries; all of a full one).
OWN_PARTS = "SELECT part, nt FROM ltgraph_graph_part WHERE generation = %s"
#: Bytes of N-Triples parsed by one bulk load.
LOAD_BATCH = 32 << 20
#: Some parts of one generation, by name.
SOME_PARTS = "SELECT part, nt FROM ltgraph_graph_part WHERE generation = %s AND part = ANY(%s)"


def _lines(part: bytes) -> set[bytes]:
    """The statements of a part: its N-Triples lines (each written once by Oxigraph)."""
    return {line for line in part.splitlines() if line.strip() and not line.startswith(b"#")}


class PartGraph:
    """An Oxigraph store holding the union of named parts (N-Triples each)."""

    def __init__(self, parts: Iterable[bytes]) -> None:
        parts = list(parts)
        self.store = ox.Store()
        batch: list[bytes] = []
        size = 0
        for part in [*parts, b""]:  # in batches: one copy of every part at once was 0.5 GB at 100x
            if part:
                batch.append(part)
                size += len(part)
            if batch and (size >= LOAD_BATCH or not part):
                self.store.bulk_load(b"\n".join(batch), format=ox.RdfFormat.N_TRIPLES)
                batch, size = [], 0
        held = Counter(line for part in parts for line in _lines(part))
        #: Statements held by two or more parts, and by how many (absent: at most one).
        self.counts = {line: n for line, n in held.items() if n > 1}

    def change(self, before: dict[str, bytes | None], after: dict[str, bytes | None]) -> None:
        """Replace parts: `before[p]` is part p as the store holds it (None: absent), `after[p]`
        what it becomes. Parts in neither are kept as they are."""
        net: dict[bytes, int] = {}
        for part in before.keys() | after.keys():
            old, new = _lines(before.get(part) or b""), _lines(after.get(part) or b"")
            for line in old - new:
                net[line] = net.get(line, 0) - 1
            for line in new - old:
                net[line] = net.get(line, 0) + 1
        lines = [line for line, n in net.items() if n]
        if not lines:
            return
        try:
            quads = list(ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_TRIPLES))
        except SyntaxError as exc:
            raise ValueError(f"a graph part holds a line that is not one N-Triples statement: {exc}") from None
        if len(quads) != len(lines):
            raise ValueError("a graph part holds a line that is not one N-Triples statement")
        remove, add = [], []
        for line, quad in zip(lines, quads, strict=True):
            held = self.counts.get(line) or (1 if quad in self.store else 0)
            now = held + net[line]
            if now < 0:
                raise ValueError(f"a part dropped a statement the graph does not hold: {line[:200]!r}")
            if now > 1:
                self.counts[line] = now
            else:
                self.counts.pop(line, None)
            if held and not now:
                remove.append(quad)
            elif now and not held:
                add.append(quad)
        for quad in remove:
            self.store.remove(quad)
        self.store.extend(add)


@dataclass
class _Buffer:
    """A `PartGraph` at one generation: its base's parts but for `hidden`, then `own`."""

    graph: PartGraph
    generation: str
    base: str
    own: dict[str, bytes]
    hidden: frozenset[str]
    #: The snapshot reading this store (None: none yet, a spare).
    user: weakref.ref[Any] | None = field(default=None)
    #: Given out by `load`, its snapshot not yet bound.
    reserved: bool = False

    def free(self) -> bool:
        return not self.reserved and (self.user is None or self.user() is None)

    def part(self, name: str, base: dict[str, bytes]) -> bytes | None:
        if name in self.own:
            return self.own[name]
        return None if name in self.hidden else base.get(name)


class ReaderGraphs:
    """A reader's graph stores (see the module docstring): `load` gives a store at a
    generation that no snapshot reads; `bind` marks it read by the snapshot made of it."""

    def __init__(self, spare: bool = True) -> None:
        self._buffers: list[_Buffer] = []
        self._lock = threading.Lock()
        self._spare = spare  # whether a full load also makes the spare (in the background)
        #: How the last generations were loaded ("full" or "change"), for tests and logs.
        self.loads: deque[str] = deque(maxlen=100)
        self._making: threading.Thread | None = None

    def load(self, conn: Any, name: str, base: str | None, hidden: Iterable[str]) -> ox.Store:
        """The store of generation `name` (a delta when `base` is set, hiding `hidden` of it),
        read from `conn` (one transaction: it sees one state of the database)."""
        root = base or name
        hidden = frozenset(hidden)
        with self._lock:
            for buffer in self._buffers:  # (loads run one at a time: a reservation left is
                buffer.reserved = False   # of a load that failed before its snapshot was made)
            reusable = next((b for b in self._buffers if b.free() and b.base == root), None)
            if reusable is not None:
                reusable.reserved = True
            # the store a snapshot reads stays; other free ones of another base go
            self._buffers = [b for b in self._buffers if not b.free() or b is reusable]
        own = {str(p): bytes(nt) for p, nt in conn.execute(OWN_PARTS, (name,)).fetchall()} if base else {}
        if reusable is not None:
            try:
                self._change(conn, reusable, name, root, own, hidden)
            except Exception:
                with self._lock:  # half changed: never used again
                    self._buffers = [b for b in self._buffers if b is not reusable]
                raise
            self.loads.append("change")
            return reusable.graph.store
        parts = [bytes(nt) for _, nt in conn.execute(GRAPH_PARTS, {"g": name}).fetchall()]
        buffer = _Buffer(PartGraph(parts), name, root, own, hidden, reserved=True)
        with self._lock:
            self._buffers.append(buffer)
        if self._spare:
            self._making = threading.Thread(target=self._make_spare, args=(parts, name, root, own, hidden),
                                            daemon=True, name="ltgraph-graph-spare")
            self._making.start()
        self.loads.append("full")
        return buffer.graph.store

    def wait(self, timeout: float | None = None) -> None:
        """Until the spare being made (if any) is ready."""
        if self._making is not None:
            self._making.join(timeout)

    def bind(self, store: ox.Store, snapshot: Any) -> None:
        """`snapshot` reads `store` now: it is not changed while the snapshot lives."""
        with self._lock:
            for buffer in self._buffers:
                if buffer.graph.store is store:
                    buffer.user, buffer.reserved = weakref.ref(snapshot), False

    def _change(self, conn: Any, buffer: _Buffer, name: str, root: str, own: dict[str, bytes],
                hidden: frozenset[str]) -> None:
        touched = set(buffer.own) | buffer.hidden | set(own) | hidden
        from_base = sorted(p for p in touched if (p not in buffer.own and p not in buffer.hidden)
                           or (p not in own and p not in hidden))
        base = {str(p): bytes(nt) for p, nt in conn.execute(SOME_PARTS, (root, from_base)).fetchall()}
        target = _Buffer(buffer.graph, name, root, own, hidden)
        buffer.graph.change({p: buffer.part(p, base) for p in touched},
                            {p: target.part(p, base) for p in touched})
        buffer.generation, buffer.own, buffer.hidden = name, own, hidden

    def _make_spare(self, parts: list[bytes], name: str, root: str, own: dict[str, bytes],
                    hidden: frozenset[str]) -> None:
        try:
            spare = _Buffer(PartGraph(parts), name, root, own, hidden)
        except Exception:  # noqa: BLE001 - without a spare the next change loads in full
            log.exception("making the spare graph of generation %s failed", name)
            return
        del parts
        with self._lock:
            if not any(b.free() and b.base == root for b in self._buffers):
                self._buffers.append(spare)
