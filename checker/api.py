"""The library API: what the command line does, as functions that return result objects.

``from checker import explore, fuzz, replay, shrink, load_trace`` is the way in for a user's own
pytest suite; the command line is a thin layer over these functions. Each search returns its
verdict, its counts, the configuration with its bounds, whether it was exhaustive, and the
counterexample as a ``Trace`` that ``replay`` and ``save_trace`` take as they are.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Callable, Mapping

from attrs import evolve, frozen

from checker.front import explore as _explore
from checker.impl import targets
from checker.model.config import REFERENCE, Bounds, Config, ImplTarget
from checker.model.outcome import Violation
from checker.model.variants import get_variant
from checker.search.bfs import Progress
from checker.traces import ReplayResult, ShrinkResult, Trace, load, save
from checker.traces import replay as _replay
from checker.traces import shrink as _shrink
from checker.traces.format import Verdict

if TYPE_CHECKING:  # Hypothesis is imported only when fuzz is called.
    from checker.fuzz.run import FuzzResult


#: The depth bound of a search of a user's class when none is given (as ``explore --impl``).
IMPL_DEFAULT_DEPTH = 8

#: The keyword arguments that set a bound, as ``Bounds`` names them.
_BOUND_NAMES = tuple(a.name for a in Bounds.__attrs_attrs__)


def configuration(
    config: Config | str | None = None,
    *,
    variant: str | None = None,
    impl: ImplTarget | str | None = None,
    impl_conf: Mapping[str, str] | None = None,
    network: str | None = None,
    **bounds: int | None,
) -> Config:
    """The configuration that the arguments name, resolved the way ``explore`` and ``fuzz`` do.

    ``config`` is a ``Config``, the name of a reference configuration (``REFERENCE``), or None.
    With no ``config`` and no ``bounds``, a ``variant`` starts from its own smallest configuration
    that shows its bug (``Variant.config``); otherwise from ``config`` (default: ``"default"``)
    under the variant's rules. ``bounds`` are ``Bounds`` fields (``max_term=4``, ...), and win.
    ``impl`` is what ``--impl`` takes: a library on the package index, ``"pysyncobj"`` or
    ``"pysyncobj==0.3.11"`` (resolved to the release fetched, so that a trace names it), a
    user's class or adapter, ``"path/to/file.py:ClassName"``, or an ``ImplTarget``; ``impl_conf``
    its settings (``--impl-conf``). ``network`` wins; without it, a library or an adapter is
    checked on the network its adapter names (raises ValueError for a target that cannot be used)."""
    unknown = sorted(set(bounds) - set(_BOUND_NAMES))
    if unknown:
        raise TypeError(f"unknown bound {', '.join(unknown)} (known: {', '.join(_BOUND_NAMES)})")
    if isinstance(config, str):
        if config not in REFERENCE:
            raise ValueError(f"unknown reference configuration {config!r} (known: {', '.join(sorted(REFERENCE))})")
        config = REFERENCE[config]
    if config is None:
        own = get_variant(variant).config if variant is not None else None
        config = own if own is not None and not bounds else REFERENCE["default"]
    if variant is not None:
        config = evolve(config, variant=get_variant(variant).name)
    if bounds:
        config = evolve(config, bounds=evolve(config.bounds, **bounds))
    if network is not None:
        config = evolve(config, network=network)
    if impl is not None:
        target = ImplTarget(impl) if isinstance(impl, str) else impl
        if impl_conf:
            target = evolve(target, settings=tuple(sorted((str(k), str(v)) for k, v in impl_conf.items())))
        target = targets.resolve(target)
        default = targets.default_network(target)
        if network is None and default is not None:
            config = evolve(config, network=default)
        config = evolve(config, impl=target)
    elif impl_conf:
        raise ValueError("impl_conf applies only with impl")
    return config


@frozen
class ExploreResult(Verdict):
    """What a bounded breadth-first search found, and how far it looked."""

    ENGINE = "explore"

    config: Config  # What was searched, bounds included.
    violation: Violation | None  # The broken invariant or implementation failure, if any.
    trace: tuple[Any, ...] | None  # The shortest sequence of actions that shows it.
    states: int  # Transitions taken, counting those to states seen before.
    distinct: int  # Distinct states (with symmetry: classes of states equal up to node names).
    depth: int  # The deepest level reached.
    seconds: float
    exhaustive: bool  # True only when the frontier emptied inside the bounds.
    interrupted: bool
    reached: dict[str, int]  # Sometimes-property name -> depth at which it was first reached.
    peak_rss_bytes: int
    symmetry: bool


def explore(
    config: Config | str | None = None,
    *,
    variant: str | None = None,
    impl: ImplTarget | str | None = None,
    impl_conf: Mapping[str, str] | None = None,
    network: str | None = None,
    workers: int = 1,
    engine: str = "fast",
    symmetry: bool | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    progress_every: float = 1.0,
    backend: str = "local",
    address: str | None = None,
    **bounds: int | None,
) -> ExploreResult:
    """Search every reachable state of the configuration (see ``configuration``) within its
    bounds, checking every invariant on every state and step; stop at the shallowest violation.

    The result does not depend on ``workers``, nor on ``backend``: ``"local"`` processes or
    ``"ray"`` actors, on the Ray cluster at ``address`` or a local instance (docs/cluster.md).
    ``engine`` is ``"fast"`` or ``"plain"`` (the reference search, one process); ``symmetry`` (fast engine) counts states equal up to node
    names once, by default where that is sound (the asynchronous network). A user's class
    (``impl``) is searched to depth ``IMPL_DEFAULT_DEPTH`` unless a depth is given."""
    config = configuration(config, variant=variant, impl=impl, impl_conf=impl_conf, network=network, **bounds)
    if config.impl is not None and config.bounds.max_depth is None:
        # As on the command line: nothing says a class's attributes stay finite.
        config = evolve(config, bounds=evolve(config.bounds, max_depth=IMPL_DEFAULT_DEPTH))
    r = _explore(
        config, on_progress, progress_every, workers=workers, engine=engine, symmetry=symmetry, backend=backend, address=address
    )
    return ExploreResult(
        config=config,
        violation=r.violation,
        trace=r.trace,
        states=r.states,
        distinct=r.distinct,
        depth=r.depth,
        seconds=r.seconds,
        exhaustive=r.exhaustive,
        interrupted=r.interrupted,
        reached=r.reached,
        peak_rss_bytes=r.peak_rss_bytes,
        symmetry=r.symmetry,
    )


def fuzz(
    config: Config | str | None = None,
    *,
    variant: str | None = None,
    impl: ImplTarget | str | None = None,
    impl_conf: Mapping[str, str] | None = None,
    network: str | None = None,
    examples: int = 200,
    steps: int = 60,
    seed: int = 0,
    steer: frozenset[str] | None = None,
    shrink: str = "fast",
    time_limit: float | None = None,
    **bounds: int | None,
) -> FuzzResult:
    """Hypothesis stateful fuzzing, seeded by ``seed`` (the same seed, the same run), stopping at
    the first broken invariant and shrinking it. Without ``config``, the fuzzer's own generous
    bounds on the variant's cluster size and network (``checker.fuzz.run.fuzz_config``).
    The result's ``counterexample`` is the shrunk trace."""
    from checker.fuzz import run

    if config is None:
        config = run.fuzz_config_for(variant or "default", seed)
        variant = None
    config = configuration(config, variant=variant, impl=impl, impl_conf=impl_conf, network=network, **bounds)
    chosen = run.STEERING if steer is None else frozenset(steer)
    return run.fuzz(config, examples, steps, seed, steer=chosen, shrink=shrink, time_limit=time_limit)


def replay(trace: Trace | str | os.PathLike) -> ReplayResult:
    """Apply a trace's actions again (a ``Trace`` or the path of a trace file), checking every
    invariant after each step; ``.reproduces(trace.outcome)`` says whether it ended as recorded."""
    return _replay(load_trace(trace) if not isinstance(trace, Trace) else trace)


def shrink(trace: Trace | str | os.PathLike) -> ShrinkResult:
    """A shorter trace that breaks the same invariant (``ShrinkError`` if the trace does not)."""
    return _shrink(load_trace(trace) if not isinstance(trace, Trace) else trace)


def load_trace(path: str | os.PathLike) -> Trace:
    """Read a trace file (``TraceError``, one line naming the file and what is wrong, if it is not one)."""
    return load(path)


def save_trace(trace: Trace, directory: str | os.PathLike = "corpus") -> os.PathLike:
    """Write a trace atomically under a name derived from its content; returns its path."""
    return save(trace, directory)
