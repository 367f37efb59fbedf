"""PySyncObj (``--impl pysyncobj[==VERSION]``), driven unchanged in simulated time.

PySyncObj's own code runs every step: ``SyncObjConf(autoTick=False)`` and ``doTick()``, its
message handler, its election and commit rules, its journal. The adapter replaces only what a
deterministic simulation must own (docs/pysyncobj.md lists each, and what is not modelled):

- **the clock**: the module-level name ``monotonicTime`` that ``pysyncobj.syncobj`` imports reads
  the clock of the node being called (each node has its own; the checker moves it);
- **the random generator**: the module-level ``random`` that ``pysyncobj.syncobj`` calls once
  (``random.random()`` for the election timeout) is a shim whose value is a hash of the node's
  id, its protocol state at the draw and the draw's place in the call: the same state draws
  the same timeout in every process;
- **the transport**: a ``Transport`` subclass that records what the node sends (the library's
  own message dicts) and is told of links coming up and breaking. PySyncObj assumes TCP, so
  the network is ``FIFO``;
- **the poller** is the library's ``select`` poller (nothing is ever registered with it) and the
  wake-up pipe is off (the library's own path where ``fcntl`` is missing): the adapter ticks the
  node itself, so nothing needs waking;
- **the journal location**: with ``--impl-conf journalFile=file`` the library's ``FileJournal``
  writes into a private folder of the adapter; crash returns the bytes of its files, restart
  writes them into a fresh folder and lets the library read them back.

A client request goes through the library's own path: a ``@replicated`` method of a small
``SyncObj`` subclass, called with the request number, then a tick.

A node is also a value as bytes (``snapshot`` / ``restore``, for a search that freezes worlds and
runs on several workers): the library's object pickled, with what ``copy`` makes anew made anew
on the way back (the locks; the journal's files and memory map, whose bytes travel in the
snapshot; the settings, which hold the journal's path) and what the pickle would spell in a
process's own order (the constructor's set of attribute names, ordered by string hash) sorted.
"""

from __future__ import annotations

import copy
import copyreg
import hashlib
import io
import logging
import math
import mmap
import os
import pickle
import shutil
import sys
import tempfile
import threading
import types
import weakref
from typing import Any, ClassVar, Mapping

from checker.impl.adapter import AdapterError, Observed, Send
from checker.impl.fetch import import_library
from checker.model.config import FIFO

_ROLES = {0: "follower", 1: "candidate", 2: "leader"}

#: ``--impl-conf`` settings that are fields of ``SyncObjConf``, by the type of their value.
_FLOAT_FIELDS = (
    "raftMinTimeout", "raftMaxTimeout", "appendEntriesPeriod", "connectionTimeout",
    "connectionRetryTime", "leaderFallbackTimeout", "logCompactionMinTime",
)
_INT_FIELDS = ("commandsQueueSize", "appendEntriesBatchSizeBytes", "logCompactionMinEntries",
               "logCompactionBatchSize")
_BOOL_FIELDS = ("appendEntriesUseBatch", "commandsWaitLeader")
#: Settings of the adapter itself, not of SyncObjConf.
_OWN = {
    "journalFile": "memory (default) or file: where the library keeps its log",
    "commandPadding": "bytes added to every client command (default 0), to make commands large",
}
#: SyncObjConf fields the adapter owns, so that a user cannot set them.
_REPLACED = {
    "autoTick": "the adapter ticks every node itself",
    "pollerType": "the adapter uses the select poller",
    "password": "encryption is not modelled",
    "fullDumpFile": "snapshots on disk are not modelled",
    "dynamicMembershipChange": "membership changes are not driven",
    "useFork": "snapshots on disk are not modelled",
}
#: Log compaction is not modelled: by default it never starts (docs/pysyncobj.md).
_NEVER = 10.0 ** 12

# The node a call is running on; the clock and the random shim read it. One call at a time:
# the checker is single-threaded per process, and every adapter call sets and clears it.
_current: list[Any] = [None]


