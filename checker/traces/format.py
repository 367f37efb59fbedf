"""Counterexample traces: versioned JSON files that replay without the engine that found them.

A trace holds the configuration, the actions, and the recorded outcome. Files are written
atomically under a name derived from their content, and never replace a different trace.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import signal
import tempfile
import threading
from pathlib import Path
from typing import Any, Iterator

from attrs import frozen

from checker.model.actions import (
    Action,
    ClientRequest,
    Crash,
    Cut,
    Deliver,
    Drop,
    Duplicate,
    Heal,
    Packet,
    Restart,
    Tick,
)
from checker.model.config import NETWORKS, Bounds, Config, ImplTarget
from checker.model.invariants import REGISTRY
from checker.model.outcome import FINDINGS, Outcome, Violation, outcome_for
from checker.model.variants import VARIANTS
from raft.log import LogEntry
from raft.messages import (
    AppendEntriesRequest,
    AppendEntriesResponse,
    Message,
    RequestVoteRequest,
    RequestVoteResponse,
)

FORMAT = "raftcheck-trace"
VERSION = 1


class TraceError(ValueError):
    """A file that is not a valid trace; the message says which file and what is wrong."""


@frozen
class Trace:
    config: Config
    actions: tuple[Action, ...]
    outcome: Outcome
    engine: str = "explore"


class Verdict:
    """What a search's result says, read off its ``config``, ``violation`` and ``trace``
    (shared by explore's and fuzz's results; ``ENGINE`` names the engine in the trace)."""

    ENGINE = ""
    config: Config
    violation: Violation | None
    trace: tuple[Action, ...] | None

    @property
    def bounds(self) -> Bounds:
        return self.config.bounds

    @property
    def verdict(self) -> str:
        """``"clean"``, ``"violation"`` or ``"error"`` (the implementation failed)."""
        return "clean" if self.violation is None else outcome_for(self.violation, 0).result

    @property
    def invariant(self) -> str | None:
        return None if self.violation is None else self.violation.invariant

    @property
    def counterexample(self) -> Trace | None:
        """The counterexample as a trace, ready for ``replay`` or ``save_trace``; None when clean."""
        if self.violation is None:
            return None
        return Trace(self.config, self.trace, outcome_for(self.violation, len(self.trace)), self.ENGINE)


# --- Encoding ------------------------------------------------------------------------------

_NODE_ACTIONS = {
    "tick": Tick,
    "request": ClientRequest,
    "cut": Cut,
    "heal": Heal,
    "crash": Crash,
    "restart": Restart,
}
_MESSAGE_ACTIONS = {"deliver": Deliver, "drop": Drop, "duplicate": Duplicate}
_ACTION_NAMES = {cls: name for name, cls in {**_NODE_ACTIONS, **_MESSAGE_ACTIONS}.items()}

_MESSAGE_TYPES = {
    "request_vote": (RequestVoteRequest, ("last_log_index", "last_log_term")),
    "request_vote_response": (RequestVoteResponse, ("vote_granted",)),
    "append_entries": (AppendEntriesRequest, ("prev_log_index", "prev_log_term", "entries", "leader_commit")),
    "append_entries_response": (AppendEntriesResponse, ("success", "match_index")),
}
_MESSAGE_NAMES = {cls: name for name, (cls, _) in _MESSAGE_TYPES.items()}


def message_to_json(m: Message | Packet) -> dict[str, Any]:
    if isinstance(m, Packet):
        # A message of an implementation behind an adapter: its words, and a digest of its payload.
        return {"type": "packet", "from": m.source, "to": m.dest, "summary": m.summary, "payload": m.payload}
    out: dict[str, Any] = {"type": _MESSAGE_NAMES[type(m)], "from": m.source, "to": m.dest, "term": m.term}
    for name in _MESSAGE_TYPES[out["type"]][1]:
        value = getattr(m, name)
        out[name] = [[e.term, e.index, e.command] for e in value] if name == "entries" else value
    return out


def action_to_json(a: Action) -> dict[str, Any]:
    name = _ACTION_NAMES[type(a)]
    if isinstance(a, (Deliver, Drop, Duplicate)):
        return {"action": name, "message": message_to_json(a.message)}
    return {"action": name, "node": a.node}


def config_to_json(c: Config) -> dict[str, Any]:
    b = c.bounds
    return {
        "nodes": c.nodes,
        "network": c.network,
        "variant": c.variant,
        "impl": impl_to_json(c.impl) if c.impl is not None else None,
        "seed": c.seed,
        "bounds": {
            "max_term": b.max_term,
            "max_requests": b.max_requests,
            "max_in_flight": b.max_in_flight,
            "max_cut": b.max_cut,
            "max_crashed": b.max_crashed,
            "max_depth": b.max_depth,
        },
    }


def impl_to_json(impl: ImplTarget) -> dict[str, Any]:
    out: dict[str, Any] = {
        "target": impl.target,
        "persistent": list(impl.persistent),
        "call_timeout": impl.call_timeout,
        "election_timeout_range": list(impl.election_timeout_range),
    }
    if impl.library is not None:
        # A library from the package index: which release, so that replay fetches it again.
        out["library"], out["version"] = impl.library, impl.version
    if impl.settings or impl.library is not None:
        out["settings"] = dict(impl.settings)
    if impl.skip:
        out["skip"] = list(impl.skip)  # Only when set: traces without it read as before.
    if impl.check_determinism:
        out["check_determinism"] = True  # Likewise.
    return out


def outcome_to_json(o: Outcome) -> dict[str, Any]:
    if o.result == "error":
        # An implementation failure is not an invariant: its kind is named as a "finding".
        return {"result": o.result, "finding": o.invariant, "invariant": None, "step": o.step, "message": o.message}
    return {"result": o.result, "invariant": o.invariant, "step": o.step, "message": o.message}


def trace_to_json(t: Trace) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "engine": t.engine,
        "config": config_to_json(t.config),
        "actions": [action_to_json(a) for a in t.actions],
        "outcome": outcome_to_json(t.outcome),
    }


def dumps(t: Trace) -> str:
    """The file's text: stable key order, one action a line, so diffs and eyes can follow it."""
    doc = trace_to_json(t)
    actions = doc.pop("actions")
    head = json.dumps(doc, indent=2)
    lines = ",\n".join("    " + json.dumps(a) for a in actions)
    body = f'  "actions": [\n{lines}\n  ]' if actions else '  "actions": []'
    return head[:-2] + ",\n" + body + "\n}\n"


