"""The README and docs/ name only commands and options that exist.

Every ``python -m checker COMMAND ... --option`` written in a code block or in inline code is
checked against the real parser (``checker.cli.main.build_parser``), so that a renamed or removed
option shows up here rather than in a reader's terminal.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from checker.cli.main import build_parser
from checker.model.config import REFERENCE

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
_INLINE = re.compile(r"`([^`\n]+)`")
# A command runs to the end of its line or to a shell separator.
_COMMAND = re.compile(r"python3? -m checker\s+(\S+)([^\n|;&]*)")
_OPTION = re.compile(r"(?<![\w-])(--[A-Za-z][\w-]*)")


def code_spans(text: str) -> list[str]:
    """The text of every fenced code block and every inline code span."""
    blocks = _FENCE.findall(text)
    prose = _FENCE.sub("", text)
    return blocks + _INLINE.findall(prose)


def commands_in(text: str) -> list[tuple[str, list[str], dict[str, str]]]:
    """Each ``python -m checker COMMAND ...`` in the code of ``text``: the command, the options
    it names, and the value written after each option (``""`` when none)."""
    found = []
    for span in code_spans(text):
        for m in _COMMAND.finditer(span):
            command, rest = m.group(1), m.group(2)
            if command.isupper():  # A placeholder such as COMMAND.
                continue
            tokens = rest.split()
            options, values = [], {}
            for i, token in enumerate(tokens):
                if _OPTION.fullmatch(token.split("=", 1)[0]):
                    name, _, value = token.partition("=")
                    options.append(name)
                    values[name] = value or (tokens[i + 1] if i + 1 < len(tokens) else "")
            found.append((command, options, values))
    return found


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def problems(text: str, where: str) -> list[str]:
    """What ``text`` names that the command line does not have."""
    subcommands = _subcommands()
    out = []
    for command, options, _ in commands_in(text):
        if command not in subcommands:
            out.append(f"{where}: no command {command!r}")
            continue
        accepted = subcommands[command]._option_string_actions
        out.extend(f"{where}: {command} has no option {o}" for o in options if o not in accepted)
    return out


def config_problems(text: str, where: str) -> list[str]:
    """``--config NAME`` values in ``text`` that are not reference configurations."""
    out = []
    for command, options, values in commands_in(text):
        if command != "explore" or "--config" not in options:
            continue
        for name in values["--config"].split("|"):
            if name and not name.isupper() and name not in REFERENCE:
                out.append(f"{where}: explore --config {name}: no such reference configuration")
    return out


def test_the_parser_finds_a_bogus_option_and_command():
    """The checks below cannot pass by finding nothing: made-up text with a wrong option, a wrong
    command and a wrong configuration, in a block and inline, is caught."""
    made_up = (
        "Run `python -m checker explore --max-term 2 --no-such-option` or\n\n"
        "```\n$ python -m checker frobnicate --json\npython -m checker explore --config nowhere\n```\n"
    )
    assert problems(made_up, "made-up") == [
        "made-up: no command 'frobnicate'",
        "made-up: explore has no option --no-such-option",
    ]
    assert config_problems(made_up, "made-up") == ["made-up: explore --config nowhere: no such reference configuration"]
    assert len(commands_in("".join(p.read_text(encoding="utf-8") for p in PAGES))) > 10


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_docs_name_only_commands_and_options_that_exist(page):
    """Every command and option a page shows in code is accepted by build_parser()."""
    assert problems(page.read_text(encoding="utf-8"), page.name) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_docs_name_only_reference_configurations_that_exist(page):
    """Every ``explore --config NAME`` a page shows names a key of REFERENCE."""
    assert config_problems(page.read_text(encoding="utf-8"), page.name) == []


def test_commands_md_lists_every_option_of_every_command():
    """docs/commands.md has a section per command listing exactly the options the parser accepts."""
    text = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^## `([a-z]+)`\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL))
    subcommands = _subcommands()
    assert sorted(sections) == sorted(subcommands)
    for name, parser in subcommands.items():
        listed = set(re.findall(r"^- `(--[\w-]+)", sections[name], re.MULTILINE))
        accepted = {o for a in parser._actions if not isinstance(a, argparse._HelpAction) for o in a.option_strings}
        assert (name, listed) == (name, accepted)


def test_quick_start_holds_the_two_commands_ci_runs():
    """The README's Quick start has exactly two commands, and the test one is what .ci/run runs."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    blocks = [b.strip() for b in _FENCE.findall(section)]
    assert len(blocks) == 2
    assert all("\n" not in b for b in blocks)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    (ci_command,) = [line.strip() for line in ci.splitlines() if line.startswith("python3 -m venv")]
    assert blocks[1] == ci_command
    assert blocks[0].endswith("python -m checker explore")
