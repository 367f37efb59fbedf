"""The fifo network of the native model: ordered links, as TCP gives (#15, point 2).

Only the oldest message on a link can be delivered, nothing is dropped or duplicated, and what
is queued on a node's links is lost when it is cut off or crashes. The fast engine models it
(both loops, every worker count, both backends, symmetry reduction on by default) and is
held here to the plain search.
"""

from __future__ import annotations

import pytest
from attrs import evolve

from checker.front import explore, model_for
from checker.model.actions import Cut, Deliver, Drop, Duplicate, Tick
from checker.model.config import FIFO, REFERENCE
from checker.model.variants import get_variant
from checker.search import parallel
from checker.search.parallel import parallel_search


def _after(model, w, *actions):
    for a in actions:
        w = model.step(w, a)
        assert w is not None, a
    return w


def test_only_the_oldest_message_on_a_link_is_delivered_and_none_is_dropped_or_copied():
    """Two vote requests on one link (node 1 times out twice): only the first can be delivered;
    drop and duplicate are never offered, and disabled if asked for."""
    config = evolve(REFERENCE["fifo-tiny"], bounds=evolve(REFERENCE["fifo-tiny"].bounds, max_in_flight=4))
    model = model_for(config)
    w = _after(model, model.initial(), Tick(1), Tick(1))
    to_2 = [m for m in w.network if m.dest == 2]
    offered = [a for a in model.actions(w) if not isinstance(a, (Tick, Cut)) and hasattr(a, "message")]

    assert [1, 2] == [m.term for m in to_2]
    assert {Deliver(to_2[0]), Deliver([m for m in w.network if m.dest == 3][0])} == set(offered)
    assert None is model.step(w, Deliver(to_2[1]))
    assert None is model.step(w, Drop(to_2[0])) and None is model.step(w, Duplicate(to_2[0]))


def test_cutting_a_node_off_loses_what_is_queued_on_its_links():
    """A link breaks when its end is cut off: the vote request queued for node 2 is lost, the one
    for node 3 stays."""
    model = model_for(REFERENCE["fifo-tiny"])
    w = _after(model, model.initial(), Tick(1), Cut(2))

    assert [(1, 3)] == [(m.source, m.dest) for m in w.network]


def test_fifo_rules_out_the_reordering_a_bug_needs():
    """truncate-always breaks committed entries only when an old append-entries arrives late: found
    on the async network, and not on ordered links with the same bounds, searched to exhaustion."""
    config = get_variant("truncate-always").config

    reordered = explore(config)
    ordered = explore(evolve(config, network=FIFO))

    assert "committed_entries_stable" == reordered.violation.invariant
    assert (None, True) == (ordered.violation, ordered.exhaustive)


def test_front_sends_fifo_to_the_fast_engine_with_symmetry_on(monkeypatch):
    """explore(engine="fast", workers=2) on fifo runs the fast engine on two workers, with symmetry
    reduction on by default (sound there: tests/test_engine.py), and without it finds the plain
    search's counts."""
    config = evolve(REFERENCE["fifo-tiny"], bounds=evolve(REFERENCE["fifo-tiny"].bounds, max_depth=7))
    calls = []
    real = parallel.parallel_search

    def spy(model, workers, on_progress=None, progress_every=1.0, symmetry=False, **kw):
        calls.append((model.config.network, workers, symmetry))
        return real(model, workers, on_progress, progress_every, symmetry, **kw)

    monkeypatch.setattr(parallel, "parallel_search", spy)
    reduced = explore(config, engine="fast", workers=2)
    fast = explore(config, engine="fast", workers=2, symmetry=False)
    plain = explore(config, engine="plain")

    assert [(FIFO, 2, True), (FIFO, 2, False)] == calls
    assert (True, False) == (reduced.symmetry, fast.symmetry)
    assert (fast.distinct, fast.states, fast.depth, fast.reached) == (plain.distinct, plain.states, plain.depth, plain.reached)
    assert reduced.distinct < plain.distinct and reduced.depth == plain.depth


