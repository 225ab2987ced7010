import os

import pytest

# The mdcheck pytest plugin collects every .md file with a model block; the golden specs
# here are inputs of tests/test_golden.py, not test files of their own.
collect_ignore_glob = ["golden/*.md", "data/*"]
from hypothesis import HealthCheck, settings

# Hypothesis profiles (tests/test_differential.py). MDCHECK_HYPOTHESIS_PROFILE picks one:
#   ci   (default) a few hundred generated specs in all, about a minute on two cores;
#        derandomized and without the example database, so every run checks the same specs
#   long thousands of specs, random each run; failing examples are saved in .hypothesis/
_COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                     HealthCheck.filter_too_much])
settings.register_profile("ci", max_examples=200, derandomize=True, database=None, print_blob=True, **_COMMON)
settings.register_profile("long", max_examples=3000, print_blob=True, **_COMMON)
settings.load_profile(os.environ.get("MDCHECK_HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/*.expect from the current output instead of comparing")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")
