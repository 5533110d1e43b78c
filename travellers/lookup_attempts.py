"""Lookup attempts per reference, shared by the status page and the API.

Each lookup takes an attempt before it runs (an atomic increment, so guesses sent in
parallel from many addresses each take one) and gives it back when it finds the
declaration: only failed pairs use up a reference's allowance (``THROTTLE_RATES``
``lookup_reference``), never the owner's own lookups. The window is fixed: it starts
with the first attempt and lasts the rate's period.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

from travellers import pii

SCOPE = "lookup_reference"

logger = logging.getLogger(__name__)


def _limit() -> tuple[int, int] | None:
    rate = settings.THROTTLE_RATES.get(SCOPE)
    return SimpleRateThrottle.parse_rate(None, rate) if rate else None


def _key(reference: str) -> str:
    # Keyed: cache keys may be listed by whoever operates the cache.
    return f"lookup-reference:{pii.keyed_hash(reference)}"


def reserve(reference: str) -> bool:
    """Take one attempt for ``reference``; False when its allowance is used up."""
    limit = _limit()
    if limit is None:
        return True
    allowed, period = limit
    key = _key(reference)
    try:
        cache.add(key, 0, timeout=period)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.set(key, 1, timeout=period)
            count = 1
    except Exception as exc:
        # Uncounted, the four phone digits of a reference could be guessed without limit
        # while the cache is down: the lookup waits for it.
        logger.warning("Lookup attempts could not be counted (%s): refused", type(exc).__name__)
        return False
    return count <= allowed


def release(reference: str) -> None:
    """Give back the attempt of a lookup that found its declaration."""
    if _limit() is None:
        return
    try:
        cache.decr(_key(reference))
    except ValueError:
        pass  # the window ended meanwhile, nothing is left to give back
    except Exception as exc:
        # The lookup found its declaration: a cache gone since the reserve costs the
        # owner one attempt of the window, never the answer.
        logger.warning("Lookup attempt not given back (%s)", type(exc).__name__)


def wait_seconds() -> int:
    limit = _limit()
    return limit[1] if limit else 0
