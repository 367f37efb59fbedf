"""The call sandbox: every call into an implementation under test goes through it.

Moved here from ``checker.impl.seed`` (where it was ``ImplModel.call``) so that the seed-API
adapter and the generic driver (``checker.impl.driver``) share one: a failure of the
implementation becomes a finding, not a crash of the checker.

- An exception from the call is a finding ("exception"), named with the last frames of the
  implementation's own code (the library's files, or any file outside raftcheck's).
- A call that does not return within ``call_timeout`` seconds is a finding ("timeout"): a
  ``SIGALRM`` interval timer, so only on the main thread (elsewhere calls are not timed).
- With ``seed`` (a method's name), the module-level ``random`` is seeded from the node's id and
  that name before the call, so that a call's draws depend only on which node makes which call.

Calls may nest (an adapter's method, timed by the driver, calling the library's methods, timed
by the adapter): the outermost call arms the timer, and the innermost one running when it
fires, or raising, names the finding. A finding raised inside passes through the calls around
it unchanged.
"""

from __future__ import annotations

import _signal
import gc
import os
import random
import signal
import threading
import traceback
from typing import Any, Callable, Iterable

from checker.impl.canonical import _seed_for
from checker.impl.watch import MEMORY_PER_CALL, CallWatch, Exited
from checker.model.outcome import Violation


class CallFailed(Exception):
    """Raised inside a step when the implementation fails; the step ends there."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.violation = Violation(kind, message)


class _TimedOut(BaseException):
    """Raised by the alarm inside a call that has run too long; a BaseException, so that the
    implementation's own ``except Exception`` cannot swallow it."""


def _raise_timed_out(signum, frame) -> None:
    raise _TimedOut()


class Sandbox:
    """Calls into one implementation: timed, seeded, and with failures turned into findings."""

    def __init__(self, call_timeout: float, files: Iterable[str] = (), watch: CallWatch | None = None) -> None:
        self.call_timeout = call_timeout
        # What each outermost call may not do besides raising and hanging (checker.impl.watch):
        # memory, exits, stdout, shared variables, the clock. None: not watched.
        self.watch = watch
        self._depth = 0
        self._timer = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        self._in_call = False
        self._left = 0.0  # Of the alarm, while the garbage collector runs.
        self._open = False  # Inside ``run``.
        self._armed = False  # Inside ``run``, and armed for the step (``arm``).
        # The implementation's own files, whose frames a finding names first.
        self._files = {os.path.abspath(f) for f in files if f}
        self._own = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    def run(self, action: Callable[[], None]) -> None:
        """Run ``action`` (one step's calls) with the alarm installed and the module ``random``'s
        state put back after. All of that is put in place at the step's first call into the
        implementation, or the first time the step touches the implementation's objects
        (``arm``), not before: a search that replays most steps from its call memo
        (``checker.impl.driver``) makes no call at all in most of them, and the implementation
        cannot run, draw from ``random`` or print before then."""
        self._open = True
        try:
            action()
        finally:
            self._open = False
            if self._armed:
                self._armed = False
                self._disarm()

    def arm(self) -> None:
        """Inside ``run``: the step's alarm, watch and saved ``random`` state, once, before
        anything that may run the implementation's code (a call; a node restored or copied; a
        payload copied). Outside ``run``, nothing: each call is watched by itself."""
        if self._armed or not self._open:
            return
        if self.watch is not None:
            self.watch.hold()  # Armed once for the step's calls (CallWatch.hold); first, so that
            # if it fails nothing else is left to put back.
        self._saved = random.getstate()
        # The C module's own call: signal.signal would turn the handler it returns into an enum.
        self._previous = _signal.signal(signal.SIGALRM, self._alarm) if self._timer else None
        if self._timer:
            gc.callbacks.append(self._collecting)
        self._armed = True

    def _disarm(self) -> None:
        try:
            if self.watch is not None:
                self.watch.release()
        finally:
            if self._timer:
                gc.callbacks.remove(self._collecting)
                signal.setitimer(signal.ITIMER_REAL, 0)
                _signal.signal(signal.SIGALRM, self._previous)
            random.setstate(self._saved)

    def _collecting(self, phase: str, info: dict) -> None:
        """The garbage collector's pauses are not the call's: the alarm stops while it runs (a
        search that keeps many worlds makes them long), and goes on after with the time left."""
        if not self._in_call:
            return
        if phase == "start":
            self._left = signal.setitimer(signal.ITIMER_REAL, 0)[0]
        elif self._left > 0:
            signal.setitimer(signal.ITIMER_REAL, self._left)
            self._left = 0.0

    def call(self, node_id: int, what: str, fn: Callable[[], Any], seed: str | None, timed: bool = True) -> Any:
        """``fn()``, which calls the implementation; a failure becomes ``CallFailed``. With ``seed``
        (the method's name), the module ``random`` is seeded first. Untimed (``timed`` false) for
        a call whose calls into the implementation are timed themselves."""
        if self._depth == 0:
            self.arm()
        if seed is not None:
            random.seed(_seed_for(node_id, seed))
        limit = self.call_timeout
        # Nested inside a timed call: that call's alarm covers this one too.
        timed = timed and self._timer and limit > 0 and not self._in_call
        watch = self.watch if self._depth == 0 else None  # The outermost call is watched, once.
        try:
            if watch is not None:
                watch.enter()
            self._depth += 1
            if timed:
                self._in_call = True
                signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                result = fn()
            finally:
                if timed:
                    self._in_call = False
                    signal.setitimer(signal.ITIMER_REAL, 0)
                self._depth -= 1
                if watch is not None:
                    watch.leave()
        except KeyboardInterrupt:
            raise
        except CallFailed:
            raise  # Named already, by the call inside this one that failed.
        except _TimedOut:
            # Where the alarm caught it is left out: in a loop that varies from run to run.
            raise CallFailed("timeout", f"node {node_id}'s {what} did not return within {limit:g} s") from None
        except Exited as e:
            raise CallFailed("exception", f"node {node_id}'s {what} called {e.how}, which would have ended the checker") from None
        except MemoryError:
            raise CallFailed("memory", f"node {node_id}'s {what} allocated more than {MEMORY_PER_CALL / 2**20:,.0f} MiB") from None
        except BaseException as e:
            frames = self._user_frames(e.__traceback__)
            at = "; ".join(f"{_shown_path(f.filename)}:{f.lineno} in {f.name}: {(f.line or '').strip()}" for f in frames)
            raise CallFailed(
                "exception", f"node {node_id}'s {what} raised {_exception_line(e)}" + (f" (at {at})" if at else "")
            ) from None
        if watch is not None:
            shared = watch.changed()
            if shared:
                raise CallFailed(
                    "hidden_state",
                    f"node {node_id}'s {what} changed {', '.join(shared)}: module and class variables are shared by "
                    "every node and every state, not part of a node; keep a node's state on the node",
                )
            if watch.unrepeatable is not None:
                raise CallFailed(
                    "nondeterministic",
                    f"node {node_id}'s {what} {watch.unrepeatable}: its result differs from run to run; "
                    "use the elapsed time tick() is given and the module-level random, which raftcheck seeds",
                )
        return result

    def _alarm(self, signum, frame) -> None:
        if self._in_call:
            raise _TimedOut()

    def _user_frames(self, tb) -> list[traceback.FrameSummary]:
        """The frames a finding names, of those outside raftcheck's checker package: the last
        three of the implementation's own (its files, or a fetched library's) where there are
        any, else of them all; then the frame that raised, when it is not one of those (in the
        standard library or a dependency the implementation called)."""
        frames = traceback.extract_tb(tb)
        own = [f for f in frames if not _inside(os.path.abspath(f.filename), self._own)]
        theirs = [f for f in own if os.path.abspath(f.filename) in self._files or _fetched(os.path.abspath(f.filename))]
        shown = (theirs or own)[-3:]
        if own and own[-1] is not shown[-1]:
            shown.append(own[-1])
        return shown


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder + os.sep)


