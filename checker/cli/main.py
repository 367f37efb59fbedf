"""The command line: ``python -m checker COMMAND``.

Exit status, for every command: 0 ran to completion and found nothing; 1 found a violation
(the trace was saved and its path printed); 2 bad input (one line on stderr, nothing written);
130 interrupted with Ctrl-C after printing the summary so far.
"""

from __future__ import annotations

import argparse
import sys

from checker.cli import bench as cli_bench
from checker.cli import explore as cli_explore
from checker.cli import fuzz as cli_fuzz
from checker.cli import replay as cli_replay
from checker.cli import show as cli_show
from checker.cli import shrink as cli_shrink
from checker.cli import variants as cli_variants
from checker.cli.options import (
    EXIT_BAD_INPUT,
    BadInput,
    Parser,
)

#: The commands, in the order ``--help`` lists them; each module has HELP, add_arguments and its cmd_ function.
COMMANDS = {
    "explore": (cli_explore, cli_explore.cmd_explore),
    "fuzz": (cli_fuzz, cli_fuzz.cmd_fuzz),
    "bench": (cli_bench, cli_bench.cmd_bench),
    "replay": (cli_replay, cli_replay.cmd_replay),
    "variants": (cli_variants, cli_variants.cmd_variants),
    "show": (cli_show, cli_show.cmd_show),
    "shrink": (cli_shrink, cli_shrink.cmd_shrink),
}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m checker", description="raftcheck: model checking and fuzzing for Raft")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser, metavar="COMMAND")
    for name, (module, _) in COMMANDS.items():
        module.add_arguments(commands.add_parser(name, help=module.HELP))
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # Bad usage (status 2) or --help (status 0): argparse has printed why.
        return e.code if isinstance(e.code, int) else EXIT_BAD_INPUT
    try:
        return COMMANDS[args.command][1](args)
    except BadInput as e:
        print(f"python -m checker {args.command}: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


