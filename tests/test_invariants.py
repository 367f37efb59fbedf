"""Tests for the invariant registry: each safety property fails on a hand-built bad world (or a
bad step) and holds on a good one, and its message names what is wrong.

Worlds are built directly as ``World`` values, ghost state included, so that each test shows
one situation, whether or not the protocol could reach it; a short real run checks that a
correct cluster breaks none of them.
"""

from __future__ import annotations

import pytest
from attrs import evolve

from checker.model.actions import ClientRequest, Cut, Heal, Restart, Tick
from checker.model.config import Config
from checker.model.invariants import (
    ALWAYS,
    REGISTRY,
    SOMETIMES,
    TRANSITION,
    by_name,
    check_step,
    check_world,
    committed_entries_stable,
    leader_completeness,
    vote_safety,
)
from checker.model.native import Model
from checker.model.world import World
from raft import SENTINEL, LogEntry, NodeState, Role
from raft.rules import CORRECT

# --- Helpers ------------------------------------------------------------------------------

IDS = (1, 2, 3)


def entry(term: int, index: int) -> LogEntry:
    """An entry whose command names where it came from, so that conflicting entries differ."""
    return LogEntry(term=term, index=index, command=f"t{term}i{index}")


def log_of(*terms: int) -> tuple[LogEntry, ...]:
    """The sentinel, then one entry per term given, at indexes 1, 2, ..."""
    return (SENTINEL,) + tuple(entry(term, index) for index, term in enumerate(terms, start=1))


def node(node_id: int, term: int = 1, log=log_of(), role: Role = Role.FOLLOWER, **fields) -> NodeState:
    """A node of the 3-node cluster; its peers are the other two."""
    peers = tuple(p for p in IDS if p != node_id)
    return NodeState(id=node_id, peers=peers, current_term=term, log=log, role=role, **fields)


def leader(node_id: int, term: int, log=log_of(), **fields) -> NodeState:
    """A leader that voted for itself, with nextIndex just past its log (§5.3)."""
    following = (len(log),) * 2
    return node(node_id, term, log, Role.LEADER, voted_for=node_id, next_index=following, match_index=(0, 0), **fields)


def world(*nodes: NodeState, **ghost) -> World:
    """A 3-node world: the nodes given, and a follower of term 1 with an empty log for every
    other id; ``ghost`` sets elections, committed and commit_terms."""
    given = {n.id: n for n in nodes}
    return World(nodes=tuple(given.get(i, node(i)) for i in IDS), **ghost)


def committed(*entries: LogEntry, terms: tuple[int, ...]) -> dict:
    """Ghost state saying ``entries`` (from index 1 on) were committed in ``terms``."""
    return {"committed": entries, "commit_terms": terms}


def missing(fragments: tuple[str, ...], message: str | None) -> list[str]:
    """The fragments that the message fails to mention (all of them when there is none)."""
    return [f for f in fragments if message is None or f not in message]


SAFETY_NAMES = {i.name for i in REGISTRY if i.kind in (ALWAYS, TRANSITION)}

# --- Bad and good worlds for every ``always`` invariant -------------------------------------

