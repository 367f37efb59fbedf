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
MOMENTS = {"fast": 1, "ci": 3, "nightly": 10}[os.environ.get("HYPOTHESIS_PROFILE", "fast")]
#: The window the moments fall in, in seconds from when the checker's own code first runs (its
#: SIGTERM handler is set, the first thing ``python -m checker`` does): its imports included. A
#: signal before that finds only the interpreter starting, whose default is to die of it.
WINDOW = (0.0, 3.0)
#: How long the run may take to end after the signal, and its processes to be gone after that.
ENDS_WITHIN, GONE_WITHIN = 60, 2.0

#: Each command, with what it prints once interrupted (the summary so far), on stdout or stderr.
#: Each runs far longer than the window, so that the signal always comes mid-run.
COMMANDS = {
    "explore-1-worker": (["explore", "--config", "small", "--workers", "1", "--corpus", "{corpus}"], "result: interrupted"),
    "explore-2-workers": (["explore", "--config", "small", "--workers", "2", "--corpus", "{corpus}"], "result: interrupted"),
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


def count_cases() -> int:
    """Interrupted runs the suite makes in this profile."""
    return len(COMMANDS) * len(SIGNALS) * MOMENTS


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
            if group:
                os.killpg(proc.pid, signum)
            else:
                os.kill(proc.pid, signum)
            out, err = (s.decode(errors="replace") for s in proc.communicate(timeout=ENDS_WITHIN))
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        case = f"{name}, {signal_name} at {delay:.2f} s: exit {proc.returncode}\nstdout:\n{out[-1500:]}\nstderr:\n{err[-3000:]}"
        assert STATUS[signum] == proc.returncode, case
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
