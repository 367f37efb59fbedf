"""``variants``: the known-bug variants.
"""

from __future__ import annotations

import argparse
import json
import sys

from checker.cli.options import EXIT_CLEAN
from checker.model.variants import VARIANTS, explore_command
from checker.traces import config_to_json

HELP = "list the known-bug variants"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``variants``."""
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--table",
        action="store_true",
        help="explore (and fuzz, if a fuzz engine is installed) every bug variant on its configuration "
        "and print the results as a Markdown table",
    )

# --- variants ------------------------------------------------------------------------------


def cmd_variants(args: argparse.Namespace) -> int:
    if args.table:
        return variants_table(args)
    rows = [
        {
            "name": v.name,
            "description": v.description,
            "invariant": v.invariant,
            "network": v.network,
            "source": v.source,
            "faults": v.faults,
            # The smallest configuration that shows the bug, as in trace files; what
            # `explore --variant NAME` starts from when no bounds are given.
            "config": None if v.config is None else config_to_json(v.config),
        }
        for v in VARIANTS.values()
    ]
    if args.json:
        print(json.dumps({"variants": rows}))
        return EXIT_CLEAN
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        breaks = r["invariant"] or "nothing (correct Raft)"
        print(f"{r['name']:<{width}}  {r['description']}")
        print(f"{'':<{width}}  breaks: {breaks}; network: {r['network']}; source: {r['source']}")
        v = VARIANTS[r["name"]]
        if v.config is not None:
            print(f"{'':<{width}}  faults: {v.faults}; shown by: {explore_command(v.config)}")
    return EXIT_CLEAN


def variants_table(args: argparse.Namespace) -> int:
    from checker.fuzz.run import FIRST_COUNTEREXAMPLE_LIMIT
    from checker.measure import zoo

    seeds = ", ".join(map(str, zoo.FUZZ_SEEDS))
    print(
        f"variants: exploring every bug variant on its configuration; fuzzing with seeds {seeds}, "
        f"up to {FIRST_COUNTEREXAMPLE_LIMIT:g} s a seed (a miss is reported as not found)",
        file=sys.stderr,
        flush=True,
    )

    def progress(row: zoo.Row) -> None:
        print(f"  {row.variant.name}: {row.invariant or 'nothing found'} at depth {row.depth}", file=sys.stderr, flush=True)

    rows = zoo.measure_all(on_row=progress)
    if args.json:
        print(json.dumps({"rows": [zoo.to_json(r) for r in rows]}))
    else:
        print(zoo.markdown(rows))
    return EXIT_CLEAN


