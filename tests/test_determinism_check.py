"""``--check-determinism``: every call into a node made twice, on two copies of the node as it
was, for adapters and libraries that no call watch can see into (checker/impl/driver.py,
``_Step.again``). A deliberately nondeterministic adapter (tests/adapters/toy_nondeterministic.py)
is a ``nondeterministic`` finding in one line, whose trace records the check and replays to it;
deterministic targets (the toy adapter, a seed-style class, PySyncObj) search exactly as without
the check; the trace field is written only when set and read back strictly.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from attrs import evolve

from checker import traces
from checker.cli.main import main
from checker.front import explore
from checker.model.config import REFERENCE, ImplTarget
from checker.model.outcome import Outcome

ROOT = Path(__file__).resolve().parent.parent
DRIFTING = str(ROOT / "tests" / "adapters" / "toy_nondeterministic.py") + ":DriftingToy"
SNAPSHOT_TOY = str(ROOT / "tests" / "adapters" / "toy_snapshots.py") + ":SnapshotToy"
TOY = str(ROOT / "tests" / "adapters" / "toy_adapter.py") + ":ToyAdapter"
SEED_RAFT = str(ROOT / "tests" / "impls" / "seed_style.py") + ":SeedRaft"


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_a_nondeterministic_adapter_is_a_finding_in_one_line_and_its_trace_replays(tmp_path, capsys):
    """explore --check-determinism: exit 1, the finding names the call and the first difference
    in one line, the trace records the check, and replay reaches the same finding at the same
    step; without the check the same search finds nothing."""
    args = ["explore", "--impl", DRIFTING, "--config", "async-tiny", "--max-depth", "5", "--corpus", str(tmp_path)]
    assert 0 == main([*args, "--json", "--quiet"])
    assert "clean" == last_json(capsys.readouterr().out)["result"]

    assert 1 == main([*args, "--check-determinism"])
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if "implementation failure (nondeterministic)" in line]
    assert 1 == len(lines)
    assert "node 1's advance, made twice from the same state, sent nothing the first time and vote? term 1" in lines[0]
    saved = sorted(tmp_path.glob("*nondeterministic*.json"))
    assert 1 == len(saved)
    assert json.loads(saved[0].read_text())["config"]["impl"]["check_determinism"] is True

    assert 1 == main(["replay", str(saved[0])])
    assert "fails (nondeterministic) at step 1 (as recorded)" in capsys.readouterr().out


def test_fuzz_checks_determinism_too(tmp_path, capsys):
    assert 1 == main(["fuzz", "--impl", DRIFTING, "--check-determinism", "--json", "--quiet", "--corpus", str(tmp_path)])
    found = last_json(capsys.readouterr().out)
    assert ("error", "nondeterministic") == (found["result"], found["finding"])


def _with_check(config, on: bool):
    return evolve(config, impl=evolve(config.impl, check_determinism=on))


def _counts(r) -> tuple:
    return (r.distinct, r.states, r.depth, r.exhaustive, r.reached, r.violation)


@pytest.mark.parametrize(
    "target, config, depth, engine",
    [
        (SNAPSHOT_TOY, "async-tiny", 7, "fast"),
        (TOY, "fifo-tiny", 6, "plain"),
        (SEED_RAFT, "tiny", 6, "fast"),
    ],
)
def test_a_deterministic_target_searches_the_same_with_the_check(target, config, depth, engine):
    """No false alarm, and nothing else changes: the same worlds, transitions and verdict."""
    c = REFERENCE[config]
    c = evolve(c, impl=ImplTarget(target, call_timeout=5.0), bounds=evolve(c.bounds, max_depth=depth))
    without, checked = explore(c, engine=engine), explore(_with_check(c, True), engine=engine)
    assert without.distinct > 200
    assert _counts(without) == _counts(checked)


def test_pysyncobj_searches_the_same_with_the_check(tmp_path):
    """A library behind its adapter (PySyncObj 0.3.17, in a fresh process: one release per process)."""
    args = [sys.executable, "-m", "checker", "explore", "--impl", "pysyncobj==0.3.17", "--max-term", "1",
            "--max-requests", "1", "--max-in-flight", "4", "--max-cut", "0", "--max-depth", "6", "--json", "--quiet",
            "--corpus", str(tmp_path)]
    runs = [subprocess.run(args + extra, capture_output=True, text=True, cwd=ROOT, timeout=600)
            for extra in ([], ["--check-determinism"])]
    assert [0, 0] == [r.returncode for r in runs], runs[1].stderr
    keep = ("result", "states", "distinct", "depth", "reached")
    a, b = (last_json(r.stdout) for r in runs)
    assert {k: a[k] for k in keep} == {k: b[k] for k in keep} and a["distinct"] > 200


@pytest.mark.slow
def test_raftos_searches_the_same_with_the_check(tmp_path):
    args = [sys.executable, "-m", "checker", "explore", "--impl", "raftos==0.2.6", "--max-term", "2",
            "--max-requests", "1", "--max-in-flight", "4", "--max-cut", "0", "--impl-skip", "vote_safety",
            "--max-depth", "6", "--json", "--quiet", "--corpus", str(tmp_path)]
    runs = [subprocess.run(args + extra, capture_output=True, text=True, cwd=ROOT, timeout=1200)
            for extra in ([], ["--check-determinism"])]
    keep = ("result", "invariant", "states", "distinct", "depth", "reached")
    a, b = (last_json(r.stdout) for r in runs)
    assert {k: a[k] for k in keep} == {k: b[k] for k in keep} and a["distinct"] > 500


def test_the_check_is_recorded_only_when_on_and_read_back_strictly(tmp_path):
    plain = traces.Trace(evolve(REFERENCE["tiny"], impl=ImplTarget(SNAPSHOT_TOY)), (), Outcome("clean"))
    checking = evolve(plain, config=_with_check(plain.config, True))
    assert "check_determinism" not in traces.dumps(plain)
    assert checking == traces.loads(traces.dumps(checking))
    doc = json.loads(traces.dumps(checking))
    for bad in ("yes", 1, None):
        doc["config"]["impl"]["check_determinism"] = bad
        (tmp_path / "bad.json").write_text(json.dumps(doc))
        with pytest.raises(traces.TraceError, match="config.impl.check_determinism must be true or false"):
            traces.load(tmp_path / "bad.json")


def test_the_check_without_impl_is_one_line_and_exit_2(tmp_path, capsys):
    assert 2 == main(["explore", "--check-determinism", "--corpus", str(tmp_path / "c")])
    err = capsys.readouterr().err
    assert 1 == len(err.strip().splitlines()) and "--check-determinism applies only with --impl" in err
    assert not (tmp_path / "c").exists()
