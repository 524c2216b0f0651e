"""A generation's manifest: what it holds, typed; written last, so a generation without one
is incomplete.

On disk it is `manifest.json`. The search index's facts (`IndexInfo`: model, dimension,
passages, HNSW) and the writing ltgraph's version sit under the key `extra`, as in every data
directory written since format 2; here they are typed fields, and `require_model` is the one
place that says what to do when the configured model differs from the one the index was built
with.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ltgraph.errors import DataDirError
from ltgraph.retrieval.info import IndexInfo

#: 2: delta generations, catalog.json, row-aligned tokens.jsonl.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
FULL, DELTA = "full", "delta"


@dataclass
class Manifest:
    """What a generation holds."""

    generation: str
    created: float
    base_iri: str
    corpus_hash: str
    bundled_hash: str
    entries: int
    #: Served triples; None for a delta generation (known only once the graph is composed).
    triples: int | None
    passages: int
    user_entries: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: The search index it holds (None only in a damaged or hand-made manifest).
    index: IndexInfo | None = None
    #: The ltgraph version that wrote it.
    software: str | None = None
    format_version: int = FORMAT_VERSION
    kind: str = FULL
    #: For a delta generation: the full generation it applies to, and the base entries it hides.
    base: str | None = None
    deleted: list[str] = field(default_factory=list)
    #: The version of the curators' store (`store/curated.py`) this generation was made from.
    curated: str | None = None
    #: SHA-256 of the people registry (`corpus/people.yaml`) it was built with; None in a
    #: generation from before it was recorded (such a generation counts as stale).
    registry_hash: str | None = None

    @property
    def model(self) -> str | None:
        """The embedding model the index was built with."""
        return self.index.model if self.index is not None else None

    def index_info(self) -> IndexInfo:
        """The index facts; a DataDirError with the repair when there are none."""
        if self.index is None:
            raise DataDirError(f"generation {self.generation} has no search index; "
                               "run `ltgraph build`")
        return self.index

    def require_model(self, configured: str) -> IndexInfo:
        """The index facts, when the index was built with the `configured` model; else a
        DataDirError that says how to repair."""
        index = self.index_info()
        if index.model != configured:
            raise DataDirError(f"the index was built with model {index.model!r} but "
                               f"{configured!r} is configured; run `ltgraph build` to rebuild "
                               "it with the configured model")
        return index

    def to_json(self) -> str:
        data = {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("index", "software")}
        data["extra"] = {"ltgraph": self.software,
                         **({"index": asdict(self.index)} if self.index is not None else {})}
        return json.dumps(data, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data: dict[str, Any] = json.loads(text)
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        extra = data.pop("extra", None) or {}
        if not isinstance(extra, dict):
            raise TypeError("extra is not a JSON object")
        index = extra.get("index")
        return cls(**data, index=IndexInfo(**index) if index else None,
                   software=extra.get("ltgraph"))

    @classmethod
    def read(cls, path: Path, older: bool = False) -> Manifest:
        """Read a manifest; `older` also accepts earlier data formats (a build reads which
        entries the user added or removed from them, so an upgrade keeps the user's work)."""
        try:
            manifest = cls.from_json(path.read_text("utf-8"))
        except (OSError, ValueError, TypeError) as exc:
            raise DataDirError(f"unreadable manifest {path}: {exc}; run `ltgraph build` "
                               "to rebuild the data directory") from None
        if manifest.format_version != FORMAT_VERSION and not (
                older and manifest.format_version < FORMAT_VERSION):
            raise DataDirError(f"generation {path.parent.name} has data format "
                               f"{manifest.format_version}, this ltgraph reads {FORMAT_VERSION}; "
                               "run `ltgraph build` to rebuild the data directory")
        return manifest
