"""Peak memory of a search on several processes: pages the workers share after the fork from
their coordinator are counted once (by their proportional set size), not once per process as a
sum of peak RSS counts them; the workers' in-memory outboxes count too, though no process maps
them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker.front import model_for
from checker.model.config import REFERENCE
from checker.search import bfs, parallel

MiB = 1 << 20
ROLLUP = Path("/proc/self/smaps_rollup").exists()
needs_rollup = pytest.mark.skipif(not ROLLUP, reason="the kernel gives no /proc/self/smaps_rollup")
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")


def _touched(size: int) -> bytearray:
    buffer = bytearray(size)
    buffer[::4096] = b"\1" * len(range(0, size, 4096))  # Every page written: resident and private.
    return buffer


@needs_rollup
def test_one_process_counts_no_more_than_its_peak_rss_and_at_least_what_it_holds():
    held = _touched(48 * MiB)
    memory = bfs.peak_memory_bytes()
    # RSS may be a little past its recorded peak; an earlier search here may have noted a higher one.
    assert 48 * MiB <= memory <= max(bfs.peak_rss_bytes(), bfs._resident_high) + 4 * MiB
    del held


@needs_rollup
@needs_fork
def test_a_buffer_shared_after_a_fork_counts_once_over_both_processes():
    shared = _touched(64 * MiB)
    to_parent_r, to_parent_w = os.pipe()
    to_child_r, to_child_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # The child reads the buffer (still shared) and reports, then waits to be let go.
        try:
            assert sum(shared[::4096]) == len(range(0, len(shared), 4096))
            os.write(to_parent_w, f"{bfs.peak_memory_bytes()} {bfs.peak_rss_bytes()}".encode())
            os.read(to_child_r, 1)
        finally:
            os._exit(0)
    try:
        child_memory, child_rss = map(int, os.read(to_parent_r, 100).split())
        memory, rss = bfs.peak_memory_bytes(), bfs.peak_rss_bytes()
    finally:
        os.write(to_child_w, b"x")
        os.waitpid(pid, 0)
        for fd in (to_parent_r, to_parent_w, to_child_r, to_child_w):
            os.close(fd)
    # Peak RSS counts the buffer in each process; the proportional figures, half in each.
    assert child_rss >= 64 * MiB and rss >= 64 * MiB
    assert (rss + child_rss) - (memory + child_memory) >= 60 * MiB
    assert memory + child_memory >= 64 * MiB
    del shared


def test_the_outboxes_count_what_they_hold():
    outboxes = parallel._Outboxes(2)
    try:
        assert outboxes.size() == 0
        where, end = outboxes.post(1, [b"a" * (3 * MiB), b""])  # Worker 1 leaves worker 0 its blob.
        assert where == [(1, 0, 3 * MiB), b""] and end == 3 * MiB
        assert 3 * MiB <= outboxes.size() < 3 * MiB + 64 * 1024
        # And then a second part of the same round, after the first.
        more, _ = outboxes.post(1, [b"b" * MiB, b""], end)
        assert more == [(1, 3 * MiB, MiB), b""]
        assert outboxes.fetch([b"", where[0], more[0]])[1:] == [b"a" * (3 * MiB), b"b" * MiB]
    finally:
        outboxes.close()


def test_an_outbox_lets_go_of_an_earlier_round_once_the_rounds_have_shrunk_by_half():
    """A round whose blobs fill less than half of its file cuts the file to them (the rest is an
    earlier round's, read already); one that fills more than half keeps the file's pages, to be
    written again; and what a round posted still reads back whole."""
    outboxes = parallel._Outboxes(2)
    try:
        outboxes.post(0, [b"", b"a" * (8 * MiB)])
        assert 8 * MiB <= outboxes.size() < 8 * MiB + 64 * 1024
        outboxes.post(0, [b"", b"b" * (5 * MiB)])  # More than half: the file keeps its 8 MiB.
        assert outboxes.size() >= 8 * MiB
        where, _ = outboxes.post(0, [b"", b"c" * (2 * MiB)])  # Less than half of 8: cut to 2.
        assert 2 * MiB <= outboxes.size() < 2 * MiB + 64 * 1024
        assert outboxes.fetch(where) == [b"", b"c" * (2 * MiB)]
    finally:
        outboxes.close()


@needs_rollup
@needs_fork
def test_two_workers_report_less_than_the_sum_of_their_peak_rss(monkeypatch):
    """The same search, measured both ways: the workers forked from this process share its heap
    (tens of MiB of imported modules and more), which the sum of peak RSS counts three times."""
    model = model_for(REFERENCE["tiny"])
    honest = parallel.parallel_search(model, workers=2)
    monkeypatch.setattr(parallel, "peak_memory_bytes", bfs.peak_rss_bytes)
    summed = parallel.parallel_search(model, workers=2)
    assert (honest.distinct, honest.states) == (summed.distinct, summed.states)
    assert summed.peak_rss_bytes - honest.peak_rss_bytes >= 16 * MiB


@needs_rollup
def test_a_peak_noted_before_memory_is_handed_back_is_kept():
    """The resident set noted before ``malloc_trim`` hands memory back stays the peak, whatever
    the kernel's high-water mark saw: checked in a fresh interpreter, whose peak is its own."""
    import subprocess
    import sys

    script = (
        "from checker.search import bfs\n"
        "blocks = [bytearray(60000) for _ in range(1000)]\n"  # 60 MB in blocks glibc takes from its heap.
        "for b in blocks: b[::4096] = b'\\1' * len(b[::4096])\n"
        "bfs.note_resident()\n"
        "noted = bfs._resident_high\n"
        "del blocks\n"
        "from checker.search import parallel\n"
        "parallel._give_back()\n"
        "print(noted, bfs.peak_memory_bytes())\n"
    )
    noted, peak = map(int, subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split())
    assert noted >= 60_000_000
    assert peak >= noted - 8 * MiB  # Less only the library pages it shares with other processes.
