"""PySyncObj's published bugs, found again (checker/measure/library_bugs.py), and what this
project found in 0.3.17 (docs/pysyncobj.md): each corpus trace replays to its recorded outcome
in a fresh process (one PySyncObj release per process), and the records agree with the traces.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from checker.measure.library_bugs import BUGS
from checker.traces import format as traces

ROOT = Path(__file__).resolve().parent.parent
RECORDS = [b for b in BUGS if b.library == "pysyncobj"]

_REPLAY = """
import json, sys
from attrs import evolve
from checker.api import load_trace, replay
t = load_trace(sys.argv[1])
if sys.argv[2:] == ["--check-all"]:  # The trace replayed with nothing set aside.
    t = evolve(t, config=evolve(t.config, impl=evolve(t.config.impl, skip=())))
r = replay(t)
print(json.dumps([r.outcome.result, r.outcome.invariant, r.outcome.step, r.reproduces(t.outcome)]))
"""


def _replay_in_a_fresh_process(path: Path, *flags: str):
    done = subprocess.run([sys.executable, "-c", _REPLAY, str(path), *flags], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("bug", RECORDS, ids=[f"{b.version}-{b.invariant}" for b in RECORDS])
def test_corpus_trace_replays_to_its_recorded_outcome(bug):
    """The record's trace, replayed in a new process (the release fetched again from the cache),
    breaks the record's invariant at the step the trace records, checking every invariant."""
    path = ROOT / bug.trace
    t = traces.load(path)
    assert t.config.impl.target == f"pysyncobj=={bug.version}"
    assert t.config.impl.settings == bug.settings
    assert t.config.impl.skip == bug.skip
    assert t.config.network == bug.network == "fifo"
    result, invariant, step, same = _replay_in_a_fresh_process(path)
    assert (result, invariant, step) == (t.outcome.result, bug.invariant, t.outcome.step)
    assert same


def test_two_leaders_of_one_term_follow_the_forgotten_term():
    """PySyncObj #201/#202 found by search (§5.2, election safety): the explorer's trace, with
    ``terms_monotonic`` set aside, ends with two leaders of term 1, one of them a node that
    voted for the other in term 1 and then restarted. Replayed with every invariant checked,
    the same actions stop earlier, at that restart, where the term goes back to 0: the bug
    itself, which is why the record sets it aside to reach what follows."""
    bug = next(b for b in RECORDS if b.invariant == "election_safety")
    path = ROOT / bug.trace
    t = traces.load(path)
    assert bug.skip == ("terms_monotonic",) and bug.only == ("election_safety",)
    restarted = [k for k, a in enumerate(t.actions, start=1) if type(a).__name__ == "Restart"]
    assert len(restarted) == 1
    result, invariant, step, _ = _replay_in_a_fresh_process(path, "--check-all")
    assert (result, invariant, step) == ("violation", "terms_monotonic", restarted[0])
    assert step < t.outcome.step


def test_every_pysyncobj_trace_has_a_record():
    """No trace in corpus/pysyncobj/ without its row in the bench table, and no row without it."""
    on_disk = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "corpus" / "pysyncobj").glob("*.json"))
    assert on_disk == sorted(b.trace for b in RECORDS)


def test_record_configurations_match_their_traces():
    """A record's bounds are the bounds its trace was found under, and what it sets aside the
    same as its trace."""
    for bug in RECORDS:
        t = traces.load(ROOT / bug.trace)
        assert t.config.bounds == bug.bounds, bug.trace
        assert t.config.impl.skip == bug.skip, bug.trace


_CONSEQUENCE = """
import json, sys
from checker.api import load_trace
from checker.front import model_for
from checker.model.actions import Cut, Deliver, Tick
t = load_trace(sys.argv[1])
model = model_for(t.config)
w = model.initial()
for a in t.actions:
    w = model.step(w, a)
# Go on past the recorded step: the leader (node 2), the one node holding committed entry 6,
# is cut off; node 1 campaigns and node 3 votes for it.
def take(pred):
    global w
    a = next(a for a in model.actions(w) if pred(a))
    before, w = w, model.step(w, a)
    return model.check_world(w)
take(lambda a: isinstance(a, Cut) and a.node == 2)
take(lambda a: isinstance(a, Tick) and a.node == 1)
take(lambda a: isinstance(a, Deliver) and a.message.source == 1 and a.message.dest == 3)
v = take(lambda a: isinstance(a, Deliver) and a.message.source == 3 and a.message.dest == 1)
print(json.dumps([v.invariant if v else None, v.message if v else None]))
"""


