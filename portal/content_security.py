"""The Content-Security-Policy header on every response that has none of its own.

The citizen pages carry identity numbers: the policy lets scripts come from the portal's
own origin only (there is no inline script in the templates, and the API docs load
theirs as a file), so injected markup cannot run code. Inline styles stay allowed:
the admin and a few templates use them, and a style cannot read or send the page.
"""

from __future__ import annotations

from django.conf import settings

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if policy and HEADER not in response:
            response[HEADER] = policy
        return response