# (invariant, bad world, fragments its message must contain)
BAD_WORLDS = [
    pytest.param(
        "election_safety",
        world(elections=frozenset({(1, 1), (2, 1), (2, 3)})),
        ("nodes 1 and 3", "term 2"),
        id="election_safety-two-leaders-of-term-2",
    ),
    pytest.param(
        "log_matching",
        world(node(1, 3, log_of(1, 3)), node(2, 3, log_of(2, 3))),
        ("nodes 1 and 2", "term 3 at index 2", "differ at index 1"),
        id="log_matching-same-entry-term-different-prefix",
    ),
    pytest.param(
        "log_matching",
        world(node(1, 2, log_of(1)), node(3, 2, (SENTINEL, LogEntry(1, 1, "other")))),
        ("nodes 1 and 3", "term 1 at index 1", "differ at index 1"),
        id="log_matching-same-index-and-term-different-command",
    ),
    pytest.param(
        "leader_completeness",
        world(
            node(1, 2, log_of(1), commit_index=1, last_applied=1),
            node(2, 2, log_of(1), commit_index=1, last_applied=1),
            leader(3, 2),
            **committed(entry(1, 1), terms=(1,)),
        ),
        ("node 3", "term 2", "index 1", "committed in term 1", "holds nothing"),
        id="leader_completeness-later-leader-lacks-entry",
    ),
    pytest.param(
        "leader_completeness",
        world(
            node(1, 2, log_of(1), commit_index=1, last_applied=1),
            leader(3, 2, log_of(2)),
            **committed(entry(1, 1), terms=(1,)),
        ),
        ("node 3", "term 2", "index 1", "holds 2:t2i1"),
        id="leader_completeness-later-leader-holds-other-entry",
    ),
    pytest.param(
        "state_machine_safety",
        world(
            node(1, 2, log_of(1), commit_index=1, last_applied=1),
            node(2, 2, log_of(2), commit_index=1, last_applied=1),
            **committed(entry(1, 1), terms=(1,)),
        ),
        ("node 2", "index 1", "2:t2i1", "1:t1i1"),
        id="state_machine_safety-two-entries-committed-at-index-1",
    ),
    pytest.param(
        "commit_index_in_log",
        world(node(2, 1, log_of(1), commit_index=2, last_applied=2)),
        ("node 2", "commitIndex 2", "index 1"),
        id="commit_index_in_log-commit-past-log-end",
    ),
    pytest.param(
        "commit_index_in_log",
        world(node(3, 1, log_of(1), commit_index=0, last_applied=1)),
        ("node 3", "lastApplied 1", "commitIndex 0"),
        id="commit_index_in_log-applied-past-commit",
    ),
    pytest.param(
        "log_well_formed",
        world(node(2, 1, (LogEntry(1, 1, "x"),))),
        ("node 2", "sentinel", "index 0"),
        id="log_well_formed-lost-sentinel",
    ),
    pytest.param(
        "log_well_formed",
        world(node(2, 1, (SENTINEL, LogEntry(1, 2, "x")))),
        ("node 2", "numbered 2", "position 1"),
        id="log_well_formed-misnumbered-entry",
    ),
    pytest.param(
        "log_well_formed",
        world(node(3, 2, log_of(2, 1))),
        ("node 3", "term 1 at index 2", "after term 2"),
        id="log_well_formed-term-decreases",
    ),
    pytest.param(
        "next_index_above_match",
        world(evolve(leader(1, 2, log_of(1, 2)), next_index=(2, 3), match_index=(2, 0))),
        ("node 1", "term 2", "nextIndex 2", "node 2", "matchIndex 2"),
        id="next_index_above_match-next-not-above-match",
    ),
    pytest.param(
        "committed_on_majority",
        world(
            node(1, 2, log_of(1), commit_index=1, last_applied=1),
            node(2, 2, log_of()),
            node(3, 2, log_of(2)),
            **committed(entry(1, 1), terms=(1,)),
        ),
        ("entry 1:t1i1", "index 1", "held by 1 of 3 nodes", "nodes 1"),
        id="committed_on_majority-held-by-one-of-three",
    ),
]

# (invariant, good world); each is wholly consistent, so no other invariant fails on it either.
GOOD_WORLDS = [
    pytest.param(
        "election_safety",
        world(node(1, 2), leader(3, 2), elections=frozenset({(1, 1), (2, 3)})),
        id="election_safety-one-leader-per-term",
    ),
    pytest.param(
        "log_matching",
        world(node(1, 3, log_of(1, 3)), node(2, 3, log_of(1, 3)), node(3, 3, log_of(1, 2))),
        id="log_matching-logs-diverge-after-matching-prefix",
    ),
    pytest.param(
        "leader_completeness",
        world(
            node(1, 2, log_of(1), commit_index=1, last_applied=1),
            node(2, 2, log_of(1), commit_index=1, last_applied=1),
            leader(3, 2, log_of(1, 2)),
            **committed(entry(1, 1), terms=(1,)),
        ),
        id="leader_completeness-later-leader-holds-entry",
    ),
    pytest.param(
        "state_machine_safety",
        world(
            node(1, 2, log_of(1), commit_index=1, last_applied=1),
            node(2, 2, log_of(1, 2), commit_index=1, last_applied=1),
            node(3, 2, log_of(1, 1)),
            **committed(entry(1, 1), terms=(1,)),
        ),
        id="state_machine_safety-same-entry-committed-everywhere",
    ),
    pytest.param(
        "state_machine_safety",
        world(
            node(1, 2, log_of(1), commit_index=1, last_applied=1),
            node(2, 2, log_of(1), commit_index=1, last_applied=1),
            node(3, 2, log_of(2)),
            **committed(entry(1, 1), terms=(1,)),
        ),
        id="state_machine_safety-conflicting-entry-not-committed",
    ),
    pytest.param(
        "commit_index_in_log",
        world(node(2, 1, log_of(1, 1), commit_index=2, last_applied=1), **committed(entry(1, 1), entry(1, 2), terms=(1, 1))),
        id="commit_index_in_log-commit-at-log-end",
    ),
    pytest.param(
        "log_well_formed",
        world(node(2, 3, log_of(1, 1, 3))),
        id="log_well_formed-terms-never-decrease",
    ),
    pytest.param(
        "next_index_above_match",
        world(evolve(leader(1, 2, log_of(1, 2)), next_index=(3, 1), match_index=(2, 0))),
        id="next_index_above_match-next-above-match",
    ),
    pytest.param(
        "committed_on_majority",
        world(
            node(1, 2, log_of(1), commit_index=1, last_applied=1),
            node(2, 2, log_of(1)),
            node(3, 2, log_of(2)),
            **committed(entry(1, 1), terms=(1,)),
        ),
        id="committed_on_majority-held-by-two-of-three",
    ),
]


