import logging

from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class OpenWhenUncounted:
    """A per-client rate that cannot be counted lets the request through, logged.

    The counters are in the cache, in production Redis, mostly the broker's own server:
    its outage refused every citizen with a 500, where a broker that is down should cost
    them nothing but a later email. A per-client rate only slows a flood; the guard that
    must hold without its counter (a reference's lookups) refuses instead.
    """

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception as exc:
            logger.warning(
                "Throttle %s could not count (%s): request let through",
                self.scope,
                type(exc).__name__,
            )
            return True


class SettingsScopedRateThrottle(OpenWhenUncounted, ScopedRateThrottle):
    """``ScopedRateThrottle`` reading ``settings.THROTTLE_RATES`` on each request.

    DRF copies its rates into a class attribute at import, so a rate changed later
    (``override_settings`` in tests, or a reloaded environment) would be ignored.
    """

    @property
    def THROTTLE_RATES(self):
        return settings.THROTTLE_RATES
