"""A shown trace as one self-contained HTML page: a space-time diagram beside the node states.

Time goes down. Each step is one table row; its cell in the diagram column is a slice of inline
SVG with a lane per node, so that rows, slices and page breaks line up without any script. A
message that stays in flight across steps (async network) is one straight line from its send to
its delivery, drawn piece by piece in every slice it crosses; only the piece that ends it carries
the arrow's classes (``arrow``, ``data-status``), so each message is counted once.

Nothing is fetched: the styles are inline and there are no scripts, fonts or links outside the page.
"""

from __future__ import annotations

import html
import os
import tempfile
import textwrap
from pathlib import Path

from attrs import define, field

from checker.model.actions import ClientRequest, Crash, Cut, Heal, Packet, Restart, Tick
from checker.model.config import FIFO, SYNC
from checker.model.invariants import by_name
from checker.model.native import Event
from checker.model.outcome import FINDINGS, is_finding
from checker.model.variants import get_variant
from checker.views.text import back_text, network_words, result_line
from checker.views.timeline import (
    Step,
    Timeline,
    explanation,
    log_text,
    message_brief,
    message_short,
    named_nodes,
    status,
    vote_text,
    world_changes,
)
from raft.messages import (
    AppendEntriesRequest,
    Message,
    RequestVoteRequest,
    RequestVoteResponse,
)
from raft.state import NodeState, Role

# Geometry, in CSS pixels.
MARGIN = 76  # Left and right of the outer lanes.
REQUEST_ROOM = 130  # What a client request's label needs beside its lane ("client: command 9").
GAP = 130  # Between lanes.
TOP = 16  # The action's row inside a step.
ROW = 28  # Between messages handled one after another (sync).
SLANT = 12  # How far a message arrow falls while it crosses (sync).
BOTTOM = 14
LINE = 15  # Line height of the table's text.
PAD = 12  # Vertical padding of a table cell, both sides together.
WRAP = 34  # Characters per line of an action's words.

ROLE_CLASS = {Role.FOLLOWER: "follower", Role.CANDIDATE: "candidate", Role.LEADER: "leader"}


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _x(node_id: int) -> float:
    return MARGIN + (node_id - 1) * GAP


def _kind(m: Message) -> str:
    if isinstance(m, Packet):
        # An implementation's message, coloured by what its adapter's words say it is.
        word = m.summary.split(" ", 1)[0].lower()
        return "vote" if "vote" in word else "append" if "append" in word else "packet"
    return "vote" if isinstance(m, (RequestVoteRequest, RequestVoteResponse)) else "append"


def _reply(m: Message) -> bool:
    if isinstance(m, Packet):
        word = m.summary.split(" ", 1)[0].lower()
        return "response" in word or "reply" in word
    return not isinstance(m, (RequestVoteRequest, AppendEntriesRequest))


# --- Laying the steps out ------------------------------------------------------------------


@define
class _Flight:
    """One copy of a message in the network, from its send to how it ended."""

    message: Message
    band: int  # Where it was sent.
    y: float  # Absolute y of the send.
    x: float
    parent: _Flight | None = None  # For a copy: the message it was copied from, at y.
    end: tuple[float, float] | None = None
    end_band: int | None = None
    status: str = "in-flight"  # "delivered", "dropped", "lost" (its link broke) or, at the end, "in-flight".

    def start(self) -> tuple[float, float]:
        if self.parent is None:
            return self.x, self.y
        (px, py), (qx, qy) = self.parent.start(), self.parent.end_point()
        f = 0.0 if qy == py else (self.y - py) / (qy - py)
        return px + (qx - px) * f, self.y

    def end_point(self) -> tuple[float, float]:
        assert self.end is not None
        return self.end


@define
class _Band:
    """One step's slice of the diagram: its height, and what is drawn in it (local y)."""

    step: Step
    top: float = 0.0
    height: float = 0.0
    shapes: list[str] = field(factory=list)  # SVG drawn under the markers.
    marks: list[str] = field(factory=list)  # SVG drawn on top.
    # node id -> [(local y, state, status, side)], the node's state from each point on; side is
    # where a label about the change goes (-1 left of the lane, 0 on it, 1 right), clear of arrows.
    points: dict[int, list[tuple[float, NodeState, str, int]]] = field(factory=dict)


