"""The fifo network of the native model: ordered links, as TCP gives (#15, point 2).

Only the oldest message on a link can be delivered, nothing is dropped or duplicated, and what
is queued on a node's links is lost when it is cut off or crashes. The fast engine does not
model it: the front door falls back to the plain search there, which finds the same worlds.
"""

from __future__ import annotations

import pytest
from attrs import evolve

from checker.front import explore, model_for
from checker.model.actions import Cut, Deliver, Drop, Duplicate, Tick
from checker.model.config import FIFO, REFERENCE
from checker.model.variants import get_variant
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


def test_the_fast_engine_falls_back_to_the_plain_search_on_fifo_and_refuses_it_directly():
    """explore(engine="fast", workers=2) on fifo gives the plain search's counts; the parallel
    engine asked directly refuses the fifo model rather than searching it as a bag."""
    config = evolve(REFERENCE["fifo-tiny"], bounds=evolve(REFERENCE["fifo-tiny"].bounds, max_depth=7))

    fast = explore(config, engine="fast", workers=2)
    plain = explore(config, engine="plain")

    assert (fast.distinct, fast.states, fast.reached) == (plain.distinct, plain.states, plain.reached)
    with pytest.raises(ValueError, match="fifo"):
        parallel_search(model_for(config), 1)
    with pytest.raises(ValueError, match="fifo"):
        explore(config, symmetry=True)


def test_fifo_tiny_to_depth_10_count_pinned():
    """The fifo reference configuration, correct Raft, to depth 10: clean, with a pinned count
    (the whole space is pinned by the slow test below)."""
    config = REFERENCE["fifo-tiny"]
    result = explore(evolve(config, bounds=evolve(config.bounds, max_depth=10)))

    assert (None, False) == (result.violation, result.exhaustive)
    assert (11745, 31491) == (result.distinct, result.states)


@pytest.mark.slow
def test_fifo_tiny_reference_configuration_clean_and_pinned():
    """Correct Raft on ordered links (two terms, one request, one node cut off at a time) is clean,
    exhaustively: 155,943 distinct worlds, against 83,217 on async-tiny, which has no cut-offs."""
    result = explore(REFERENCE["fifo-tiny"])

    assert (None, True) == (result.violation, result.exhaustive)
    assert (155943, 572829, 30) == (result.distinct, result.states, result.depth)
