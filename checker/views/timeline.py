"""Counterexamples people can read: a trace replayed step by step and shown as a timeline.

The replay is ``trace.replay_steps``, the same world model and invariant registry that
``replay`` uses, asked in addition for what happened inside each step (``Model.step_events``).
This module renders it as text for a terminal and as JSON; ``checker.views.html`` draws it as HTML.
"""

from __future__ import annotations

import re
import textwrap
import time
from typing import Any, Iterable

from attrs import frozen

from checker import traces
from checker.model.actions import Action, Packet
from checker.model.invariants import by_name
from checker.model.native import Event
from checker.model.outcome import FINDINGS, Outcome, Violation, is_finding, outcome_for
from checker.model.world import World
from raft.log import LogEntry
from raft.messages import (
    AppendEntriesRequest,
    AppendEntriesResponse,
    Message,
    RequestVoteRequest,
    RequestVoteResponse,
)
from raft.state import NodeState, Role

#: The node fields a reader follows, in the order they are shown.
FIELDS = ("role", "term", "vote", "commit", "log", "status")


@frozen
class Step:
    """One step of a shown trace: the action in words (said of the world before it), what happened
    inside it, the world after, and the invariant it breaks, if any."""

    step: int  # 0 is the initial world.
    action: Action | None
    text: str
    before: World | None  # None for step 0.
    world: World | None  # None when the action is not enabled in ``before``.
    events: tuple[Event, ...]
    violation: Violation | None


@frozen
class Timeline:
    """A trace replayed for showing."""

    trace: traces.Trace
    name: str  # How the trace is named to the reader: usually its path.
    steps: tuple[Step, ...]
    seconds: float

    @property
    def broken(self) -> Step | None:
        last = self.steps[-1]
        return last if last.violation is not None else None

    @property
    def disabled(self) -> Step | None:
        last = self.steps[-1]
        return last if last.world is None else None

    @property
    def applied(self) -> int:
        """Actions applied (a disabled one is not)."""
        return self.steps[-1].step - (1 if self.disabled else 0)

    @property
    def worlds(self) -> list[World]:
        return [s.world for s in self.steps if s.world is not None]

    @property
    def outcome(self) -> Outcome:
        b = self.broken
        if b is None:
            return Outcome("clean")
        return outcome_for(b.violation, b.step)

    @property
    def reproduces(self) -> bool:
        return self.outcome.same_as(self.trace.outcome)


def timeline(t: traces.Trace, name: str) -> Timeline:
    """Replay ``t`` with the world model, recording each step for showing."""
    start = time.monotonic()
    steps: list[Step] = []
    before: World | None = None
    for s in traces.replay_steps(t, events=True):
        if s.action is None:
            text = "the initial state: every node is a follower in term 0 with an empty log"
        else:
            text = s.action.describe(before)
        steps.append(Step(s.step, s.action, text, before, s.world, s.events, s.violation))
        before = s.world
    return Timeline(t, name, tuple(steps), time.monotonic() - start)


# --- Words for states and messages ---------------------------------------------------------


def entry(e: LogEntry) -> str:
    return f"{e.term}:{e.command}"


def log_text(n: NodeState) -> str:
    return " ".join(entry(e) for e in n.log[1:]) or "-"


def vote_text(n: NodeState) -> str:
    return "-" if n.voted_for is None else str(n.voted_for)


def status(w: World, node_id: int) -> str:
    if node_id in w.crashed:
        return "crashed"
    if node_id in w.cut:
        return "cut off"
    return ""


def node_changes(old: NodeState | None, new: NodeState) -> set[str]:
    """The fields of FIELDS (bar status) that differ between two states of one node."""
    if old is None:
        return set()
    changed = set()
    if old.role is not new.role:
        changed.add("role")
    if old.current_term != new.current_term:
        changed.add("term")
    if old.voted_for != new.voted_for:
        changed.add("vote")
    if old.commit_index != new.commit_index:
        changed.add("commit")
    if old.log != new.log:
        changed.add("log")
    return changed


def world_changes(before: World | None, after: World) -> dict[int, set[str]]:
    """For each node, which of FIELDS changed in the step from ``before`` to ``after``."""
    out: dict[int, set[str]] = {}
    for n in after.nodes:
        changed = node_changes(before.node(n.id) if before else None, n)
        if before is not None and status(before, n.id) != status(after, n.id):
            changed.add("status")
        out[n.id] = changed
    return out


def message_brief(m: Message) -> str:
    """What a message says, in a few words."""
    if isinstance(m, Packet):
        return m.summary  # An implementation's message, in its adapter's words.
    if isinstance(m, RequestVoteRequest):
        return f"asks for a vote in term {m.term} (its log ends at index {m.last_log_index}, term {m.last_log_term})"
    if isinstance(m, RequestVoteResponse):
        return f"grants its vote in term {m.term}" if m.vote_granted else f"refuses its vote (term {m.term})"
    if isinstance(m, AppendEntriesRequest):
        after = f"after index {m.prev_log_index} (term {m.prev_log_term})"
        if m.entries:
            what = f"append-entries, term {m.term}: {after} put {' '.join(entry(e) for e in m.entries)}"
        else:
            what = f"heartbeat, term {m.term}: {after}, nothing new"
        return f"{what}; leader commit {m.leader_commit}"
    assert isinstance(m, AppendEntriesResponse)
    if m.success:
        return f"accepts (term {m.term}): holds up to index {m.match_index}"
    return f"rejects (term {m.term}), hint index {m.match_index}"


