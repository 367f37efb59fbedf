"""The partitioned search of ``checker/search/parallel.py`` on a Ray cluster, and fuzz seeds
spread over one.

Each partition of the seen set is a Ray actor holding one ``parallel._Worker`` (for an
implementation behind an adapter, a ``snapshots.SnapshotWorker``, with the model built in the
actor from the configuration, and a ``cut`` round after a broken level, as locally); the coordinator
runs in the driver (this process) and goes through the same two rounds per level. What travels
differs only in the road it takes: an actor's expansion returns one object per owner (the very
byte strings the local workers send through their pipes), and each owner's ``accept`` is handed
references to them, so that the successors go from actor to actor through Ray's object store,
machine to machine, without passing through the driver. The driver sees only counts, the broken
world or step if any, and timings.

Nothing in Ray decides a result. Answers are read by partition index, never in the order they
arrive; each owner takes the successors in the senders' order, as locally; the partition of a
world is a hash of integers, which is the same in every Python process of one version whatever
its ``PYTHONHASHSEED`` (a string's hash would not be; none is used). So counts, verdicts and the
counterexample are those of the local backend for any number of actors (``tests/test_ray.py``
holds them to it, on 1, 2 and 3 actors, and with actors that answer out of turn).

The level loop is written again here rather than shared with ``parallel_search``: the local one
interleaves pipes, progress within a level and process handling, and the two must be able to
change apart; the tests hold their results equal.

Ray is imported only when this module's functions run (``import checker`` must not need it).
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from typing import Any, Callable, Iterator, Sequence

from checker.model.native import Model
from checker.model.outcome import Violation, heard_interrupt
from checker.search.bfs import Progress, SearchResult, peak_rss_bytes
from checker.search.encoded import _nth_action
from checker.search.parallel import _first, _level_broken, _merge, _worker_class

#: Seconds to wait for the actors to be placed and seeded: longer means the cluster lacks room for them.
START_TIMEOUT = 180.0
#: Seconds to wait for a cluster's address to answer at all.
CONNECT_TIMEOUT = 10.0
#: What to install where Ray is missing.
INSTALL = "pip install 'raftcheck[ray]'"


class RayUnavailable(Exception):
    """Ray cannot be used as asked: not installed, no cluster at the address, too few CPUs. A
    matter of the user's setup, reported as bad input."""


class ClusterFailure(RuntimeError):
    """The cluster failed under a running search or fuzz run: an actor or its machine died."""


def _ray():
    try:
        import ray
    except ImportError:
        raise RayUnavailable(f"the ray backend needs Ray, which is not installed ({INSTALL})") from None
    return ray


