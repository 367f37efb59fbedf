"""How the fast engine spells things as integers, in one place: the kinds of action, the
single-node acts a memo table is keyed by, the parts of an encoded world, and what a worker
reports of a broken world or step.

The C loop (``checker/search/_native.c``) spells the same numbers in its own enums and exposes
them as ``_native.LAYOUT``; ``tests/test_native_kinds.py`` holds the two to each other.

The hot loops bind these to locals or use the module constants (plain integers with names), so
naming them costs nothing per step.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any, NamedTuple

from raft.messages import (
    AppendEntriesRequest,
    AppendEntriesResponse,
    RequestVoteRequest,
    RequestVoteResponse,
)
from raft.state import Role


class Kind(IntEnum):
    """An action of ``checker.model.actions``, as the fast engine numbers it. The first six take a
    node's id as their argument, the last three an interned message."""

    TICK = 0
    REQUEST = 1
    CUT = 2
    HEAL = 3
    CRASH = 4
    RESTART = 5
    DELIVER = 6
    DROP = 7
    DUPLICATE = 8


TICK, REQUEST, CUT, HEAL, CRASH, RESTART, DELIVER, DROP, DUPLICATE = (int(kind) for kind in Kind)

#: By kind of action: whether it can change a node state (cutting, crashing, dropping and
#: duplicating change only the network or the masks).
MOVES_NODES = tuple(kind in (Kind.TICK, Kind.REQUEST, Kind.RESTART, Kind.DELIVER) for kind in Kind)


class Act(IntEnum):
    """A single-node transition without a message (``Encoded.act_new``); two bits of its memo key."""

    HEARTBEAT = 0
    TIMEOUT = 1
    REQUEST = 2
    RESTART = 3


HEARTBEAT, TIMEOUT, ACT_REQUEST, ACT_RESTART = (int(act) for act in Act)

# An encoded world is ``(node_1, ..., node_k, cut, crashed, requests, ghost, message, ...)``: the
# parts after the k node states, as offsets from k. The messages in flight start at AT_NET (none
# ever do on the synchronous network, whose worlds are k + AT_NET integers long).
AT_CUT = 0  # Bit i - 1: node i is cut off.
AT_CRASHED = 1  # Bit i - 1: node i has crashed.
AT_REQUESTS = 2  # Client requests made so far.
AT_GHOST = 3  # The interned ghost history.
AT_NET = 4  # The first interned message in flight.

#: Numbers for roles and message types in fingerprints (never Python's salted hashes of enums or
#: classes); the C loop never sees them: it reads the fingerprints Python computed.
ROLE_NUMBER = {Role.FOLLOWER: 1, Role.CANDIDATE: 2, Role.LEADER: 3}
MESSAGE_NUMBER = {RequestVoteRequest: 1, RequestVoteResponse: 2, AppendEntriesRequest: 3, AppendEntriesResponse: 4}


class Broken(NamedTuple):
    """A broken world or step that a worker found in a level.

    Of several, the one reported has the smallest ``key``, which does not depend on the number
    of workers: the broken world's fingerprint, then (for a step) the world it leaves and the
    action's position there."""

    fingerprint: int  # Of the broken world, or of the world a broken step reaches.
    at_world: int  # 1: an always property broke in the world; 0: a transition property on the step to it.
    parent: int  # A step: the fingerprint of the world it leaves (0 for a world).
    action: int  # A step: the action's position in Model.actions there (0 for a world).
    violation: Any
    worker: int  # The worker whose part of its level holds the world (the step's source).
    position: int  # Its position in that part.

    @property
    def key(self) -> tuple[int, int, int, int]:
        return self[:4]
