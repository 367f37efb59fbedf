"""Scenario tests for the Raft core, each citing the section of the Raft paper it checks.

Whole-cluster stories run through the seed-compatible facade (``RaftCluster``); situations
that a synchronous cluster reaches only rarely (Figure 8, conflicting suffixes, stale or
capped AppendEntries) are built by hand as ``NodeState`` values and driven with the pure
functions of ``raft.transitions``.
"""

from __future__ import annotations

import pytest
from attrs import evolve

from raft import (
    SENTINEL,
    AppendEntriesRequest,
    AppendEntriesResponse,
    LogEntry,
    NodeState,
    RaftCluster,
    RaftNode,
    RequestVoteRequest,
    RequestVoteResponse,
    Role,
    Rules,
)
from raft import transitions as T

# --- Helpers ----------------------------------------------------------------------------


def entry(term: int, index: int) -> LogEntry:
    """An entry whose command names where it came from, so that conflicting entries differ."""
    return LogEntry(term=term, index=index, command=f"t{term}i{index}")


def log_of(*terms: int) -> tuple[LogEntry, ...]:
    """A log holding the sentinel and then one entry per term given, at indexes 1, 2, ..."""
    return (SENTINEL,) + tuple(entry(term, index) for index, term in enumerate(terms, start=1))


def follower(node_id=2, peers=(1, 3), term=1, log=log_of(), **fields) -> NodeState:
    return NodeState(id=node_id, peers=peers, current_term=term, log=log, **fields)


def leader(node_id=1, peers=(2, 3), term=1, log=log_of(), **fields) -> NodeState:
    """A freshly elected leader: nextIndex just past its log, matchIndex 0 (§5.3)."""
    candidate = NodeState(
        id=node_id,
        peers=peers,
        current_term=term,
        voted_for=node_id,
        log=log,
        role=Role.CANDIDATE,
        **fields,
    )
    return T.become_leader(candidate)


def exchange(lead: NodeState, foll: NodeState) -> tuple[NodeState, NodeState, AppendEntriesResponse]:
    """One AppendEntries round trip from ``lead`` to ``foll``, as the harness delivers it."""
    request = T.append_entries(lead, foll.id)
    foll, reply = T.handle_append_entries_request(foll, request)
    lead, _ = T.handle_append_entries_response(lead, reply)
    return lead, foll, reply


def roles(cluster: RaftCluster) -> dict:
    return {node_id: node.state for node_id, node in cluster.nodes.items()}


# --- Leader election (§5.2) ---------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 5])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_election_elects_exactly_one_leader(size, seed):
    """§5.2: a cluster starting with no leader elects one, and its heartbeats make every other
    node a follower of the same term."""
    ids = list(range(1, size + 1))
    cluster = RaftCluster(ids, seed=seed)

    leader_id = cluster.run_until_leader()
    cluster.tick(50)
    cluster.tick(50)

    assert leader_id is not None
    assert leader_id == cluster.get_leader()
    expected = {node_id: ("leader" if node_id == leader_id else "follower") for node_id in ids}
    assert expected == roles(cluster)
    term = cluster.nodes[leader_id].current_term
    assert {node_id: term for node_id in ids} == {i: n.current_term for i, n in cluster.nodes.items()}
    # The winner had a strict majority of votes in its term (§5.2): count who voted for it.
    voters = [n for n in cluster.nodes.values() if n.voted_for == leader_id]
    assert 2 * len(voters) > size


def test_reelection_after_leader_partitioned_and_old_leader_steps_down_when_healed():
    """§5.2, §5.1: when the leader is cut off the others elect a new one in a later term, and
    the old leader, once healed, learns the newer term and steps down."""
    cluster = RaftCluster([1, 2, 3], seed=1)
    old = cluster.run_until_leader()
    old_term = cluster.nodes[old].current_term

    cluster.partition_node(old)
    new = cluster.run_until_leader()

    assert new is not None
    assert old != new
    assert cluster.nodes[new].current_term > old_term
    # Cut off, the old leader still believes it leads its old term, but is not the cluster's leader.
    assert ("leader", old_term) == (cluster.nodes[old].state, cluster.nodes[old].current_term)
    assert new == cluster.get_leader()

    cluster.heal_node(old)
    cluster.tick(50)
    cluster.tick(50)

    new_term = cluster.nodes[new].current_term
    assert ("follower", new_term) == (cluster.nodes[old].state, cluster.nodes[old].current_term)
    assert new == cluster.get_leader()
    assert 1 == sum(1 for n in cluster.nodes.values() if n.state == "leader")


