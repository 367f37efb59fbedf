"""The command line, fuzzed: Hypothesis writes argument vectors for every command (valid and
invalid values, unknown and repeated options, empty strings, huge and negative numbers,
non-ASCII, paths that are missing, directories, regular files in the way, /proc) and runs them
in process through ``checker.cli.main.main``. Whatever it writes, the outcome is exit 0, 1, 2 or
130, never an uncaught exception; exit 2 prints exactly one line on stderr naming the input,
and writes nothing (neither in the working directory, where the default corpus is, nor anywhere
the arguments point).

The options come from the parser itself, so a new option is fuzzed as soon as it exists. Runs
are kept cheap: the options that set how long a run is (--max-depth, --examples, --steps,
bench's --repeat and friends) draw small values only, and are added, small, when the generated
vector has none. ``variants --table`` is left out: it explores every variant, minutes of work.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import signal
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from checker.cli.main import COMMANDS, build_parser, main

ROOT = Path(__file__).resolve().parent.parent
TRACE = sorted((ROOT / "corpus").glob("restart-forgets-vote-*.json"))[0]
IMPL = ROOT / "tests" / "impls" / "seed_style.py"
#: Seconds one generated command may take before the test calls it a hang.
HANG = 60

#: Left out of the generated vectors, with why.
LEFT_OUT = {("variants", "--table"): "explores and fuzzes every variant: minutes"}

#: Values any option may get: empty, blank, non-ASCII, control characters, option-like, numbers of every sign and size.
ANY = ["", " ", "é", "日本", "\x00x", "-", "--", "--json", "0", "1", "-1", "3", "1e9", "1.5", "nan", "inf",
       "9" * 40, "-" + "9" * 40, "1,2", ",", "none", "default"]  # fmt: skip

# Paths relative to the generated run's own directory (its cwd), made afresh for every example.
PATHS = ["trace.json", "garbage.json", "empty.json", "dir", "file", "missing.json", "nowhere/x.json", "file/sub",
         "/proc/x", "/proc/x/y.json", "é.json", "raises.py:Node", "syntax.py:Node"]  # fmt: skip

#: Values that make sense for one option (as well as ANY). The cost options draw small values only.
VALUES = {
    "--config": ["tiny", "async-tiny", "small", "nope"],
    "--nodes": ["1", "2", "3", "10", "0"],
    "--network": ["sync", "async", "fifo", "SYNC"],
    "--variant": ["default", "restart-forgets-vote", "figure8", "vote-no-log-check", "nope", "Figure8"],
    "--seed": ["0", "7", "-3", "9" * 30],
    "--max-term": ["0", "1", "2", "9" * 30],
    "--max-requests": ["0", "1", "9" * 30],
    "--max-in-flight": ["0", "2", "9" * 30],
    "--max-cut": ["0", "1", "9" * 30],
    "--max-crashed": ["0", "1", "9" * 30],
    "--max-depth": ["0", "1", "2", "3"],
    "--corpus": ["corpus", "dir", "file", "file/sub", "new/corpus", "/proc/x", "é"],
    "--impl": [f"{IMPL}:SeedRaft", f"{IMPL}:EarlierTermCommit", f"{IMPL}:Nope", f"{IMPL}", "missing.py:X", "os:path",
               "json:JSONDecoder", "raises.py:Node", "syntax.py:Node", ":", "dir:X", "no_such_module:X"],  # fmt: skip
    "--persistent": ["current_term,voted_for,log", "current_term", "1x", ",", "a b"],
    "--call-timeout": ["0.5", "2", "0", "-1", "1e-9", "inf", "nan"],
    "--workers": ["1", "2", "0", "1,2", "1,1", "x"],
    "--symmetry": ["auto", "on", "off", "maybe"],
    "--engine": ["fast", "plain", "slow"],
    "--examples": ["0", "1", "2", "3"],
    "--steps": ["0", "1", "5", "10"],
    "--steer": ["none", "bursts", "weights,swarm", "targets", "bogus", ","],
    "--shrink": ["fast", "full", "none", "half"],
    "--only": ["explore", "fuzz", "both"],
    "--configs": ["tiny", "async-tiny", "tiny,tiny", "nope", ","],
    "--repeat": ["0", "1"],
    "--seeds": ["0", "1"],
    "--time-limit": ["0", "1"],
    "--variants": ["restart-forgets-vote", "nope", "restart-forgets-vote,nope", ","],
    "--engines": ["walk", "fuzz", "fuzz,walk", "nope", ","],
    "--html": ["page.html", "dir", "dir/page.html", "nowhere/page.html", "/proc/x/page.html", "file"],
    "TRACE": PATHS,
}
#: Options that set how long a run takes, with the small value put in when a vector has none.
CHEAP = {
    "explore": {"--max-depth": "3"},
    "fuzz": {"--examples": "2", "--steps": "10"},
    "bench": {"--repeat": "1", "--seeds": "1", "--time-limit": "1", "--configs": "tiny", "--workers": "1",
              "--variants": "restart-forgets-vote", "--engines": "walk"},  # fmt: skip
}
#: Values that would make a run long, never generated for these options.
COSTLY = {"--max-depth", "--examples", "--steps", "--repeat", "--seeds", "--time-limit", "--configs", "--variants"}


def _options(command: str) -> list[argparse.Action]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    parser = sub.choices[command]
    return [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]


def _values(name: str) -> st.SearchStrategy[str]:
    own = VALUES.get(name, [])
    if name in COSTLY:
        return st.sampled_from(own + ["-1", "", "x", "é", "1.5"])
    return st.sampled_from(own + ANY) if own else st.sampled_from(ANY) | st.text(max_size=6)


@st.composite
def argv(draw, command: str) -> list[str]:
    """One argument vector for ``command``: its options in any order, some repeated, some without
    their value, unknown ones, and its positional arguments (sometimes none, sometimes too many)."""
    actions = [a for a in _options(command) if (command, (a.option_strings or [""])[0]) not in LEFT_OUT]
    flags = [a for a in actions if a.option_strings]
    positional = [a for a in actions if not a.option_strings]
    words: list[str] = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["option", "option", "option", "unknown", "bare"]))
        if kind == "unknown":
            words.append(draw(st.sampled_from(["--nope", "-x", "--jsonn", "--max", "-", "--corpus="])))
            continue
        if not flags:
            continue
        a = draw(st.sampled_from(flags))
        name = a.option_strings[0]
        if a.nargs == 0:
            words.append(name)
        elif kind == "bare":
            words.append(name)  # Its value left out.
        elif draw(st.booleans()):
            words.append(f"{name}={draw(_values(name))}")
        else:
            words += [name, draw(_values(name))]
    for p in positional:
        many = draw(st.integers(0, 3 if p.nargs == "+" else 2))
        at = draw(st.integers(0, len(words)))
        words[at:at] = [draw(st.sampled_from(PATHS)) for _ in range(many)]
    for name, value in CHEAP.get(command, {}).items():
        if not any(w == name or w.startswith(name + "=") for w in words):
            words += [name, value]
    return [command, *words]


def _workspace(where: Path) -> None:
    """The files the generated paths point at, in the run's own directory."""
    shutil.copy(TRACE, where / "trace.json")
    (where / "garbage.json").write_text("{not json")
    (where / "empty.json").write_text("")
    (where / "dir").mkdir()
    (where / "file").write_text("a regular file")
    (where / "raises.py").write_text("raise RuntimeError('at import')\n")
    (where / "syntax.py").write_text("class Node(:\n")