class _Layout:
    def __init__(self, tl: Timeline) -> None:
        self.tl = tl
        self.sync = tl.trace.config.network == SYNC
        self.ids = tl.trace.config.node_ids
        # A lone lane's request label has only the right margin, so that margin grows to fit it.
        self.width = max(2 * MARGIN + (len(self.ids) - 1) * GAP, MARGIN + 10 + REQUEST_ROOM)
        self.bands = [_Band(s) for s in tl.steps]
        self.flights: list[_Flight] = []
        top = 0.0
        for k, band in enumerate(self.bands):
            band.top = top
            band.height = self._height(band)
            self._events(k, band)
            top += band.height
        self.total = top
        self._end_flights()

    # Heights: the slice needs room for its messages, the table's cells for their lines.

    def _height(self, band: _Band) -> float:
        s = band.step
        rows = 1
        if self.sync:
            rows += sum(1 for e in s.events if e.kind in ("deliver", "lose"))
        needed = TOP + ROW * (rows - 1) + SLANT + BOTTOM + 12 + (22 if s.violation is not None else 0)
        return max(needed, PAD + LINE * cell_lines(s, self.sync) + 2)

    # Events: where each message starts and ends, and where each node's state changes.

    def _events(self, k: int, band: _Band) -> None:
        s = band.step
        if s.world is None:
            return
        before = s.before if s.before is not None else s.world
        for n in before.nodes:
            band.points[n.id] = [(0.0, n, status(before, n.id), 0)]
        if s.before is None:
            if not self.sync:
                # What the nodes sent as they started (an implementation's, through its adapter)
                # is in flight from the first row on.
                for m in s.world.network:
                    self.flights.append(_Flight(m, k, band.top + TOP, _x(m.source)))
            return
        a = s.action
        if isinstance(a, (Cut, Heal, Crash, Restart)):
            n = s.world.node(a.node)
            band.points[a.node].append((TOP, n, status(s.world, a.node), 0))
            label = {Cut: "cut off", Heal: "reconnected", Crash: "crashes", Restart: "restarts"}[type(a)]
            old = s.before.node(a.node)
            # Below the pill where the node's role or term changes with it (a restart that
            # forgets the term), beside the lane otherwise.
            below = 18 if (old.role, old.current_term) != (n.role, n.current_term) else 0
            band.marks.append(_label(_x(a.node) + 10, TOP + 4 + below, label, "note"))
        if isinstance(a, ClientRequest):
            x = _x(a.node)
            # Toward the other lanes, where there is room for it; the margin outside the last
            # lane is narrower than the label.
            dx, anchor = (-10, "end") if a.node == self.ids[-1] and len(self.ids) > 1 else (10, "start")
            band.marks.append(
                f'<g class="request" data-node="{a.node}"><path d="M{x} {TOP - 6}l6 6-6 6-6-6z"/>'
                + _label(x + dx, TOP + 4, f"client: command {s.before.requests + 1}", "request-text", anchor=anchor)
                + "</g>"
            )
        if isinstance(a, Tick):
            x = _x(a.node)
            if s.before.node(a.node).role is Role.LEADER:
                band.marks.append(f'<circle class="tick" cx="{x}" cy="{TOP}" r="4"/>')
                band.marks.append(_label(x - 10, TOP + 4, "heartbeat", "note", anchor="end"))
            # A timeout shows as the node's new role and term (a pill) where it happens.
        row = 0
        y_send = TOP
        previous: Event | None = None
        for e in s.events:
            just_sent = previous is not None and previous.kind == "send" and previous.message == e.message
            previous = e
            if e.kind == "act":
                band.points[e.node.id].append((TOP, e.node, status(s.world, e.node.id), 0))
                continue
            m = e.message
            if self.sync:
                if e.kind == "send":
                    row += 1
                    y_send = TOP + ROW * row - 6
                elif e.kind == "deliver":
                    y_end = y_send + SLANT
                    band.shapes.append(_arrow(_x(m.source), y_send, _x(m.dest), y_end, m, "delivered", label=True))
                    band.points[m.dest].append((y_end, e.node, status(s.world, m.dest), _side(m)))
                elif e.kind == "lose":
                    band.shapes.append(_lost(_x(m.source), y_send, _x(m.dest), y_send + SLANT, m, "lost"))
                continue
            # Async: everything in the step happens at its action's row.
            if e.kind == "send":
                self.flights.append(_Flight(m, k, band.top + TOP, _x(m.source)))
            elif e.kind == "lose" and just_sent:
                self.flights.pop()  # Lost at once: never in flight.
                band.shapes.append(_lost(_x(m.source), TOP, _x(m.dest), TOP + SLANT, m, "lost"))
            elif e.kind == "lose":
                # Queued on a fifo link that broke: it ends short of the receiver, as a drop does.
                f = self._find(m)
                sx, _ = f.start()
                toward = 1 if _x(m.dest) > sx else -1
                f.end, f.end_band, f.status = (_x(m.dest) - toward * 16, band.top + TOP), k, "lost"
            elif e.kind == "deliver":
                f = self._find(m)
                f.end, f.end_band, f.status = (_x(m.dest), band.top + TOP), k, "delivered"
                band.points[m.dest].append((TOP, e.node, status(s.world, m.dest), _side(m)))
            elif e.kind == "drop":
                f = self._find(m)
                sx, _ = f.start()
                # Just short of the receiver's lane: meant for it, never reaching it.
                toward = 1 if _x(m.dest) > sx else -1
                f.end, f.end_band, f.status = (_x(m.dest) - toward * 16, band.top + TOP), k, "dropped"
            elif e.kind == "duplicate":
                original = self._find(m)
                self.flights.append(_Flight(m, k, band.top + TOP, 0.0, parent=original))

    def _find(self, m: Message) -> _Flight:
        for f in self.flights:
            if f.end is None and f.message == m:
                return f
        raise AssertionError(f"no message in flight equal to {m}")

    def _end_flights(self) -> None:
        if self.sync:
            return
        last = len(self.bands) - 1
        for f in self.flights:
            if f.end is None:
                sx, sy = f.start()
                ex = sx + (_x(f.message.dest) - sx) * 0.6
                f.end, f.end_band = (ex, self.total - 4), last
        for f in self.flights:
            self._draw_flight(f)

    def _draw_flight(self, f: _Flight) -> None:
        (x1, y1), (x2, y2) = f.start(), f.end_point()
        for k, band in enumerate(self.bands):
            if band.top + band.height < min(y1, y2) or band.top > max(y1, y2):
                continue
            oy = band.top
            if k == f.end_band:
                if f.status in ("dropped", "lost"):
                    band.shapes.append(_lost(x1, y1 - oy, x2, y2 - oy, f.message, f.status, full=True, copy=f.parent is not None))
                else:
                    band.shapes.append(_arrow(x1, y1 - oy, x2, y2 - oy, f.message, f.status, copy=f.parent is not None))
            else:
                band.shapes.append(_segment(x1, y1 - oy, x2, y2 - oy, f.message, f.status, copy=f.parent is not None))
        if f.parent is None:
            # Labelled where it leaves, in whichever step's slice that point falls.
            t = min(0.5, 62 / max(abs(x2 - x1), 1))
            lx, ly = x1 + (x2 - x1) * t, y1 + (y2 - y1) * t
            band = next((b for b in self.bands if b.top <= ly < b.top + b.height), self.bands[-1])
            band.marks.append(_message_label(lx, ly - band.top, lx, ly - band.top, f.message))
        if f.parent is not None:
            band = next(b for b in self.bands if b.top <= y1 <= b.top + b.height)
            band.marks.append(
                f'<g class="duplicate" {_data(f.message)}><circle cx="{x1:.1f}" cy="{y1 - band.top:.1f}" r="5"/>'
                + _label(x1 + 9, y1 - band.top + 13, "duplicated", "dup-text")
                + "</g>"
            )


