"""Stateful fuzzing: a Hypothesis ``RuleBasedStateMachine`` over the world model.

Two machines share one ``@invariant`` that runs the whole registry, and keep no invariant logic
of their own. ``RaftMachine`` has one rule per kind of action, each enabled exactly when the
explorer would find an action of that kind enabled, so Hypothesis draws every action.
``BurstMachine``, the default, has one rule that draws a seed and a length and takes that many
actions of a steered random walk (``checker.fuzz.steer``) with its own ``random.Random``, checking the
registry after each: Hypothesis's cost, about a millisecond a rule, is paid once a burst instead
of once an action. Either way a failure is turned into the project's trace format, the concrete
actions, so it replays without Hypothesis and without the example database.

Steering helps random choice build the long histories Raft bugs need: weights on kinds of
action, tuned on the known-bug variants (``WEIGHTS``); in the async network without bursts, a
``settle`` rule that delivers everything in flight; and, opt-in, swarm testing of the weights
and ``hypothesis.target`` on the highest term, the number of elections, how far logs diverge and
how much is uncommitted (both measured not to pay).
"""

from __future__ import annotations

import functools
import random
import time
from typing import Callable

import hypothesis
from attrs import define, field, frozen
from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from checker.front import model_for
from checker.fuzz import internals
from checker.fuzz import steer as steering
from checker.fuzz.internals import pinned_generation
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
from checker.model.config import ASYNC, FIFO, Bounds, Config
from checker.model.invariants import SOMETIMES_CHECKS, check_step, check_world
from checker.model.native import Model
from checker.model.outcome import Outcome, Violation, outcome_for
from checker.model.variants import get_variant
from checker.model.world import World
from checker.traces.format import Trace, Verdict
from checker.traces.replay import replay
from checker.traces.shrink import ShrinkInterrupted
from checker.traces.shrink import shrink as shrink_trace
from raft.state import Role


def fuzz_bounds(nodes: int) -> Bounds:
    """Generous bounds for fuzzing: faults up to a minority of the cluster at once."""
    minority = (nodes - 1) // 2
    return Bounds(max_term=8, max_requests=4, max_in_flight=10, max_cut=max(minority, 1), max_crashed=minority)


def fuzz_config(nodes: int = 3, network: str = "sync", variant: str = "default", seed: int = 0) -> Config:
    return Config(nodes=nodes, network=network, variant=variant, bounds=fuzz_bounds(nodes), seed=seed)


def fuzz_config_for(variant: str, seed: int = 0, nodes: int | None = None, network: str | None = None) -> Config:
    """What a variant is fuzzed on: its own cluster size and network (some bugs need 2 or 4 nodes,
    or messages in flight) unless given, with the fuzzer's bounds rather than the explorer's, which
    are so tight that a random run can end in a world where no action is enabled."""
    own = get_variant(variant).config
    nodes = nodes or (own.nodes if own is not None else 3)
    network = network or (own.network if own is not None else "sync")
    return fuzz_config(nodes, network, variant, seed)


#: The steering choices.
#:
#: - ``bursts`` (default): the machine's one rule draws a seed and a length and takes that many
#:   steps of a steered walk (``checker.fuzz.steer``) with its own ``random.Random(seed)``, checking the
#:   registry after every step. Hypothesis's overhead, about a millisecond a rule, is paid once a
#:   burst instead of once an action; it still chooses, mutates and shrinks the bursts, and the
#:   trace saved is the concrete actions. Without it, ``RaftMachine``'s one rule per kind of action.
#: - ``weights`` (default): the walk favours what builds Raft histories (deliveries over loss and
#:   duplication, leaders' heartbeats and client requests over timeouts, outages rare but long);
#:   without it, every enabled action is as likely as any other.
#: - ``swarm``: each example scales every weight by its own random factor (swarm testing).
#: - ``settle`` (default; without bursts only): in the async network, a rule that delivers
#:   everything in flight, so that progress is as likely as loss.
#: - ``targets``: Hypothesis's hill climbing on the highest term, elections, log divergence and
#:   uncommitted entries.
#:
#: ``swarm`` and ``targets`` are opt-in because, measured, they made the median time to a
#: counterexample worse, not better (docs/fuzzing.md; ``python -m checker bench --engines``).
STEERING_CHOICES = frozenset({"bursts", "weights", "swarm", "settle", "targets"})
STEERING = frozenset({"bursts", "weights", "settle"})

