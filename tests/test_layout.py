"""The house: the import graph of ``checker/``, read from the source, has no circle, and no
import runs back up the stack of wings (``docs/development.md`` draws it).

Every import counts, including those inside functions: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "checker"

#: Bottom to top. A module may import from its own wing and from wings below it; wings on the
#: same floor (search and impl; fuzz and views) do not import each other.
FLOORS = [
    ("raft",),
    ("checker.model",),
    ("checker.search", "checker.impl"),
    ("checker.front",),
    ("checker.traces",),
    ("checker.fuzz", "checker.views"),
    ("checker.measure",),
    ("checker.api",),
    ("checker.cli",),
    ("checker", "checker.__main__"),
]


def _modules() -> dict[str, Path]:
    mods = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return mods


def import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ``checker`` and ``raft`` it imports (a name imported from a package
    counts as the submodule when there is one of that name)."""
    mods = _modules()
    known = set(mods) | {"raft"}
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        package = m if path.name == "__init__.py" else m.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for t in targets:
                while t and t not in known:
                    t = t.rpartition(".")[0]
                if t.startswith("raft"):
                    t = "raft"
                if t and t != m:
                    graph[m].add(t)
    return graph


def _wing(module: str) -> str:
    if module == "raft":
        return "raft"
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def _floor(wing: str) -> int:
    return next(k for k, wings in enumerate(FLOORS) if wing in wings)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_import_graph_of_checker_has_no_circle():
    """No module of ``checker`` reaches itself through its imports, lazy ones included."""
    assert [] == _circles(import_graph())


def test_no_import_runs_back_up_the_floors():
    """Each import goes to the module's own wing or to a wing on a lower floor; wings that share a
    floor (search and impl, fuzz and views) do not import each other."""
    wrong = []
    for m, targets in import_graph().items():
        for t in targets:
            a, b = _wing(m), _wing(t)
            if a != b and _floor(b) >= _floor(a):
                wrong.append(f"{m} -> {t}")
    assert [] == sorted(wrong)


def test_every_module_sits_in_a_known_wing():
    """A new module lands in one of the wings above, so that the floors test sees it."""
    assert [] == [m for m in _modules() if not any(_wing(m) in wings for wings in FLOORS)]


def test_the_circle_finder_finds_a_circle():
    """The test above could not pass by never finding anything: a made-up circle is found."""
    assert [["a", "b", "c"]] == _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})


def test_raft_never_imports_checker():
    """The protocol stands alone (DESIGN.md: raft/ never imports checker/)."""
    offenders = []
    for path in sorted((ROOT / "raft").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "checker"]
    assert [] == offenders