# --- SVG pieces ----------------------------------------------------------------------------


def _label(x: float, y: float, text: str, cls: str, anchor: str = "start") -> str:
    return f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{_esc(text)}</text>'


def _head(x1: float, y1: float, x2: float, y2: float, size: float = 7) -> str:
    dx, dy = x2 - x1, y2 - y1
    length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
    ux, uy = dx / length, dy / length
    bx, by = x2 - ux * size, y2 - uy * size
    px, py = -uy * size * 0.45, ux * size * 0.45
    return f"M{x2:.1f} {y2:.1f}L{bx + px:.1f} {by + py:.1f}L{bx - px:.1f} {by - py:.1f}Z"


def _classes(m: Message, extra: str = "") -> str:
    return " ".join(c for c in ("msg", _kind(m), "reply" if _reply(m) else "request", extra) if c)


def _data(m: Message) -> str:
    term = getattr(m, "term", "")
    return f'data-from="{m.source}" data-to="{m.dest}" data-type="{type(m).__name__}" data-term="{term}"'


def _title(m: Message, how: str) -> str:
    return f"<title>{_esc(f'{m.source} -> {m.dest}: {message_brief(m)} ({how})')}</title>"


def _arrow(x1, y1, x2, y2, m: Message, how: str, label: bool = False, copy: bool = False) -> str:
    # Stop short of the lane so the head sits on it.
    cls = _classes(m, "copy" if copy else "")
    body = (
        f'<g class="arrow {cls}" data-status="{how}" {_data(m)}>{_title(m, how)}'
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/><path class="head" d="{_head(x1, y1, x2, y2)}"/>'
    )
    if how == "in-flight":
        body += _label(x2, y2 - 4, "still in flight", "note", anchor="middle")
    body += "</g>"
    if label:
        body += _message_label(x1, y1, x2, y2, m)
    return body


