"""Throttles of the citizen endpoints: per client, and per reference for lookups.

Rates come from ``settings.THROTTLE_RATES`` on every request (see
``policies.api.throttles``), under the scopes ``submit``, ``lookup`` and
``lookup_reference``.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from rest_framework.throttling import SimpleRateThrottle

from travellers.references import normalise_reference


class _SettingsRateThrottle(SimpleRateThrottle):
    @property
    def THROTTLE_RATES(self):
        return settings.THROTTLE_RATES


class ClientThrottle(_SettingsRateThrottle):
    """Requests per client address (``REMOTE_ADDR``, or ``X-Forwarded-For`` as DRF reads it
    behind ``NUM_PROXIES``)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SubmitThrottle(ClientThrottle):
    scope = "submit"


class LookupThrottle(ClientThrottle):
    scope = "lookup"


class LookupReferenceThrottle(_SettingsRateThrottle):
    """Attempts per declaration reference, from any client: guessing the four phone digits
    of one reference from many addresses is capped too."""

    scope = "lookup_reference"

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request.data, "get") else {}
        try:
            reference = normalise_reference(str(data.get("reference") or ""))
        except ValidationError:
            return None  # malformed: nothing to find, the per-client limit applies
        # Hashed: cache keys may be listed by whoever operates the cache.
        digest = hashlib.sha256(reference.encode("ascii")).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}
