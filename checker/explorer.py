"""Bounded breadth-first search: every reachable world within the bounds, or the shortest
way to break an invariant."""

from __future__ import annotations

import resource
import sys
import time
from typing import Callable

from attrs import frozen

from checker.invariants import SOMETIMES_CHECKS, Violation, check_step, check_world
from checker.variants import get_variant
from checker.world import Action, Config, Model, World


@frozen
class Progress:
    depth: int
    frontier: int
    states: int
    distinct: int
    seconds: float


@frozen
class ExploreResult:
    """What a search found, and how far it looked."""

    config: Config
    violation: Violation | None
    trace: tuple[Action, ...] | None  # The shortest sequence of actions that breaks it.
    states: int  # Transitions taken, counting those to worlds seen before.
    distinct: int
    depth: int  # Deepest level fully or partly expanded.
    seconds: float
    exhaustive: bool  # True only when the frontier emptied inside the bounds.
    interrupted: bool
    reached: dict[str, int]  # sometimes-property name -> depth at which it was first reached.
    peak_rss_bytes: int


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb * 1024 if sys.platform != "darwin" else kb


def explore(
    config: Config,
    on_progress: Callable[[Progress], None] | None = None,
    progress_every: float = 1.0,
) -> ExploreResult:
    """Breadth-first search from the initial world, checking every invariant on every world and
    every step. Stops at the first violation, which is then at the smallest possible depth."""
    model = Model(config, get_variant(config.variant).rules)
    start = time.monotonic()
    last_report = start
    init = model.initial()
    parents: dict[World, tuple[World, Action] | None] = {init: None}
    reached: dict[str, int] = {}
    states = 0
    depth = 0
    frontier = [init]
    interrupted = False
    exhaustive = False

    def finish(violation: Violation | None, trace: tuple[Action, ...] | None) -> ExploreResult:
        return ExploreResult(
            config=config,
            violation=violation,
            trace=trace,
            states=states,
            distinct=len(parents),
            depth=depth,
            seconds=time.monotonic() - start,
            exhaustive=exhaustive,
            interrupted=interrupted,
            reached=dict(reached),
            peak_rss_bytes=peak_rss_bytes(),
        )

    def note_sometimes(w: World, at: int) -> None:
        for prop in SOMETIMES_CHECKS:
            if prop.name not in reached and prop.check(w):
                reached[prop.name] = at

    violation = check_world(init)
    if violation is not None:
        return finish(violation, ())
    note_sometimes(init, 0)
    max_depth = config.bounds.max_depth
    try:
        while frontier:
            if max_depth is not None and depth >= max_depth:
                break
            next_frontier: list[World] = []
            for w in frontier:
                for action in model.actions(w):
                    after = model.step(w, action)
                    if after is None:
                        continue
                    states += 1
                    violation = check_step(w, action, after)
                    if violation is not None:
                        depth += 1
                        return finish(violation, _path(parents, w) + (action,))
                    if after in parents:
                        continue
                    parents[after] = (w, action)
                    violation = check_world(after)
                    if violation is not None:
                        depth += 1
                        return finish(violation, _path(parents, after))
                    note_sometimes(after, depth + 1)
                    next_frontier.append(after)
                if on_progress is not None:
                    now = time.monotonic()
                    if now - last_report >= progress_every:
                        last_report = now
                        on_progress(Progress(depth, len(frontier), states, len(parents), now - start))
            frontier = next_frontier
            if frontier:
                depth += 1
        else:
            exhaustive = True
    except KeyboardInterrupt:
        interrupted = True
    return finish(None, None)


def _path(parents: dict[World, tuple[World, Action] | None], w: World) -> tuple[Action, ...]:
    actions: list[Action] = []
    link = parents[w]
    while link is not None:
        w, action = link
        actions.append(action)
        link = parents[w]
    return tuple(reversed(actions))
