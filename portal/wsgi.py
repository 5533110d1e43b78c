import os

from django.core.management import call_command
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()
# gunicorn does not run the system checks itself: refuse to serve a misconfigured portal.
call_command("check", fail_level="ERROR")
