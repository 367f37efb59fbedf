"""Run in a fresh process by tests/test_library_snapshots.py (one release of a library per
process): a library's search, plain and fast on 1, 2 and 3 workers (the fast one freezing worlds
as the adapter's snapshots), or a walk comparing snapshot/restore with copy. Prints one JSON line.

    python tests/library_search.py search '<json: target, network, bounds, settings, skip, only>'
    python tests/library_search.py walk '<json: target, settings, steps, seed>'
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from checker.front import model_for  # noqa: E402
from checker.model.config import Bounds, Config, ImplTarget  # noqa: E402
from checker.model.outcome import outcome_for  # noqa: E402
from checker.search.bfs import search as plain_search  # noqa: E402
from checker.search.parallel import parallel_search  # noqa: E402
from checker.search.target import Targeted  # noqa: E402
from checker.traces.format import Trace  # noqa: E402
from checker.traces.replay import replay  # noqa: E402


class _Sought(Targeted):
    """``Targeted`` with the adapter model's codec and bounds, so that the fast engine runs on it."""

    def __getattr__(self, name):
        return getattr(self.model, name)


def _config(spec: dict) -> Config:
    impl = ImplTarget(spec["target"], settings=tuple(sorted(spec.get("settings", {}).items())),
                      skip=tuple(sorted(spec.get("skip", ()))))
    return Config(nodes=3, network=spec["network"], bounds=Bounds(**spec["bounds"]), impl=impl)


def _summary(config: Config, result, trace) -> dict:
    found = result.violation
    out = {
        "distinct": result.distinct, "transitions": result.states, "depth": result.depth,
        "exhaustive": result.exhaustive, "reached": result.reached,
        "invariant": None if found is None else found.invariant,
        "trace": None if trace is None else [repr(a) for a in trace],
    }
    if found is not None:
        replayed = replay(Trace(config, tuple(trace), outcome_for(found, len(trace)), engine="explore"))
        out["replayed"] = [replayed.outcome.invariant, replayed.outcome.step]
    return out


def search(spec: dict) -> dict:
    config = _config(spec)
    only = spec.get("only")

    def model():
        m = model_for(config)
        return _Sought(m, only) if only else m

    m = model()
    if only:
        def verdict(before, action, after):
            return m.check_step(before, action, after) or m.check_world(after)
    else:
        verdict = m.check_step
    plain = plain_search(m, m.check_world, verdict, m.sometimes, config.bounds.max_depth)
    out = {"plain": _summary(config, plain, plain.trace), "portable": m.model.codec.portable if only else m.codec.portable}
    for workers in (1, 2, 3):
        fast = parallel_search(model(), workers)
        out[str(workers)] = _summary(config, fast, fast.trace)
    return out


def walk(spec: dict) -> dict:
    """A seeded walk of three nodes; at each step the node acted on is the restore of its own
    snapshot, and a copy of it takes the same call: the two must send and show the same. The
    digest of every snapshot taken says whether another process makes the same bytes."""
    config = _config({"network": "async", "bounds": {}, **spec})
    adapter = model_for(config).adapter
    peers = {1: (2, 3), 2: (1, 3), 3: (1, 2)}
    nodes, net = {}, []
    for i in peers:
        nodes[i], sends = adapter.create(i, peers[i])
        net += [(i, s) for s in sends]
    rng = random.Random(spec["seed"])
    digest = hashlib.sha256()
    counts = {"steps": 0, "raised": 0, "leaders": 0, "requests": 0, "crashes": 0}
    for step in range(spec["steps"]):
        i = rng.choice(sorted(peers))
        data = adapter.snapshot(nodes[i])
        digest.update(hashlib.sha256(data).digest())
        restored, copied = adapter.restore(data), adapter.copy(nodes[i])
        assert adapter.key(restored) == adapter.key(nodes[i]), step
        again = adapter.snapshot(restored)
        assert adapter.snapshot(adapter.restore(again)) == again, step  # Restored nodes are a fixed point.
        mine = [k for k, (_, s) in enumerate(net) if s.dest == i]
        roll = rng.random()
        if roll < 0.05 and getattr(adapter, "persistent", False):
            stable = adapter.crash(restored), adapter.crash(copied)
            assert stable[0] == stable[1], step
            try:
                nodes[i], sends = adapter.restart(i, peers[i], stable[0])
            except Exception:  # raftos 0.2.6 cannot read back some logs it wrote (docs/raftos.md).
                counts["raised"] += 1
                continue
            counts["crashes"] += 1
            net += [(i, s) for s in sends]
            continue
        if mine and roll < 0.65:
            source, sent = net.pop(rng.choice(mine))
            call, args = adapter.deliver, (source, sent.payload)
        elif roll < 0.75:
            call, args = adapter.request, (step,)
            counts["requests"] += adapter.observe(restored).role == "leader"
        else:
            call, args = adapter.advance, ()
        results, sent_by_restored = [], []
        for node in (restored, copied):
            try:
                sends = call(node, *args)
            except Exception as e:  # A library's exception (raftos #27): both must raise it.
                results.append(f"{type(e).__name__}: {e}")
            else:
                results.append([(s.dest, s.summary, repr(s.payload)) for s in sends])
                if node is restored:
                    sent_by_restored = sends
        assert results[0] == results[1], step
        assert adapter.key(restored) == adapter.key(copied), step
        if isinstance(results[0], str):
            counts["raised"] += 1
            continue
        nodes[i] = restored
        net = (net + [(i, s) for s in sent_by_restored])[-12:]
        counts["steps"] += 1
        counts["leaders"] = max(counts["leaders"], sum(adapter.observe(n).role == "leader" for n in nodes.values()))
    counts["digest"] = digest.hexdigest()[:16]
    return counts


if __name__ == "__main__":
    what, spec = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps({"search": search, "walk": walk}[what](spec)))
