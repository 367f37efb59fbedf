"""``bench``: performance figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

from checker.cli.options import EXIT_CLEAN, EXIT_INTERRUPTED, BadInput, non_negative, worker_count
from checker.model.config import REFERENCE
from checker.model.variants import VARIANTS, UnknownVariant, get_variant

HELP = "performance figures for the reference configurations and the fuzzer"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``bench``."""
    parser.add_argument(
        "--only",
        choices=("explore", "fuzz", "bugs", "impl"),
        help="run one part only; bugs: time to the published bugs of real libraries (checker/measure/library_bugs.py); "
        "impl: implementation searches (a seed-style class's Figure 8 bug, PySyncObj, raftos) beside the native "
        "model's on the same bounds (checker/measure/bench.py IMPL_RUNS); neither runs unless asked for",
    )
    parser.add_argument(
        "--impl-runs",
        help="with --only impl: which runs of IMPL_RUNS (comma-separated names; default: all)",
    )
    parser.add_argument(
        "--bugs",
        metavar="BUGS",
        help="with --only bugs: these records only, LIBRARY==VERSION:INVARIANT (every engine's record of that bug) or LIBRARY==VERSION:INVARIANT:ENGINE, comma-separated (default: every one)",
    )
    parser.add_argument("--configs", default="tiny,default", help="reference configurations to explore (comma-separated)")
    parser.add_argument("--workers", default="1,2", help="worker counts for the fast explorer (comma-separated; default 1,2)")
    parser.add_argument("--repeat", type=non_negative, default=3, help="runs per configuration and worker count (default 3)")
    parser.add_argument("--plain", action="store_true", help="also run the plain reference explorer, for comparison")
    parser.add_argument(
        "--python-loop",
        action="store_true",
        help="also run the fast explorer with its Python loop instead of the C one, for comparison",
    )
    parser.add_argument(
        "--backend",
        choices=("local", "ray"),
        default="local",
        help="ray: also time the fast explorer on a local Ray instance, beside the local backend, "
        "with bytes exchanged and compute against exchange per level",
    )
    parser.add_argument("--variants", help="variants to fuzz (comma-separated; default: every known-bug variant)")
    parser.add_argument("--seeds", type=non_negative, default=5, help="seeds per variant and engine (default 5)")
    parser.add_argument("--time-limit", type=non_negative, default=30, help="seconds per fuzz or walk run (default 30)")
    parser.add_argument(
        "--engines",
        default="fuzz,walk",
        help="engines to time (comma-separated; default fuzz,walk; also fuzz+swarm, fuzz+targets, uniform-bursts, per-kind)",
    )
    parser.add_argument("--corpus", default="corpus", help="where the explorer's shortest traces are read from")
    parser.add_argument("--json", action="store_true", help="end with one JSON object on stdout")

# --- bench ---------------------------------------------------------------------------------


def _bug_names(bug) -> tuple[str, str]:
    """The two names a library-bug record answers to in --bugs: LIBRARY==VERSION:INVARIANT, which
    two records share where one bug is found by two engines (raftos's two leaders, by walk with
    one setting changed and by fuzz on the defaults), and that with :ENGINE after it, which is
    the record's alone."""
    short = f"{bug.target}:{bug.invariant}"
    return short, f"{short}:{bug.engine}"


def _bug_records(args: argparse.Namespace) -> list:
    """The library-bug records --bugs names (LIBRARY==VERSION:INVARIANT[:ENGINE]), by default
    every one, in the table's order."""
    from checker.measure.library_bugs import BUGS

    if args.bugs is None:
        return BUGS
    if args.only != "bugs":
        raise BadInput("--bugs applies only with --only bugs")
    named = {name for b in BUGS for name in _bug_names(b)}
    wanted = [n for n in args.bugs.split(",") if n]
    unknown = [n for n in wanted if n not in named] or ([] if wanted else [args.bugs])
    if unknown:
        known = sorted({_bug_names(b)[0] for b in BUGS})
        raise BadInput(f"--bugs: no record {unknown[0]!r} (known: {', '.join(known)}, each optionally with :ENGINE)")
    return [b for b in BUGS if set(_bug_names(b)) & set(wanted)]


def cmd_bench(args: argparse.Namespace) -> int:

    from checker.measure import bench

    _bug_records(args)  # Bad input is refused before anything runs.
    configs = [n for n in args.configs.split(",") if n]
    for name in configs:
        if name not in REFERENCE:
            raise BadInput(f"--configs: unknown reference configuration {name!r} (known: {', '.join(sorted(REFERENCE))})")
    if args.variants is None:
        variants = [v.name for v in VARIANTS.values() if v.invariant is not None]
    else:
        variants = [n for n in args.variants.split(",") if n]
        for name in variants:
            try:
                get_variant(name)
            except UnknownVariant as e:
                raise BadInput(f"--variants: {e}") from None
    if args.seeds < 1:
        raise BadInput("--seeds must be at least 1")
    if args.repeat < 1:
        raise BadInput("--repeat must be at least 1")
    try:
        worker_counts = [worker_count(n) for n in args.workers.split(",") if n]
    except argparse.ArgumentTypeError as e:
        raise BadInput(f"--workers: {e}") from None
    engines = tuple(e for e in args.engines.split(",") if e)
    unknown = [e for e in engines if e not in bench.ENGINES]
    if unknown or not engines:
        raise BadInput(f"--engines: unknown engine {', '.join(unknown) or '(none given)'} (known: {', '.join(bench.ENGINES)})")
    out = sys.stderr if args.json else sys.stdout
    try:
        return _bench(args, configs, variants, worker_counts, engines, out)
    except KeyboardInterrupt:
        # The runs done so far were printed as each finished (stderr); the children are stopped.
        print("interrupted: the figures above are the runs finished so far; no table", file=out, flush=True)
        return EXIT_INTERRUPTED


