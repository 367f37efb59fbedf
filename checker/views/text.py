"""A timeline as text for a terminal.
"""

from __future__ import annotations

from typing import Iterable

from checker.model.config import FIFO, SYNC
from checker.model.outcome import is_finding
from checker.model.variants import get_variant
from checker.model.world import World
from checker.views.timeline import (
    Step,
    Timeline,
    event_lines,
    explanation,
    log_text,
    message_brief,
    sent_lines,
    status,
    vote_text,
    world_changes,
)
from raft.state import NodeState

# --- Text ---------------------------------------------------------------------------------

_BOLD, _RED, _DIM, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[2m", "\x1b[0m"
_ROLE_COLOUR = {"leader": "\x1b[32m", "candidate": "\x1b[33m", "follower": ""}


class _Pen:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, *codes: str) -> str:
        codes = tuple(c for c in codes if c)
        if not self.colour or not codes:
            return text
        return "".join(codes) + text + _RESET


def network_words(network: str) -> str:
    if network == SYNC:
        return "sync network: a tick's messages, and their replies, are handled within the step"
    if network == FIFO:
        return "fifo network: each link delivers in the order sent, and loses what it holds only when it breaks"
    return "async network: a message stays in flight until it is delivered, dropped or duplicated"


def _votes_unseen(c) -> bool:
    """Whether the implementation's votes are hidden from the checker (a seed-API class's are;
    an adapter's, such as PySyncObj's, are shown)."""
    from checker.front import model_for

    adapter = getattr(model_for(c), "adapter", None)
    return "vote_safety" in (getattr(adapter, "unobserved", None) or {})


def header_lines(tl: Timeline) -> list[str]:
    t = tl.trace
    c = t.config
    o = t.outcome
    recorded = f"{o.invariant} broken at step {o.step}" if o.result == "violation" else "no violation"
    if o.result == "error":
        recorded = f"implementation failure ({o.invariant}) at step {o.step}"
    if c.impl is not None:
        rules = f"implementation: {c.impl.describe()}"
        if _votes_unseen(c):
            rules += " (votes are not part of its API: shown as -)"
    else:
        rules = f"variant: {c.variant}: {get_variant(c.variant).description}"
    return [
        f"trace {tl.name} ({len(t.actions)} steps, from {t.engine})",
        f"cluster: {c.nodes} nodes, {network_words(c.network)}",
        rules,
        f"bounds: {c.bounds.describe()}",
        f"recorded outcome: {recorded}",
    ]


def result_line(tl: Timeline) -> str:
    r = tl.trace.outcome
    recorded = f"{r.invariant} at step {r.step}" if r.result in ("violation", "error") else "no violation"
    b, d = tl.broken, tl.disabled
    if b is not None:
        same = "as recorded" if tl.reproduces else f"the trace recorded {recorded}"
        if is_finding(b.violation.invariant):
            return f"result: implementation failure ({b.violation.invariant}) at step {b.step} ({same})"
        return f"result: {b.violation.invariant} broken at step {b.step} ({same})"
    if d is not None:
        return f"result: no violation; step {d.step} ({d.text}) is not enabled here, so the trace stops (it recorded {recorded})"
    if tl.reproduces:
        return f"result: no violation in {tl.applied} steps, as recorded"
    return f"result: no violation in {tl.applied} steps (the trace recorded {recorded})"


def back_text(s: Step, node_id: int) -> str:
    """What to call a node's return in a step where it stopped being cut off or crashed."""
    return "restarted" if s.before is not None and node_id in s.before.crashed else "reconnected"


def node_line(n: NodeState, w: World, changed: set[str], pen: _Pen, came_back: str = "reconnected") -> str:
    def field(name: str, text: str, width: int, *codes: str) -> str:
        mark = "*" if name in changed else ""
        cell = text + mark
        padded = cell + " " * max(0, width - len(cell))
        styled = pen(cell, *(codes + ((_BOLD,) if mark else ())))
        return styled + padded[len(cell):]

    where = status(w, n.id) or (came_back if "status" in changed else "")
    cells = [
        f"node {n.id}  ",
        field("role", n.role.value, 11, _ROLE_COLOUR[n.role.value]),
        field("term", f"term {n.current_term}", 9),
        field("vote", f"vote {vote_text(n)}", 9),
        field("commit", f"commit {n.commit_index}", 11),
        field("log", f"log {log_text(n)}", 0),
    ]
    line = "".join(cells)
    if where:
        line += "  " + field("status", f"[{where}]", 0, _DIM if where != "reconnected" else "")
    return line.rstrip()


def step_lines(s: Step, sync: bool, pen: _Pen, steps: Iterable[Step] = ()) -> list[str]:
    title = f"step {s.step}" if s.step else "step 0"
    lines = [pen(f"{title}: {s.text}", _BOLD)]
    if s.world is None:
        lines.append(pen("  not enabled here: the replay stops", _RED))
        return lines
    messages = event_lines(s)
    if messages:
        lines.append("  messages, in the order handled:" if sync else "  messages:")
        lines += ["    " + m for m in messages]
    sent = sent_lines(s, sync)
    if sent:
        lines.append("  sent:")
        lines += ["    " + m for m in sent]
    changes = world_changes(s.before, s.world)
    for n in s.world.nodes:
        lines.append("  " + node_line(n, s.world, changes[n.id], pen, back_text(s, n.id)))
    if not sync and s.world.network:
        lines.append("  in flight:")
        lines += [f"    {m.source} -> {m.dest}  {message_brief(m)}" for m in s.world.network]
    if s.violation is not None:
        lines += [pen("  " + line, _RED, _BOLD if k == 0 else "") for k, line in enumerate(explanation(s, steps))]
    return lines


def render_text(tl: Timeline, colour: bool = False) -> str:
    """The timeline for a terminal: a header, one block per step, and the result."""
    pen = _Pen(colour)
    sync = tl.trace.config.network == SYNC
    lines = header_lines(tl)
    lines.append("(each step: the action, the messages it caused, then every node; * marks what changed)")
    for s in tl.steps:
        lines.append("")
        lines += step_lines(s, sync, pen, tl.steps)
    lines.append("")
    lines.append(pen(result_line(tl), _BOLD))
    return "\n".join(lines) + "\n"


