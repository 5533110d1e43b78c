"""django-axes' lockout check, for logins that come over HTTP.

``AxesStandaloneBackend`` refuses any ``authenticate()`` call without a request,
which breaks in-process callers that have none (Django's test client ``login``,
management commands). Those are not a network brute-force path, so they skip the
lockout check; every login form, the admin's and DRF's, passes its request and is
checked (by username and IP).

The IP is the client's as the API's throttles read it (``client_ip``): behind
``NUM_PROXIES`` proxies, ``REMOTE_ADDR`` is the proxy's for every request, and a lock
by username and that address let anyone lock a staff member out by failing five times.
"""

import ipaddress

from axes.backends import AxesStandaloneBackend
from rest_framework.throttling import BaseThrottle

_CLIENT = BaseThrottle()


def client_ip(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: X-Forwarded-For only behind ``NUM_PROXIES`` proxies.

    Not an address (a client that reached the portal past its proxy and wrote the
    header itself): ``REMOTE_ADDR``, as axes would read it without this.
    """
    ident = _CLIENT.get_ident(request)
    try:
        return str(ipaddress.ip_address(ident))
    except ValueError:
        return request.META.get("REMOTE_ADDR")


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
