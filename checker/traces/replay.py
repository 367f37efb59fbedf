"""Replaying a trace: its actions applied again, every invariant checked after each step.
"""

from __future__ import annotations

from typing import Iterator

from attrs import frozen

from checker.front import model_for
from checker.model.actions import Action
from checker.model.native import Event
from checker.model.outcome import Outcome, Violation, outcome_for
from checker.model.world import World
from checker.traces.format import Trace


@frozen
class ReplayResult:
    """What happened when a trace's actions were applied again."""

    outcome: Outcome
    steps: int  # Actions applied.
    disabled_at: int | None = None  # 1-based step whose action was not enabled, if any.

    def reproduces(self, recorded: Outcome) -> bool:
        return self.outcome.same_as(recorded)


@frozen
class ReplayStep:
    """One step of a replay: the world after ``action`` (step 0 is the initial world, with no
    action), and the first invariant it breaks, if any. ``world`` is None when the action is not
    enabled in the world before it; the replay stops there, as it does after a violation."""

    step: int
    action: Action | None
    world: World | None
    violation: Violation | None
    events: tuple[Event, ...] = ()  # What happened inside the step; only with events=True.


def replay_steps(t: Trace, events: bool = False) -> Iterator[ReplayStep]:
    """Apply the trace's actions from the initial world, checking every invariant after each step,
    and yield each step. Stops after the first violation, or at an action that is no longer enabled.
    With ``events``, each step also says which messages were sent, delivered and lost in it."""
    model = model_for(t.config)
    check_world, check_step = model.check_world, model.check_step
    world = model.initial()
    violation = check_world(world)
    yield ReplayStep(0, None, world, violation)
    if violation is not None:
        return
    for k, action in enumerate(t.actions, start=1):
        if events:
            after, happened = model.step_events(world, action)
        else:
            after, happened = model.step(world, action), ()
        if after is None:
            yield ReplayStep(k, action, None, None)
            return
        violation = check_step(world, action, after) or check_world(after)
        yield ReplayStep(k, action, after, violation, happened)
        if violation is not None:
            return
        world = after


def replay(t: Trace) -> ReplayResult:
    """Apply the trace's actions from the initial world, checking every invariant after each step.
    Stops at the first violation, or at an action that is no longer enabled."""
    applied = 0
    for s in replay_steps(t):
        if s.world is None:
            return ReplayResult(Outcome("clean"), applied, disabled_at=s.step)
        if s.violation is not None:
            return ReplayResult(_violated(s.violation, s.step), s.step)
        applied = s.step
    return ReplayResult(Outcome("clean"), applied)


def _violated(v: Violation, step: int) -> Outcome:
    return outcome_for(v, step)
