"""raftos (zhebrak/raftos, MIT), unchanged, driven deterministically in one process.

raftos is asyncio over UDP: a ``Node`` owns an asyncio queue of datagrams to send, a
``UDPProtocol`` that packs (msgpack), encrypts and sends them, and a ``State`` whose role object
(``Follower``, ``Candidate``, ``Leader``) handles each message. Timeouts are ``Timer`` objects
over ``loop.call_later``, election timeouts come from ``random.uniform``, every send is wrapped
in ``asyncio.ensure_future``, and the term, vote, log and state machine live in files under
``config.log_path``. The adapter runs that code as it is, and replaces only what a deterministic
simulation must own (docs/raftos.md lists each replacement and what is not modelled):

- **the event loop and its clock**: each node has its own simulated loop (``_Loop``). Its clock
  is an exact fraction that moves only when the checker says time passes at that node; its
  ``call_later`` handles are raftos's timers; a call into the node runs every ready callback and
  task until none is left, so that each call is one atomic step with no real waiting.
- **the random generator**: ``raftos.state.random`` is a stand-in whose ``uniform`` draws from a
  generator seeded from the node's id, the adapter call (``create``, ``advance``, ...) and how
  many draws that call has made, so that the same call on equal nodes draws the same timeout.
- **the transport**: the loop's ``create_datagram_endpoint`` hands back an endpoint that sends
  nothing; after each call the adapter takes the node's queued datagrams in order and packs and
  encrypts each with the node's own protocol objects, as ``UDPProtocol.start`` would, and the
  checker's network carries the bytes (loss, reordering and duplication: an ``ASYNC`` network).
  A delivery is ``UDPProtocol.datagram_received(bytes, sender)``, unchanged.
- **the storage location**: ``raftos.storage`` opens its files through an in-memory folder that
  belongs to the node being driven (its ``open`` and ``os.makedirs`` are replaced in that module
  only), so that ``copy`` copies the files with the node and ``crash`` hands back exactly what is
  on "disk".

Compatibility aliases for Python 3.11, for raftos 0.2.6 (written for 3.5 and 3.6), touching no
file of the library: ``asyncio.futures.InvalidStateError`` (gone since 3.8, named in raftos's
``validate_commit_index``) is set to ``asyncio.InvalidStateError``; ``raftos.server`` sees an
``asyncio`` whose ``Queue`` accepts and ignores ``loop=`` (removed in 3.10); ``raftos.serializers``
sees a ``msgpack`` whose ``unpackb`` accepts ``encoding='utf-8'`` (removed in msgpack 1.0) as
``raw=False``, which decodes exactly the same strings.

A node is also a value as bytes (``snapshot`` / ``restore``, for a search that freezes worlds and
runs on several workers): its loop, its folder and raftos's objects pickled, sharing what ``copy``
shares (raftos's configuration and cryptor, the process's), with a leader's ``apply_future``
made anew on the restored loop in the same state, and sets of strings (a leader's responses per
request) spelled sorted, not in the process's string-hash order.

Settings (``--impl-conf KEY=VALUE``): raftos's own ``heartbeat_interval`` (seconds, 0.3),
``step_down_missed_heartbeats`` (5), ``election_interval_spread`` (3) and ``serializer``
(``msgpack``, raftos's default, or ``json``). The cryptor is raftos's ``DummyCryptor`` (its own
choice when ``cryptography`` is not installed): Fernet tokens carry the wall clock and random
bytes, and encryption is outside the protocol.
"""

from __future__ import annotations

import asyncio
import copy as _copy
import copyreg
import hashlib
import heapq
import io
import ipaddress
import json
import logging
import os
import pickle
import random
import types
from collections import deque
from fractions import Fraction
from typing import Any, Hashable

from checker.impl.adapter import AdapterError, Observed, Send
from checker.impl.fetch import import_library
from checker.model.config import ASYNC

#: Where raftos believes its files are; nothing is ever written there (see ``_Folder``).
LOG_PATH = "/raftcheck/raftos/"
#: Node ``i`` listens on 127.0.0.1:(BASE_PORT + i), the addresses of raftos's own examples.
HOST = "127.0.0.1"
BASE_PORT = 8000
#: The state-machine key of a client request: the command is ``{COMMAND_KEY: request number}``,
#: as ``Replicated(COMMAND_KEY).set(number)`` would write it.
COMMAND_KEY = "raftcheck"