@pytest.mark.parametrize("native", [True, False], ids=["c-loop", "python-loop"])
@pytest.mark.parametrize("workers", [1, 2, 3])
def test_parallel_search_on_fifo_finds_what_the_plain_search_finds(workers, native):
    """The fast engine's fifo worlds (Encoded and _native.c), asked directly: the same distinct
    worlds, transitions, depth and sometimes-depths as the plain search on fifo-tiny to depth 7,
    on 1, 2 and 3 workers, with and without the C loop."""
    config = evolve(REFERENCE["fifo-tiny"], bounds=evolve(REFERENCE["fifo-tiny"].bounds, max_depth=7))
    plain = explore(config, engine="plain")

    fast = parallel_search(model_for(config), workers, native=native)

    assert (fast.violation, fast.distinct, fast.states, fast.depth, fast.reached) == (
        None, plain.distinct, plain.states, plain.depth, plain.reached)


@pytest.mark.parametrize("native", [True, False], ids=["c-loop", "python-loop"])
@pytest.mark.parametrize("workers", [1, 2])
def test_parallel_search_on_fifo_breaks_at_the_plain_search_depth(workers, native):
    """A known bug on the fifo network: the fast engine reports the plain search's invariant at
    the plain search's depth, and its counterexample replays to that invariant."""
    config = evolve(REFERENCE["fifo-tiny"], variant="restart-forgets-vote")
    config = evolve(config, bounds=evolve(config.bounds, max_crashed=1))
    plain = explore(config, engine="plain")
    assert plain.violation is not None

    fast = parallel_search(model_for(config), workers, native=native)

    assert (fast.violation.invariant, len(fast.trace)) == (plain.violation.invariant, len(plain.trace))
    model, w = model_for(config), None
    w = model.initial()
    broken = None
    for a in fast.trace:
        after = model.step(w, a)
        broken = broken or model.check_step(w, a, after) or model.check_world(after)
        w = after
    assert broken is not None and broken.invariant == plain.violation.invariant


def test_fifo_tiny_to_depth_10_count_pinned():
    """The fifo reference configuration, correct Raft, to depth 10: clean, with a pinned count of
    worlds and of classes up to node names (the whole space is pinned by the slow test below)."""
    config = REFERENCE["fifo-tiny"]
    result = explore(evolve(config, bounds=evolve(config.bounds, max_depth=10)), symmetry=False)
    reduced = explore(evolve(config, bounds=evolve(config.bounds, max_depth=10)))

    assert (None, False) == (result.violation, result.exhaustive)
    assert (11745, 31491) == (result.distinct, result.states)
    assert (None, 2002) == (reduced.violation, reduced.distinct)


@pytest.mark.slow
def test_fifo_tiny_reference_configuration_clean_and_pinned():
    """Correct Raft on ordered links (two terms, one request, one node cut off at a time) is clean,
    exhaustively: 155,943 distinct worlds, against 83,217 on async-tiny, which has no cut-offs;
    26,071 classes of worlds equal up to node names."""
    result = explore(REFERENCE["fifo-tiny"], symmetry=False)
    reduced = explore(REFERENCE["fifo-tiny"])

    assert (None, True) == (result.violation, result.exhaustive)
    assert (155943, 572829, 30) == (result.distinct, result.states, result.depth)
    assert (None, True, 26071, 95813, 30) == (reduced.violation, reduced.exhaustive, reduced.distinct, reduced.states, reduced.depth)


def test_explore_on_fifo_says_it_runs_the_fast_engine_with_the_plain_counts(tmp_path, capsys):
    """`explore --network fifo` names the fast engine and its C loop, with symmetry reduction on
    by default; with `--symmetry off` it reports the counts `--engine plain` reports."""
    import json

    from checker.cli.main import main

    args = ["explore", "--config", "fifo-tiny", "--max-depth", "6", "--quiet", "--json", "--corpus", str(tmp_path)]
    auto = main(args)
    reduced = capsys.readouterr()
    code = main([*args, "--workers", "2", "--symmetry", "off"])
    fast = capsys.readouterr()
    plain_code = main([*args, "--engine", "plain"])
    plain = capsys.readouterr()

    assert (0, 0, 0) == (auto, code, plain_code)
    assert "engine: fast (C loop)" in reduced.err and "symmetry reduction on" in reduced.err
    assert "engine: fast (C loop), 2 workers, symmetry reduction off" in fast.err
    assert "engine: plain," in plain.err
    keep = ("result", "states", "distinct", "depth", "exhaustive", "reached")
    a, b = json.loads(fast.out.splitlines()[-1]), json.loads(plain.out.splitlines()[-1])
    assert {k: b[k] for k in keep} == {k: a[k] for k in keep}
    assert a["distinct"] > json.loads(reduced.out.splitlines()[-1])["distinct"] > 100
