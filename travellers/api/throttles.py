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
    """Failed attempts per declaration reference, from any client: guessing the four
    phone digits of one reference from many addresses is capped too.

    Only failures count (the view calls ``record_failure``): counting every lookup let
    the owner's own visits, or anyone's, use up the reference's allowance.
    """

    scope = "lookup_reference"

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return True

    def record_failure(self, request, view) -> None:
        if self.rate is None or self.allow_request(request, view) is False or not self.key:
            return
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)

    def get_cache_key(self, request, view):
        data = request.data if hasattr(request.data, "get") else {}
        try:
            reference = normalise_reference(str(data.get("reference") or ""))
        except ValidationError:
            return None  # malformed: nothing to find, the per-client limit applies
        # Hashed: cache keys may be listed by whoever operates the cache.
        digest = hashlib.sha256(reference.encode("ascii")).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": digest}