def _clock() -> float:
    node = _current[0]
    if node is None:
        raise RuntimeError("pysyncobj read its clock outside a call of the adapter")
    return node.clock


class _RandomShim:
    """Stands in for the ``random`` module inside ``pysyncobj.syncobj`` (which calls only
    ``random.random()``): a value determined by the node and its state at the draw."""

    def random(self) -> float:
        node = _current[0]
        if node is None:
            raise RuntimeError("pysyncobj drew a random number outside a call of the adapter")
        obj = node.obj
        if obj is None:  # Inside the constructor: the state is the initial one.
            state = "start"
        else:
            log = obj._SyncObj__raftLog
            state = (f"{obj._SyncObj__raftCurrentTerm}:{obj._SyncObj__votedForNodeId}:"
                     f"{log[-1][1]}:{log[-1][2]}:{obj._SyncObj__raftCommitIndex}")
        node.draws += 1
        text = f"pysyncobj:{node.node_id}:{state}:{node.draws}".encode()
        return (int.from_bytes(hashlib.sha256(text).digest()[:8], "big") >> 11) / float(1 << 53)


class _Node:
    """One PySyncObj node and what the adapter keeps beside it (its clock, its links)."""

    __slots__ = ("node_id", "peers", "clock", "obj", "outbox", "draws", "folder", "__weakref__")

    def __init__(self, node_id: int, peers: tuple[int, ...]):
        self.node_id = node_id
        self.peers = peers
        self.clock = 0.0
        self.obj: Any = None
        self.outbox: list[Send] | None = None
        self.draws = 0
        self.folder: str | None = None


def _remove_folder(folder: str) -> None:
    shutil.rmtree(folder, ignore_errors=True)


