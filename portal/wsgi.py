import gc
import os

from django.core.checks import ERROR, run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# gunicorn does not run the system checks itself: refuse to serve a misconfigured portal.
_errors = [
    message for message in run_checks(include_deployment_checks=True) if message.level >= ERROR
]
if _errors:
    raise ImproperlyConfigured("\n".join(f"{e.id}: {e.msg} {e.hint or ''}" for e in _errors))

# What the worker loaded at start lives as long as the process: keep it out of the
# garbage collector's full passes, which a request's allocations otherwise trigger.
gc.freeze()
