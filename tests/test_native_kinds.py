"""The C loop (``checker/search/_native.c``) and the Python engine number things the same way: the
kinds of action, the single-node acts its memo keys hold, the parts of an encoded world and the
head of a packed record. The C file spells them in enums of its own; a change on one side only
would make the two loops file worlds differently without any error."""

from __future__ import annotations

import pytest

from checker.search import layout
from checker.search.encoded import _ACTION_OF_KIND
from checker.search.parallel import _Packing

_native = pytest.importorskip("checker.search._native", reason="the C loop was not built")


def test_the_c_loop_numbers_actions_as_python_does():
    """Every action kind and every single-node act has the same number in C as in ``layout``."""
    c = _native.LAYOUT
    assert {kind.name: c[kind.name] for kind in layout.Kind} == {kind.name: int(kind) for kind in layout.Kind}
    acts = {"HEARTBEAT": layout.HEARTBEAT, "TIMEOUT": layout.TIMEOUT, "ACT_REQUEST": layout.ACT_REQUEST,
            "ACT_RESTART": layout.ACT_RESTART}
    assert {name: c[name] for name in acts} == acts
    assert [int(a) for a in layout.Act] == sorted(acts.values())


def test_the_c_loop_reads_encoded_worlds_and_records_as_python_spells_them():
    """The parts after the k node states sit at the same offsets, and a packed record's head has the
    same size, in C as in Python."""
    c = _native.LAYOUT
    offsets = {name: getattr(layout, name) for name in ("AT_CUT", "AT_CRASHED", "AT_REQUESTS", "AT_GHOST", "AT_NET")}
    assert {name: c[name] for name in offsets} == offsets
    assert c["HEAD"] == _Packing.HEAD.size


def test_each_kind_names_its_action_type():
    """``Encoded.action`` turns a kind back into the plain model's action by this table."""
    assert [t.__name__ for t in _ACTION_OF_KIND] == [
        "Tick", "ClientRequest", "Cut", "Heal", "Crash", "Restart", "Deliver", "Drop", "Duplicate"
    ]
    assert len(_ACTION_OF_KIND) == len(layout.Kind)
