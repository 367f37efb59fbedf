"""The published bugs of raftos 0.2.6 (#25, #26, #27), found again by the explorer on raftos itself
behind its adapter, their traces kept in corpus/ and replayed to the recorded outcome.

Each record of checker/measure/library_bugs.py names the bounds and the invariant it seeks
(raftos forgets its vote two steps from the start, so a plain search never gets past that:
checker/search/target.py). docs/raftos.md tells each story.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from attrs import evolve

from checker import traces
from checker.front import model_for
from checker.measure.library_bugs import BUGS
from checker.search.bfs import search
from checker.search.target import Targeted

pytest.importorskip("msgpack")

ROOT = Path(__file__).resolve().parent.parent
#: The published ones (SandTable's three); the records of bugs found here are below.
RAFTOS = {bug.issue: bug for bug in BUGS if bug.library == "raftos" and bug.issue.startswith("#")}
TWO_LEADERS = next(bug for bug in BUGS if bug.library == "raftos" and bug.invariant == "election_safety")


def rediscover(bug):
    config = bug.config()
    model = Targeted(model_for(config), bug.only)
    return config, search(model, model.check_world, model.check_step, model.sometimes, max_depth=config.bounds.max_depth)


def test_every_published_raftos_bug_has_a_record_and_a_trace():
    """#25, #26 and #27 (the bugs SandTable reported in raftos 0.2.6) each have their record, and
    its trace is in corpus/ with the record's configuration."""
    assert ["#25", "#26", "#27"] == sorted(RAFTOS)
    for bug in RAFTOS.values():
        t = traces.load(ROOT / bug.trace)
        assert (bug.invariant, bug.config().bounds, bug.network) == (t.outcome.invariant, t.config.bounds, t.config.network)
        assert ("raftos==0.2.6", ()) == (t.config.impl.target, t.config.impl.settings)


@pytest.mark.parametrize("issue", ["#25", "#26", "#27"])
def test_the_corpus_trace_replays_to_its_recorded_outcome_with_every_invariant_checked(issue):
    """Replay judges every invariant after every step: the trace found by seeking one breaks that
    one, at its last step, and nothing before it."""
    bug = RAFTOS[issue]
    t = traces.load(ROOT / bug.trace)

    r = traces.replay(t)

    assert r.reproduces(t.outcome)
    assert (bug.invariant, len(t.actions)) == (r.outcome.invariant, r.outcome.step)


@pytest.mark.parametrize("issue", [pytest.param("#25", marks=pytest.mark.slow), "#26", "#27"])
def test_the_explorer_finds_the_bug_again_the_same_way(issue):
    """The record's search, run again, finds the same shortest counterexample (the search is
    deterministic), on the release that has the bug."""
    bug = RAFTOS[issue]
    recorded = traces.load(ROOT / bug.trace)

    config, result = rediscover(bug)

    assert bug.invariant == result.violation.invariant
    assert recorded.actions == tuple(result.trace)


def test_issue_27_is_a_key_error_inside_raftos():
    """#27's outcome is an implementation failure, not a broken invariant: raftos's own
    on_receive_append_entries_response raises KeyError('request_id')."""
    t = traces.load(ROOT / RAFTOS["#27"].trace)

    assert ("error", "exception") == (t.outcome.result, t.outcome.invariant)
    assert "KeyError: 'request_id'" in t.outcome.message and "raftos/state.py" in t.outcome.message


def test_issue_25_story_is_the_issue_s():
    """The #25 trace tells the issue's story: a heartbeat answered (last 0), then the append of
    the request answered (last 1); the two answers arrive in the other order."""
    summaries = [getattr(a, "message", None) and a.message.summary for a in traces.load(ROOT / RAFTOS["#25"].trace).actions]

    assert summaries[-2:] == [
        "append_entries_response term 1 success last 1 request 1",
        "append_entries_response term 1 success last 0 request 1",
    ]