@contextlib.contextmanager
def cluster(address: str | None, cpus: int) -> Iterator[Any]:
    """Ray, joined to the cluster at ``address`` or, without one, to a local instance started
    with ``cpus`` CPUs (left as it is when this process is already connected to one, as tests
    are). On leaving, the driver disconnects, which also stops a local instance it started."""
    ray = _ray()
    if ray.is_initialized():
        yield ray
        return
    import logging

    options = dict(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    if address is not None:
        reachable(address)
    try:
        if address is None:
            ray.init(num_cpus=cpus, **options)
        else:
            ray.init(address=address, **options)
    except Exception as e:  # Ray raises ConnectionError, ValueError, RuntimeError, ... for a bad address.
        where = f"--address {address}" if address is not None else "a local Ray instance"
        raise RayUnavailable(f"{where}: cannot start or join Ray ({_one_line(e)})") from None
    try:
        yield ray
    finally:
        ray.shutdown()


def reachable(address: str) -> None:
    """RayUnavailable unless something answers at a ``host:port`` address (or ``ray://host:port``):
    Ray itself keeps trying to reach a cluster that is not there for minutes, which would look
    like a hang. ``auto`` and other forms are left to Ray, which fails at once on those."""
    import socket

    host, colon, port = address.removeprefix("ray://").rpartition(":")
    if not colon or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as e:
        raise RayUnavailable(f"--address {address}: no Ray cluster answers there ({e.strerror or e})") from None


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__


class _Partition:
    """One partition of the seen set, as a Ray actor: a ``parallel._Worker`` (or, for an
    implementation behind an adapter, a ``snapshots.SnapshotWorker``) and the time each round
    spends computing (measured, never deciding anything)."""

    def __init__(self, model: Any, index: int, workers: int, symmetry: bool, native: bool, delay: float = 0.0) -> None:
        if isinstance(model, tuple):
            # An implementation's model holds the library's objects, which do not travel: each
            # actor builds its own from the configuration, with the factory the caller gave
            # (``front.model_for``: the same adapter, the same release; the codec's ids are
            # digests of content, the same in every process).
            build, config = model
            model = build(config)
        cls = _worker_class(model)
        if not getattr(cls, "collects_garbage", False):
            gc.disable()  # As in parallel_search: millions of tuples and no cycles.
        self.worker = cls(model, index, workers, symmetry, native)
        self.delay = delay  # Tests only: answer late, to show that the order of answers does not matter.

    def seed(self) -> tuple[Any, ...]:
        return self.worker.seed()

    def expand(self, die: bool = False) -> tuple[Any, ...]:
        """(transitions, broken step, the sizes of the byte strings made, seconds), then one
        object per owner: the byte strings themselves, which go on to the owners' ``accept``."""
        if die:  # Tests only: the actor's process dies mid-level, as a machine would.
            os._exit(1)
        start = time.perf_counter()
        transitions, broken, blobs = self.worker.expand()
        seconds = time.perf_counter() - start
        time.sleep(self.delay)
        return ((transitions, broken, [len(b) for b in blobs], seconds), *blobs)

    def accept(self, depth: int, *blobs: bytes) -> tuple[Any, ...]:
        start = time.perf_counter()
        answer = self.worker.accept(list(blobs), depth)
        seconds = time.perf_counter() - start
        time.sleep(self.delay)
        return (*answer, seconds)

    def cut(self, parent: int, action: int, worker: int) -> tuple[int, int, dict[str, int]]:
        """A worker that stops at its first broken step (``SnapshotWorker.cut``): what the level
        that broke counts up to the first broken step of all."""
        return self.worker.cut(parent, action, worker)

    def parent(self, level: int, position: int) -> tuple[int, int, int]:
        return self.worker.parent(level, position)

    def peak(self) -> int:
        return peak_rss_bytes()


def ray_search(
    model: Model,
    workers: int = 1,
    on_progress: Callable[[Progress], None] | None = None,
    progress_every: float = 1.0,
    symmetry: bool = False,
    native: bool = True,
    address: str | None = None,
    cpus: float = 1.0,
    on_level: Callable[[dict[str, Any]], None] | None = None,
    delays: Sequence[float] = (),
    die: tuple[int, int] | None = None,
    build: Callable[[Any], Any] | None = None,
) -> SearchResult:
    """``parallel_search`` with each of the ``workers`` partitions a Ray actor asking ``cpus``
    CPUs, on the cluster at ``address`` (None: a local instance of ``workers`` CPUs, unless this
    process is connected to one already). The result is the local backend's.

    ``on_level`` hears, after each level, what it cost: bytes exchanged, and the seconds of the
    level in the driver against the slowest actor's computing in each round. ``delays`` (per
    actor, seconds of sleep after each round) and ``die`` ((actor, level): that actor's process
    exits in that level's expansion) are for tests. A model other than the native one (an
    implementation behind an adapter) does not travel to the actors: each builds it with
    ``build(model.config)`` (``checker.front.model_for``). Raises RayUnavailable if Ray cannot be used
    or the cluster lacks the CPUs, ClusterFailure if an actor dies."""
    with cluster(address, workers) as ray:
        return _search(ray, model, workers, on_progress, progress_every, symmetry, native, cpus, on_level, delays, die, build)


def _search(ray, model, workers, on_progress, progress_every, symmetry, native, cpus, on_level, delays, die, build=None) -> SearchResult:
    start = time.monotonic()
    have = ray.cluster_resources().get("CPU", 0)
    if have < workers * cpus:
        raise RayUnavailable(
            f"--workers {workers}: the Ray cluster has {have:g} CPUs, fewer than the {workers * cpus:g} its actors need"
        )
    remote = ray.remote(num_cpus=cpus, max_restarts=0, scheduling_strategy="SPREAD")(_Partition)
    # Once into the object store, not once per actor: the native model itself; an
    # implementation's model as its configuration, from which each actor builds it.
    if not isinstance(model, Model) and build is None:
        raise ValueError("a model other than the native one needs build, to be made again in each actor")
    shared = ray.put(model if isinstance(model, Model) else (build, model.config))
    cuts_level = hasattr(_worker_class(model), "cut")
    actors = [
        remote.remote(shared, index, workers, symmetry, native, delays[index] if index < len(delays) else 0.0)
        for index in range(workers)
    ]
    distinct = states = depth = frontier = 0
    reached: dict[str, int] = {}
    violation: Violation | None = None
    trace = None
    exhaustive = interrupted = False
    bounds = model.bounds
    last_report = start
    stage = "start-up"

    def gather(refs: list[Any], timeout: float | None = None) -> list[Any]:
        """The answers in partition order (whatever order they come in), or ClusterFailure naming
        the first partition, in that order, whose actor is gone."""
        answers = []
        for index, ref in enumerate(refs):
            try:
                answers.append(ray.get(ref, timeout=timeout))
            except ray.exceptions.GetTimeoutError:
                raise ClusterFailure(
                    f"the Ray cluster did not start {workers} explorer actors within {timeout:g} s (busy, or short of CPUs)"
                ) from None
            except ray.exceptions.RayActorError as e:
                raise ClusterFailure(f"explorer actor {index} died during {stage} ({_cause(e)})") from None
            except ray.exceptions.RayTaskError as e:  # A bug of ours, in the actor: its traceback.
                raise RuntimeError(f"explorer actor {index} failed during {stage}:\n{e}") from None
        return answers

    try:
        answers = gather([a.seed.remote() for a in actors], START_TIMEOUT)
        frontier = distinct = sum(a[0] for a in answers)
        broken = _first([a[1] for a in answers])
        level = 0
        _merge(reached, [a[2] for a in answers])
        while broken is None:
            if not frontier:
                exhaustive = True
                break
            if bounds.max_depth is not None and depth >= bounds.max_depth:
                break
            stage = f"the expansion of level {depth}"
            before = (states, distinct, dict(reached))
            began = time.perf_counter()
            calls = [
                a.expand.options(num_returns=workers + 1).remote(die is not None and die == (index, depth))
                for index, a in enumerate(actors)
            ]
            # Successors go from each sender's object to its owner's accept, not through here.
            accepts = [
                a.accept.remote(depth + 1, *[b"" if s == d else calls[s][1 + d] for s in range(workers)])
                for d, a in enumerate(actors)
            ]
            expanded = gather([c[0] for c in calls])
            expanded_at = time.perf_counter()
            stage = f"the exchange and acceptance of level {depth + 1}"
            accepted = gather(accepts)
            ended = time.perf_counter()
            del calls, accepts  # Let the object store free the level's successors.
            states += sum(a[0] for a in expanded)
            frontier = sum(a[0] for a in accepted)
            distinct += frontier
            _merge(reached, [a[2] for a in accepted])
            if on_level is not None:
                expand_s = max(a[3] for a in expanded)
                accept_s = max(a[3] for a in accepted)
                on_level(
                    {
                        "level": depth,
                        "frontier": frontier,
                        "bytes": sum(sum(a[2]) for a in expanded),
                        "seconds": round(ended - began, 4),
                        "expand_compute": round(expand_s, 4),
                        "accept_compute": round(accept_s, 4),
                        # Waiting on Ray: the round's time in the driver beyond its slowest actor's work.
                        "exchange": round(max(0.0, expanded_at - began - expand_s) + max(0.0, ended - expanded_at - accept_s), 4),
                    }
                )
            found = _level_broken(expanded, accepted, depth)
            if found is not None:
                broken, level = found
                if cuts_level:
                    # As parallel_search: the counts up to the first broken step of all.
                    stage = f"the count of level {depth} up to its first broken step"
                    cuts = gather([a.cut.remote(broken.parent, broken.action, broken.worker) for a in actors])
                    states, distinct = before[0] + sum(c[0] for c in cuts), before[1] + sum(c[1] for c in cuts)
                    reached = before[2]
                    _merge(reached, [c[2] for c in cuts])
                break
            if frontier:
                depth += 1
            if on_progress is not None:
                now = time.monotonic()
                if now - last_report >= progress_every:
                    last_report = now
                    on_progress(Progress(depth, frontier, states, distinct, now - start))
        if broken is not None:
            stage = "the walk back along the parent links"
            violation = broken.violation
            trace = _path(gather, actors, model, level, broken.worker, broken.position)
            if not broken.at_world:  # A broken step: the way to the world it leaves, then the step.
                w = model.initial()
                for action in trace:
                    w = model.step(w, action)
                trace = trace + (_nth_action(model, w, broken.action),)
            depth = len(trace)
        stage = "the final report"
        peak = sum(gather([a.peak.remote() for a in actors]))
    except KeyboardInterrupt:
        heard_interrupt()
        interrupted = True
        peak = 0
    finally:
        # The actors' work stops with them, whatever they were doing; their partitions go too.
        for actor in actors:
            with contextlib.suppress(Exception):
                ray.kill(actor, no_restart=True)
    return SearchResult(
        violation=violation,
        trace=trace,
        states=states,
        distinct=distinct,
        depth=depth,
        seconds=time.monotonic() - start,
        exhaustive=exhaustive,
        interrupted=interrupted,
        reached=reached,
        peak_rss_bytes=peak + peak_rss_bytes(),
        symmetry=symmetry,
    )


def _cause(e: BaseException) -> str:
    """Ray's account of a dead actor, cut to its first line."""
    for line in str(e).splitlines():
        line = line.strip()
        if line and not line.startswith("class_name") and "ActorDiedError" not in line:
            return line.rstrip(".")
    return type(e).__name__


def _path(gather, actors, model: Model, level: int, where: int, position: int) -> tuple:
    """The actions from the initial world to the world at ``position`` of partition ``where``'s
    part of ``level``, asking each actor in turn for a parent link (as ``parallel._path``)."""
    picks: list[int] = []
    while level > 0:
        where, position, n = gather([actors[where].parent.remote(level, position)])[0]
        picks.append(n)
        level -= 1
    w = model.initial()
    actions = []
    for n in reversed(picks):
        action = _nth_action(model, w, n)
        w = model.step(w, action)
        actions.append(action)
    return tuple(actions)


def first_finding(
    run: Callable[[Any], Any],
    items: Sequence[Any],
    found: Callable[[Any], bool],
    address: str | None = None,
    cpus: int = 1,
    on_result: Callable[[int, Any], None] | None = None,
) -> list[Any]:
    """``run`` on each item as Ray tasks over the cluster (one CPU each; without ``address``, a
    local instance of ``cpus`` CPUs), and the results of the items up to and including the
    first, in the items' order, whose result is ``found``: the same list whatever order the
    tasks finish in. Once an item's result is found, the tasks of later items are cancelled;
    earlier ones run on, since one of them may be found too and would come first."""
    with cluster(address, cpus) as ray:
        task = ray.remote(num_cpus=1, max_retries=0)(run)
        refs = [task.remote(item) for item in items]
        results: dict[int, Any] = {}
        first = len(items)  # The earliest item found so far.
        pending = {ref: index for index, ref in enumerate(refs)}
        try:
            while any(index < first for index in pending.values()):
                done, _ = ray.wait([r for r, i in pending.items() if i < first], num_returns=1)
                index = pending.pop(done[0])
                try:
                    results[index] = ray.get(done[0])
                except ray.exceptions.RayTaskError as e:
                    raise RuntimeError(f"task {index} failed:\n{e}") from None
                except (ray.exceptions.WorkerCrashedError, ray.exceptions.RayError) as e:
                    raise ClusterFailure(f"task {index} was lost: its worker died ({_cause(e)})") from None
                if on_result is not None:
                    on_result(index, results[index])
                if found(results[index]) and index < first:
                    first = index
                    for ref, later in list(pending.items()):
                        if later > first:
                            ray.cancel(ref, force=True)
                            del pending[ref]
        finally:
            for ref in pending:
                with contextlib.suppress(Exception):
                    ray.cancel(ref, force=True)
        return [results[i] for i in range(min(first + 1, len(items)))]
