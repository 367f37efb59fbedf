"""The fast engine on implementations (checker.search.snapshots over checker.impl.codec), held to
the plain search: the same distinct worlds, transitions, depth and properties reached on a clean
run; on a broken one, on 1, 2 and 3 workers, the same violation, counts and counterexample,
which replays to it.

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
    """A broken run: on 1, 2 and 3 workers the fast engine reports the plain search's violation
    with the plain search's trace and counts (it takes a level's steps in the order the plain
    search meets them, and stops at the same first broken one, however far each worker got past
    it), and that trace replays, every invariant checked, to that violation at its last step."""
    config, invariant, depth = BROKEN[name]
    plain = api_explore(config, engine="plain")
    fast = [api_explore(config, workers=w) for w in (1, 2, 3)]
    one = fast[0]

    assert plain.violation is not None
    if invariant is not None:
        assert (invariant, depth) == (plain.violation.invariant, plain.depth)
    assert plain.depth == one.depth == len(one.trace)
    assert [(one.violation, one.trace)] * 3 == [(r.violation, r.trace) for r in fast]
    assert [(plain.violation, plain.trace)] * 3 == [(r.violation, r.trace) for r in fast]
    # Counted up to the step reported, however far each worker got past it.
    assert [(plain.distinct, plain.states, plain.reached)] * 3 == [(r.distinct, r.states, r.reached) for r in fast]
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
    """A world one worker froze for another (its parts named by their ids) is taken into the
    other's own form, and thaws there, once it is sent the parts (node snapshots, ghost,
    messages) the first one defined, and not without them; neither form thaws where the other
    is expected, and the form a worker keeps for itself is the smaller."""
    config = seed_style("SeedRaft", "async-tiny")
    one, other = model_for(config).codec, model_for(config).codec
    model = one.model
    w = model.step(model.initial(), next(iter(model.actions(model.initial()))))
    shared, kept = one.freeze(w, shared=True), one.freeze(w)

    with pytest.raises(KeyError):
        other.localize(shared)
    with pytest.raises(ValueError):
        other.thaw(shared)
    other.define(one.definitions())
    local = other.localize(shared)
    with pytest.raises(ValueError):
        other.localize(local)
    assert (w.fingerprint, w.nodes, w.network) == (other.thaw(local).fingerprint, other.thaw(local).nodes, other.thaw(local).network)
    assert (w.fingerprint, w.nodes, w.network) == (one.thaw(kept).fingerprint, one.thaw(kept).nodes, one.thaw(kept).network)
    assert other.thaw(local).frozen == one.thaw(kept).frozen  # The same snapshot ids.
    assert len(kept) < len(shared)
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


@pytest.mark.parametrize("name", ["seed-style sync", "NoUpToDateCheck"])
def test_a_call_memo_of_two_calls_finds_what_the_default_memo_finds(name, monkeypatch):
    """The driver's call memo is bounded (checker.impl.codec.MEMO_SIZE, the older half forgotten
    when full); what it remembers changes only how often the implementation is called: with
    room for two calls, which forgets nearly everything, a clean run counts the same worlds,
    transitions, depth and sometimes-depths, and a broken one gives the same violation, trace
    and counts, on 1 and 2 workers."""
    import checker.impl.codec as codec_module
    from checker.search.parallel import parallel_search

    config = CLEAN[name] if name in CLEAN else BROKEN[name][0]
    default = api_explore(config, workers=1)
    model = model_for(config)
    model.codec.memo_size = 2
    small = parallel_search(model, 1)
    assert model.codec.forgotten > 100 and len(model.codec.calls) <= 2  # It did forget.
    monkeypatch.setattr(codec_module, "MEMO_SIZE", 2)
    tiny = [api_explore(config, workers=w) for w in (1, 2)]

    assert [counts(default)] * 3 == [counts(r) for r in [small, *tiny]]
    assert [(default.violation, default.trace)] * 2 == [(r.violation, r.trace) for r in tiny]
    assert (default.violation is None) == (name in CLEAN)


def test_the_call_memo_forgets_its_older_half_in_the_order_calls_were_made():
    """Full, the memo drops the calls made first, half of them, and keeps the newest."""
    codec = model_for(seed_style("SeedRaft")).codec
    codec.memo_size = 4
    for n in range(10):
        codec.remember((1, n, ("advance",)), (100 + n, None, ()))
        assert len(codec.calls) <= 4

    # 0-3 in; at 4, 0 and 1 out; at 6, 2 and 3; at 8, 4 and 5.
    assert list(codec.calls) == [(1, n, ("advance",)) for n in (6, 7, 8, 9)]
    assert codec.calls[(1, 9, ("advance",))] == (109, None, ())
    assert codec.forgotten == 6


def test_the_call_memo_keeps_a_value_its_calls_share_once():
    """Two calls with equal arguments on different node states, sending equal messages, hold one
    copy of the arguments and of what was sent; forgetting, the memo still drops its older half."""
    codec = model_for(seed_style("SeedRaft")).codec
    codec.memo_size = 4

    def sent() -> tuple:
        return (("append to 2", bytes([1, 2, 3]) * 10, "", 7),)

    def delivery() -> tuple:
        return ("deliver", 2, len(sent()[0][1]))  # Made anew each time (not one constant).

    codec.remember((1, 10, delivery()), (11, None, sent()))
    codec.remember((1, 12, delivery()), (13, None, sent()))
    (_, _, d1), (_, _, d2) = list(codec.calls)
    (s1, s2) = [outcome[2] for outcome in codec.calls.values()]

    assert d1 is d2 and s1 is s2 and s1 == sent()
    for n in range(3):
        codec.remember((2, n, ("advance",)), (n, None, ()))
    assert codec.forgotten == 2 and list(codec.calls) == [(2, n, ("advance",)) for n in range(3)]


def test_the_call_memo_keeps_a_snapshot_id_its_calls_name_once():
    """A node state that calls start from or end in is named by one integer object in the memo,
    however many equal integers the calls were given (ids are made afresh by the digest and by
    thawing a frozen world); the memo's keys and outcomes are unchanged in value."""
    codec = model_for(seed_style("SeedRaft")).codec
    codec.memo_size = 8
    big = 1 << 62

    def fresh(n: int) -> int:
        return int(str(big + n))  # Equal, not the same object.

    codec.remember((1, fresh(1), ("advance",)), (fresh(2), None, ()))
    codec.remember((1, fresh(2), ("advance",)), (fresh(3), None, ()))
    codec.remember((2, fresh(1), ("tick",)), (fresh(2), None, ()))
    (k1, k2, k3), (o1, o2, o3) = list(codec.calls), list(codec.calls.values())

    assert [k[1] for k in (k1, k2, k3)] == [big + 1, big + 2, big + 1]
    assert [o[0] for o in (o1, o2, o3)] == [big + 2, big + 3, big + 2]
    assert k1[1] is k3[1] and o1[0] is o3[0] and o1[0] is k2[1]
    assert codec.calls[(2, big + 1, ("tick",))] == (big + 2, None, ())
