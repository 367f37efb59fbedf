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
import numbers
import os
import random
import signal
import sys
import threading
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Iterator

from attrs import evolve

from checker.impl.canonical import _seed_for, canonical, digest
from checker.impl.sandbox import MEMORY_PER_CALL, Exited, Sandbox
from checker.model.actions import (
    Action,
    ClientRequest,
    Crash,
    Cut,
    Deliver,
    Drop,
    Heal,
    Restart,
    Tick,
)
from checker.model.config import SYNC, Config, ImplTarget
from checker.model.enabling import (
    fits,
    may_crash,
    may_cut,
    may_deliver,
    may_heal,
    may_request,
    may_restart,
    may_tick,
    may_touch,
    terms_within,
)
from checker.model.invariants import ALWAYS_CHECKS, SOMETIMES_CHECKS, TRANSITION_CHECKS
from checker.model.native import Model, _Ghost
from checker.model.outcome import Violation
from checker.model.world import _message_key
from raft.log import SENTINEL, LogEntry
from raft.messages import (
    AppendEntriesRequest,
    AppendEntriesResponse,
    Message,
    RequestVoteRequest,
    RequestVoteResponse,
)
from raft.state import NodeState, Role

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




class ImplWorld:
    """One global state: the nodes (objects of the user's class), what the checker sees of them,
    the network, the faults, and the history the invariants need. Immutable by convention:
    nothing calls into a world's nodes once it exists. Equal when their fingerprints are."""

    __slots__ = (
        "objects",
        "keys",
        "nodes",
        "network",
        "payloads",
        "cut",
        "crashed",
        "requests",
        "elections",
        "committed",
        "commit_terms",
        "finding",
        "fingerprint",
        "_hash",
    )

    def __init__(
        self,
        objects: tuple[Any, ...],
        keys: tuple[str, ...],
        nodes: tuple[NodeState, ...],
        network: tuple[Message, ...],
        payloads: tuple[tuple[Any, str], ...],
        cut: frozenset[int],
        crashed: frozenset[int],
        requests: int,
        elections: frozenset[tuple[int, int]],
        committed: tuple[LogEntry, ...],
        commit_terms: tuple[int, ...],
        finding: Violation | None,
    ) -> None:
        self.objects = objects  # Node i is objects[i - 1], an instance of the user's class.
        self.keys = keys  # The canonical form of each node's attributes.
        self.nodes = nodes  # What the API shows of each node, as NodeState; voted_for and matchIndex unknown.
        self.network = network  # In flight, sorted as in checker.model.native (async only).
        self.payloads = payloads  # Aligned with network: (the dict as sent, its canonical form).
        self.cut = cut
        self.crashed = crashed
        self.requests = requests
        self.elections = elections
        self.committed = committed
        self.commit_terms = commit_terms
        self.finding = finding  # An implementation failure (or a broken API contract) in reaching this world.
        parts = [
            "|".join(keys),
            repr(network),
            "|".join(text for _, text in payloads),
            repr((sorted(cut), sorted(crashed), requests, sorted(elections), committed, commit_terms)),
            repr(finding),
        ]
        self.fingerprint = digest("\n".join(parts))
        self._hash = int.from_bytes(self.fingerprint, "big")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ImplWorld) and self.fingerprint == other.fingerprint

    def node(self, node_id: int) -> NodeState:
        return self.nodes[node_id - 1]

    def reachable(self, node_id: int) -> bool:
        return node_id not in self.cut and node_id not in self.crashed


class _CallFailed(Exception):
    """Raised inside a step when the implementation fails; the step ends there."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.violation = Violation(kind, message)


class _TimedOut(BaseException):
    """Raised by the alarm inside a call that has run too long; a BaseException, so that the
    implementation's own ``except Exception`` cannot swallow it."""


def _raise_timed_out(signum, frame) -> None:
    raise _TimedOut()


