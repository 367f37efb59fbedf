"""Implementations that misbehave in every way a half-finished Raft class can, each a small
change to ``SeedRaft``: for tests/test_robust_impl.py, which checks that each is reported as a
named finding with a trace, or refused in one line, and never crashes or hangs the checker.

Nothing here knows about raftcheck, as for a user's own class.
"""

import os
import random
import sys
import time

from seed_style import SeedRaft


class RaisesInTick(SeedRaft):
    """Raises from tick once it leads."""

    def tick(self, elapsed_ms):
        if self.state == "leader":
            raise RuntimeError("not implemented yet")
        return super().tick(elapsed_ms)


class GarbageFromTick(SeedRaft):
    """Returns a string from tick instead of a list of messages."""

    def tick(self, elapsed_ms):
        super().tick(elapsed_ms)
        return "sent them"


class GarbageReply(SeedRaft):
    """Returns None from handle_request_vote."""

    def handle_request_vote(self, candidate_id, candidate_term, last_log_index, last_log_term):
        super().handle_request_vote(candidate_id, candidate_term, last_log_index, last_log_term)


class GarbageState(SeedRaft):
    """Reports a state the API does not have once it times out."""

    def tick(self, elapsed_ms):
        out = super().tick(elapsed_ms)
        if self.state == "candidate":
            self.state = "campaigning"
        return out


class HangsInTick(SeedRaft):
    """Loops for ever once it leads."""

    def tick(self, elapsed_ms):
        while self.state == "leader":
            pass
        return super().tick(elapsed_ms)


class SleepsInTick(SeedRaft):
    """Sleeps a long time in tick."""

    def tick(self, elapsed_ms):
        time.sleep(3600)
        return super().tick(elapsed_ms)


class RecursesForEver(SeedRaft):
    """Recurses without end in tick."""

    def tick(self, elapsed_ms):
        return self.tick(elapsed_ms)


class AllocatesForEver(SeedRaft):
    """Keeps 16 MiB buffers in tick until memory runs out."""

    def tick(self, elapsed_ms):
        hoard = []
        while True:
            hoard.append(bytes(1 << 24))


class CallsSysExit(SeedRaft):
    """Calls sys.exit in tick."""

    def tick(self, elapsed_ms):
        sys.exit(3)


class CallsOsExit(SeedRaft):
    """Calls os._exit in tick, which ends a process without unwinding anything."""

    def tick(self, elapsed_ms):
        os._exit(3)


class PrintsToStdout(SeedRaft):
    """Prints what it does, on stdout."""

    def tick(self, elapsed_ms):
        out = super().tick(elapsed_ms)
        print(f"node {self.node_id} ticked: {self.state} in term {self.current_term}")
        return out


TICKS = 0


class MutatesModuleGlobals(SeedRaft):
    """Counts its ticks in a module variable, shared by every node and every state."""

    def tick(self, elapsed_ms):
        global TICKS
        TICKS += 1
        return super().tick(elapsed_ms)


class MutatesMessageAfterSending(SeedRaft):
    """Keeps the messages it sent and changes their terms on the next tick."""

    def tick(self, elapsed_ms):
        for m in getattr(self, "sent", []):
            m["term"] = 99
        self.sent = super().tick(elapsed_ms)
        return self.sent


class KeepsOtherNodes(SeedRaft):
    """Registers every node in a class-level dict, and keeps that dict of the other nodes."""

    everyone = {}

    def __init__(self, node_id, peer_ids, election_timeout_range=(150, 300)):
        super().__init__(node_id, peer_ids, election_timeout_range)
        KeepsOtherNodes.everyone[node_id] = self
        self.others = KeepsOtherNodes.everyone


class ReadsTheClock(SeedRaft):
    """Times its election from the wall clock instead of the elapsed time tick is given."""

    def tick(self, elapsed_ms):
        self.last_tick = time.time()
        return super().tick(elapsed_ms)


class UnseededGenerator(SeedRaft):
    """Draws its election timeout from a generator of its own, seeded by the operating system."""

    def reset_election_timer(self):
        self.election_elapsed = 0
        self.rng = getattr(self, "rng", None) or random.Random()
        self.election_timeout = self.rng.randint(*self.timeout_range)


class ExitsInConstructor(SeedRaft):
    """Calls sys.exit in its constructor."""

    def __init__(self, node_id, peer_ids, election_timeout_range=(150, 300)):
        sys.exit("no config file")
