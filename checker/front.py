"""The front door: a configuration and the engine options in, a search result out.

One factory turns a configuration into the model it names (the native core under its variant's
rules, or a user's class); every engine takes that one model.
"""

from __future__ import annotations

from typing import Callable

from checker.impl.driver import AdapterModel
from checker.impl.targets import model_for_impl
from checker.model.config import Config, symmetry_sound
from checker.model.native import Model
from checker.model.variants import get_variant
from checker.search.bfs import Progress, SearchResult, search

ENGINES = ("fast", "plain")
#: Where the fast engine's workers run: processes on this machine, or actors on a Ray cluster.
BACKENDS = ("local", "ray")


def model_for(config: Config) -> Model | AdapterModel:
    """The world model a configuration names: the native core under its variant's rules, or
    for ``--impl`` an implementation behind its adapter (``checker.impl.targets``; raises
    ValueError, one line, for a target that cannot be used). Every model carries its own checks
    (``check_world``, ``check_step``, ``sometimes``)."""
    if config.impl is not None:
        return model_for_impl(config)
    return Model(config, get_variant(config.variant).rules)


def impl_portable(config: Config) -> bool:
    """Whether the worlds of ``config.impl`` can be frozen as bytes (its nodes snapshot), so that
    the fast engine can search them on several worker processes (``checker.impl.codec``)."""
    return model_for(config).codec.portable


def explore(
    config: Config,
    on_progress: Callable[[Progress], None] | None = None,
    progress_every: float = 1.0,
    workers: int = 1,
    engine: str = "fast",
    symmetry: bool | None = None,
    native: bool = True,
    backend: str = "local",
    address: str | None = None,
) -> SearchResult:
    """Search the model of ``config`` against its invariants.

    ``fast`` (``checker.search.parallel``, on ``workers`` processes) and ``plain``
    (``checker.search.bfs``, one process, worlds kept whole) find the same distinct worlds and
    transitions on a clean run, and on a broken one the same shortest depth; the plain search
    stops at the first violation it meets, the fast one finishes that level and reports the
    broken world with the smallest fingerprint, which does not depend on the number of workers.

    ``symmetry`` (fast engine only) counts worlds that differ only in node names as one; by
    default it is on where it is sound, the asynchronous and fifo networks (see ``symmetry_sound``).
    ``native`` (fast engine only) lets it expand synchronous worlds with its C loop where that
    was built; off, the Python loop makes the same search.
    ``backend`` (fast engine only) runs the workers as local processes or, with ``"ray"``, as
    actors on the Ray cluster at ``address`` (None: a local Ray instance); the result is the same.
    A user's class or a library (``config.impl``) is searched by the fast engine with the worker
    that keeps worlds frozen by the adapter model's codec (``checker.search.snapshots``), on
    every network, on ``workers`` processes or Ray actors where its nodes can be snapshotted as
    bytes (one local process otherwise), without symmetry reduction; each Ray actor builds the
    model again from ``config``. On the native model the fast engine searches all three networks
    (sync, async, fifo), on either backend."""
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}")
    if backend == "local" and address is not None:
        raise ValueError("an address names a Ray cluster: it needs the ray backend")
    if backend == "ray" and engine != "fast":
        raise ValueError("the ray backend runs the fast engine only")
    model = model_for(config)
    if config.impl is not None:
        if symmetry:
            raise ValueError("an --impl search has no symmetry reduction")
        symmetry = False
        if engine == "fast" and workers != 1 and not model.codec.portable:
            raise ValueError(
                f"--impl {config.impl.target}: its nodes cannot be snapshotted as bytes (checker.impl.codec), "
                "so it is searched in one process: --workers 1"
            )
        if backend == "ray" and not model.codec.portable:
            raise ValueError(
                f"--impl {config.impl.target}: its nodes cannot be snapshotted as bytes (checker.impl.codec), "
                "so it cannot be searched on Ray actors: --backend local --workers 1"
            )
    else:
        if symmetry is None:
            symmetry = engine == "fast" and symmetry_sound(config)
        if symmetry and not symmetry_sound(config):
            raise ValueError(f"symmetry reduction is not available on the {config.network} network")
    if engine == "fast" and backend == "ray":
        from checker.search.ray_backend import ray_search  # Ray itself: only when asked.

        return ray_search(
            model, workers, on_progress, progress_every, symmetry, native=native, address=address, build=model_for
        )
    if engine == "fast":
        from checker.search.parallel import (
            parallel_search,  # NumPy and worker processes: only when asked.
        )

        return parallel_search(model, workers, on_progress, progress_every, symmetry, native=native)
    if symmetry:
        raise ValueError("the plain engine has no symmetry reduction")
    return search(
        model,
        model.check_world,
        model.check_step,
        model.sometimes,
        config.bounds.max_depth,
        on_progress,
        progress_every,
    )
