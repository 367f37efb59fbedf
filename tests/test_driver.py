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
from checker.front import explore
from checker.fuzz.run import fuzz, fuzz_config
from checker.impl.driver import AdapterModel
from checker.model.actions import ClientRequest, Crash, Cut, Heal, Restart, Tick
from checker.model.config import REFERENCE, Bounds, Config, ImplTarget
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


# --- A library by name: --impl NAME==VERSION, --impl-conf, the trace, replay -----------------


@pytest.fixture
def toylib(monkeypatch):
    """``toylib`` in the registry of library adapters, as pysyncobj and raftos are."""
    import recording

    from checker.impl import libraries, targets

    monkeypatch.setitem(libraries.ADAPTERS, "toylib", ("recording", "RecordingToy"))
    monkeypatch.setattr(targets, "fetch", lambda name, version: ("2.5", Path("/nowhere")))
    recording.MADE.clear()
    return recording.MADE


def test_a_library_trace_records_release_and_settings_and_every_command_makes_it_again(toylib, tmp_path, capsys):
    """`explore --impl toylib==1.0 --impl-conf bug=figure8` records the library, its release and
    its settings in the trace; replay, show and shrink make the adapter again from the trace,
    with that release and those settings. Without a version, the release the index offers is
    resolved and recorded."""
    code = main(["explore", "--impl", "toylib==1.0", "--impl-conf", "bug=figure8", "--network", "sync", "--config",
                 "tiny", "--max-depth", "6", "--json", "--quiet", "--corpus", str(tmp_path)])
    last = last_json(capsys.readouterr().out)
    recorded = json.loads(Path(last["trace"]).read_text())["config"]["impl"]
    toylib.clear()

    assert 1 == code
    assert {"target": "toylib==1.0", "library": "toylib", "version": "1.0", "settings": {"bug": "figure8"}}.items() <= recorded.items()
    assert (1, 1, 1) == (main(["replay", last["trace"]]), main(["show", last["trace"]]), main(["shrink", last["trace"]]))
    assert {("1.0", (("bug", "figure8"),))} == {(v, tuple(sorted(s.items()))) for v, s in toylib}

    main(["explore", "--impl", "toylib", "--network", "sync", "--config", "tiny", "--max-depth", "2", "--json", "--quiet",
          "--corpus", str(tmp_path)])
    assert "toylib==2.5" == last_json(capsys.readouterr().out)["config"]["impl"]["target"]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--impl", "nosuchlib"], "no adapter for a library called nosuchlib"),
        (["--impl", "toylib==9.9"], "toylib==9.9: cannot fetch it"),
        (["--impl", "toylib==1.0", "--impl-conf", "bug"], "--impl-conf bug: must be KEY=VALUE"),
        (["--impl", "toylib==1.0", "--impl-conf", "colour=blue"], "the toy adapter takes bug=none|figure8"),
        (["--impl", "toylib==1.0", "--persistent", "log"], "--persistent applies to a seed-API class"),
        (["--impl", "toy lib"], "must be NAME or NAME==VERSION"),
        (["--impl-conf", "bug=figure8"], "--impl-conf applies only with --impl"),
    ],
)
def test_bad_library_input_is_one_line_and_exit_2(toylib, args, named, tmp_path, capsys):
    """An unknown library or release, a setting that is not KEY=VALUE or that the adapter does
    not know: one line on stderr naming it, exit 2, nothing written."""
    code = main(["explore", *args, "--corpus", str(tmp_path / "corpus")])
    err = capsys.readouterr().err.strip().splitlines()

    assert 2 == code
    assert 1 == len(err) and named in err[0], err
    assert not (tmp_path / "corpus").exists()


def test_a_release_the_index_does_not_have_cannot_be_fetched(tmp_path, monkeypatch):
    """checker.impl.fetch asks the package index for the release: one that does not exist is an
    AdapterError naming it, and nothing is left in the cache."""
    from checker.impl.adapter import AdapterError
    from checker.impl.fetch import fetch

    monkeypatch.setenv("RAFTCHECK_CACHE", str(tmp_path / "cache"))
    with pytest.raises(AdapterError, match=r"pysyncobj==0\.0\.0\.1: cannot fetch it"):
        fetch("pysyncobj", "0.0.0.1")
    assert [] == list((tmp_path / "cache").iterdir())


