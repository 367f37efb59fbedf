"""Named reference configurations, so that tests, the README and benchmarks mean the same thing."""

from __future__ import annotations

from checker.world import ASYNC, SYNC, Bounds, Config

REFERENCE: dict[str, Config] = {
    # Seconds: for the test suite.
    "tiny": Config(nodes=3, network=SYNC, bounds=Bounds(max_term=2, max_requests=1, max_cut=1)),
    # Three terms, two requests: a third of a million worlds.
    "small": Config(nodes=3, network=SYNC, bounds=Bounds(max_term=3, max_requests=2, max_cut=1)),
    # The README's main job and the benchmark's throughput run: over a million worlds, exhaustive
    # in a minute or two on a 2-core machine.
    "default": Config(nodes=3, network=SYNC, bounds=Bounds(max_term=3, max_requests=3, max_cut=1)),
    # Deep enough for the Figure 8 story: four terms, two requests, one node cut off.
    "figure8": Config(nodes=3, network=SYNC, bounds=Bounds(max_term=4, max_requests=2, max_cut=1)),
    # Messages that can be reordered, lost and duplicated.
    "async-tiny": Config(nodes=3, network=ASYNC, bounds=Bounds(max_term=2, max_requests=1, max_in_flight=2, max_cut=0)),
}