@pytest.mark.parametrize(("name", "bad", "fragments"), BAD_WORLDS)
def test_always_invariant_fails_on_bad_world(name, bad, fragments):
    """Each ``always`` invariant reports a world that breaks it (Figure 3), naming the nodes,
    index and term involved."""
    message = by_name(name).check(bad)

    assert message is not None
    assert [] == missing(fragments, message), message


@pytest.mark.parametrize(("name", "good"), GOOD_WORLDS)
def test_always_invariant_holds_on_good_world(name, good):
    """Each ``always`` invariant holds on a world that respects it, and so does every other."""
    assert None is by_name(name).check(good)
    assert None is check_world(good)


# --- Bad and good steps for every ``transition`` invariant ----------------------------------

# The step in which a node restarts: the real transition, from a world where node 2 knew index 1 committed.
CRASHED = world(
    leader(1, 1, log_of(1), commit_index=1, last_applied=1),
    node(2, 1, log_of(1), voted_for=1, commit_index=1, last_applied=1),
    crashed=frozenset({2}),
    elections=frozenset({(1, 1)}),
    **committed(entry(1, 1), terms=(1,)),
)
RESTARTED = Model(Config(), CORRECT).step(CRASHED, Restart(2))

# (invariant, before, action, after, fragments its message must contain)
BAD_STEPS = [
    pytest.param(
        "vote_safety",
        world(node(2, 2, voted_for=1)),
        Tick(3),
        world(node(2, 2, voted_for=3)),
        ("node 2", "voted for 1", "term 2", "became 3"),
        id="vote_safety-vote-changes-within-term",
    ),
    pytest.param(
        "vote_safety",
        world(node(3, 2, voted_for=3)),
        Tick(1),
        world(node(3, 2, voted_for=None)),
        ("node 3", "voted for 3", "term 2", "became None"),
        id="vote_safety-vote-withdrawn-within-term",
    ),
    pytest.param(
        "leader_append_only",
        world(leader(1, 2, log_of(1, 2))),
        Tick(1),
        world(leader(1, 2, log_of(1))),
        ("node 1", "term 2"),
        id="leader_append_only-leader-deletes-entry",
    ),
    pytest.param(
        "leader_append_only",
        world(leader(1, 2, log_of(1, 2))),
        Tick(1),
        world(leader(1, 2, log_of(1, 1))),
        ("node 1", "term 2"),
        id="leader_append_only-leader-overwrites-entry",
    ),
    pytest.param(
        "match_index_monotonic",
        world(evolve(leader(1, 2, log_of(2, 2)), match_index=(2, 1))),
        Tick(1),
        world(evolve(leader(1, 2, log_of(2, 2)), match_index=(1, 1))),
        ("node 1", "term 2", "node 2", "from 2 to 1"),
        id="match_index_monotonic-late-reply-moves-it-back",
    ),
    pytest.param(
        "committed_entries_stable",
        world(node(2, 2, log_of(1), commit_index=1, last_applied=1)),
        Tick(1),
        world(node(2, 2, log_of(2), commit_index=1, last_applied=1)),
        ("node 2", "index 1"),
        id="committed_entries_stable-committed-entry-replaced",
    ),
    pytest.param(
        "committed_entries_stable",
        world(node(2, 2, log_of(1, 2), commit_index=2, last_applied=2)),
        Tick(1),
        world(node(2, 2, log_of(1, 2), commit_index=1, last_applied=1)),
        ("node 2", "from 2 to 1"),
        id="committed_entries_stable-commit-index-goes-back",
    ),
    pytest.param(
        "terms_monotonic",
        world(node(3, 3)),
        Tick(3),
        world(node(3, 2)),
        ("node 3", "from 3 to 2"),
        id="terms_monotonic-term-goes-back",
    ),
    pytest.param(
        "leader_commits_current_term",
        world(leader(1, 2, log_of(1))),
        Tick(1),
        world(leader(1, 2, log_of(1), commit_index=1, last_applied=1)),
        ("node 1", "term 2", "from 0 to 1", "entry of term 1"),
        id="leader_commits_current_term-earlier-term-entry-by-counting",
    ),
]

