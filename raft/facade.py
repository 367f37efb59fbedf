"""The seed's mutable API, as a thin facade over the pure core.

Each object holds one immutable ``NodeState`` and replaces it on every call; all protocol
logic lives in ``raft.transitions``. Only the facade checks its arguments, because this is
where users reach in; the core trusts its callers, as the seed does.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Hashable, Iterable

from raft import rng, transitions
from raft.log import LogEntry
from raft.messages import AppendEntriesRequest, AppendEntriesResponse, RequestVoteRequest, RequestVoteResponse
from raft.rules import CORRECT, Rules
from raft.state import NodeState, Role

#: Milliseconds a cluster advances per step in ``run_until_*``.
RUN_TICK_MS = 10


def _check_timeout_range(election_timeout_range: Any) -> tuple[int, int]:
    try:
        low, high = election_timeout_range
    except (TypeError, ValueError):
        raise ValueError(
            f"election_timeout_range must be a pair (low, high), got {election_timeout_range!r}"
        ) from None
    for value in (low, high):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ValueError(f"election_timeout_range must hold whole milliseconds, got {election_timeout_range!r}")
    if not 0 < low <= high:
        raise ValueError(f"election_timeout_range must satisfy 0 < low <= high, got {election_timeout_range!r}")
    return int(low), int(high)


def _check_hashable(value: Any, what: str) -> None:
    try:
        hash(value)
    except TypeError:
        raise ValueError(f"{what} must be hashable, got {value!r}") from None


def _check_elapsed(elapsed_ms: Any) -> None:
    if (
        isinstance(elapsed_ms, bool)
        or not isinstance(elapsed_ms, numbers.Real)
        or not math.isfinite(elapsed_ms)
        or elapsed_ms < 0
    ):
        raise ValueError(f"elapsed_ms must be a finite, non-negative number, got {elapsed_ms!r}")


class RaftNode:
    """One Raft server with the seed's methods; see ``raft.transitions`` for what each does."""

    def __init__(
        self,
        node_id: Hashable,
        peer_ids: Iterable[Hashable],
        election_timeout_range: tuple[int, int] = (150, 300),
        seed: int | None = None,
        rules: Rules = CORRECT,
    ) -> None:
        _check_hashable(node_id, "node_id")
        peers = tuple(peer_ids)
        for peer in peers:
            _check_hashable(peer, "every id in peer_ids")
        if node_id in peers:
            raise ValueError(f"node_id {node_id!r} must not be among its own peer_ids {list(peers)!r}")
        if len(set(peers)) != len(peers):
            raise ValueError(f"peer_ids must be unique, got {list(peers)!r}")
        timeout_range = _check_timeout_range(election_timeout_range)
        # No seed still means a fixed one: nothing here may depend on unseeded randomness.
        self._rules = rules
        self._state = transitions.initial_state(
            node_id, peers, timeout_range, rng.seed_from(0 if seed is None else seed, node_id)
        )

    # Read-only views of the state.
    @property
    def node_state(self) -> NodeState:
        """The immutable state this facade currently holds."""
        return self._state

    @property
    def node_id(self) -> Hashable:
        return self._state.id

    @property
    def peer_ids(self) -> tuple[Hashable, ...]:
        return self._state.peers

    @property
    def state(self) -> str:
        """The role: ``"follower"``, ``"candidate"`` or ``"leader"``."""
        return self._state.role.value

    @property
    def current_term(self) -> int:
        return self._state.current_term

    @property
    def voted_for(self) -> Hashable | None:
        return self._state.voted_for

    @property
    def commit_index(self) -> int:
        return self._state.commit_index

    @property
    def last_applied(self) -> int:
        return self._state.last_applied

    def get_log(self) -> list[LogEntry]:
        """The whole log, sentinel excluded."""
        return list(self._state.log[1:])

    def get_committed_entries(self) -> list[LogEntry]:
        """Entries at or below the commit index, sentinel excluded."""
        return list(self._state.log[1 : self._state.commit_index + 1])

    # The seed's calls.
    def tick(self, elapsed_ms: int) -> list[dict[str, Any]]:
        _check_elapsed(elapsed_ms)
        self._state, outputs = transitions.tick(self._state, elapsed_ms, self._rules)
        return [m.to_dict() for m in outputs]

    def handle_request_vote(
        self, candidate_id: Hashable, candidate_term: int, last_log_index: int, last_log_term: int
    ) -> dict[str, Any]:
        request = RequestVoteRequest(candidate_term, candidate_id, self._state.id, last_log_index, last_log_term)
        self._state, reply = transitions.handle_request_vote_request(self._state, request, self._rules)
        return reply.to_dict()

    def handle_append_entries(
        self,
        leader_id: Hashable,
        leader_term: int,
        prev_log_index: int,
        prev_log_term: int,
        entries: Iterable[LogEntry],
        leader_commit: int,
    ) -> dict[str, Any]:
        request = AppendEntriesRequest(
            leader_term, leader_id, self._state.id, prev_log_index, prev_log_term, tuple(entries), leader_commit
        )
        self._state, reply = transitions.handle_append_entries_request(self._state, request, self._rules)
        return reply.to_dict()

    def handle_vote_response(self, from_id: Hashable, term: int, vote_granted: bool) -> None:
        reply = RequestVoteResponse(term, from_id, self._state.id, vote_granted)
        self._state, _ = transitions.handle_request_vote_response(self._state, reply, self._rules)

    def handle_append_response(self, from_id: Hashable, term: int, success: bool, match_index: int) -> None:
        reply = AppendEntriesResponse(term, from_id, self._state.id, success, match_index)
        self._state, _ = transitions.handle_append_entries_response(self._state, reply, self._rules)

    def client_request(self, command: Hashable) -> dict[str, Any]:
        _check_hashable(command, "command")
        self._state, result = transitions.client_request(self._state, command, self._rules)
        return result.to_dict()

    def __repr__(self) -> str:
        s = self._state
        return f"RaftNode({s.id!r}, {s.role.value}, term={s.current_term}, log={len(s.log) - 1}, commit={s.commit_index})"


