"""Shrinking a trace: fewer, simpler steps that still break the same invariant.

Delta debugging over a trace's actions, in the spirit of Zeller's ddmin and Hypothesis's
shrinker: remove chunks of steps (halves first, then smaller, down to single steps), remove
related pairs (a cut and its heal, a crash and its restart, a heal and the next cut of the same
node, which merges two outages into one), move heals and restarts earlier, and repeat until no
pass finds anything. A candidate counts only if replaying it, with the same world model and
invariant registry as ``replay``, breaks the same invariant; a candidate with an action that is
no longer enabled does not count. Every accepted candidate is shorter, or as long with its
heals earlier, so the passes reach a fixpoint.

In an async network, removing a step can change the messages later steps deliver (a term, an
entry). Such a message action is re-aimed at the one message in flight of the same kind between
the same nodes, when there is one, so that shrinking is not stuck on stale copies.
"""

from __future__ import annotations

import time
from typing import Callable, Iterator

from attrs import evolve, frozen

from checker.front import model_for
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
)
from checker.model.config import SYNC
from checker.model.outcome import Outcome, heard_interrupt, outcome_for
from checker.traces.format import Trace
from checker.traces.replay import replay, replay_steps

Actions = tuple[Action, ...]


class ShrinkError(ValueError):
    """A trace that cannot be shrunk: it records no violation, or no longer reproduces it."""


class ShrinkInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) while shrinking: how far it had got."""

    def __init__(self, before: int, after: int, candidates: int, seconds: float) -> None:
        super().__init__(before, after, candidates, seconds)
        self.before, self.after, self.candidates, self.seconds = before, after, candidates, seconds


@frozen
class ShrinkResult:
    trace: Trace  # The shrunk trace, its outcome updated, engine "shrink".
    before: int  # Steps up to the violation in the original.
    after: int
    candidates: int  # Distinct candidates replayed.
    steps: int  # Model steps applied in all those replays.
    seconds: float


class _Reproducer:
    """Replays candidates, says which reproduce the invariant's violation, and remembers the
    verdicts."""

    def __init__(self, t: Trace, invariant: str) -> None:
        self.trace = t
        self.invariant = invariant
        self.model = model_for(t.config)
        self.sync = t.config.network == SYNC
        self.verdicts: dict[Actions, Outcome | None] = {}
        self.steps = 0

    def __call__(self, actions: Actions) -> tuple[Actions, Outcome] | None:
        """The candidate, cut at its violation (and re-aimed, async), with the outcome it
        reproduces; None when it does not break the invariant."""
        actions = self._reaim(actions)
        if actions not in self.verdicts:
            self.verdicts[actions] = self._replay(actions)
        outcome = self.verdicts[actions]
        if outcome is None:
            return None
        return actions[: outcome.step], outcome

    def _replay(self, actions: Actions) -> Outcome | None:
        candidate = evolve(self.trace, actions=actions)
        for s in replay_steps(candidate):
            self.steps += 1
            if s.world is None:
                return None
            if s.violation is not None:
                if s.violation.invariant != self.invariant:
                    return None
                return outcome_for(s.violation, s.step)
        return None

    def _reaim(self, actions: Actions) -> Actions:
        if self.sync or not any(isinstance(a, (Deliver, Drop, Duplicate)) for a in actions):
            return actions
        out: list[Action] = []
        w = self.model.initial()
        for k, a in enumerate(actions):
            if isinstance(a, (Deliver, Drop, Duplicate)) and a.message not in w.network:
                like = [m for m in w.network if _same_route(m, a.message)]
                if like:
                    a = type(a)(like[0])
            after = self.model.step(w, a)
            self.steps += 1
            out.append(a)
            if after is None:
                return tuple(out) + actions[k + 1 :]
            w = after
        return tuple(out)


def _same_route(m, n) -> bool:
    return type(m) is type(n) and m.source == n.source and m.dest == n.dest


def _node(a: Action) -> int | None:
    return getattr(a, "node", None)


# --- Passes --------------------------------------------------------------------------------
# Each pass yields candidates derived from the current actions; the first that the reproducer
# accepts replaces them, and the pass starts over on the new actions.


def remove_chunks(actions: Actions) -> Iterator[Actions]:
    """Without a run of consecutive steps: halves first, down to single steps, latest first."""
    n = len(actions)
    size = n // 2
    while size >= 1:
        for start in range(n - size, -1, -1):
            yield actions[:start] + actions[start + size :]
        size //= 2


def _pairs(actions: Actions) -> Iterator[tuple[int, int]]:
    """Related pairs: an outage and its end (cut/heal, crash/restart), or the end of one outage
    and the start of the next of the same node, whose removal merges the two."""
    starts, ends = (Cut, Crash), (Heal, Restart)
    for i, a in enumerate(actions):
        for j in range(i + 1, len(actions)):
            b = actions[j]
            if _node(b) != _node(a) or _node(a) is None:
                continue
            if (isinstance(a, Cut) and isinstance(b, Heal)) or (isinstance(a, Crash) and isinstance(b, Restart)):
                yield i, j
                break
            if (isinstance(a, Heal) and isinstance(b, Cut)) or (isinstance(a, Restart) and isinstance(b, Crash)):
                yield i, j
                break
            if isinstance(b, starts + ends):
                break


def remove_pairs(actions: Actions) -> Iterator[Actions]:
    """Without a related pair of steps; without any two steps, when the trace is short."""
    seen = set()
    for i, j in _pairs(actions):
        seen.add((i, j))
        yield actions[:i] + actions[i + 1 : j] + actions[j + 1 :]
    if len(actions) <= 30:
        for j in range(len(actions) - 1, 0, -1):
            for i in range(j - 1, -1, -1):
                if (i, j) not in seen:
                    yield actions[:i] + actions[i + 1 : j] + actions[j + 1 :]


def remove_requests(actions: Actions) -> Iterator[Actions]:
    """Without every client request but one, then without any."""
    requests = [k for k, a in enumerate(actions) if isinstance(a, ClientRequest)]
    if len(requests) > 1:
        for keep in requests:
            yield tuple(a for k, a in enumerate(actions) if k == keep or k not in requests)
    if requests:
        yield tuple(a for k, a in enumerate(actions) if k not in requests)


def heal_earlier(actions: Actions) -> Iterator[Actions]:
    """With a heal or restart moved earlier, as early as it will go: shorter outages."""
    for j, a in enumerate(actions):
        if not isinstance(a, (Heal, Restart)):
            continue
        start = max((i for i in range(j) if _node(actions[i]) == a.node and isinstance(actions[i], (Cut, Crash))), default=-1)
        for p in range(start + 1, j):
            yield actions[:p] + (a,) + actions[p:j] + actions[j + 1 :]


PASSES: tuple[Callable[[Actions], Iterator[Actions]], ...] = (remove_chunks, remove_requests, remove_pairs, heal_earlier)


def _better(new: Actions, old: Actions) -> bool:
    """Shorter, or as long with heals and restarts earlier: what makes the passes terminate."""
    if len(new) != len(old):
        return len(new) < len(old)
    return _heal_positions(new) < _heal_positions(old)


def _heal_positions(actions: Actions) -> int:
    return sum(k for k, a in enumerate(actions) if isinstance(a, (Heal, Restart)))


def shrink(t: Trace) -> ShrinkResult:
    """The shortest trace the passes find that breaks the invariant ``t`` records."""
    start = time.monotonic()
    if t.outcome.result not in ("violation", "error"):
        raise ShrinkError("records no violation, so there is nothing to keep while shrinking")
    reproduces = _Reproducer(t, t.outcome.invariant)
    first = reproduces(t.actions)
    if first is None:
        got = replay(t)
        o = got.outcome
        said = f"{o.invariant} at step {o.step}" if o.result == "violation" else "no violation"
        if got.disabled_at is not None:
            said += f" (step {got.disabled_at} is not enabled)"
        raise ShrinkError(f"does not break {t.outcome.invariant} when replayed (it gives {said})")
    actions, outcome = first
    before = len(actions)
    changed = True
    try:
        while changed:
            changed = False
            for make in PASSES:
                progress = True
                while progress:
                    progress = False
                    for candidate in make(actions):
                        verdict = reproduces(candidate)
                        if verdict is not None and _better(verdict[0], actions):
                            actions, outcome = verdict
                            progress = changed = True
                            break
    except KeyboardInterrupt as e:
        heard_interrupt()
        raise ShrinkInterrupted(before, len(actions), len(reproduces.verdicts), time.monotonic() - start) from e
    shrunk = Trace(t.config, actions, outcome, engine="shrink")
    return ShrinkResult(shrunk, before, len(actions), len(reproduces.verdicts), reproduces.steps, time.monotonic() - start)


# --- The command ---------------------------------------------------------------------------
