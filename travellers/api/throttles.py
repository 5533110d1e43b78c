"""Throttles of the citizen endpoints: per client, and per reference for lookups.

Rates come from ``settings.THROTTLE_RATES`` on every request (see
``policies.api.throttles``), under the scopes ``submit``, ``lookup`` and
``lookup_reference``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.throttling import SimpleRateThrottle

from policies.api.throttles import OpenWhenUncounted
from travellers import lookup_attempts
from travellers.references import normalise_reference


class _SettingsRateThrottle(SimpleRateThrottle):
    @property
    def THROTTLE_RATES(self):
        return settings.THROTTLE_RATES


class ClientThrottle(OpenWhenUncounted, _SettingsRateThrottle):
    """Requests per client address (``REMOTE_ADDR``, or ``X-Forwarded-For`` as DRF reads it
    behind ``NUM_PROXIES``)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SubmitThrottle(ClientThrottle):
    scope = "submit"


class LookupThrottle(ClientThrottle):
    scope = "lookup"


class LookupReferenceThrottle(_SettingsRateThrottle):
    """Failed attempts per declaration reference, from any client: guessing the four
    phone digits of one reference from many addresses is capped too. The count is the
    status page's (``travellers.lookup_attempts``): taken here, atomically, before the
    lookup; given back by the view when the pair matches."""

    scope = "lookup_reference"

    def allow_request(self, request, view):
        reference = self.reference_of(request)
        return reference is None or lookup_attempts.reserve(reference)

    def wait(self):
        return lookup_attempts.wait_seconds()

    @staticmethod
    def reference_of(request) -> str | None:
        data = request.data if hasattr(request.data, "get") else {}
        try:
            return normalise_reference(str(data.get("reference") or ""))
        except ValidationError:
            return None  # malformed: nothing to find, the per-client limit applies
