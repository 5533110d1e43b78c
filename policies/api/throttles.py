from django.conf import settings
from rest_framework.throttling import ScopedRateThrottle


class SettingsScopedRateThrottle(ScopedRateThrottle):
    """``ScopedRateThrottle`` reading ``settings.THROTTLE_RATES`` on each request.

    DRF copies its rates into a class attribute at import, so a rate changed later
    (``override_settings`` in tests, or a reloaded environment) would be ignored.
    """

    @property
    def THROTTLE_RATES(self):
        return settings.THROTTLE_RATES
