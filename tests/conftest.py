"""Hypothesis settings profiles, chosen by HYPOTHESIS_PROFILE: ``fast`` (the default), ``ci``, ``nightly``.

Every profile is derandomized and keeps no example database, so a test run is the same run on
every machine and in every xdist worker.
"""

import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck), print_blob=False)
settings.register_profile("fast", max_examples=12, stateful_step_count=40, **_common)
settings.register_profile("ci", max_examples=100, stateful_step_count=60, **_common)
settings.register_profile("nightly", max_examples=2000, stateful_step_count=100, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))