class PySyncObjAdapter:
    """Drives PySyncObj nodes (see the module docstring for what is replaced)."""

    name: ClassVar[str] = "pysyncobj"
    network: ClassVar[str] = FIFO
    #: PySyncObj can keep its log in a file journal (``--impl-conf journalFile=file``); an
    #: instance without one says ``persistent = False`` (a restart would be a new, empty node).
    persistent: ClassVar[bool] = True

    def __init__(self, version: str | None, settings: Mapping[str, str]):
        self.version, self._lib = import_library("pysyncobj", version, "pysyncobj")
        self._sync = sys.modules["pysyncobj.syncobj"]
        self._settings = dict(settings)
        self._conf_fields, self._file_journal, self._padding = self._parse(settings)
        self.persistent = self._file_journal  # type: ignore[misc]
        self._install()
        self._cls = _counter_class(self._sync)
        self._transport_cls = _transport_class(self._sync)
        self._root: str | None = None
        self._folders = 0

    # -- settings -----------------------------------------------------------------------

    def _parse(self, settings: Mapping[str, str]) -> tuple[dict[str, Any], bool, int]:
        probe = self._sync.SyncObjConf()
        fields: dict[str, Any] = {}
        file_journal, padding = False, 0
        for key in sorted(settings):
            text = str(settings[key]).strip()
            where = f"--impl-conf {key}={settings[key]}"
            if key == "journalFile":
                if text not in ("memory", "file"):
                    raise AdapterError(f"{where}: must be memory or file (the adapter chooses where the file lives)")
                file_journal = text == "file"
            elif key == "commandPadding":
                padding = _parse_int(where, text)
                if padding < 0:
                    raise AdapterError(f"{where}: must be 0 or more bytes")
            elif key in _REPLACED:
                raise AdapterError(f"{where}: pysyncobj's {key} is the adapter's ({_REPLACED[key]})")
            elif key in _FLOAT_FIELDS and hasattr(probe, key):
                fields[key] = _parse_float(where, text)
            elif key in _INT_FIELDS and hasattr(probe, key):
                fields[key] = _parse_int(where, text)
            elif key in _BOOL_FIELDS and hasattr(probe, key):
                if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                    raise AdapterError(f"{where}: must be true or false")
                fields[key] = text.lower() in ("true", "1", "yes")
            else:
                known = sorted(
                    [k for k in _FLOAT_FIELDS + _INT_FIELDS + _BOOL_FIELDS if hasattr(probe, k)] + list(_OWN)
                )
                raise AdapterError(f"{where}: pysyncobj has no setting {key} (known: {', '.join(known)})")
        fields.setdefault("logCompactionMinTime", _NEVER)
        fields.setdefault("logCompactionMinEntries", 10 ** 9)
        try:
            self._sync.SyncObjConf(autoTick=False, **fields).validate()
        except AssertionError:
            shown = " ".join(f"{k}={settings[k]}" for k in sorted(settings)) or "(none)"
            raise AdapterError(f"--impl-conf {shown}: pysyncobj {self.version} rejects these settings "
                               "(SyncObjConf.validate: e.g. raftMinTimeout <= raftMaxTimeout <= connectionTimeout)") from None
        return fields, file_journal, padding

    def _install(self) -> None:
        """Point the library's clock and random generator at the simulation (process-wide:
        one release of PySyncObj per process, and only the adapter ever calls into it)."""
        self._sync.monotonicTime = _clock
        self._sync.random = _RandomShim()
        # The wake-up pipe only wakes a sleeping poll; the library runs without it where fcntl
        # is missing, and so it runs here (appendEntriesUseBatch=False then sends at once).
        self._sync.PIPE_NOTIFIER_ENABLED = False
        # PySyncObj logs through the logging module; with no handler configured, Python would
        # print its warnings on stderr in the middle of the checker's report. A user who
        # configures logging still sees them (logger "pysyncobj.syncobj" in 0.3.15 and later).
        logger = logging.getLogger(self._sync.__name__)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())

    def describe(self) -> str:
        shown = ", ".join(f"{k}={self._settings[k]}" for k in sorted(self._settings)) or "default settings"
        return (f"pysyncobj {self.version} ({shown}); replaced: clock, random, transport (fifo), "
                f"poller, {'journal folder' if self._file_journal else 'memory journal'}")

    # -- the calls -------------------------------------------------------------------------

    def _conf(self, node: _Node):
        fields = dict(self._conf_fields)
        if self._file_journal:
            fields["journalFile"] = os.path.join(node.folder, "journal")
        return self._sync.SyncObjConf(autoTick=False, pollerType="select", **fields)

    def _new_folder(self, node: _Node) -> None:
        if self._root is None:
            base = "/dev/shm" if os.path.isdir("/dev/shm") else None
            self._root = tempfile.mkdtemp(prefix="raftcheck-pysyncobj-", dir=base)
            weakref.finalize(self, _remove_folder, self._root)
        self._folders += 1
        node.folder = os.path.join(self._root, str(self._folders))
        os.mkdir(node.folder)
        weakref.finalize(node, _remove_folder, node.folder)

    def _start(self, node_id: int, peers: tuple[int, ...], stable: Any) -> tuple[_Node, list[Send]]:
        node = _Node(node_id, tuple(peers))
        if self._file_journal:
            self._new_folder(node)
            if stable is not None:
                for name, data in stable:
                    with open(os.path.join(node.folder, name), "wb") as f:
                        f.write(data)
        Node = self._sync.Node
        with _Call(node, self._file_journal) as sends:
            transport = self._transport_cls(tuple(peers))
            node.obj = self._cls(Node(node_id), [Node(p) for p in peers], self._conf(node), transport)
            # A node's links come up as it starts (TCP connects on its first ticks); the
            # checker breaks and restores them with disconnect and connect.
            for p in sorted(peers):
                transport.link_up(p)
            node.obj.doTick()
        return node, sends

    def create(self, node_id: int, peers: tuple[int, ...]) -> tuple[_Node, list[Send]]:
        return self._start(node_id, peers, None)

    def restart(self, node_id: int, peers: tuple[int, ...], stable: Any) -> tuple[_Node, list[Send]]:
        return self._start(node_id, peers, stable if self._file_journal else None)

    def crash(self, node: _Node) -> Any:
        """What survives is what the library wrote to its files (a process crash: written pages
        survive; fsync and power loss are not modelled)."""
        if not self._file_journal:
            return None
        names = sorted(n for n in os.listdir(node.folder) if not n.endswith(".tmp"))
        stable = []
        for name in names:
            with open(os.path.join(node.folder, name), "rb") as f:
                stable.append((name, f.read()))
        return tuple(stable)

    def advance(self, node: _Node, seconds: float | None = None) -> list[Send]:
        with _Call(node, self._file_journal) as sends:
            if seconds is None:
                due = self._next_deadline(node)
                if due is None:
                    return sends
                # The library compares strictly (deadline < now): step just past the deadline.
                node.clock = max(node.clock, math.nextafter(due, math.inf))
            else:
                if seconds < 0:
                    raise AdapterError(f"advance by {seconds}: time does not run backwards")
                node.clock += seconds
            node.obj.doTick()
        return sends

    def deliver(self, node: _Node, source: int, payload: Any) -> list[Send]:
        """The message arrives as the library's poll loop hands it over: the transport's
        callback, then the rest of the loop (the next tick, at the same time)."""
        with _Call(node, self._file_journal) as sends:
            node.obj._SyncObj__transport._onMessageReceived(self._sync.Node(source), payload)
            node.obj.doTick()
        return sends

    def connect(self, node: _Node, peer: int) -> list[Send]:
        with _Call(node, self._file_journal) as sends:
            if node.obj._SyncObj__transport.link_up(peer):
                node.obj.doTick()
        return sends

    def disconnect(self, node: _Node, peer: int) -> list[Send]:
        with _Call(node, self._file_journal) as sends:
            if node.obj._SyncObj__transport.link_down(peer):
                node.obj.doTick()
        return sends

    def request(self, node: _Node, command: int) -> list[Send]:
        with _Call(node, self._file_journal) as sends:
            if self._padding:
                node.obj.apply(command, b"\0" * self._padding)
            else:
                node.obj.apply(command)
            node.obj.doTick()
        return sends

    # -- what the checker sees ---------------------------------------------------------------

    def _next_deadline(self, node: _Node) -> float | None:
        obj = node.obj
        due: list[float] = []
        if obj._SyncObj__raftState == 2:
            due.append(obj._SyncObj__newAppendEntriesTime)
            step_down = self._step_down_time(obj)
            if step_down is not None:
                due.append(step_down)
        elif obj._SyncObj__connectedNodes:
            due.append(obj._SyncObj__raftElectionDeadline)
        if self._file_journal and not obj._SyncObj__raftLog._FileJournal__metaSaved:
            # The journal's one-second timer stores the commit index (and in 0.3.15 nothing
            # else); while nothing is waiting to be stored it does nothing, and is not a timer.
            due.append(obj._SyncObj__startTime + obj._SyncObj__numOneSecondDumps)
        return min(due) if due else None

    @staticmethod
    def _step_down_time(obj) -> float | None:
        """When the leader falls back to follower for want of responses from a majority
        (leaderFallbackTimeout after the freshest response that still keeps it a majority)."""
        others = obj._SyncObj__otherNodes
        quorum_others = (len(others) + 1) // 2  # fresh peers needed besides itself
        times = sorted((obj._SyncObj__lastResponseTime.get(n, -math.inf) for n in others), reverse=True)
        if quorum_others == 0 or len(times) < quorum_others:
            return None
        return times[quorum_others - 1] + obj._SyncObj__conf.leaderFallbackTimeout

    def observe(self, node: _Node) -> Observed:
        obj = node.obj
        role = _ROLES[obj._SyncObj__raftState]
        log = obj._SyncObj__raftLog
        if len(log) and log[0][1] != 1:
            raise AdapterError("pysyncobj compacted its log: log compaction is not modelled")
        entries = tuple((entry[2], self._command(entry[0])) for entry in log)
        voted = obj._SyncObj__votedForNodeId
        match = nxt = None
        if role == "leader":
            match = {n.id: v for n, v in sorted(obj._SyncObj__raftMatchIndex.items(), key=lambda kv: kv[0].id)}
            nxt = {n.id: v for n, v in sorted(obj._SyncObj__raftNextIndex.items(), key=lambda kv: kv[0].id)}
        return Observed(role=role, term=obj._SyncObj__raftCurrentTerm, voted_for=voted, log=entries,
                        commit_index=obj._SyncObj__raftCommitIndex, match_index=match, next_index=nxt)

    def _command(self, data: bytes) -> Any:
        """A log entry's command as the checker sent it (the request number), or a short text
        for the library's own entries."""
        kinds = self._sync._COMMAND_TYPE
        kind = data[0] if data else -1
        if kind == kinds.NO_OP:
            return "no-op"
        if kind == kinds.REGULAR:
            decoded = self._sync.pickle.loads(data[1:])
            if isinstance(decoded, tuple) and len(decoded) >= 2 and decoded[1]:
                return decoded[1][0]
            return f"call {decoded!r}"
        if kind == kinds.MEMBERSHIP:
            return "membership"
        if kind == kinds.VERSION:
            return "version"
        return f"command {data[:8].hex()}"

    def key(self, node: _Node) -> str:
        obj = node.obj
        now = node.clock
        role = obj._SyncObj__raftState
        log = obj._SyncObj__raftLog
        parts: list[Any] = [
            role, obj._SyncObj__raftCurrentTerm, obj._SyncObj__votedForNodeId, obj._SyncObj__votesCount,
            _id(obj._SyncObj__raftLeader),
            tuple((e[1], e[2], self._command(e[0])) for e in log),
            obj._SyncObj__raftCommitIndex, obj._SyncObj__raftLastApplied,
            tuple(sorted(n.id for n in obj._SyncObj__connectedNodes)),
            # The library only ever asks whether the election deadline has passed.
            _until(obj._SyncObj__raftElectionDeadline, now),
            obj._SyncObj__recvTransmission,
            tuple(self._queued(c) for c, _ in obj._SyncObj__commandsQueue._FastQueue__queue),
            getattr(obj, "_SyncObj__transferInProgress", False),
        ]
        if role == 2:
            fallback = obj._SyncObj__conf.leaderFallbackTimeout
            parts += [
                tuple(sorted((n.id, v) for n, v in obj._SyncObj__raftNextIndex.items())),
                tuple(sorted((n.id, v) for n, v in obj._SyncObj__raftMatchIndex.items())),
                _until(obj._SyncObj__newAppendEntriesTime, now),
                # A response counts while it is younger than leaderFallbackTimeout.
                tuple(sorted((n.id, _age(t, now, fallback)) for n, t in obj._SyncObj__lastResponseTime.items())),
            ]
        if self._file_journal:
            journal = obj._SyncObj__raftLog
            parts += [
                tuple(sorted(journal._FileJournal__meta.items(), key=repr)),
                journal._FileJournal__metaSaved,
                _until(obj._SyncObj__startTime + obj._SyncObj__numOneSecondDumps, now),
            ]
        return repr(tuple(parts))

    def _queued(self, command: bytes) -> Any:
        return self._command(command)

    def copy(self, node: _Node) -> _Node:
        new = _Node(node.node_id, node.peers)
        new.clock, new.draws = node.clock, node.draws
        obj = node.obj
        memo: dict[int, Any] = {}
        # What deepcopy cannot copy, made anew: the locks (no thread ever holds them between
        # calls), and the journal's open files and memory maps (their bytes are copied).
        memo[id(obj._SyncObj__onTickCallbacksLock)] = threading.Lock()
        queue = obj._SyncObj__commandsQueue
        memo[id(queue._FastQueue__lock)] = threading.Lock()
        # Shared, not copied, because nothing ever changes them after the constructor: the
        # Node values (their id is all they hold), the settings, and the constructor's list of
        # attribute names (the library's own record of what is not user state).
        for n in obj._SyncObj__otherNodes:
            memo[id(n)] = n
        memo[id(obj._SyncObj__selfNode)] = obj._SyncObj__selfNode
        memo[id(obj._SyncObj__properies)] = obj._SyncObj__properies
        if self._file_journal:
            self._new_folder(new)
            memo[id(obj._SyncObj__raftLog)] = self._copy_journal(obj._SyncObj__raftLog, node, new)
            memo[id(obj._SyncObj__conf)] = self._conf_copy(obj._SyncObj__conf, new)
        else:
            memo[id(obj._SyncObj__conf)] = obj._SyncObj__conf
        new.obj = copy.deepcopy(obj, memo)
        return new

    def _copy_journal(self, journal, node: _Node, new: _Node):
        for name in os.listdir(node.folder):
            if not name.endswith(".tmp"):
                shutil.copyfile(os.path.join(node.folder, name), os.path.join(new.folder, name))
        copied = self._sync.createJournal(os.path.join(new.folder, "journal"))
        _close_files(copied)
        # The copy reads the log back from its file; what is held only in memory (metadata
        # not yet stored by the one-second timer) is copied as it is.
        copied._FileJournal__meta = copy.deepcopy(journal._FileJournal__meta)
        copied._FileJournal__metaSaved = journal._FileJournal__metaSaved
        return copied

    def _conf_copy(self, conf, new: _Node):
        fresh = copy.copy(conf)
        fresh.journalFile = os.path.join(new.folder, "journal")
        return fresh

    # -- a node as bytes ---------------------------------------------------------------------

    def snapshot(self, node: _Node) -> bytes:
        """The node as bytes, equal for equal histories in every process (no path, address or
        string-hash order in them); ``restore`` of them is the node ``copy`` would make."""
        files = None
        if self._file_journal:
            files = []
            for name in sorted(n for n in os.listdir(node.folder) if not n.endswith(".tmp")):
                with open(os.path.join(node.folder, name), "rb") as f:
                    files.append((name, f.read()))
            files = tuple(files)
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = self._reducers()
        pickler.dump((node.node_id, node.peers, node.clock, node.draws, _Files(files), node.obj))
        return buffer.getvalue()

    def restore(self, data: bytes) -> _Node:
        """A fresh, independent node from ``snapshot``'s bytes: its own journal folder, files
        written back, locks new."""
        if _restoring[0] is not None:
            raise RuntimeError("pysyncobj restores do not nest")
        # The outer tuple's head is read first: the folder must hold the files before the
        # journal (inside the library's object) is made from them.
        node = _Node(0, ())
        _restoring[0] = (self, node)
        try:
            node_id, peers, clock, draws, files, obj = pickle.loads(data)
        finally:
            _restoring[0] = None
        node.node_id, node.peers, node.clock, node.draws, node.obj = node_id, peers, clock, draws, obj
        return node

    def _reducers(self) -> dict:
        table = self.__dict__.get("_table")
        if table is None:
            lock = type(threading.Lock())
            table = dict(copyreg.dispatch_table)
            table[lock] = _reduce_lock
            table[types.MethodType] = _reduce_method
            table[self._cls] = _reduce_syncobj
            table[self._transport_cls] = _reduce_transport
            table[self._sync.SyncObjConf] = _reduce_conf
            journal = sys.modules["pysyncobj.journal"]
            table[journal.FileJournal] = _reduce_journal
            self._table = table
        return table

    def _restored_folder(self, node: _Node, files) -> None:
        """The restored node's own folder, holding the snapshot's files (read before the
        library's object, whose journal is made from them)."""
        if self._file_journal:
            self._new_folder(node)
            for name, data in files or ():
                with open(os.path.join(node.folder, name), "wb") as f:
                    f.write(data)


