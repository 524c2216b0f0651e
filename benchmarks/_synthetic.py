"""A synthetic corpus N times the bundled one, and an encoder that embeds it in minutes.

`make_corpus(target, scale)` writes the bundled entries and, for each, `scale - 1` variants:
id `{slug}-v{n}`, name "{name} (variant n)", no aliases, the same people, works and links, and
every paragraph of the body ending in " Variant n." — so every passage text is distinct, and
keyword statistics (document frequencies, lengths) grow as a real corpus of that size would.

`CloningEncoder` embeds a variant's passage as the real vector of the original passage plus a
small deterministic perturbation (normal noise, sigma `NOISE` per dimension, seeded by the
text), normalised: vectors cluster around the real ones like near-duplicate documents do,
and no two are equal (HNSW sees a realistic, not a degenerate, collection). The originals and
every question are embedded by the real model. Only the build uses it; readers embed
questions with the real model, whose name the cloning encoder carries.
"""

from __future__ import annotations

import re
import shutil
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

VARIANT = re.compile(r" \(variant \d+\)| Variant \d+\.")
NOISE = 0.03


def make_corpus(bundled: Path, target: Path, scale: int) -> int:
    """The bundled corpus and its variants in `target`; the number of entries written."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(bundled / "people.yaml", target / "people.yaml")
    count = 0
    for path in sorted(bundled.glob("*.md")):
        text = path.read_text("utf-8")
        shutil.copy(path, target / path.name)
        count += 1
        front, body = text.split("\n---\n", 1)
        slug = path.stem
        name = re.search(r"^name: (.*)$", front, re.M)
        assert name is not None, path
        for n in range(1, scale):
            head = re.sub(r"^id: .*$", f"id: {slug}-v{n}", front, count=1, flags=re.M)
            head = re.sub(r"^name: .*$", lambda _m: f"name: {_unquote(name.group(1))} (variant {n})",
                          head, count=1, flags=re.M)
            head = re.sub(r"^aliases:\n(?:  - .*\n)*", "", head + "\n", flags=re.M).rstrip("\n")
            lines = [line + f" Variant {n}." if _is_prose(line) else line for line in body.split("\n")]
            (target / f"{slug}-v{n}.md").write_text(head + "\n---\n" + "\n".join(lines), "utf-8")
            count += 1
    return count


def _unquote(value: str) -> str:
    value = value.strip()
    return value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'" else value


def _is_prose(line: str) -> bool:
    return bool(line.strip()) and not line.startswith(("#", "Source:", "Type:", "Tools:", "- **", "|"))


class CloningEncoder:
    """The real encoder for originals; a perturbed copy of the original's vector for variants."""

    def __init__(self, real) -> None:  # real: an ltgraph Encoder
        self.real = real
        self.name = real.name
        self._cache: dict[str, np.ndarray] = {}
        self.embedded = 0

    @property
    def dim(self) -> int:
        return int(self.real.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        originals = [VARIANT.sub("", text) for text in texts]
        missing = sorted({o for o in originals if o not in self._cache})
        for start in range(0, len(missing), 256):
            batch = missing[start:start + 256]
            self._cache.update(zip(batch, self.real.encode(batch), strict=True))
            self.embedded += len(batch)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, (text, original) in enumerate(zip(texts, originals, strict=True)):
            vector = self._cache[original].astype(np.float64)
            if text != original:
                noise = np.random.default_rng(zlib.crc32(text.encode("utf-8")))
                vector = vector + noise.normal(0.0, NOISE, self.dim)
            out[row] = vector / np.linalg.norm(vector)
        return out