class ImplModel:
    """A configuration with ``impl`` set, made executable: initial world, enabled actions, next world."""

    def __init__(self, config: Config) -> None:
        if config.impl is None:
            raise ValueError("ImplModel needs a configuration with an --impl target")
        self.config = config
        self.impl: ImplTarget = config.impl
        self.cls = load_class(self.impl.target)
        # No crashes unless the user said what survives one.
        self.bounds = config.bounds if self.impl.persistent else evolve(config.bounds, max_crashed=0)
        self.ids = config.node_ids
        self.sync = config.network == SYNC
        self.always = [i for i in ALWAYS_CHECKS if i.name in SURFACE]
        self.transition = [i for i in TRANSITION_CHECKS if i.name in SURFACE]
        self._timer = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        self._in_call = False
        module = sys.modules.get(self.cls.__module__)
        self._files = {os.path.abspath(f) for f in (getattr(module, "__file__", None),) if f}
        self._sandbox = Sandbox(self.cls)
        self._own = os.path.dirname(os.path.abspath(__file__))

    @property
    def checked(self) -> list[str]:
        """The invariants this model checks, in the registry's order."""
        return [i.name for i in self.always + self.transition]

    # --- Stateright's three parts --------------------------------------------------------

    def initial(self) -> ImplWorld:
        """Every node is made by the class's constructor; nothing is in flight."""
        s = _Step(self, None)
        try:
            s.run(s.construct_all)
        except _CallFailed as f:
            return s.finish(f.violation)
        return s.finish()

    def actions(self, w: ImplWorld) -> Iterator[Action]:
        """The actions to try in ``w``, in the native model's fixed order (``checker.model.native.Model.actions``
        reads only what an ImplWorld also has); none after a failure."""
        if w.finding is not None:
            return iter(())
        return Model.actions(self, w)

    def step(self, w: ImplWorld, a: Action) -> ImplWorld | None:
        """The world after ``a``, or None where ``a`` is disabled in ``w``."""
        if w.finding is not None:
            return None
        b = self.bounds
        # Whether ``a`` is enabled is decided by the guards the native model uses too
        # (``checker.model.enabling``), on what the API's surface shows; only the effect is this
        # model's own: calls into the user's class.
        s = _Step(self, w)
        if isinstance(a, Tick):
            i = a.node
            if not may_tick(w, i, b):
                return None
            action: Callable[[], None] = lambda: s.tick(i)
        elif isinstance(a, ClientRequest):
            i = a.node
            if not may_request(w, i, b):
                return None
            action = lambda: s.client_request(i)
        elif isinstance(a, Cut):
            if not may_cut(w, a.node, b):
                return None
            s.cut = w.cut | {a.node}
            return s.finish()
        elif isinstance(a, Heal):
            if not may_heal(w, a.node):
                return None
            s.cut = w.cut - {a.node}
            return s.finish()
        elif isinstance(a, Crash):
            if not may_crash(w, a.node, b):
                return None
            s.crashed = w.crashed | {a.node}
            return s.finish()
        elif isinstance(a, Restart):
            if not may_restart(w, a.node):
                return None
            s.crashed = w.crashed - {a.node}
            action = lambda: s.restart(a.node)
        else:
            m = a.message
            if isinstance(a, Deliver):
                if not may_deliver(w, m, self.sync):
                    return None
                action = lambda: s.deliver(m)
            elif not may_touch(w, m, self.sync):
                return None
            else:
                if isinstance(a, Drop):
                    s.remove(m)
                else:
                    k = w.network.index(m)
                    s.enqueue([(m, *w.payloads[k])])
                return s.finish() if fits(s.network, b) else None
        try:
            s.run(action)
        except _CallFailed as f:
            return s.finish(f.violation)
        if not terms_within(s.nodes, b):
            return None  # A state constraint: terms beyond the bound are not explored.
        if not fits(s.network, b):
            return None
        return s.finish()

    def step_events(self, w: ImplWorld, a: Action) -> tuple[ImplWorld | None, tuple]:
        """``step``; what happens inside a step is not recorded for a user's class."""
        return self.step(w, a), ()

    # --- The checks ------------------------------------------------------------------------

    @property
    def sometimes(self) -> list[tuple[str, Callable[[ImplWorld], bool]]]:
        """The sometimes properties, judged from the surface like the always ones."""
        return [(p.name, p.check) for p in SOMETIMES_CHECKS]

    def check_world(self, w: ImplWorld) -> Violation | None:
        """The implementation failure that produced ``w``, or the first surface invariant it breaks."""
        if w.finding is not None:
            return w.finding
        for inv in self.always:
            message = inv.check(w)
            if message is not None:
                return Violation(inv.name, message)
        return None

    def check_step(self, before: ImplWorld, action: Action, after: ImplWorld) -> Violation | None:
        """The implementation failure in the step, or the first surface transition invariant it breaks."""
        if after.finding is not None:
            return after.finding
        for inv in self.transition:
            message = inv.check(before, action, after)
            if message is not None:
                return Violation(inv.name, message)
        return None

    # --- Calling into the implementation -----------------------------------------------------

    def call(self, node_id: int, what: str, fn: Callable[[], Any], seed: str | None) -> Any:
        """``fn()``, which calls the implementation; a failure becomes ``_CallFailed``. With ``seed``
        (the method's name), the module ``random`` is seeded first."""
        if seed is not None:
            random.seed(_seed_for(node_id, seed))
        limit = self.impl.call_timeout
        timed = self._timer and limit > 0
        try:
            self._sandbox.enter()
            if timed:
                self._in_call = True
                signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                result = fn()
            finally:
                if timed:
                    self._in_call = False
                    signal.setitimer(signal.ITIMER_REAL, 0)
                self._sandbox.leave()
        except KeyboardInterrupt:
            raise
        except _TimedOut:
            # Where the alarm caught it is left out: in a loop that varies from run to run.
            raise _CallFailed("timeout", f"node {node_id}'s {what} did not return within {limit:g} s") from None
        except Exited as e:
            raise _CallFailed("exception", f"node {node_id}'s {what} called {e.how}, which would have ended the checker") from None
        except MemoryError:
            raise _CallFailed("memory", f"node {node_id}'s {what} allocated more than {MEMORY_PER_CALL / 2**20:,.0f} MiB") from None
        except BaseException as e:
            frames = self._user_frames(e.__traceback__)
            at = "; ".join(f"{_shown_path(f.filename)}:{f.lineno} in {f.name}: {(f.line or '').strip()}" for f in frames[-3:])
            raise _CallFailed(
                "exception", f"node {node_id}'s {what} raised {_exception_line(e)}" + (f" (at {at})" if at else "")
            ) from None
        shared = self._sandbox.changed()
        if shared:
            raise _CallFailed(
                "hidden_state",
                f"node {node_id}'s {what} changed {', '.join(shared)}: module and class variables are shared by every "
                "node and every state, not part of a node; keep a node's state on the node",
            )
        if self._sandbox.unrepeatable is not None:
            raise _CallFailed(
                "nondeterministic",
                f"node {node_id}'s {what} {self._sandbox.unrepeatable}: its result differs from run to run; "
                "use the elapsed time tick() is given and the module-level random, which raftcheck seeds",
            )
        return result

    def _alarm(self, signum, frame) -> None:
        if self._in_call:
            raise _TimedOut()

    def _user_frames(self, tb) -> list[traceback.FrameSummary]:
        """The traceback's frames outside raftcheck's checker package: the implementation's own."""
        frames = traceback.extract_tb(tb)
        own = [f for f in frames if os.path.dirname(os.path.abspath(f.filename)) != self._own]
        theirs = [f for f in own if os.path.abspath(f.filename) in self._files]
        return theirs or own


