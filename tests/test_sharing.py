"""Workers that take over part of another's level (``parallel._expand_round``): who expands a
world must change nothing in the search, only how soon a level ends."""

from __future__ import annotations

import glob
import os
import time

import pytest

from checker.front import explore, model_for
from checker.model.config import FIFO, REFERENCE, Bounds, Config, symmetry_sound
from checker.model.variants import get_variant
from checker.search import parallel

pytestmark = pytest.mark.skipif(not parallel.native_loop(), reason="the C loop was not built")

CONFIGS = {
    "tiny": REFERENCE["tiny"],
    "async-tiny": REFERENCE["async-tiny"],
    "fifo": Config(nodes=3, network=FIFO, bounds=Bounds(max_term=1, max_requests=1, max_in_flight=3, max_cut=1)),
    "crashes": Config(nodes=3, bounds=Bounds(max_term=2, max_requests=1, max_crashed=1, max_depth=10)),
    "vote-no-log-check": get_variant("vote-no-log-check").config,
    "stale-replies": get_variant("stale-replies").config,
}


def _levels(config, workers, give, symmetry):
    """The search of ``config`` on ``workers`` in-process workers, driven as the coordinator drives
    them, and when ``give`` the first worker gives the second half of what is left of its part
    of every level to the last one, after its first block, which expands it once its own part
    is done. What it returns is everything the search decides: per level, each worker's
    fingerprints and parent links, the steps taken, and the first broken world or step."""
    model = model_for(config)
    crew = [parallel._Worker(model, i, workers, symmetry, True) for i in range(workers)]
    assert all(w.native is not None for w in crew)
    seeded = [w.seed() for w in crew]
    broken = parallel._first([s[1] for s in seeded])
    taken = 0
    depth = 0
    history = []
    while broken is None and sum(len(w.frontier) for w in crew) and (config.bounds.max_depth is None or depth < config.bounds.max_depth):
        parts = [None] * workers
        given = []
        if give:
            crew[0].share = lambda hand: given.append(hand()) if not given else None
        # The last worker first, as if it were the quicker; then the first, which gives.
        for index in reversed(range(workers)):
            steps, step, blobs = crew[index].expand()
            parts[index] = [(steps, step, blobs)]
        crew[0].share = None
        if given and given[0] is not None:
            taken += 1
            parts[-1].append(crew[-1].take(given[0]))
        steps = sum(p[0] for part in parts for p in part)
        step = parallel._first([p[1] for part in parts for p in part])
        accepted = [
            w.accept([p[2][w.index] for part in parts for p in part], depth + 1) for w in crew
        ]
        arrived = parallel._first([a[1] for a in accepted])
        history.append(
            (steps, [(w.frontier_fps, [list(a) for a in w.levels[-1]]) for w in crew], step and step.key, arrived and arrived.key)
        )
        broken = parallel._first([step, arrived])
        depth += 1
    return history, taken


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_a_level_part_given_away_is_searched_as_its_owner_would(name, workers, monkeypatch):
    """With blocks of four worlds, a worker gives half of the rest of its part of each level away
    from its first block on; every level's fingerprints, parent links, steps and broken
    world or step are the same as when nobody gives anything, with and without symmetry."""
    monkeypatch.setattr(parallel, "NATIVE_BLOCK", 4)
    config = CONFIGS[name]
    for symmetry in {False, symmetry_sound(config)}:
        shared, taken = _levels(config, workers, True, symmetry)
        alone, none = _levels(config, workers, False, symmetry)

        assert none == 0
        assert taken >= 3  # Parts were given away in several levels: the test saw what it claims.
        assert shared == alone


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("name", ["tiny", "async-tiny", "vote-no-log-check", "stale-replies"])
def test_workers_that_take_over_parts_give_the_single_process_result(name, workers, monkeypatch, tmp_path):
    """Through the worker processes and the coordinator, with blocks of two worlds and the first
    worker slowed between its blocks, so that the others finish first and find it with
    something left to give: the same counts, verdict and counterexample as one worker, and
    parts were taken over."""
    monkeypatch.setattr(parallel, "NATIVE_BLOCK", 2)
    plain_take = parallel._Worker.take
    plain_expand = parallel._Worker._expand_native

    def expand(self):
        share = self.share
        if self.index != 0 or share is None:
            return plain_expand(self)

        def slowly(give):
            time.sleep(0.002)
            share(give)

        self.share = slowly
        try:
            return plain_expand(self)
        finally:
            self.share = share

    def take(self, given):
        (tmp_path / f"took-{os.getpid()}-{len(glob.glob(str(tmp_path / '*')))}").write_text("")
        return plain_take(self, given)

    monkeypatch.setattr(parallel._Worker, "take", take)
    monkeypatch.setattr(parallel._Worker, "_expand_native", expand)
    config = CONFIGS[name]
    one, many = explore(config, workers=1), explore(config, workers=workers)

    assert (one.distinct, one.states, one.depth, one.exhaustive, one.reached, one.violation) == (
        many.distinct, many.states, many.depth, many.exhaustive, many.reached, many.violation,
    )
    assert one.trace == many.trace
    assert glob.glob(str(tmp_path / "took-*"))
