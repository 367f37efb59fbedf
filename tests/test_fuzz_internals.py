"""The wall around Hypothesis's internals: checker.fuzz.internals is the one module that reaches
past Hypothesis's public API, it was read from the version pyproject.toml pins, and everything it
reaches is there in the version installed."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import hypothesis

from checker.fuzz import internals

ROOT = Path(__file__).resolve().parent.parent


def test_installed_hypothesis_is_the_pinned_one():
    """pyproject.toml pins Hypothesis to the version the internals were read from, and that is the
    version installed."""
    pinned = re.search(r'"hypothesis==([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8")).group(1)

    assert internals.PINNED == pinned == hypothesis.__version__


def test_every_internal_reached_exists():
    """Each module-level internal is importable, and the test Hypothesis builds for a state
    machine has the attributes set on it."""
    for module, name in internals.REACHED:
        assert hasattr(importlib.import_module(module), name), f"{module}.{name}"

    from checker.fuzz.run import BurstMachine, _Examples, _settings

    test = internals.machine_test(_Examples(BurstMachine), _settings(1, 1, ()))
    for name in internals.TEST_ATTRIBUTES:
        assert hasattr(test, name), name


def test_no_other_checker_module_reaches_into_hypothesis():
    """Outside checker/fuzz/internals.py, checker imports nothing from hypothesis.internal and
    touches no _hypothesis attribute."""
    reaching = []
    for path in sorted((ROOT / "checker").rglob("*.py")):
        if path.name == "internals.py" and path.parent.name == "fuzz":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            if any(n.startswith("hypothesis.internal") or n == "hypothesis.stateful.get_state_machine_test" for n in names):
                reaching.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr.startswith("_hypothesis"):
                reaching.append(f"{path.relative_to(ROOT)}:{node.lineno}")

    assert [] == reaching
