"""The library API: the public names are pinned, the pytest recipe in docs/library.md passes as
written, and the functions and the command line give the same results."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from attrs import evolve

import checker
from checker.cli.main import main
from checker.model.variants import VARIANTS

ROOT = Path(__file__).resolve().parent.parent

PUBLIC = [
    "REFERENCE",
    "VARIANTS",
    "Bounds",
    "Config",
    "ExploreResult",
    "FuzzResult",
    "ImplTarget",
    "Outcome",
    "Progress",
    "ReplayResult",
    "ShrinkError",
    "ShrinkResult",
    "Trace",
    "TraceError",
    "Variant",
    "Violation",
    "configuration",
    "explore",
    "fuzz",
    "load_trace",
    "replay",
    "save_trace",
    "shrink",
]


def test_the_public_names_are_pinned():
    """``checker.__all__`` is exactly the list above: adding or removing a public name is a decision."""
    assert PUBLIC == sorted(checker.__all__, key=lambda n: (not n.isupper(), not n[0].isupper(), n))


def test_every_public_name_resolves():
    """Each name in ``__all__`` can be taken from the package (FuzzResult lazily)."""
    assert [] == [n for n in checker.__all__ if getattr(checker, n, None) is None]


def test_importing_checker_does_not_import_hypothesis():
    """``import checker`` stays light: Hypothesis comes in with the first call to fuzz."""
    code = "import sys, checker; print('hypothesis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "False" == out.strip()


def _recipe() -> str:
    text = (ROOT / "docs" / "library.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert 1 == len(blocks)
    return blocks[0]


def test_the_pytest_recipe_passes_as_written(tmp_path):
    """The recipe's test file, run by pytest from the repository root, passes all three tests."""
    path = tmp_path / "test_my_raft.py"
    path.write_text(_recipe(), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert 0 == run.returncode, run.stdout + run.stderr
    assert "3 passed" in run.stdout


def test_a_variant_alone_starts_from_its_own_configuration():
    """``explore(variant=NAME)`` searches the variant's smallest configuration that shows its bug,
    and finds it; bounds given with it win."""
    result = checker.explore(variant="vote-no-log-check")
    assert VARIANTS["vote-no-log-check"].config == result.config
    assert "leader_completeness" == result.invariant
    given = checker.configuration(variant="figure8", max_term=2)
    assert (evolve(checker.REFERENCE["default"].bounds, max_term=2), "figure8") == (given.bounds, given.variant)


def test_bad_arguments_name_themselves():
    """An unknown bound or reference configuration is refused with its name."""
    with pytest.raises(TypeError, match="max_terms"):
        checker.configuration(max_terms=3)
    with pytest.raises(ValueError, match="'huge'"):
        checker.configuration("huge")


def test_explore_on_the_command_line_and_in_the_library_agree(tmp_path, capsys):
    """The command line is a layer over ``explore``: the same counts, verdict and trace bytes."""
    code = main(["explore", "--variant", "vote-no-log-check", "--workers", "1", "--json", "--quiet", "--corpus", str(tmp_path)])
    tail = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    result = checker.explore(variant="vote-no-log-check")
    path = checker.save_trace(result.counterexample, tmp_path / "lib")
    assert (1, "violation", result.invariant) == (code, tail["result"], tail["invariant"])
    assert (result.states, result.distinct, result.depth) == (tail["states"], tail["distinct"], tail["depth"])
    assert Path(tail["trace"]).read_bytes() == Path(path).read_bytes()


def test_explore_variant_figure8_alone_shows_the_bug_and_says_where_it_starts(tmp_path, capsys):
    """``python -m checker explore --variant figure8`` exits 1 with the corpus's 10-step
    counterexample, byte for byte, and its first line says which configuration it searched."""
    code = main(["explore", "--variant", "figure8", "--quiet", "--corpus", str(tmp_path)])
    out = capsys.readouterr().out
    assert 1 == code
    assert "variant figure8's own configuration" in out.splitlines()[0]
    saved = list(tmp_path.glob("*.json"))
    assert [ROOT / "corpus" / "figure8-sync-leader_completeness-ecaeeaa630.json"] == [ROOT / "corpus" / p.name for p in saved]
    assert (ROOT / "corpus" / saved[0].name).read_bytes() == saved[0].read_bytes()


def test_explicit_bounds_win_over_a_variants_own_configuration(capsys):
    """With a bound given, ``--variant figure8`` runs on the default reference configuration with
    that bound, and says so: the user's choice is not overridden."""
    code = main(["explore", "--variant", "figure8", "--max-term", "2", "--quiet", "--corpus", "/nonexistent"])
    first = capsys.readouterr().out.splitlines()[0]
    assert 0 == code
    assert "reference configuration default" in first


def test_variants_json_gives_each_variants_configuration(capsys):
    """``variants --json`` carries the configuration each bug variant is shown on (None for correct Raft)."""
    main(["variants", "--json"])
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)["variants"]}
    assert None is rows["default"]["config"]
    assert {"nodes": 3, "network": "sync", "variant": "figure8"}.items() <= rows["figure8"]["config"].items()
    assert 4 == rows["figure8"]["config"]["bounds"]["max_term"]


def test_a_library_search_of_a_users_class_is_depth_bounded_as_on_the_command_line():
    """``explore(impl=...)`` with no depth searches to IMPL_DEFAULT_DEPTH, as ``explore --impl``
    does: nothing says a class's attributes stay finite, so an unbounded search might not end."""
    from checker.api import IMPL_DEFAULT_DEPTH

    result = checker.explore("tiny", impl="tests/impls/seed_style.py:NoUpToDateCheck")
    assert (IMPL_DEFAULT_DEPTH, "leader_completeness") == (result.bounds.max_depth, result.invariant)