def _segment(x1, y1, x2, y2, m: Message, how: str, copy: bool = False) -> str:
    """Part of an arrow that crosses this step; the arrow itself is drawn where it ends."""
    cls = _classes(m, "copy" if copy else "")
    return f'<g class="arrow-part {cls}" data-status="{how}"><line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/></g>'


def _lost(x1, y1, x2, y2, m: Message, how: str, full: bool = False, copy: bool = False) -> str:
    """A message that never arrives: drawn part of the way, ending in a cross."""
    if not full:
        x2, y2 = x1 + (x2 - x1) * 0.45, y1 + (y2 - y1) * 0.45
    c = 4
    return (
        f'<g class="arrow {_classes(m, "copy" if copy else "")} lost" data-status="{how}" {_data(m)}>{_title(m, how)}'
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"/>'
        f'<path class="cross" d="M{x2 - c:.1f} {y2 - c:.1f}L{x2 + c:.1f} {y2 + c:.1f}M{x2 - c:.1f} {y2 + c:.1f}L{x2 + c:.1f} {y2 - c:.1f}"/>'
        + ("" if full else _message_label(x1, y1, x2 + (x2 - x1), y2 + (y2 - y1), m))
        + "</g>"
    )


def _message_label(x1, y1, x2, y2, m: Message) -> str:
    """The message's short label, just above the middle of the line from (x1, y1) to (x2, y2)."""
    x, y = (x1 + x2) / 2, (y1 + y2) / 2 - 4
    return _label(x, y, message_short(m), f"msg-label {_kind(m)}", anchor="middle")


def _side(m: Message) -> int:
    """Which side of the receiver's lane is clear of the message's arrow."""
    return 1 if m.source < m.dest else -1


def _pill(x: float, y: float, n: NodeState, side: int = 0) -> str:
    text = f"{n.role.value} t{n.current_term}"
    w = 8 + 5.6 * len(text)
    x += side * (w / 2 + 5)
    return (
        f'<g class="pill {ROLE_CLASS[n.role]}" data-node="{n.id}"><rect x="{x - w / 2:.1f}" y="{y - 8:.1f}" width="{w:.1f}" height="15" rx="7"/>'
        + _label(x, y + 3.5, text, "pill-text", anchor="middle")
        + "</g>"
    )


def _lanes(band: _Band) -> tuple[list[str], list[str]]:
    """Each node's lane through the step: styled by role, shaded when cut off or crashed,
    with its role and term changes and commits marked where they happen."""
    under: list[str] = []
    over: list[str] = []
    for node_id, points in band.points.items():
        x = _x(node_id)
        ends = [p[0] for p in points[1:]] + [band.height]
        for (y, n, where, _), y2 in zip(points, ends):
            if y2 <= y and y2 != band.height:
                continue
            if where:
                under.append(f'<rect class="shade {where.replace(" ", "-")}" x="{x - 16}" y="{y:.1f}" width="32" height="{y2 - y:.1f}"/>')
            role = "crashed" if where == "crashed" else ROLE_CLASS[n.role]
            under.append(f'<line class="lane {role}" data-node="{node_id}" x1="{x}" y1="{y:.1f}" x2="{x}" y2="{y2:.1f}"/>')
        for (_, old, _, _), (y, new, _, side) in zip(points, points[1:]):
            if old.role is not new.role or old.current_term != new.current_term:
                over.append(_pill(x, y, new, side))
            if new.commit_index > old.commit_index:
                anchor, dx = ("start", 9) if side > 0 else ("end", -9)
                over.append(
                    f'<g class="commit" data-node="{node_id}"><circle cx="{x:.1f}" cy="{y:.1f}" r="4"/>'
                    + _label(x + dx, y + 12, f"commit {new.commit_index}", "commit-text", anchor=anchor)
                    + "</g>"
                )
    return under, over


