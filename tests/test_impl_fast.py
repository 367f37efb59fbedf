"""The fast engine on implementations (checker.search.snapshots over checker.impl.codec), held to
the plain search: the same distinct worlds, transitions, depth and properties reached on a clean
run; on a broken one the same shortest depth, and on 1, 2 and 3 workers the same violation and
the same counterexample, which replays to it.

Targets: seed-style classes (tests/impls/seed_style.py), the toy adapter (tests/adapters), on
the sync, async and fifo networks (with tests/adapters/toy_snapshots.py, which adds snapshot and
restore, on several workers; without them on one); a library (raftos, behind its adapter, which
gives no snapshots) on one worker, marked slow.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from attrs import evolve

from checker import traces
from checker.api import explore as api_explore
from checker.front import explore, model_for
from checker.model.config import REFERENCE, Config, ImplTarget

ROOT = Path(__file__).resolve().parent.parent
SEED_STYLE = ROOT / "tests" / "impls" / "seed_style.py"
TOY = str(ROOT / "tests" / "adapters" / "toy_adapter.py") + ":ToyAdapter"
#: The toy adapter with snapshot and restore (tests/adapters/toy_snapshots.py), for several workers.
SNAPSHOT_TOY = str(ROOT / "tests" / "adapters" / "toy_snapshots.py") + ":SnapshotToy"
sys.path.insert(0, str(ROOT / "tests" / "adapters"))


def seed_style(name: str, config: str = "tiny", **bounds) -> Config:
    c = REFERENCE[config]
    return evolve(c, impl=ImplTarget(f"{SEED_STYLE}:{name}", call_timeout=5.0), bounds=evolve(c.bounds, **bounds))


def toy(config: str, bug: str = "none", target: str = SNAPSHOT_TOY, **bounds) -> Config:
    c = REFERENCE[config]
    settings = (("bug", bug),) if bug != "none" else ()
    return evolve(c, impl=ImplTarget(target, settings=settings), bounds=evolve(c.bounds, **bounds))


def counts(result) -> tuple:
    return (result.distinct, result.states, result.depth, result.exhaustive, result.reached)


#: Clean runs: (config, what the plain search finds there), small enough for the default suite.
CLEAN = {
    "seed-style sync": seed_style("SeedRaft", max_depth=6),
    "seed-style async": seed_style("SeedRaft", "async-tiny", max_depth=7),
    "toy async": toy("async-tiny", max_depth=8),
    "toy fifo": toy("fifo-tiny", max_depth=6),
    "toy sync, crashes": toy("tiny", max_depth=5, max_crashed=1),
}


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_fast_search_of_an_implementation_finds_what_the_plain_one_finds_on_any_number_of_workers(name):
    """A clean run: on 1, 2 and 3 workers, the fast engine counts the plain search's distinct
    worlds and transitions, reaches its depth and its sometimes properties at the same depths."""
    config = CLEAN[name]
    plain = explore(config, engine="plain")
    fast = [explore(config, workers=w) for w in (1, 2, 3)]

    assert plain.violation is None and plain.distinct > 1000
    assert [counts(plain)] * 3 == [counts(r) for r in fast]
    assert [None] * 3 == [r.violation for r in fast]


#: Broken runs: config -> (the invariant or finding, the shortest depth).
BROKEN = {
    "NoUpToDateCheck": (seed_style("NoUpToDateCheck"), "leader_completeness", 6),
    "RaisesOnRefusal": (seed_style("RaisesOnRefusal"), "exception", 3),
    "StaleReplyWithoutMatch": (seed_style("StaleReplyWithoutMatch"), "malformed_reply", 5),
    "toy figure8": (toy("tiny", bug="figure8", max_depth=6), "leader_commits_current_term", 5),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_implementation_gives_one_counterexample_whatever_the_workers_and_it_replays(name):
    """A broken run: the fast engine stops at the plain search's (shortest) depth, with the same
    kind of outcome; on 1, 2 and 3 workers it reports the same violation with the same trace and
    the same counts, and that trace replays, every invariant checked, to that violation at its
    last step."""
    config, invariant, depth = BROKEN[name]
    plain = explore(config, engine="plain")
    fast = [api_explore(config, workers=w) for w in (1, 2, 3)]
    one = fast[0]

    assert plain.violation is not None
    if invariant is not None:
        assert (invariant, depth) == (plain.violation.invariant, plain.depth)
    assert plain.depth == one.depth == len(one.trace)
    assert [(one.violation, one.trace)] * 3 == [(r.violation, r.trace) for r in fast]
    # Counted up to the step reported, however far each worker got past it.
    assert [(one.distinct, one.states, one.reached)] * 3 == [(r.distinct, r.states, r.reached) for r in fast]
    replayed = traces.replay(one.counterexample)
    assert (one.violation.invariant, len(one.trace)) == (replayed.outcome.invariant, replayed.outcome.step)


def test_a_thawed_world_steps_to_the_worlds_its_original_steps_to():
    """The codec's promise: a world frozen and thawed has the original's fingerprint and what it
    shows, and each action takes it, with its nodes restored from their snapshots rather than
    copied, to a world with the fingerprint the original's step reaches; so do two steps."""
    model = model_for(seed_style("SeedRaft", "async-tiny"))
    codec = model.codec
    w = model.initial()
    checked = 0
    for _ in range(4):
        thawed = codec.thaw(codec.freeze(w))
        assert (w.fingerprint, w.nodes, w.network) == (thawed.fingerprint, thawed.nodes, thawed.network)
        successors = []
        for action in model.actions(w):
            after, again = model.step(w, action), model.step(thawed, action)
            assert (after is None) == (again is None)
            if after is not None:
                assert after.fingerprint == again.fingerprint
                assert after.fingerprint == codec.thaw(codec.freeze(again)).fingerprint
                successors.append(after)
                checked += 1
        w = successors[-1]

    assert checked > 10


