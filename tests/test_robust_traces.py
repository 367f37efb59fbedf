"""Trace files, mutated: every corpus trace cut short, bit-flipped and hand-edited in every field,
then given to ``replay``, ``show`` and ``shrink``. Each answers with exit 2 and one stderr line
naming the file, or loads the file faithfully (every field as written) and replays it to the
verdict a direct replay gives; never a traceback, never a hang, nothing written on exit 2.

The mutations are a fixed list per trace (``mutations``), so that the number of cases is known
and docs/reliability.md can state it (tests/reliability.py counts them). The default suite
tries a seeded sample of each family on each trace; HYPOTHESIS_PROFILE=ci or nightly tries all.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from checker import traces
from checker.traces.format import trace_to_json
from checker.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "corpus").glob("*.json"))
COMMANDS = ("replay", "show", "shrink")
#: Seconds one command may take on one mutated trace before the test calls it a hang; a corpus
#: trace replays and shrinks in milliseconds.
HANG = 30
#: Byte flips per trace, at seeded positions.
FLIPS = 24
#: Truncation points per trace, spread over the file.
CUTS = 12

#: Cases per family and trace under the ``fast`` Hypothesis profile (the default suite), a seeded
#: sample of the full list; every case under ``ci`` and ``nightly``.
FAST_CAP = 10

Mutation = tuple[str, str, bytes]  # (family, what was done, the file's new bytes)


def profile() -> str:
    return os.environ.get("HYPOTHESIS_PROFILE", "fast")


def cap(name: str | None = None) -> int | None:
    """How many cases of each family a trace gets under profile ``name`` (this run's by default):
    FAST_CAP under the fast profile, else all."""
    return FAST_CAP if (name or profile()) == "fast" else None


def _leaves(doc: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    """Every value in the document with its path, containers included (not the root)."""
    if isinstance(doc, dict):
        items = list(doc.items())
    elif isinstance(doc, list):
        items = list(enumerate(doc))
    else:
        return
    for key, value in items:
        yield path + (key,), value
        yield from _leaves(value, path + (key,))


def _edited(doc: Any, path: tuple, change: Callable[[Any, Any], None]) -> Any:
    copy = json.loads(json.dumps(doc))
    parent = copy
    for key in path[:-1]:
        parent = parent[key]
    change(parent, path[-1])
    return copy


def _set(value: Any) -> Callable[[Any, Any], None]:
    def change(parent, key):
        parent[key] = value

    return change


def _delete(parent, key) -> None:
    del parent[key]


def _text(doc: Any) -> bytes:
    return json.dumps(doc, indent=1).encode()


#: Values of the wrong type, one tried per field: whichever is not the field's own type.
WRONG_TYPES = [None, True, "3", 1.5, [], {}, 3]
#: Numbers out of every range: far too big, past 64 bits, past what Python converts (4,300 digits), negative.
HUGE = {"10**30": "1" + "0" * 30, "2**64": str(2**64), "5000 digits": "9" * 5000, "-1": "-1"}


def _name(path: tuple) -> str:
    return ".".join(str(k) for k in path)


def mutations(path: Path, profile_name: str | None = None) -> list[Mutation]:
    """The fixed list of mutations of one trace file, under profile ``profile_name`` (this run's by default)."""
    text = path.read_bytes()
    doc = json.loads(text)
    rng = random.Random(path.name)  # Seeded by the name: the same flips in every run.
    out: list[Mutation] = []
    for k in range(CUTS):
        at = k * len(text) // CUTS
        out.append(("truncation", f"cut at byte {at}", text[:at]))
    for _ in range(FLIPS):
        b = bytearray(text)
        at, bit = rng.randrange(len(b)), rng.randrange(8)
        b[at] ^= 1 << bit
        out.append(("byte flip", f"bit {bit} of byte {at}", bytes(b)))
    leaves = list(_leaves(doc))
    for p, value in leaves:
        out.append(("missing field", f"no {_name(p)}", _text(_edited(doc, p, _delete))))
        wrong = next(w for w in WRONG_TYPES if type(w) is not type(value) and not (isinstance(value, bool) and w is True))
        out.append(("wrong type", f"{_name(p)} = {wrong!r}", _text(_edited(doc, p, _set(wrong)))))
        if isinstance(value, int) and not isinstance(value, bool):
            for label, digits in HUGE.items():
                # Written by hand: json.dumps of a 5,000-digit int fails the same conversion limit.
                marked = _text(_edited(doc, p, _set("@@HUGE@@"))).replace(b'"@@HUGE@@"', digits.encode())
                family = "negative number" if label == "-1" else "huge number"
                out.append((family, f"{_name(p)} = {label}", marked))
    for p, value in [((), doc)] + [(p, v) for p, v in leaves if isinstance(v, dict)]:
        extra = _edited({"root": doc}, ("root",) + p + ("unexpected",), _set(1))["root"]
        out.append(("extra field", f"{_name(p) or 'top level'}.unexpected = 1", _text(extra)))
    for step in range(len(doc["actions"]) + 1):
        out.extend(_impossible(doc, step))
    out.append(("newer version", "version = 2", _text({**doc, "version": 2})))
    out.append(("newer version", "version = 0", _text({**doc, "version": 0})))
    for key in ("version", "format", "config", "actions", "outcome"):
        plain = text.decode()
        first = plain.index(f'"{key}"')
        out.append(("duplicate key", f"{key} given twice", (plain[:first] + f'"{key}": 2, ' + plain[first:]).encode()))
    deep = "[" * 100_000 + "]" * 100_000
    out.append(("deep nesting", "100,000 nested lists", _text({**doc, "actions": "@@"}).replace(b'"@@"', deep.encode())))
    for constant in ("NaN", "Infinity", "-Infinity"):
        at = _text({**doc, "seed": "@@"}).replace(b'"@@"', constant.encode())
        out.append(("non-JSON number", f"seed = {constant}", at))
    out.append(("not UTF-8", "a byte 0xff", text[:40] + b"\xff" + text[40:]))
    out.append(("empty", "no bytes", b""))
    limit = cap(profile_name)
    if limit is None:
        return out
    kept = []
    for family in dict.fromkeys(f for f, _, _ in out):
        cases = [m for m in out if m[0] == family]
        kept.extend(cases if len(cases) <= limit else random.Random(f"{path.name} {family}").sample(cases, limit))
    return kept


def _impossible(doc: dict, step: int) -> Iterator[Mutation]:
    """Actions that cannot happen at ``step``: restarting a node that is up, delivering a message
    never sent, acting on a node outside the cluster."""
    actions = doc["actions"]
    nodes = doc["config"]["nodes"]

    def at(action):
        return _text({**doc, "actions": actions[:step] + [action] + actions[step:]})

    yield ("impossible action", f"restart of node 1 inserted at step {step + 1}", at({"action": "restart", "node": 1}))
    never_sent = {"type": "request_vote", "from": 1, "to": 2, "term": 99, "last_log_index": 0, "last_log_term": 0}
    yield ("impossible action", f"deliver of a message never sent at step {step + 1}", at({"action": "deliver", "message": never_sent}))
    yield ("impossible action", f"tick of node {nodes + 1} at step {step + 1}", at({"action": "tick", "node": nodes + 1}))


def count_cases(profile_name: str | None = None) -> dict[str, int]:
    """Cases per mutation family over the whole corpus under a profile, each run by all three commands."""
    counts: dict[str, int] = {}
    for path in CORPUS:
        for family, _, _ in mutations(path, profile_name):
            counts[family] = counts.get(family, 0) + 1
    return counts


class Hang(Exception):
    pass


def _run(argv: list[str]) -> tuple[int, str, str]:
    """``python -m checker ARGV`` in process, within HANG seconds; (status, stdout, stderr)."""

    def hang(signum, frame):
        raise Hang(f"{argv} took more than {HANG} s")

    out, err = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(HANG)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return code, out.getvalue(), err.getvalue()


def _as_written(encoded: Any, written: Any) -> bool:
    """Every field the trace's encoding has is in the file with the same value and type (a file
    may carry extra fields, which the loader ignores)."""
    if isinstance(encoded, dict):
        return isinstance(written, dict) and all(k in written and _as_written(v, written[k]) for k, v in encoded.items())
    if isinstance(encoded, list):
        return isinstance(written, list) and len(encoded) == len(written) and all(map(_as_written, encoded, written))
    return type(encoded) is type(written) and encoded == written


def check_case(tmp_path: Path, corpus_file: Path, mutation: Mutation) -> None:
    family, what, data = mutation
    path = tmp_path / corpus_file.name
    path.write_bytes(data)
    try:
        loaded = traces.load(path)
    except traces.TraceError:
        loaded = None
    for command in COMMANDS:
        before = sorted(tmp_path.iterdir())
        code, out, err = _run([command, str(path), "--json"])
        case = f"{corpus_file.name}, {family} ({what}), {command}: exit {code}\n{err[-2000:]}"
        assert code in (0, 1, 2), case
        assert "Traceback" not in err, case
        if code == 2:
            assert 1 == len(err.splitlines()), case
            assert str(path) in err, case
            assert before == sorted(tmp_path.iterdir()), case
            continue
        # Accepted: then it must have been read as written, and replayed to what a replay gives.
        assert loaded is not None, case
        assert _as_written(trace_to_json(loaded), json.loads(data)), case
        replayed = traces.replay(loaded)
        tail = json.loads(out.strip().splitlines()[-1])
        if command == "replay":
            # An implementation failure has "invariant" null and its kind in "finding" (summary_json).
            assert (replayed.outcome.result, replayed.outcome.invariant) == (tail["result"], tail.get("finding") or tail["invariant"]), case
            assert code == (1 if replayed.outcome.result != "clean" else 0), case
        elif command == "show":
            assert code == (1 if replayed.outcome.result != "clean" else 0), case
        else:
            # Shrinking may re-aim a stale message action (async) and so succeed where a literal
            # replay stops; what it must keep is the recorded invariant, in a trace that replays to it.
            assert 1 == code and (tail.get("finding") or tail["invariant"]) == loaded.outcome.invariant, case
            shrunk = traces.load(tail["trace"])
            assert traces.replay(shrunk).reproduces(shrunk.outcome), case
            assert shrunk.outcome.invariant == loaded.outcome.invariant, case
        for extra in set(tmp_path.iterdir()) - set(before):
            assert command == "shrink" and str(extra) == tail["trace"], case  # Only shrink writes, only its result.
            extra.unlink()


@pytest.mark.parametrize("corpus_file", CORPUS, ids=[p.stem.rsplit("-", 1)[0] for p in CORPUS])
def test_every_mutation_of_a_corpus_trace_is_refused_in_one_line_or_replayed_faithfully(corpus_file, tmp_path):
    """Each mutation of this corpus trace, through replay, show and shrink: exit 2 with one line
    naming the file and nothing written, or a faithful load and the verdict a direct replay gives."""
    for mutation in mutations(corpus_file):
        check_case(tmp_path, corpus_file, mutation)


def test_the_mutations_cover_every_family_on_every_trace():
    """No family is empty for any trace (a family that silently produced nothing would test nothing)."""
    families = {
        "truncation", "byte flip", "missing field", "wrong type", "huge number", "negative number", "extra field",
        "impossible action", "newer version", "duplicate key", "deep nesting", "non-JSON number", "not UTF-8", "empty",
    }  # fmt: skip
    for path in CORPUS:
        assert families == {family for family, _, _ in mutations(path)}, path.name


# --- Defects the sweep found, pinned -------------------------------------------------------


def _figure8(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.json"
    path.write_text(text)
    return path


def test_a_trace_nested_too_deeply_is_bad_input_not_a_recursion_error(tmp_path):
    """A file of 100,000 nested lists once ended in RecursionError from the JSON parser."""
    path = _figure8(tmp_path, "[" * 100_000 + "]" * 100_000)

    with pytest.raises(traces.TraceError, match="nested too deeply"):
        traces.load(path)


def test_a_number_of_5000_digits_is_bad_input_not_a_value_error(tmp_path):
    """A 5,000-digit number once escaped as Python's ValueError (integer string conversion limit)."""
    text = (CORPUS[0]).read_text().replace('"seed": 0', '"seed": ' + "9" * 5000)
    path = _figure8(tmp_path, text)

    with pytest.raises(traces.TraceError, match="4300 digits"):
        traces.load(path)


def test_a_name_given_twice_is_bad_input_not_silently_the_last(tmp_path):
    """``"nodes": 3, "nodes": 2`` was read as 2 without a word; now it is refused, naming the field."""
    text = CORPUS[0].read_text().replace('"nodes": 3,', '"nodes": 3, "nodes": 2,')
    path = _figure8(tmp_path, text)

    with pytest.raises(traces.TraceError, match="'nodes' appears twice"):
        traces.load(path)


def test_nan_and_infinity_are_not_json_numbers(tmp_path):
    """Python's parser takes NaN and Infinity; a trace with one (a call_timeout of Infinity, say) is refused."""
    text = CORPUS[0].read_text().replace('"seed": 0', '"seed": Infinity')

    with pytest.raises(traces.TraceError, match="Infinity is not a JSON number"):
        traces.load(_figure8(tmp_path, text))


def test_a_trace_without_config_impl_is_bad_input_not_read_as_native(tmp_path):
    """A config without its "impl" field was read as the native model without a word; the
    reader is strict about every other field, and now about this one."""
    doc = json.loads(CORPUS[0].read_text())
    del doc["config"]["impl"]

    with pytest.raises(traces.TraceError, match="config lacks 'impl'"):
        traces.load(_figure8(tmp_path, json.dumps(doc)))