# --- The page ------------------------------------------------------------------------------


def cell_lines(s: Step, sync: bool) -> int:
    """How many lines of text the step's row holds, so its height can be fixed in advance."""
    lines = len(textwrap.wrap(s.text, WRAP)) + (2 if s.violation is not None else 0) + (1 if s.world is None else 0)
    if s.world is not None:
        lines = max(lines, 3 + (1 if s.world.cut or s.world.crashed or (s.before and (s.before.cut or s.before.crashed)) else 0))
        if not sync:
            lines = max(lines, len(s.world.network))
    return lines


def _node_cell(s: Step, n: NodeState, changed: set[str]) -> str:
    def part(name: str, text: str) -> str:
        return f'<b class="chg">{_esc(text)}</b>' if name in changed else _esc(text)

    role = f'<span class="role {ROLE_CLASS[n.role]}">{part("role", n.role.value)}</span>'
    lines = [
        f"{role} {part('term', f'term {n.current_term}')}",
        f"{part('vote', f'vote {vote_text(n)}')} {part('commit', f'commit {n.commit_index}')}",
        f"{part('log', f'log {log_text(n)}')}",
    ]
    where = status(s.world, n.id) or (back_text(s, n.id) if "status" in changed else "")
    if where:
        lines.append(f'<span class="status">{part("status", where)}</span>')
    cls = "node" + (" shaded-" + where.replace(" ", "-") if status(s.world, n.id) else "")
    return f'<td class="{cls}" data-node="{n.id}">' + "<br>".join(lines) + "</td>"


def _row(tl: Timeline, layout: _Layout, band: _Band) -> str:
    s = band.step
    cls = "step"
    if s.violation is not None:
        cls += " violation"
    if s.world is None:
        cls += " disabled"
    words = "<br>".join(_esc(line) for line in textwrap.wrap(s.text, WRAP))
    if s.violation is not None:
        words += f'<br><span class="broken">&#x2717; {_esc(s.violation.invariant)} broken</span>'
    if s.world is None:
        words += '<br><span class="broken">not enabled here: the replay stops</span>'
    cells = [f'<td class="num">{s.step}</td>', f'<td class="what">{words}</td>', f'<td class="diagram">{_slice(layout, band)}</td>']
    if s.world is None:
        cells += ['<td class="node"></td>' for _ in layout.ids]
        if not layout.sync:
            cells.append('<td class="flight"></td>')
    else:
        changes = world_changes(s.before, s.world)
        cells += [_node_cell(s, n, changes[n.id]) for n in s.world.nodes]
        if not layout.sync:
            flying = "<br>".join(_esc(f"{m.source}\u2192{m.dest} {message_short(m)}") for m in s.world.network) or "&#x2013;"
            cells.append(f'<td class="flight">{flying}</td>')
    return f'<tr class="{cls}" id="step-{s.step}" style="height:{band.height:.0f}px">' + "".join(cells) + "</tr>"


def _slice(layout: _Layout, band: _Band) -> str:
    under, over = _lanes(band)
    parts = []
    s = band.step
    if s.violation is not None:
        parts.append(f'<rect class="violation-band" x="0" y="0" width="{layout.width}" height="{band.height:.1f}"/>')
    parts += under + band.shapes + over + band.marks
    if s.violation is not None:  # On top of everything else.
        for i in named_nodes(s.violation.message) or list(layout.ids):
            parts.append(f'<circle class="violation-ring" data-node="{i}" cx="{_x(i)}" cy="{band.height - 26:.1f}" r="9"/>')
        parts.append(_label(layout.width / 2, band.height - 5, f"\u2717 {s.violation.invariant} broken", "violation-text", anchor="middle"))
    return (
        f'<svg class="slice" width="{layout.width}" height="{band.height:.0f}" viewBox="0 0 {layout.width} {band.height:.0f}" '
        f'role="img" aria-label="step {s.step}">' + "".join(parts) + "</svg>"
    )