def test_vote_granted_at_most_once_per_term():
    """§5.2: each server votes for at most one candidate in a term (repeating a vote to the
    same candidate is allowed), and a newer term frees the vote."""
    voter = follower(node_id=1, peers=(2, 3), term=1)

    voter, first = T.handle_request_vote_request(voter, RequestVoteRequest(2, 2, 1, 0, 0))
    voter, rival = T.handle_request_vote_request(voter, RequestVoteRequest(2, 3, 1, 0, 0))
    voter, again = T.handle_request_vote_request(voter, RequestVoteRequest(2, 2, 1, 0, 0))
    voter, later = T.handle_request_vote_request(voter, RequestVoteRequest(3, 3, 1, 0, 0))

    assert [True, False, True, True] == [r.vote_granted for r in (first, rival, again, later)]
    assert (3, 3) == (voter.current_term, voter.voted_for)


def test_vote_refused_to_candidate_with_less_up_to_date_log():
    """§5.4.1: a voter refuses a candidate whose last entry has an older term, however long
    its log, and grants one whose last term is newer, however short."""
    voter = follower(node_id=1, peers=(2, 3), term=2, log=log_of(1, 2))

    _, older_term = T.handle_request_vote_request(voter, RequestVoteRequest(3, 2, 1, last_log_index=9, last_log_term=1))
    _, shorter = T.handle_request_vote_request(voter, RequestVoteRequest(3, 2, 1, last_log_index=1, last_log_term=2))
    _, newer_term = T.handle_request_vote_request(voter, RequestVoteRequest(3, 2, 1, last_log_index=1, last_log_term=3))
    _, same = T.handle_request_vote_request(voter, RequestVoteRequest(3, 2, 1, last_log_index=2, last_log_term=2))

    assert [False, False, True, True] == [r.vote_granted for r in (older_term, shorter, newer_term, same)]


# --- Log replication (§5.3) ---------------------------------------------------------------


def test_replication_commits_commands_on_every_node():
    """§5.3: the leader appends client commands, replicates them, commits them once stored on a
    majority, and followers learn the commit index from later AppendEntries."""
    cluster = RaftCluster([1, 2, 3], seed=2)
    leader_id = cluster.run_until_leader()
    term = cluster.nodes[leader_id].current_term
    commands = ["set x=1", "set y=2", "del x", "set z=3"]

    results = [cluster.submit(command) for command in commands]
    committed = cluster.run_until_committed(len(commands))
    cluster.tick(50)
    cluster.tick(50)

    expected_entries = [LogEntry(term, index, command) for index, command in enumerate(commands, start=1)]
    assert [{"success": True, "entry": e, "error": None} for e in expected_entries] == results
    assert committed
    assert {i: expected_entries for i in cluster.nodes} == {
        i: n.get_committed_entries() for i, n in cluster.nodes.items()
    }
    assert expected_entries == cluster.get_committed_log()


def test_lagging_follower_catches_up_after_heal():
    """§5.3: a follower cut off while entries were committed without it receives all of them,
    and the commit index, once it is reachable again."""
    cluster = RaftCluster([1, 2, 3], seed=3)
    leader_id = cluster.run_until_leader()
    lagging = next(i for i in cluster.nodes if i != leader_id)

    cluster.partition_node(lagging)
    for command in ["a", "b", "c"]:
        cluster.submit(command)
    assert cluster.run_until_committed(3)
    assert [] == cluster.nodes[lagging].get_log()

    cluster.heal_node(lagging)
    cluster.tick(50)
    cluster.tick(50)

    leader_node = cluster.nodes[leader_id]
    assert leader_node.get_log() == cluster.nodes[lagging].get_log()
    assert leader_node.get_committed_entries() == cluster.nodes[lagging].get_committed_entries()
    assert ["a", "b", "c"] == [e.command for e in cluster.nodes[lagging].get_committed_entries()]