def message_short(m: Message) -> str:
    """A message as a label of a few characters, for the diagram."""
    if isinstance(m, Packet):
        return m.summary if len(m.summary) <= 24 else m.summary[:23] + "…"
    if isinstance(m, RequestVoteRequest):
        return f"vote? t{m.term}"
    if isinstance(m, RequestVoteResponse):
        return f"{'yes' if m.vote_granted else 'no'} t{m.term}"
    if isinstance(m, AppendEntriesRequest):
        body = " ".join(entry(e) for e in m.entries) if m.entries else "hb"
        return f"AE t{m.term} {body} c{m.leader_commit}"
    assert isinstance(m, AppendEntriesResponse)
    return f"{'ok' if m.success else 'fail'} {m.match_index} t{m.term}"


def change_words(old: NodeState, new: NodeState) -> str:
    """What a node's transition changed, in words ('' when nothing a reader follows changed)."""
    parts = []
    if old.role is not new.role:
        parts.append({Role.LEADER: "becomes leader", Role.CANDIDATE: "becomes candidate", Role.FOLLOWER: "becomes follower"}[new.role])
    if old.current_term != new.current_term:
        parts.append(f"term {new.current_term}")
    if old.voted_for != new.voted_for and new.voted_for is not None:
        parts.append(f"votes for {new.voted_for}")
    if old.log != new.log:
        parts.append(f"log {log_text(new)}")
    if old.commit_index != new.commit_index:
        parts.append(f"commit {new.commit_index}")
    return ", ".join(parts)


def lost_reason(w: World, m: Message) -> str:
    for who in (m.source, m.dest):
        if who in w.crashed:
            return f"node {who} is down"
        if who in w.cut:
            return f"node {who} is cut off"
    return "unreachable"


def event_lines(s: Step) -> list[str]:
    """The messages of a step, one line each, with what each delivery changed at its receiver."""
    if s.before is None or s.world is None:
        return []
    current = {n.id: n for n in s.before.nodes}
    lines = []
    for e in s.events:
        if e.kind == "act":
            current[e.node.id] = e.node
            continue
        m = e.message
        head = f"{m.source} -> {m.dest}  "
        if e.kind == "send":
            continue  # Shown with its delivery or loss; in an async network, under "sent".
        if e.kind == "deliver":
            line = f"{head}{message_brief(m)}"
            said = change_words(current[m.dest], e.node)
            current[m.dest] = e.node
            if said:
                line += f"  => node {m.dest}: {said}"
        elif e.kind == "lose":
            line = f"{head}{message_brief(m)}  (lost: {lost_reason(s.world, m)})"
        elif e.kind == "drop":
            line = f"{head}{message_brief(m)}  (dropped by the network)"
        else:
            line = f"{head}{message_brief(m)}  (now in flight twice)"
        lines.append(line)
    return lines


def sent_lines(s: Step, sync: bool) -> list[str]:
    """In an async network, the messages a step put in flight."""
    if sync or s.world is None:
        return []
    events = s.events
    return [
        f"{e.message.source} -> {e.message.dest}  {message_brief(e.message)}"
        for k, e in enumerate(events)
        if e.kind == "send" and not (k + 1 < len(events) and events[k + 1].kind == "lose")
    ]


_NODE_REF = re.compile(r"\bnodes? (\d+)(?: and (\d+))?")


def named_nodes(message: str) -> list[int]:
    """The nodes a violation message names, in order."""
    out: list[int] = []
    for m in _NODE_REF.finditer(message):
        for g in m.groups():
            if g is not None and int(g) not in out:
                out.append(int(g))
    return out


def logs_by_index(w: World, marked: Iterable[int]) -> list[str]:
    """Every log laid out by index, with the entries known committed (and when) on top."""
    marked = set(marked)
    width = max(len(n.log) for n in w.nodes) - 1
    width = max(width, len(w.committed))
    if width == 0:
        return ["(every log is empty)"]
    rows: list[tuple[str, list[str]]] = []
    committed = [f"{entry(e)} (t{t})" for e, t in zip(w.committed, w.commit_terms)]
    rows.append(("  committed", committed))
    for n in w.nodes:
        mark = ">" if n.id in marked else " "
        rows.append((f"{mark} node {n.id} {n.role.value}", [entry(e) for e in n.log[1:]]))
    label_w = max(len(r[0]) for r in rows)
    col_w = [max([len(str(i))] + [len(r[1][i - 1]) for r in rows if len(r[1]) >= i]) for i in range(1, width + 1)]
    lines = [" " * label_w + "  " + "  ".join(f"{i:<{col_w[i - 1]}}" for i in range(1, width + 1)).rstrip()]
    for label, cells in rows:
        text = "  ".join(f"{(cells[i] if i < len(cells) else '.'):<{col_w[i]}}" for i in range(width)).rstrip()
        lines.append(f"{label:<{label_w}}  {text}")
    return lines