def _lane_header(layout: _Layout) -> str:
    labels = "".join(_label(_x(i), 14, f"node {i}", "lane-name", anchor="middle") for i in layout.ids)
    return f'<svg class="lane-head" width="{layout.width}" height="20" viewBox="0 0 {layout.width} 20">{labels}</svg>'


def _legend(sync: bool) -> str:
    def sample(svg: str, words: str) -> str:
        return f'<span class="key"><svg width="64" height="22" viewBox="0 0 64 22">{svg}</svg>{words}</span>'

    keys = [
        sample('<line class="lane follower" x1="32" y1="0" x2="32" y2="22"/>', "follower"),
        sample('<line class="lane candidate" x1="32" y1="0" x2="32" y2="22"/>', "candidate"),
        sample('<line class="lane leader" x1="32" y1="0" x2="32" y2="22"/>', "leader"),
        sample('<g class="msg vote request"><line x1="4" y1="6" x2="58" y2="16"/><path class="head" d="' + _head(4, 6, 58, 16) + '"/></g>', "vote request / reply"),
        sample('<g class="msg append request"><line x1="4" y1="6" x2="58" y2="16"/><path class="head" d="' + _head(4, 6, 58, 16) + '"/></g>', "append-entries / reply"),
        sample('<g class="msg append lost"><line x1="4" y1="6" x2="34" y2="12"/><path class="cross" d="M30 8L38 16M30 16L38 8"/></g>', "lost or dropped"),
        sample('<rect class="shade cut-off" x="16" y="0" width="32" height="22"/><line class="lane follower" x1="32" y1="0" x2="32" y2="22"/>', "cut off"),
        sample('<rect class="shade crashed" x="16" y="0" width="32" height="22"/><line class="lane crashed" x1="32" y1="0" x2="32" y2="22"/>', "crashed"),
        sample('<g class="request"><path d="M32 5l6 6-6 6-6-6z"/></g>', "client request"),
        sample('<g class="commit"><circle cx="32" cy="11" r="3.5"/></g>', "commit index advances"),
        sample(_pill(32, 11, NodeState(id=0, peers=(), current_term=2, role=Role.LEADER)), "role and term change"),
    ]
    if not sync:
        keys.append(sample('<g class="duplicate"><circle cx="32" cy="11" r="5"/></g>', "message duplicated"))
    return '<div class="legend">' + "".join(keys) + "</div>"


def _packets(tl: Timeline) -> bool:
    """Whether the trace's messages are an implementation's, named by its adapter (Packet)."""
    return any(isinstance(e.message, Packet) for s in tl.steps for e in s.events)


def _reading(network: str, impl: bool) -> str:
    if network == SYNC:
        words = (
            "In this synchronous network a tick's messages, and their replies, are handled within the "
            "step, one after another, so each arrow starts and ends inside its row."
        )
    else:
        kind = "FIFO network (ordered links, as TCP gives)" if network == FIFO else "asynchronous network"
        words = (
            f"In this {kind} a message is in flight from the step that sent it to the step "
            "that delivers it, so its arrow crosses the rows in between."
        )
    if impl:
        labels = "Arrow labels are the implementation's messages, in its adapter's words (hover for the whole). "
    else:
        labels = (
            "Arrow labels: <code>vote? t2</code> asks for a "
            "vote in term 2, <code>yes</code>/<code>no</code> answer it; <code>AE t3 1:1 c0</code> is an append-entries "
            "of term 3 carrying entry 1:1 (term:command) with leader commit 0 (<code>hb</code>: no entries, a heartbeat), "
            "<code>ok 1</code>/<code>fail 0</code> answer it with the index matched or a hint. "
        )
    return (
        "<p class=\"reading\">Time goes down: one row per step. Each vertical line is a node's lane, drawn by its "
        "role; a label on a lane marks a new role or term where it happens. Arrows are messages from sender to "
        f"receiver; hover an arrow for its contents. {_esc(words)} {labels}"
        "On the right, every node after the step: "
        "<b class=\"chg\">highlighted</b> is what the step changed.</p>"
    )