def test_healed_old_leader_loses_its_uncommitted_suffix():
    """§5.3: entries an isolated old leader appended in its term, never committed, are
    overwritten by the new leader's log once it is healed."""
    cluster = RaftCluster([1, 2, 3], seed=1)
    old = cluster.run_until_leader()
    cluster.partition_node(old)
    stale = cluster.nodes[old].client_request("lost write")
    assert stale["success"]
    new = cluster.run_until_leader()
    for command in ["x", "y"]:
        cluster.submit(command)
    assert cluster.run_until_committed(2)

    cluster.heal_node(old)
    cluster.tick(50)
    cluster.tick(50)

    assert cluster.nodes[new].get_log() == cluster.nodes[old].get_log()
    assert ["x", "y"] == [e.command for e in cluster.nodes[old].get_committed_entries()]
    assert stale["entry"] not in cluster.nodes[old].get_log()


def test_conflicting_follower_repaired_by_next_index_backoff():
    """§5.3: after a rejection the leader decrements nextIndex and retries until the logs
    match, then the follower deletes its conflicting suffix and takes the leader's entries."""
    # The follower's entries 2..5 come from a term-2 leader whose entries never committed.
    lead = leader(term=3, log=log_of(1, 1, 3, 3))
    foll = follower(term=2, log=log_of(1, 2, 2, 2, 2))
    peer = lead.peers.index(foll.id)

    next_indexes = [lead.next_index[peer]]
    replies = []
    while not replies or not replies[-1].success:
        lead, foll, reply = exchange(lead, foll)
        replies.append(reply)
        next_indexes.append(lead.next_index[peer])

    assert [5, 4, 3, 2, 5] == next_indexes
    assert [False, False, False, True] == [r.success for r in replies]
    assert lead.log == foll.log
    assert 4 == lead.match_index[peer]
    assert 3 == foll.current_term


def test_short_follower_log_makes_leader_skip_back_to_its_end():
    """§5.3: a rejection from a follower whose log is too short carries its last index, so the
    leader backs nextIndex up to just past it in one step instead of one entry at a time."""
    lead = leader(term=2, log=log_of(1, 1, 2, 2, 2))
    foll = follower(term=2, log=log_of(1))
    peer = lead.peers.index(foll.id)

    lead, foll, rejected = exchange(lead, foll)
    assert (False, 1) == (rejected.success, rejected.match_index)
    assert 2 == lead.next_index[peer]

    lead, foll, accepted = exchange(lead, foll)
    assert (True, 5) == (accepted.success, accepted.match_index)
    assert lead.log == foll.log


def test_sentinel_survives_truncation_to_the_start():
    """§5.3 (and the seed's rule 6): when every entry of a follower conflicts, an append at
    prev_log_index 0 replaces them all but keeps the sentinel at index 0."""
    foll = follower(term=1, log=log_of(1, 1, 1))
    request = AppendEntriesRequest(
        term=2, source=1, dest=2, prev_log_index=0, prev_log_term=0, entries=(entry(2, 1),), leader_commit=0
    )

    foll, reply = T.handle_append_entries_request(foll, request)

    assert (SENTINEL, entry(2, 1)) == foll.log
    assert SENTINEL == foll.log[0]
    assert (True, 1) == (reply.success, reply.match_index)


def test_stale_append_entries_does_not_truncate_follower_log():
    """§5.3: a follower deletes entries only on a conflict, so a shorter, older copy of the
    same term's AppendEntries arriving late leaves the longer log in place."""
    lead = evolve(leader(term=1, log=log_of(1, 1, 1)), next_index=(1, 1))  # Followers hold nothing yet.
    foll = follower(term=1)
    longer = T.append_entries(lead, foll.id)
    shorter = evolve(longer, entries=longer.entries[:1])
    assert (3, 1) == (len(longer.entries), len(shorter.entries))

    foll, long_reply = T.handle_append_entries_request(foll, longer)
    foll, short_reply = T.handle_append_entries_request(foll, shorter)

    assert lead.log == foll.log
    assert (True, 3) == (long_reply.success, long_reply.match_index)
    assert (True, 1) == (short_reply.success, short_reply.match_index)


