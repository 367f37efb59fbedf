"""Interrupts: SIGINT and SIGTERM at seeded random moments during ``explore`` (1 and 2 workers),
``fuzz``, ``shrink`` and ``bench``, each run as a subprocess in a session of its own.

SIGINT goes to the whole process group, as a terminal's Ctrl-C does; SIGTERM once to the
checker alone (as ``kill PID`` does) and once to the whole group (as systemd and container
runtimes do). Whenever it comes (while the checker starts, searches, or prints), the run ends
with 130 (SIGINT) or 143 (SIGTERM) and no traceback; once the command has begun, with the summary
so far; no file is left half-written in the corpus or beside the trace (no temporary file, no
trace at all from a run that found nothing); and within 2 s of its end no process of its session
is left (read from /proc, no psutil).

The moments come from a generator seeded by the case's name: the same moments in every run.
``MOMENTS`` of them per case in the default suite, more under HYPOTHESIS_PROFILE=ci or nightly.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: A trace of 135 steps that takes some 25 s to shrink (an unshrunk fuzz find of truncate-always).
LONG_TRACE = ROOT / "tests" / "fixtures" / "long-truncate-always-unshrunk.json"
#: Moments per (command, signal) case: one in the default suite, more in the longer profiles.
MOMENTS_BY_PROFILE = {"fast": 1, "ci": 3, "nightly": 10}
MOMENTS = MOMENTS_BY_PROFILE[os.environ.get("HYPOTHESIS_PROFILE", "fast")]
#: The window the moments fall in, in seconds from when the checker's own code first runs (its
#: SIGTERM handler is set, the first thing ``python -m checker`` does): its imports included. A
#: signal before that finds only the interpreter starting, whose default is to die of it.
WINDOW = (0.0, 3.0)
#: How long the run may take to end after the signal, and its processes to be gone after that.
ENDS_WITHIN, GONE_WITHIN = 60, 2.0
#: Seconds a run may take to stop once signalled, on a busy machine: stopping is prompt, not a wait.
STOPS_WITHIN = 15

#: Each command, with what it prints once interrupted (the summary so far), on stdout or stderr.
#: Each runs far longer than the window, so that the signal always comes mid-run.
COMMANDS = {
    "explore-1-worker": (["explore", "--config", "four-terms", "--workers", "1", "--corpus", "{corpus}"], "result: interrupted"),
    "explore-2-workers": (["explore", "--config", "four-terms", "--workers", "2", "--corpus", "{corpus}"], "result: interrupted"),
    "fuzz": (["fuzz", "--examples", "1000000", "--corpus", "{corpus}"], "interrupted: no violation so far"),
    "shrink": (["shrink", "{trace}"], "interrupted after"),
    "bench": (["bench", "--only", "explore", "--configs", "small", "--workers", "1,2", "--repeat", "5"], "interrupted: the figures above"),
}
#: (signal, sent to the whole group?)
SIGNALS = {"SIGINT-group": (signal.SIGINT, True), "SIGTERM-process": (signal.SIGTERM, False), "SIGTERM-group": (signal.SIGTERM, True)}
#: What each signal must end the run with.
STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}
#: Lines that show the command had begun (its header), after which its summary is due.
BEGUN = {"explore": "explore: ", "fuzz": "fuzz: ", "bench": "explorer: ", "shrink": None}


def count_cases(profile: str) -> int:
    """Interrupted runs the suite makes under a profile."""
    return len(COMMANDS) * len(SIGNALS) * MOMENTS_BY_PROFILE[profile]


def session_processes(sid: int) -> list[int]:
    """Processes whose session is ``sid``, from /proc/PID/stat (field 6, after the parenthesised name)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # Gone meanwhile.
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry))
    return found


