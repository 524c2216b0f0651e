"""What a generation's manifest records about its search index (no heavy imports: the
manifest is read by every light reader)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndexInfo:
    """What the manifest records about an index, checked when it is loaded."""

    model: str
    dim: int
    passages: int
    hnsw: bool
