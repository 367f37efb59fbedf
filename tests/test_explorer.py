"""The breadth-first explorer: on toy models with known answers, then on Raft itself."""

from __future__ import annotations

import pytest
from attrs import evolve

from checker.front import explore
from checker.model.config import REFERENCE
from checker.model.outcome import Violation
from checker.search.bfs import search


class Grid:
    """Two counters, each 0..size-1; an action bumps one of them. (size)**2 states."""

    def __init__(self, size: int = 3) -> None:
        self.size = size

    def initial(self):
        return (0, 0)

    def actions(self, state):
        return ("a", "b")

    def step(self, state, action):
        a, b = state
        if action == "a":
            return (a + 1, b) if a + 1 < self.size else None
        return (a, b + 1) if b + 1 < self.size else None


def _never(*args):
    return None


def test_grid_counts_pinned():
    """A 3x3 grid has 9 distinct states and 12 transitions, and the search says it was exhaustive."""
    result = search(Grid(3), _never, _never)

    assert (9, 12, 4, True, None) == (result.distinct, result.states, result.depth, result.exhaustive, result.violation)


def test_grid_visit_order_is_breadth_first_and_deterministic():
    """States are checked level by level, each level in the order its states were discovered."""
    seen = []

    def record(state):
        seen.append(state)
        return None

    search(Grid(3), record, _never)

    assert [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2), (2, 1), (1, 2), (2, 2)] == seen


def test_state_violation_gives_a_shortest_trace():
    """The first violation found is at the smallest depth, with the actions that lead to it."""

    def sum_below_three(state):
        return Violation("sum_below_three", f"{state}") if sum(state) >= 3 else None

    result = search(Grid(4), sum_below_three, _never)

    assert ("sum_below_three", ("a", "a", "a"), 3) == (result.violation.invariant, result.trace, result.depth)
    assert not result.exhaustive


def test_transition_violation_is_caught_even_into_a_seen_state():
    """A bad step into a state already visited is still reported: steps are checked, not only new states."""

    class Ring:
        def initial(self):
            return 0

        def actions(self, state):
            return ("next",)

        def step(self, state, action):
            return (state + 1) % 3

    def no_wrap(before, action, after):
        return Violation("no_wrap", "wrapped") if after < before else None

    result = search(Ring(), _never, no_wrap)

    assert ("no_wrap", ("next", "next", "next")) == (result.violation.invariant, result.trace)


def test_depth_bound_makes_search_not_exhaustive():
    """A search cut short by its depth bound says so."""
    result = search(Grid(5), _never, _never, max_depth=2)

    assert (6, 2, False) == (result.distinct, result.depth, result.exhaustive)


def test_sometimes_properties_report_first_depth():
    """A sometimes property is reported with the depth at which it first held; one never reached is absent."""
    result = search(Grid(3), _never, _never, [("corner", lambda s: s == (2, 2)), ("never", lambda s: False)])

    assert {"corner": 4} == result.reached


def test_interrupt_returns_partial_result():
    """Ctrl-C during a search ends it with the summary so far, marked interrupted and not exhaustive."""

    class Interrupting(Grid):
        def step(self, state, action):
            if state == (1, 1):
                raise KeyboardInterrupt
            return super().step(state, action)

    result = search(Interrupting(3), _never, _never)

    assert (True, False, None) == (result.interrupted, result.exhaustive, result.violation)
    assert result.distinct >= 5


# --- Raft ---------------------------------------------------------------------------------


def test_tiny_raft_state_count_pinned():
    """The tiny reference configuration: correct Raft is clean, exhaustively, with a pinned state count.
    A change to this count is a change to the model and must be explained."""
    result = explore(REFERENCE["tiny"])

    assert (None, True) == (result.violation, result.exhaustive)
    assert (9312, 28428, 17) == (result.distinct, result.states, result.depth)
    assert {"leader_elected", "entry_committed", "later_leader_elected"} == set(result.reached)


def test_async_tiny_raft_state_count_pinned():
    """Messages reordered, lost and duplicated: correct Raft is clean, exhaustively, with a pinned count
    of worlds and, by default, of classes of worlds equal up to node names (symmetry reduction)."""
    every = explore(REFERENCE["async-tiny"], symmetry=False)
    classes = explore(REFERENCE["async-tiny"])

    assert (None, True) == (every.violation, every.exhaustive)
    assert (83217, 245625, 32) == (every.distinct, every.states, every.depth)
    assert (None, True, True) == (classes.violation, classes.exhaustive, classes.symmetry)
    assert (13909, 41054, 32) == (classes.distinct, classes.states, classes.depth)
    assert every.reached == classes.reached


def test_crash_restart_raft_clean():
    """With one node allowed down at a time (restart keeps term, vote and log), correct Raft stays clean."""
    config = REFERENCE["tiny"]
    result = explore(evolve(config, bounds=evolve(config.bounds, max_requests=1, max_crashed=1, max_cut=0)))

    assert (None, True) == (result.violation, result.exhaustive)


def test_figure8_found_and_default_clean_to_the_same_depth():
    """§5.4.2, Figure 8: committing an earlier-term entry by counting replicas lets a later leader lack a
    committed entry; the explorer finds it in 10 steps, and correct Raft is clean to that depth on the same bounds."""
    config = evolve(REFERENCE["four-terms"], variant="figure8")

    found = explore(config)
    assert ("leader_completeness", 10) == (found.violation.invariant, len(found.trace))

    clean = explore(evolve(config, variant="default", bounds=evolve(config.bounds, max_depth=10)))
    assert (None, 10) == (clean.violation, clean.depth)


@pytest.mark.slow
def test_small_reference_configuration_clean_and_pinned():
    """Correct Raft on the small configuration (three terms, two requests) is clean, exhaustively."""
    result = explore(REFERENCE["small"])

    assert (None, True) == (result.violation, result.exhaustive)
    assert (372884, 1200854) == (result.distinct, result.states)


@pytest.mark.slow
def test_default_reference_configuration_clean_and_pinned():
    """The README's main job: correct Raft on the default configuration (three terms, three requests)
    is clean, exhaustively, over more than a million distinct worlds."""
    result = explore(REFERENCE["default"], workers=2)

    assert (None, True) == (result.violation, result.exhaustive)
    assert (1384784, 4494436) == (result.distinct, result.states)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2])
def test_async_reference_configuration_clean_and_pinned(workers):
    """The benchmark's asynchronous job: correct Raft with messages reordered, lost and duplicated,
    on default's terms and requests, is clean, exhaustively, over more than a million classes of
    worlds equal up to node names."""
    result = explore(REFERENCE["async"], workers=workers)

    assert (None, True, True) == (result.violation, result.exhaustive, result.symmetry)
    assert (4320196, 13405226, 56) == (result.distinct, result.states, result.depth)
    assert {"leader_elected", "entry_committed", "later_leader_elected"} == set(result.reached)


@pytest.mark.slow
def test_default_core_clean_exhaustively_on_four_terms_bounds():
    """Correct Raft comes out clean on the very bounds where figure8 breaks, searched to exhaustion."""
    result = explore(REFERENCE["four-terms"])

    assert (None, True) == (result.violation, result.exhaustive)
    assert (2602672, 8580352) == (result.distinct, result.states)
