"""Shared test setup: the hypothesis profile, a headless matplotlib, and the ``backend`` fixture."""

from __future__ import annotations

import os

os.environ["MPLBACKEND"] = "Agg"  # headless plots; set before anything imports matplotlib
os.environ["AUTOGRAD_CHECK_BACKWARD"] = "1"  # every op's backward results are checked

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# function_scoped_fixture too: the backend fixture only flips a global for the whole test, so
# sharing it across hypothesis examples is what we want
settings.register_profile("numbagrad", deadline=None, max_examples=25,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.load_profile("numbagrad")


@pytest.fixture(params=["numpy", "numba"])
def backend(request: pytest.FixtureRequest):
    """Run the test once per kernel backend, restoring the previously active one afterwards."""
    import autograd

    previous = autograd.get_backend()
    autograd.set_backend(request.param)
    try:
        yield request.param
    finally:
        autograd.set_backend(previous)
