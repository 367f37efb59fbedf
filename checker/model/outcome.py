"""How a run ends: a broken invariant, an implementation failure, or nothing found.

Every engine, the trace format and every view speak of outcomes through this one module.
"""

from __future__ import annotations

import threading

from attrs import frozen

#: Set once an engine has caught Ctrl-C or SIGTERM and is winding down to report how far it got.
#: The command line raises an interrupt again every few seconds while it is not set, because one
#: raised inside a garbage-collector callback is dropped (checker.cli.main); once set, raising it
#: again would only cut short the summary being written.
_heard = threading.Event()


def heard_interrupt() -> None:
    """Say that the interrupt was caught and the run is stopping: it need not be raised again."""
    _heard.set()


def interrupt_heard() -> bool:
    """Whether an engine has caught the interrupt since :func:`forget_interrupt`."""
    return _heard.is_set()


def forget_interrupt() -> None:
    """Start a command afresh: no interrupt heard yet."""
    _heard.clear()


@frozen
class Violation:
    """An invariant that failed, and what exactly is wrong."""

    invariant: str
    message: str


#: Kinds of implementation failure, with what each means. Reported where invariants are.
FINDINGS = {
    "exception": "a call into the implementation raised an exception",
    "timeout": "a call into the implementation did not return within the time limit",
    "malformed_reply": "a handler or client_request returned something other than the documented dict",
    "malformed_message": "tick returned something other than a list of well-formed message dicts",
    "malformed_state": "state, current_term, commit_index, get_log() or get_committed_entries() "
    "is not what the API documents",
    "memory": "a call into the implementation allocated more than the memory one call may take",
    "hidden_state": "a call changed a module or class variable, state shared by every node and every state",
    "nondeterministic": "a call read the clock or a generator seeded by the operating system, or (--check-determinism) "
    "made twice from the same state it gave two results: it does not repeat",
}


def is_finding(name: str | None) -> bool:
    """Whether a reported name is an implementation failure rather than a broken invariant."""
    return name in FINDINGS


@frozen
class Outcome:
    """How a run ended: a violation of ``invariant`` at ``step`` (0 is the initial world), an
    implementation failure ("error", with the finding's kind in ``invariant``; see checker.impl),
    or clean."""

    result: str  # "violation", "error" or "clean"
    invariant: str | None = None
    step: int | None = None
    message: str | None = None

    def summary_json(self) -> dict[str, str | None]:
        """The verdict keys of every command's JSON last line: ``result`` and ``invariant``, and for
        an implementation failure ``invariant`` null with the kind of failure in ``finding``."""
        if self.result == "error":
            return {"result": "error", "invariant": None, "finding": self.invariant}
        return {"result": self.result, "invariant": self.invariant}

    def same_as(self, other: Outcome) -> bool:
        """The same ending: result, invariant and step (the message's words may differ)."""
        return (self.result, self.invariant, self.step) == (other.result, other.invariant, other.step)


def outcome_for(v: Violation, step: int) -> Outcome:
    """A violation at ``step`` as an outcome: "error" when it is an implementation failure."""
    return Outcome("error" if is_finding(v.invariant) else "violation", v.invariant, step, v.message)
