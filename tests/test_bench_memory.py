"""What ``bench`` counts as a search's memory (checker/measure/memory.py): the proportional set
sizes of a process and its descendants summed, so that pages they share after a fork count once,
with the search's in-memory outbox files, which no process maps."""

from __future__ import annotations

import os
import signal
import tempfile
import time

import pytest

from checker.measure import memory

MiB = 1 << 20
needs_rollup = pytest.mark.skipif(not memory.available(), reason="the kernel gives no smaps_rollup")
needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork")


def _touched(size: int) -> bytearray:
    buffer = bytearray(size)
    buffer[::4096] = b"\1" * len(range(0, size, 4096))  # Every page written: resident.
    return buffer


def _rss(pid: int) -> int:
    with open(f"/proc/{pid}/smaps_rollup") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("Rss:"))


@needs_rollup
@needs_fork
def test_pages_shared_after_a_fork_count_once_in_the_sum_and_twice_in_the_resident_sets():
    held = _touched(64 * MiB)
    before = memory.total(os.getpid())
    child = os.fork()
    if child == 0:  # Holds the same pages, unwritten, until stopped.
        time.sleep(60)
        os._exit(0)
    try:
        for _ in range(100):  # Until the child is listed among this process's children.
            if child in memory.tree(os.getpid()):
                break
            time.sleep(0.01)
        assert memory.tree(os.getpid()) == [os.getpid(), child]
        both = memory.total(os.getpid())
        rss = _rss(os.getpid()) + _rss(child)
        # The 64 MiB are in both resident sets, but in the sum once (the child's own few pages aside).
        assert rss - both > 48 * MiB
        assert abs(both - before) < 16 * MiB
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    assert len(held) == 64 * MiB


@needs_rollup
def test_an_open_outbox_file_counts_though_no_process_maps_it_and_other_files_do_not():
    where = "/dev/shm" if os.path.isdir("/dev/shm") else None
    before = memory.outboxes([os.getpid()])
    handles = []
    try:
        for prefix in (memory.OUTBOX, "someone-else-"):
            handle, path = tempfile.mkstemp(prefix=prefix, dir=where)
            os.unlink(path)
            os.pwrite(handle, b"\1" * (8 * MiB), 0)
            handles.append(handle)
        held = memory.outboxes([os.getpid()]) - before
        assert 8 * MiB <= held < 9 * MiB
        # Counted once, however many processes hold it open.
        assert memory.outboxes([os.getpid(), os.getpid()]) - before == held
        assert memory.total(os.getpid()) >= held
    finally:
        for handle in handles:
            os.close(handle)
    assert memory.outboxes([os.getpid()]) == before


@needs_rollup
def test_the_bench_gives_a_runs_memory_as_the_sampled_sum_and_bytes_per_state_from_it():
    from checker.measure import bench

    runs, _ = bench.bench_explore(["tiny"], [1, 2], repeat=1)
    for run in runs:
        assert run["peak_pss_bytes"] > 8 * MiB  # An interpreter with NumPy at least.
        assert run["bytes_per_state"] == round(run["peak_pss_bytes"] / run["distinct"])
    assert "peak PSS (MiB)" in bench.explore_table(runs)


def test_the_bench_counts_the_cpu_time_of_a_runs_worker_processes():
    """The CPU column is the search's processes' time: on two workers, where the coordinator only
    waits while the worker processes expand and accept every level, it is at least about what
    the one-worker search spends in its one process; without the workers' time it would be a
    small fraction of that."""
    from checker.measure import bench

    runs, _ = bench.bench_explore(["tiny"], [1, 2], repeat=1)
    one, two = (next(r for r in runs if r["workers"] == w) for w in (1, 2))
    assert one["cpu_seconds"] > 0
    assert two["cpu_seconds"] >= 0.6 * one["cpu_seconds"]
    assert [one["cpu_seconds"]] == one["cpu_seconds_each"]
    assert "| CPU seconds (median) |" in bench.explore_table(runs)


def test_the_machine_probe_compares_two_processes_at_once_with_one_alone():
    """``two_process_throughput``: the sum of two simultaneous loops' speeds beside a lone one's,
    near 2 on two free cores, less on a busy machine (the suite's other tests run meanwhile),
    never near 0 or 4 (two loops cannot each run twice as fast as a lone one, nor stop); and the
    bench takes one in each round of runs when asked."""
    from checker.measure import bench

    ratio = bench.two_process_throughput(loops=3_000_000)
    assert 0.25 < ratio < 4.0
    machine: list[float] = []
    bench.bench_explore(["tiny"], [1, 2], repeat=2, machine=machine)
    assert len(machine) == 2 and all(0.25 < m < 4.0 for m in machine)
