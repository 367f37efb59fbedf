"""The PySyncObj adapter (checker/impl/libraries/pysyncobj.py) driven directly, without the
driver: three nodes on a FIFO network of our own, time moved node by node.

PySyncObj is fetched from the package index into the library cache once per machine. One
release per process: the tests of 0.3.11 run here, other releases in subprocesses.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from checker.impl.adapter import Adapter, AdapterError, Observed

ROOT = Path(__file__).resolve().parent.parent
VERSION = "0.3.11"
PEERS = {1: (2, 3), 2: (1, 3), 3: (1, 2)}


class Cluster:
    """Three nodes, one FIFO queue per link, deliveries and timers chosen by the test."""

    def __init__(self, adapter):
        self.adapter = adapter
        self.nodes = {}
        self.links = {(a, b): [] for a in PEERS for b in PEERS[a]}
        for i in PEERS:
            self.nodes[i], sends = adapter.create(i, PEERS[i])
            self._post(i, sends)

    def _post(self, source, sends):
        for s in sends:
            self.links[(source, s.dest)].append(s)

    def deliver_all(self):
        """Every queued message, oldest link first, until the network is quiet."""
        while any(self.links.values()):
            for (a, b), queue in sorted(self.links.items()):
                if queue:
                    s = queue.pop(0)
                    self._post(b, self.adapter.deliver(self.nodes[b], a, s.payload))

    def fire(self, i):
        self._post(i, self.adapter.advance(self.nodes[i]))

    def soonest(self):
        """The node whose next timer is closest, measured on its own clock."""
        def left(i):
            due = self.adapter._next_deadline(self.nodes[i])
            return (float("inf") if due is None else due - self.nodes[i].clock, i)
        return min(self.nodes, key=left)

    def run(self, rounds):
        for _ in range(rounds):
            self.deliver_all()
            self.fire(self.soonest())
        self.deliver_all()

    def seen(self, i) -> Observed:
        return self.adapter.observe(self.nodes[i])

    def leaders(self):
        return [i for i in self.nodes if self.seen(i).role == "leader"]


@pytest.fixture(scope="module")
def adapter():
    from checker.impl.libraries.pysyncobj import PySyncObjAdapter

    return PySyncObjAdapter(VERSION, {})


def test_is_an_adapter(adapter):
    """The class keeps the protocol of checker/impl/adapter.py and assumes a FIFO network."""
    assert isinstance(adapter, Adapter)
    assert adapter.network == "fifo"
    assert adapter.persistent is False  # memory journal by default: a restart is a new node
    assert "pysyncobj 0.3.11" in adapter.describe()


def test_a_leader_is_elected_and_a_request_commits(adapter):
    """Raft §5.2–5.3 through PySyncObj's own code: one leader, whose no-op and then the
    client's command (request number 7) reach every log and are committed everywhere."""
    c = Cluster(adapter)
    c.run(6)
    assert len(c.leaders()) == 1
    leader = c.leaders()[0]
    c._post(leader, adapter.request(c.nodes[leader], 7))
    c.run(4)
    for i in PEERS:
        seen = c.seen(i)
        assert seen.log[-1] == (seen.term, 7)
        assert seen.log[0] == (0, "no-op")  # PySyncObj's first entry, index 1, term 0
        assert seen.commit_index == len(seen.log)
    lead = c.seen(leader)
    assert lead.voted_for == leader
    assert lead.match_index == {p: len(lead.log) for p in PEERS[leader]}
    assert lead.next_index == {p: len(lead.log) + 1 for p in PEERS[leader]}


def test_request_at_a_follower_is_forwarded(adapter):
    """A follower that knows the leader forwards a request (PySyncObj's apply_command), as the
    library does; the checker sees an ordinary send."""
    c = Cluster(adapter)
    c.run(6)
    follower = next(i for i in PEERS if c.seen(i).role == "follower")
    sends = adapter.request(c.nodes[follower], 9)
    assert [s.summary for s in sends] == ["apply_command (forwarded to the leader)"]


def test_copy_is_independent(adapter):
    """A copy has the same key; moving the copy's clock changes only the copy."""
    c = Cluster(adapter)
    c.run(6)
    node = c.nodes[c.leaders()[0]]
    twin = adapter.copy(node)
    assert adapter.key(twin) == adapter.key(node)
    before = adapter.key(node)
    adapter.advance(twin, 5.0)
    adapter.request(twin, 3)
    assert adapter.key(node) == before
    assert adapter.key(twin) != before
    assert adapter.observe(node).log != adapter.observe(twin).log