def test_the_library_api_takes_an_adapter_with_its_settings():
    """checker.explore(impl=..., impl_conf=...) as explore --impl --impl-conf: without a network
    the adapter's own (async for the toy), and the counterexample's trace keeps the settings."""
    import checker

    clean = checker.explore("tiny", impl=TOY, max_depth=3)
    found = checker.explore("tiny", impl=TOY, impl_conf={"bug": "figure8"}, network="sync", max_depth=6)

    assert ("async", None) == (clean.config.network, clean.violation)
    assert "leader_commits_current_term" == found.invariant
    assert (("bug", "figure8"),) == found.counterexample.config.impl.settings


def test_bench_times_a_library_bug_row_with_explore_and_fuzz():
    """`bench --only bugs` times each row of checker/measure/library_bugs.py: here the toy Raft's
    Figure 8 bug as a row, found by the explorer and by the fuzzer, with SandTable's column."""
    from checker.measure.bench import bench_bugs, bugs_table
    from checker.measure.library_bugs import LibraryBug

    row = dict(
        library=TOY, version="-", issue="#0", description="earlier-term commit", invariant="leader_commits_current_term",
        network="sync", bounds=Bounds(max_term=3, max_requests=2, max_cut=1, max_depth=6), sandtable_seconds=4.0,
        sandtable_source="none: a test row", settings=(("bug", "figure8"),),
    )
    rows = bench_bugs([LibraryBug(**row, engine="explore"), LibraryBug(**row, engine="fuzz")], seeds=1, time_limit=60)
    table = bugs_table(rows)

    assert [(1, 1), (1, 1)] == [(r["found"], r["runs"]) for r in rows]
    assert 2 == table.count("| #0 | leader_commits_current_term | sync |") and "| 4 |" in table


def test_the_tutorial_adapter_is_under_100_lines_and_is_an_adapter():
    """docs/adapters.md promises a small example: the toy adapter is under 100 lines and has every
    method of the Adapter protocol."""
    from checker.impl.adapter import Adapter

    lines = (ROOT / "tests" / "adapters" / "toy_adapter.py").read_text().splitlines()

    assert len(lines) < 100
    assert isinstance(ToyAdapter(None, {}), Adapter)


class Listening(ToyAdapter):
    """The toy adapter, writing down every link notification the driver gives."""

    heard: list[tuple[int, str, int]] = []

    def connect(self, node, peer):
        Listening.heard.append((node.raft.id, "connect", peer))
        return []

    def disconnect(self, node, peer):
        Listening.heard.append((node.raft.id, "disconnect", peer))
        return []


def test_fifo_links_break_and_come_back_with_notifications_at_both_ends():
    """On fifo, cutting node 2 off breaks its two links (both ends hear it, the queued vote
    request to it is lost); healing brings them back; a crash tells the peers; a node restarted
    while a peer is cut off hears at once that that link is down, and the peer still up hears
    that the link came back."""
    config = evolve(REFERENCE["fifo-tiny"], bounds=evolve(REFERENCE["fifo-tiny"].bounds, max_crashed=1))
    model = AdapterModel(config, Listening(None, {}))

    def heard(w, action):
        Listening.heard.clear()
        after = model.step(w, action)
        assert after is not None, action
        return after, list(Listening.heard)

    w, told = heard(model.initial(), Tick(1))
    assert [(1, 2), (1, 3)] == [(m.source, m.dest) for m in w.network] and [] == told
    w, told = heard(w, Cut(2))
    assert [(2, "disconnect", 1), (1, "disconnect", 2), (2, "disconnect", 3), (3, "disconnect", 2)] == told
    assert [(1, 3)] == [(m.source, m.dest) for m in w.network]
    w, told = heard(w, Heal(2))
    assert [(2, "connect", 1), (1, "connect", 2), (2, "connect", 3), (3, "connect", 2)] == told
    w, told = heard(w, Cut(2))
    w, told = heard(w, Crash(1))
    assert [(3, "disconnect", 1)] == told and [] == list(w.network)
    w, told = heard(w, Restart(1))
    assert [(1, "disconnect", 2), (3, "connect", 1)] == told


