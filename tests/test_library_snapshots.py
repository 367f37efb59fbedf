"""The libraries' nodes as bytes (``snapshot`` / ``restore`` of the PySyncObj and raftos adapters),
and the fast search that freezes worlds with them, held to the plain search.

- A restored node is the copy ``copy`` makes: on a seeded walk of three nodes (deliveries, timers,
  requests, crashes and restarts, the library's own exceptions), the restore of a node's
  snapshot and a copy of it take each call alike (what they send, their keys, what they raise),
  and the walk's snapshots are the same bytes in two processes under different
  ``PYTHONHASHSEED``.
- The search: on a clean run the fast engine on 1, 2 and 3 workers counts the plain search's
  distinct worlds and transitions, depth and sometimes-properties; on a known bug it stops at the
  plain search's depth with the same invariant, the same trace and counts on every worker count,
  and that trace replays to it with every invariant checked.

One release of a library per process: each case runs in a fresh one (tests/library_search.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNNER = ROOT / "tests" / "library_search.py"


def _run(what: str, spec: dict, seed: str = "0") -> dict:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run([sys.executable, str(RUNNER), what, json.dumps(spec)], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


WALKS = {
    "pysyncobj 0.3.17": {"target": "pysyncobj==0.3.17", "steps": 300, "seed": 5},
    "pysyncobj 0.3.15, file journal": {"target": "pysyncobj==0.3.15", "settings": {"journalFile": "file"},
                                       "steps": 250, "seed": 4},
    "raftos 0.2.6": {"target": "raftos==0.2.6", "steps": 300, "seed": 3},
}


@pytest.mark.parametrize("name", sorted(WALKS))
def test_a_restored_node_is_the_copy_and_its_bytes_are_the_same_in_every_process(name):
    spec = WALKS[name]
    one, other = _run("walk", spec, seed="1"), _run("walk", spec, seed="4242")

    assert one == other  # The digest of every snapshot of the walk included.
    # The walk went where snapshots are hard: a leader, client requests at it (raftos: a
    # pending apply_future), and for the persistent ones crashes and restarts.
    assert one["leaders"] >= 1 and one["requests"] >= 3
    if "file" in name or "raftos" in name:
        assert one["crashes"] >= 3


def _clean_counts(r: dict) -> tuple:
    return (r["distinct"], r["transitions"], r["depth"], r["exhaustive"], r["reached"], r["invariant"])


def _fifo(target, **bounds):
    return {"target": target, "network": "fifo", "bounds": bounds}


def _async(target, **bounds):
    return {"target": target, "network": "async", "bounds": bounds}


#: Clean runs, small enough for the default suite, and bigger ones (slow).
CLEAN = {
    "pysyncobj 0.3.17 fifo": _fifo("pysyncobj==0.3.17", max_term=1, max_requests=1, max_in_flight=4, max_cut=0,
                                   max_crashed=0, max_depth=6),
    "raftos 0.2.6 async": _async("raftos==0.2.6", max_term=1, max_requests=1, max_in_flight=4, max_cut=0,
                                 max_crashed=0, max_depth=5),
}
CLEAN_SLOW = {
    # bench --only impl's bounds (checker/measure/bench.py IMPL_RUNS).
    "pysyncobj 0.3.17 fifo, bench": _fifo("pysyncobj==0.3.17", max_term=2, max_requests=1, max_in_flight=6,
                                          max_cut=0, max_crashed=0, max_depth=7),
    "pysyncobj 0.3.17 fifo, a cut and a crash": {
        **_fifo("pysyncobj==0.3.17", max_term=1, max_requests=1, max_in_flight=4, max_cut=1, max_crashed=1,
                max_depth=6),
        "settings": {"journalFile": "file"},
    },
}


def _assert_clean(spec):
    found = _run("search", spec)
    plain = found["plain"]

    assert found["portable"]
    assert plain["invariant"] is None and plain["distinct"] > 200
    assert [_clean_counts(plain)] * 3 == [_clean_counts(found[w]) for w in "123"]


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_fast_search_of_a_library_on_any_number_of_workers_finds_what_the_plain_one_finds(name):
    _assert_clean(CLEAN[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CLEAN_SLOW))
def test_fast_search_of_a_library_on_bigger_bounds_finds_what_the_plain_one_finds(name):
    _assert_clean(CLEAN_SLOW[name])


#: Known bugs (checker/measure/library_bugs.py): spec -> (invariant, shortest depth).
BROKEN = {
    "pysyncobj 0.3.15 #201/#202 restart in term 0": (
        {**_fifo("pysyncobj==0.3.15", max_term=2, max_requests=0, max_cut=0, max_crashed=1, max_in_flight=6,
                 max_depth=10), "settings": {"journalFile": "file"}},
        "terms_monotonic", 3),
    # corpus/raftos-0.2.6-async-vote_safety-77f0b13ebc.json's bounds (docs/raftos.md, "Found here").
    "raftos 0.2.6 vote forgotten": (
        _async("raftos==0.2.6", max_term=3, max_requests=3, max_in_flight=3, max_cut=1, max_crashed=0, max_depth=4),
        "vote_safety", 2),
}
BROKEN_SLOW = {
    "raftos 0.2.6 #27 KeyError": (
        {**_async("raftos==0.2.6", max_term=2, max_requests=0, max_cut=0, max_crashed=0, max_in_flight=5,
                  max_depth=6), "only": ["exception"]},
        "exception", 6),
    "pysyncobj 0.3.15 #201/#202 two leaders": (
        {**_fifo("pysyncobj==0.3.15", max_term=1, max_requests=0, max_cut=0, max_crashed=1, max_in_flight=6,
                 max_depth=10), "settings": {"journalFile": "file"}, "skip": ["terms_monotonic"],
         "only": ["election_safety"]},
        "election_safety", 8),
    "raftos 0.2.6 #26 delayed append": (
        {**_async("raftos==0.2.6", max_term=1, max_requests=1, max_cut=0, max_crashed=0, max_in_flight=5,
                  max_depth=7), "only": ["committed_on_majority"]},
        "committed_on_majority", 7),
}


def _assert_broken(spec, invariant, depth):
    found = _run("search", spec)
    plain, one = found["plain"], found["1"]

    assert (invariant, depth) == (plain["invariant"], plain["depth"])
    assert (invariant, depth) == (one["invariant"], one["depth"]) and len(one["trace"]) == depth
    # The same counterexample and counts on 1, 2, 3 workers, and it replays to the violation.
    assert [one] * 2 == [found["2"], found["3"]]
    assert [invariant, depth] == one["replayed"]


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_fast_search_of_a_library_finds_a_known_bug_with_one_trace_on_any_number_of_workers(name):
    _assert_broken(*BROKEN[name])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(BROKEN_SLOW))
def test_fast_search_of_a_library_finds_a_deeper_known_bug_with_one_trace_on_any_number_of_workers(name):
    _assert_broken(*BROKEN_SLOW[name])
