"""Several fuzz seeds at once: on worker processes here, or as tasks over a Ray cluster.

Each seed is the run ``fuzz --seed S`` makes alone, wherever it runs. The seeds are taken in
order: the result is the finding of the first seed, in that order, that finds something, and
the tallies are those of the seeds up to it. Once a seed finds, later seeds are stopped; earlier
ones run on, since one of them could still find and would come first. So the result, and the
trace saved, do not depend on the number of workers, the backend, or which run ends first.

A configuration with an ``--impl`` target travels as the target's name, never as loaded objects:
each run builds its model in the process it runs in (``front.model_for``: the class imported
again, the library release taken from the fetch cache, its sandbox armed on that process's main
thread). It runs in the working directory the seeds were given in, so that a target named by a
relative path loads there, and a finding names the implementation's frames as it would here.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import signal
import sys
import time
from typing import Any, Callable, Sequence

from attrs import evolve

from checker.fuzz.run import FuzzResult, fuzz
from checker.model.config import Config


def _one(job: tuple[Config, int, int, frozenset[str], str, str | None]) -> FuzzResult:
    """One seed's run: the seed is the configuration's own, in the folder ``where`` (see
    ``_working_directory``)."""
    config, examples, steps, steer, shrink, where = job
    with _working_directory(where):
        return fuzz(config, examples, steps, config.seed, steer=steer, shrink=shrink)


@contextlib.contextmanager
def _working_directory(where: str | None):
    """For the length of a run, the working directory of the process that asked for it (None:
    this process's own): a worker of a Ray cluster started elsewhere runs in a folder of Ray's.
    There an ``--impl path/file.py:Class`` given relative loads, a ``package.module:Class``
    imports (the folder is added to the end of ``sys.path``, as ``python -m`` put it first
    there), and a finding's frames are named relative to it (``sandbox._shown_path``), as in a
    run on that process. Put back after, since the worker goes on to other tasks."""
    if where is None or not os.path.isdir(where) or os.path.samefile(where, os.getcwd()):
        yield
        return
    before, added = os.getcwd(), where not in sys.path
    os.chdir(where)
    if added:
        sys.path.append(where)
    try:
        yield
    finally:
        os.chdir(before)
        if added and where in sys.path:
            sys.path.remove(where)


def _found(result: FuzzResult) -> bool:
    return result.violation is not None


def fuzz_seeds(
    configs: Sequence[Config],
    examples: int,
    steps: int,
    steer: frozenset[str],
    shrink: str = "fast",
    workers: int = 1,
    backend: str = "local",
    address: str | None = None,
    on_seed: Callable[[FuzzResult], None] | None = None,
) -> FuzzResult:
    """Fuzz each configuration (one per seed, in order) until the first finding, ``workers`` at
    a time on this machine or, with ``backend="ray"``, as tasks over the Ray cluster at
    ``address`` (None: a local instance of ``workers`` CPUs). ``on_seed`` hears each seed's
    result as it ends (in the order they end). The result is that seed's, with the examples,
    steps and checks of all the seeds up to it added up (``distinct`` too: a state two seeds
    met counts twice) and the wall-clock time of the whole."""
    start = time.monotonic()
    # An --impl run's target loads in the folder it was named in, wherever the run goes.
    jobs = [(c, examples, steps, steer, shrink, os.getcwd() if c.impl is not None else None) for c in configs]
    hear = None if on_seed is None else (lambda index, result: on_seed(result))
    if backend == "ray":
        from checker.search.ray_backend import first_finding  # Ray itself: only when asked.

        results = first_finding(_one, jobs, _found, address=address, cpus=workers, on_result=hear)
    elif workers == 1 or len(jobs) == 1:
        results = []
        for job in jobs:
            results.append(_one(job))
            if hear is not None:
                hear(len(results) - 1, results[-1])
            if _found(results[-1]):
                break
    else:
        results = _first_finding_here(jobs, workers, hear)
    last = results[-1]
    reached: dict[str, int] = {}
    for r in results:
        for name, at in r.reached.items():
            reached[name] = min(at, reached.get(name, at))
    return evolve(
        last,
        config=last.config if _found(last) else results[0].config,
        examples=sum(r.examples for r in results),
        steps=sum(r.steps for r in results),
        checks=sum(r.checks for r in results),
        distinct=sum(r.distinct for r in results),
        depth=max(r.depth for r in results),
        seconds=time.monotonic() - start,
        reached=reached,
    )


def _quiet() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's: it stops the pool.
    # The pool stops a worker with SIGTERM, which the command line's handler, inherited at the
    # fork, would raise as Terminated inside the worker: a traceback on stderr for every seed
    # stopped after the first finding. A worker's SIGTERM just ends it.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _first_finding_here(jobs: list[Any], workers: int, hear) -> list[FuzzResult]:
    """``ray_backend.first_finding`` on worker processes of this machine: the same list."""
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    done: queue.Queue = queue.Queue()
    results: dict[int, FuzzResult] = {}
    first = len(jobs)
    pool = context.Pool(workers, initializer=_quiet)
    try:
        for index, job in enumerate(jobs):
            pool.apply_async(
                _one,
                (job,),
                callback=lambda r, i=index: done.put((i, r, None)),
                error_callback=lambda e, i=index: done.put((i, None, e)),
            )
        while any(i not in results for i in range(first)):
            index, result, error = done.get()
            if error is not None:
                raise RuntimeError(f"fuzzing seed {jobs[index][0].seed} failed: {error!r}")
            results[index] = result
            if hear is not None:
                hear(index, result)
            if _found(result) and index < first:
                first = index
    finally:
        pool.terminate()  # Seeds after the first finding are stopped where they are.
        pool.join()
    return [results[i] for i in range(min(first + 1, len(jobs)))]
