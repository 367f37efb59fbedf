"""Checking someone else's Raft: a class with the seed's API, driven by the checker (``--impl``).

The user's class is used as it is. Each node is an instance made as
``Class(node_id, peer_ids, election_timeout_range)``; the checker owns everything around the
nodes: the cluster, the network (the seed's synchronous harness, or messages in flight), cut-offs,
crashes, time and client requests. The model has Stateright's three parts, like ``checker.model.native``,
so the explorer, the fuzzer and replay drive it unchanged.

Snapshots: a world holds its nodes as objects that are never called again once the world exists;
a step deep-copies a node (``copy.deepcopy``) the first time it touches it. Messages are
deep-copied when sent, as a network would, so no two nodes ever share an object.

Fingerprints: a world's identity is an 8-byte BLAKE2b digest of a canonical form of every node's
attributes (dicts by sorted key, lists and tuples as tuples, sets sorted, objects by type name and
attributes), the messages in flight and the checker's own bookkeeping. The canonical form never
uses ``hash``, so it is the same in every process and under any ``PYTHONHASHSEED``.

Randomness: before every call into the class, the module-level ``random`` is seeded from the
node's id and the method's name. A call's draws therefore depend only on which node makes which
call: the same in every run, and the same each time, so that two histories that reach the same
protocol state reach the same fingerprint (a seed drawn from the history would make every
heartbeat's fresh timeout a new state). The checker, not the draws, decides when timers fire.

Time: a ``Tick`` of node i calls ``tick(high)``, where ``high`` is the top of the election timeout
range, so that a follower or candidate always times out and a leader always sends heartbeats
(the seed's heartbeat interval, 50 ms, is below any sensible range). That is the coarse time of
``checker.model.native``: every node can time out at any moment. Finer ticks would multiply the depth of
every story, and the state space with it.

What keeps the search finite: terms (no node may time out at ``max_term``, and a step that takes
any node past it is disabled), client requests, messages in flight, cut-offs and crashes, as for
the native core; but the checker cannot see inside a class, so anything that grows without limit
in its attributes (a counter of heartbeats, a generator's state advanced on every call, as in our
own facade) makes the space infinite, and only the depth bound ends the search.

Failures of the implementation are findings, not crashes of the checker: an exception from any
call, a call that does not return within ``call_timeout`` seconds (``SIGALRM``, so only on the
main thread), a reply, message or surface value that is not what the API documents. A finding is
reported as a ``Violation`` whose name is one of ``FINDINGS``; traces record it as an "error".
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import inspect
import os
import pickle
import random
import signal
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from checker.impl.adapter import METHODS as ADAPTER_METHODS
from checker.impl.adapter import UNKNOWN, Observed, Send
from checker.impl.canonical import _seed_for, canonical
from checker.impl.driver import AdapterModel, AdapterWorld, _brief, _int, copy_value
from checker.impl.sandbox import CallFailed, Sandbox, _exception_line, _raise_timed_out
from checker.impl.watch import CallWatch
from checker.model.config import SYNC, Config, ImplTarget
from checker.model.invariants import OBSERVED_SAFETY
from raft.log import LogEntry
from raft.messages import (
    AppendEntriesRequest,
    AppendEntriesResponse,
    RequestVoteRequest,
    RequestVoteResponse,
)
from raft.state import Role

#: The methods a class must have, as the seed names them.
METHODS = (
    "tick",
    "handle_request_vote",
    "handle_append_entries",
    "handle_vote_response",
    "handle_append_response",
    "client_request",
    "get_log",
    "get_committed_entries",
)

#: The attributes (or properties) a node must have.
SURFACE_ATTRIBUTES = ("state", "current_term", "commit_index")

#: The registry's invariants that can be judged from the API's surface alone.
SURFACE = (
    "commit_index_in_log",
    "log_well_formed",
    "election_safety",
    "log_matching",
    "leader_completeness",
    "state_machine_safety",
    "leader_append_only",
    "committed_entries_stable",
    "terms_monotonic",
)

#: The registry's invariants left out, and why.
NOT_OBSERVABLE = {
    "vote_safety": "the votes a node casts are not part of the API",
    "match_index_monotonic": "a leader's matchIndex is not part of the API",
}

#: The invariants that only adapters are judged by, and why a seed-API class is not: its
#: checks stay the surface ones its verdicts have always been judged by (see SURFACE).
LEFT_OUT = {
    "next_index_above_match": "a leader's nextIndex is not part of the API",
    "committed_on_majority": "judged only through adapters; a seed-API class keeps its surface checks",
    "leader_commits_current_term": "judged only through adapters; a seed-API class keeps its surface checks",
}

ROLES = {role.value: role for role in Role}

# --- Loading the class ---------------------------------------------------------------------


class ImplLoadError(ValueError):
    """A target that cannot be used; the message is one line naming it and what is wrong."""


_LOADED: dict[str, type] = {}


def load_class(target: str) -> type:
    """The class ``target`` names, imported once per process; raises ImplLoadError."""
    if target not in _LOADED:
        _LOADED[target] = _load(target)
    return _LOADED[target]


def _load(target: str) -> type:
    where, colon, name = target.rpartition(":")
    if not colon or not where or not name.isidentifier():
        raise ImplLoadError(f"--impl {target}: must be path/to/file.py:ClassName or package.module:ClassName")
    if where.endswith(".py") or os.sep in where or "/" in where:
        module = _import_file(target, Path(where))
    else:
        try:
            module = importlib.import_module(where)
        except ModuleNotFoundError as e:
            if e.name and (where == e.name or where.startswith(e.name + ".")):
                raise ImplLoadError(f"--impl {target}: no module named {where}") from None
            raise ImplLoadError(f"--impl {target}: importing {where} raised {_exception_line(e)}") from None
        except Exception as e:
            raise ImplLoadError(f"--impl {target}: importing {where} raised {_exception_line(e)}") from None
    cls = getattr(module, name, None)
    if cls is None:
        raise ImplLoadError(f"--impl {target}: {where} has no class {name}")
    if not inspect.isclass(cls):
        raise ImplLoadError(f"--impl {target}: {name} is not a class")
    if is_adapter(cls):
        return cls  # Made as Class(version, settings): checker.impl.targets.
    missing = [m for m in METHODS if not callable(getattr(cls, m, None))]
    if missing:
        raise ImplLoadError(f"--impl {target}: {name} lacks {', '.join(missing)} (the seed's RaftNode API)")
    try:
        inspect.signature(cls).bind(1, [2, 3], (150, 300))
    except TypeError:
        raise ImplLoadError(
            f"--impl {target}: {name}'s constructor does not take (node_id, peer_ids, election_timeout_range)"
        ) from None
    except ValueError:
        pass  # No signature to inspect (a class built in C): the first construction will tell.
    return cls


def is_adapter(cls: type) -> bool:
    """Whether ``cls`` is an adapter (``checker.impl.adapter``) rather than a seed-API class."""
    return all(callable(getattr(cls, m, None)) for m in ADAPTER_METHODS)


def _import_file(target: str, path: Path):
    if not path.is_file():
        raise ImplLoadError(f"--impl {target}: no such file {path}")
    resolved = path.resolve()
    # A stable module name per file, so that two files called raft.py do not collide.
    digest = hashlib.blake2b(str(resolved).encode(), digest_size=4).hexdigest()
    module_name = f"_raftcheck_impl_{resolved.stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise ImplLoadError(f"--impl {target}: {path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    # As when the file is run as a script: it can import the modules beside it.
    folder = str(resolved.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    sys.modules[module_name] = module  # Dataclasses and pickling look their module up here.
    try:
        spec.loader.exec_module(module)
    except BaseException as e:
        del sys.modules[module_name]
        if isinstance(e, KeyboardInterrupt):
            raise
        raise ImplLoadError(f"--impl {target}: importing {path} raised {_exception_line(e)}") from None
    return module


def check_instance(impl: ImplTarget, node_ids: tuple[int, ...]) -> None:
    """Raise ImplLoadError unless a freshly made node has the API's attributes (``state``,
    ``current_term``, ``commit_index``) and every ``persistent`` one. A constructor that raises
    is left for the search to report, as a finding at step 0."""
    cls = load_class(impl.target)
    if is_adapter(cls):
        return
    state = random.getstate()
    timed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGALRM, _raise_timed_out) if timed else None
    try:
        random.seed(_seed_for(node_ids[0], "__init__"))
        if timed:
            signal.setitimer(signal.ITIMER_REAL, impl.call_timeout)
        node = cls(node_ids[0], [p for p in node_ids[1:]], impl.election_timeout_range)
    except KeyboardInterrupt:
        raise
    except BaseException:  # SystemExit and the alarm too: the search reports it, as a finding at step 0.
        return
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        random.setstate(state)
    missing = [name for name in SURFACE_ATTRIBUTES if not _has(node, name)]
    if missing:
        raise ImplLoadError(f"--impl {impl.target}: a new {impl.class_name} has no {', '.join(missing)} (the seed's RaftNode API)")
    missing = [name for name in impl.persistent if not _has(node, name)]
    if missing:
        raise ImplLoadError(
            f"--impl {impl.target}: a new {impl.class_name} has no attribute {', '.join(missing)} (named by --persistent)"
        )


def _has(node: Any, name: str) -> bool:
    # A property that raises something other than AttributeError exists: the search will report it.
    try:
        return hasattr(node, name)
    except Exception:
        return True





class SeedNode:
    """One node of a seed-API class: the user's object and its id (the class's API never says
    which node an object is). Reads of any other attribute go to the object."""

    __slots__ = ("id", "obj")

    def __init__(self, node_id: int, obj: Any) -> None:
        self.id = node_id
        self.obj = obj

    def __getattr__(self, name: str) -> Any:
        if name in ("id", "obj") or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.obj, name)


class SeedAdapter:
    """The seed's ``RaftNode`` API as an adapter (``checker.impl.adapter.Adapter``): a Tick calls
    ``tick(high)``, a delivery calls the handler the message names and hands its reply back as a
    message, a client request calls ``client_request``; what a node shows is its API's surface.
    Every call goes through the sandbox, with the module ``random`` seeded from the node's id and
    the method's name, and is named in a finding as the method with its arguments."""

    name = "seed"
    network = SYNC
    # Each call into the class is timed on its own (see _call), as before the driver.
    times_its_calls = True

    def __init__(self, impl: ImplTarget, cls: type, sandbox: Sandbox, nodes: int) -> None:
        self.impl = impl
        self.nodes = nodes
        self.cls = cls
        self.sandbox = sandbox
        # Nodes crash only when the user said what survives one.
        self.persistent = bool(impl.persistent)
        self.unobserved = {
            **NOT_OBSERVABLE,
            **{i.name: LEFT_OUT.get(i.name, "not judged for a seed-API class") for i in OBSERVED_SAFETY
               if i.name not in SURFACE and i.name not in NOT_OBSERVABLE},
        }

    def describe(self) -> str:
        return self.impl.describe()

    # --- Nodes as values -------------------------------------------------------------------

    def create(self, node_id: int, peers: tuple[int, ...]) -> tuple[SeedNode, list[Send]]:
        return SeedNode(node_id, self.construct(node_id, list(peers))), []

    def construct(self, i: int, peers: list[int]) -> Any:
        low_high = self.impl.election_timeout_range
        what = f"constructor {self.cls.__name__}({i}, {peers}, {low_high})"
        return self.sandbox.call(i, what, lambda: self.cls(i, peers, low_high), seed="__init__")

    def copy(self, node: SeedNode) -> SeedNode:
        return SeedNode(node.id, copy_value(node.obj))

    def key(self, node: SeedNode) -> str:
        return canonical(node.obj)

    def snapshot(self, node: SeedNode) -> bytes:
        """The node as bytes, for a search that keeps worlds frozen (``checker.impl.codec``):
        ``restore`` of it is the copy ``copy`` would make, a pickle round trip; a class that
        says how to copy itself (``__deepcopy__``) is not snapshotted."""
        if hasattr(type(node.obj), "__deepcopy__"):
            raise TypeError(f"{type(node.obj).__name__} defines __deepcopy__, so it is copied, not pickled")
        return pickle.dumps((node.id, node.obj), pickle.HIGHEST_PROTOCOL)

    def restore(self, data: bytes) -> SeedNode:
        node_id, obj = pickle.loads(data)
        return SeedNode(node_id, obj)

    def crash(self, node: SeedNode) -> dict[str, Any]:
        """What survives: the attributes the user named with --persistent."""
        return {name: copy.deepcopy(getattr(node.obj, name)) for name in self.impl.persistent}

    def restart(self, node_id: int, peers: tuple[int, ...], stable: dict[str, Any]) -> tuple[SeedNode, list[Send]]:
        """A new object, given the persistent attributes of the old one."""
        obj = self.construct(node_id, list(peers))
        for name, value in stable.items():
            self.sandbox.call(node_id, f"restoring {name} after a restart", lambda: setattr(obj, name, value), seed=None)
        return SeedNode(node_id, obj), []

    # --- Calls -------------------------------------------------------------------------------

    def _call(self, node: SeedNode, method: str, *args: Any, shown: str | None = None) -> Any:
        obj = node.obj
        what = f"{method}({shown if shown is not None else ', '.join(map(repr, args))})"
        return self.sandbox.call(node.id, what, lambda: getattr(obj, method)(*args), seed=method)

    def advance(self, node: SeedNode, seconds: float | None = None) -> list[Send]:
        ms = self.impl.tick_ms if seconds is None else int(seconds * 1000)
        return self.messages(node.id, self._call(node, "tick", ms), ms)

    def request(self, node: SeedNode, command: int) -> list[Send]:
        reply = self._call(node, "client_request", command)
        what = f"node {node.id}'s client_request({command})"
        self.reply_fields(reply, what, (("success", bool), ("entry", None), ("error", None)))
        return []

    def connect(self, node: SeedNode, peer: int) -> list[Send]:
        return []

    def disconnect(self, node: SeedNode, peer: int) -> list[Send]:
        return []

    def deliver(self, node: SeedNode, source: int, payload: dict) -> list[Send]:
        """A request is handled and its reply sent back; a reply (``{"type": ..._response,
        "reply": dict}``) is handed to the response handler."""
        j = node.id
        kind = payload["type"]
        if kind == "request_vote":
            args = (source, payload["term"], payload["last_log_index"], payload["last_log_term"])
            shown = (
                f"candidate_id={source}, candidate_term={payload['term']}, "
                f"last_log_index={payload['last_log_index']}, last_log_term={payload['last_log_term']}"
            )
            reply = self._call(node, "handle_request_vote", *args, shown=shown)
            what = f"node {j}'s handle_request_vote({shown})"
            term, granted = self.reply_fields(reply, what, (("term", int), ("vote_granted", bool)))
            m = RequestVoteResponse(term, j, source, granted)
            return [Send(source, {"type": "request_vote_response", "reply": reply}, "", m)]
        if kind == "append_entries":
            entries = self.entries(payload["entries"], f"node {source}'s message with entries")
            args = (
                source,
                payload["term"],
                payload["prev_log_index"],
                payload["prev_log_term"],
                payload["entries"],
                payload["leader_commit"],
            )
            shown = (
                f"leader_id={source}, leader_term={payload['term']}, prev_log_index={payload['prev_log_index']}, "
                f"prev_log_term={payload['prev_log_term']}, entries={_entries_text(entries)}, "
                f"leader_commit={payload['leader_commit']}"
            )
            reply = self._call(node, "handle_append_entries", *args, shown=shown)
            what = f"node {j}'s handle_append_entries({shown})"
            term, success, match = self.reply_fields(reply, what, (("term", int), ("success", bool), ("match_index", int)))
            m = AppendEntriesResponse(term, j, source, success, match)
            return [Send(source, {"type": "append_entries_response", "reply": reply}, "", m)]
        reply = payload["reply"]
        if kind == "request_vote_response":
            shown = f"from_id={source}, term={reply['term']}, vote_granted={reply['vote_granted']}"
            self._call(node, "handle_vote_response", source, reply["term"], reply["vote_granted"], shown=shown)
        else:
            shown = f"from_id={source}, term={reply['term']}, success={reply['success']}, match_index={reply['match_index']}"
            args = (source, reply["term"], reply["success"], reply["match_index"])
            self._call(node, "handle_append_response", *args, shown=shown)
        return []

    # --- Checking what comes back ------------------------------------------------------------

    def reply_fields(self, reply: Any, what: str, fields: tuple[tuple[str, Any], ...]) -> tuple[Any, ...]:
        if not isinstance(reply, Mapping):
            raise CallFailed("malformed_reply", f"{what} returned {_brief(reply)}, not a dict")
        values = []
        for key, kind in fields:
            if key not in reply:
                raise CallFailed("malformed_reply", f"{what} returned a dict without {key!r}: {_brief(reply)}")
            value = reply[key]
            if kind is bool and not isinstance(value, bool):
                raise CallFailed("malformed_reply", f"{what} returned {key}={_brief(value)}, not True or False")
            if kind is int and not _int(value):
                raise CallFailed("malformed_reply", f"{what} returned {key}={_brief(value)}, not a whole number")
            values.append(value)
        return tuple(values)

    def messages(self, i: int, sent: Any, ms: int) -> list[Send]:
        """The messages node i's tick returned, checked and deep-copied as a network would, each
        named by the native message it is."""
        what = f"node {i}'s tick({ms})"
        if not isinstance(sent, (list, tuple)):
            raise CallFailed("malformed_message", f"{what} returned {_brief(sent)}, not a list of message dicts")
        # Checked here, copied by the driver as it takes them (nothing of the class runs between).
        sent = list(sent)
        out = []
        peers = [p for p in self.ids_of(i)]
        for k, d in enumerate(sent):
            where = f"{what} returned a message (#{k + 1})"
            if not isinstance(d, Mapping):
                raise CallFailed("malformed_message", f"{where} that is {_brief(d)}, not a dict")
            for key in ("type", "from", "to", "term"):
                if key not in d:
                    raise CallFailed("malformed_message", f"{where} without {key!r}: {_brief(d)}")
            kind = d["type"]
            if kind not in ("request_vote", "append_entries"):
                raise CallFailed("malformed_message", f"{where} of type {kind!r}, not 'request_vote' or 'append_entries'")
            if d["from"] != i:
                raise CallFailed("malformed_message", f"{where} from {d['from']!r}, not from {i}")
            if d["to"] not in peers:
                raise CallFailed("malformed_message", f"{where} to {d['to']!r}, not to one of its peers {peers}")
            names = ("term", "last_log_index", "last_log_term") if kind == "request_vote" else (
                "term", "prev_log_index", "prev_log_term", "leader_commit")
            for key in names:
                if key not in d:
                    raise CallFailed("malformed_message", f"{where} of type {kind} without {key!r}: {_brief(d)}")
                if not _int(d[key]):
                    raise CallFailed("malformed_message", f"{where} with {key}={_brief(d[key])}, not a whole number")
            if kind == "request_vote":
                m = RequestVoteRequest(d["term"], i, d["to"], d["last_log_index"], d["last_log_term"])
                out.append(Send(d["to"], d, "", m))
                continue
            if "entries" not in d:
                raise CallFailed("malformed_message", f"{where} of type append_entries without 'entries': {_brief(d)}")
            entries = self.entries(d["entries"], f"{where} with entries")
            m = AppendEntriesRequest(d["term"], i, d["to"], d["prev_log_index"], d["prev_log_term"], entries, d["leader_commit"])
            out.append(Send(d["to"], d, "", m))
        return out

    def ids_of(self, i: int) -> list[int]:
        """Node i's peers, in the order its constructor was given them."""
        return [p for p in range(1, self.nodes + 1) if p != i]

    def entries(self, raw: Any, where: str, kind: str = "malformed_message") -> tuple[LogEntry, ...]:
        if not isinstance(raw, (list, tuple)):
            raise CallFailed(kind, f"{where} {_brief(raw)}, not a list of log entries")
        out = []
        for e in raw:
            term, index = getattr(e, "term", None), getattr(e, "index", None)
            if not (_int(term) and _int(index) and hasattr(e, "command")):
                raise CallFailed(kind, f"{where} holding {_brief(e)}, not an entry with whole-number .term and .index and a .command")
            command = e.command
            try:
                hash(command)
            except TypeError:
                command = canonical(command)
            out.append(LogEntry(term=int(term), index=int(index), command=command))
        return tuple(out)

    def observe(self, node: SeedNode) -> Observed:
        """Node i through the API's surface, checked to be what the API documents."""
        i, obj = node.id, node.obj
        # One time limit for the five reads: they are many, and each is small.
        role, term, commit, log, committed = self.sandbox.call(
            i,
            "API surface (state, current_term, commit_index, get_log(), get_committed_entries())",
            lambda: (obj.state, obj.current_term, obj.commit_index, obj.get_log(), obj.get_committed_entries()),
            seed=None,
        )
        if role not in ROLES:
            raise CallFailed("malformed_state", f"node {i}'s state is {_brief(role)}, not 'follower', 'candidate' or 'leader'")
        for name, value in (("current_term", term), ("commit_index", commit)):
            if not _int(value):
                raise CallFailed("malformed_state", f"node {i}'s {name} is {_brief(value)}, not a whole number")
        entries = _without_sentinel(self.entries(log, f"node {i}'s get_log() returned", "malformed_state"))
        done = _without_sentinel(self.entries(committed, f"node {i}'s get_committed_entries() returned", "malformed_state"))
        if done != entries[:commit]:
            raise CallFailed(
                "malformed_state",
                f"node {i}'s get_committed_entries() returned {_entries_text(done)}, not the entries of its log "
                f"up to commit_index {commit} ({_entries_text(entries[:commit])})",
            )
        for position, e in enumerate(entries, start=1):
            if e.index != position:
                raise CallFailed("malformed_state", f"node {i}'s get_log() holds an entry numbered {e.index} at position {position}")
        return Observed(role, int(term), UNKNOWN, tuple((e.term, e.command) for e in entries), int(commit))


#: An ImplModel's world (the driver's).
ImplWorld = AdapterWorld


class ImplModel(AdapterModel):
    """A configuration with ``impl`` naming a seed-API class, made executable: the driver
    (``checker.impl.driver``) over the seed-API adapter."""

    def __init__(self, config: Config) -> None:
        if config.impl is None:
            raise ValueError("ImplModel needs a configuration with an --impl target")
        self.impl: ImplTarget = config.impl
        self.cls = load_class(self.impl.target)
        module = sys.modules.get(self.cls.__module__)
        sandbox = Sandbox(self.impl.call_timeout, [getattr(module, "__file__", None)], watch=CallWatch(self.cls))
        adapter = SeedAdapter(self.impl, self.cls, sandbox, config.nodes)
        super().__init__(config, adapter, sandbox=sandbox)


def _entries_text(entries: Any) -> str:
    try:
        return "[" + ", ".join(f"{e.term}:{e.command!r}" for e in entries) + "]"
    except Exception:
        return "<entries>"





def _without_sentinel(entries: tuple[LogEntry, ...]) -> tuple[LogEntry, ...]:
    """The log without a sentinel at index 0, if the implementation shows one."""
    return entries[1:] if entries and entries[0].index == 0 else entries