# (invariant, before, action, after)
GOOD_STEPS = [
    pytest.param(
        "vote_safety",
        world(node(2, 2)),
        Tick(1),
        world(node(2, 2, voted_for=1)),
        id="vote_safety-first-vote-of-term",
    ),
    pytest.param(
        "leader_append_only",
        world(leader(1, 2, log_of(1, 2))),
        ClientRequest(1),
        world(leader(1, 2, log_of(1, 2, 2))),
        id="leader_append_only-leader-appends",
    ),
    pytest.param(
        "leader_append_only",
        world(leader(1, 2, log_of(1, 2))),
        Tick(3),
        world(node(1, 3, log_of(1, 3))),
        id="leader_append_only-deposed-leader-truncates",
    ),
    pytest.param(
        "match_index_monotonic",
        world(evolve(leader(1, 2, log_of(2, 2)), match_index=(1, 0))),
        Tick(1),
        world(evolve(leader(1, 2, log_of(2, 2)), match_index=(2, 0))),
        id="match_index_monotonic-reply-moves-it-forward",
    ),
    pytest.param(
        "match_index_monotonic",
        world(evolve(leader(1, 2, log_of(2, 2)), match_index=(2, 2))),
        Tick(2),
        world(evolve(leader(1, 3, log_of(2, 2)), match_index=(0, 0))),
        id="match_index_monotonic-new-term-starts-from-zero",
    ),
    pytest.param(
        "committed_entries_stable",
        world(node(2, 2, log_of(1, 1), commit_index=1, last_applied=1)),
        Tick(1),
        world(node(2, 2, log_of(1, 2), commit_index=2, last_applied=2)),
        id="committed_entries_stable-uncommitted-suffix-replaced-and-commit-advances",
    ),
    pytest.param(
        "terms_monotonic",
        world(node(3, 2)),
        Tick(3),
        world(node(3, 3)),
        id="terms_monotonic-term-advances",
    ),
    pytest.param("terms_monotonic", CRASHED, Restart(2), RESTARTED, id="terms_monotonic-restart-keeps-term"),
    pytest.param(
        "leader_commits_current_term",
        world(leader(1, 2, log_of(1, 2))),
        Tick(1),
        world(leader(1, 2, log_of(1, 2), commit_index=2, last_applied=2)),
        id="leader_commits_current_term-own-term-entry-commits-the-earlier-one-too",
    ),
]


@pytest.mark.parametrize(("name", "before", "action", "after", "fragments"), BAD_STEPS)
def test_transition_invariant_fails_on_bad_step(name, before, action, after, fragments):
    """Each ``transition`` invariant reports a step that breaks it (§5.1-§5.4, Figure 2),
    naming the node and what changed."""
    message = by_name(name).check(before, action, after)

    assert message is not None
    assert [] == missing(fragments, message), message


@pytest.mark.parametrize(("name", "before", "action", "after"), GOOD_STEPS)
def test_transition_invariant_holds_on_good_step(name, before, action, after):
    """Each ``transition`` invariant holds on a step that respects it, and so does every other."""
    assert None is by_name(name).check(before, action, after)
    assert None is check_step(before, action, after)


