"""The call sandbox is armed for a step only when the step runs the implementation's code
(``Sandbox.arm``, at the first call, restore or copy): its alarm, its watch and the saved state
of the module ``random`` are in place for every call, once per step, and a step that the
driver's call memo replays whole arms nothing.
"""

from __future__ import annotations

import random
import signal
import time
from pathlib import Path

import pytest
from attrs import evolve

from checker.front import model_for
from checker.impl.sandbox import CallFailed, Sandbox
from checker.model.config import REFERENCE, ImplTarget
from checker.search.parallel import parallel_search

ROOT = Path(__file__).resolve().parent.parent
SEED_STYLE = ROOT / "tests" / "impls" / "seed_style.py"


class CountingWatch:
    """A stand-in for CallWatch that counts how it is used."""

    def __init__(self) -> None:
        self.holds = self.releases = self.enters = 0
        self.unrepeatable = None

    def hold(self) -> None:
        self.holds += 1

    def release(self) -> None:
        self.releases += 1

    def enter(self) -> None:
        self.enters += 1

    def leave(self) -> None:
        pass

    def changed(self) -> list[str]:
        return []


def test_a_step_without_a_call_arms_nothing_and_one_with_calls_arms_once():
    watch = CountingWatch()
    box = Sandbox(1.0, watch=watch)
    handler = signal.getsignal(signal.SIGALRM)

    box.run(lambda: None)
    assert (watch.holds, watch.releases) == (0, 0)

    box.run(lambda: [box.call(1, "tick", lambda: None, seed=None) for _ in range(3)])
    assert (watch.holds, watch.releases, watch.enters) == (1, 1, 3)
    assert signal.getsignal(signal.SIGALRM) == handler  # Put back after the step.


def test_the_module_random_is_put_back_after_a_step_whose_call_draws_from_it():
    box = Sandbox(1.0)
    random.seed(11)
    before = random.getstate()
    box.run(lambda: box.call(1, "tick", lambda: random.random(), seed="tick"))
    assert random.getstate() == before


def test_a_call_made_after_the_step_began_is_still_timed():
    """The alarm's handler is installed at the step's first call, not at its start."""
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timer")
    box = Sandbox(0.2)

    def step() -> None:
        box.arm()  # As the driver does before restoring a node.
        box.call(1, "tick", lambda: time.sleep(5), seed=None)

    with pytest.raises(CallFailed, match="did not return within 0.2 s"):
        box.run(step)


def test_a_search_replays_most_steps_without_arming_the_sandbox(monkeypatch):
    """On a fast search of a seed-style class, the steps that arm the sandbox are those that call
    into the class, restore or copy: far fewer than the steps, once the call memo is warm."""
    runs = arms = 0
    real_run, real_arm = Sandbox.run, Sandbox.arm

    def run(self, action):
        nonlocal runs
        runs += 1
        return real_run(self, action)

    def arm(self):
        nonlocal arms
        if self._open and not self._armed:
            arms += 1
        return real_arm(self)

    monkeypatch.setattr(Sandbox, "run", run)
    monkeypatch.setattr(Sandbox, "arm", arm)
    c = REFERENCE["tiny"]
    config = evolve(c, impl=ImplTarget(f"{SEED_STYLE}:SeedRaft", call_timeout=5.0), bounds=evolve(c.bounds, max_depth=6))
    result = parallel_search(model_for(config), 1)

    assert result.violation is None and runs > 1000
    assert 0 < arms < runs / 3  # 522 of 2,795 today.
