"""Lookup attempts per reference, shared by the status page and the API.

Each lookup takes an attempt before it runs (an atomic increment, so guesses sent in
parallel from many addresses each take one) and gives it back when it finds the
declaration: only failed pairs use up a reference's allowance (``THROTTLE_RATES``
``lookup_reference``), never the owner's own lookups. The window is fixed: it starts
with the first attempt and lasts the rate's period.
"""

from __future__ import annotations

import logging

from portal import rate_counts

SCOPE = "lookup_reference"

logger = logging.getLogger(__name__)


def reserve(reference: str) -> bool:
    """Take one attempt for ``reference``; False when its allowance is used up."""
    limit = rate_counts.limit(SCOPE)
    if limit is None:
        return True
    allowed, period = limit
    try:
        count = rate_counts.take(SCOPE, reference, period)
    except Exception as exc:
        # Uncounted, the four phone digits of a reference could be guessed without limit
        # while the cache is down: the lookup waits for it.
        logger.warning("Lookup attempts could not be counted (%s): refused", type(exc).__name__)
        return False
    return count <= allowed


def release(reference: str) -> None:
    """Give back the attempt of a lookup that found its declaration."""
    if rate_counts.limit(SCOPE) is None:
        return
    try:
        rate_counts.give_back(SCOPE, reference)
    except Exception as exc:
        # The lookup found its declaration: a cache gone since the reserve costs the
        # owner one attempt of the window, never the answer.
        logger.warning("Lookup attempt not given back (%s)", type(exc).__name__)


def wait_seconds(reference: str | None) -> int:
    """How long a refused lookup of ``reference`` waits: until its window ends."""
    limit = rate_counts.limit(SCOPE)
    if limit is None:
        return 0
    if reference is None:
        return limit[1]
    try:
        return rate_counts.seconds_left(SCOPE, reference, limit[1])
    except Exception:
        return limit[1]  # the cache that refused the lookup cannot say either
