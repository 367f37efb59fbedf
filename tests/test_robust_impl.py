"""Implementations that misbehave (tests/impls/misbehaving.py) under ``--impl``: each is a named
finding with a saved trace that replays to the same finding, or a clean run where the checker's
copies make the misbehaviour harmless; never a crash, a hang, or output on the checker's stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
from pathlib import Path

import pytest
from attrs import evolve

from checker.api import configuration
from checker.cli.main import main
from checker.impl import ImplModel
from checker.model.actions import Tick
from checker.model.config import ImplTarget

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "tests" / "impls" / "misbehaving.py"
HANG = 60

#: Each misbehaving class, with the finding it must be reported as and words its message must hold.
FINDINGS = {
    "RaisesInTick": ("exception", "raised RuntimeError: not implemented yet"),
    "GarbageFromTick": ("malformed_message", "returned 'sent them', not a list"),
    "GarbageReply": ("malformed_reply", "handle_request_vote"),
    "GarbageState": ("malformed_state", "'campaigning'"),
    "HangsInTick": ("timeout", "did not return within 1 s"),
    "SleepsInTick": ("timeout", "did not return within 1 s"),
    "RecursesForEver": ("exception", "RecursionError"),
    "AllocatesForEver": ("memory", "allocated more than 1,024 MiB"),
    "CallsSysExit": ("exception", "raised SystemExit: 3"),
    "CallsOsExit": ("exception", "called os._exit(3), which would have ended the checker"),
    "ExitsInConstructor": ("exception", "raised SystemExit: no config file"),
    "MutatesModuleGlobals": ("hidden_state", "changed misbehaving.TICKS"),
    "KeepsOtherNodes": ("hidden_state", "changed KeepsOtherNodes.everyone"),
    "ReadsTheClock": ("nondeterministic", "read the clock, time.time() (at misbehaving.py:"),
    "UnseededGenerator": ("nondeterministic", "random.Random() (at misbehaving.py:"),
}
#: Classes whose misbehaviour the checker's copies make harmless: the run is as clean as SeedRaft's.
HARMLESS = ["PrintsToStdout", "MutatesMessageAfterSending"]


def count_cases() -> int:
    return len(FINDINGS) + len(HARMLESS)


def _run(argv: list[str]) -> tuple[int, str, str]:
    def hang(signum, frame):
        raise AssertionError(f"{argv} took more than {HANG} s")

    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(HANG)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


#: The time limit per call, but for the classes that hang, long: on a loaded machine a call that
#: fills memory can take more than the default second, and it is the memory cap under test there.
TIMEOUT = {"HangsInTick": "1", "SleepsInTick": "1"}


def _explore(name: str, corpus: Path) -> tuple[int, str, str]:
    return _run(["explore", "--impl", f"{FILE}:{name}", "--config", "tiny", "--max-depth", "5", "--quiet", "--json",
                 "--corpus", str(corpus), "--call-timeout", TIMEOUT.get(name, "30")])  # fmt: skip


@pytest.mark.parametrize("name", FINDINGS)
def test_a_misbehaving_class_is_a_named_finding_whose_trace_replays(name, tmp_path):
    """explore --impl CLASS: exit 1, the expected finding and message in the JSON tail, stdout
    only the checker's JSON, and the saved trace replays to the same finding."""
    kind, words = FINDINGS[name]

    code, out, err = _explore(name, tmp_path)

    assert 1 == code, err
    assert 1 == len(out.splitlines()), out  # --json: nothing on stdout but the JSON line.
    tail = json.loads(out)
    assert ("error", kind) == (tail["result"], tail["finding"]), tail
    assert words in tail["message"], tail["message"]
    assert "Traceback" not in err
    replayed, replay_out, replay_err = _run(["replay", tail["trace"], "--json"])
    assert 1 == replayed, replay_err
    report = json.loads(replay_out.splitlines()[-1])["traces"][0]
    assert (report["invariant"], report["reproduces"]) == (kind, True), report


@pytest.mark.parametrize("name", HARMLESS)
def test_a_harmless_misbehaviour_leaves_the_run_as_clean_as_the_correct_class(name, tmp_path):
    """Printing and mutating sent messages change nothing the checker sees: the verdict is
    SeedRaft's (clean), stdout holds only the checker's JSON line."""
    code, out, err = _explore(name, tmp_path)
    correct, correct_out, _ = _run(["explore", "--impl", f"{ROOT}/tests/impls/seed_style.py:SeedRaft", "--config", "tiny",
                                    "--max-depth", "5", "--quiet", "--json", "--corpus", str(tmp_path)])  # fmt: skip

    assert (0, 0) == (code, correct), err
    assert 1 == len(out.splitlines()), out
    assert json.loads(out)["result"] == json.loads(correct_out)["result"] == "clean"
    if name == "PrintsToStdout":
        assert "ticked" in err  # Its prints went to stderr, not lost, not on stdout.


def test_a_message_changed_after_it_was_sent_is_not_changed_in_the_network():
    """The network holds a copy of what tick returned: the sender changing its own dicts on its
    next tick leaves the messages in flight as they were sent."""
    config = evolve(configuration("tiny", max_in_flight=10), network="async", impl=ImplTarget(f"{FILE}:MutatesMessageAfterSending"))
    model = ImplModel(config)
    sent = model.step(model.initial(), Tick(1))
    again = model.step(sent, Tick(1))  # Sets term 99 on the dicts node 1 kept from its first tick.

    assert [1, 1] == [p["term"] for p, _ in sent.payloads]
    assert [1, 1, 2, 2] == sorted(p["term"] for p, _ in again.payloads)