def _tree(where: Path) -> dict[str, bytes | None]:
    return {str(p.relative_to(where)): (p.read_bytes() if p.is_file() else None) for p in sorted(where.rglob("*"))}


def _names_the_input(line: str, words: list[str]) -> bool:
    """The one line names what was wrong: an option or value from the vector, or the argument missing."""
    if "the following arguments are required" in line or "invalid choice" in line or "expected one argument" in line:
        return True
    return any(w and w.split("=", 1)[0] in line for w in words[1:] if w.strip())


def run(words: list[str]) -> tuple[int, str]:
    """Runs one vector in a fresh directory and checks every promise of the module docstring."""

    def hang(signum, frame):
        raise AssertionError(f"{words} took more than {HANG} s")

    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        _workspace(where)
        before = _tree(where)
        out, err = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        previous = signal.signal(signal.SIGALRM, hang)
        signal.alarm(HANG)
        try:
            os.chdir(where)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(words)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
            os.chdir(cwd)
        errors = err.getvalue()
        case = f"{words}: exit {code}\n{errors[-3000:]}"
        assert code in (0, 1, 2, 130), case
        assert "Traceback" not in errors, case
        if code == 2:
            lines = errors.splitlines()
            assert 1 == len(lines), case
            assert lines[0].startswith("python -m checker"), case
            assert _names_the_input(lines[0], words), case
            assert before == _tree(where), case
        assert not os.path.lexists("/proc/x")
        return code, errors


def _test_for(command: str):
    @given(argv(command))
    def test(words):
        run(words)

    test.__name__ = f"test_{command}_fuzzed_on_its_command_line_ends_in_0_1_2_or_130_and_says_why_in_one_line"
    test.__doc__ = (
        f"Generated `{command}` vectors: exit 0, 1, 2 or 130, no exception; exit 2 is one stderr line naming the input, nothing written."
    )
    return test


for _command in COMMANDS:
    globals()[f"test_{_command}_fuzzed"] = _test_for(_command)


def test_each_command_has_its_fuzz_test():
    """One generated test per command of the parser (a new command is fuzzed as soon as it exists)."""
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == {name.removeprefix("test_").removesuffix("_fuzzed") for name in globals() if name.endswith("_fuzzed") and name != "test_each_command_has_its_fuzz_test"}


# --- Defects the sweep found, pinned -------------------------------------------------------


def test_an_option_given_the_value_double_dash_is_bad_input_not_a_type_error():
    """``replay T --variant=--`` once ended in TypeError (argparse stored [] past the type check)."""
    for words in (["replay", "trace.json", "--variant=--"], ["explore", "--corpus=--", "--max-depth", "1"]):
        code, errors = run(words)

        assert 2 == code
        assert '"--" cannot be one' in errors


def test_fuzz_with_no_examples_is_bad_input_not_hypothesis_invalid_argument():
    """``fuzz --examples 0`` once ended in Hypothesis's InvalidArgument traceback (the issue's third case)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["fuzz", "--examples", "0"])

    assert 2 == code
    assert ["python -m checker fuzz: error: argument --examples: must be at least 1, not 0"] == err.getvalue().splitlines()
