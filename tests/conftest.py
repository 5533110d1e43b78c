import os

import pytest


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _reference_data_after_flush(request):
    # Runs after pytest-django's own autouse database set-up (plugin fixtures come first).
    if _is_transactional(request):
        from tests.reference_data import ensure_reference_data

        ensure_reference_data()


@pytest.fixture(autouse=True)
def _fresh_region_table():
    # The in-process region table outlives a test's rolled-back transaction: a region
    # one test adds must not stay known in the next.
    from policies.regions import forget_region_table

    forget_region_table()
    yield
    forget_region_table()


@pytest.fixture(autouse=True)
def _fresh_version_test_hours():
    # Kept per process as published versions are immutable, but a test's version is
    # rolled back: the next test may publish another under the same code.
    from travellers.presentation import forget_version_test_hours

    forget_version_test_hours()
    yield
    forget_version_test_hours()


@pytest.fixture(autouse=True)
def _site_language():
    # A request through the test client leaves its language active in the thread: a test
    # calling a serializer or a service after an English page test must not answer in English.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _empty_throttle_counts():
    # The counters live in the cache across tests, all from one client address: a test
    # must not meet the 429 of the submits the tests before it made.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Real hashing costs ~0.3 s per login; tests check behaviour, not cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def services_required() -> bool:
    """True in CI's services run: tests needing PostgreSQL/Redis must then fail, not skip."""
    return os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}


@pytest.fixture
def redis_cache():
    """The default cache as production configures it (``portal.redis_cache.RedisCache``) on
    the integration Redis, under a key prefix of its own, emptied afterwards."""
    import uuid

    from django.core.cache import caches
    from django.test import override_settings

    url = os.environ.get("INTEGRATION_BROKER_URL", "")
    if not url:
        if services_required():
            pytest.fail("INTEGRATION_BROKER_URL is not set (REQUIRE_SERVICES=1)")
        pytest.skip("INTEGRATION_BROKER_URL is not set")
    prefix = f"test-cache-{uuid.uuid4().hex}"
    config = {
        "default": {
            "BACKEND": "portal.redis_cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=config):
        cache = caches["default"]
        yield cache
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        cache.close()