def test_late_append_reply_does_not_lower_match_index():
    """§5.3: a leader's matchIndex for a follower never decreases within a term, even when the
    reply to an older, shorter AppendEntries arrives after a newer one."""
    lead = leader(term=1, log=log_of(1, 1, 1))
    peer = lead.peers.index(2)

    lead, _ = T.handle_append_entries_response(lead, AppendEntriesResponse(1, 2, 1, success=True, match_index=3))
    lead, _ = T.handle_append_entries_response(lead, AppendEntriesResponse(1, 2, 1, success=True, match_index=1))

    assert (3, 4) == (lead.match_index[peer], lead.next_index[peer])


@pytest.mark.parametrize(
    "entries, expected_commit",
    [((), 1), ((entry(2, 2),), 2)],
    ids=["heartbeat", "one-entry"],
)
def test_follower_commit_capped_by_verified_entries(entries, expected_commit):
    """§5.3 (Figure 2, AppendEntries rule 5): a follower sets commitIndex to min(leaderCommit,
    index of the last entry the request verified), never to unverified entries it holds."""
    # Entries 2 and 3 are from term 1 and are not known to match the term-2 leader's log.
    foll = follower(term=1, log=log_of(1, 1, 1))
    request = AppendEntriesRequest(
        term=2, source=1, dest=2, prev_log_index=1, prev_log_term=1, entries=entries, leader_commit=5
    )

    foll, reply = T.handle_append_entries_request(foll, request)

    assert (True, expected_commit) == (reply.success, reply.match_index)
    assert expected_commit == foll.commit_index
    assert expected_commit == foll.last_applied


# --- Terms and stepping down (§5.1) -------------------------------------------------------


def _candidate() -> NodeState:
    return NodeState(
        id=1,
        peers=(2, 3),
        current_term=2,
        voted_for=1,
        log=log_of(1, 2),
        role=Role.CANDIDATE,
        votes_received=frozenset({1}),
    )


def _leader() -> NodeState:
    return NodeState(
        id=1,
        peers=(2, 3),
        current_term=2,
        voted_for=1,
        log=log_of(1, 2),
        role=Role.LEADER,
        next_index=(3, 3),
        match_index=(0, 0),
    )


# Each message carries term 5 from server 2. The vote request's log is behind server 1's,
# so no vote is granted; the append is an empty heartbeat at index 0, so the log is unchanged.
HIGHER_TERM_MESSAGES = {
    "handle_request_vote_request": RequestVoteRequest(5, 2, 1, last_log_index=0, last_log_term=0),
    "handle_request_vote_response": RequestVoteResponse(5, 2, 1, vote_granted=False),
    "handle_append_entries_request": AppendEntriesRequest(5, 2, 1, 0, 0, (), leader_commit=0),
    "handle_append_entries_response": AppendEntriesResponse(5, 2, 1, success=False, match_index=0),
}


@pytest.mark.parametrize("handler", sorted(HIGHER_TERM_MESSAGES))
@pytest.mark.parametrize("make_state", [_leader, _candidate], ids=["leader", "candidate"])
def test_step_down_on_higher_term(handler, make_state):
    """§5.1: a leader or candidate that sees a higher term in any RPC or reply adopts that term,
    forgets its vote and becomes a follower, keeping its log."""
    state = make_state()
    handle = getattr(T, handler)

    new_state, _ = handle(state, HIGHER_TERM_MESSAGES[handler])

    expected = evolve(
        state,
        role=Role.FOLLOWER,
        current_term=5,
        voted_for=None,
        next_index=(),
        match_index=(),
        votes_received=frozenset(),
    )
    assert expected == new_state


@pytest.mark.parametrize("handler", sorted(HIGHER_TERM_MESSAGES))
def test_update_term_steps_down_under_the_handlers_rules(handler, monkeypatch):
    """raft.tla's UpdateTerm, factored out: every handler that sees a higher term steps down
    under its own rules, so that a switch in the step-down rule acts there too."""
    rules = Rules(forget_vote_on_step_down=True)
    seen = []
    become_follower = T.become_follower
    monkeypatch.setattr(T, "become_follower", lambda s, term, r=T.CORRECT: seen.append(r) or become_follower(s, term, r))

    getattr(T, handler)(_leader(), HIGHER_TERM_MESSAGES[handler], rules)

    assert rules is seen[0]


