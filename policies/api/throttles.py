"""The API's per-client throttle: attempts per client address and scope, counted in
fixed windows by ``portal.rate_counts`` at the rates of ``settings.THROTTLE_RATES``.

DRF's own throttles copy the rates into a class attribute at import (a rate changed
later, by ``override_settings`` or a reloaded environment, was ignored) and read then
write a client's history, so parallel requests from one address all passed.
"""

import logging

from rest_framework.throttling import BaseThrottle

from portal import rate_counts

logger = logging.getLogger(__name__)


class ClientRateThrottle(BaseThrottle):
    """Requests per client address (``REMOTE_ADDR``, or ``X-Forwarded-For`` as DRF reads
    it behind ``NUM_PROXIES``) in the class's ``scope``, or the view's ``throttle_scope``.

    A count that cannot be taken lets the request through, logged. The counters are in
    the cache, in production Redis, mostly the broker's own server: its outage refused
    every citizen with a 500, where a broker that is down should cost them nothing but
    a later email. A per-client rate only slows a flood; the guard that must hold
    without its counter (a reference's lookups) refuses instead.
    """

    scope: str | None = None

    def allow_request(self, request, view):
        scope = self.scope or getattr(view, "throttle_scope", None)
        limit = rate_counts.limit(scope) if scope else None
        if limit is None:
            return True
        allowed, period = limit
        ident = self.get_ident(request)
        try:
            if rate_counts.take(scope, ident, period) <= allowed:
                return True
            self._wait = rate_counts.seconds_left(scope, ident, period)
        except Exception as exc:
            logger.warning(
                "Throttle %s could not count (%s): request let through",
                scope,
                type(exc).__name__,
            )
            return True
        return False

    def wait(self):
        return getattr(self, "_wait", None)
