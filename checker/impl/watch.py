"""The call watch: what a call into a user's class may not do, watched around every call.

A call is the user's code running inside the checker's process, so whatever it does, it does to
the checker. Around each outermost call of the sandbox (``checker.impl.sandbox``; between
``CallWatch.enter`` and ``CallWatch.leave``) the watch

- caps the address space the call may add (``MEMORY_PER_CALL``, with ``RLIMIT_AS``), so that an
  allocation without bound ends in ``MemoryError`` in the call rather than in the kernel's
  out-of-memory killer ending the checker;
- turns ``os._exit`` and ``os.abort`` into an exception (``Exited``), so that they end the call
  and not the checker (``sys.exit`` is already one: ``SystemExit``);
- sends ``print`` and anything else written to ``sys.stdout`` to stderr, so that stdout stays
  the checker's (its summary, and with ``--json`` its last line);
- notes reads of the clock (``time.time`` and its kin) and generators seeded by the operating
  system (``random.Random()``, ``random.seed()``) made from the user's own files: either makes
  the same call give different results in different runs, so traces would not replay.

After each call, ``changed`` says which module or class variables of plain data the call changed
and puts them back: they are shared by every node and every state, so a node that keeps state
there makes the search depend on the order it visits states in.

The limits, and what cannot be watched this way, are in docs/impl.md.
"""

from __future__ import annotations

import copy
import inspect
import os
import random
import resource
import sys
import time
from collections import deque
from typing import Any, Iterator

from checker.impl.canonical import canonical

#: Address space one call may add, in bytes, before its allocations fail with MemoryError.
MEMORY_PER_CALL = 1 << 30
#: The clocks whose reads make a call unrepeatable.
CLOCKS = ("time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns")
#: The values of module and class variables that are watched: plain data.
PLAIN = (type(None), bool, int, float, complex, str, bytes, bytearray, list, dict, set, frozenset, tuple, deque)


class Exited(BaseException):
    """``os._exit`` or ``os.abort`` called inside a call: a BaseException, so that the
    implementation's own ``except Exception`` does not swallow it."""

    def __init__(self, how: str) -> None:
        super().__init__(how)
        self.how = how


