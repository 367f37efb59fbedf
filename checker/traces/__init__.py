"""Counterexample traces: the file format, replay, and shrinking.

``from checker import traces`` gives the names below; inside this package, modules import
their siblings directly.
"""

from checker.traces.format import (
    Trace,
    TraceError,
    action_to_json,
    config_from_json,
    config_to_json,
    dumps,
    file_name,
    load,
    loads,
    message_to_json,
    save,
    signals_held,
)
from checker.traces.replay import ReplayResult, ReplayStep, replay, replay_steps
from checker.traces.shrink import ShrinkError, ShrinkResult, shrink

__all__ = [
    "ReplayResult",
    "ReplayStep",
    "ShrinkError",
    "ShrinkResult",
    "Trace",
    "TraceError",
    "action_to_json",
    "config_from_json",
    "config_to_json",
    "dumps",
    "file_name",
    "load",
    "loads",
    "message_to_json",
    "replay",
    "replay_steps",
    "save",
    "shrink",
    "signals_held",
]
