"""The invariant registry applied to encoded worlds through its decompositions (``checker.model.invariants``),
with the verdicts on parts of worlds remembered."""

from __future__ import annotations

from typing import Callable, Sequence

from checker.model.invariants import check_step, check_world
from checker.model.outcome import Violation
from checker.model.world import World
from checker.search.encoded import MEMO_LIMIT, Encoded
from checker.search.layout import (
    MOVES_NODES,
    RESTART,
)


class Judge:
    """The invariant registry applied to encoded worlds, through the decompositions documented in
    ``checker.model.invariants``: verdicts on single node states with the ghost history, on pairs of
    node states without it, and on single node changes are remembered, since they recur far
    more often than whole worlds."""

    def __init__(self, enc: Encoded, sometimes: Sequence[tuple[str, Callable[[World], bool]]]) -> None:
        self.enc = enc
        k = self.k = enc.k
        self.ghost_at = enc.ghost_at
        self.pairs = [(a, b) for a in range(k) for b in range(a + 1, k)]
        self.single_ok: dict[int, bool] = {}  # (node state, ghost) -> verdict
        self.pair_ok: dict[int, bool] = {}  # (node state, node state) -> verdict, without the ghost
        self.node_ok: dict[int, bool] = {}  # (node state before, after, restarted) -> verdict
        self.sometimes = sometimes
        self.reached: dict[str, int] = {}
        self.ghosts_noted: set[int] = set()

    def always(self, e: tuple[int, ...], changed: int = -1) -> Violation | None:
        """The always properties on world ``e``. ``changed`` (bit j: the node at position j, bit k:
        the ghost history) may say which parts differ from a world that passed them, such as the
        world ``e`` was reached from: verdicts on the parts that did not change still hold, so
        they are not looked up again."""
        enc, k = self.enc, self.k
        g = e[self.ghost_at]
        single_ok, pair_ok = self.single_ok, self.pair_ok
        every = changed >> k & 1
        for j in range(k):
            if not (every or changed >> j & 1):
                continue
            key = e[j] << 32 | g
            ok = single_ok.get(key)
            if ok is None:
                if len(single_ok) >= MEMO_LIMIT:
                    single_ok.clear()
                ok = single_ok[key] = self.single_verdict(e, j)
            if not ok:
                return _must_fail(check_world(enc.decode(e)), "always")
        for a, b in self.pairs:
            if not (changed >> a & 1 or changed >> b & 1):
                continue
            key = e[a] << 32 | e[b]
            ok = pair_ok.get(key)
            if ok is None:
                if len(pair_ok) >= MEMO_LIMIT:
                    pair_ok.clear()
                ok = pair_ok[key] = self.pair_verdict(e, a, b)
            if not ok:
                return _must_fail(check_world(enc.decode(e)), "always")
        return None

    def step(self, e: tuple[int, ...], kind: int, arg: int, after: tuple[int, ...]) -> int | Violation:
        """The transition properties on the step from ``e`` to ``after``: the violation, or else
        which parts of the world the step changed, as a mask for ``always``."""
        k = self.k
        changed = 0 if after[self.ghost_at] == e[self.ghost_at] else 1 << k
        if not MOVES_NODES[kind]:
            return changed
        node_ok = self.node_ok
        restarted = arg - 1 if kind == RESTART else -1
        for j in range(k):
            b, a = e[j], after[j]
            if a == b:
                continue
            changed |= 1 << j
            key = (b << 32 | a) << 1 | (j == restarted)
            ok = node_ok.get(key)
            if ok is None:
                if len(node_ok) >= MEMO_LIMIT:
                    node_ok.clear()
                ok = node_ok[key] = self.node_verdict(e, kind, arg, after, j)
            if not ok:
                enc = self.enc
                return _must_fail(check_step(enc.decode(e), enc.action(e, kind, arg), enc.decode(after)), "transition")
        return changed

    # The verdicts the methods above remember, each on the one part of the world it looks at
    # (the C loop remembers them in tables of its own).

    def single_verdict(self, e: tuple[int, ...], j: int) -> bool:
        """Whether the always properties hold of the node at position ``j`` with the ghost history."""
        return check_world(self.enc.decode_part(e, (j,))) is None

    def pair_verdict(self, e: tuple[int, ...], a: int, b: int) -> bool:
        """Whether they hold of the nodes at positions ``a`` and ``b``, without the ghost history."""
        return check_world(self.enc.decode_part(e, (a, b), ghost=False)) is None

    def node_verdict(self, e: tuple[int, ...], kind: int, arg: int, after: tuple[int, ...], j: int) -> bool:
        """Whether the transition properties hold of the node at position ``j`` on this step."""
        enc = self.enc
        return check_step(enc.decode_part(e, (j,)), enc.action(e, kind, arg), enc.decode_part(after, (j,))) is None

    def transition(self, e: tuple[int, ...], kind: int, arg: int, after: tuple[int, ...]) -> Violation | None:
        """The transition properties on the step from ``e`` to ``after``."""
        verdict = self.step(e, kind, arg, after)
        return None if isinstance(verdict, int) else verdict

    def note_sometimes(self, e: tuple[int, ...], at: int) -> None:
        g = e[self.ghost_at]
        if g in self.ghosts_noted or len(self.reached) == len(self.sometimes):
            return
        self.ghosts_noted.add(g)
        w = self.enc.decode(e)
        for name, holds in self.sometimes:
            if name not in self.reached and holds(w):
                self.reached[name] = at


def _must_fail(violation: Violation | None, kind: str) -> Violation:
    if violation is None:
        raise AssertionError(
            f"an {kind} property failed on part of a world but not on the whole: the registry "
            "breaks the decomposition contract in checker.model.invariants"
        )
    return violation


