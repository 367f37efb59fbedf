"""`show`: the timeline as text (pinned as golden transcripts), as JSON, and as one HTML page.

The golden transcripts in tests/golden/*.txt work like etcd-io/raft's datadriven files: a command
line, a line of dashes, and the exact output and exit status. After an intended change to the
output, regenerate them with ``REGEN_GOLDEN=1 python -m pytest tests/test_show.py`` and review
the diff.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from attrs import evolve

from checker import traces
from checker.cli.main import main
from checker.front import model_for
from checker.model.actions import Crash, Cut, Deliver, Heal, Tick
from checker.model.outcome import Outcome
from checker.model.config import REFERENCE
from checker.model.native import Model
from checker.model.variants import get_variant
from checker.views.html import REQUEST_ROOM, delivered_count, render_html
from checker.views.text import render_text
from checker.views.timeline import timeline

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
CORPUS = sorted((ROOT / "corpus").glob("*.json"))
# The plain explorer's figure8 counterexample, kept as a fixture: the counts below were made by hand on it.
FIGURE8 = ROOT / "tests" / "fixtures" / "figure8-sync-leader_completeness-0a30cc85f5.json"
ASYNC = GOLDEN / "async-election.json"
REGEN = os.environ.get("REGEN_GOLDEN") == "1"


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _show(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["show", *args])
    out, err = capsys.readouterr()
    return code, out, err


# --- Text ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_show_names_the_broken_invariant_and_its_step(path, capsys):
    """Every corpus trace shown exits 1 and says, at the step that breaks it, which invariant broke
    (or, for an implementation failure, such as raftos's KeyError, which kind of failure)."""
    t = traces.load(path)
    code, out, _ = _show(capsys, str(path))

    assert 1 == code
    assert f"at step {t.outcome.step}:" in out
    if t.outcome.result == "error":
        assert f"IMPLEMENTATION FAILURE ({t.outcome.invariant}) at step {t.outcome.step}:" in out
        assert f"result: implementation failure ({t.outcome.invariant}) at step {t.outcome.step} (as recorded)" in out
    else:
        assert f"VIOLATION of {t.outcome.invariant} " in out
        assert f"result: {t.outcome.invariant} broken at step {t.outcome.step} (as recorded)" in out


def _golden_files() -> list[Path]:
    return sorted(GOLDEN.glob("*.txt"))


def _run_transcript_command(line: str, monkeypatch, capsys) -> str:
    args = shlex.split(line)
    monkeypatch.chdir(ROOT)
    code = main(args)
    out, _ = capsys.readouterr()
    return f"{out}exit status {code}\n"


@pytest.mark.parametrize("golden", _golden_files(), ids=[p.stem for p in _golden_files()])
def test_golden_transcript(golden, monkeypatch, capsys):
    """The timeline of a pinned trace is exactly the reviewed text: any change to it shows in a diff."""
    command, _, expected = golden.read_text(encoding="utf-8").partition("\n----\n")
    actual = _run_transcript_command(command, monkeypatch, capsys)
    if REGEN:
        golden.write_text(f"{command}\n----\n{actual}", encoding="utf-8")
        return
    assert expected == actual


def test_golden_transcripts_cover_a_sync_and_an_async_trace():
    """The transcripts pin both network modes: the figure8 corpus trace and a hand-made async one."""
    commands = [p.read_text(encoding="utf-8").partition("\n----\n")[0] for p in _golden_files()]

    assert f"show {_relative(FIGURE8)}" in commands
    assert f"show {_relative(ASYNC)}" in commands


def test_colour_only_adds_escape_codes():
    """With colour on, the text is the plain text plus ANSI codes; with colour off there are none."""
    tl = timeline(traces.load(FIGURE8), "f")
    plain, coloured = render_text(tl, colour=False), render_text(tl, colour=True)

    assert "\x1b[" not in plain
    assert "\x1b[" in coloured
    assert plain == re.sub(r"\x1b\[[0-9;]*m", "", coloured)


def test_show_under_correct_rules_exits_0(capsys):
    """The figure8 trace shown with --variant default breaks nothing: exit 0, and the result says so."""
    code, out, _ = _show(capsys, "--variant", "default", str(FIGURE8))

    assert 0 == code
    assert "result: no violation in 10 steps" in out
    assert "VIOLATION" not in out


def test_show_stops_at_an_action_that_is_not_enabled(tmp_path, capsys):
    """A trace whose step cannot happen (healing a node that is not cut off) is shown up to there, exit 0."""
    t = traces.load(FIGURE8)
    t = evolve(t, actions=t.actions[:8] + (Heal(3),) + t.actions[9:])
    path = tmp_path / "disabled.json"
    path.write_text(traces.dumps(t))

    code, out, _ = _show(capsys, str(path))

    assert 0 == code
    assert "step 9: node 3 is reconnected\n  not enabled here" in out
    assert "step 9 (node 3 is reconnected) is not enabled here" in out


# --- JSON ----------------------------------------------------------------------------------


def test_show_json_gives_the_summary_and_every_step(capsys):
    """show --json ends with DESIGN's summary keys plus every step: its action, its words and the nodes after it."""
    code, out, err = _show(capsys, "--json", str(FIGURE8))
    last = json.loads(out.strip().splitlines()[-1])

    assert 1 == code
    assert 1 == len(out.strip().splitlines())  # The timeline went to stderr.
    assert "step 10:" in err
    assert {"result", "invariant", "trace", "states", "distinct", "depth", "seconds", "steps"} <= set(last)
    assert ("violation", "leader_completeness", 10, 10) == (last["result"], last["invariant"], last["step"], last["depth"])
    assert list(range(11)) == [s["step"] for s in last["steps"]]
    step8 = last["steps"][8]
    assert {"action": "tick", "node": 1} == step8["action"]
    assert "node 1 (leader of term 3) sends heartbeats" == step8["text"]
    assert {"1": ["commit"], "3": ["log"]} == step8["changed"]
    assert [[1, 1, 1]] == step8["nodes"][2]["log"]
    assert ["act", "send", "lose", "send", "deliver", "send", "deliver"] == [e["kind"] for e in step8["events"]]
    assert "leader_completeness" == last["steps"][10]["violation"]["invariant"]


# --- HTML ----------------------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """Checks that tags balance and collects what the tests count."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
        else:
            self.stack.pop()

    def having(self, cls: str, **data: str) -> list[dict[str, str]]:
        """Drawn elements of a class: those with data attributes (the legend's samples have none)."""
        out = []
        for _, attrs in self.elements:
            if cls not in attrs.get("class", "").split() or not any(k.startswith("data-") for k in attrs):
                continue
            if all(attrs.get(f"data-{k}") == v for k, v in data.items()):
                out.append(attrs)
        return out


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


@pytest.mark.parametrize("path", CORPUS + [ASYNC], ids=[p.name for p in CORPUS + [ASYNC]])
def test_html_is_well_formed_self_contained_with_lanes_and_arrows(path):
    """The page parses with balanced tags, fetches nothing, draws a lane per node and an arrow per delivered message."""
    tl = timeline(traces.load(path), _relative(path))
    text = render_html(tl)
    page = _parse(text)

    assert [] == page.errors and [] == page.stack
    assert "http" not in text.lower()
    assert not [a for _, a in page.elements if "src" in a]
    assert all(a["href"].startswith("#") for _, a in page.elements if "href" in a)
    assert not [tag for tag, _ in page.elements if tag in ("script", "link", "iframe", "img")]
    assert {str(i) for i in tl.trace.config.node_ids} == {a["data-node"] for a in page.having("lane")}
    assert delivered_count(tl) == len(page.having("arrow", status="delivered"))


def test_html_arrow_counts_for_the_pinned_traces():
    """Counted by hand: figure8 delivers 22 messages (4 per election or heartbeat round, 2 when node 2 is cut
    off); the async trace 5, its one dropped-while-cut message and its duplicate's copy included."""
    f8 = _parse(render_html(timeline(traces.load(FIGURE8), "f")))
    t = traces.load(ASYNC)
    a = _parse(render_html(timeline(t, "a")))

    assert 22 == len(f8.having("arrow", status="delivered"))
    assert 1 == len(f8.having("arrow", status="lost"))
    assert sum(isinstance(x, Deliver) for x in t.actions) == len(a.having("arrow", status="delivered"))
    assert (2, 1, 1) == (
        len(a.having("arrow", status="dropped")),
        len(a.having("arrow", status="lost")),
        len(a.having("arrow", status="in-flight")),
    )
    assert 1 == len(a.having("duplicate"))


def _counts_from_the_worlds(tl) -> tuple[int, int, int]:
    """What the arrows must show, read off the actions and the worlds alone (not the events):
    messages delivered (one per Deliver action), lost on a link that broke (what a Cut or Crash
    took out of the network), and still in flight after the last step."""
    delivered = lost = 0
    for s in tl.steps[1:]:
        if s.world is None:
            continue
        delivered += isinstance(s.action, Deliver)
        if isinstance(s.action, (Cut, Crash)) and tl.trace.config.network == "fifo":
            lost += len(s.before.network) - len(s.world.network)
    return delivered, lost, len(tl.worlds[-1].network)


IMPL_TRACES = [p for p in CORPUS if traces.load(p).config.impl is not None]


@pytest.mark.parametrize("path", IMPL_TRACES, ids=[p.name for p in IMPL_TRACES])
def test_html_draws_an_implementations_messages(path):
    """An implementation's trace (raftos, through its adapter, on the async network) is drawn
    with its messages: one delivered arrow per Deliver action, and one still-in-flight arrow per
    message left in the network after the last step, as for the native model."""
    tl = timeline(traces.load(path), "t")
    page = _parse(render_html(tl))
    delivered, _, in_flight = _counts_from_the_worlds(tl)

    assert delivered == len(page.having("arrow", status="delivered")) == delivered_count(tl)
    assert in_flight == len(page.having("arrow", status="in-flight"))
    assert delivered + in_flight > 0


_PYSYNCOBJ_ARROWS = """
import json, sys
sys.path.insert(0, "tests")
from test_show import _counts_from_the_worlds, _parse
from checker import traces
from checker.views.html import render_html
from checker.views.timeline import timeline
tl = timeline(traces.load(sys.argv[1]), "t")
page = _parse(render_html(tl))
drawn = [len(page.having("arrow", status=s)) for s in ("delivered", "lost", "in-flight")]
print(json.dumps([drawn, list(_counts_from_the_worlds(tl)), [] == page.errors and [] == page.stack]))
"""
PYSYNCOBJ = sorted((ROOT / "corpus" / "pysyncobj").glob("*.json"))


@pytest.mark.parametrize("path", PYSYNCOBJ, ids=[p.name for p in PYSYNCOBJ])
def test_html_draws_pysyncobj_messages_on_fifo_links(path):
    """A PySyncObj trace (one release per process, so in a fresh one): the page is well formed and
    draws every message of the fifo network: one arrow per delivery, one per message lost when
    its link broke (cut off or crashed), one per message still queued at the end."""
    done = subprocess.run([sys.executable, "-c", _PYSYNCOBJ_ARROWS, str(path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    drawn, expected, well_formed = json.loads(done.stdout.strip().splitlines()[-1])
    assert drawn == expected and well_formed
    assert sum(drawn) > 0


def test_html_pysyncobj_two_leaders_arrows_counted_by_hand():
    """The #201/#202 trace, counted by hand: 4 deliveries (two vote requests and their votes),
    1 lost (node 1's first append to node 2, queued when node 2 crashes), and 5
    in flight at the end (node 1's request and append to node 3, node 2's request to node 1 and
    its two appends)."""
    path = ROOT / "corpus" / "pysyncobj" / "pysyncobj-0.3.15-fifo-election_safety-29d9fc8eb0.json"
    done = subprocess.run([sys.executable, "-c", _PYSYNCOBJ_ARROWS, str(path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    drawn, _, _ = json.loads(done.stdout.strip().splitlines()[-1])
    assert [4, 1, 5] == drawn


@pytest.mark.parametrize("path", CORPUS + [ASYNC], ids=[p.name for p in CORPUS + [ASYNC]])
def test_html_client_request_labels_fit_inside_the_picture(path):
    """A client request's label ("client: command 1") runs from its lane toward the other lanes,
    with room for it inside the picture: the margin outside the last lane is too narrow for it."""
    text = render_html(timeline(traces.load(path), "t"))
    width = int(re.search(r'<svg class="slice" width="(\d+)"', text).group(1))
    labels = re.findall(r'<text class="request-text" x="([\d.]+)" y="[\d.]+" text-anchor="(start|end)">', text)

    assert labels or not any(a.get("action") == "request" for a in json.loads(path.read_text())["actions"])
    for x, anchor in labels:
        assert (float(x) + REQUEST_ROOM <= width) if anchor == "start" else (float(x) >= REQUEST_ROOM), (x, anchor)


def test_html_marks_the_violation_and_the_states_beside_it():
    """The violating step's row is marked, the named node is ringed, and every step has a row of node states."""
    page = _parse(render_html(timeline(traces.load(FIGURE8), "f")))
    rows = [a for tag, a in page.elements if tag == "tr" and "step" in a.get("class", "").split()]

    assert [f"step-{k}" for k in range(11)] == [r["id"] for r in rows]
    assert ["step-10"] == [r["id"] for r in rows if "violation" in r["class"].split()]
    assert ["2"] == [a["data-node"] for a in page.having("violation-ring")]
    assert 33 == len([a for tag, a in page.elements if tag == "td" and "node" in a.get("class", "").split()])


def test_show_html_writes_one_file_atomically(tmp_path, capsys):
    """show --html writes the page and nothing else: no temporary file is left beside it."""
    target = tmp_path / "figure8.html"
    code, out, _ = _show(capsys, str(FIGURE8), "--html", str(target))

    assert 1 == code
    assert [target.name] == [p.name for p in tmp_path.iterdir()]
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"page written: {target}" in out


# --- Bad input -----------------------------------------------------------------------------


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    "args, named",
    [
        (["show", "missing.json"], "missing.json"),
        (["show", "junk.json"], "junk.json"),
        (["show", "ok.json", "--html", "no/such/dir/page.html"], "no/such/dir/page.html"),
        (["show", "ok.json", "--html", "."], "--html ."),
        (["show", "ok.json", "--variant", "nope"], "--variant"),
    ],
)
def test_show_bad_input_exits_2_with_one_line_and_writes_nothing(args, named, tmp_path):
    """A missing or malformed trace, an --html path that cannot be written, an unknown variant: exit 2, one line."""
    (tmp_path / "junk.json").write_text('{"format": "raftcheck-trace", "version": 1')
    (tmp_path / "ok.json").write_text(FIGURE8.read_text())
    before = sorted(tmp_path.rglob("*"))

    proc = _run(*args, cwd=tmp_path)

    assert 2 == proc.returncode
    assert 1 == len(proc.stderr.strip().splitlines()), proc.stderr
    assert named in proc.stderr and "Traceback" not in proc.stderr
    assert "" == proc.stdout
    assert before == sorted(tmp_path.rglob("*"))


# --- The world model's events --------------------------------------------------------------


@pytest.mark.parametrize("config, limit", [("tiny", None), ("async-tiny", 3000)])
def test_step_events_leads_to_the_same_worlds_as_step(config, limit):
    """Model.step_events, which show uses, gives exactly Model.step's world for every action of every world
    reached (the whole tiny space; the first 3,000 async worlds), so what is shown is what was checked."""
    model = Model(REFERENCE[config], get_variant("figure8").rules)
    seen = {model.initial()}
    frontier = [model.initial()]
    while frontier and (limit is None or len(seen) < limit):
        following = []
        for w in frontier:
            for a in model.actions(w):
                after = model.step(w, a)
                assert after == model.step_events(w, a)[0]
                if after is not None and after not in seen:
                    seen.add(after)
                    following.append(after)
        frontier = following


def test_native_fifo_messages_lost_when_a_link_breaks_are_drawn_lost():
    """On the native fifo network, a Cut or Crash loses what was queued on the node's links:
    show reports each such message lost at that step (not still in flight at the end)."""
    config = REFERENCE["fifo-tiny"]
    model = model_for(config)
    w = model.step(model.initial(), Tick(1))  # Node 1 asks 2 and 3 for their votes: two messages queued.
    after, events = model.step_events(w, Cut(1))
    page = _parse(render_html(timeline(traces.Trace(config, (Tick(1), Cut(1)), Outcome("clean")), "t")))

    assert 2 == len(w.network) and () == after.network
    assert sorted(w.network, key=repr) == sorted((e.message for e in events if e.kind == "lose"), key=repr)
    assert (2, 0) == (len(page.having("arrow", status="lost")), len(page.having("arrow", status="in-flight")))
