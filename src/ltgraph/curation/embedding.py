"""Vectors for passages: reuse the stored vector when a passage's text is unchanged, else embed.

A full build and a change both call `reuse_or_embed`; what they reuse comes from
`store.layers` (a generation's index, or one entry's stored passages).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ltgraph.retrieval.encoders import Encoder
from ltgraph.retrieval.index import IndexedPassage

#: Texts per encoder call: the encoder's batch, so progress moves in small steps.
CHUNK = 64


def known_vectors(records: Sequence[IndexedPassage], vectors: np.ndarray) -> dict[str, np.ndarray]:
    """Stored vectors by the digest of the text they were computed from."""
    return {r.digest: vectors[i] for i, r in enumerate(records) if r.digest}


def reuse_or_embed(encoder: Encoder, items: Sequence[tuple[IndexedPassage, str, str]],
                   known: dict[str, np.ndarray],
                   progress: Callable[[int, int], None] | None = None) -> tuple[np.ndarray, int]:
    """One row per item (`(record, text to embed, keyword document)`): the known vector of
    the record's digest, or a fresh one from `encoder`. Returns the matrix and how many
    passages were embedded; `progress(done, total)` follows the embedding."""
    # Shortest first: every chunk holds texts of similar length, so batches carry little padding.
    missing = sorted((i for i, (record, _, _) in enumerate(items) if record.digest not in known),
                     key=lambda i: len(items[i][1]))
    matrix = np.zeros((len(items), encoder.dim), dtype=np.float32)
    for i, (record, _, _) in enumerate(items):
        if record.digest in known:
            matrix[i] = known[record.digest]
    for start in range(0, len(missing), CHUNK):
        rows = missing[start:start + CHUNK]
        for i, vector in zip(rows, encoder.encode([items[i][1] for i in rows]), strict=True):
            matrix[i] = vector
        if progress is not None:
            progress(min(start + CHUNK, len(missing)), len(missing))
    return matrix, len(missing)
