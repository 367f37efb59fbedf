"""Bounded breadth-first search: every reachable world within the bounds, or the shortest
way to break an invariant."""

from __future__ import annotations

import resource
import sys
import time
from typing import Any, Callable, Hashable, Iterable, Protocol, Sequence

from attrs import frozen

from checker.model.outcome import Violation, heard_interrupt


@frozen
class Progress:
    depth: int
    frontier: int
    states: int
    distinct: int
    seconds: float


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb * 1024 if sys.platform != "darwin" else kb


#: The largest resident set ``note_resident`` saw in this process, in bytes.
_resident_high = 0


def note_resident() -> None:
    """Records the resident set now, before memory is handed back to the system by ``madvise``
    (glibc's ``malloc_trim``), which the kernel's high-water mark (``ru_maxrss``) need not see:
    ``peak_memory_bytes`` takes the larger of the two. Cheap (one read of ``/proc/self/statm``)."""
    global _resident_high
    try:
        with open("/proc/self/statm", "rb") as statm:
            resident = int(statm.read().split()[1]) * resource.getpagesize()
    except (OSError, IndexError, ValueError):
        return
    _resident_high = max(_resident_high, resident)


def peak_memory_bytes() -> int:
    """This process's peak resident memory less the pages it shares with other processes, as
    far as the proportional set size gives them to those (``/proc/self/smaps_rollup``: a page
    shared by n processes counts 1/n in each one's PSS, in full in each one's RSS). Summed over
    a search's worker processes, forked from one coordinator, this counts the pages they still
    share after the fork once, where the sum of their peak RSS counts them once per process.

    The share is taken now, at the end of a search: pages shared after a fork only stop being
    shared (a write copies them), so it is the least it has been, and the figure is at least the
    process's largest PSS (exactly that when, as in a search, memory peaks at the end). Where
    the kernel does not say (not Linux), the peak RSS."""
    peak = max(peak_rss_bytes(), _resident_high)
    try:
        with open("/proc/self/smaps_rollup", "rb") as rollup:
            fields = dict(line.split()[:2] for line in rollup if line[:4] in (b"Rss:", b"Pss:"))
    except OSError:
        return peak
    if b"Rss:" not in fields or b"Pss:" not in fields:
        return peak
    rss, pss = int(fields[b"Rss:"]) * 1024, int(fields[b"Pss:"]) * 1024
    # The high-water mark is updated lazily: now may be a little above the last one recorded.
    return max(peak, rss) - (rss - pss)


class SearchModel(Protocol):
    """What the search needs of a model: Stateright's three parts."""

    def initial(self) -> Hashable: ...

    def actions(self, state: Any) -> Iterable[Any]: ...

    def step(self, state: Any, action: Any) -> Any | None: ...


@frozen
class SearchResult:
    violation: Violation | None
    trace: tuple[Any, ...] | None  # The shortest sequence of actions that breaks it.
    states: int  # Transitions taken, counting those to states seen before.
    distinct: int
    depth: int  # The deepest level reached.
    seconds: float
    exhaustive: bool  # True only when the frontier emptied inside the bounds.
    interrupted: bool
    reached: dict[str, int]  # sometimes-property name -> depth at which it was first reached.
    peak_rss_bytes: int
    symmetry: bool = False  # Worlds that differ only in node names counted as one.


def search(
    model: SearchModel,
    check_state: Callable[[Any], Violation | None],
    check_transition: Callable[[Any, Any, Any], Violation | None],
    sometimes: Sequence[tuple[str, Callable[[Any], bool]]] = (),
    max_depth: int | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    progress_every: float = 1.0,
) -> SearchResult:
    """Breadth-first search from the initial state, checking ``check_state`` on every new state and
    ``check_transition`` on every step. Stops at the first violation, which is then at the smallest
    possible depth; states are visited level by level, each level in the order it was discovered."""
    start = time.monotonic()
    last_report = start
    init = model.initial()
    parents: dict[Any, tuple[Any, Any] | None] = {init: None}
    reached: dict[str, int] = {}
    states = 0
    depth = 0
    frontier = [init]
    interrupted = False
    exhaustive = False

    def finish(violation: Violation | None, trace: tuple[Any, ...] | None) -> SearchResult:
        return SearchResult(
            violation=violation,
            trace=trace,
            states=states,
            distinct=len(parents),
            depth=depth,
            seconds=time.monotonic() - start,
            exhaustive=exhaustive,
            interrupted=interrupted,
            reached=dict(reached),
            peak_rss_bytes=peak_memory_bytes(),
        )

    def note_sometimes(state: Any, at: int) -> None:
        for name, holds in sometimes:
            if name not in reached and holds(state):
                reached[name] = at

    violation = check_state(init)
    if violation is not None:
        return finish(violation, ())
    note_sometimes(init, 0)
    try:
        while frontier:
            if max_depth is not None and depth >= max_depth:
                break
            next_frontier: list[Any] = []
            for state in frontier:
                for action in model.actions(state):
                    after = model.step(state, action)
                    if after is None:
                        continue
                    states += 1
                    violation = check_transition(state, action, after)
                    if violation is not None:
                        depth += 1
                        return finish(violation, _path(parents, state) + (action,))
                    if after in parents:
                        continue
                    parents[after] = (state, action)
                    violation = check_state(after)
                    if violation is not None:
                        depth += 1
                        return finish(violation, _path(parents, after))
                    note_sometimes(after, depth + 1)
                    next_frontier.append(after)
                if on_progress is not None:
                    now = time.monotonic()
                    if now - last_report >= progress_every:
                        last_report = now
                        on_progress(Progress(depth, len(frontier), states, len(parents), now - start))
            frontier = next_frontier
            if frontier:
                depth += 1
        else:
            exhaustive = True
    except KeyboardInterrupt:
        heard_interrupt()
        interrupted = True
    return finish(None, None)





def _path(parents: dict[Any, tuple[Any, Any] | None], w: Any) -> tuple[Any, ...]:
    actions: list[Any] = []
    link = parents[w]
    while link is not None:
        w, action = link
        actions.append(action)
        link = parents[w]
    return tuple(reversed(actions))
