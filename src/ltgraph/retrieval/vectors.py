"""Vector search over L2-normalised float32 rows: exact (FAISS IndexFlatIP) or HNSW above
`HNSW_THRESHOLD` passages; `LayeredVectors` searches a base and a delta as one."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np

#: Above this many passages an HNSW index replaces exact search.
HNSW_THRESHOLD = 50_000



class VectorSearch(Protocol):
    """Nearest rows by inner product of L2-normalised vectors (`vectors.py`)."""

    @property
    def size(self) -> int: ...
    @property
    def hnsw(self) -> bool: ...
    @property
    def vectors(self) -> np.ndarray: ...
    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]: ...


class VectorIndex:
    """FAISS inner product on normalised vectors: exact, or HNSW for large collections."""

    def __init__(self, vectors: np.ndarray, hnsw: bool = False, index: Any = None) -> None:
        import faiss

        self.vectors = vectors
        self.hnsw = hnsw
        if index is not None:
            self._index = index
        elif hnsw:
            self._index = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            self._index.hnsw.efConstruction = 80
            self._index.add(vectors)
        else:
            self._index = faiss.IndexFlatIP(vectors.shape[1])
            self._index.add(vectors)
        if hnsw:
            # recall@50 0.95 on corpus-shaped vectors, 0.90 at 64, for +0.2 ms
            # (benchmarks/bench_hnsw_recall.py)
            self._index.hnsw.efSearch = 128

    @property
    def size(self) -> int:
        return int(self._index.ntotal)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, self.size)
        if k <= 0:
            return []
        scores, ids = self._index.search(vector.reshape(1, -1).astype(np.float32), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    def save(self, directory: Path) -> None:
        import faiss

        np.save(directory / "vectors.npy", self.vectors)
        if self.hnsw:
            faiss.write_index(self._index, str(directory / "hnsw.faiss"))

    @classmethod
    def load(cls, directory: Path) -> VectorIndex:
        import faiss

        vectors = np.load(directory / "vectors.npy")
        hnsw_path = directory / "hnsw.faiss"
        if hnsw_path.is_file():
            return cls(vectors, hnsw=True, index=faiss.read_index(str(hnsw_path)))
        return cls(vectors)



class LayeredVectors:
    """A base index with some rows hidden, plus a small exact index of newer vectors.

    This is how a delta generation searches without rebuilding the base index (an HNSW
    graph of 100k vectors takes minutes to build): both layers are searched and the hits
    merged by inner product, which is comparable across them. Rows are numbered as the
    composed records are: the base's kept rows in order, then the delta's.
    """

    def __init__(self, base: VectorSearch, keep: np.ndarray, delta: VectorIndex | None) -> None:
        self.base = base
        self.delta = delta
        self.hnsw = base.hnsw
        self._keep = keep
        self._row = np.cumsum(keep) - 1  # base row -> composed row (where kept)
        self._kept = int(keep.sum())
        self._hidden = len(keep) - self._kept

    @property
    def size(self) -> int:
        return self._kept + (self.delta.size if self.delta is not None else 0)

    @property
    def vectors(self) -> np.ndarray:
        """The composed matrix (a copy: only for checks and rebuilds, not for searching)."""
        parts = [self.base.vectors[self._keep]]
        if self.delta is not None:
            parts.append(self.delta.vectors)
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        hits = []
        if self._kept:
            # ask for enough that k survive the hidden rows
            for i, score in self.base.search(vector, k + self._hidden):
                if self._keep[i]:
                    hits.append((int(self._row[i]), score))
        if self.delta is not None:
            hits.extend((self._kept + i, score) for i, score in self.delta.search(vector, k))
        hits.sort(key=lambda h: -h[1])
        return hits[:k]