def _exception_line(e: BaseException) -> str:
    text = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def _shown_path(filename: str) -> str:
    """A frame's file as the user would name it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(filename)
    except ValueError:
        return filename
    return filename if rel.startswith("..") else rel


def _entries_text(entries: Any) -> str:
    try:
        return "[" + ", ".join(f"{e.term}:{e.command!r}" for e in entries) + "]"
    except Exception:
        return "<entries>"


def _int(value: Any) -> bool:
    """A whole number, not a bool (the API's terms and indexes)."""
    if type(value) is int:
        return value >= 0
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0


class _Step:
    """The working copy of one step: nodes copied when first touched, the network, the ghost."""

    def __init__(self, model: ImplModel, w: ImplWorld | None) -> None:
        self.model = model
        self.impl = model.impl
        n = len(model.ids)
        if w is None:
            self.objects: list[Any] = [None] * n
            self.keys: list[str] = [""] * n
            self.nodes: list[NodeState] = [NodeState(id=i, peers=self._peers(i)) for i in model.ids]
            self.network: list[tuple[Message, Any, str]] = []
            self.cut: frozenset[int] = frozenset()
            self.crashed: frozenset[int] = frozenset()
            self.requests = 0
            self.ghost = _Ghost.__new__(_Ghost)
            self.ghost.elections, self.ghost.committed, self.ghost.commit_terms = frozenset(), (), ()
        else:
            self.objects = list(w.objects)
            self.keys = list(w.keys)
            self.nodes = list(w.nodes)
            self.network = [(m, p, t) for m, (p, t) in zip(w.network, w.payloads)]
            self.cut, self.crashed, self.requests = w.cut, w.crashed, w.requests
            self.ghost = _Ghost(w)
        self.touched: set[int] = set()

    def _peers(self, i: int) -> list[int]:
        return [p for p in self.model.ids if p != i]

    def run(self, action: Callable[[], None]) -> None:
        """Run ``action`` with the alarm installed and the module ``random``'s state put back after."""
        saved = random.getstate()
        previous = signal.signal(signal.SIGALRM, self.model._alarm) if self.model._timer else None
        try:
            action()
        finally:
            if self.model._timer:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
            random.setstate(saved)

    def finish(self, finding: Violation | None = None) -> ImplWorld:
        for i in self.touched:
            self.keys[i - 1] = canonical(self.objects[i - 1])
        self.network.sort(key=lambda x: (_message_key(x[0]), x[2]))
        return ImplWorld(
            objects=tuple(self.objects),
            keys=tuple(self.keys),
            nodes=tuple(self.nodes),
            network=tuple(m for m, _, _ in self.network),
            payloads=tuple((p, t) for _, p, t in self.network),
            cut=self.cut,
            crashed=self.crashed,
            requests=self.requests,
            elections=self.ghost.elections,
            committed=self.ghost.committed,
            commit_terms=self.ghost.commit_terms,
            finding=finding,
        )

    def node(self, i: int) -> Any:
        """Node i's object for this step: a deep copy of the world's, made on first touch."""
        if i not in self.touched:
            try:
                self.objects[i - 1] = copy.deepcopy(self.objects[i - 1])
            except Exception as e:
                raise _CallFailed("exception", f"node {i} cannot be copied with copy.deepcopy: {_exception_line(e)}") from None
            self.touched.add(i)
        return self.objects[i - 1]

    def call(self, i: int, method: str, *args: Any, shown: str | None = None) -> Any:
        """Node i's ``method(*args)``, then what the API shows of node i afterwards."""
        obj = self.node(i)
        what = f"{method}({shown if shown is not None else ', '.join(map(repr, args))})"
        result = self.model.call(i, what, lambda: getattr(obj, method)(*args), seed=method)
        self.observe(i)
        return result

    # --- The actions -----------------------------------------------------------------------

    def construct_all(self) -> None:
        for i in self.model.ids:
            self.construct(i)
            self.observe(i)

    def construct(self, i: int) -> Any:
        low_high = self.impl.election_timeout_range
        what = f"constructor {self.model.cls.__name__}({i}, {self._peers(i)}, {low_high})"
        obj = self.model.call(i, what, lambda: self.model.cls(i, self._peers(i), low_high), seed="__init__")
        self.objects[i - 1] = obj
        self.touched.add(i)
        return obj

    def tick(self, i: int) -> None:
        sent = self.call(i, "tick", self.impl.tick_ms)
        messages = self.messages(i, sent)
        if self.model.sync:
            self.exchange(messages)
        else:
            self.enqueue(self.reachable_only(messages))

    def client_request(self, i: int) -> None:
        self.requests += 1
        reply = self.call(i, "client_request", self.requests)
        what = f"node {i}'s client_request({self.requests})"
        self.reply_fields(reply, what, (("success", bool), ("entry", None), ("error", None)))

    def restart(self, i: int) -> None:
        """A crashed node restarts: a new object, given the persistent attributes of the old one."""
        old = self.objects[i - 1]
        obj = self.construct(i)
        for name in self.impl.persistent:
            value = copy.deepcopy(getattr(old, name))
            self.model.call(i, f"restoring {name} after a restart", lambda: setattr(obj, name, value), seed=None)
        self.observe(i)

    def exchange(self, messages: list[tuple[Message, dict]]) -> None:
        """The seed's synchronous harness: each message, then its reply, is handled at once;
        anything from or to a node cut off or crashed is lost."""
        for m, payload in messages:
            if m.source in self.cut or m.dest in self.cut or m.dest in self.crashed:
                continue
            reply = self.handle_request(m, payload)
            self.handle_response(reply, payload)

    def deliver(self, m: Message) -> None:
        k = next(k for k, (x, _, _) in enumerate(self.network) if x == m)
        _, payload, _ = self.network.pop(k)
        payload = copy.deepcopy(payload)  # The bag's copy belongs to the world before.
        if isinstance(m, (RequestVoteRequest, AppendEntriesRequest)):
            reply = self.handle_request(m, payload)
            self.enqueue(self.reachable_only([reply]))
        else:
            self.handle_response((m, payload), None)

    def remove(self, m: Message) -> None:
        k = next(k for k, (x, _, _) in enumerate(self.network) if x == m)
        del self.network[k]

    def enqueue(self, messages: list[tuple[Message, Any]] | list[tuple[Message, Any, str]]) -> None:
        for item in messages:
            m, payload = item[0], item[1]
            text = item[2] if len(item) == 3 else canonical(payload)
            self.network.append((m, payload, text))

    def reachable_only(self, messages: list[tuple[Message, Any]]) -> list[tuple[Message, Any]]:
        return [
            (m, p) for m, p in messages if m.source not in self.cut and m.dest not in self.cut and m.dest not in self.crashed
        ]

    def handle_request(self, m: Message, payload: dict) -> tuple[Message, dict]:
        """The receiver handles a request; its reply, checked, as a message back."""
        j = m.dest
        if isinstance(m, RequestVoteRequest):
            args = (m.source, payload["term"], payload["last_log_index"], payload["last_log_term"])
            shown = f"candidate_id={m.source}, candidate_term={m.term}, last_log_index={m.last_log_index}, last_log_term={m.last_log_term}"
            reply = self.call(j, "handle_request_vote", *args, shown=shown)
            what = f"node {j}'s handle_request_vote({shown})"
            term, granted = self.reply_fields(reply, what, (("term", int), ("vote_granted", bool)))
            return RequestVoteResponse(term, j, m.source, granted), copy.deepcopy(reply)
        args = (
            m.source,
            payload["term"],
            payload["prev_log_index"],
            payload["prev_log_term"],
            payload["entries"],
            payload["leader_commit"],
        )
        shown = (
            f"leader_id={m.source}, leader_term={m.term}, prev_log_index={m.prev_log_index}, "
            f"prev_log_term={m.prev_log_term}, entries={_entries_text(m.entries)}, leader_commit={m.leader_commit}"
        )
        reply = self.call(j, "handle_append_entries", *args, shown=shown)
        what = f"node {j}'s handle_append_entries({shown})"
        term, success, match = self.reply_fields(reply, what, (("term", int), ("success", bool), ("match_index", int)))
        return AppendEntriesResponse(term, j, m.source, success, match), copy.deepcopy(reply)

    def handle_response(self, reply: tuple[Message, dict], request: dict | None) -> None:
        r, _ = reply
        if isinstance(r, RequestVoteResponse):
            shown = f"from_id={r.source}, term={r.term}, vote_granted={r.vote_granted}"
            self.call(r.dest, "handle_vote_response", r.source, r.term, r.vote_granted, shown=shown)
        else:
            shown = f"from_id={r.source}, term={r.term}, success={r.success}, match_index={r.match_index}"
            self.call(r.dest, "handle_append_response", r.source, r.term, r.success, r.match_index, shown=shown)

    # --- Checking what comes back ------------------------------------------------------------

    def reply_fields(self, reply: Any, what: str, fields: tuple[tuple[str, Any], ...]) -> tuple[Any, ...]:
        if not isinstance(reply, Mapping):
            raise _CallFailed("malformed_reply", f"{what} returned {_brief(reply)}, not a dict")
        values = []
        for key, kind in fields:
            if key not in reply:
                raise _CallFailed("malformed_reply", f"{what} returned a dict without {key!r}: {_brief(reply)}")
            value = reply[key]
            if kind is bool and not isinstance(value, bool):
                raise _CallFailed("malformed_reply", f"{what} returned {key}={_brief(value)}, not True or False")
            if kind is int and not _int(value):
                raise _CallFailed("malformed_reply", f"{what} returned {key}={_brief(value)}, not a whole number")
            values.append(value)
        return tuple(values)

    def messages(self, i: int, sent: Any) -> list[tuple[Message, dict]]:
        """The messages node i's tick returned, checked and deep-copied as a network would."""
        what = f"node {i}'s tick({self.impl.tick_ms})"
        if not isinstance(sent, (list, tuple)):
            raise _CallFailed("malformed_message", f"{what} returned {_brief(sent)}, not a list of message dicts")
        try:
            sent = copy.deepcopy(list(sent))
        except Exception as e:
            raise _CallFailed("malformed_message", f"{what} returned messages that cannot be copied: {_exception_line(e)}") from None
        out = []
        peers = self._peers(i)
        for k, d in enumerate(sent):
            where = f"{what} returned a message (#{k + 1})"
            if not isinstance(d, Mapping):
                raise _CallFailed("malformed_message", f"{where} that is {_brief(d)}, not a dict")
            for key in ("type", "from", "to", "term"):
                if key not in d:
                    raise _CallFailed("malformed_message", f"{where} without {key!r}: {_brief(d)}")
            kind = d["type"]
            if kind not in ("request_vote", "append_entries"):
                raise _CallFailed("malformed_message", f"{where} of type {kind!r}, not 'request_vote' or 'append_entries'")
            if d["from"] != i:
                raise _CallFailed("malformed_message", f"{where} from {d['from']!r}, not from {i}")
            if d["to"] not in peers:
                raise _CallFailed("malformed_message", f"{where} to {d['to']!r}, not to one of its peers {peers}")
            names = ("term", "last_log_index", "last_log_term") if kind == "request_vote" else (
                "term", "prev_log_index", "prev_log_term", "leader_commit")
            for key in names:
                if key not in d:
                    raise _CallFailed("malformed_message", f"{where} of type {kind} without {key!r}: {_brief(d)}")
                if not _int(d[key]):
                    raise _CallFailed("malformed_message", f"{where} with {key}={_brief(d[key])}, not a whole number")
            if kind == "request_vote":
                out.append((RequestVoteRequest(d["term"], i, d["to"], d["last_log_index"], d["last_log_term"]), d))
                continue
            if "entries" not in d:
                raise _CallFailed("malformed_message", f"{where} of type append_entries without 'entries': {_brief(d)}")
            entries = self.entries(d["entries"], f"{where} with entries")
            m = AppendEntriesRequest(d["term"], i, d["to"], d["prev_log_index"], d["prev_log_term"], entries, d["leader_commit"])
            out.append((m, d))
        return out

    def entries(self, raw: Any, where: str, kind: str = "malformed_message") -> tuple[LogEntry, ...]:
        if not isinstance(raw, (list, tuple)):
            raise _CallFailed(kind, f"{where} {_brief(raw)}, not a list of log entries")
        out = []
        for e in raw:
            term, index = getattr(e, "term", None), getattr(e, "index", None)
            if not (_int(term) and _int(index) and hasattr(e, "command")):
                raise _CallFailed(kind, f"{where} holding {_brief(e)}, not an entry with whole-number .term and .index and a .command")
            command = e.command
            try:
                hash(command)
            except TypeError:
                command = canonical(command)
            out.append(LogEntry(term=int(term), index=int(index), command=command))
        return tuple(out)

    def observe(self, i: int) -> None:
        """Read node i through the API's surface, check it is what the API documents, and let
        the ghost see it (elections won, entries known committed)."""
        obj = self.objects[i - 1]
        # One time limit for the five reads: they are many, and each is small.
        role, term, commit, log, committed = self.model.call(
            i,
            "API surface (state, current_term, commit_index, get_log(), get_committed_entries())",
            lambda: (obj.state, obj.current_term, obj.commit_index, obj.get_log(), obj.get_committed_entries()),
            seed=None,
        )
        if role not in ROLES:
            raise _CallFailed("malformed_state", f"node {i}'s state is {_brief(role)}, not 'follower', 'candidate' or 'leader'")
        for name, value in (("current_term", term), ("commit_index", commit)):
            if not _int(value):
                raise _CallFailed("malformed_state", f"node {i}'s {name} is {_brief(value)}, not a whole number")
        entries = _without_sentinel(self.entries(log, f"node {i}'s get_log() returned", "malformed_state"))
        done = _without_sentinel(self.entries(committed, f"node {i}'s get_committed_entries() returned", "malformed_state"))
        if done != entries[:commit]:
            raise _CallFailed(
                "malformed_state",
                f"node {i}'s get_committed_entries() returned {_entries_text(done)}, not the entries of its log "
                f"up to commit_index {commit} ({_entries_text(entries[:commit])})",
            )
        view = NodeState(
            id=i, peers=tuple(self._peers(i)), current_term=int(term), log=(SENTINEL,) + entries,
            role=ROLES[role], commit_index=int(commit),
        )
        self.nodes[i - 1] = self.ghost.observe(view)


def _without_sentinel(entries: tuple[LogEntry, ...]) -> tuple[LogEntry, ...]:
    """The log without a sentinel at index 0, if the implementation shows one."""
    return entries[1:] if entries and entries[0].index == 0 else entries


def _brief(value: Any) -> str:
    """A short, stable description of a value from the implementation."""
    if value is None or isinstance(value, (bool, int, float, str)):
        text = repr(value)
    elif isinstance(value, Mapping):
        keys = ", ".join(sorted(repr(k) for k in value))
        text = f"a dict with keys {{{keys}}}"
    else:
        text = f"a {type(value).__name__}"
    return text if len(text) <= 120 else text[:117] + "..."


# --- Driving the explorer ------------------------------------------------------------------