def _wait_for_handler(pid: int) -> None:
    """Until process ``pid`` catches SIGTERM (the SigCgt mask of /proc/PID/status)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            caught = next(line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("SigCgt:"))
        except (OSError, StopIteration):
            return  # Already gone: the assertion after the sleep says so.
        if int(caught.split()[1], 16) & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.005)
    raise AssertionError(f"process {pid} set no SIGTERM handler within 30 s")


def _files(where: Path) -> list[str]:
    return sorted(str(p.relative_to(where)) for p in where.rglob("*") if p.is_file())


@pytest.mark.parametrize("signal_name", SIGNALS)
@pytest.mark.parametrize("name", COMMANDS)
def test_an_interrupted_run_ends_with_its_summary_its_status_and_nothing_left_behind(name, signal_name, tmp_path):
    """At each seeded moment: exit 130/143, no traceback, the summary if the command had begun,
    no partial or stray file, and no process of the run's session left after 2 s."""
    command, summary = COMMANDS[name]
    signum, group = SIGNALS[signal_name]
    rng = random.Random(f"{name} {signal_name}")
    for moment in range(MOMENTS):
        where = tmp_path / str(moment)
        (where / "corpus").mkdir(parents=True)
        shutil.copy(LONG_TRACE, where / "long.json")
        argv = [a.format(corpus=where / "corpus", trace=where / "long.json") for a in command]
        before = _files(where)
        delay = rng.uniform(*WINDOW)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "checker", *argv],
            cwd=where,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            _wait_for_handler(proc.pid)
            time.sleep(delay)
            assert proc.poll() is None, f"{name} ended before the signal at {delay:.2f} s: make it longer"
            sent = time.monotonic()
            if group:
                os.killpg(proc.pid, signum)
            else:
                os.kill(proc.pid, signum)
            out, err = (s.decode(errors="replace") for s in proc.communicate(timeout=ENDS_WITHIN))
            took = time.monotonic() - sent
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        case = f"{name}, {signal_name} at {delay:.2f} s: exit {proc.returncode} after {took:.1f} s\nstdout:\n{out[-1500:]}\nstderr:\n{err[-3000:]}"
        assert STATUS[signum] == proc.returncode, case
        assert took < STOPS_WITHIN, case
        assert "Traceback" not in err and "Exception ignored" not in err, case
        begun = BEGUN[command[0]]
        if begun is None or begun in out:
            # Shrink prints nothing before its end: once started, it has its summary; before, nothing at all.
            assert summary in out or (begun is None and "" == out), case
        assert before == _files(where), case  # Nothing written: no trace, no temporary file.
        deadline = time.monotonic() + GONE_WITHIN
        while session_processes(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [] == session_processes(proc.pid), case


# --- The windows a random moment rarely hits, pinned in process -----------------------------

FOUND = ["--variant", "restart-forgets-vote", "--workers", "1", "--quiet"]


def test_ctrl_c_while_a_trace_is_saved_waits_until_its_path_is_printed_and_exits_1(tmp_path, monkeypatch, capsys):
    """A Ctrl-C that arrives in the middle of writing the trace is held until the trace is whole
    and its path printed: exit 1, the trace saved and named, no temporary file. (Before, the
    KeyboardInterrupt escaped from the save: a trace on disk nobody was told of, and status 130.)"""
    from checker.cli.main import main
    from checker.traces import format as trace_format

    real = trace_format._save

    def interrupted_save(t, directory):
        os.kill(os.getpid(), signal.SIGINT)  # Held: it lands when save() and the report are done.
        return real(t, directory)

    monkeypatch.setattr(trace_format, "_save", interrupted_save)

    code = main(["explore", *FOUND, "--corpus", str(tmp_path)])
    out = capsys.readouterr().out

    assert 1 == code
    saved = list(tmp_path.glob("*.json"))
    assert 1 == len(saved) and f"trace saved: {saved[0]}" in out, (out, list(tmp_path.iterdir()))
    assert [] == list(tmp_path.glob(".tmp-*"))


def test_ctrl_c_while_fuzz_shrinks_keeps_the_counterexample_as_found(tmp_path, monkeypatch, capsys):
    """A Ctrl-C during the shrinking of what fuzz found saves the counterexample unshrunk and
    exits 1. (Before, fuzz said "interrupted: no violation so far" and the find was lost.)"""
    from checker.cli.main import main
    from checker.fuzz import run as fuzz_run
    from checker.traces.shrink import ShrinkInterrupted

    def interrupted(t):
        raise ShrinkInterrupted(len(t.actions), len(t.actions), 0, 0.0)

    monkeypatch.setattr(fuzz_run, "shrink_trace", interrupted)

    code = main(["fuzz", "--variant", "restart-forgets-vote", "--examples", "200", "--quiet", "--corpus", str(tmp_path)])
    out = capsys.readouterr().out

    assert 1 == code
    assert "interrupted while shrinking, kept as found" in out
    (saved,) = tmp_path.glob("*.json")
    from checker import traces

    t = traces.load(saved)
    assert traces.replay(t).reproduces(t.outcome)


def test_a_ctrl_c_that_is_lost_is_raised_again(monkeypatch, capsys):
    """Python drops an exception raised inside a garbage-collector callback, and Hypothesis runs
    one at every collection: fuzz once went on for ever after a Ctrl-C (seen as a 60 s timeout
    here, under load). A command still running REINTERRUPT_EVERY seconds after the signal gets
    it again."""
    from checker.cli import main as cli_main
    from checker.cli import variants

    def swallows_the_first_ctrl_c(args) -> int:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        except KeyboardInterrupt:
            pass  # Lost, as in a gc callback.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.01)
        return 0

    monkeypatch.setattr(cli_main, "REINTERRUPT_EVERY", 0.5)
    monkeypatch.setitem(cli_main.COMMANDS, "variants", (variants, swallows_the_first_ctrl_c))
    started = time.monotonic()

    code = cli_main.main(["variants"])

    assert 130 == code
    assert time.monotonic() - started < 10
    assert "python -m checker variants: interrupted" in capsys.readouterr().err


def test_a_search_winding_down_longer_than_the_re_raise_still_prints_its_summary(monkeypatch, capsys):
    """Stopping the workers of a search with gigabytes to free took 6 s once (terms up to 3 on
    the asynchronous network, 54 million classes), longer than REINTERRUPT_EVERY, and the Ctrl-C
    raised again cut the summary short: the run ended with only "interrupted". A search that
    has caught the interrupt says so, and is not interrupted again while it winds down."""
    import threading

    from checker.cli import main as cli_main
    from checker.search import parallel

    real = parallel.peak_memory_bytes

    called = []

    def slow_to_wind_down() -> int:
        called.append(True)
        time.sleep(1.0)  # Five re-raises' worth, were they still coming.
        return real()

    monkeypatch.setattr(cli_main, "REINTERRUPT_EVERY", 0.2)
    monkeypatch.setattr(parallel, "peak_memory_bytes", slow_to_wind_down)
    threading.Timer(1.5, os.kill, (os.getpid(), signal.SIGINT)).start()

    code = cli_main.main(["explore", "--config", "four-terms", "--workers", "1", "--quiet", "--json"])
    out = capsys.readouterr().out

    summary = json.loads(out.splitlines()[-1])
    assert 130 == code
    assert summary["interrupted"] and not summary["exhaustive"]
    assert called, "the search did not wind down through the slow step"