def test_workers_share_what_they_froze_through_their_definitions():
    """A world frozen by one worker thaws in another process's codec once it is sent the parts
    (node snapshots, ghost, messages) the first one defined, and in none without them."""
    config = seed_style("SeedRaft", "async-tiny")
    one, other = model_for(config).codec, model_for(config).codec
    model = one.model
    w = model.step(model.initial(), next(iter(model.actions(model.initial()))))
    frozen = one.freeze(w)

    with pytest.raises(KeyError):
        other.thaw(frozen)
    other.define(one.definitions())
    assert (w.fingerprint, w.nodes) == (other.thaw(frozen).fingerprint, other.thaw(frozen).nodes)
    assert [] == one.definitions()  # Each part is sent once.


def test_an_adapter_without_snapshots_is_searched_by_one_worker_and_refused_on_two():
    """An adapter that gives no snapshot / restore (the libraries' nodes hold locks, event loops
    and futures; here the toy adapter as the tutorial writes it) keeps its worlds whole, one level
    at a time: one worker finds what the plain search finds, and two are refused in one line."""
    config = toy("async-tiny", target=TOY, max_depth=6)

    assert not model_for(config).codec.portable
    assert counts(explore(config, engine="plain")) == counts(explore(config, workers=1))
    with pytest.raises(ValueError, match="cannot be snapshotted"):
        explore(config, workers=2)


@pytest.mark.slow
def test_fast_search_of_raftos_finds_what_the_plain_one_finds():
    """A library whose nodes hold an event loop and futures (raftos 0.2.6, fetched into the
    cache): not portable, so one worker, which counts the plain search's worlds and transitions."""
    pytest.importorskip("numpy")
    from checker.api import configuration

    config = configuration("tiny", impl="raftos==0.2.6", max_term=1, max_requests=1, max_cut=0, max_in_flight=4, max_depth=5)
    config = evolve(config, network="async")
    plain = explore(config, engine="plain")
    fast = explore(config, workers=1)

    assert counts(plain) == counts(fast)
    assert plain.violation == fast.violation