def test_every_safety_invariant_has_a_failing_and_a_passing_case():
    """Every registered ``always`` and ``transition`` invariant is shown failing and holding
    here, so that an invariant added without tests fails this test."""
    failing = {p.values[0] for p in BAD_WORLDS + BAD_STEPS}
    passing = {p.values[0] for p in GOOD_WORLDS + GOOD_STEPS}

    assert SAFETY_NAMES == failing
    assert SAFETY_NAMES == passing
    assert {
        "election_safety",
        "log_matching",
        "leader_completeness",
        "state_machine_safety",
        "commit_index_in_log",
        "log_well_formed",
        "vote_safety",
        "leader_append_only",
        "committed_entries_stable",
        "terms_monotonic",
    } <= SAFETY_NAMES


# --- The cases where the history in the ghost state matters ---------------------------------


@pytest.mark.parametrize(
    ("leader_term", "commit_term", "violated"),
    [
        pytest.param(1, 2, False, id="stale-leader-of-earlier-term"),
        pytest.param(2, 2, False, id="leader-of-the-commit-term"),
        pytest.param(3, 2, True, id="leader-of-later-term"),
        pytest.param(3, 3, False, id="same-leader-when-committed-in-its-term"),
    ],
)
def test_leader_completeness_only_binds_leaders_of_later_terms(leader_term, commit_term, violated):
    """§5.4: an entry committed in term T must be in the log of every leader of a term after
    T; a stale leader of an earlier term may lack it, so the commit term decides."""
    w = world(
        leader(1, leader_term),
        node(2, 3, log_of(2), commit_index=1, last_applied=1),
        node(3, 3, log_of(2), commit_index=1, last_applied=1),
        **committed(entry(2, 1), terms=(commit_term,)),
    )

    message = leader_completeness(w)

    assert violated == (message is not None)
    if violated:
        assert [] == missing(("node 1", f"term {leader_term}", "index 1", f"committed in term {commit_term}"), message)


def test_committed_entries_stable_lets_only_a_restart_lower_commit_index():
    """Figure 2: commitIndex is volatile, so a restart may lower it (and the real restart
    step does), but the same change under any other action is a violation."""
    assert (1, 0) == (CRASHED.node(2).commit_index, RESTARTED.node(2).commit_index)

    assert None is committed_entries_stable(CRASHED, Restart(2), RESTARTED)
    assert None is check_step(CRASHED, Restart(2), RESTARTED)
    for other in (Tick(2), Restart(3), Heal(2)):
        message = committed_entries_stable(CRASHED, other, RESTARTED)
        assert [] == missing(("node 2", "from 1 to 0"), message), other


def test_committed_entries_stable_forbids_a_restart_to_change_the_log():
    """Figure 2: the log is on stable storage, so even a restart keeps committed entries."""
    after = evolve(RESTARTED, nodes=(RESTARTED.node(1), evolve(RESTARTED.node(2), log=log_of(2)), RESTARTED.node(3)))

    message = committed_entries_stable(CRASHED, Restart(2), after)

    assert [] == missing(("node 2", "index 1"), message)


def test_vote_safety_allows_a_new_vote_only_with_a_new_term():
    """§5.2: a vote stands for the rest of its term; the vote reset that comes with a term
    change, and a vote in the new term, are not a second vote."""
    before = world(node(2, 2, voted_for=1))
    same_term = world(node(2, 2, voted_for=3))
    reset = world(node(2, 3, voted_for=None))
    new_vote = world(node(2, 3, voted_for=3))

    assert [] == missing(("node 2", "term 2"), vote_safety(before, Tick(3), same_term))
    assert None is vote_safety(before, Tick(3), reset)
    assert None is vote_safety(before, Tick(3), new_vote)
    assert None is vote_safety(before, Tick(3), before)


# --- Sometimes properties -----------------------------------------------------------------

SOMETIMES_NAMES = ("leader_elected", "entry_committed", "later_leader_elected")
#: A client's request (the checker's commands are request numbers), committed in test worlds.
REQUEST = LogEntry(term=1, index=1, command=1)


def test_sometimes_properties_are_false_initially():
    """No leader, no committed entry and no later-term leader in the initial world, so a search
    that never leaves it is reported as having got nowhere."""
    initial = Model(Config(), CORRECT).initial()

    assert set(SOMETIMES_NAMES) == {i.name for i in REGISTRY if i.kind == SOMETIMES}
    assert {name: False for name in SOMETIMES_NAMES} == {name: by_name(name).check(initial) for name in SOMETIMES_NAMES}


