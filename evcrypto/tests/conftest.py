"""Shared settings for the crypto tests."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "evcrypto",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile("evcrypto")