# The adapter and the node a snapshot is being read into, for the reducers' constructors below
# (pickle names them by module and name, so they find their adapter here).
_restoring: list[Any] = [None]


class _Files:
    """A file journal's files in a snapshot (None for a memory journal): read back, they are
    written into the restored node's new folder."""

    def __init__(self, files) -> None:
        self.files = files

    def __reduce__(self):
        return _restored_files, (self.files,)


def _restored_files(files):
    adapter, node = _restoring[0]
    adapter._restored_folder(node, files)
    return files


def _reduce_lock(lock):
    """A lock is made anew (no thread holds one between calls, as ``copy`` assumes)."""
    return threading.Lock, ()


def _reduce_method(method):
    """A bound method as its object and attribute name, the private ones (``__onTick``, which
    the transport holds as callbacks) by their mangled name, which is where getattr finds them."""
    func = method.__func__
    name = func.__name__
    if name.startswith("__") and not name.endswith("__"):
        owner = func.__qualname__.rsplit(".", 2)[-2]
        name = f"_{owner.lstrip('_')}{name}"
    if getattr(type(method.__self__), name, None) is not func and getattr(getattr(type(method.__self__), name, None), "__wrapped__", None) is None:
        raise TypeError(f"cannot name the bound method {func.__qualname__} for a snapshot")
    return getattr, (method.__self__, name)


