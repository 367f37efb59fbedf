"""Performance figures: ``python -m checker bench``.

Explorer runs each go in a fresh process, so that peak resident memory is the run's own.
Fuzzing figures compare, per known-bug variant and over several seeds, the time until a
violation is first seen by the fuzzer and by a plain uniform random walk over the same actions
and invariants (and, on request, by the fuzzer with other steering). Each attempt runs in a
child process that can be stopped at its time limit, timed by the child's own clock after the
same warm-up for every engine.
"""

from __future__ import annotations

import multiprocessing
import signal
import statistics
import time
from pathlib import Path
from typing import Any, Callable

from checker.model.config import REFERENCE


def _explore_in_child(name: str, engine: str, workers: int, c_loop: bool = True, backend: str = "local") -> dict[str, Any]:
    from checker.front import explore, model_for
    from checker.model.config import symmetry_sound
    from checker.search import parallel

    config = REFERENCE[name]
    levels: list[dict[str, Any]] = []
    started = None
    cpu = None  # A Ray cluster's processes are not this one's children: not counted.
    if backend == "ray":
        result, started, levels = _explore_on_ray(name, workers, c_loop)
    else:
        before = _cpu_seconds()
        result = explore(config, workers=workers, engine=engine, native=c_loop)
        # The worker processes have been waited for by now, so their time is counted.
        cpu = round(_cpu_seconds() - before, 3)
    # Which loop expanded the worlds: the fast engine's C loop (where it was built and knows the
    # network) or Python.
    symmetry = engine == "fast" and symmetry_sound(config)
    c = engine == "fast" and c_loop and parallel.native_loop() and parallel.native_fits(model_for(config), symmetry)
    return {
        "config": name,
        "engine": engine,
        "backend": backend,
        "loop": "C" if c else "Python",
        # With symmetry reduction (the default where it is sound), "distinct" counts classes of
        # worlds equal up to node names.
        "symmetry": result.symmetry,
        "workers": workers,
        "distinct": result.distinct,
        "transitions": result.states,
        "seconds": round(result.seconds, 3),
        "cpu_seconds": cpu,
        "exhaustive": result.exhaustive,
        "verdict": "violation" if result.violation else "clean",
        "peak_rss_bytes": result.peak_rss_bytes,
        **({"ray_start_s": started, "levels": levels} if backend == "ray" else {}),
    }


