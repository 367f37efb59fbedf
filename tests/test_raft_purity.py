"""Purity of the Raft core: transitions return new states and never change their inputs, and
the state classes refuse to be changed in place."""

from __future__ import annotations

import copy
from typing import Callable

import pytest
from attrs import evolve, exceptions, fields

from raft import (
    CORRECT,
    SENTINEL,
    AppendEntriesRequest,
    AppendEntriesResponse,
    ClientResult,
    Clock,
    LogEntry,
    NodeState,
    RaftCluster,
    RequestVoteRequest,
    RequestVoteResponse,
    Role,
    Rules,
)
from raft import transitions as T
from raft.log import last_index


@pytest.fixture(scope="module")
def states() -> dict[str, NodeState]:
    """Non-trivial states taken from a real run: a leader and a follower sharing a committed
    log, a candidate, and a leader whose latest entries are not yet replicated."""
    cluster = RaftCluster([1, 2, 3], seed=5)
    leader_id = cluster.run_until_leader()
    for command in ["a", "b", "c"]:
        cluster.submit(command)
    assert cluster.run_until_committed(3)
    cluster.tick(50)
    follower_id = next(i for i in cluster.nodes if i != leader_id)
    found = {
        "leader": cluster.nodes[leader_id].node_state,
        "follower": cluster.nodes[follower_id].node_state,
    }
    cluster.nodes[leader_id].client_request("d")
    found["leader_ahead"] = cluster.nodes[leader_id].node_state

    # Cut off the leader and the follower: the third node stands for election and, its vote
    # requests lost, stays a candidate (with a partner it would win within its own tick).
    cluster.partition_node(leader_id)
    cluster.partition_node(follower_id)
    for _ in range(100):
        candidates = [n for n in cluster.nodes.values() if n.state == "candidate"]
        if candidates:
            found["candidate"] = candidates[0].node_state
            break
        cluster.tick(10)
    assert {"leader", "follower", "leader_ahead", "candidate"} == set(found)
    assert 3 == found["follower"].commit_index
    return found


def calls(s: dict[str, NodeState]) -> dict[str, list[tuple[Callable, tuple]]]:
    """For each transition, the calls to try: the function and its arguments."""
    leader, follower, candidate, ahead = s["leader"], s["follower"], s["candidate"], s["leader_ahead"]
    _, vote_requests = T.timeout(follower)
    vote_request = vote_requests[0]
    voter_id = next(p for p in candidate.peers if p != leader.id)
    vote_reply = RequestVoteResponse(candidate.current_term, voter_id, candidate.id, vote_granted=True)
    append = T.append_entries(ahead, follower.id)
    _, append_reply = T.handle_append_entries_request(follower, append)
    stale_reply = AppendEntriesResponse(ahead.current_term, follower.id, ahead.id, success=False, match_index=1)
    # The leader's new entry recorded as replicated everywhere, but its commit index not yet moved.
    replicated = evolve(ahead, match_index=(last_index(ahead.log),) * len(ahead.peers))
    return {
        "tick": [
            (T.tick, (follower, 10)),
            (T.tick, (follower, 10_000)),
            (T.tick, (candidate, 10_000)),
            (T.tick, (leader, 10)),
            (T.tick, (leader, 50)),
        ],
        "timeout": [(T.timeout, (follower,)), (T.timeout, (candidate,))],
        "heartbeat": [(T.heartbeat, (leader,)), (T.heartbeat, (ahead,))],
        "client_request": [(T.client_request, (leader, "x")), (T.client_request, (follower, "x"))],
        "handle_request_vote_request": [
            (T.handle_request_vote_request, (leader, vote_request)),
            (T.handle_request_vote_request, (candidate, vote_request)),
        ],
        "handle_request_vote_response": [(T.handle_request_vote_response, (candidate, vote_reply))],
        "handle_append_entries_request": [
            (T.handle_append_entries_request, (follower, append)),
            (T.handle_append_entries_request, (candidate, append)),
        ],
        "handle_append_entries_response": [
            (T.handle_append_entries_response, (ahead, append_reply)),
            (T.handle_append_entries_response, (ahead, stale_reply)),
        ],
        "restart": [(T.restart, (leader,)), (T.restart, (candidate,))],
        "become_leader": [(T.become_leader, (candidate,))],
        "advance_commit_index": [
            (T.advance_commit_index, (ahead,)),
            (T.advance_commit_index, (replicated,)),
            (T.advance_commit_index, (replicated, Rules(commit_earlier_terms=True))),
        ],
    }


TRANSITIONS = [
    "tick",
    "timeout",
    "heartbeat",
    "client_request",
    "handle_request_vote_request",
    "handle_request_vote_response",
    "handle_append_entries_request",
    "handle_append_entries_response",
    "restart",
    "become_leader",
    "advance_commit_index",
]


@pytest.mark.parametrize("name", TRANSITIONS)
def test_transition_leaves_its_input_unchanged(states, name):
    """A transition returns its result as a new value: its input state (and message) equal a
    deep copy taken before the call, though the calls do change state or send messages."""
    changed = []
    for function, args in calls(states)[name]:
        before = copy.deepcopy(args)
        hashes = [hash(a) for a in args]

        result = function(*args)

        assert before == args
        assert hashes == [hash(a) for a in args]
        new_state, outputs = result if isinstance(result, tuple) else (result, ())
        changed.append(new_state != args[0] or bool(outputs))
    assert any(changed), f"no call to {name} changed its state or sent anything, so this test shows nothing"


def test_every_transition_is_covered():
    """The purity test above tries every public transition of raft.transitions that takes a
    state and returns a new one."""
    public = {
        name
        for name, value in vars(T).items()
        if callable(value) and not name.startswith("_") and getattr(value, "__module__", None) == T.__name__
    }
    # Helpers that build a state or a message rather than step one, or only dispatch or rename.
    not_steps = {"initial_state", "append_entries", "receive", "become_follower", "update_term"}
    assert public - not_steps == set(TRANSITIONS)


def _instances() -> list:
    entry = LogEntry(term=1, index=1, command="x")
    clock = Clock(timeout_range=(150, 300), election_timeout=200, rng=1)
    return [
        NodeState(id=1, peers=(2, 3), log=(SENTINEL, entry), clock=clock),
        clock,
        entry,
        RequestVoteRequest(1, 1, 2, 0, 0),
        RequestVoteResponse(1, 2, 1, True),
        AppendEntriesRequest(1, 1, 2, 0, 0, (entry,), 0),
        AppendEntriesResponse(1, 2, 1, True, 1),
        ClientResult(success=True, entry=entry, error=None),
        CORRECT,
    ]


@pytest.mark.parametrize("value", _instances(), ids=lambda v: type(v).__name__)
def test_frozen_classes_reject_assignment(value):
    """Every state, entry, message and rule set is frozen: assigning any attribute raises."""
    for field in fields(type(value)):
        with pytest.raises(exceptions.FrozenInstanceError):
            setattr(value, field.name, getattr(value, field.name))


def test_states_compare_and_hash_by_value():
    """Two separately built equal states are equal and hash alike, so a checker can store them
    in sets; Role is an enum, so it copies as itself."""
    a = NodeState(id=1, peers=(2, 3), log=(SENTINEL, LogEntry(1, 1, "x")), role=Role.LEADER)
    b = NodeState(id=1, peers=(2, 3), log=(SENTINEL, LogEntry(1, 1, "x")), role=Role.LEADER)

    assert a == b
    assert hash(a) == hash(b)
    assert 1 == len({a, b, copy.deepcopy(a)})
