"""The seed-compatible facade: its argument checks, its agreement with the pure core, and the
project's done-when check."""

from __future__ import annotations

import math
import random
from typing import Hashable

import pytest

import raft
from raft import (
    AppendEntriesRequest,
    NodeState,
    RaftCluster,
    RaftNode,
    RequestVoteRequest,
    Role,
    rng,
)
from raft import transitions as T

# --- Input validation -------------------------------------------------------------------


def test_duplicate_node_ids_rejected():
    """A cluster with a repeated node id, or a node with a repeated peer id, is refused with a
    ValueError naming the argument."""
    with pytest.raises(ValueError, match="node_ids"):
        RaftCluster([1, 2, 1])
    with pytest.raises(ValueError, match="peer_ids"):
        RaftNode(1, [2, 3, 2])


def test_empty_cluster_rejected():
    """A cluster needs at least one node; an empty one is refused with a ValueError naming
    the argument."""
    with pytest.raises(ValueError, match="node_ids"):
        RaftCluster([])


def test_unhashable_node_id_rejected():
    """An unhashable node or peer id is refused with a ValueError (not a TypeError) naming the
    argument."""
    with pytest.raises(ValueError, match="node_id"):
        RaftNode([1], [2, 3])
    with pytest.raises(ValueError, match="peer_ids"):
        RaftNode(1, [[2], 3])
    with pytest.raises(ValueError, match="node_ids"):
        RaftCluster([[1], 2, 3])


def test_node_among_its_own_peers_rejected():
    """A node listed among its own peers is refused with a ValueError naming both arguments."""
    with pytest.raises(ValueError, match="node_id") as raised:
        RaftNode(1, [1, 2])

    assert "peer_ids" in str(raised.value)


@pytest.mark.parametrize(
    "timeout_range",
    [(0, 100), (-10, 100), (300, 150), (150,), (150, 200, 300), 150, None, "ab", (150.0, 300)],
    ids=["low-zero", "low-negative", "low-above-high", "one-value", "three-values", "int", "none", "str", "float"],
)
@pytest.mark.parametrize(
    "build",
    [lambda r: RaftNode(1, [2, 3], r), lambda r: RaftCluster([1, 2, 3], r)],
    ids=["RaftNode", "RaftCluster"],
)
def test_bad_timeout_range_rejected(build, timeout_range):
    """An election timeout range that is not a pair of whole milliseconds with 0 < low <= high
    is refused with a ValueError naming the argument."""
    with pytest.raises(ValueError, match="election_timeout_range"):
        build(timeout_range)


def test_narrowest_timeout_range_accepted():
    """The boundary 0 < low == high is a valid range: every timeout is exactly low."""
    node = RaftNode(1, [2, 3], (1, 1))

    assert 1 == node.node_state.clock.election_timeout


@pytest.mark.parametrize("elapsed", [-1, -0.5, "10", None, True], ids=["-1", "-0.5", "str", "none", "bool"])
def test_negative_or_non_numeric_elapsed_rejected(elapsed):
    """A tick by a negative (or non-numeric) time is refused with a ValueError naming the
    argument, and changes nothing."""
    node = RaftNode(1, [2, 3], seed=0)
    cluster = RaftCluster([1, 2, 3], seed=0)
    before = (node.node_state, [n.node_state for n in cluster.nodes.values()])

    with pytest.raises(ValueError, match="elapsed_ms"):
        node.tick(elapsed)
    with pytest.raises(ValueError, match="elapsed_ms"):
        cluster.tick(elapsed)

    assert before == (node.node_state, [n.node_state for n in cluster.nodes.values()])


@pytest.mark.parametrize("elapsed", [math.nan, math.inf])
def test_non_finite_elapsed_rejected(elapsed):
    """NaN is not a non-negative number of milliseconds, so a tick by NaN is refused; accepted,
    it would make the election timer NaN and the node would never time out again."""
    node = RaftNode(1, [2, 3], seed=0)

    with pytest.raises(ValueError, match="elapsed_ms"):
        node.tick(elapsed)


def test_zero_elapsed_accepted():
    """A tick by zero milliseconds is valid and, for a fresh follower, changes nothing."""
    node = RaftNode(1, [2, 3], seed=0)
    before = node.node_state

    assert [] == node.tick(0)
    assert before == node.node_state


def test_unknown_node_rejected_by_partition_and_heal():
    """Partitioning or healing a node that is not in the cluster is a ValueError, not a silent
    no-op."""
    cluster = RaftCluster([1, 2, 3])

    with pytest.raises(ValueError, match="node id"):
        cluster.partition_node(4)
    with pytest.raises(ValueError, match="node id"):
        cluster.heal_node(4)


# --- The facade agrees with the pure core -------------------------------------------------