def render_html(tl: Timeline) -> str:
    """The whole page, as one string."""
    t = tl.trace
    c = t.config
    layout = _Layout(tl)
    b = tl.broken
    if b is not None:
        title = f"{b.violation.invariant} broken at step {b.step}"
    else:
        title = f"no violation in {tl.applied} steps"
    explain = ""
    if b is not None:
        text = "\n".join(explanation(b, tl.steps))
        explain = (
            f'<section class="explain"><h2><a href="#step-{b.step}">Step {b.step}</a>: what breaks</h2>'
            f"<pre>{_esc(text)}</pre></section>"
        )
    heads = "".join(f'<th class="node" data-node="{i}">node {i}</th>' for i in layout.ids)
    if not layout.sync:
        heads += '<th class="flight">in flight after the step</th>'
    rows = "".join(_row(tl, layout, band) for band in layout.bands)
    meta = [
        f"trace <code>{_esc(tl.name)}</code> ({len(t.actions)} steps, from {_esc(t.engine)})",
        f"{c.nodes} nodes, {_esc(network_words(c.network))}",
        f"variant <b>{_esc(c.variant)}</b>: {_esc(get_variant(c.variant).description)}",
        f"bounds: {_esc(c.bounds.describe())}",
        _esc(result_line(tl)),
    ]
    if c.impl is not None:
        meta[2] = f"implementation <b>{_esc(c.impl.target)}</b>: {_esc(c.impl.describe())}"
    if b is not None and is_finding(b.violation.invariant):
        meta.insert(4, f"implementation failure <b>{_esc(b.violation.invariant)}</b>: {_esc(FINDINGS[b.violation.invariant])}")
    elif b is not None:
        meta.insert(4, f"invariant <b>{_esc(b.violation.invariant)}</b>: {_esc(by_name(b.violation.invariant).doc)}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>raftcheck: {_esc(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f'<header><h1 class="{"bad" if b else "good"}">{_esc(title)}</h1>'
        "<ul class=\"meta\">" + "".join(f"<li>{m}</li>" for m in meta) + "</ul></header>\n"
        f"{explain}\n{_reading(c.network, _packets(tl))}\n{_legend(layout.sync)}\n"
        f'<table class="timeline" data-nodes="{len(layout.ids)}" data-network="{c.network}">\n'
        f'<thead><tr><th class="num">step</th><th class="what">what happens</th>'
        f'<th class="diagram">{_lane_header(layout)}</th>{heads}</tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>\n"
        "<footer>Made by raftcheck's <code>show --html</code>: one file, no scripts, nothing fetched.</footer>\n"
        "</body>\n</html>\n"
    )


def write_html(tl: Timeline, path: str | os.PathLike) -> Path:
    """Write the page atomically: a temporary file beside ``path``, then a rename over it."""
    target = Path(path)
    text = render_html(tl)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".html", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def delivered_count(tl: Timeline) -> int:
    """Messages delivered in the whole trace: the arrows the diagram must show."""
    return sum(1 for s in tl.steps for e in s.events if e.kind == "deliver")