def _reduce_syncobj(obj):
    """The library's object by its state, with the constructor's set of attribute names (the
    library's record of what is not user state) sorted, so that its bytes do not depend on the
    process's string hashing."""
    state = dict(obj.__dict__)
    state["_SyncObj__properies"] = sorted(state["_SyncObj__properies"])
    return _new_syncobj, (), state, None, None, _set_syncobj


def _new_syncobj():
    adapter, _ = _restoring[0]
    return adapter._cls.__new__(adapter._cls)


def _set_syncobj(obj, state):
    state["_SyncObj__properies"] = set(state["_SyncObj__properies"])
    obj.__dict__.update(state)


def _reduce_transport(transport):
    return _new_transport, (), dict(transport.__dict__)


def _new_transport():
    adapter, _ = _restoring[0]
    return adapter._transport_cls.__new__(adapter._transport_cls)


def _reduce_conf(conf):
    """The settings without the journal's path (a folder of this process): the restored node's
    own, pointing at its own folder."""
    fields = dict(conf.__dict__)
    fields.pop("journalFile", None)
    return _restored_conf, (fields,)


def _restored_conf(fields):
    adapter, node = _restoring[0]
    conf = adapter._sync.SyncObjConf.__new__(adapter._sync.SyncObjConf)
    conf.__dict__.update(fields)
    conf.journalFile = os.path.join(node.folder, "journal") if adapter._file_journal else None
    return conf


