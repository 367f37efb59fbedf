"""A model seen through some invariants: the shortest counterexample to one of them along which
nothing else breaks first.

A Raft with several bugs shows the shallowest one to every search: raftos 0.2.6 forgets its vote
two steps from the start, so a plain search never gets to its deeper bugs. ``Targeted`` wraps
any model with Stateright's three parts and its checks (``check_world``, ``check_step``): a step
into a world where another invariant breaks, or the implementation fails, is disabled (that
history would replay to the other outcome), and only the sought outcomes are reported. A
counterexample it finds therefore replays, with every invariant checked, to a sought one at its
last step; the plain search over it gives the shortest such history.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable


class Targeted:
    """``model`` with the ``invariants`` named (a finding's name, such as "exception", included)
    the only outcomes that end a search."""

    def __init__(self, model: Any, invariants: Iterable[str]) -> None:
        self.model = model
        self.invariants = frozenset(invariants)

    def initial(self) -> Any:
        return self.model.initial()

    def actions(self, w: Any) -> Iterable[Any]:
        return self.model.actions(w)

    def step(self, w: Any, a: Any) -> Any | None:
        """The next world, or None where ``a`` is disabled or leads to another outcome first, in
        the order replay checks them (the step's invariants, then the world's)."""
        after = self.model.step(w, a)
        if after is None:
            return None
        broken = self.model.check_step(w, a, after) or self.model.check_world(after)
        if broken is not None and broken.invariant not in self.invariants:
            return None
        return after

    def check_world(self, w: Any):
        broken = self.model.check_world(w)
        return broken if broken is not None and broken.invariant in self.invariants else None

    def check_step(self, before: Any, a: Any, after: Any):
        broken = self.model.check_step(before, a, after) or self.model.check_world(after)
        return broken if broken is not None and broken.invariant in self.invariants else None

    @property
    def sometimes(self) -> list[tuple[str, Callable[[Any], bool]]]:
        return self.model.sometimes


__all__ = ["Targeted"]