_CSS = """
:root { --follower: #8a9099; --candidate: #d97706; --leader: #1d4ed8; --vote: #7e22ce; --append: #15803d;
  --bad: #c81e1e; --ink: #1f2328; --muted: #57606a; --rule: #d0d7de; --zebra: #f6f8fa; --chg: #fff3b0; }
* { box-sizing: border-box; }
body { font: 13px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink);
  margin: 20px 24px; }
h1 { font-size: 20px; margin: 0 0 6px; }
h1.bad { color: var(--bad); }
h1.good { color: var(--append); }
h2 { font-size: 15px; margin: 0 0 6px; }
code, pre, td.node, td.flight { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
ul.meta { margin: 0 0 12px; padding-left: 18px; color: var(--muted); }
section.explain { border: 2px solid var(--bad); background: #fff5f5; border-radius: 6px; padding: 10px 14px;
  margin: 10px 0 14px; max-width: 1100px; }
section.explain pre { margin: 0; font-size: 12px; white-space: pre-wrap; }
section.explain a { color: var(--bad); }
p.reading { max-width: 1100px; margin: 8px 0; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 6px 0 14px; color: var(--muted); }
.legend .key { display: inline-flex; align-items: center; gap: 2px; }
table.timeline { border-collapse: separate; border-spacing: 0; }
table.timeline th { position: sticky; top: 0; background: #fff; z-index: 1; text-align: left; font-weight: 600;
  border-bottom: 2px solid var(--rule); padding: 4px 8px; vertical-align: bottom; }
table.timeline th.diagram { padding: 4px 0; }
table.timeline td { vertical-align: top; padding: 6px 8px; font-size: 12px; line-height: 15px; white-space: nowrap;
  border-top: 1px solid var(--rule); }
table.timeline td.diagram { padding: 0; border-top: 0; line-height: 0; }
tr.step:nth-child(even) td:not(.diagram) { background: var(--zebra); }
td.num { text-align: right; font-weight: 600; color: var(--muted); }
td.what { min-width: 250px; }
td.node { min-width: 150px; }
td.node.shaded-cut-off { background: repeating-linear-gradient(45deg, #eef0f2, #eef0f2 4px, #e1e4e8 4px, #e1e4e8 8px) !important; }
td.node.shaded-crashed { background: #d5d8dc !important; }
tr.violation td:not(.diagram) { background: #ffe9e9 !important; }
tr.violation td.num, .broken { color: var(--bad); font-weight: 700; }
tr.disabled td { color: var(--muted); }
b.chg { background: var(--chg); font-weight: 700; }
.role.leader { color: var(--leader); font-weight: 600; }
.role.candidate { color: var(--candidate); font-weight: 600; }
.status { color: var(--muted); font-style: italic; }
svg text { font: 10px system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
svg.lane-head text.lane-name { font-size: 12px; font-weight: 600; fill: var(--ink); }
.lane { stroke-linecap: butt; }
.lane.follower { stroke: var(--follower); stroke-width: 2; }
.lane.candidate { stroke: var(--candidate); stroke-width: 3; stroke-dasharray: 6 3; }
.lane.leader { stroke: var(--leader); stroke-width: 5; }
.lane.crashed { stroke: #5f6368; stroke-width: 2; stroke-dasharray: 1 4; }
.shade.cut-off { fill: #e3e6ea; }
.shade.crashed { fill: #c4c8cd; }
.msg line { stroke-width: 1.6; }
.msg.vote line { stroke: var(--vote); }
.msg.vote .head { fill: var(--vote); }
.msg.append line { stroke: var(--append); }
.msg.append .head { fill: var(--append); }
.msg.packet line { stroke: var(--ink); }
.msg.packet .head { fill: var(--ink); }
.msg.reply line { stroke-dasharray: 5 3; }
.msg.copy line { stroke-dasharray: 2 3; }
.msg.lost line { stroke: var(--bad); stroke-dasharray: 3 3; }
.msg .cross { stroke: var(--bad); stroke-width: 2.2; fill: none; }
[data-status="in-flight"] line { stroke-dasharray: 1 3; }
.arrow[data-status="in-flight"] .head { fill: none; stroke: var(--muted); }
text.msg-label { fill: var(--muted); font-size: 9.5px; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
text.msg-label.vote { fill: var(--vote); }
text.msg-label.append { fill: var(--append); }
text.note { fill: var(--muted); font-style: italic; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.tick { fill: var(--ink); }
.request path { fill: #f59e0b; stroke: #92400e; }
text.request-text { fill: #92400e; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.commit circle { fill: var(--append); stroke: #fff; stroke-width: 1; }
text.commit-text { fill: var(--append); font-weight: 700; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.pill rect { fill: #fff; stroke-width: 1.5; }
.pill.follower rect { stroke: var(--follower); }
.pill.candidate rect { stroke: var(--candidate); }
.pill.leader rect { stroke: var(--leader); fill: #e8efff; }
text.pill-text { font-size: 9.5px; font-weight: 600; fill: var(--ink); }
.duplicate circle { fill: #fff; stroke: var(--ink); stroke-width: 1.5; }
text.dup-text { fill: var(--ink); font-style: italic; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.violation-band { fill: #ffe9e9; }
.violation-ring { fill: none; stroke: var(--bad); stroke-width: 2; }
text.violation-text { fill: var(--bad); font-weight: 700; font-size: 11px; paint-order: stroke; stroke: #ffe9e9; stroke-width: 4px; }
footer { margin-top: 16px; color: var(--muted); font-size: 11px; }
@media print {
  @page { size: A4 landscape; margin: 10mm; }
  body { margin: 0; font-size: 11px; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  table.timeline th { position: static; }
  thead { display: table-header-group; }
  tr.step { break-inside: avoid; page-break-inside: avoid; }
  section.explain { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  footer { display: none; }
}
"""
