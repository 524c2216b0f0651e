"""ltgraph: a knowledge graph and semantic search over learning theories.

The public API: `Service` (the facade the web app and the CLI call), `Settings`, and the
errors. Importing the package does no work: no model loading and no file scanning; the
names below are imported on first use.

    from ltgraph import Service, Settings
    service = Service(Settings.from_env())
    service.search("who developed connectivism?")["answer"]
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_ERRORS = ("LtgraphError", "CorpusError", "ValidationError", "QueryError", "NotFoundError",
           "DataDirError", "ConfigError", "QueryTimeout", "QueryResourceLimit", "PoolBusy",
           "PoolUnavailable")
_WHERE = {"Service": "ltgraph.service", "Settings": "ltgraph.config",
          **{name: "ltgraph.errors" for name in _ERRORS}}
__all__ = ["Service", "Settings", "LtgraphError", "CorpusError", "ValidationError", "QueryError",
           "NotFoundError", "DataDirError", "ConfigError", "QueryTimeout", "QueryResourceLimit",
           "PoolBusy", "PoolUnavailable", "__version__"]

if TYPE_CHECKING:
    from ltgraph.config import Settings
    from ltgraph.errors import (
        ConfigError,
        CorpusError,
        DataDirError,
        LtgraphError,
        NotFoundError,
        PoolBusy,
        PoolUnavailable,
        QueryError,
        QueryResourceLimit,
        QueryTimeout,
        ValidationError,
    )
    from ltgraph.service import Service


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'ltgraph' has no attribute {name!r}")