def _reduce_journal(journal):
    """A file journal by what it holds only in memory (metadata the one-second timer has not
    stored yet); its log is read back from the files, as ``copy`` does."""
    return _restored_journal, (copy.deepcopy(journal._FileJournal__meta), journal._FileJournal__metaSaved)


def _restored_journal(meta, saved):
    adapter, node = _restoring[0]
    journal = adapter._sync.createJournal(os.path.join(node.folder, "journal"))
    _close_files(journal)
    journal._FileJournal__meta = meta
    journal._FileJournal__metaSaved = saved
    return journal


class _Call:
    """One adapter call on a node: its clock and random generator are the ones the library
    reads, and what it sends is collected. A file journal's files are open only during a call
    (a search keeps many thousands of nodes: open files would run out)."""

    def __init__(self, node: _Node, files: bool = False):
        self.node = node
        self.files = files

    def __enter__(self) -> list[Send]:
        if _current[0] is not None:
            raise RuntimeError("pysyncobj adapter calls do not nest")
        if self.files and self.node.obj is not None:
            _open_files(self.node.obj._SyncObj__raftLog)
        _current[0] = self.node
        self.node.draws = 0
        self.node.outbox = []
        return self.node.outbox

    def __exit__(self, *exc) -> None:
        _current[0] = None
        self.node.outbox = None
        if self.files and self.node.obj is not None:
            _close_files(self.node.obj._SyncObj__raftLog)