# --- Decoding, strictly --------------------------------------------------------------------


class _Bad(Exception):
    pass


def _get(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(obj, dict):
        raise _Bad(f"{where} must be an object")
    if key not in obj:
        raise _Bad(f"{where} lacks {key!r}")
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        raise _Bad(f"{where}.{key} must be {_kind_name(kinds)}, not {value!r}")
    if not isinstance(value, kinds):
        raise _Bad(f"{where}.{key} must be {_kind_name(kinds)}, not {value!r}")
    return value


def _kind_name(kinds: tuple[type, ...]) -> str:
    names = {int: "an integer", str: "a string", bool: "true or false", list: "a list", dict: "an object", type(None): "null"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _nonneg(obj: Any, key: str, where: str) -> int:
    value = _get(obj, key, int, where)
    if value < 0:
        raise _Bad(f"{where}.{key} must not be negative, not {value}")
    return value


def config_from_json(doc: Any) -> Config:
    where = "config"
    nodes = _get(doc, "nodes", int, where)
    if not 1 <= nodes <= 9:
        raise _Bad(f"config.nodes must be between 1 and 9, not {nodes}")
    network = _get(doc, "network", str, where)
    if network not in NETWORKS:
        raise _Bad(f"config.network must be one of {', '.join(NETWORKS)}, not {network!r}")
    variant = _get(doc, "variant", str, where)
    if variant not in VARIANTS:
        raise _Bad(f"config.variant {variant!r} is not a known variant")
    raw_impl = _get(doc, "impl", (dict, type(None)), where)
    impl = impl_from_json(raw_impl) if raw_impl is not None else None
    seed = _get(doc, "seed", int, where)
    b = _get(doc, "bounds", dict, where)
    depth = _get(b, "max_depth", (int, type(None)), "config.bounds")
    if depth is not None and depth < 0:
        raise _Bad(f"config.bounds.max_depth must not be negative, not {depth}")
    bounds = Bounds(
        max_term=_nonneg(b, "max_term", "config.bounds"),
        max_requests=_nonneg(b, "max_requests", "config.bounds"),
        max_in_flight=_nonneg(b, "max_in_flight", "config.bounds"),
        max_cut=_nonneg(b, "max_cut", "config.bounds"),
        max_crashed=_nonneg(b, "max_crashed", "config.bounds"),
        max_depth=depth,
    )
    return Config(nodes=nodes, network=network, variant=variant, bounds=bounds, seed=seed, impl=impl)


def impl_from_json(doc: Any) -> ImplTarget:
    where = "config.impl"
    target = _get(doc, "target", str, where)
    persistent = _get(doc, "persistent", list, where)
    if not all(isinstance(p, str) and p.isidentifier() for p in persistent):
        raise _Bad(f"{where}.persistent must be a list of attribute names")
    timeout = _get(doc, "call_timeout", (int, float), where)
    if not timeout > 0:
        raise _Bad(f"{where}.call_timeout must be a positive number of seconds, not {timeout}")
    low_high = _get(doc, "election_timeout_range", list, where)
    if not (len(low_high) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in low_high) and 0 < low_high[0] <= low_high[1]):
        raise _Bad(f"{where}.election_timeout_range must be [low, high], whole milliseconds with 0 < low <= high")
    settings = doc.get("settings", {})
    if not (isinstance(settings, dict) and all(isinstance(v, str) for v in settings.values())):
        raise _Bad(f"{where}.settings must be an object of strings (the --impl-conf KEY=VALUE settings)")
    if ":" not in target:
        library, _, version = target.partition("==")
        if not version:
            raise _Bad(f"{where}.target {target!r} must name a class (path.py:Class) or a library release (NAME==VERSION)")
        # library, version and settings are written with every library target (impl_to_json),
        # so they are read as strictly as the rest: a damaged one is refused, not defaulted.
        if _get(doc, "library", str, where) != library or _get(doc, "version", str, where) != version:
            raise _Bad(f"{where}.library and version must be those of the target {target!r}")
        _get(doc, "settings", dict, where)
    skip = doc.get("skip", [])
    known = {i.name for i in REGISTRY}
    if not (isinstance(skip, list) and all(isinstance(n, str) and n in known for n in skip) and skip == sorted(set(skip))):
        raise _Bad(f"{where}.skip must be a sorted list of known invariants without repeats (the --impl-skip names)")
    twice = doc.get("check_determinism", False)
    if not isinstance(twice, bool):
        raise _Bad(f"{where}.check_determinism must be true or false (--check-determinism)")
    return ImplTarget(
        target, tuple(persistent), float(timeout), (low_high[0], low_high[1]), tuple(sorted(settings.items())), tuple(skip),
        check_determinism=twice,
    )


def message_from_json(doc: Any, where: str) -> Message | Packet:
    kind = _get(doc, "type", str, where)
    if kind == "packet":
        payload = _get(doc, "payload", str, where)
        if not re.fullmatch(r"[0-9a-f]{16}", payload):
            raise _Bad(f"{where}.payload must be 16 hexadecimal digits, not {payload!r}")
        return Packet(_nonneg(doc, "from", where), _nonneg(doc, "to", where), _get(doc, "summary", str, where), payload)
    if kind not in _MESSAGE_TYPES:
        raise _Bad(f"{where}.type {kind!r} is not a message type")
    cls, fields = _MESSAGE_TYPES[kind]
    values: dict[str, Any] = {
        "term": _nonneg(doc, "term", where),
        "source": _nonneg(doc, "from", where),
        "dest": _nonneg(doc, "to", where),
    }
    for name in fields:
        if name in ("vote_granted", "success"):
            values[name] = _get(doc, name, bool, where)
        elif name == "entries":
            raw = _get(doc, name, list, where)
            entries = []
            for k, e in enumerate(raw):
                if not (isinstance(e, list) and len(e) == 3 and all(isinstance(x, int) and not isinstance(x, bool) for x in e)):
                    raise _Bad(f"{where}.entries[{k}] must be [term, index, command], three integers")
                entries.append(LogEntry(term=e[0], index=e[1], command=e[2]))
            values[name] = tuple(entries)
        else:
            values[name] = _nonneg(doc, name, where)
    return cls(**values)


def action_from_json(doc: Any, where: str, nodes: int) -> Action:
    name = _get(doc, "action", str, where)
    if name in _NODE_ACTIONS:
        node = _get(doc, "node", int, where)
        if not 1 <= node <= nodes:
            raise _Bad(f"{where}.node must be between 1 and {nodes}, not {node}")
        return _NODE_ACTIONS[name](node)
    if name in _MESSAGE_ACTIONS:
        return _MESSAGE_ACTIONS[name](message_from_json(_get(doc, "message", dict, where), f"{where}.message"))
    raise _Bad(f"{where}.action {name!r} is not an action")


def outcome_from_json(doc: Any) -> Outcome:
    result = _get(doc, "result", str, "outcome")
    if result not in ("violation", "error", "clean"):
        raise _Bad(f"outcome.result must be 'violation', 'error' or 'clean', not {result!r}")
    invariant = _get(doc, "invariant", (str, type(None)), "outcome")
    step = _get(doc, "step", (int, type(None)), "outcome")
    message = _get(doc, "message", (str, type(None)), "outcome")
    if result == "error":
        finding = _get(doc, "finding", str, "outcome")
        if finding not in FINDINGS:
            raise _Bad(f"outcome.finding {finding!r} is not a kind of implementation failure ({', '.join(FINDINGS)})")
        if step is None:
            raise _Bad("outcome of an error must name its step")
        return Outcome(result=result, invariant=finding, step=step, message=message)
    if result == "violation":
        if invariant is None or step is None:
            raise _Bad("outcome of a violation must name its invariant and step")
        if invariant not in {i.name for i in REGISTRY}:
            raise _Bad(f"outcome.invariant {invariant!r} is not a known invariant")
    return Outcome(result=result, invariant=invariant, step=step, message=message)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a name given twice: which of the two a reader takes is not fixed
    (RFC 8259, section 4), so a trace with one says two things and is rejected, not guessed at."""
    doc = dict(pairs)
    if len(doc) < len(pairs):
        seen: set[str] = set()
        twice = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise ValueError(f"the name {twice!r} appears twice in one object")
    return doc


def _no_constant(name: str) -> Any:
    """NaN and Infinity are not JSON (Python's parser takes them); no trace field may be one."""
    raise ValueError(f"{name} is not a JSON number")


def loads(text: str) -> Trace:
    """Parse a trace; raises ``_Bad`` with what is wrong."""
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise _Bad(f"not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
    except RecursionError:
        # A hand-edited file nested thousands of levels deep: no trace is, and the parser would overflow.
        raise _Bad("not a raftcheck trace (JSON nested too deeply)") from None
    except ValueError as e:  # A number of more than 4,300 digits, which Python will not convert; or _no_duplicates.
        raise _Bad(f"not a raftcheck trace ({e})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise _Bad(f"not a raftcheck trace (no \"format\": \"{FORMAT}\")")
    version = _get(doc, "version", int, "trace")
    if version > VERSION:
        raise _Bad(f"trace format version {version} is newer than this raftcheck reads (up to {VERSION}); upgrade raftcheck")
    if version < 1:
        raise _Bad(f"trace format version {version} does not exist")
    engine = _get(doc, "engine", str, "trace")
    config = config_from_json(_get(doc, "config", dict, "trace"))
    raw_actions = _get(doc, "actions", list, "trace")
    actions = tuple(action_from_json(a, f"actions[{k}]", config.nodes) for k, a in enumerate(raw_actions))
    outcome = outcome_from_json(_get(doc, "outcome", dict, "trace"))
    if outcome.step is not None and not 0 <= outcome.step <= len(actions):
        raise _Bad(f"outcome.step {outcome.step} is outside the trace's {len(actions)} actions")
    return Trace(config=config, actions=actions, outcome=outcome, engine=engine)


def load(path: str | os.PathLike) -> Trace:
    """Read and validate a trace file; raises TraceError naming the file and what is wrong."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TraceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise TraceError(f"{path}: is a directory, not a trace file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise TraceError(f"{path}: cannot be read ({e})") from None
    try:
        return loads(text)
    except _Bad as e:
        raise TraceError(f"{path}: {e}") from None


# --- Writing -------------------------------------------------------------------------------


def file_name(t: Trace) -> str:
    """A name that says what the trace shows, with a digest of its content."""
    text = dumps(t)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
    what = t.outcome.invariant or "clean"
    who = t.config.impl.class_name if t.config.impl is not None else t.config.variant
    return f"{who}-{t.config.network}-{what}-{digest}.json"


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Holds off Ctrl-C and SIGTERM for the block: one that comes meanwhile is noted, and handled
    as it would have been (KeyboardInterrupt, say) when the block ends. save() holds them while it
    writes, so that they land after the file is whole and the temporary one gone, never between;
    a command holds them from the save until it has said where the trace is.

    Done with Python handlers, not the thread's signal mask: the kernel hands a signal sent to the
    process to any thread that does not block it, and Python then runs the handler in the main
    thread all the same. Only the main thread may set handlers; elsewhere nothing is held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []

    def note(signum, frame) -> None:
        noted.append(signum)

    previous = {s: signal.signal(s, note) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if noted:
            handler = previous[noted[0]]
            if callable(handler):
                handler(noted[0], None)  # Raises what it raises: KeyboardInterrupt, Terminated.
            elif handler == signal.SIG_DFL:
                signal.raise_signal(noted[0])


def save(t: Trace, directory: str | os.PathLike) -> Path:
    """Write ``t`` into ``directory`` atomically and return its path. An identical trace already
    there is reused; a different file is never replaced."""
    with signals_held():
        return _save(t, directory)


def _save(t: Trace, directory: str | os.PathLike) -> Path:
    text = dumps(t)
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    name = file_name(t)
    stem, suffix = name[: -len(".json")], ".json"
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        for attempt in range(1, 1000):
            target = folder / (name if attempt == 1 else f"{stem}-{attempt}{suffix}")
            try:
                os.link(tmp, target)  # Fails rather than replacing an existing file.
                return target
            except FileExistsError:
                if target.read_text(encoding="utf-8") == text:
                    return target
        raise OSError(f"{folder}: too many traces named {stem}-*")
    finally:
        os.unlink(tmp)


