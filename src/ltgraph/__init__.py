"""ltgraph: a knowledge graph and semantic search over learning theories.

Importing the package does no work: no model loading and no file scanning.
"""

from __future__ import annotations

__version__ = "0.1.0"
