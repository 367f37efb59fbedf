"""`shrink`: a padded trace comes back to the explorer's shortest length and still breaks the same invariant."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from attrs import evolve

from checker import traces
from checker.cli.main import main
from checker.model.actions import Cut, Deliver, Drop, Heal, Tick
from checker.model.config import ASYNC, Bounds, Config
from checker.model.native import Model
from checker.model.outcome import Outcome
from checker.model.variants import get_variant
from checker.traces.shrink import heal_earlier, remove_pairs, shrink

ROOT = Path(__file__).resolve().parent.parent
# The plain explorer's figure8 counterexample: the padding below is woven around its steps.
FIGURE8 = ROOT / "tests" / "fixtures" / "figure8-sync-leader_completeness-0a30cc85f5.json"
SHORTEST = 10  # The explorer's shortest figure8 counterexample (tests/test_cli.py pins it).


def _padded() -> traces.Trace:
    """The figure8 story with ten useless steps woven in: outages of nodes 1 and 3 while nothing is
    sent, and two extra heartbeats while node 2 is cut off."""
    a = traces.load(FIGURE8).actions
    actions = (
        (Cut(3), Heal(3)) + a[:2] + (Cut(1), Heal(1)) + a[2:4] + (Cut(3), Heal(3)) + a[4:5] + (Cut(1), Heal(1))
        + a[5:8] + (Tick(1), Tick(1)) + a[8:]
    )
    outcome = Outcome("violation", "leader_completeness", len(actions), None)
    return traces.Trace(traces.load(FIGURE8).config, actions, outcome, engine="hand")


def test_the_padded_trace_still_breaks_the_invariant():
    """The padding is really useless: the 20-step trace breaks leader_completeness at its last step."""
    t = _padded()
    result = traces.replay(t)

    assert (20, "leader_completeness", 20) == (len(t.actions), result.outcome.invariant, result.outcome.step)


def test_shrink_brings_a_padded_trace_back_to_the_shortest_length():
    """Shrinking the padded figure8 trace gives one no longer than the explorer's shortest, reproducing the violation."""
    result = shrink(_padded())
    replayed = traces.replay(result.trace)

    assert (20, True) == (result.before, result.after <= SHORTEST)
    assert result.after == len(result.trace.actions)
    assert ("leader_completeness", result.after) == (replayed.outcome.invariant, replayed.outcome.step)
    assert replayed.reproduces(result.trace.outcome)
    assert "shrink" == result.trace.engine


def test_shrink_leaves_a_shortest_trace_as_long_as_it_was():
    """The corpus trace is already as short as the explorer could find: shrinking keeps its 10 steps."""
    assert SHORTEST == shrink(traces.load(FIGURE8)).after


def test_shrink_is_deterministic():
    """The same trace shrinks to the same actions every time."""
    assert shrink(_padded()).trace == shrink(_padded()).trace


def test_related_pairs_and_earlier_heals_are_candidates():
    """The passes offer a cut without its heal and a heal moved up to just after its cut."""
    actions = (Tick(1), Cut(2), Tick(1), Tick(1), Heal(2), Tick(2))

    assert (Tick(1), Tick(1), Tick(1), Tick(2)) == next(remove_pairs(actions))
    assert (Tick(1), Cut(2), Heal(2), Tick(1), Tick(1), Tick(2)) == next(heal_earlier(actions))


def _async_figure8() -> traces.Trace:
    """The figure8 story in an async network: after each step, every message in flight is delivered in
    turn (or dropped, to or from the cut-off node) until none is left."""
    config = Config(nodes=3, network=ASYNC, variant="figure8", bounds=Bounds(max_term=4, max_requests=2, max_in_flight=4, max_cut=1))
    model = Model(config, get_variant("figure8").rules)
    w, actions = model.initial(), []
    for a in traces.load(FIGURE8).actions:
        steps = [a]
        while steps:
            step = steps.pop()
            w = model.step(w, step)
            actions.append(step)
            if w.network:
                m = w.network[0]
                steps.append(Drop(m) if m.source in w.cut or m.dest in w.cut else Deliver(m))
    outcome = traces.replay(traces.Trace(config, tuple(actions), Outcome("clean"))).outcome
    return traces.Trace(config, tuple(actions[: outcome.step]), outcome, engine="hand")


def test_shrink_works_in_an_async_network():
    """An async trace shrinks too, message deliveries re-aimed where earlier removals changed them."""
    t = _async_figure8()
    result = shrink(t)
    replayed = traces.replay(result.trace)

    assert "leader_completeness" == t.outcome.invariant
    assert result.after < result.before == len(t.actions)
    assert replayed.reproduces(result.trace.outcome)


def test_shrink_command_saves_the_result_beside_the_original(tmp_path, capsys):
    """shrink TRACE exits 1, saves the shrunk trace in the same directory, leaves the original alone and
    reports the lengths; --json ends with the usual summary object."""
    original = traces.save(_padded(), tmp_path)
    text = original.read_text()

    code = main(["shrink", "--json", str(original)])
    out, err = capsys.readouterr()
    last = json.loads(out.strip().splitlines()[-1])
    saved = Path(last["trace"])

    assert 1 == code
    assert tmp_path == saved.parent and saved != original
    assert text == original.read_text()
    assert ("violation", "leader_completeness", 20) == (last["result"], last["invariant"], last["before"])
    assert last["after"] == last["depth"] <= SHORTEST
    assert {"states", "distinct", "seconds"} <= set(last)
    assert f"steps: 20 -> {last['after']}" in err
    assert f"trace saved: {saved}" in err
    t = traces.load(saved)
    assert ("shrink", last["after"]) == (t.engine, t.outcome.step)
    assert traces.replay(t).reproduces(t.outcome)


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, env=env, capture_output=True, text=True)


def _write(tmp_path: Path, name: str, t: traces.Trace) -> None:
    (tmp_path / name).write_text(traces.dumps(t))


@pytest.mark.parametrize(
    "name, make, said",
    [
        ("missing.json", None, "no such file"),
        ("junk.json", "junk", "not valid JSON"),
        ("clean.json", lambda t: evolve(t, outcome=Outcome("clean")), "records no violation"),
        ("fixed.json", lambda t: evolve(t, config=evolve(t.config, variant="default")), "does not break leader_completeness"),
    ],
)
def test_shrink_bad_input_exits_2_with_one_line_and_writes_nothing(name, make, said, tmp_path):
    """A missing or malformed trace, one that records no violation, one that no longer breaks its invariant: exit 2."""
    if make == "junk":
        (tmp_path / name).write_text("{not json")
    elif make is not None:
        _write(tmp_path, name, make(traces.load(FIGURE8)))
    before = sorted(tmp_path.iterdir())

    proc = _run("shrink", name, cwd=tmp_path)

    assert 2 == proc.returncode
    assert 1 == len(proc.stderr.strip().splitlines()), proc.stderr
    assert name in proc.stderr and said in proc.stderr and "Traceback" not in proc.stderr
    assert before == sorted(tmp_path.iterdir())