_SETTINGS = {
    "heartbeat_interval": float,
    "step_down_missed_heartbeats": int,
    "election_interval_spread": float,
    "serializer": str,
}


# --- The simulated event loop ------------------------------------------------------------------


class _Handle:
    """A callback scheduled on a ``_Loop``: what ``call_soon`` and ``call_later`` give back.
    Plain attributes only (asyncio's own handles hold a ``contextvars.Context``, which cannot be
    copied), so that a node with pending timers copies with ``copy.deepcopy``."""

    def __init__(self, when: Fraction | None, seq: int, callback: Any, args: tuple) -> None:
        self.when = when
        self.seq = seq
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: _Handle) -> bool:
        return (self.when, self.seq) < (other.when, other.seq)


class _Endpoint:
    """The datagram endpoint the loop hands raftos: it owns no socket. What raftos queues for
    sending is taken from ``Node.requests`` by the adapter (``RaftosAdapter._drain``)."""

    def __init__(self, address: tuple) -> None:
        self.address = address
        self.closed = False

    def sendto(self, data: bytes, address: Any = None) -> None:  # pragma: no cover - never called
        raise AdapterError("raftos sent a datagram around its queue; the adapter cannot see it")

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


class _Loop(asyncio.AbstractEventLoop):
    """One node's event loop in simulated time: ``time()`` is the node's own clock, which moves
    only in ``advance``; ``run_ready`` runs every ready callback and task step, in the order asyncio
    would, until none is left. Real asyncio Futures and Tasks run on it unchanged."""

    def __init__(self) -> None:
        self.now = Fraction(0)
        self.ready: deque[_Handle] = deque()
        self.timers: list[_Handle] = []
        self.seq = 0
        self.tasks: list[asyncio.Task] = []
        self.failure: BaseException | None = None
        self.protocol: Any = None

    # What asyncio's Futures, Tasks and raftos call.

    def time(self) -> float:
        return float(self.now)

    def call_soon(self, callback, *args, context=None) -> _Handle:
        self.seq += 1
        handle = _Handle(None, self.seq, callback, args)
        self.ready.append(handle)
        return handle

    def call_later(self, delay, callback, *args, context=None) -> _Handle:
        return self._schedule(self.now + Fraction(max(delay, 0)), callback, args)

    def call_at(self, when, callback, *args, context=None) -> _Handle:
        return self._schedule(Fraction(when), callback, args)

    def _schedule(self, when: Fraction, callback, args) -> _Handle:
        self.seq += 1
        handle = _Handle(when, self.seq, callback, args)
        heapq.heappush(self.timers, handle)
        return handle

    def _timer_handle_cancelled(self, handle) -> None:
        pass

    def create_future(self) -> asyncio.Future:
        return asyncio.Future(loop=self)

    def create_task(self, coro, *, name=None, context=None) -> asyncio.Task:
        task = asyncio.Task(coro, loop=self)
        task.add_done_callback(self._task_done)
        self.tasks.append(task)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None and self.failure is None:
            self.failure = task.exception()

    def get_debug(self) -> bool:
        return False

    def is_closed(self) -> bool:
        return False

    def is_running(self) -> bool:
        return True

    def call_exception_handler(self, context) -> None:
        if self.failure is None and context.get("exception") is not None:
            self.failure = context["exception"]

    async def create_datagram_endpoint(self, protocol_factory, local_addr=None, **kwargs):
        # Not calling connection_made: it would start UDPProtocol.start, a coroutine waiting on
        # the send queue forever, which no copy of the node could carry. The adapter drains the
        # queue in its place.
        self.protocol = protocol_factory()
        return _Endpoint(local_addr), self.protocol

    # What the adapter calls.

    def run_ready(self) -> None:
        """Runs callbacks until none is ready. An exception raised by raftos, in a callback or
        inside a task, propagates from here unchanged: an exception inside the library is a finding."""
        while self.ready:
            handle = self.ready.popleft()
            if not handle.cancelled:
                handle.callback(*handle.args)
            if self.failure is not None:
                failure, self.failure = self.failure, None
                raise failure
        waiting = [task for task in self.tasks if not task.done()]
        self.tasks = []
        if waiting:
            raise AdapterError(f"raftos left {len(waiting)} task(s) waiting after a step; the adapter cannot copy them")

    def next_timer(self) -> _Handle | None:
        """The next live timer: dead ones (cancelled, or of a raftos ``Timer`` that was stopped
        inside its own callback and so can never run its callback again) are dropped."""
        while self.timers and _dead(self.timers[0]):
            heapq.heappop(self.timers)
        return self.timers[0] if self.timers else None

    def fire(self, handle: _Handle) -> None:
        heapq.heappop(self.timers)  # ``handle`` is the heap's head (``next_timer``).
        self.now = max(self.now, handle.when)
        self.ready.append(handle)
        self.run_ready()

    def live_timers(self) -> list[_Handle]:
        self.timers = [h for h in self.timers if not _dead(h)]
        heapq.heapify(self.timers)
        return sorted(self.timers)