def test_key_is_relative_to_the_clock(adapter):
    """Two nodes in the same protocol state at different absolute times have the same key."""
    a, _ = adapter.create(1, PEERS[1])
    b, _ = adapter.create(1, PEERS[1])
    adapter.advance(b, 0.01)  # before any timer: only the clock moved...
    assert adapter.key(a) != adapter.key(b)  # ...and the deadline is now nearer
    b.clock, b.obj._SyncObj__raftElectionDeadline = a.clock + 100.0, a.obj._SyncObj__raftElectionDeadline + 100.0
    b.obj._SyncObj__startTime = a.obj._SyncObj__startTime + 100.0
    b.obj._SyncObj__lastSerializedTime = a.obj._SyncObj__lastSerializedTime + 100.0
    b.obj._SyncObj__numOneSecondDumps = a.obj._SyncObj__numOneSecondDumps
    assert adapter.key(a) == adapter.key(b)


def test_broken_link_stops_sends(adapter):
    """With every link of a node down, PySyncObj sends nothing and starts no election
    (it campaigns only when connected to someone). When a link comes back, the tick that
    follows finds the deadline long passed and campaigns at once, to that peer only."""
    node, _ = adapter.create(1, PEERS[1])
    for p in PEERS[1]:
        adapter.disconnect(node, p)
    assert adapter._next_deadline(node) is None
    assert adapter.advance(node, 10.0) == []
    assert adapter.observe(node).role == "follower"
    sends = adapter.connect(node, 2)
    assert [s.dest for s in sends] == [2]
    assert sends[0].summary.startswith("request_vote term 1")


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"raftMinTimeoutt": "1"}, "pysyncobj has no setting raftMinTimeoutt"),
        ({"raftMinTimeout": "soon"}, "must be a number of seconds"),
        ({"appendEntriesBatchSizeBytes": "1.5"}, "must be a whole number"),
        ({"autoTick": "true"}, "is the adapter's"),
        ({"journalFile": "/tmp/x"}, "must be memory or file"),
        ({"raftMinTimeout": "2", "raftMaxTimeout": "1"}, "rejects these settings"),
    ],
)
def test_bad_settings_are_one_line(adapter, settings, message):
    """A setting the adapter does not know, or a value of the wrong type, is an AdapterError
    whose one line names the setting."""
    from checker.impl.libraries.pysyncobj import PySyncObjAdapter

    with pytest.raises(AdapterError) as e:
        PySyncObjAdapter(VERSION, settings)
    text = str(e.value)
    assert "\n" not in text and message in text and "--impl-conf" in text


def test_settings_reach_syncobjconf(adapter):
    """A setting lands on the node's SyncObjConf with its type."""
    from checker.impl.libraries.pysyncobj import PySyncObjAdapter

    tuned = PySyncObjAdapter(VERSION, {"appendEntriesBatchSizeBytes": "16", "appendEntriesUseBatch": "false"})
    node, _ = tuned.create(1, PEERS[1])
    conf = node.obj._SyncObj__conf
    assert conf.appendEntriesBatchSizeBytes == 16 and conf.appendEntriesUseBatch is False


_SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, {tests!r})
    from test_pysyncobj import Cluster
    from checker.impl.libraries.pysyncobj import PySyncObjAdapter
    adapter = PySyncObjAdapter({version!r}, {settings!r})
    c = Cluster(adapter)
    c.run(6)
    leader = c.leaders()[0]
    c._post(leader, adapter.request(c.nodes[leader], 7))
    c.run(4)
    out = {{"keys": [adapter.key(c.nodes[i]) for i in sorted(c.nodes)], "leader": leader}}
    {extra}
    print(json.dumps(out))
    """
)


def _run(version, settings=None, extra="", seed="0"):
    code = _SCRIPT.format(tests=str(ROOT / "tests"), version=version, settings=settings or {}, extra=extra)
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_deterministic_across_processes_and_hash_seeds():
    """The same calls give the same states in two processes under different PYTHONHASHSEED:
    clock, timeouts and send order do not depend on the process."""
    assert _run(VERSION, seed="1") == _run(VERSION, seed="4242")


_RESTART = """
stable = adapter.crash(c.nodes[1])
node, _ = adapter.restart(1, (2, 3), stable)
seen = adapter.observe(node)
out["restarted"] = [seen.term, [list(e) for e in seen.log]]
out["before"] = [adapter.observe(c.nodes[1]).term, [list(e) for e in adapter.observe(c.nodes[1]).log]]
"""


@pytest.mark.parametrize("version, keeps_term", [("0.3.15", False), ("0.3.17", True)])
def test_restart_from_the_file_journal(version, keeps_term):
    """With journalFile=file the log survives a crash; 0.3.15 forgets the term on restart
    (PySyncObj #201/#202), 0.3.17 keeps it."""
    out = _run(version, {"journalFile": "file"}, extra=_RESTART)
    term_before, log_before = out["before"]
    term_after, log_after = out["restarted"]
    assert log_after == log_before
    assert (term_after == term_before) is keeps_term
    if not keeps_term:
        assert term_after == 0


_TWO_LEADERS = textwrap.dedent(
    """
    import json
    from checker.impl.libraries.pysyncobj import PySyncObjAdapter
    a = PySyncObjAdapter({version!r}, {{"journalFile": "file"}})
    P = {{1: (2, 3), 2: (1, 3), 3: (1, 2)}}
    n = {{i: a.create(i, P[i])[0] for i in P}}
    to1 = [s for s in a.advance(n[2]) if s.dest == 1][0]      # 2 campaigns in term 1
    vote = a.deliver(n[1], 2, to1.payload)                      # 1 votes for 2
    a.deliver(n[2], 1, vote[0].payload)                         # 2 leads term 1
    n[1] = a.restart(1, P[1], a.crash(a.copy(n[1])))[0]         # 1 restarts before 2's append
    for end, peer in ((2, 1), (3, 1)):
        a.disconnect(n[end], peer); a.connect(n[end], peer)
    to1 = [s for s in a.advance(n[3]) if s.dest == 1][0]      # 3 campaigns in term 1 too
    for s in a.deliver(n[1], 3, to1.payload):
        a.deliver(n[3], 1, s.payload)
    print(json.dumps({{i: [a.observe(n[i]).role, a.observe(n[i]).term] for i in n}}))
    """
)


@pytest.mark.parametrize("version, two_leaders", [("0.3.15", True), ("0.3.17", False)])
def test_restart_forgets_the_vote_in_0_3_15(version, two_leaders):
    """PySyncObj #201/#202, by hand: node 1 votes for 2 in term 1, crashes and restarts with
    its journal; 0.3.15 comes back in term 0 with no vote and votes for 3 in term 1 as well,
    so two nodes lead term 1 (Raft §5.2, election safety). 0.3.17 keeps term and vote."""
    code = _TWO_LEADERS.format(version=version)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    roles = json.loads(done.stdout.strip().splitlines()[-1])
    leaders_of_term_1 = sorted(i for i, (role, term) in roles.items() if role == "leader" and term == 1)
    assert leaders_of_term_1 == (["2", "3"] if two_leaders else ["2"])


def test_file_journal_nodes_hold_no_open_files_between_calls():
    """A search keeps thousands of nodes: with journalFile=file, copies and steps leave no file
    or memory map open once the call returns (an earlier version ran out of descriptors)."""
    from checker.impl.libraries.pysyncobj import PySyncObjAdapter

    files = PySyncObjAdapter(VERSION, {"journalFile": "file"})
    node, _ = files.create(1, PEERS[1])
    before = len(os.listdir("/proc/self/fd"))
    copies = [files.copy(node) for _ in range(50)]
    for c in copies:
        files.advance(c)
    assert len(os.listdir("/proc/self/fd")) - before < 5
    assert all(files.key(c) == files.key(copies[0]) for c in copies)


def test_entry_committed_waits_for_a_client_request_not_the_entry_the_log_starts_with():
    """PySyncObj's log starts with an entry of its own, committed before any step. The sometimes
    property ``entry_committed`` is about a client's request: on the FIFO network, with one request
    and one term, it is first reached at depth 12 (elected at 3; then the request, the leader's
    append, its delivery, the acknowledgement and the commit), not at depth 0."""
    from attrs import evolve

    from checker.front import explore
    from checker.model.config import REFERENCE, ImplTarget

    config = REFERENCE["fifo-tiny"]
    bounds = evolve(config.bounds, max_term=1, max_requests=1, max_in_flight=6, max_cut=0, max_crashed=0, max_depth=12)
    result = explore(evolve(config, impl=ImplTarget(f"pysyncobj=={VERSION}"), network="fifo", bounds=bounds), workers=1)

    assert result.violation is None
    assert result.reached == {"leader_elected": 3, "entry_committed": 12}