#: The steered walk's weights (relative; see ``checker.fuzz.steer.Weights``), tuned on the known-bug
#: variants for the fewest steps to a first counterexample; the measurements are in docs/fuzzing.md.
WEIGHTS = steering.Weights(
    heartbeat=1.0,
    timeout=0.5,
    request=1.0,
    cut=0.2,
    heal=0.5,
    crash=0.3,
    restart=1.0,
    deliver_request=3.0,
    deliver_reply=3.0,
    drop=0.5,
    duplicate=1.0,
)

#: The longest burst: a burst's length is drawn between 1 and this. Long bursts pay, because
#: Hypothesis replays the start of an example to mutate its end and each burst costs a rule's
#: overhead (measured against shorter bursts: docs/fuzzing.md).
BURST = 480

#: Runs of ``steps`` actions in one example, on average, with bursts.
RUNS = 8

#: Bursts remembered, so that Hypothesis's replays of them cost nothing.
MEMO_SIZE = 20_000


class _TimeUp(KeyboardInterrupt):
    """Raised when a run's time limit has passed before any violation was seen. Hypothesis lets
    an interruption through at once, without recording the example it cut short (a failure would
    be replayed and checked for flakiness); ``fuzz`` tells it from a real Ctrl-C by its type."""


class BrokenInvariant(AssertionError):
    """Raised inside the machine when the registry reports a violation."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(f"{violation.invariant}: {violation.message}")
        self.violation = violation


@define
class _Tally:
    """What every run of the machine adds up to; shared by all examples of one fuzz run."""

    examples: int = 0
    runs: int = 0  # Runs from the initial world (one an example, except where bursts start new ones).
    steps: int = 0
    checks: int = 0
    longest: int = 0
    reached: dict[str, int] = field(factory=dict)
    distinct: set[int] = field(factory=set)
    failure: tuple[tuple[Action, ...], Violation] | None = None
    first_failure_at: float | None = None  # Seconds into the run when a violation was first seen.
    started: float = 0.0
    on_found: Callable[[float], None] | None = None
    last_report: float = 0.0
    on_progress: Callable[[_Tally], None] | None = None
    deadline: float | None = None  # time.monotonic() past which the run stops; None: no limit.
    max_steps: int | None = None  # Steps past which the run stops (for measuring steering); None: no limit.
    memo: dict = field(factory=dict)  # Bursts already walked: where each ended (see BurstMachine.burst).


@frozen
class _Run:
    """What one fuzz run tells every example of its machine."""

    config: Config
    steer: frozenset[str]
    tally: _Tally
    steps: int | None  # Actions per run (BurstMachine); None: no limit of our own.
    seed: int  # The fuzz run's --seed.


class _Machine(RuleBasedStateMachine):
    """What both machines share: the initial world, taking a step, and the registry after every step.

    A machine learns its run's configuration, steering, tally, steps and seed from the ``_Run``
    it is made with (``fuzz``), or, made with none (a ``machine_for`` class's ``TestCase``), from
    its class's attributes."""

    config: Config = fuzz_config()
    steer: frozenset[str] = frozenset()
    tally: _Tally = _Tally()
    steps: int | None = None  # Actions per run (BurstMachine); None: no limit of our own.
    run_seed: int = 0  # The fuzz run's --seed.

    def __init__(self, run: _Run | None = None) -> None:
        super().__init__()
        if run is not None:
            self.config, self.steer, self.tally, self.steps, self.run_seed = run.config, run.steer, run.tally, run.steps, run.seed
        # The time limit is looked at only between examples.
        tally = self.tally
        if tally.failure is None and (
            (tally.deadline is not None and time.monotonic() >= tally.deadline)
            or (tally.max_steps is not None and tally.steps >= tally.max_steps)
        ):
            raise _TimeUp()

    @initialize()
    def start(self) -> None:
        """Build the initial world from the configuration."""
        # The native core, or with --impl a user's class (checker.impl): the same rules drive either.
        self.model = model_for(self.config)
        self.check_world, self.check_step = self.model.check_world, self.model.check_step
        self.world: World = self.model.initial()
        self.trail: list[Action] = []
        self.last: tuple[World, Action, World] | None = None
        self.checked = False  # Whether the registry has been run on self.world.
        self.successors: dict[type, list[tuple[Action, World]]] | None = None
        self.candidates: list[Action] = []
        self.peak_term = 0
        self.tally.examples += 1
        self.tally.runs += 1

    def _new_run(self) -> None:
        """Start again from the initial world."""
        tally = self.tally
        tally.longest = max(tally.longest, len(self.trail))
        tally.runs += 1
        self.world = self.model.initial()
        self.trail = []
        self.last = None
        self.checked = True

    def _apply(self, action: Action, after: World) -> None:
        self.last = (self.world, action, after)
        self.world = after
        self.checked = False
        self.trail.append(action)
        self.successors = None
        tally = self.tally
        tally.steps += 1
        tally.distinct.add(hash(after))

    # --- the registry, after every step -----------------------------------------------------------

    @invariant()
    def registry_holds(self) -> None:
        """Every invariant of the registry holds after every step."""
        if not self.checked:
            self._check()

    def _check(self) -> None:
        tally = self.tally
        violation = None
        if self.last is not None:
            violation = self.check_step(*self.last)
            self.last = None
        violation = violation or self.check_world(self.world)
        self.checked = True
        tally.checks += 1
        for prop in SOMETIMES_CHECKS:
            if prop.name not in tally.reached and prop.check(self.world):
                tally.reached[prop.name] = len(self.trail)
        self.peak_term = max(self.peak_term, max(n.current_term for n in self.world.nodes))
        if violation is not None:
            tally.failure = (tuple(self.trail), violation)
            if tally.first_failure_at is None:
                tally.first_failure_at = time.monotonic() - tally.started
                if tally.on_found is not None:
                    tally.on_found(tally.first_failure_at)
            raise BrokenInvariant(violation)
        if tally.on_progress is not None:
            now = time.monotonic()
            if now - tally.last_report >= 1.0:
                tally.last_report = now
                tally.on_progress(tally)

    def teardown(self) -> None:
        tally = self.tally
        tally.longest = max(tally.longest, len(getattr(self, "trail", ())))
        if "targets" not in self.steer or not hasattr(self, "world"):
            return
        w = self.world
        hypothesis.target(float(self.peak_term), label="highest term")
        hypothesis.target(float(len(w.elections)), label="elections")
        hypothesis.target(float(_divergence(w)), label="log divergence")
        hypothesis.target(float(_uncommitted(w)), label="uncommitted entries")


class RaftMachine(_Machine):
    """Random walks through the world model, one rule per kind of action, shrunk by Hypothesis
    when an invariant breaks."""

    # --- enabling, shared with the explorer: an action is enabled when Model.step allows it ---

    def _enabled(self, kind: type) -> list[tuple[Action, World]]:
        # Worked out per kind, and only for the kinds Hypothesis asks about: most steps need a few.
        if self.successors is None:
            self.successors = {}
            self.candidates = list(self.model.actions(self.world))
        options = self.successors.get(kind)
        if options is None:
            w, model = self.world, self.model
            options = [(a, after) for a in self.candidates if type(a) is kind and (after := model.step(w, a)) is not None]
            self.successors[kind] = options
        return options

    def _take(self, kind: type, data: st.DataObject) -> None:
        # Drawn with sampled_from, whose choice is spread evenly over the options; a bare small
        # integer taken modulo the options would favour the first one (Hypothesis likes zeros),
        # which made finding bugs slower (docs/fuzzing.md).
        options = self._enabled(kind)
        self._apply(*data.draw(st.sampled_from(options), label=kind.__name__))

    # --- one rule per kind of action ----------------------------------------------------------

    @precondition(lambda self: bool(self._enabled(Tick)))
    @rule(data=st.data())
    def tick(self, data: st.DataObject) -> None:
        """Time passes at a node until its timer fires."""
        self._take(Tick, data)

    @precondition(lambda self: bool(self._enabled(ClientRequest)))
    @rule(data=st.data())
    def client_request(self, data: st.DataObject) -> None:
        """A client sends the next command to a leader."""
        self._take(ClientRequest, data)

    @precondition(lambda self: bool(self._enabled(Cut)))
    @rule(data=st.data())
    def cut(self, data: st.DataObject) -> None:
        self._take(Cut, data)

    @precondition(lambda self: bool(self._enabled(Heal)))
    @rule(data=st.data())
    def heal(self, data: st.DataObject) -> None:
        self._take(Heal, data)

    @precondition(lambda self: bool(self._enabled(Crash)))
    @rule(data=st.data())
    def crash(self, data: st.DataObject) -> None:
        self._take(Crash, data)

    @precondition(lambda self: bool(self._enabled(Restart)))
    @rule(data=st.data())
    def restart(self, data: st.DataObject) -> None:
        self._take(Restart, data)

    @precondition(lambda self: bool(self._enabled(Deliver)))
    @rule(data=st.data())
    def deliver(self, data: st.DataObject) -> None:
        self._take(Deliver, data)

    @precondition(lambda self: bool(self._enabled(Drop)))
    @rule(data=st.data())
    def drop(self, data: st.DataObject) -> None:
        self._take(Drop, data)

    @precondition(lambda self: bool(self._enabled(Duplicate)))
    @rule(data=st.data())
    def duplicate(self, data: st.DataObject) -> None:
        self._take(Duplicate, data)

    # --- steering: several actions for one choice ------------------------------------------------

    @precondition(lambda self: "settle" in self.steer and self.config.network in (ASYNC, FIFO) and bool(self._enabled(Deliver)))
    @rule()
    def settle(self) -> None:
        """The network settles: what is in flight, and the replies that come of it, is delivered
        in order, with the registry checked after every delivery."""
        for _ in range(4 * self.config.nodes):
            if not self._enabled(Deliver):
                return
            self._apply(*self._enabled(Deliver)[0])
            self._check()


class BurstMachine(_Machine):
    """Bursts of a steered random walk, one rule for them all: Hypothesis draws each burst's seed
    and length (and, with ``swarm``, each example's weights), and shrinks them; the steps are the
    world model's actions, checked against the registry one by one, as in ``RaftMachine``."""

    @initialize(profile=st.integers(0, 2**32 - 1))
    def choose_weights(self, profile: int) -> None:
        """This example's weights: the tuned ones, uniform, or (swarm) the tuned ones rescaled."""
        self.bursts = 0
        self.taken = 0  # Actions this example's bursts were allowed, in all.
        base = WEIGHTS if "weights" in self.steer else steering.Weights()
        self.weights = steering.swarm(base, random.Random(profile)) if "swarm" in self.steer else base

    # The length is drawn as how much shorter than BURST the burst is, so that Hypothesis's
    # simplest choices, which it makes most in its first examples, are the longest bursts.
    @rule(seed=st.integers(0, 2**32 - 1), shorter=st.integers(0, BURST - 1))
    def burst(self, seed: int, shorter: int) -> None:
        """A burst of ``BURST - shorter`` steps of the steered walk, drawn with a ``random.Random``
        keyed by ``seed``.
        A run ends after ``steps`` actions (or where nothing is enabled) and the next starts from
        the initial world, so one example holds several runs, and Hypothesis's cost for an
        example is shared by them all."""
        length = BURST - shorter
        if self.steps is not None:
            # An example holds 2 * RUNS runs at most, however many bursts its settings allow
            # (``fuzz`` allows about that many; a settings profile under pytest may allow more).
            length = min(length, 2 * RUNS * self.steps - self.taken)
            if length <= 0:
                return
        self.taken += length
        # Keyed by the burst's place in the example too: Hypothesis repeats small seeds (0 above
        # all) and copies bursts when it mutates an example, and each copy should walk anew. And by
        # the run's --seed: Hypothesis's first example is its simplest whatever the seed, and runs
        # with different seeds should differ from their first step.
        self.bursts += 1
        # A burst is a pure function of this key. Hypothesis runs many example prefixes again
        # (to extend or mutate what follows them: over half the bursts on figure8), so a
        # burst met before, which broke nothing then, is not walked again: the machine jumps to
        # where it ended. One that broke an invariant was never stored, and fails again.
        key = (seed, shorter, length, self.bursts, self.weights, tuple(self.trail), self.world)
        memo = self.tally.memo
        done = memo.get(key)
        if done is not None:
            self.world, trail, self.peak_term = done
            self.trail = list(trail)
            self.last, self.checked = None, True
            return
        rnd = random.Random(f"{self.run_seed}:{seed}:{shorter}:{self.bursts}")
        model, weights, limit = self.model, self.weights, self.steps
        for _ in range(length):
            chosen = steering.pick(model, self.world, weights, rnd) if limit is None or len(self.trail) < limit else None
            if chosen is None:
                self._new_run()
                continue
            self._apply(*chosen)
            self._check()
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = (self.world, tuple(self.trail), self.peak_term)


def machine_for(
    config: Config,
    steer: frozenset[str] = STEERING,
    tally: _Tally | None = None,
    steps: int | None = 60,
    seed: int = 0,
) -> type[_Machine]:
    """The machine for ``config`` (``BurstMachine`` when steering by ``bursts``, else
    ``RaftMachine``), as a class of its own that holds the run's settings; its ``TestCase`` runs
    it under pytest or unittest. (``fuzz`` makes none: it passes each example of the shared class
    its run. Hypothesis keeps every state-machine class it has run, for the life of the process,
    and a class of a run's own held the run's tally and burst memo.)"""
    base = _machine_class(steer)
    attributes = {
        "config": config,
        "steer": steer,
        "tally": tally if tally is not None else _Tally(),
        "steps": steps,
        "run_seed": seed,
        # Hypothesis digests a machine's source for its example database, which we do not keep;
        # found by module, the source of this class made on the fly would be looked for by
        # parsing this whole file, twice a run (tens of milliseconds). Without a module to look
        # in, the digest is the class's name.
        "__module__": f"{__name__}.machine_for",
    }
    return type(base.__name__, (base,), attributes)


def _machine_class(steer: frozenset[str]) -> type[_Machine]:
    return BurstMachine if "bursts" in steer else RaftMachine


def _divergence(w: World) -> int:
    """How many entries, over all pairs of nodes, sit past the point where their logs agree."""
    total = 0
    nodes = w.nodes
    for a in range(len(nodes)):
        for b in range(a + 1, len(nodes)):
            la, lb = nodes[a].log, nodes[b].log
            common = 0
            for x, y in zip(la, lb):
                if x != y:
                    break
                common += 1
            total += (len(la) - common) + (len(lb) - common)
    return total


def _uncommitted(w: World) -> int:
    return sum(len(n.log) - 1 - n.commit_index for n in w.nodes if n.role is Role.LEADER)


def _settings(examples: int, steps: int, phases: tuple[Phase, ...]) -> settings:
    """A fuzz run's Hypothesis settings: no deadline, no example database, no health checks (our
    examples are long and slow on purpose), no printing."""
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=False,
        phases=phases,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )


class _Examples:
    """What Hypothesis calls for each example's machine: an instance of ``machine`` told the run
    under way (``_Run``), which ``_run_machine`` sets for the length of the run."""

    def __init__(self, machine: type[_Machine]) -> None:
        self.machine = machine
        self.run: _Run | None = None

    def __call__(self) -> _Machine:
        return self.machine(self.run)


@functools.lru_cache(maxsize=16)
def _machine_test(
    machine: type[_Machine], examples: int, steps: int, phases: tuple[Phase, ...], profile: settings
) -> tuple[_Examples, Callable[[], None]]:
    """Hypothesis's test of ``machine`` with these settings (over the ``profile`` in force, which is
    part of the key so that a newly loaded profile is not missed), built once a process and run
    again by every fuzz run that asks for the same: its settings are checked and its test wrapped
    once, not once a run. It keeps nothing of one run for the next:
    each call draws from a ``Random`` of the seed it is given, and the run comes in through
    ``_Examples`` (tests/test_fuzz.py checks that a run gives the same trace either way). (Raises
    AttributeError or ImportError if Hypothesis's internals have moved: see
    ``checker.fuzz.internals.machine_test``.)"""
    factory = _Examples(machine)
    return factory, internals.machine_test(factory, _settings(examples, steps, phases))


