"""docs/reliability.md's table is the one tests/reliability.py makes from the suite, and its
counts of parametrized cases are the counts pytest collects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import reliability

ROOT = Path(__file__).resolve().parent.parent


def test_the_reliability_page_holds_the_table_the_suite_makes():
    """Regenerate with `python tests/reliability.py --write` after changing what a robustness test tries."""
    assert reliability.table() == reliability.on_page(reliability.PAGE.read_text())


def test_the_parametrized_counts_are_what_pytest_collects():
    """The table's count for a module of parametrized tests equals the tests pytest collects from it."""
    modules = (reliability.test_robust, reliability.test_robust_signals, reliability.test_robust_workers)
    paths = [Path(m.__file__) for m in modules]
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:xdist", *map(str, paths)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for module, path in zip(modules, paths):
        items = [line for line in collected.splitlines() if line.startswith(f"tests/{path.name}::")]
        assert reliability.parametrized(module) == len(items), path.name


def test_each_impl_row_is_a_class_the_impl_test_runs():
    """Every misbehaving class in tests/impls/misbehaving.py has its row (and its test case)."""
    classes = {name for name, value in vars(reliability._misbehaving()).items() if isinstance(value, type) and name != "SeedRaft"}
    assert classes == set(reliability.test_robust_impl.FINDINGS) | set(reliability.test_robust_impl.HARMLESS)