def test_a_corpus_trace_replays_from_the_command_line_in_a_fresh_process():
    """`python -m checker replay` on a raftos trace in a new process (the library fetched again
    from the cache) exits 1 and says the outcome is as recorded."""
    path = ROOT / RAFTOS["#26"].trace
    env = {**os.environ, "PYTHONHASHSEED": "7", "PYTHONPATH": str(ROOT)}

    done = subprocess.run([sys.executable, "-m", "checker", "replay", str(path), "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True)

    assert 1 == done.returncode, done.stderr
    assert "as recorded" in done.stderr
    assert "committed_on_majority" == json.loads(done.stdout.strip().splitlines()[-1])["invariant"]


def test_fuzz_on_raftos_exits_1_with_a_trace_that_replays_in_a_fresh_process(tmp_path):
    """The issue's "done when": `fuzz --impl raftos==0.2.6` exits 1 and saves a trace; `replay`
    in another process (another hash seed) reproduces it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    found = subprocess.run([sys.executable, "-m", "checker", "fuzz", "--impl", "raftos==0.2.6", "--corpus", str(tmp_path), "--json"],
                           cwd=ROOT, env={**env, "PYTHONHASHSEED": "1"}, capture_output=True, text=True)
    assert 1 == found.returncode, found.stderr
    saved = json.loads(found.stdout.strip().splitlines()[-1])["trace"]

    again = subprocess.run([sys.executable, "-m", "checker", "replay", saved],
                           cwd=ROOT, env={**env, "PYTHONHASHSEED": "2"}, capture_output=True, text=True)

    assert 1 == again.returncode, again.stderr
    assert "as recorded" in again.stdout


def test_seeking_one_invariant_disables_steps_into_any_other_outcome():
    """Targeted on raftos: the plain search meets vote_safety two steps in (a candidate's election
    timer makes it a follower and raftos clears its vote); seeking #27 never stops there, and
    each world it keeps passes every other check."""
    bug = RAFTOS["#27"]
    plain = model_for(bug.config())
    plain_result = search(plain, plain.check_world, plain.check_step, max_depth=2)
    assert "vote_safety" == plain_result.violation.invariant

    seeking = Targeted(plain, ("exception",))
    w = seeking.initial()
    tick = next(a for a in seeking.actions(w) if type(a).__name__ == "Tick")
    once = seeking.step(w, tick)
    assert once is not None and seeking.step(once, tick) is None
    assert plain.step(once, tick) is not None


FOUND_HERE = {
    # A candidate's election timer makes it a follower of the same term, and raftos's
    # Follower.init_storage clears its vote (docs/raftos.md, "Found here").
    "vote_safety": "corpus/raftos-0.2.6-async-vote_safety-77f0b13ebc.json",
    # A leader with one entry crashes and restarts: Log.read cannot unpack its own msgpack lines.
    "exception": "corpus/raftos-0.2.6-async-exception-ac49dc1aa9.json",
    # A leader steps down in its term, forgets its vote and grants it again: two leaders of term 1
    # (found by the record's seeded walks with vote_safety set aside, then shrunk).
    "election_safety": "corpus/raftos-0.2.6-async-election_safety-4adf8bf205.json",
}


@pytest.mark.parametrize("invariant", sorted(FOUND_HERE))
def test_the_bugs_found_here_replay_to_their_recorded_outcome(invariant):
    """The traces of two bugs of raftos 0.2.6 its tracker does not list replay as recorded."""
    t = traces.load(ROOT / FOUND_HERE[invariant])

    r = traces.replay(t)

    assert r.reproduces(t.outcome)
    assert invariant == r.outcome.invariant


def test_the_msgpack_log_trace_fails_in_restart_with_extra_data():
    """The restart trace: election, one request, the leader crashes and restarts; raftos's
    Log.read raises msgpack's ExtraData on the first line of its own log."""
    t = traces.load(ROOT / FOUND_HERE["exception"])

    assert ["Crash", "Restart"] == [type(a).__name__ for a in t.actions[-2:]]
    assert "restart raised ExtraData" in t.outcome.message


def stops_at_the_forgotten_vote(t) -> None:
    """With nothing set aside, the trace's actions stop before its end, at vote_safety: the
    forgotten vote that the two leaders follow from."""
    strict = evolve(t, config=evolve(t.config, impl=evolve(t.config.impl, skip=())))
    r = traces.replay(strict)
    assert "vote_safety" == r.outcome.invariant and r.outcome.step < len(t.actions)


def test_two_leaders_of_one_term_have_their_record_and_its_trace_sets_aside_the_vote():
    """The record's configuration is the trace's (settings and what is set aside included); with
    nothing set aside the same actions stop earlier, at vote_safety, the forgotten vote itself."""
    t = traces.load(ROOT / TWO_LEADERS.trace)
    assert (TWO_LEADERS.config().impl.settings, ("vote_safety",)) == (t.config.impl.settings, t.config.impl.skip)
    assert (TWO_LEADERS.invariant, TWO_LEADERS.bounds, 10) == (t.outcome.invariant, t.config.bounds, len(t.actions))
    stops_at_the_forgotten_vote(t)


@pytest.mark.slow
def test_the_record_s_walks_find_two_leaders_again():
    from checker.measure.library_bugs import find

    seconds, violation, path = find(TWO_LEADERS, seed=0, budget=120)
    assert violation is not None and "election_safety" == violation.invariant


DEFAULTS = next(bug for bug in BUGS if bug.library == "raftos" and bug.invariant == "election_safety" and not bug.settings)


def test_two_leaders_with_raftos_default_settings_take_six_unanswered_heartbeats():
    """The fuzzer's trace, with nothing changed in raftos's settings: the leader of term 1 sends
    heartbeats six times (step_down_missed_heartbeats 5, then its step-down timer), and only then
    grants its vote to a candidate of its own term. It replays to election_safety at its last step;
    with nothing set aside the same actions stop earlier, at vote_safety."""
    t = traces.load(ROOT / DEFAULTS.trace)
    assert ((), ("vote_safety",), "fuzz") == (t.config.impl.settings, t.config.impl.skip, t.engine)
    assert DEFAULTS.bounds == t.config.bounds

    r = traces.replay(t)
    assert r.reproduces(t.outcome) and ("election_safety", len(t.actions)) == (r.outcome.invariant, r.outcome.step)
    ticks = [a.node if type(a).__name__ == "Tick" else None for a in t.actions]
    runs = [(node, len(list(group))) for node, group in itertools.groupby(ticks) if node is not None]
    assert 6 == max(k for _, k in runs)  # One node's timer six times in a row: the deposed leader's.
    stops_at_the_forgotten_vote(t)


@pytest.mark.slow
def test_the_fuzzer_finds_two_leaders_with_raftos_default_settings():
    from checker.measure.library_bugs import find

    seconds, violation, path = find(DEFAULTS, seed=0, budget=600)
    assert violation is not None and "election_safety" == violation.invariant
