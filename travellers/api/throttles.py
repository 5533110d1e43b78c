"""Throttles of the citizen endpoints: per client, and per reference for lookups.

Rates come from ``settings.THROTTLE_RATES`` on every request (see
``policies.api.throttles``), under the scopes ``submit``, ``lookup`` and
``lookup_reference``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework.throttling import BaseThrottle

from policies.api.throttles import ClientRateThrottle
from travellers import lookup_attempts
from travellers.references import normalise_reference
from travellers.serializers import LookupRequestSerializer


class SubmitThrottle(ClientRateThrottle):
    scope = "submit"


class LookupThrottle(ClientRateThrottle):
    scope = "lookup"


class LookupReferenceThrottle(BaseThrottle):
    """Failed attempts per declaration reference, from any client: guessing the four
    phone digits of one reference from many addresses is capped too. The count is the
    status page's (``travellers.lookup_attempts``): taken here, atomically, before the
    lookup; given back by the view when the pair matches."""

    def allow_request(self, request, view):
        self._reference = self.reference_of(request)
        return self._reference is None or lookup_attempts.reserve(self._reference)

    def wait(self):
        return lookup_attempts.wait_seconds(self._reference)

    @staticmethod
    def reference_of(request) -> str | None:
        # A request the view refuses with a field error (four letters for the digits, an
        # unknown key) is no attempt at the reference, and takes none of its allowance.
        serializer = LookupRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return None
        try:
            return normalise_reference(serializer.validated_data["reference"])
        except ValidationError:
            return None  # malformed: nothing to find, the per-client limit applies