def _open_files(journal) -> None:
    """Open a FileJournal's file and memory map again, as its own ResizableFile opens them."""
    resizable = journal._FileJournal__journalFile
    name = resizable._ResizableFile__fileName
    resizable._ResizableFile__f = open(name, "r+b")
    resizable._ResizableFile__mm = mmap.mmap(resizable._ResizableFile__f.fileno(), 0)


def _close_files(journal) -> None:
    """Close them between calls; what was written through the map is in the file."""
    resizable = journal._FileJournal__journalFile
    resizable._ResizableFile__mm.flush()
    resizable._ResizableFile__mm.close()
    resizable._ResizableFile__f.close()


def _id(node) -> Any:
    return None if node is None else node.id


def _until(deadline: float, now: float) -> Any:
    """A deadline as the time left, or "passed" once the library's comparison says so
    (``deadline < now``; ``now > deadline`` for the strict ones, the same test)."""
    left = deadline - now
    if left < 0:
        return "passed"
    return round(left, 9)


def _age(t: float, now: float, limit: float) -> Any:
    age = now - t
    return "stale" if age >= limit else round(age, 9)


def _parse_float(where: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise AdapterError(f"{where}: must be a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise AdapterError(f"{where}: must be a finite number of seconds, 0 or more")
    return value


def _parse_int(where: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise AdapterError(f"{where}: must be a whole number") from None


_classes: dict[int, Any] = {}


def _counter_class(sync) -> type:
    """The state machine the checker replicates: a list of applied request numbers."""
    if id(sync) in _classes:
        return _classes[id(sync)]
    SyncObj, replicated = sync.SyncObj, sync.replicated

    class Applied(SyncObj):
        def __init__(self, self_node, others, conf, transport):
            super().__init__(self_node, others, conf=conf, transport=transport)
            self.applied = []

        @replicated
        def apply(self, command, padding=b""):
            self.applied.append(command)

    _classes[id(sync)] = Applied
    return Applied


def _transport_class(sync) -> type:
    key = ("transport", id(sync))
    if key in _classes:
        return _classes[key]
    Transport = sys.modules["pysyncobj.transport"].Transport

    class SimulatedTransport(Transport):
        """What the node sends is recorded for the checker; the checker tells it which links
        are up. Sending on a broken link fails, as TCPTransport's does."""

        def __init__(self, peers):
            super().__init__(None, None, None)
            self.peers = frozenset(peers)
            self.up: set[int] = set()

        def send(self, node, message):
            peer = node.id
            if peer not in self.up:
                return False
            outbox = _current[0].outbox
            outbox.append(Send(dest=peer, payload=dict(message), summary=_summary(message)))
            return True

        def link_up(self, peer: int) -> bool:
            if peer in self.up or peer not in self.peers:
                return False
            self.up.add(peer)
            self._onNodeConnected(sync.Node(peer))
            return True

        def link_down(self, peer: int) -> bool:
            if peer not in self.up:
                return False
            self.up.discard(peer)
            self._onNodeDisconnected(sync.Node(peer))
            return True

    _classes[key] = SimulatedTransport
    return SimulatedTransport


def _entry_words(entry) -> str:
    data, idx, term = entry
    kind = data[0] if data else -1
    what = "noop" if kind == 1 else ("cmd" if kind == 0 else f"type{kind}")
    return f"{idx}:{what}@{term}"


def _summary(message: Mapping[str, Any]) -> str:
    kind = message.get("type")
    if kind == "append_entries":
        words = [f"append_entries term {message['term']}"]
        if "prevLogIdx" in message:
            words.append(f"prev {message['prevLogIdx']}/{message['prevLogTerm']}")
        if "transmission" in message:
            words.append(f"{message['transmission']} {len(message['data'])} bytes")
        elif "entries" in message:
            words.append("entries [" + " ".join(_entry_words(e) for e in message["entries"]) + "]")
        if "serialized" in message:
            words.append("snapshot")
        words.append(f"commit {message['commit_index']}")
        return " ".join(words)
    if kind == "next_node_idx":
        flags = [f for f in ("success", "reset") if message.get(f)]
        return f"next_node_idx {message['next_node_idx']}" + "".join(" " + f for f in flags)
    if kind == "request_vote":
        return f"request_vote term {message['term']} last {message['last_log_index']}/{message['last_log_term']}"
    if kind == "response_vote":
        return f"response_vote term {message['term']}"
    if kind == "apply_command":
        return "apply_command (forwarded to the leader)"
    return str(kind)
