"""Steered random walks: the fuzzer's inner loop, fast and deterministic.

A steered walk picks each next action with a weight given by what kind of action it is (a
leader's heartbeat, another node's timeout, a delivery, a loss, ...), not uniformly among
the enabled ones, and it works out only the successor of the action it picked: an action
that turns out to be disabled is struck off and another is picked. A uniform walk has to step
every candidate to learn which are enabled; this one steps about one per action taken.

Everything random comes from a ``random.Random`` the caller seeds, and the candidates come in
``Model.actions``'s fixed order, so a seed names one walk on any machine and under any
``PYTHONHASHSEED``.
"""

from __future__ import annotations

import functools
import random

from attrs import frozen

from checker.model.actions import (
    Action,
    ClientRequest,
    Crash,
    Cut,
    Deliver,
    Drop,
    Duplicate,
    Heal,
    Restart,
    Tick,
)
from checker.model.native import Model
from checker.model.world import World
from raft.messages import AppendEntriesRequest, RequestVoteRequest
from raft.state import Role

#: The kinds a weight is given to, in a fixed order.
KINDS = (
    "heartbeat",  # A leader's tick: it replicates what each follower lacks and advances commits.
    "timeout",  # Any other node's tick: it starts an election.
    "request",
    "cut",
    "heal",
    "crash",
    "restart",
    "deliver_request",  # A vote request or an append-entries arrives.
    "deliver_reply",
    "drop",
    "duplicate",
)


@frozen
class Weights:
    """How likely each kind of action is, relative to the others (0: never)."""

    heartbeat: float = 1.0
    timeout: float = 1.0
    request: float = 1.0
    cut: float = 1.0
    heal: float = 1.0
    crash: float = 1.0
    restart: float = 1.0
    deliver_request: float = 1.0
    deliver_reply: float = 1.0
    drop: float = 1.0
    duplicate: float = 1.0

    def of(self, kind: str) -> float:
        return getattr(self, kind)


_REQUESTS = (RequestVoteRequest, AppendEntriesRequest)

_KIND_BY_TYPE = {
    ClientRequest: "request",
    Cut: "cut",
    Heal: "heal",
    Crash: "crash",
    Restart: "restart",
    Drop: "drop",
    Duplicate: "duplicate",
}


@functools.lru_cache(maxsize=64)
def _by_type(weights: Weights) -> dict[type, float]:
    """The weight of each action type whose kind does not depend on the world."""
    return {t: weights.of(kind) for t, kind in _KIND_BY_TYPE.items()}


def pick(model: Model, w: World, weights: Weights, rnd: random.Random) -> tuple[Action, World] | None:
    """One action drawn by weight among those enabled in ``w``, with the world it leads to; None
    when nothing with a positive weight is enabled."""
    by_type = _by_type(weights)
    nodes = w.nodes
    candidates = []
    masses = []
    for a in model.actions(w):
        t = type(a)
        if t is Tick:
            mass = weights.heartbeat if nodes[a.node - 1].role is Role.LEADER else weights.timeout
        elif t is Deliver:
            mass = weights.deliver_request if type(a.message) in _REQUESTS else weights.deliver_reply
        else:
            mass = by_type[t]
        if mass > 0:
            candidates.append(a)
            masses.append(mass)
    total = sum(masses)
    while candidates:
        x = rnd.random() * total
        k = 0
        last = len(masses) - 1
        while k < last and x >= masses[k]:
            x -= masses[k]
            k += 1
        a = candidates[k]
        after = model.step(w, a)
        if after is not None:
            return a, after
        total -= masses[k]
        del candidates[k], masses[k]
    return None


def swarm(base: Weights, rnd: random.Random, optional: tuple[str, ...] = ("cut", "crash", "drop", "duplicate", "request")) -> Weights:
    """Swarm testing: one run's weights, each of ``base`` scaled by a random factor between a quarter
    and four times, and each optional kind switched off with probability one half."""
    values = {}
    for kind in KINDS:
        value = base.of(kind) * 4 ** rnd.uniform(-1, 1)
        if kind in optional and rnd.random() < 0.5:
            value = 0.0
        values[kind] = value
    return Weights(**values)
