"""Hypothesis settings for the security tests: deterministic, so CI runs the same examples."""

from hypothesis import HealthCheck, settings

# derandomize: the examples follow from each test's name, so a run is repeatable and a failure
# is the same failure on the next run. No example database (nothing written to .hypothesis/),
# no deadline (the machine is shared and slow at times); function-scoped fixtures are shared by
# the examples on purpose (one world, one savepoint: every example must leave it unchanged).
settings.register_profile(
    "portal",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=8,
    print_blob=False,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("portal")