def _dead(handle: _Handle) -> bool:
    if handle.cancelled:
        return True
    owner = getattr(handle.callback, "__self__", None)
    # raftos's Timer._run re-arms itself after its callback even when that callback stopped the
    # timer (a leader stepping down stops its own step-down timer): such a handle finds
    # ``is_active`` false when it runs and does nothing, so it is no part of the state.
    return getattr(owner, "is_active", True) is False


# --- The in-memory folder, the seeded generator, the compatibility aliases -------------------


class _Current:
    """Which node the adapter is driving now: the folder raftos's files resolve to, and the
    seed of its draws. raftos reaches both through module-level names, so they are set around
    every call into a node and cleared after it."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] | None = None
        self.seed = ""
        self.draws = 0

    def folder(self) -> dict[str, bytes]:
        if self.files is None:
            raise AdapterError("raftos touched its files outside a call of the adapter")
        return self.files


_CURRENT = _Current()


class _Writer:
    """A file opened by raftos for writing: each write lands in the node's folder at once."""

    def __init__(self, files: dict[str, bytes], name: str) -> None:
        self.files = files
        self.name = name

    def write(self, data) -> int:
        if isinstance(data, str):
            data = data.encode()
        self.files[self.name] = self.files[self.name] + bytes(data)
        return len(data)

    def close(self) -> None:
        pass

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc) -> None:
        pass


def _open(path, mode="r", *args, **kwargs):
    """``open`` as raftos.storage sees it: the node's folder, by file name."""
    files = _CURRENT.folder()
    name = os.path.basename(str(path))
    if "r" in mode and "+" not in mode:
        if name not in files:
            raise FileNotFoundError(2, "No such file or directory", str(path))
        return io.BytesIO(files[name])
    if "w" in mode:
        files[name] = b""
    elif "a" in mode:
        files.setdefault(name, b"")
    else:
        raise AdapterError(f"raftos opened {name} with mode {mode!r}, which the in-memory folder does not model")
    return _Writer(files, name)


def _makedirs(path, mode=0o777, exist_ok=False) -> None:
    """The node's folder always exists."""


class _Random:
    """``random`` as raftos.state sees it: ``uniform`` seeded per node and per call."""

    @staticmethod
    def uniform(low: float, high: float) -> float:
        draw = random.Random(f"raftos/{_CURRENT.seed}/{_CURRENT.draws}")
        _CURRENT.draws += 1
        return draw.uniform(low, high)


class _Queue(asyncio.Queue):
    """``asyncio.Queue`` as raftos 0.2.6 builds it, with ``loop=`` (removed in Python 3.10)."""

    def __init__(self, maxsize: int = 0, *, loop: Any = None) -> None:
        super().__init__(maxsize)


def _module_with(base: types.ModuleType, name: str, **overrides) -> types.ModuleType:
    """A module object that is ``base`` except for ``overrides``: what one raftos module sees
    under that name, so that nothing outside raftos changes."""
    module = types.ModuleType(name)
    module.__dict__.update(base.__dict__)
    module.__dict__.update(overrides)
    return module


