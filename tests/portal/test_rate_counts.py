"""Attempt counters of the rate limits (``portal.rate_counts``) and the API's per-client
throttle built on them: each attempt counts once, also when many arrive together."""

import threading
import time
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from policies.api.throttles import ClientRateThrottle
from portal import rate_counts

THREADS = 24


def _together(call, times=THREADS):
    """``call()`` from ``times`` threads released at once; their results."""
    start = threading.Barrier(times)
    results, lock = [], threading.Lock()

    def run():
        start.wait()
        value = call()
        with lock:
            results.append(value)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.fixture(params=["locmem", "redis"])
def backend(request):
    if request.param == "redis":
        return request.getfixturevalue("redis_cache")
    return caches["default"]


def test_attempts_count_up_per_scope_and_ident(backend):
    assert [rate_counts.take("submit", "10.0.0.1", 60) for _ in range(3)] == [1, 2, 3]
    assert rate_counts.take("submit", "10.0.0.2", 60) == 1
    assert rate_counts.take("lookup", "10.0.0.1", 60) == 1


def test_an_attempt_given_back_no_longer_counts(backend):
    rate_counts.take("lookup_reference", "ABCDE23456", 60)
    rate_counts.take("lookup_reference", "ABCDE23456", 60)
    rate_counts.give_back("lookup_reference", "ABCDE23456")
    assert rate_counts.take("lookup_reference", "ABCDE23456", 60) == 2


def test_giving_back_after_the_window_ended_is_harmless(backend):
    rate_counts.give_back("lookup_reference", "never-taken")
    assert rate_counts.take("lookup_reference", "never-taken", 60) == 1


def test_attempts_sent_together_each_count_once(backend):
    counts = _together(lambda: rate_counts.take("submit", "10.9.9.9", 60))
    assert sorted(counts) == list(range(1, THREADS + 1))


def test_a_window_ends_after_its_period_and_the_count_starts_again(backend):
    assert rate_counts.take("submit", "10.0.0.3", 1) == 1
    assert rate_counts.take("submit", "10.0.0.3", 1) == 2
    time.sleep(1.2)
    assert rate_counts.take("submit", "10.0.0.3", 1) == 1


def test_the_wait_is_what_is_left_of_the_window(backend):
    rate_counts.take("submit", "10.0.0.4", 3600)
    assert 3590 <= rate_counts.seconds_left("submit", "10.0.0.4", 3600) <= 3600
    # Nothing counted: no longer than a moment, never zero or negative.
    assert rate_counts.seconds_left("submit", "10.0.0.5", 3600) >= 1


def test_keys_do_not_hold_the_counted_address_or_reference(backend):
    rate_counts.take("lookup_reference", "ABCDE23456", 60)
    rate_counts.take("submit", "203.0.113.77", 60)
    if backend is caches["default"] and hasattr(backend, "_cache") and isinstance(
        backend._cache, dict
    ):
        keys = list(backend._cache)
    else:
        keys = [k.decode() for k in backend._cache.get_client().scan_iter("*rate:*")]
    assert keys
    assert not [k for k in keys if "ABCDE23456" in k or "203.0.113.77" in k]


def test_the_redis_counter_survives_a_server_that_forgot_the_script(redis_cache):
    assert rate_counts.take("submit", "10.0.0.6", 60) == 1
    redis_cache._cache.get_client(write=True).script_flush()
    assert rate_counts.take("submit", "10.0.0.6", 60) == 2


def _request(address):
    return RequestFactory().post("/api/v1/declarations/", REMOTE_ADDR=address)


def test_the_api_throttle_lets_exactly_its_rate_through_when_requests_arrive_together(
    backend, settings
):
    # Read-then-write throttles let all of these through: each read the same history.
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "submit": "5/min"}
    view = SimpleNamespace(throttle_scope="submit")
    allowed = _together(lambda: ClientRateThrottle().allow_request(_request("10.7.7.7"), view))
    assert allowed.count(True) == 5
    assert allowed.count(False) == THREADS - 5


def test_a_refused_request_is_told_how_long_to_wait(backend, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "submit": "1/hour"}
    view = SimpleNamespace(throttle_scope="submit")
    assert ClientRateThrottle().allow_request(_request("10.8.8.8"), view) is True
    refused = ClientRateThrottle()
    assert refused.allow_request(_request("10.8.8.8"), view) is False
    assert 3590 <= refused.wait() <= 3600


def test_a_scope_without_a_rate_is_not_counted(backend, settings):
    settings.THROTTLE_RATES = {k: v for k, v in settings.THROTTLE_RATES.items() if k != "submit"}
    view = SimpleNamespace(throttle_scope="submit")
    assert all(ClientRateThrottle().allow_request(_request("10.6.6.6"), view) for _ in range(50))
    assert rate_counts.take("submit", "10.6.6.6", 60) == 1