def _run_machine(machine: type[_Machine], run: _Run, examples: int, steps: int, phases: tuple[Phase, ...]) -> None:
    """Run ``machine`` as a Hypothesis test, seeded by the run's seed, for ``examples`` examples of
    ``steps`` steps at most. (If Hypothesis's internals move, this falls back on the public
    ``run_state_machine_as_test``.)"""
    try:
        factory, test = _machine_test(machine, examples, steps, phases, settings.default)
    except (ImportError, AttributeError, TypeError):
        factory, test = None, None
    if factory is None or factory.run is not None:
        # No test to share, or the shared one is running (a fuzz run inside another's callback).
        example = hypothesis.seed(run.seed)(functools.partial(machine, run))
        run_state_machine_as_test(example, settings=_settings(examples, steps, phases))
        return
    factory.run = run
    internals.seed_test(test, run.seed)
    try:
        test()
    finally:
        factory.run = None


@frozen
class FuzzResult(Verdict):
    """What a fuzzing run found (its ``counterexample`` is the shrunk trace), and how much it tried."""

    ENGINE = "fuzz"

    config: Config
    violation: Violation | None
    trace: tuple[Action, ...] | None  # Shrunk, as replayed.
    examples: int
    steps: int
    checks: int
    distinct: int
    depth: int  # The longest example run.
    seconds: float
    found_after: float | None  # Seconds until the violation was first seen, before shrinking.
    reached: dict[str, int]
    unshrunk: bool = False  # Shrinking was interrupted (Ctrl-C): ``trace`` is as first found.

    @property
    def exhaustive(self) -> bool:
        """Never: a random search proves nothing by finding nothing."""
        return False