def _cpu_seconds() -> float:
    """CPU time (user and system) of this process and of its children that have ended."""
    import resource

    return sum(
        u.ru_utime + u.ru_stime
        for u in (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
    )


def _serve_one(conn, function, args) -> None:
    def stop(signum, frame):
        raise KeyboardInterrupt

    # Stopped by the parent (SIGTERM): the run stops as on Ctrl-C, its own workers with it.
    signal.signal(signal.SIGTERM, stop)
    try:
        conn.send(("done", function(*args)))
    except (KeyboardInterrupt, OSError):
        pass  # Stopped, or the parent is gone: nobody to answer.
    except Exception as e:  # noqa: BLE001 - reported by the parent, with the child's words.
        conn.send(("failed", f"{type(e).__name__}: {e}"))
    finally:
        # The run is over: a SIGTERM now (the parent stopping a child that is already on its
        # way out) ends it quietly, not with a KeyboardInterrupt raised in its exit handlers.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _start(process) -> None:
    """Starts a child with Ctrl-C ignored in it from its first instruction (an ignored signal
    stays ignored across exec, and Python then leaves it so): the terminal's Ctrl-C goes to the
    whole process group, and it is the parent's to handle (stop the child, print what it has),
    not a traceback from a child caught half-way through starting. Held off meanwhile in the
    parent, so that one that comes is handled when the child has started, not lost."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process.start()
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _in_child(context, function, *args, memory: dict[str, int] | None = None):
    """``function(*args)`` in a fresh child process, stopped at once if this one is interrupted.
    With ``memory``, the largest of what the child and its own children held together, sampled
    meanwhile (``checker.measure.memory.total``), goes to ``memory["peak_pss_bytes"]``."""
    parent, child = context.Pipe(duplex=False)
    # Not a daemon: the run starts worker processes of its own; the finally below stops it instead.
    process = context.Process(target=_serve_one, args=(child, function, args))
    _start(process)
    child.close()
    try:
        try:
            if memory is not None:
                from checker.measure import memory as measure

                # The first samples sooner, so that a run of a fraction of a second is sampled too
                # (with none, its memory went unreported); then every ``EVERY`` seconds.
                peak, every = 0, measure.EVERY / 8
                while not parent.poll(every):
                    peak = max(peak, measure.total(process.pid))
                    every = min(2 * every, measure.EVERY)
                memory["peak_pss_bytes"] = peak
            kind, value = parent.recv()
        except EOFError:
            raise RuntimeError(f"bench: the child process running {function.__name__}{args} died (exit {process.exitcode})") from None
        if kind == "failed":
            raise RuntimeError(f"bench: {function.__name__}{args} failed in its child process: {value}")
        return value
    finally:
        process.terminate()
        process.join()


#: Iterations of the machine probe's loop (``two_process_throughput``): 0.8 to 1.2 s of one core
#: here (with loops of 0.3 s the figure moved between 1.7 and 2.5 from one probe to the next).
PROBE_LOOPS = 15_000_000


def _probe(loops: int) -> float:
    """Seconds this process takes for ``loops`` rounds of plain integer arithmetic: work that
    shares nothing with any other process (no memory to speak of, no I/O)."""
    started = time.perf_counter()
    x = 0
    for i in range(loops):
        x += i * i % 7
    return time.perf_counter() - started


def _probe_when_told(conn, loops: int) -> None:
    conn.send("ready")
    conn.recv()
    conn.send(_probe(loops))


def two_process_throughput(context=None, loops: int = PROBE_LOOPS) -> float:
    """How much work two processes that share nothing get done at once on this machine, against
    one alone: the sum of each one's speed beside the lone one's, 2.0 on two free cores. On a
    virtual machine whose cores are not its own it is less, and two search workers can do no
    better: their speed-up is bounded by it, however little they cost each other. Both start
    their loops at one word from here, once both are ready; the lone speed is that of one run
    before them and one after, averaged."""
    context = context or multiprocessing.get_context("spawn")
    before = _in_child(context, _probe, loops)
    pipes, processes = [], []
    try:
        for _ in range(2):
            parent, child = context.Pipe()
            process = context.Process(target=_probe_when_told, args=(child, loops), daemon=True)
            _start(process)
            child.close()
            pipes.append(parent)
            processes.append(process)
        for parent in pipes:
            parent.recv()
        for parent in pipes:
            parent.send("go")
        both = [parent.recv() for parent in pipes]
    finally:
        for process in processes:
            process.terminate()
            process.join()
    alone = (before + _in_child(context, _probe, loops)) / 2
    return round(sum(alone / seconds for seconds in both), 2)


def _explore_on_ray(name: str, workers: int, c_loop: bool) -> tuple[Any, float, list[dict[str, Any]]]:
    """The fast engine on a local Ray instance of ``workers`` CPUs, started first and timed apart
    (a cluster is started once, not per search): the result, the start-up's seconds, and what
    each level cost (``ray_backend.ray_search``'s ``on_level``)."""
    import time

    from checker.front import model_for
    from checker.model.config import symmetry_sound
    from checker.search import ray_backend

    config = REFERENCE[name]
    levels: list[dict[str, Any]] = []
    begun = time.monotonic()
    with ray_backend.cluster(None, workers):
        started = round(time.monotonic() - begun, 3)
        result = ray_backend.ray_search(
            model_for(config), workers, symmetry=symmetry_sound(config), native=c_loop, on_level=levels.append
        )
    return result, started, levels


def bench_explore(
    names: list[str],
    workers: list[int],
    repeat: int = 1,
    plain: bool = False,
    on_run: Callable[[dict[str, Any]], None] | None = None,
    python_loop: bool = False,
    speedups: dict[str, float | None] | None = None,
    backends: tuple[str, ...] = ("local",),
    machine: list[float] | None = None,
) -> tuple[list[dict[str, Any]], float | None]:
    """Exhaustive explorations of each reference configuration, each run in a fresh process:
    the fast engine on each worker count, and if asked the plain engine and the fast engine
    with its Python loop instead of the C one (which gives the same search). Each is repeated
    ``repeat`` times, the runs of one configuration taking turns, so that a busy spell on a
    shared machine falls on all of them alike; a row gives the median time and the largest
    peak memory. The speed-up is the ratio of the median times on 1 and 2 workers, for the last
    configuration (the largest, by convention) run on both; ``speedups``, if given, is filled
    with that ratio for every configuration run on both. With ``"ray"`` among ``backends``,
    the fast engine also runs on a local Ray instance for each worker count, taking turns with
    the local runs, and its rows say how long it took against the local backend's. With
    ``machine``, each round of runs also measures ``two_process_throughput`` into it."""
    from checker.measure import memory as measure

    context = multiprocessing.get_context("spawn")
    measure_memory = measure.available()
    runs = []
    speedup = None
    for name in names:
        setups = (
            ([("plain", 1, False, "local")] if plain else [])
            + ([("fast", w, False, "local") for w in workers] if python_loop else [])
            + [("fast", w, True, "local") for w in workers]
            + [("fast", w, True, b) for b in backends if b != "local" for w in workers]
        )
        results: dict[tuple[str, int, bool, str], list[dict[str, Any]]] = {setup: [] for setup in setups}
        for _ in range(repeat):
            if machine is not None:
                # Taking turns with the runs too, so that it meets the hour they meet.
                machine.append(two_process_throughput(context))
            for engine, w, c_loop, backend in setups:
                memory: dict[str, int] | None = {} if measure_memory else None
                run = _in_child(context, _explore_in_child, name, engine, w, c_loop, backend, memory=memory)
                run["peak_pss_bytes"] = memory["peak_pss_bytes"] if memory else None
                results[(engine, w, c_loop, backend)].append(run)
                if on_run is not None:
                    on_run(run)
        for engine in {setup[0] for setup in setups}:
            # Every run of one engine makes the same search, whatever its loop and worker count.
            counts = {(a["distinct"], a["transitions"]) for s, attempts in results.items() if s[0] == engine for a in attempts}
            if len(counts) != 1:
                raise AssertionError(f"{name}: {engine} runs disagree on the state counts: {sorted(counts)}")
        for setup, attempts in results.items():
            run = dict(attempts[-1])  # Its per-level figures are the last run's.
            seconds = [a["seconds"] for a in attempts]
            run["seconds"] = round(statistics.median(seconds), 3)
            run["seconds_each"] = seconds
            cpu = [a.get("cpu_seconds") for a in attempts]
            run["cpu_seconds"] = round(statistics.median(cpu), 3) if None not in cpu else None
            run["cpu_seconds_each"] = cpu
            run["peak_rss_bytes"] = max(a["peak_rss_bytes"] for a in attempts)
            sampled = [a["peak_pss_bytes"] for a in attempts if a.get("peak_pss_bytes")]
            run["peak_pss_bytes"] = max(sampled) if len(sampled) == len(attempts) else None
            run["distinct_per_s"] = round(run["distinct"] / run["seconds"]) if run["seconds"] else None
            # Per state, what the search's processes held at once (their proportional set sizes
            # summed, see checker.measure.memory), or where that is not reported, the sum of
            # their own peak resident sets, which counts pages shared after the fork in each.
            held = run["peak_pss_bytes"] or run["peak_rss_bytes"]
            run["bytes_per_state"] = round(held / run["distinct"]) if run["distinct"] else None
            if setup[3] != "local":
                local = results.get(setup[:3] + ("local",))
                if local:
                    # Within one bench run, taking turns: the ratio is fair even on a busy machine.
                    base = statistics.median(a["seconds"] for a in local)
                    run["over_local"] = round(run["seconds"] / base, 2) if base else None
                run["ray_start_s"] = statistics.median(a["ray_start_s"] for a in attempts)
                run["last_seconds"] = attempts[-1]["seconds"]  # The run the per-level figures are from.
            runs.append(run)
        if ("fast", 1, True, "local") in results and ("fast", 2, True, "local") in results:
            one = statistics.median(a["seconds"] for a in results[("fast", 1, True, "local")])
            two = statistics.median(a["seconds"] for a in results[("fast", 2, True, "local")])
            speedup = round(one / two, 2) if two else None
            if speedups is not None:
                speedups[name] = speedup
    return runs, speedup


# --- The implementation search (#15, point 9) --------------------------------------------------

#: Explorations of implementations behind their adapters, each beside the native model on the same
#: bounds: (name, --impl target, network, bounds, the native variant with the same bug or "default").
#: The seed-style class with the Figure 8 bug is searched on the bounds where the native figure8
#: variant shows it (``four-terms``, depth 10); the libraries on small bounded explorations.
IMPL_RUNS: list[tuple[str, str, str, dict[str, int], str]] = [
    ("seed-style figure8", "tests/impls/seed_style.py:EarlierTermCommit", "sync",
     dict(max_term=4, max_requests=2, max_in_flight=3, max_cut=1, max_crashed=0, max_depth=10), "figure8"),
    ("pysyncobj 0.3.17", "pysyncobj==0.3.17", "fifo",
     dict(max_term=2, max_requests=1, max_in_flight=6, max_cut=0, max_crashed=0, max_depth=7), "default"),
    ("raftos 0.2.6", "raftos==0.2.6", "async",
     dict(max_term=1, max_requests=1, max_in_flight=5, max_cut=0, max_crashed=0, max_depth=6), "default"),
]


def impl_config(name: str, native: bool = False):
    """The configuration of the run ``name`` of IMPL_RUNS; with ``native``, the native model's on
    the same bounds and network (under the variant with the same bug)."""
    from checker.model.config import Bounds, Config, ImplTarget

    _, target, network, bounds, variant = next(r for r in IMPL_RUNS if r[0] == name)
    if native:
        return Config(nodes=3, network=network, bounds=Bounds(**bounds), variant=variant)
    if target.startswith("tests/"):
        target = str(Path(__file__).resolve().parents[2] / target)  # The repository's own example class.
    return Config(nodes=3, network=network, bounds=Bounds(**bounds), impl=ImplTarget(target))


def _impl_in_child(name: str, engine: str, workers: int, native: bool) -> dict[str, Any]:
    from checker.front import explore

    config = impl_config(name, native)
    result = explore(config, workers=workers, engine=engine)
    return {
        "run": name,
        "model": "native" if native else "impl",
        "target": config.variant if native else next(r[1] for r in IMPL_RUNS if r[0] == name),
        "network": config.network,
        "engine": engine,
        "workers": workers,
        "verdict": "violation" if result.violation else "clean",
        "invariant": result.violation.invariant if result.violation else None,
        "depth": result.depth,
        "distinct": result.distinct,
        "transitions": result.states,
        "seconds": round(result.seconds, 3),
        "peak_rss_bytes": result.peak_rss_bytes,
    }


def bench_impl(
    names: list[str],
    workers: list[int],
    repeat: int = 1,
    plain: bool = False,
    on_run: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Each implementation exploration of IMPL_RUNS, in a fresh process: the fast engine on each
    worker count (one only where the nodes do not snapshot as bytes: the libraries), the plain
    engine if asked, and the native model on the same bounds (its fast engine on one worker, or
    the plain search where the fast one does not model the network). Runs of one setup are
    repeated ``repeat`` times, taking turns; a row gives the median time (for a violation, the
    time to the counterexample) and the largest peak memory. The fast runs of one target must
    agree on every count, whatever the workers: otherwise this raises."""
    from checker.front import impl_portable

    context = multiprocessing.get_context("spawn")
    rows = []
    for name in names:
        counts = workers if impl_portable(impl_config(name)) else [1]
        setups = (
            [("fast", w, False) for w in counts]
            + ([("plain", 1, False)] if plain else [])
            + [("fast", 1, True)]
        )
        results: dict[tuple[str, int, bool], list[dict[str, Any]]] = {setup: [] for setup in setups}
        for _ in range(repeat):
            for engine, w, native in setups:
                run = _in_child(context, _impl_in_child, name, engine, w, native)
                results[(engine, w, native)].append(run)
                if on_run is not None:
                    on_run(run)
        fast = {(a["distinct"], a["transitions"], a["depth"], a["invariant"]) for s, runs in results.items()
                if s[0] == "fast" and not s[2] for a in runs}
        if len(fast) != 1:
            raise AssertionError(f"{name}: the fast implementation search disagrees with itself: {sorted(fast, key=str)}")
        for setup, attempts in results.items():
            run = dict(attempts[-1])
            seconds = [a["seconds"] for a in attempts]
            run["seconds"] = round(statistics.median(seconds), 3)
            run["seconds_each"] = seconds
            cpu = [a.get("cpu_seconds") for a in attempts]
            run["cpu_seconds"] = round(statistics.median(cpu), 3) if None not in cpu else None
            run["cpu_seconds_each"] = cpu
            run["peak_rss_bytes"] = max(a["peak_rss_bytes"] for a in attempts)
            run["distinct_per_s"] = round(run["distinct"] / run["seconds"]) if run["seconds"] else None
            run["bytes_per_state"] = round(run["peak_rss_bytes"] / run["distinct"]) if run["distinct"] else None
            rows.append(run)
    return rows


def impl_table(rows: list[dict[str, Any]]) -> str:
    """One row per run: the implementation's searches, then the native model's on the same bounds."""
    lines = [
        "| run | model | engine | workers | verdict | depth | distinct | transitions | seconds (median) | distinct/s | "
        "peak RSS (MiB) | bytes/state |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        verdict = f"{r['verdict']} ({r['invariant']})" if r["invariant"] else r["verdict"]
        lines.append(
            f"| {r['run']} | {r['model']}: {r['target']} | {r['engine']} | {r['workers']} | {verdict} | {r['depth']} | "
            f"{r['distinct']:,} | {r['transitions']:,} | {r['seconds']:.1f} | {r['distinct_per_s']:,} | "
            f"{r['peak_rss_bytes'] / 2**20:,.0f} | {r['bytes_per_state']:,} |"
        )
    return "\n".join(lines)


def _median(values: list[float | None], limit: float) -> float | None:
    """Median time, counting a miss as the time limit; None when most seeds missed."""
    found = sorted(limit if v is None else v for v in values)
    middle = statistics.median(found)
    return None if sum(v is None for v in values) * 2 >= len(values) and middle >= limit else round(middle, 3)


def _explorer_shortest(variant: str, corpus: Path) -> int | None:
    from checker import traces

    lengths = []
    for path in sorted(corpus.glob(f"{variant}-*.json")):
        try:
            t = traces.load(path)
        except traces.TraceError:
            continue
        if t.engine == "explore" and t.config.variant == variant:
            lengths.append(len(t.actions))
    return min(lengths) if lengths else None


#: The engines bench can time, each a fuzzer steering or the baseline: "walk" is a plain uniform
#: random walk over the same actions and invariants (``checker.fuzz.run.random_walk``).
ENGINES = ("fuzz", "walk", "fuzz+swarm", "fuzz+targets", "uniform-bursts", "per-kind")
DEFAULT_ENGINES = ("fuzz", "walk")


def _steering(engine: str) -> frozenset[str]:
    from checker.fuzz.run import STEERING

    return {
        "fuzz": STEERING,
        "fuzz+swarm": STEERING | {"swarm"},
        "fuzz+targets": STEERING | {"targets"},
        "uniform-bursts": frozenset({"bursts"}),  # What the weights buy: bursts of uniform choice.
        "per-kind": frozenset({"settle"}),  # RaftMachine: Hypothesis chooses every single action.
    }[engine]


def _run_engine(engine: str, config, seed: int, time_limit: float, shrink: str, on_found) -> int | None:
    from checker.fuzz.run import fuzz, random_walk

    if engine == "walk":
        found = random_walk(config, seed, time_limit=time_limit)
        if found is not None:
            on_found(found[0])
        return None
    result = fuzz(config, examples=10**9, seed=seed, steer=_steering(engine), shrink=shrink, on_found=on_found, time_limit=time_limit)
    return len(result.trace) if result.trace else None


def _attempt_in_child(conn, engine: str, config_json: dict[str, Any], seed: int, time_limit: float) -> None:
    """One timed attempt, in a child process: reports ("found", seconds) as soon as a violation is
    seen, then ("done", shrunk length or None)."""
    from attrs import evolve

    from checker import traces

    config = traces.config_from_json(config_json)
    # Warm up first, on correct Raft, the same way for every engine: the one-off costs of a fresh
    # process (Hypothesis builds and checks its strategies on first use) are not the engine's.
    _run_engine(engine, evolve(config, variant="default"), seed + 1, 0.3, "none", lambda seconds: None)
    length = _run_engine(engine, config, seed, time_limit, "fast", lambda seconds: conn.send(("found", seconds)))
    conn.send(("done", length))


def _timed_attempt(engine: str, config, seed: int, time_limit: float, shrink_budget: float) -> tuple[float | None, int | None]:
    """Seconds until ``engine`` first sees a violation (None past ``time_limit``), and the length it
    shrinks it to (None if it was not found or did not finish shrinking within ``shrink_budget``)."""
    from checker import traces

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(
        target=_attempt_in_child, args=(child, engine, traces.config_to_json(config), seed, time_limit), daemon=True
    )
    _start(process)
    child.close()
    found, length = None, None
    try:
        # Time is counted inside the child, so process start-up is not charged to the engine.
        # Some slack for the child's start-up and warm-up: its own clock starts after them.
        if parent.poll(time_limit + 5):
            kind, value = parent.recv()
            if kind == "found" and value <= time_limit:
                found = value
                if parent.poll(shrink_budget):
                    kind, value = parent.recv()
                    length = value if kind == "done" else None
    except EOFError:
        pass
    finally:
        process.terminate()
        process.join()
    return found, length


def bench_fuzz(
    variants: list[str],
    seeds: int,
    time_limit: float,
    corpus: Path,
    engines: tuple[str, ...] = DEFAULT_ENGINES,
    shrink_budget: float = 300.0,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Per variant: median seconds to a first violation for each engine over ``seeds`` seeds,
    misses counted at the time limit, and how short the fuzzer shrinks what it finds."""
    from checker.fuzz.run import fuzz_config_for
    from checker.model.variants import get_variant

    rows = []
    for name in variants:
        variant = get_variant(name)
        times: dict[str, list[float | None]] = {engine: [] for engine in engines}
        lengths = []
        for seed in range(seeds):
            config = fuzz_config_for(name, seed)
            for engine in engines:
                found, length = _timed_attempt(engine, config, seed, time_limit, shrink_budget)
                times[engine].append(found)
                if engine == "fuzz" and length is not None:
                    lengths.append(length)
        row: dict[str, Any] = {"variant": name, "network": variant.network, "seeds": seeds, "time_limit": time_limit, "engines": list(engines)}
        for engine, values in times.items():
            row[f"{engine}_found"] = sum(v is not None for v in values)
            row[f"{engine}_median_s"] = _median(values, time_limit)
            row[f"{engine}_seconds"] = [None if v is None else round(v, 3) for v in values]
        if "fuzz" in times and "walk" in times:
            fuzz_median, walk_median = (statistics.median(time_limit if v is None else v for v in times[e]) for e in ("fuzz", "walk"))
            row["walk_over_fuzz"] = round(walk_median / fuzz_median, 1) if fuzz_median else None
        row["shrunk_length_median"] = statistics.median(lengths) if lengths else None
        row["shrunk_length_max"] = max(lengths) if lengths else None
        row["explorer_shortest"] = _explorer_shortest(name, corpus)
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def explore_table(runs: list[dict[str, Any]]) -> str:
    backends = any(r.get("backend", "local") != "local" for r in runs)
    lines = [
        "| config | engine | loop | "
        + ("backend | " if backends else "")
        + "workers | distinct | transitions | seconds (median) | CPU seconds (median) | "
        + ("against local | " if backends else "")
        + "distinct/s | explorer's peak (MiB) | peak PSS (MiB) | bytes/state |",
        "| --- | --- | --- | " + ("--- | " if backends else "") + "---: | ---: | ---: | ---: | ---: | " + ("---: | " if backends else "") + "---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        ratio = f"{r['over_local']:.2f}x | " if r.get("over_local") is not None else "- | "
        lines.append(
            f"| {r['config']} | {r['engine']} | {r['loop']} | "
            + (f"{r.get('backend', 'local')} | " if backends else "")
            + f"{r['workers']} | {r['distinct']:,} | {r['transitions']:,} | {r['seconds']:.1f} | "
            + (f"{r['cpu_seconds']:.1f} | " if r.get("cpu_seconds") is not None else "- | ")
            + (ratio if backends else "")
            + f"{r['distinct_per_s']:,} | {r['peak_rss_bytes'] / 2**20:,.0f} | "
            + (f"{r['peak_pss_bytes'] / 2**20:,.0f}" if r.get("peak_pss_bytes") else "-")
            + f" | {r['bytes_per_state']:,} |"
        )
    return "\n".join(lines)


def levels_table(run: dict[str, Any]) -> str:
    """What each level of one Ray run cost: the byte strings exchanged, and the level's time in
    the driver split into the slowest actor's computing (expansion, then acceptance) and the
    rest, waiting on Ray (the exchange through the object store and the calls)."""
    lines = [
        f"{run['config']} on Ray, {run['workers']} actors (Ray start-up {run['ray_start_s']:.1f} s, not counted above):",
        "| level | next frontier | bytes exchanged | seconds | expand (slowest actor) | accept (slowest actor) | exchange and calls |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for v in run["levels"]:
        lines.append(
            f"| {v['level']} | {v['frontier']:,} | {v['bytes']:,} | {v['seconds']:.3f} | {v['expand_compute']:.3f} | "
            f"{v['accept_compute']:.3f} | {v['exchange']:.3f} |"
        )
    levels = run["levels"]
    total = sum(v["seconds"] for v in levels)
    exchange = sum(v["exchange"] for v in levels)
    sent = sum(v["bytes"] for v in levels)
    outside = run.get("last_seconds", run["seconds"]) - total
    lines.append(
        f"| outside levels (actors' start and seeding, final report) | | | {outside:.2f} | | | |"
    )
    lines.append(
        f"| all | | {sent:,} | {total:.2f} | {sum(v['expand_compute'] for v in levels):.2f} | "
        f"{sum(v['accept_compute'] for v in levels):.2f} | {exchange:.2f} ({exchange / total:.0%}) |"
        if total
        else "| all | | 0 | 0 | 0 | 0 | 0 |"
    )
    return "\n".join(lines)


def fuzz_table(rows: list[dict[str, Any]]) -> str:
    """One row per variant: each engine's median seconds (seeds that found it), how much faster
    the fuzzer was than the walk, and the fuzzer's shrunk lengths beside the explorer's shortest."""

    def cell(r: dict[str, Any], engine: str) -> str:
        median = r[f"{engine}_median_s"]
        shown = "miss" if median is None else f"{median:.3f}" if median < 1 else f"{median:.2f}"
        return f"{shown} ({r[f'{engine}_found']}/{r['seeds']})"

    engines = rows[0]["engines"] if rows else list(DEFAULT_ENGINES)
    names = {"fuzz": "fuzzer", "walk": "random walk"}
    lines = [
        "| variant | network | "
        + " | ".join(f"{names.get(e, e)}: median s (found)" for e in engines)
        + " | walk / fuzzer | shrunk length (median / max) | explorer shortest |",
        "| --- | --- | " + " | ".join("---:" for _ in engines) + " | ---: | ---: | ---: |",
    ]
    for r in rows:
        shrunk = "-" if r["shrunk_length_median"] is None else f"{r['shrunk_length_median']:g} / {r['shrunk_length_max']}"
        ratio = r.get("walk_over_fuzz")
        # Where the walk missed some seeds, their times are the limit: the ratio is a lower bound.
        bound = "≥ " if r.get("walk_found", r["seeds"]) < r["seeds"] else ""
        lines.append(
            f"| {r['variant']} | {r['network']} | "
            + " | ".join(cell(r, e) for e in engines)
            + f" | {'-' if ratio is None else f'{bound}{ratio:g}x'} | {shrunk} | {r['explorer_shortest'] or '-'} |"
        )
    return "\n".join(lines)


def _bug_search_in_child(conn, config_json: dict[str, Any], target: tuple[str, ...]) -> None:
    """One timed exhaustive search, in a child process: reports ("found", seconds, invariant) at
    its end (invariant None when it came out clean). With ``target``, the plain search over the
    model seen through those invariants (``checker.search.target.Targeted``)."""
    import time

    from checker import traces
    from checker.front import explore, model_for
    from checker.search.bfs import search
    from checker.search.target import Targeted

    config = traces.config_from_json(config_json)
    start = time.monotonic()
    if target:
        model = Targeted(model_for(config), target)
        result = search(model, model.check_world, model.check_step, model.sometimes, max_depth=config.bounds.max_depth)
    else:
        result = explore(config)
    invariant = result.violation.invariant if result.violation is not None else None
    conn.send(("found", time.monotonic() - start, invariant))


def _timed_explore(config, time_limit: float, target: tuple[str, ...] = ()) -> tuple[float | None, str | None]:
    from checker import traces

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(
        target=_bug_search_in_child, args=(child, traces.config_to_json(config), tuple(target)), daemon=True
    )
    process.start()
    child.close()
    try:
        if parent.poll(time_limit + 5):
            _, seconds, invariant = parent.recv()
            if invariant is not None and seconds <= time_limit:
                return seconds, invariant
    except EOFError:
        pass
    finally:
        process.terminate()
        process.join()
    return None, None


def _find_in_child(conn, index: int, seed: int, time_limit: float) -> None:
    """One timed ``library_bugs.find`` of record ``index``, in a child process."""
    from checker.measure.library_bugs import BUGS, find

    seconds, violation, _ = find(BUGS[index], seed, time_limit)
    conn.send(("found", seconds, violation.invariant if violation is not None else None))


def _timed_find(bug, seed: int, time_limit: float) -> float | None:
    """Seconds until the record's own search breaks its invariant (None past the limit, or if
    it breaks another)."""
    from checker.measure.library_bugs import BUGS

    index = BUGS.index(bug)

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_find_in_child, args=(child, index, seed, time_limit), daemon=True)
    process.start()
    child.close()
    try:
        if parent.poll(time_limit + 5):
            _, seconds, invariant = parent.recv()
            if invariant == BUGS[index].invariant and seconds <= time_limit:
                return seconds
    except EOFError:
        pass
    finally:
        process.terminate()
        process.join()
    return None


def bench_bugs(
    bugs: list,
    seeds: int,
    time_limit: float,
    on_row: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Per published library bug (``checker.measure.library_bugs``): the median seconds to the first
    counterexample over ``seeds`` seeds (the explorer, deterministic, runs once), misses counted
    at the time limit, beside SandTable's published time. Each row's own bounds are used, by
    the fuzzer too (a bug that needs a crash needs ``max_crashed``)."""
    rows = []
    for bug in bugs:
        times: list[float | None] = []
        if bug.engine == "walk":
            # Seeded random walks through the record's targeted model (library_bugs.find).
            for seed in range(seeds):
                times.append(_timed_find(bug, seed, time_limit))
        elif bug.engine == "explore":
            found, invariant = _timed_explore(bug.config(), time_limit, bug.only)
            # Only the bug's own invariant counts: a shallower bug found first is a miss.
            times.append(found if invariant == bug.invariant else None)
        else:
            for seed in range(seeds):
                found, _ = _timed_attempt("fuzz", bug.config(seed), seed, time_limit, 0.0)
                times.append(found)
        row = {
            "library": bug.library,
            "version": bug.version,
            "issue": bug.issue,
            "invariant": bug.invariant,
            "network": bug.network,
            "settings": dict(bug.settings),
            "engine": bug.engine,
            "runs": len(times),
            "found": sum(t is not None for t in times),
            "median_s": _median(times, time_limit),
            "seconds": [None if t is None else round(t, 3) for t in times],
            "time_limit": time_limit,
            "sandtable_s": bug.sandtable_seconds,
            "sandtable_source": bug.sandtable_source,
        }
        rows.append(row)
        if on_row is not None:
            on_row(row)
    return rows


def bugs_table(rows: list[dict[str, Any]]) -> str:
    """One row per published bug: raftcheck's median seconds to it beside SandTable's."""
    lines = [
        "| library | release | issue | invariant | network | engine | raftcheck: median s (found) | SandTable s |",
        "| --- | --- | --- | --- | --- | --- | ---: | ---: |",
    ]
    for r in rows:
        median = "miss" if r["median_s"] is None else f"{r['median_s']:.2f}"
        sandtable = "-" if r["sandtable_s"] is None else f"{r['sandtable_s']:g}"
        lines.append(
            f"| {r['library']} | {r['version']} | {r['issue']} | {r['invariant']} | {r['network']} | {r['engine']} | "
            f"{median} ({r['found']}/{r['runs']}) | {sandtable} |"
        )
    if not rows:
        lines.append("| (no library bugs recorded yet: checker/measure/library_bugs.py) | | | | | | | |")
    return "\n".join(lines)
