"""The zoo of known bugs, measured: every bug variant explored on its configuration and fuzzed,
as the rows of the README's table.

The numbers come from real runs each time; nothing here is typed in by hand.
"""

from __future__ import annotations

import statistics
from typing import Callable

from attrs import frozen

from checker.front import explore
from checker.fuzz.run import first_counterexample, fuzz_config_for
from checker.model.config import ASYNC, Config
from checker.model.variants import Variant, bug_variants

#: Seeds the fuzz engine is run with per variant; the table reports medians over them.
FUZZ_SEEDS = (0, 1, 2)

#: ``first_counterexample(config, seed) -> (seconds, shrunk trace length) or None``.
FuzzEngine = Callable[[Config, int], "tuple[float, int] | None"]


@frozen
class FuzzFigures:
    """What the fuzz engine did on one variant over ``tried`` seeds."""

    found: int
    tried: int
    median_seconds: float | None  # Over the seeds that found something.
    median_length: float | None
    errors: int = 0  # Seeds on which the engine raised instead of answering.


@frozen
class Row:
    """One variant, measured."""

    variant: Variant
    invariant: str | None  # What the explorer found broken (None: nothing, within the bounds).
    depth: int  # Length of the shortest counterexample, or the depth searched if none.
    distinct: int
    seconds: float
    fuzz: FuzzFigures

    @property
    def as_expected(self) -> bool:
        return self.invariant == self.variant.invariant


def fuzz_configuration(variant: Variant, seed: int) -> Config:
    """What the fuzzer is run on, as ``bench`` and ``fuzz --variant`` use (``checker.fuzz.run.fuzz_config_for``)."""
    return fuzz_config_for(variant.name, seed)


def measure(variant: Variant, engine: FuzzEngine = first_counterexample, seeds: tuple[int, ...] = FUZZ_SEEDS) -> Row:
    """Explore ``variant`` on its configuration and fuzz it with ``engine`` on each seed (on
    ``fuzz_configuration``)."""
    result = explore(variant.config)
    found = result.violation.invariant if result.violation is not None else None
    depth = len(result.trace) if result.trace is not None else result.depth
    runs, errors = [], 0
    for seed in seeds:
        try:
            answer = engine(fuzz_configuration(variant, seed), seed)
        except Exception:  # Another engine's failure: reported in the table, not fatal to it.
            errors += 1
            continue
        if answer is not None:
            runs.append(answer)
    figures = FuzzFigures(
        found=len(runs),
        tried=len(seeds),
        median_seconds=statistics.median(s for s, _ in runs) if runs else None,
        median_length=statistics.median(n for _, n in runs) if runs else None,
        errors=errors,
    )
    return Row(variant, found, depth, result.distinct, result.seconds, figures)


def describe_config(config: Config) -> str:
    """A configuration in a few words: nodes, network bounds and faults allowed."""
    b = config.bounds
    parts = [f"{config.nodes} nodes", f"terms ≤ {b.max_term}", f"requests ≤ {b.max_requests}"]
    if config.network == ASYNC:
        parts.append(f"in flight ≤ {b.max_in_flight}")
    if b.max_cut:
        parts.append(f"cut ≤ {b.max_cut}")
    if b.max_crashed:
        parts.append(f"crashed ≤ {b.max_crashed}")
    return ", ".join(parts)


_HEADER = (
    "| variant | invariant broken | network | faults needed | configuration "
    "| explorer: depth | explorer: distinct states | explorer: seconds "
    "| fuzzer: median seconds | fuzzer: shrunk length |"
)


def markdown(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    lines = [_HEADER, "| " + " | ".join(["---"] * 10) + " |"]
    for r in rows:
        v = r.variant
        broken = r.invariant or "nothing found"
        if not r.as_expected:
            broken += f" (expected {v.invariant})"
        f = r.fuzz
        failed = f", engine error on {f.errors}" if f.errors else ""
        if f.found == 0:
            fuzz_seconds, fuzz_length = f"not found (0/{f.tried}{failed})", "—"
        else:
            share = "" if f.found == f.tried else f" ({f.found}/{f.tried}{failed})"
            # Hundredths below a second: many variants fall in the first tenth.
            shown = f"{f.median_seconds:.2f}" if f.median_seconds < 1 else f"{f.median_seconds:.1f}"
            fuzz_seconds = f"{shown}{share}"
            fuzz_length = f"{f.median_length:g}"
        cells = [
            f"`{v.name}`",
            broken,
            v.network,
            v.faults,
            describe_config(v.config),
            str(r.depth),
            f"{r.distinct:,}",
            f"{r.seconds:.1f}",
            fuzz_seconds,
            fuzz_length,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def to_json(row: Row) -> dict:
    f = row.fuzz
    return {
        "name": row.variant.name,
        "expected": row.variant.invariant,
        "invariant": row.invariant,
        "depth": row.depth,
        "distinct": row.distinct,
        "seconds": round(row.seconds, 3),
        "fuzz": {
            "found": f.found,
            "tried": f.tried,
            "errors": f.errors,
            "median_seconds": f.median_seconds,
            "median_length": f.median_length,
        },
    }


def measure_all(
    engine: FuzzEngine = first_counterexample,
    seeds: tuple[int, ...] = FUZZ_SEEDS,
    on_row: Callable[[Row], None] | None = None,
) -> list[Row]:
    """Measure every bug variant, in registry order."""
    rows = []
    for v in bug_variants():
        row = measure(v, engine, seeds)
        if on_row is not None:
            on_row(row)
        rows.append(row)
    return rows