class Raising(ToyAdapter):
    """A library whose client path raises, and whose timer, once a leader's, never returns."""

    def request(self, node, command):
        raise KeyError(command)

    def advance(self, node, seconds=None):
        while node.raft.role == "leader" and node.raft.storage["term"] >= 2:
            pass
        return super().advance(node, seconds)


def test_a_library_that_raises_or_hangs_is_a_finding_naming_its_frames():
    """Through any adapter, an exception in a call is an "exception" finding naming the call and
    the library's own frames, and a call that does not return is a "timeout" (the sandbox the
    seed-API classes have)."""
    config = evolve(REFERENCE["tiny"], network="sync", impl=ImplTarget(TOY, call_timeout=0.2))

    model = AdapterModel(config, Raising(None, {}))
    w = model.initial()
    for a in (Tick(1), ClientRequest(1)):
        w = model.step(w, a)
    hung = AdapterModel(config, Raising(None, {}))
    v = hung.initial()
    for a in (Tick(1), Tick(2), Tick(2)):
        v = hung.step(v, a)

    assert "exception" == w.finding.invariant
    assert "node 1's request(1) raised KeyError: 1" in w.finding.message and "test_driver.py" in w.finding.message
    assert ("timeout", "node 2's advance did not return within 0.2 s") == (v.finding.invariant, v.finding.message)


# --- What happens inside a step, for show --------------------------------------------------


def _walk(model, steps: int, seed: int):
    """A seeded random walk: (world before, action) for each step taken."""
    import random

    rng = random.Random(seed)
    w, taken = model.initial(), []
    for _ in range(steps):
        choices = list(model.actions(w))
        rng.shuffle(choices)
        a = next((a for a in choices if model.step(w, a) is not None), None)
        if a is None:
            break
        taken.append((w, a))
        w = model.step(w, a)
    return taken


@pytest.mark.parametrize("name", ["tiny", "async-tiny", "fifo-tiny"])
def test_step_events_is_step_plus_what_happened_inside_it(name):
    """``step_events`` gives the very world ``step`` gives (same fingerprint), and its events
    account for the network: on the async and fifo networks, what a step added to the network is
    what it sent and did not lose, and what it took out is what it delivered, dropped or lost
    on a link that broke; every delivery is followed by the receiver's state as observed. The
    searches' ``step`` records nothing."""
    from collections import Counter

    model = AdapterModel(toy(name), ToyAdapter(None, {}))
    kinds = Counter()
    for seed in range(4):
        for w, a in _walk(model, 25, seed):
            after, events = model.step_events(w, a)
            assert after.fingerprint == model.step(w, a).fingerprint
            assert model._recording is None
            kinds.update(e.kind for e in events)
            for e in events:
                if e.kind in ("deliver", "act"):
                    assert e.node is not None
            if model.sync:
                continue
            sent = Counter(e.message for e in events if e.kind == "send")
            lost = Counter(e.message for e in events if e.kind == "lose")
            gone = Counter(e.message for e in events if e.kind in ("deliver", "drop"))
            added = Counter(e.message for e in events if e.kind == "duplicate")
            assert Counter(after.network) == Counter(w.network) - gone - (lost - sent) + (sent - lost) + added
    assert kinds["send"] and kinds["deliver"] and kinds["act"]
    if name == "fifo-tiny":
        assert kinds["lose"]


def test_a_delivery_whose_handler_fails_is_still_shown_delivered():
    """A Deliver step that ends in a finding (the handler raised) reports the delivery, so that
    show draws the message arriving where it broke the library."""
    from checker.model.actions import Deliver

    config = evolve(REFERENCE["async-tiny"], impl=ImplTarget(TOY, call_timeout=0.2))
    model = AdapterModel(config, RaisingOnDeliver(None, {}))
    w = model.step(model.initial(), Tick(1))
    a = next(a for a in model.actions(w) if isinstance(a, Deliver))
    after, events = model.step_events(w, a)

    assert "exception" == after.finding.invariant
    assert [("deliver", a.message)] == [(e.kind, e.message) for e in events]


class RaisingOnDeliver(ToyAdapter):
    def deliver(self, node, source, payload):
        raise ValueError("no")