def _install(raftos_modules: dict[str, types.ModuleType]) -> None:
    """Points raftos's module-level names at the simulation (idempotent)."""
    storage, state, server, serializers = (raftos_modules[k] for k in ("storage", "state", "server", "serializers"))
    if not hasattr(asyncio.futures, "InvalidStateError"):
        asyncio.futures.InvalidStateError = asyncio.InvalidStateError
    storage.open = _open
    storage.os = _module_with(os, "os", makedirs=_makedirs)
    state.random = _Random
    server.asyncio = _module_with(asyncio, "asyncio", Queue=_Queue)
    real = serializers.msgpack
    if not getattr(real, "_raftcheck_alias", False):

        def unpackb(data, encoding=None, **kwargs):
            if encoding is not None:
                kwargs.setdefault("raw", False)
            return real.unpackb(data, **kwargs)

        serializers.msgpack = _module_with(real, "msgpack", unpackb=unpackb, _raftcheck_alias=True)


class _Host(str):
    """A host name whose hash is the same in every process (the IPv4 address as an integer):
    equal to, and printed as, the plain string."""

    def __hash__(self) -> int:
        return int(ipaddress.IPv4Address(str(self)))


# --- The adapter --------------------------------------------------------------------------------


class RaftosNode:
    """One raftos node as the checker holds it: its loop (clock, timers), its folder (stable
    storage), raftos's ``Node`` and the protocol object datagrams arrive through."""

    def __init__(self, node_id: int, peers: tuple[int, ...], loop: _Loop, files: dict[str, bytes]) -> None:
        self.node_id = node_id
        self.peers = peers
        self.loop = loop
        self.files = files
        self.server: Any = None


