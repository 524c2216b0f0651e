"""The layout keeps its promises (DESIGN.md "Package layout"): imports go one way, no cycles,
small modules, Flask only in web/, click only in the CLI, nothing heavy at import time, and
docs/architecture.md names only things that exist."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO

SRC = REPO / "src" / "ltgraph"

#: Layers from the bottom: a module may import its own layer and the ones below, never above.
LAYERS = [
    ("ltgraph", "ltgraph.errors", "ltgraph.config", "ltgraph.words"),
    ("ltgraph.corpus",),
    ("ltgraph.rdf",),
    ("ltgraph.retrieval",),
    ("ltgraph.store",),
    ("ltgraph.sparql",),
    ("ltgraph.curation",),
    ("ltgraph.service", "ltgraph.evaluation", "ltgraph.console"),
    ("ltgraph.web",),
    ("ltgraph.server",),
    ("ltgraph.cli", "ltgraph.__main__"),
]
MAX_LINES = 425


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports(name: str, top_level_only: bool) -> set[str]:
    """The ltgraph modules `name` imports (`from ltgraph.x import y` counts ltgraph.x.y
    when that is a module)."""
    tree = ast.parse(MODULES[name].read_text("utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("ltgraph"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("ltgraph")}
    return found - {name}


def layer(name: str) -> int:
    best, rank = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank >= 0, f"{name} is in no layer: add it to LAYERS and to docs/architecture.md"
    return rank


def test_every_module_is_in_a_layer() -> None:
    for name in MODULES:
        layer(name)


def test_nothing_imports_upward() -> None:
    # The package's __init__ names the public API lazily (PEP 562), so it is exempt.
    upward = [f"{name} -> {other}" for name in MODULES if name != "ltgraph"
              for other in imports(name, False) if layer(other) > layer(name)]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = {name: imports(name, True) for name in MODULES}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for other in sorted(graph.get(node, ())):
            if state.get(other) == 1:
                cycles.append(path[path.index(other):] + [other])
            elif other not in state:
                visit(other, [*path, other])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_modules_stay_small() -> None:
    big = {name: n for name, path in MODULES.items()
           if (n := len(path.read_text("utf-8").splitlines())) > MAX_LINES}
    assert big == {}, "split these modules (DESIGN.md: split a module when it passes ~400 lines)"


@pytest.mark.parametrize("library, allowed", [("flask", "ltgraph.web"), ("werkzeug", "ltgraph.web"),
                                              ("click", "ltgraph.cli")])
def test_frameworks_stay_at_the_edge(library: str, allowed: str) -> None:
    users = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n == library or n.startswith(library + ".") for n in names):
                users.append(name)
    assert {u for u in users if not (u == allowed or u.startswith(allowed + "."))} == set()


def test_importing_does_no_heavy_work() -> None:
    """The service, the app and the CLI import without the model stack, FAISS or BM25."""
    code = ("import sys, ltgraph, ltgraph.service, ltgraph.web.app, ltgraph.cli\n"
            "heavy = ['torch', 'sentence_transformers', 'onnxruntime', 'faiss', 'bm25s', "
            "'pyshacl', 'transformers']\n"
            "print(','.join(m for m in heavy if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_api_is_lazy_and_complete() -> None:
    code = ("import sys, ltgraph\n"
            "print('ltgraph.service' in sys.modules)\n"
            "from ltgraph import Service, Settings, LtgraphError, QueryError\n"
            "print(Service.__module__, Settings.__module__, LtgraphError.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "ltgraph.service", "ltgraph.config", "ltgraph.errors"]
    import ltgraph

    for name in ltgraph.__all__:
        assert getattr(ltgraph, name) is not None


def test_architecture_document_names_only_what_exists() -> None:
    """Every `ltgraph.module.name` cited in docs/architecture.md imports."""
    text = (REPO / "docs" / "architecture.md").read_text("utf-8")
    cited = sorted(set(re.findall(r"`(ltgraph(?:\.\w+)+)(?:\(\))?`", text)))
    assert len(cited) >= 30, "the document should name the functions of both flows"
    missing = []
    for dotted in cited:
        if dotted in MODULES:
            importlib.import_module(dotted)
            continue
        obj: object = None
        module, _, rest = dotted.partition(".")
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):  # the longest importable module prefix
            module = ".".join(parts[:cut])
            if module in MODULES:
                obj = importlib.import_module(module)
                rest = ".".join(parts[cut:])
                break
        for attr in rest.split("."):
            obj = getattr(obj, attr, None)
        if obj is None:
            missing.append(dotted)
    assert missing == []
    for name in MODULES:  # and every package of the layout is described
        if name.count(".") == 1 and (SRC / name.split(".")[1]).is_dir():
            assert f"`{name.split('.')[1]}/`" in text, f"docs/architecture.md does not describe {name}"


def test_a_service_loads_no_model_until_it_searches(tmp_path) -> None:
    """Making a Service (what every CLI command does) must not load the model stack; `list`
    and `show` read entry files only, and even `search` loads no torch or transformers."""
    code = ("import sys\n"
            "from pathlib import Path\nfrom ltgraph.config import Settings\n"
            "from ltgraph.service import Service\n"
            f"Service(Settings(data_dir=Path({str(tmp_path)!r})))\n"
            "print(','.join(m for m in ['torch', 'transformers', 'onnxruntime', 'tokenizers', "
            "'sentence_transformers'] if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
