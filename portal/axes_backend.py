"""django-axes' lockout check, for logins that come over HTTP.

``AxesStandaloneBackend`` refuses any ``authenticate()`` call without a request,
which breaks in-process callers that have none (Django's test client ``login``,
management commands). Those are not a network brute-force path, so they skip the
lockout check; every login form, the admin's and DRF's, passes its request and is
checked (by username and IP).
"""

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