@pytest.mark.parametrize(
    ("name", "w", "expected"),
    [
        pytest.param("leader_elected", world(leader(1, 1), elections=frozenset({(1, 1)})), True, id="leader_elected"),
        pytest.param(
            "entry_committed",
            world(
                leader(1, 1, (SENTINEL, REQUEST), commit_index=1, last_applied=1), **committed(REQUEST, terms=(1,))
            ),
            True,
            id="entry_committed",
        ),
        pytest.param(
            "entry_committed",
            world(leader(1, 1, log_of(1), commit_index=1, last_applied=1), **committed(entry(1, 1), terms=(1,))),
            False,
            id="entry_committed-not-by-an-entry-the-implementation-made",
        ),
        pytest.param(
            "later_leader_elected",
            world(leader(3, 2), elections=frozenset({(1, 1), (2, 3)})),
            True,
            id="later_leader_elected",
        ),
        pytest.param(
            "later_leader_elected",
            world(leader(1, 1), elections=frozenset({(1, 1)})),
            False,
            id="later_leader_elected-not-by-first-term-leader",
        ),
    ],
)
def test_sometimes_property_reached(name, w, expected):
    """Each ``sometimes`` property is true on a world built to reach it (and a first-term
    leader is not a later one)."""
    assert expected == by_name(name).check(w)


# --- A real run ---------------------------------------------------------------------------

RUN = (Tick(1), ClientRequest(1), Tick(1), Tick(1), Cut(1), Tick(2), Tick(2), Heal(1), Tick(2))


def test_correct_raft_breaks_no_invariant_on_a_short_run():
    """§5.2-§5.4: a correct cluster elects a leader, commits an entry, loses the leader to a
    partition, elects another and deposes the old one, breaking no invariant on the way."""
    model = Model(Config(), CORRECT)
    w = model.initial()
    assert None is check_world(w)
    for action in RUN:
        after = model.step(w, action)
        assert after is not None, action
        assert (None, None) == (check_world(after), check_step(w, action, after)), action
        w = after

    # The run got somewhere, so the checks above were not vacuous.
    assert {name: True for name in SOMETIMES_NAMES} == {name: by_name(name).check(w) for name in SOMETIMES_NAMES}
    assert frozenset({(1, 1), (2, 2)}) == w.elections
    assert [Role.FOLLOWER, Role.LEADER, Role.FOLLOWER] == [n.role for n in w.nodes]


# --- Known bugs, pinned: each test fails until the bug is fixed, then the marker must go ----


def test_check_world_reports_commit_index_past_log_end_instead_of_crashing():
    """A world whose commitIndex passes the log end is a violation of commit_index_in_log
    (Figure 2), not an IndexError from state_machine_safety, which runs first."""
    w = world(node(2, 1, commit_index=1, last_applied=1), **committed(entry(1, 1), terms=(1,)))

    violation = check_world(w)

    assert "commit_index_in_log" == violation.invariant


def test_ghost_records_an_election_won_and_lost_within_one_sync_step():
    """§5.2: node 1 wins term 1 with node 2's vote, then steps down at node 3's term-3 reply in
    the same synchronous Tick; the election still happened, so election_safety must see it."""
    model = Model(Config(), CORRECT)
    w = model.initial()
    for action in (Cut(3), Tick(3), Tick(3), Tick(3), Heal(3), Tick(1)):
        w = model.step(w, action)

    assert (1, 1) == (w.node(2).current_term, w.node(2).voted_for)
    assert (1, 1) in w.elections


def test_ghost_commit_term_is_the_term_the_entry_was_committed_in():
    """§5.4: the leader of term 1 commits index 1 and then, in the same synchronous Tick, learns
    term 3 and steps down; the entry was committed in term 1, so leaders of terms 2 and 3 must
    hold it, but the ghost says term 3 and leader_completeness stops checking them."""
    model = Model(Config(), CORRECT)
    w = model.initial()
    for action in (Tick(1), ClientRequest(1), Cut(3), Tick(3), Tick(3), Heal(3), Tick(1)):
        w = model.step(w, action)

    assert (Role.FOLLOWER, 3, 1) == (w.node(1).role, w.node(1).current_term, w.node(1).commit_index)
    assert (1,) == w.commit_terms