def _exception_line(e: BaseException) -> str:
    text = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _shown_path(filename: str) -> str:
    """A frame's file named the same on every machine, so that a finding's message (kept in its
    trace) does not carry this machine's folders: a fetched library's file as the release and
    its path inside it ("pysyncobj 0.3.11: pysyncobj/syncobj.py"), an installed package's or the
    standard library's from their folder ("msgpack/fallback.py", "python3.11/pickle.py"), any
    other relative to the working directory when inside it."""
    path = os.path.abspath(filename)
    release = _fetched(path)
    if release is not None:
        return release
    for folder, prefix in _installed_folders():
        if _inside(path, folder):
            return prefix + os.path.relpath(path, folder).replace(os.sep, "/")
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if rel.startswith("..") else rel


def _fetched(path: str) -> str | None:
    """``path`` named as "NAME VERSION: path/in/release" when it is inside a release fetched into
    the library cache (checker.impl.fetch: one folder NAME-VERSION per release), else None."""
    from checker.impl.fetch import cache_root

    root = os.path.abspath(cache_root())
    if not _inside(path, root):
        return None
    release, _, rest = os.path.relpath(path, root).partition(os.sep)
    name, _, version = release.rpartition("-")
    if not (name and version and rest):
        return None
    return f"{name} {version}: {rest.replace(os.sep, '/')}"


def _installed_folders() -> list[tuple[str, str]]:
    """Where installed packages and the standard library live, each with the prefix its files
    are named under; the deepest first (site-packages can be inside the standard library's)."""
    import sysconfig

    paths = sysconfig.get_paths()
    stdlib = os.path.abspath(paths["stdlib"])
    folders = {os.path.abspath(paths[k]): "" for k in ("purelib", "platlib") if k in paths}
    folders.setdefault(stdlib, os.path.basename(stdlib) + "/")
    return sorted(folders.items(), key=lambda item: -len(item[0]))