class CallWatch:
    """The watch over calls into ``cls``, whose own files are the files of the modules that
    define it and its base classes. ``enter()`` before a call, ``leave()`` after it, always."""

    def __init__(self, cls: type) -> None:
        owners = [c for c in cls.__mro__ if c.__module__ != "builtins" and not c.__module__.startswith("checker")]
        modules = {c.__module__: sys.modules.get(c.__module__) for c in owners}
        self.modules = [m for m in modules.values() if m is not None]
        self.classes = owners
        self.files = {os.path.abspath(f) for m in self.modules for f in (getattr(m, "__file__", None),) if f}
        self._baseline = {key: copy.deepcopy(value) for key, value in self._variables()}
        self._watch()
        self._limit = _MemoryCap()
        self.unrepeatable: str | None = None  # What the last call read that makes it unrepeatable.
        self._real = {name: getattr(time, name) for name in CLOCKS}
        self._real_exit, self._real_abort, self._real_seed = os._exit, os.abort, random.Random.seed
        self._stdout = None
        self._held = 0  # How many holds are open (see ``hold``).
        self._patches = [(time, name, self._clock(name)) for name in CLOCKS] + [
            (os, "_exit", _exit),
            (os, "abort", _abort),
            (random.Random, "seed", self._seed()),
        ]

    # --- Shared variables ------------------------------------------------------------------

    def _variables(self) -> Iterator[tuple[tuple[Any, str], Any]]:
        """((owner, name), value) of every watched variable: the plain-data globals of the
        modules and class attributes of the classes (no functions, classes, modules, dunders)."""
        for owner in [*self.modules, *self.classes]:
            for name, value in sorted(vars(owner).items()):
                if name.startswith("__") or not isinstance(value, PLAIN):
                    continue
                yield (owner, name), value

    def _watch(self) -> None:
        """What the variables are now: each value, and for a mutable one its canonical text (a
        change in place leaves the value the same object); how many names each owner has."""
        self._watched = [
            (vars(owner), name, value, None if type(value) in _ATOMS else canonical(value))
            for (owner, name), value in self._variables()
        ]
        self._sizes = [(vars(owner), len(vars(owner))) for owner in [*self.modules, *self.classes]]

    def _same(self) -> bool:
        for namespace, size in self._sizes:
            if len(namespace) != size:
                return False
        for namespace, name, value, text in self._watched:
            now = namespace.get(name, _MISSING)
            if now is not value or (text is not None and canonical(now) != text):
                return False
        return True

    def changed(self) -> list[str]:
        """The variables (``module.NAME``, ``Class.name``) the last call changed, put back as they
        were when the watch was made; empty when none was."""
        if self._same():
            return []
        now = dict(self._variables())
        names = []
        for key, value in self._baseline.items():
            if key not in now or canonical(now[key]) != canonical(value):
                names.append(f"{_owner_name(key[0])}.{key[1]}")
            setattr(key[0], key[1], copy.deepcopy(value))
        for key in now.keys() - self._baseline.keys():
            names.append(f"{_owner_name(key[0])}.{key[1]}")
            delattr(key[0], key[1])
        self._watch()
        return names

    # --- Around one call -------------------------------------------------------------------

    def enter(self) -> None:
        """Memory capped, exits turned into Exited, stdout to stderr, clock and unseeded
        generators watched (what was read is left in ``unrepeatable``). Inside ``hold``, all
        of that is in place already: only what the call reads is watched afresh."""
        self.unrepeatable = None
        if not self._held:
            self._arm()

    def leave(self) -> None:
        if not self._held:
            self._disarm()

    def hold(self) -> None:
        """Keep the watch armed from here to ``release``, around the calls of one step: the
        patches, the redirection and the memory cap are put in place once per step rather than
        once per call (a step makes a dozen calls; the checker's own code between them neither
        prints, reads the clock from the user's files, nor allocates anything near the cap,
        which is what the process held when the step began plus ``MEMORY_PER_CALL``)."""
        if not self._held:
            self._arm()
        self._held += 1

    def release(self) -> None:
        self._held -= 1
        if not self._held:
            self._disarm()

    def _arm(self) -> None:
        for owner, name, patched in self._patches:
            setattr(owner, name, patched)
        self._stdout, sys.stdout = sys.stdout, sys.stderr
        self._limit.enter()

    def _disarm(self) -> None:
        self._limit.leave()
        sys.stdout = self._stdout
        for name, real in self._real.items():
            setattr(time, name, real)
        os._exit, os.abort, random.Random.seed = self._real_exit, self._real_abort, self._real_seed

    def _theirs(self, frame) -> str | None:
        """``frame``'s file and line if it is in the user's files."""
        if frame is not None and os.path.abspath(frame.f_code.co_filename) in self.files:
            return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"
        return None

    def _note(self, what: str, where: str | None) -> None:
        if where is not None and self.unrepeatable is None:
            self.unrepeatable = f"{what} (at {where})"

    def _clock(self, name: str):
        real = getattr(time, name)

        def read(*args):
            self._note(f"read the clock, time.{name}()", self._theirs(sys._getframe(1)))
            return real(*args)

        return read

    def _seed(self):
        real = random.Random.seed

        def seed(generator, a=None, version=2):
            if a is None:
                # random.Random() comes here from its __init__; a generator's own seed() directly.
                frame = sys._getframe(1)
                if frame.f_code.co_name == "__init__" and frame.f_code.co_filename == random.__file__:
                    self._note("made a generator seeded by the operating system, random.Random()", self._theirs(frame.f_back))
                else:
                    self._note("seeded a generator from the operating system, seed()", self._theirs(frame))
            return real(generator, a, version)

        return seed


_ATOMS = (type(None), bool, int, float, complex, str, bytes)
_MISSING = object()


def _exit(status):
    raise Exited(f"os._exit({status})")


def _abort():
    raise Exited("os.abort()")


def _owner_name(owner: Any) -> str:
    """A module by its file's name (a file given to --impl is imported under a made-up name), a class by its own."""
    if not inspect.ismodule(owner):
        return owner.__qualname__
    where = getattr(owner, "__file__", None)
    return os.path.splitext(os.path.basename(where))[0] if where else owner.__name__


class _MemoryCap:
    """Caps the address space at what the process has now plus MEMORY_PER_CALL, and puts the old
    limit back after; does nothing where the process cannot say what it has (no /proc), or where
    the user's own limit is tighter already."""

    def __init__(self) -> None:
        try:
            self._page = os.sysconf("SC_PAGE_SIZE")
            self._statm = os.open("/proc/self/statm", os.O_RDONLY)
            self._soft, self._hard = resource.getrlimit(resource.RLIMIT_AS)
        except (OSError, ValueError, AttributeError):
            self._statm = None
        self._set = False

    def enter(self) -> None:
        self._set = False
        if self._statm is None:
            return
        cap = int(os.pread(self._statm, 64, 0).split()[0]) * self._page + MEMORY_PER_CALL
        if self._soft != resource.RLIM_INFINITY and cap >= self._soft:
            return
        if self._hard != resource.RLIM_INFINITY:
            cap = min(cap, self._hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, self._hard))
        self._set = True

    def leave(self) -> None:
        if self._set:
            resource.setrlimit(resource.RLIMIT_AS, (self._soft, self._hard))
            self._set = False