class RaftCluster:
    """The seed's synchronous harness: each tick advances every reachable node in order and
    delivers its messages, and their replies, at once. Messages to or from a partitioned node
    are lost, and a partitioned node does not tick, as in the seed."""

    def __init__(
        self,
        node_ids: Iterable[Hashable],
        election_timeout_range: tuple[int, int] = (150, 300),
        seed: int | None = None,
        rules: Rules = CORRECT,
    ) -> None:
        ids = list(node_ids)
        for node_id in ids:
            _check_hashable(node_id, "every id in node_ids")
        if not ids:
            raise ValueError("node_ids must name at least one node")
        if len(set(ids)) != len(ids):
            raise ValueError(f"node_ids must be unique, got {ids!r}")
        base = 0 if seed is None else seed
        self.nodes: dict[Hashable, RaftNode] = {
            node_id: RaftNode(node_id, [p for p in ids if p != node_id], election_timeout_range, base, rules)
            for node_id in ids
        }
        self._partitioned: set[Hashable] = set()

    def _reachable(self, node_id: Hashable) -> bool:
        return node_id in self.nodes and node_id not in self._partitioned

    def tick(self, elapsed_ms: int) -> None:
        """Advance every non-partitioned node by ``elapsed_ms`` and deliver what it sends."""
        _check_elapsed(elapsed_ms)
        for node_id, node in self.nodes.items():
            if node_id in self._partitioned:
                continue
            for message in node.tick(elapsed_ms):
                self._deliver(node, message)

    def _deliver(self, sender: RaftNode, message: dict[str, Any]) -> None:
        if not self._reachable(message["to"]) or not self._reachable(sender.node_id):
            return
        receiver = self.nodes[message["to"]]
        if message["type"] == "request_vote":
            reply = receiver.handle_request_vote(
                message["from"], message["term"], message["last_log_index"], message["last_log_term"]
            )
            sender.handle_vote_response(receiver.node_id, reply["term"], reply["vote_granted"])
        else:
            reply = receiver.handle_append_entries(
                message["from"],
                message["term"],
                message["prev_log_index"],
                message["prev_log_term"],
                message["entries"],
                message["leader_commit"],
            )
            sender.handle_append_response(receiver.node_id, reply["term"], reply["success"], reply["match_index"])

    def partition_node(self, node_id: Hashable) -> None:
        """Cut a node off: nothing it sends or is sent arrives until it is healed."""
        self._require(node_id)
        self._partitioned.add(node_id)

    def heal_node(self, node_id: Hashable) -> None:
        """Reconnect a partitioned node."""
        self._require(node_id)
        self._partitioned.discard(node_id)

    def _require(self, node_id: Hashable) -> None:
        if node_id not in self.nodes:
            raise ValueError(f"node id {node_id!r} is not in this cluster {list(self.nodes)!r}")

    def get_leader(self) -> Hashable | None:
        """The reachable leader with the highest term, or None. A partitioned old leader may
        still believe it leads; it is not the cluster's leader."""
        leaders = [n for n in self.nodes.values() if n.state == Role.LEADER.value and self._reachable(n.node_id)]
        if not leaders:
            return None
        return max(leaders, key=lambda n: n.current_term).node_id

    def submit(self, command: Hashable) -> dict[str, Any]:
        """Hand a command to the current leader; errors come back as data."""
        leader = self.get_leader()
        if leader is None:
            return {"success": False, "entry": None, "error": "no leader"}
        return self.nodes[leader].client_request(command)

    def run_until_leader(self, max_ticks: int = 1000) -> Hashable | None:
        """Tick until there is a leader; return its id, or None after ``max_ticks`` ticks."""
        for _ in range(max_ticks):
            leader = self.get_leader()
            if leader is not None:
                return leader
            self.tick(RUN_TICK_MS)
        return self.get_leader()

    def run_until_committed(self, index: int, max_ticks: int = 1000) -> bool:
        """Tick until the leader has committed ``index``; False if it has not after ``max_ticks``."""
        for _ in range(max_ticks + 1):
            leader = self.get_leader()
            if leader is not None and self.nodes[leader].commit_index >= index:
                return True
            self.tick(RUN_TICK_MS)
        return False

    def get_committed_log(self) -> list[LogEntry]:
        """The longest committed log any node knows (by state machine safety, the others are its prefixes)."""
        return max((n.get_committed_entries() for n in self.nodes.values()), key=len)
