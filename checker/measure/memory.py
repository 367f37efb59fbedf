"""What a search and its worker processes hold in memory, measured from outside: for ``bench``.

A process's resident set (RSS, and the kernel's high-water mark of it, ``ru_maxrss``) counts
every page it maps, whoever else maps it too. Worker processes forked from the coordinator
share the interpreter, the imported modules and NumPy with it and with each other, so the
sum of their resident sets counts those pages once per process. The proportional set size
(PSS, ``/proc/PID/smaps_rollup``) divides each page among the processes that map it: summed
over the processes of one search, every page is counted once. The search's in-memory outbox
files (``checker.search.parallel._Outboxes``) are mapped by none of them, and are added.

The sum is sampled while the search runs, so a peak shorter than the interval may be missed;
the kernel's own high-water marks cannot be summed this way (each process reaches its own at
a different moment, and they do not see memory handed back by ``madvise``, as glibc's
``malloc_trim`` does).
"""

from __future__ import annotations

import os
from typing import Iterable

#: Seconds between samples. Each sample walks every mapping of every process of the search in
#: the kernel (and holds each one's memory map lock meanwhile): every 0.02 s that took about a
#: quarter of a core from a 2-core machine's runs and slowed the timed searches (the default
#: configuration, medians of 3: 14.9 s on one worker and 9.7 s on two under the sampler; 14.0 s
#: and 7.7 s as `explore` alone just after).
#: The peak it looks for, a level's accept round, lasts seconds on the reference configurations.
EVERY = 0.25
#: How the search's outbox files are named (``checker.search.parallel._Outboxes``).
OUTBOX = "raftcheck-outbox-"


def available() -> bool:
    """Whether this system reports proportional set sizes (Linux 4.14 and later)."""
    return os.path.exists(f"/proc/{os.getpid()}/smaps_rollup")


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants still alive."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            tasks = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
            except OSError:
                pass
    return found


def pss(pid: int) -> int:
    """The proportional set size of ``pid`` in bytes (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def outboxes(pids: Iterable[int]) -> int:
    """Bytes held by the outbox files the processes ``pids`` have open, each file once."""
    held: dict[tuple[int, int], int] = {}
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for fd in fds:
            where = f"/proc/{pid}/fd/{fd}"
            try:
                if OUTBOX not in os.readlink(where):
                    continue
                st = os.stat(where)
            except OSError:
                continue
            held[(st.st_dev, st.st_ino)] = st.st_blocks * 512
    return sum(held.values())


def total(pid: int) -> int:
    """What the process ``pid`` and its descendants hold now: their proportional set sizes and
    their outbox files."""
    pids = tree(pid)
    return sum(pss(p) for p in pids) + outboxes(pids)