def test_0_3_17_loses_a_committed_entry():
    """Finding 1 in 0.3.17 leads on to a leader without a committed entry (leader completeness,
    §5.4): after the trace, the leader that committed index 6 is cut off, and node 1, which had
    erased index 6 on a resent append, wins the next election."""
    bug = next(b for b in RECORDS if b.version == "0.3.17" and b.invariant == "committed_on_majority")
    done = subprocess.run([sys.executable, "-c", _CONSEQUENCE, str(ROOT / bug.trace)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    invariant, message = json.loads(done.stdout.strip().splitlines()[-1])
    assert invariant == "leader_completeness", message


_FIND = """
import json, sys
from checker.measure.library_bugs import BUGS, counterexample
from checker.traces import format as traces
bug = next(b for b in BUGS if b.trace == sys.argv[1])
found = counterexample(bug)
print(json.dumps([found.outcome.invariant, found.outcome.step, found.actions == traces.load(sys.argv[1]).actions]))
"""


_FIND_0_3_15 = [
    pytest.param("terms_monotonic", 3, id="terms_monotonic"),
    # About 12 s on a shared 2-core machine: 4,071 distinct worlds to depth 8.
    pytest.param("election_safety", 8, id="election_safety", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("invariant, step", _FIND_0_3_15)
def test_find_runs_a_record_to_its_trace(invariant, step):
    """``find`` on a 0.3.15 record (a breadth-first search: the term going back, well under a
    second; two leaders of one term, targeted, seconds) gives back the corpus trace's path: the
    bench row measures the search that made the trace."""
    bug = next(b for b in RECORDS if b.version == "0.3.15" and b.invariant == invariant)
    done = subprocess.run([sys.executable, "-c", _FIND, bug.trace], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [invariant, step, True]


_SAME_SEARCH_ON = """
import json, sys
from attrs import evolve
from checker.measure.library_bugs import BUGS, find
bug = next(b for b in BUGS if b.version == "0.3.15" and b.invariant == "election_safety")
bug = evolve(bug, version=sys.argv[1], bounds=evolve(bug.bounds, max_depth=int(sys.argv[2])))
_, violation, path = find(bug)
print(json.dumps(None if violation is None else [violation.invariant, len(path)]))
"""


@pytest.mark.slow
def test_the_two_leaders_search_is_clean_on_0_3_17():
    """The search that finds two leaders of term 1 in 0.3.15 at depth 8 finds nothing in 0.3.17,
    which keeps term and vote in its journal's metadata: the counterexample is the bug's, not
    the adapter's (about 20 s)."""
    done = subprocess.run([sys.executable, "-c", _SAME_SEARCH_ON, "0.3.17", "8"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) is None


def _bench(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checker", "bench", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize(
    "invariant",
    ["terms_monotonic", pytest.param("election_safety", marks=pytest.mark.slow)],  # The second: about 15 s.
)
def test_bench_times_a_chosen_0_3_15_row(invariant):
    """``bench --only bugs --bugs pysyncobj==0.3.15:INVARIANT`` runs that record alone and finds
    its counterexample within the limit: the two-leaders row is timed to election_safety itself."""
    done = _bench("--only", "bugs", "--bugs", f"pysyncobj==0.3.15:{invariant}", "--time-limit", "120", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout.strip().splitlines()[-1])["bugs"]
    assert [(r["version"], r["invariant"], r["found"], r["runs"]) for r in rows] == [("0.3.15", invariant, 1, 1)]
    assert rows[0]["median_s"] is not None and rows[0]["median_s"] <= 120


@pytest.mark.parametrize(
    "args, named",
    [
        (["--only", "bugs", "--bugs", "pysyncobj==0.3.15:no_such"], "--bugs: no record 'pysyncobj==0.3.15:no_such'"),
        (["--only", "explore", "--bugs", "pysyncobj==0.3.15:terms_monotonic"], "--bugs applies only with --only bugs"),
        (["--only", "bugs", "--bugs", ","], "--bugs: no record ','"),
        (["--only", "bugs", "--bugs", "raftos==0.2.6:election_safety:explore"], "--bugs: no record 'raftos==0.2.6:election_safety:explore'"),
    ],
)
def test_bench_bugs_bad_input_is_one_line(args, named):
    """A record that does not exist, or --bugs without --only bugs: exit 2, one line, nothing run."""
    done = _bench(*args)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()] and named in done.stderr
    assert done.stdout == ""


def test_bench_bugs_names_a_bug_found_by_two_engines_with_or_without_the_engine():
    """raftos's two leaders have two records (walk with one setting changed, fuzz on the defaults):
    LIBRARY==VERSION:INVARIANT picks both, and with :ENGINE after it just the one."""
    import argparse

    from checker.cli.bench import _bug_records

    def picked(names: str) -> list[tuple[str, str]]:
        return [(b.target, b.engine) for b in _bug_records(argparse.Namespace(bugs=names, only="bugs"))]

    assert picked("raftos==0.2.6:election_safety") == [("raftos==0.2.6", "walk"), ("raftos==0.2.6", "fuzz")]
    assert picked("raftos==0.2.6:election_safety:fuzz") == [("raftos==0.2.6", "fuzz")]
    assert picked("raftos==0.2.6:election_safety:walk,pysyncobj==0.3.15:terms_monotonic") == [
        ("pysyncobj==0.3.15", "explore"),
        ("raftos==0.2.6", "walk"),
    ]