def committed_since(steps: Iterable[Step]) -> dict[int, int]:
    """For each index ever known committed, the step at which it first was."""
    since: dict[int, int] = {}
    for s in steps:
        if s.world is not None:
            for e in s.world.committed:
                since.setdefault(e.index, s.step)
    return since


def explanation(s: Step, steps: Iterable[Step] = ()) -> list[str]:
    """Why the step breaks its invariant: the registry's message, the property, and the logs."""
    v = s.violation
    if is_finding(v.invariant):
        # An implementation failure of a user's class (--impl): no property to state, no logs to blame.
        lines = [f"IMPLEMENTATION FAILURE ({v.invariant}) at step {s.step}: {FINDINGS[v.invariant]}:"]
        return lines + textwrap.wrap(f"{v.message}.", 96, initial_indent="  ", subsequent_indent="  ")
    inv = by_name(v.invariant)
    named = named_nodes(v.message)
    lines = [f"VIOLATION of {v.invariant} ({inv.kind}) at step {s.step}:"]
    lines += textwrap.wrap(f"{v.message}.", 96, initial_indent="  ", subsequent_indent="  ")
    lines += textwrap.wrap(f"The property: {inv.doc}", 96, initial_indent="  ", subsequent_indent="  ")
    since = committed_since(steps)
    if s.world.committed:
        known = ", ".join(
            f"{entry(e)} at index {e.index} since step {since.get(e.index, s.step)} (term {t})"
            for e, t in zip(s.world.committed, s.world.commit_terms)
        )
        lines += textwrap.wrap(f"Known committed: {known}.", 96, initial_indent="  ", subsequent_indent="  ")
    lines.append("  The logs by index ('>' marks the nodes named above; 'committed' is the longest prefix any")
    lines.append("  node has known committed, with the term in which each entry was first known committed):")
    lines += ["    " + line for line in logs_by_index(s.world, named)]
    if s.before is not None and named and inv.kind == "transition":
        lines.append("  Before this step:")
        for i in named:
            o, n = s.before.node(i), s.world.node(i)
            lines.append(
                f"    node {i}: {o.role.value}, term {o.current_term}, vote {vote_text(o)}, commit {o.commit_index}, log {log_text(o)}"
                f"  ->  {n.role.value}, term {n.current_term}, vote {vote_text(n)}, commit {n.commit_index}, log {log_text(n)}"
            )
    return lines



# --- JSON ---------------------------------------------------------------------------------


def node_json(n: NodeState, w: World) -> dict[str, Any]:
    return {
        "id": n.id,
        "role": n.role.value,
        "term": n.current_term,
        "vote": n.voted_for,
        "log": [[e.term, e.index, e.command] for e in n.log[1:]],
        "commit_index": n.commit_index,
        "last_applied": n.last_applied,
        "cut": n.id in w.cut,
        "crashed": n.id in w.crashed,
    }


def event_json(e: Event) -> dict[str, Any]:
    return {
        "kind": e.kind,
        "message": traces.message_to_json(e.message) if e.message is not None else None,
        "node": e.node.id if e.node is not None else None,
    }


def step_json(s: Step) -> dict[str, Any]:
    out: dict[str, Any] = {
        "step": s.step,
        "action": traces.action_to_json(s.action) if s.action is not None else None,
        "text": s.text,
        "enabled": s.world is not None,
    }
    if s.world is None:
        return out
    w = s.world
    out.update(
        {
            "nodes": [node_json(n, w) for n in w.nodes],
            "changed": {str(k): sorted(v) for k, v in world_changes(s.before, w).items() if v},
            "cut": sorted(w.cut),
            "crashed": sorted(w.crashed),
            "in_flight": [traces.message_to_json(m) for m in w.network],
            "requests": w.requests,
            "committed": [[e.term, e.index, e.command] for e in w.committed],
            "events": [event_json(e) for e in s.events],
            "violation": {"invariant": s.violation.invariant, "message": s.violation.message} if s.violation else None,
        }
    )
    return out


def timeline_json(tl: Timeline, html_path: str | None = None) -> dict[str, Any]:
    """The last line of ``show --json``: DESIGN's summary keys, then every step decoded."""
    b = tl.broken
    o = tl.trace.outcome
    return {
        **tl.outcome.summary_json(),
        "trace": tl.name,
        "states": tl.applied,
        "distinct": len(set(tl.worlds)),
        "depth": tl.applied,
        "seconds": round(tl.seconds, 3),
        "step": b.step if b else None,
        "message": b.violation.message if b else None,
        "reproduces": tl.reproduces,
        "disabled_at": tl.disabled.step if tl.disabled else None,
        "recorded": {"result": o.result, "invariant": o.invariant, "step": o.step, "message": o.message},
        "config": traces.config_to_json(tl.trace.config),
        "html": html_path,
        "steps": [step_json(s) for s in tl.steps],
    }


