"""A deliberately nondeterministic adapter, for ``--check-determinism`` (tests/test_determinism_check.py):
the toy adapter (with snapshots) whose timer, on every other call the process makes (a count
kept outside every node), stops a millisecond short of its deadline and does not fire. Each run of the checker is the same
(the count is no randomness), but the same call on the same node gives another result when it
comes again, which breaks the adapter contract: the search, its call memo and replay assume the
opposite, and a trace of it may not replay. No call watch sees this (the count is the adapter's
own state, not the library's); calling twice does."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from toy_snapshots import SnapshotToy  # noqa: E402

_CALLS = [0]


class DriftingToy(SnapshotToy):
    name = "drifting-toy"

    def __init__(self, version, settings) -> None:
        # The count starts again with each adapter, that is with each search: what a run finds
        # does not depend on what ran before it in the same process (the tests' order, the call
        # memo's hits in an earlier search).
        super().__init__(version, settings)
        _CALLS[0] = 0

    def advance(self, node, seconds=None):
        _CALLS[0] += 1
        short = 0.001 if _CALLS[0] % 2 else 0.0
        node.now = (node.raft.deadline if seconds is None else node.now + seconds) - short
        node.raft.on_time(node.now)
        return self.drain(node)
