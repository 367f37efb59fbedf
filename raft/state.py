"""A server's whole state as one immutable value (Figure 2, plus the seed's timers)."""

from __future__ import annotations

import enum
from typing import Hashable

from attrs import frozen

from raft.log import SENTINEL, Log

#: Milliseconds between a leader's heartbeats, as in the seed.
HEARTBEAT_INTERVAL = 50


class Role(enum.Enum):
    """The three roles of §5.1."""

    FOLLOWER = "follower"
    CANDIDATE = "candidate"
    LEADER = "leader"


@frozen(cache_hash=True)
class Clock:
    """The seed's timers, in milliseconds, and the generator for randomized timeouts (§5.2).

    A model checker leaves a node's clock out (``NodeState.clock is None``) and decides itself
    when timers fire, so that every timing is explored rather than the ones a seed would pick.
    """

    timeout_range: tuple[int, int]
    election_timeout: int  # Invariant: within timeout_range.
    rng: int  # State of raft.rng's generator; every draw replaces it.
    election_elapsed: int = 0
    heartbeat_elapsed: int = 0


@frozen(cache_hash=True)
class NodeState:
    """Everything one server knows. Only immutable values, so states hash and compare by value."""

    id: Hashable
    peers: tuple[Hashable, ...]  # Every other server, in a fixed order.
    # Persistent state on all servers (survives restart).
    current_term: int = 0  # Invariant: never decreases.
    voted_for: Hashable | None = None  # Candidate voted for in current_term, if any.
    log: Log = (SENTINEL,)  # Invariant: log[i].index == i and log[0] is the sentinel.
    # Volatile state on all servers.
    role: Role = Role.FOLLOWER
    commit_index: int = 0  # Invariant: commit_index <= last log index.
    last_applied: int = 0  # Invariant: last_applied <= commit_index.
    # Volatile state on leaders, aligned with peers; empty unless leader.
    next_index: tuple[int, ...] = ()  # Invariant: match_index[k] < next_index[k] <= last index + 1.
    match_index: tuple[int, ...] = ()  # Invariant: never decreases within a term.
    # Volatile state on candidates: who granted a vote this term (the candidate included).
    votes_received: frozenset[Hashable] = frozenset()
    # Granted replies counted this election, duplicates included. Only a server that follows
    # Rules.count_duplicate_votes keeps it; under correct rules it stays 0, so states are unchanged.
    votes_counted: int = 0
    clock: Clock | None = None

    @property
    def cluster_size(self) -> int:
        return len(self.peers) + 1

    def is_quorum(self, voters: frozenset[Hashable] | int) -> bool:
        """A strict majority of the whole cluster, given as a set of servers or a count."""
        count = voters if isinstance(voters, int) else len(voters)
        return 2 * count > self.cluster_size