class RaftosAdapter:
    """Drives raftos nodes, unchanged, in simulated time over a simulated UDP network."""

    name = "raftos"
    network = ASYNC
    persistent = True

    def __init__(self, version: str | None, settings) -> None:
        self.settings = self._parse(dict(settings))
        try:
            import msgpack  # noqa: F401  (raftos.serializers imports it)
        except ImportError:
            raise AdapterError("--impl raftos: needs msgpack (pip install 'raftcheck[raftos]')") from None
        quiet = logging.getLogger("raftos")
        was, quiet.disabled = quiet.disabled, True  # "cryptography is not installed!" on import
        try:
            self.version, raftos = import_library("raftos", version, "raftos")
        finally:
            quiet.disabled = was
        import importlib

        modules = {k: importlib.import_module(f"raftos.{k}") for k in
                   ("storage", "state", "server", "serializers", "cryptors", "conf")}
        _install(modules)
        self._server = modules["server"]
        self._state = modules["state"]
        serializers = modules["serializers"]
        self._conf = {
            "log_path": LOG_PATH,
            "serializer": serializers.JSONSerializer if self.settings.get("serializer") == "json"
            else serializers.MessagePackSerializer,
            "cryptor": modules["cryptors"].DummyCryptor(modules["conf"].config),
            "heartbeat_interval": self.settings.get("heartbeat_interval", 0.3),
            "step_down_missed_heartbeats": self.settings.get("step_down_missed_heartbeats", 5),
            "election_interval_spread": self.settings.get("election_interval_spread", 3),
            "on_leader": _nothing,
            "on_follower": _nothing,
        }
        self._config = modules["conf"].config

    @staticmethod
    def _parse(settings: dict[str, str]) -> dict[str, Any]:
        parsed: dict[str, Any] = {}
        for key, text in sorted(settings.items()):
            if key not in _SETTINGS:
                known = ", ".join(sorted(_SETTINGS))
                raise AdapterError(f"--impl-conf {key}={text}: raftos has no setting {key} that the adapter drives (known: {known})")
            try:
                value = _SETTINGS[key](text)
            except ValueError:
                raise AdapterError(f"--impl-conf {key}={text}: must be a {_SETTINGS[key].__name__}") from None
            if key == "serializer" and value not in ("msgpack", "json"):
                raise AdapterError(f"--impl-conf {key}={text}: must be msgpack or json")
            if key != "serializer" and not value > 0:
                raise AdapterError(f"--impl-conf {key}={text}: must be positive")
            parsed[key] = value
        return parsed

    # Addresses: node i is 127.0.0.1:(8000 + i). raftos's peers are a set of (host, port), and
    # raftos broadcasts in the set's order, which for str hosts follows the per-process string
    # hash. The adapter's host is a ``_Host``: the same text, hashed as the address's integer.

    @staticmethod
    def _address(node_id: int) -> tuple:
        return _Host(HOST), BASE_PORT + node_id

    @staticmethod
    def raftos_id(node_id: int) -> str:
        """raftos's id of node ``node_id``: "host:port"."""
        return f"{HOST}:{BASE_PORT + node_id}"

    @staticmethod
    def node_id(raftos_id: Any) -> int:
        """Our id of raftos's "host:port" (or a (host, port) pair)."""
        if isinstance(raftos_id, (tuple, list)):
            host, port = raftos_id
        else:
            host, _, port = str(raftos_id).rpartition(":")
        if str(host) != HOST:
            raise AdapterError(f"raftos named an address {raftos_id!r} the adapter did not give it")
        return int(port) - BASE_PORT

    # The protocol.

    def create(self, node_id: int, peers: tuple[int, ...]) -> tuple[RaftosNode, list[Send]]:
        return self._start(node_id, peers, {}, "create")

    def restart(self, node_id: int, peers: tuple[int, ...], stable: Any) -> tuple[RaftosNode, list[Send]]:
        return self._start(node_id, peers, dict(stable), "restart")

    def _start(self, node_id, peers, files, call) -> tuple[RaftosNode, list[Send]]:
        node = RaftosNode(node_id, tuple(peers), _Loop(), files)
        with _Inside(self, node, call):
            # What raftos.register does for one address: make the Node, start it, then add peers.
            server = self._server.Node(address=self._address(node_id), loop=node.loop)
            # raftos keeps every Node in a class-wide list (for raftos.stop()); the checker makes
            # thousands, so the adapter takes each out again.
            self._server.Node.nodes[:] = [n for n in self._server.Node.nodes if n is not server]
            node.server = server
            node.loop.create_task(server.start())
            node.loop.run_ready()
            for peer in peers:
                server.update_cluster(self._address(peer))
            return node, self._drain(node)

    def copy(self, node: RaftosNode) -> RaftosNode:
        # raftos's configuration (which its cryptor holds) is the process's, not the node's.
        memo: dict[int, Any] = {id(self._config): self._config, id(self._conf["cryptor"]): self._conf["cryptor"]}
        # A Future cannot be deep-copied; the only one a node holds between calls is a leader's
        # apply_future (execute_command's). The copy gets a fresh one on the copied loop, in the
        # same state; no callback waits on either (the client stopped waiting, see ``request``).
        loop = _Loop.__new__(_Loop)
        memo[id(node.loop)] = loop
        role = node.server.state.state
        future = role.__dict__.get("apply_future")
        if future is not None:
            twin = asyncio.Future(loop=loop)
            if future.cancelled():
                twin.cancel()
            elif future.done():
                twin.set_result(future.result())
            memo[id(future)] = twin
        loop.__dict__.update(_clone(node.loop.__dict__, memo))
        return _clone(node, memo)

    def snapshot(self, node: RaftosNode) -> bytes:
        """The node as bytes, equal for equal histories in every process and under any
        ``PYTHONHASHSEED``; ``restore`` of them is the node ``copy`` would make."""
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = self._reducers()
        # The loop first: it is named (memoized) before anything that holds it, so a Future,
        # made from its loop, finds it made.
        pickler.dump((node.loop, node))
        return buffer.getvalue()

    def restore(self, data: bytes) -> RaftosNode:
        """A fresh, independent node from ``snapshot``'s bytes."""
        _RESTORING.append(self)
        try:
            _, node = pickle.loads(data)
        finally:
            _RESTORING.pop()
        return node

    def _reducers(self) -> dict:
        table = self.__dict__.get("_table")
        if table is None:
            table = dict(copyreg.dispatch_table)
            table[type(self._config)] = _reduce_config
            table[type(self._conf["cryptor"])] = _reduce_cryptor
            table[asyncio.Future] = _reduce_future
            for role in (self._state.Leader, self._state.Candidate, self._state.Follower):
                table[role] = _reduce_role
            self._table = table
        return table

    def advance(self, node: RaftosNode, seconds: float | None = None) -> list[Send]:
        with _Inside(self, node, "advance"):
            loop = node.loop
            if seconds is None:
                handle = loop.next_timer()
                if handle is not None:
                    loop.fire(handle)
            else:
                until = loop.now + Fraction(seconds)
                while (handle := loop.next_timer()) is not None and handle.when <= until:
                    loop.fire(handle)
                loop.now = until
            return self._drain(node)

    def deliver(self, node: RaftosNode, source: int, payload: Any) -> list[Send]:
        with _Inside(self, node, "deliver"):
            node.loop.call_soon(node.loop.protocol.datagram_received, bytes(payload), (HOST, BASE_PORT + source))
            node.loop.run_ready()
            return self._drain(node)

    def connect(self, node: RaftosNode, peer: int) -> list[Send]:
        return []  # UDP: raftos is never told about links.

    def disconnect(self, node: RaftosNode, peer: int) -> list[Send]:
        return []

    def crash(self, node: RaftosNode) -> dict[str, bytes]:
        return dict(node.files)

    def request(self, node: RaftosNode, command: int) -> list[Send]:
        """The leader's own append path, as ``State.set_value`` reaches it once ``leader_required``
        has found this node leading: ``Leader.execute_command({COMMAND_KEY: command})`` writes the
        entry and broadcasts, then awaits its application. The client stops waiting there (the
        coroutine is closed at that await): its reply is no part of the protocol."""
        with _Inside(self, node, "request"):
            role = node.server.state.state
            if not isinstance(role, self._state.Leader):
                return []  # leader_required raises NotALeaderException: refused.
            waiting = role.execute_command({COMMAND_KEY: command})
            try:
                waiting.send(None)
            except StopIteration:
                pass
            else:
                waiting.close()
            node.loop.run_ready()
            return self._drain(node)

    def _drain(self, node: RaftosNode) -> list[Send]:
        """What ``UDPProtocol.start`` does for each queued datagram, in queue order."""
        queue, protocol = node.server.requests, node.loop.protocol
        sends = []
        while not queue.empty():
            request = queue.get_nowait()
            data = protocol.cryptor.encrypt(protocol.serializer.pack(request["data"]))
            dest = self.node_id(request["destination"])
            sends.append(Send(dest, bytes(data), self.summary(request["data"])))
        return sends

    # What the checker sees.

    def observe(self, node: RaftosNode) -> Observed:
        state = node.server.state
        role = state.state
        log = state.log
        stored = state.storage.cache
        voted = stored.get("voted_for")
        leader = isinstance(role, self._state.Leader)
        return Observed(
            role=type(role).__name__.lower(),
            term=int(stored.get("term", 0)),
            voted_for=None if voted is None else self.node_id(voted),
            log=tuple((int(e["term"]), _command(e["command"])) for e in log.cache),
            commit_index=int(log.commit_index),
            match_index={self.node_id(k): int(v) for k, v in log.match_index.items()} if leader else None,
            next_index={self.node_id(k): int(v) for k, v in log.next_index.items()} if leader else None,
        )

    def key(self, node: RaftosNode) -> str:
        state = node.server.state
        role = state.state
        log = state.log
        timers = []
        names = {id(timer): name for name, timer in vars(role).items() if type(timer).__name__ == "Timer"}
        for handle in node.loop.live_timers():
            timer = getattr(handle.callback, "__self__", None)
            timers.append([names.get(id(timer), "other"), _duration(handle.when - node.loop.now)])
        protocol = {
            "role": type(role).__name__,
            "stored": state.storage.cache,
            "log": log.cache,
            "commit": log.commit_index,
            "applied": log.last_applied,
            "timers": timers,
            "files": {name: hashlib.blake2b(data, digest_size=8).hexdigest() for name, data in sorted(node.files.items())},
            "queued": node.server.requests.qsize(),
        }
        if isinstance(role, self._state.Leader):
            protocol["next"] = log.next_index
            protocol["match"] = log.match_index
            protocol["request_id"] = role.request_id
            protocol["responses"] = {str(k): sorted(v) for k, v in role.response_map.items()}
        if isinstance(role, self._state.Candidate):
            protocol["votes"] = role.vote_count
        return json.dumps(protocol, sort_keys=True, separators=(",", ":"), default=_plain)

    def describe(self) -> str:
        settings = " ".join(f"{k}={v}" for k, v in sorted(self.settings.items()))
        return (f"raftos {self.version}{' ' + settings if settings else ''}: simulated loop and clock per node, "
                f"seeded random.uniform, datagrams and files in memory")

    # Words for timelines.

    def summary(self, data: dict) -> str:
        kind = data.get("type", "?")
        term = data.get("term")
        if kind == "request_vote":
            return f"request_vote term {term} last {data.get('last_log_index')}/{data.get('last_log_term')}"
        if kind == "request_vote_response":
            if "vote_granted" not in data:
                return f"request_vote_response term {term} stale-term rejection"
            return f"request_vote_response term {term} {'granted' if data['vote_granted'] else 'refused'}"
        if kind == "append_entries":
            entries = ", ".join(f"{e['term']}:{_command(e['command'])!r}" for e in data.get("entries", []))
            return (f"append_entries term {term} prev {data.get('prev_log_index')}/{data.get('prev_log_term')} "
                    f"entries [{entries}] commit {data.get('commit_index')} request {data.get('request_id')}")
        if kind == "append_entries_response":
            if "request_id" not in data:
                return f"append_entries_response term {term} stale-term rejection"
            if data.get("success"):
                return f"append_entries_response term {term} success last {data.get('last_log_index')} request {data['request_id']}"
            return f"append_entries_response term {term} failure request {data['request_id']}"
        return f"{kind} term {term}"

    def decode(self, payload: bytes) -> dict:
        """A datagram as raftos reads it (for tests and views)."""
        return self._conf["serializer"].unpack(self._conf["cryptor"].decrypt(bytes(payload)))