class PureCluster:
    """The harness of ``RaftCluster`` rebuilt from raft.transitions alone: each reachable node
    ticks in order, and each message it sends is handled at once by its receiver, whose reply
    goes straight back to the sender."""

    def __init__(self, node_ids: list[Hashable], seed: int, timeout_range=(150, 300)) -> None:
        self.ids = list(node_ids)
        self.states: dict[Hashable, NodeState] = {
            node_id: T.initial_state(
                node_id, tuple(p for p in self.ids if p != node_id), timeout_range, rng.seed_from(seed, node_id)
            )
            for node_id in self.ids
        }
        self.partitioned: set[Hashable] = set()

    def reachable(self, node_id: Hashable) -> bool:
        return node_id not in self.partitioned

    def tick(self, elapsed_ms: int) -> None:
        for node_id in self.ids:
            if not self.reachable(node_id):
                continue
            self.states[node_id], outputs = T.tick(self.states[node_id], elapsed_ms)
            for message in outputs:
                self.deliver(message)

    def deliver(self, message) -> None:
        sender, receiver = message.source, message.dest
        if not self.reachable(sender) or not self.reachable(receiver):
            return
        if isinstance(message, RequestVoteRequest):
            self.states[receiver], reply = T.handle_request_vote_request(self.states[receiver], message)
            self.states[sender], _ = T.handle_request_vote_response(self.states[sender], reply)
        else:
            assert isinstance(message, AppendEntriesRequest)
            self.states[receiver], reply = T.handle_append_entries_request(self.states[receiver], message)
            self.states[sender], _ = T.handle_append_entries_response(self.states[sender], reply)

    def leader(self) -> Hashable | None:
        leaders = [s for i, s in self.states.items() if s.role is Role.LEADER and self.reachable(i)]
        return max(leaders, key=lambda s: s.current_term).id if leaders else None

    def submit(self, command: Hashable) -> dict:
        leader = self.leader()
        if leader is None:
            return {"success": False, "entry": None, "error": "no leader"}
        self.states[leader], result = T.client_request(self.states[leader], command)
        return result.to_dict()


@pytest.mark.parametrize(
    "node_ids, seed",
    [([1, 2, 3], 1), ([1, 2, 3], 2), ([1, 2, 3, 4, 5], 3), (["a", "b", "c", "d", "e"], 4)],
)
def test_facade_and_pure_core_agree_step_by_step(node_ids, seed):
    """Driven through the same random ticks, partitions, heals and submissions, every
    RaftCluster node holds exactly the state the pure transitions compute."""
    cluster = RaftCluster(node_ids, seed=seed)
    pure = PureCluster(node_ids, seed)
    script = random.Random(seed)
    leaders_seen, committed = set(), 0

    for step in range(400):
        choice = script.random()
        if choice < 0.6:
            elapsed = script.choice([1, 7, 10, 25, 50, 160, 400])
            cluster.tick(elapsed)
            pure.tick(elapsed)
            action = f"tick({elapsed})"
        elif choice < 0.7:
            node_id = script.choice(node_ids)
            cluster.partition_node(node_id)
            pure.partitioned.add(node_id)
            action = f"partition({node_id!r})"
        elif choice < 0.8:
            node_id = script.choice(node_ids)
            cluster.heal_node(node_id)
            pure.partitioned.discard(node_id)
            action = f"heal({node_id!r})"
        else:
            command = f"cmd-{step}"
            assert pure.submit(command) == cluster.submit(command), f"step {step}: submit"
            action = f"submit({command!r})"

        expected = pure.states
        actual = {node_id: node.node_state for node_id, node in cluster.nodes.items()}
        assert expected == actual, f"step {step}: {action}"
        assert pure.leader() == cluster.get_leader(), f"step {step}: {action}"
        leaders_seen.add(cluster.get_leader())
        committed = max(committed, max(s.commit_index for s in expected.values()))

    # The run was rich enough to mean something: several leaders, and entries committed.
    assert len(leaders_seen - {None}) >= 2
    assert committed >= 3


def test_node_seed_is_derived_from_cluster_seed_and_node_id():
    """A cluster node starts from the same state as a RaftNode built with the cluster's seed,
    which is the pure initial state seeded with seed_from(seed, node_id)."""
    cluster = RaftCluster(["a", "b", "c"], seed=9)

    expected = T.initial_state("b", ("a", "c"), (150, 300), rng.seed_from(9, "b"))

    assert expected == cluster.nodes["b"].node_state
    assert expected == RaftNode("b", ["a", "c"], seed=9).node_state


def test_facade_methods_return_the_seed_dicts():
    """The facade's calls answer with the seed's plain dicts and entries, built from the pure
    core's replies."""
    node = RaftNode(2, [1, 3], seed=0)

    vote = node.handle_request_vote(1, 1, 0, 0)
    append = node.handle_append_entries(1, 1, 0, 0, [raft.LogEntry(1, 1, "x")], 1)

    assert {"term": 1, "vote_granted": True} == vote
    assert {"term": 1, "success": True, "match_index": 1} == append
    assert [raft.LogEntry(1, 1, "x")] == node.get_committed_entries()
    assert ("follower", 1, 1, 1) == (node.state, node.current_term, node.voted_for, node.commit_index)


def test_tick_returns_message_dicts():
    """A follower whose timeout elapses returns one request_vote dict per peer, with the
    seed's keys."""
    node = RaftNode(1, [2, 3], seed=0)

    messages = node.tick(1000)

    assert [
        {
            "type": "request_vote",
            "from": 1,
            "to": peer,
            "term": 1,
            "candidate_id": 1,
            "last_log_index": 0,
            "last_log_term": 0,
        }
        for peer in (2, 3)
    ] == messages
    assert "candidate" == node.state


# --- Done when ----------------------------------------------------------------------------


def test_done_when_three_node_cluster_elects_commits_and_agrees():
    """The project's done-when check: RaftCluster([1, 2, 3], seed=1) elects a leader, commits
    submitted commands, and every node's committed log agrees."""
    cluster = raft.RaftCluster([1, 2, 3], seed=1)
    commands = ["set x=1", "set y=2", "del x"]

    leader = cluster.run_until_leader()
    results = [cluster.submit(command) for command in commands]
    committed = cluster.run_until_committed(len(commands))
    cluster.tick(50)
    cluster.tick(50)

    assert leader is not None
    assert [True] * len(commands) == [r["success"] for r in results]
    assert committed
    assert {i: commands for i in cluster.nodes} == {
        i: [e.command for e in node.get_committed_entries()] for i, node in cluster.nodes.items()
    }
