"""Attempt counters for rate limits, in fixed windows, taken atomically.

A window starts with its first attempt and lasts the rate's period; every attempt in it
adds one, and the caller refuses once the count passes the allowance. Taking an attempt
is one atomic step: DRF's own throttles read a client's history, then write it back, so
requests sent in parallel from one address each read the same history and all passed;
here each one counts. On the Redis cache (production) the step is one round trip, a
script that increments and starts the window's expiry; on the other backends
(development, the test suite) an ``add`` and an ``incr``, atomic under the backend's
own lock.

Keys hold a keyed hash of what is counted (a client address, a reference): cache keys
may be listed by whoever operates the cache. Errors of the cache reach the caller,
which decides whether an uncounted attempt goes through.
"""

from __future__ import annotations

import contextlib
import time

from django.conf import settings
from django.core.cache import caches
from django.utils.crypto import salted_hmac
from rest_framework.throttling import SimpleRateThrottle

from portal.redis_cache import RedisCache

_TAKE = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""
_take_script = None


def limit(scope: str) -> tuple[int, int] | None:
    """(attempts allowed, period in seconds) of ``settings.THROTTLE_RATES[scope]``, None
    where the scope is unlimited."""
    rate = settings.THROTTLE_RATES.get(scope)
    return SimpleRateThrottle.parse_rate(None, rate) if rate else None


def _key(scope: str, ident: str) -> str:
    digest = salted_hmac("portal.rate_counts", ident, algorithm="sha256").hexdigest()
    return f"rate:{scope}:{digest[:40]}"


def take(scope: str, ident: str, period: int) -> int:
    """Count one attempt of ``ident`` in ``scope``; returns the attempts of the current
    window, this one included."""
    key = _key(scope, ident)
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return _take_on_redis(cache, key, period)
    if cache.add(key, 1, timeout=period):
        cache.set(f"{key}:ends", time.time() + period, timeout=period)
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # the window ended between the two calls: this one starts anew
        cache.set(key, 1, timeout=period)
        cache.set(f"{key}:ends", time.time() + period, timeout=period)
        return 1


def _take_on_redis(cache: RedisCache, key: str, period: int) -> int:
    global _take_script
    full_key = cache.make_and_validate_key(key)
    client = cache._cache.get_client(full_key, write=True)
    if _take_script is None:
        # Only hashes the script: it is loaded into the server on first use (EVALSHA,
        # then EVAL where the server does not know it, after a restart too).
        _take_script = client.register_script(_TAKE)
    return int(_take_script(keys=[full_key], args=[period], client=client))


def give_back(scope: str, ident: str) -> None:
    """Return one attempt of the current window (one that turned out not to count)."""
    # A ValueError: the window ended meanwhile, nothing is left to give back.
    with contextlib.suppress(ValueError):
        caches["default"].decr(_key(scope, ident))


def seconds_left(scope: str, ident: str, period: int) -> int:
    """Seconds until the current window of ``ident`` in ``scope`` ends (at most
    ``period``): how long a refused caller waits."""
    key = _key(scope, ident)
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        left = cache._cache.get_client(full_key).ttl(full_key)
    else:
        ends = cache.get(f"{key}:ends")
        left = -(-(ends - time.time()) // 1) if ends is not None else period
    return int(min(period, max(1, left)))