_ATOMIC = frozenset({type(None), bool, int, float, str, bytes, Fraction, type, types.FunctionType, types.BuiltinFunctionType})
_ATOMIC_BASES = tuple(_ATOMIC)
_MISSING = object()


def _clone(x: Any, memo: dict[int, Any]) -> Any:
    """``copy.deepcopy`` for the plain Python objects a raftos node is made of (instances with a
    ``__dict__``, dicts, lists, tuples, sets, deques, bound methods), three to four times faster;
    anything else goes to ``copy.deepcopy`` with the same memo."""
    y = memo.get(id(x), _MISSING)
    if y is not _MISSING:
        return y
    t = type(x)
    if t in _ATOMIC or isinstance(x, _ATOMIC_BASES):
        return x
    if t is dict:
        y = memo[id(x)] = {}
        for k, v in x.items():
            y[_clone(k, memo)] = _clone(v, memo)
    elif t is list:
        y = memo[id(x)] = []
        y.extend(_clone(v, memo) for v in x)
    elif t is tuple:
        y = memo[id(x)] = tuple(_clone(v, memo) for v in x)
    elif t is set:
        y = memo[id(x)] = {_clone(v, memo) for v in x}
    elif t is deque:
        y = memo[id(x)] = deque(maxlen=x.maxlen)
        y.extend(_clone(v, memo) for v in x)
    elif t is types.MethodType:
        y = memo[id(x)] = types.MethodType(x.__func__, _clone(x.__self__, memo))
    elif _plain_class(t) and hasattr(x, "__dict__"):
        y = memo[id(x)] = t.__new__(t)
        y.__dict__.update(_clone(x.__dict__, memo))
    else:
        y = _copy.deepcopy(x, memo)
    return y