def test_candidate_steps_down_for_leader_of_its_own_term():
    """§5.2: a candidate that receives AppendEntries from a leader of its own term recognises
    that leader and returns to follower, keeping its term and its vote."""
    state = _candidate()
    request = AppendEntriesRequest(2, 3, 1, prev_log_index=2, prev_log_term=2, entries=(), leader_commit=0)

    new_state, reply = T.handle_append_entries_request(state, request)

    assert evolve(state, role=Role.FOLLOWER, votes_received=frozenset()) == new_state
    assert (2, True) == (reply.term, reply.success)


# --- Committing entries from earlier terms (§5.4.2, Figure 8) -----------------------------


def _figure_8_leader(match_index: tuple[int, ...]) -> NodeState:
    """Figure 8 (c): S1 leads term 4 with log [1, 2, 4]; its term-2 entry at index 2 is on
    the servers that ``match_index`` says, and only index 1 is committed."""
    return NodeState(
        id=1,
        peers=(2, 3, 4, 5),
        current_term=4,
        voted_for=1,
        log=log_of(1, 2, 4),
        role=Role.LEADER,
        commit_index=1,
        last_applied=1,
        next_index=tuple(m + 1 for m in match_index),
        match_index=match_index,
    )


def test_figure_8_earlier_term_entry_on_majority_is_not_committed():
    """§5.4.2: a leader never commits an entry from an earlier term by counting replicas, even
    when it is stored on a majority; with that rule switched off, the same state does."""
    majority_has_term_2_entry = _figure_8_leader(match_index=(2, 2, 1, 1))  # S1, S2, S3 hold index 2.

    correct = T.advance_commit_index(majority_has_term_2_entry)
    counting = T.advance_commit_index(majority_has_term_2_entry, Rules(commit_earlier_terms=True))

    assert 1 == correct.commit_index
    assert 2 == counting.commit_index


def test_figure_8_reply_completing_majority_of_earlier_term_entry_does_not_commit():
    """§5.4.2: the AppendEntries reply that puts the term-2 entry on a majority leaves the
    commit index alone under Raft's rule and advances it when earlier terms may be counted."""
    before = _figure_8_leader(match_index=(2, 1, 1, 1))
    reply = AppendEntriesResponse(term=4, source=3, dest=1, success=True, match_index=2)

    correct, _ = T.handle_append_entries_response(before, reply)
    counting, _ = T.handle_append_entries_response(before, reply, Rules(commit_earlier_terms=True))

    assert ((2, 2, 1, 1), 1) == (correct.match_index, correct.commit_index)
    assert ((2, 2, 1, 1), 2) == (counting.match_index, counting.commit_index)


def test_figure_8_current_term_entry_commits_earlier_ones_indirectly():
    """§5.4.2: once an entry from the leader's current term is on a majority, it and every
    entry before it, the earlier-term one included, are committed."""
    before = _figure_8_leader(match_index=(3, 2, 1, 1))
    reply = AppendEntriesResponse(term=4, source=3, dest=1, success=True, match_index=3)

    after, _ = T.handle_append_entries_response(before, reply)

    assert 3 == after.commit_index


# --- Client interaction (§5.1, §8) --------------------------------------------------------


def test_client_request_to_follower_is_refused():
    """§5.1, §8: only the leader accepts client commands; a follower answers with the seed's
    error result and leaves its log unchanged."""
    node = RaftNode(1, [2, 3], seed=0)

    result = node.client_request("set x=1")

    assert {"success": False, "entry": None, "error": "not leader"} == result
    assert [] == node.get_log()


def test_cluster_without_leader_refuses_submit():
    """§8: a cluster with no reachable leader answers a submitted command with an error result
    rather than raising."""
    cluster = RaftCluster([1, 2, 3], seed=0)

    assert {"success": False, "entry": None, "error": "no leader"} == cluster.submit("set x=1")