def _bench(args, configs, variants, worker_counts, engines, out) -> int:
    from pathlib import Path

    from checker.measure import bench

    runs, rows, speedup = [], [], None
    machine: list[float] | None = None
    speedups: dict[str, float | None] = {}  # Per configuration run on 1 and 2 workers.
    if args.backend == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise BadInput("--backend ray: Ray is not installed (pip install 'raftcheck[ray]')") from None
    if args.only in (None, "explore"):
        print(
            f"explorer: exhaustive runs of {', '.join(configs)}, each in a fresh process, "
            f"{args.repeat} of each taking turns",
            file=out,
            flush=True,
        )
        # What two processes that share nothing get done at once here, against one: the bound on
        # any speed-up of two workers on this machine, measured in each round of runs.
        machine = [] if 1 in worker_counts and 2 in worker_counts else None
        runs, speedup = bench.bench_explore(
            configs,
            worker_counts,
            args.repeat,
            args.plain,
            python_loop=args.python_loop,
            speedups=speedups,
            backends=("local", args.backend) if args.backend != "local" else ("local",),
            machine=machine,
            on_run=lambda r: print(
                f"  {r['config']} {r['engine']} ({r['loop']} loop, {r['backend']}) x{r['workers']}: "
                f"{r['distinct']:,} distinct in {r['seconds']:.1f} s"
                + (f" ({r['cpu_seconds']:.1f} s of CPU)" if r.get("cpu_seconds") is not None else "")
                + (f", peak PSS {r['peak_pss_bytes'] / 2**20:,.0f} MiB" if r.get("peak_pss_bytes") else ""),
                file=sys.stderr,
                flush=True,
            ),
        )
        print(bench.explore_table(runs), file=out, flush=True)
        for run in runs:
            if run.get("backend") == "ray":
                print("\n" + bench.levels_table(run), file=out, flush=True)
        for name, ratio in speedups.items():
            if ratio is not None:
                cpu = {
                    r["workers"]: r.get("cpu_seconds")
                    for r in runs
                    if r["config"] == name and r["engine"] == "fast" and r["loop"] == "C" and r.get("backend", "local") == "local"
                }
                # What two workers spend beside one: the cost of splitting the search, whatever
                # else the machine was doing meanwhile (which moves the wall time more).
                spent = f"; CPU time {cpu[2] / cpu[1]:.2f} times one worker's" if cpu.get(1) and cpu.get(2) else ""
                print(f"speed-up on 2 workers against 1 ({name}): {ratio:.2f}x{spent}", file=out, flush=True)
        if machine:
            print(
                f"this machine, in the same run: two processes that share nothing got "
                f"{statistics.median(machine):.2f} times one's work done at once (median of "
                f"{len(machine)}: {', '.join(f'{m:.2f}' for m in machine)}); 2.00 on two free cores",
                file=out,
                flush=True,
            )
    if args.only in (None, "fuzz"):
        print(
            f"\nfuzzing: seconds until a violation is first seen, median over {args.seeds} seeds, "
            f"{args.time_limit} s limit per run (a miss counts as the limit)",
            file=out,
            flush=True,
        )
        rows = bench.bench_fuzz(
            variants,
            args.seeds,
            float(args.time_limit),
            Path(args.corpus),
            engines=engines,
            on_row=lambda r: print(f"  {r['variant']}: done", file=sys.stderr, flush=True),
        )
        print(bench.fuzz_table(rows), file=out, flush=True)
    impl_rows: list = []
    if args.only == "impl":
        names = [n for n in (args.impl_runs.split(",") if args.impl_runs else [r[0] for r in bench.IMPL_RUNS]) if n]
        known = [r[0] for r in bench.IMPL_RUNS]
        for name in names:
            if name not in known:
                raise BadInput(f"--impl-runs: unknown run {name!r} (known: {', '.join(known)})")
        print(
            f"\nimplementation search: {', '.join(names)}, each in a fresh process, {args.repeat} of each taking turns, "
            "beside the native model on the same bounds",
            file=out,
            flush=True,
        )
        impl_rows = bench.bench_impl(
            names,
            worker_counts,
            args.repeat,
            args.plain,
            on_run=lambda r: print(
                f"  {r['run']} {r['model']} {r['engine']} x{r['workers']}: {r['verdict']} at depth {r['depth']}, "
                f"{r['distinct']:,} distinct in {r['seconds']:.1f} s",
                file=sys.stderr,
                flush=True,
            ),
        )
        print(bench.impl_table(impl_rows), file=out, flush=True)
    bugs = []
    if args.only == "bugs":
        from checker.measure.library_bugs import BUGS

        print(
            f"\nlibrary bugs: seconds to the first counterexample, median over {args.seeds} seeds "
            f"(the explorer: one run), {args.time_limit} s limit per run, beside SandTable's published time",
            file=out,
            flush=True,
        )
        bugs = bench.bench_bugs(
            _bug_records(args),
            args.seeds,
            float(args.time_limit),
            on_row=lambda r: print(f"  {r['library']}=={r['version']} {r['issue']}: done", file=sys.stderr, flush=True),
        )
        print(bench.bugs_table(bugs), file=out, flush=True)
    if args.json:
        print(json.dumps({"runs": runs, "speedup_2_workers": speedup, "speedups_2_workers": speedups, "fuzz": rows, "bugs": bugs,
                          "impl": impl_rows, "two_process_throughput": machine}))
    return EXIT_CLEAN