_PLAIN: dict[type, bool] = {}


def _plain_class(t: type) -> bool:
    """Whether deepcopy would copy an instance of ``t`` as its ``__dict__`` alone: no slots with
    names, no copy or pickle hooks of its own."""
    plain = _PLAIN.get(t)
    if plain is None:
        plain = _PLAIN[t] = (
            all(not getattr(k, "__slots__", ()) for k in t.__mro__)
            and not hasattr(t, "__deepcopy__")
            and t.__reduce_ex__ is object.__reduce_ex__
            and t.__reduce__ is object.__reduce__
            and getattr(t, "__getstate__", object.__getstate__) is object.__getstate__
            and getattr(t, "__setstate__", None) is None
        )
    return plain


# The adapter a snapshot is being read by, for the constructors below (pickle names them by
# module and name, so they find their adapter here).
_RESTORING: list[RaftosAdapter] = []


def _reduce_config(config):
    """raftos's configuration is the process's (``copy`` shares it): named, not copied."""
    return _adapter_config, ()


def _adapter_config():
    return _RESTORING[-1]._config


def _reduce_cryptor(cryptor):
    return _adapter_cryptor, ()


def _adapter_cryptor():
    return _RESTORING[-1]._conf["cryptor"]


def _reduce_future(future):
    """A Future (a leader's ``apply_future``) as its loop and its state: nothing waits on it
    between calls (the client stopped waiting, see ``RaftosAdapter.request``), as ``copy`` assumes."""
    if future._callbacks:
        raise TypeError("a raftos Future has callbacks waiting on it between calls")
    if future.cancelled():
        return _future, (future.get_loop(), "cancelled", None)
    if future.done():
        if future.exception() is not None:
            return _future, (future.get_loop(), "failed", future.exception())
        return _future, (future.get_loop(), "done", future.result())
    return _future, (future.get_loop(), "pending", None)


