"""checker.impl.driver: any Raft behind an adapter, on the sync, async and fifo networks.

The implementation under test is tests/adapters/toyraft.py, a small event-driven Raft, behind
the adapter of docs/adapters.md (tests/adapters/toy_adapter.py); a recording adapter shows
what the fifo network tells a node.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from attrs import evolve

from checker import traces
from checker.cli.main import main
from checker.front import explore, model_for
from checker.fuzz.run import fuzz, fuzz_config
from checker.impl.driver import AdapterModel
from checker.model.actions import ClientRequest, Cut, Deliver, Drop, Duplicate, Heal, Packet, Tick
from checker.model.config import FIFO, REFERENCE, Bounds, Config, ImplTarget
from checker.model.outcome import outcome_for

ROOT = Path(__file__).resolve().parent.parent
TOY = str(ROOT / "tests" / "adapters" / "toy_adapter.py") + ":ToyAdapter"
sys.path.insert(0, str(ROOT / "tests" / "adapters"))

from toy_adapter import ToyAdapter  # noqa: E402


def toy(name: str, bug: str = "none", **bounds) -> Config:
    config = REFERENCE[name]
    settings = (("bug", bug),) if bug != "none" else ()
    return evolve(config, impl=ImplTarget(TOY, settings=settings), bounds=evolve(config.bounds, **bounds))


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


# --- The toy Raft, explored on each network -------------------------------------------------


@pytest.mark.parametrize(
    ("name", "depth", "distinct"),
    [("tiny", 6, 2404), ("async-tiny", 8, 2314), ("fifo-tiny", 8, 5576)],
)
def test_correct_toy_raft_is_clean_on_every_network_and_its_counts_are_pinned(name, depth, distinct):
    """The toy Raft, correct, through its adapter: clean to the depth given on each network, with
    a leader elected, a later one too, and an entry committed; the distinct counts are pinned so
    that a change in the driver's world (what identifies a state) is seen."""
    result = explore(toy(name, max_depth=depth))

    assert (None, distinct) == (result.violation, result.distinct)
    assert {"leader_elected", "later_leader_elected", "entry_committed"} == set(result.reached)


def test_figure8_bug_in_the_toy_raft_is_found_by_its_observed_invariant():
    """§5.4.2: a leader that commits an earlier term's entry by counting replicas is caught by
    leader_commits_current_term, which the adapter's observations allow, the moment it does so."""
    result = explore(toy("tiny", bug="figure8", max_depth=6))

    assert ("leader_commits_current_term", 5) == (result.violation.invariant, len(result.trace))
    assert "onto an entry of term 1" in result.violation.message


@pytest.mark.parametrize("network", ["async", "fifo"])
def test_fuzz_finds_the_figure8_bug_and_its_trace_names_packets_and_replays(network, tmp_path):
    """The fuzzer drives the same model: on the toy Raft with the Figure 8 bug, with messages in
    flight, it finds the earlier-term commit; the saved trace names each delivered message by a
    Packet (ends, words, a digest of the payload), keeps the adapter's settings, and replays to
    the same finding at the same step."""
    config = evolve(fuzz_config(network=network, seed=1), impl=ImplTarget(TOY, settings=(("bug", "figure8"),)))

    result = fuzz(config, examples=300, seed=1, time_limit=120)
    assert result.violation is not None
    path = traces.save(traces.Trace(config, result.trace, outcome_for(result.violation, len(result.trace)), "fuzz"), tmp_path)
    doc = json.loads(path.read_text())
    delivered = [a["message"] for a in doc["actions"] if a["action"] == "deliver"]

    assert "leader_commits_current_term" == result.violation.invariant
    assert {"bug": "figure8"} == doc["config"]["impl"]["settings"]
    assert delivered and all(m["type"] == "packet" and len(m["payload"]) == 16 for m in delivered)
    assert traces.replay(traces.load(path)).reproduces(traces.load(path).outcome)


def test_explore_of_an_adapter_class_on_the_command_line(tmp_path, capsys):
    """`explore --impl file.py:AdapterClass --impl-conf bug=figure8` exits 1 with a trace that
    `replay` reproduces; an unknown setting is bad input, one line, exit 2."""
    code = main(["explore", "--impl", TOY, "--impl-conf", "bug=figure8", "--config", "tiny", "--network", "sync", "--max-depth", "6",
                 "--json", "--quiet", "--corpus", str(tmp_path)])
    last = last_json(capsys.readouterr().out)

    assert (1, "leader_commits_current_term") == (code, last["invariant"])
    assert 1 == main(["replay", last["trace"]])
    capsys.readouterr()
    assert 2 == main(["explore", "--impl", TOY, "--impl-conf", "colour=blue", "--corpus", str(tmp_path)])
    err = capsys.readouterr().err.strip().splitlines()
    assert 1 == len(err) and "bug=none|figure8" in err[0]