def fuzz(
    config: Config,
    examples: int = 200,
    steps: int = 60,
    seed: int = 0,
    steer: frozenset[str] = STEERING,
    shrink: str = "fast",
    on_progress: Callable[[_Tally], None] | None = None,
    on_found: Callable[[float], None] | None = None,
    time_limit: float | None = None,
) -> FuzzResult:
    """Run the machine for up to ``examples`` examples of up to ``steps`` steps, seeded by ``seed``,
    and for ``time_limit`` seconds at most (None: no limit); stop at the first broken invariant
    and shrink it: ``"fast"`` by delta debugging over the actions (``checker.traces.shrink``), ``"full"``
    by Hypothesis's own shrinker first (often minutes on a long example), ``"none"`` not at all.
    ``on_found`` hears, before shrinking starts, how many seconds it took to see the violation."""
    now = time.monotonic()
    deadline = None if time_limit is None else now + time_limit
    tally = _Tally(started=now, last_report=now, on_progress=on_progress, on_found=on_found, deadline=deadline)
    run = _Run(config, steer, tally, steps, seed)
    if "bursts" in steer:
        # A step of the state machine is a burst here, of BURST / 2 actions on average, and an
        # example holds RUNS runs of ``steps`` actions; its two initialize rules count as steps too.
        steps = -(-2 * RUNS * steps // BURST) + 2
    phases = (Phase.explicit, Phase.generate) + ((Phase.target,) if "targets" in steer else ()) + ((Phase.shrink,) if shrink == "full" else ())
    violation, trail, unshrunk = None, None, False
    try:
        with pinned_generation():
            _run_machine(_machine_class(steer), run, examples, steps, phases)
    except (BrokenInvariant, _TimeUp):
        pass
    except KeyboardInterrupt as e:
        if not isinstance(e, _TimeUp) and not (e.__context__ and isinstance(e.__context__, _TimeUp)):
            raise
    if tally.failure is not None:
        trail, _ = tally.failure
        # Replay the shrunk trail through the plain world model: the trace must stand on its own.
        result = replay(Trace(config, trail, Outcome("violation")))
        violation = Violation(result.outcome.invariant, result.outcome.message)
        trail = trail[: result.outcome.step]
        if shrink != "none":
            # Hypothesis shrinks choices, not actions; delta debugging over the actions does the job,
            # or finishes it, in a fraction of a second.
            try:
                done = shrink_trace(Trace(config, trail, outcome_for(violation, len(trail))))
            except ShrinkInterrupted:
                # Ctrl-C while shrinking: the violation is found, so it is kept, unshrunk, not lost.
                unshrunk = True
            else:
                trail = done.trace.actions
                violation = Violation(done.trace.outcome.invariant, done.trace.outcome.message)
    return FuzzResult(
        config=config,
        violation=violation,
        trace=trail,
        examples=tally.examples,
        steps=tally.steps,
        checks=tally.checks,
        distinct=len(tally.distinct),
        depth=tally.longest,
        seconds=time.monotonic() - tally.started,
        found_after=tally.first_failure_at,
        reached=dict(tally.reached),
        unshrunk=unshrunk,
    )


def random_walk(config: Config, seed: int, steps: int = 60, time_limit: float = 60.0) -> tuple[float, tuple[Action, ...]] | None:
    """The baseline: uniform random choice among all enabled actions, restarting every ``steps``
    steps, until an invariant breaks (seconds taken, trail) or ``time_limit`` passes (None)."""
    model = Model(config, get_variant(config.variant).rules)
    rnd = random.Random(seed)
    start = time.monotonic()
    while time.monotonic() - start < time_limit:
        w = model.initial()
        trail: list[Action] = []
        for _ in range(steps):
            options = [(a, after) for a in model.actions(w) if (after := model.step(w, a)) is not None]
            if not options:
                break
            action, after = options[rnd.randrange(len(options))]
            trail.append(action)
            if check_step(w, action, after) or check_world(after):
                return time.monotonic() - start, tuple(trail)
            w = after
    return None


#: How long ``first_counterexample`` fuzzes one seed before it reports a miss.
FIRST_COUNTEREXAMPLE_LIMIT = 10.0


def first_counterexample(
    config: Config, seed: int, steps: int = 60, time_limit: float = FIRST_COUNTEREXAMPLE_LIMIT
) -> tuple[float, int] | None:
    """Seconds until the fuzzer first sees a violation, and the length it shrinks it to; None if
    it finds nothing within ``time_limit`` seconds."""
    result = fuzz(config, examples=10**9, steps=steps, seed=seed, time_limit=time_limit)
    if result.violation is None:
        return None
    return result.found_after, len(result.trace)