def _future(loop, state, value) -> asyncio.Future:
    future = asyncio.Future(loop=loop)
    if state == "cancelled":
        future.cancel()
    elif state == "done":
        future.set_result(value)
    elif state == "failed":
        future.set_exception(value)
    return future


class _SortedSet:
    """A set of strings in a snapshot, spelled sorted: a set pickles in its iteration order,
    which for strings follows the process's string hashing."""

    def __init__(self, values) -> None:
        self.values = sorted(values, key=repr)

    def __reduce__(self):
        return set, (self.values,)


def _sorted_sets(value: Any) -> Any:
    if type(value) is set:
        return _SortedSet(value)
    if type(value) is dict and any(type(v) is set for v in value.values()):
        return {k: _SortedSet(v) if type(v) is set else v for k, v in value.items()}
    return value


def _reduce_role(role):
    """A role object (Follower, Candidate, Leader) by its attributes, its sets sorted."""
    state = {name: _sorted_sets(value) for name, value in role.__dict__.items()}
    return copyreg.__newobj__, (type(role),), state


def _nothing() -> None:
    """raftos's default election callbacks are lambdas; the adapter names its own do-nothing."""


def _command(command: Any) -> Hashable:
    if isinstance(command, dict) and list(command) == [COMMAND_KEY]:
        return command[COMMAND_KEY]
    return json.dumps(command, sort_keys=True, default=str)


def _duration(seconds: Fraction) -> str:
    """An exact duration, short where a float says it exactly."""
    as_float = float(seconds)
    return repr(as_float) if Fraction(as_float) == seconds else f"{seconds.numerator}/{seconds.denominator}"


def _plain(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"raftos state holds a {type(value).__name__}, which the key does not know")


class _Inside:
    """Around every call into a node: its loop is the running one (raftos's ``Timer`` takes
    ``asyncio.get_event_loop()``) and the one ``State`` names (raftos keeps the loop in a class
    attribute, one per process); its folder and draws are current; the configuration is the
    adapter's (raftos's is one per process). Afterwards ``State.leader``, raftos's process-wide
    record of who leads (which only its client API reads), is cleared so that no node's object
    is held outside it."""

    def __init__(self, adapter: RaftosAdapter, node: RaftosNode, call: str) -> None:
        self.adapter, self.node, self.call = adapter, node, call

    def __enter__(self) -> None:
        self.previous = asyncio.events._get_running_loop()
        asyncio.events._set_running_loop(self.node.loop)
        self.adapter._config.configure(self.adapter._conf)
        self.adapter._state.State.loop = self.node.loop
        _CURRENT.files = self.node.files
        _CURRENT.seed = f"{self.node.node_id}/{self.call}"
        _CURRENT.draws = 0

    def __exit__(self, *exc) -> None:
        _CURRENT.files = None
        self.adapter._state.State.leader = None
        self.adapter._state.State.loop = None
        asyncio.events._set_running_loop(self.previous)
