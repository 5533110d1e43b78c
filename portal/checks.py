"""System checks: configuration that parses but cannot work fails at start-up."""

from django.conf import settings
from django.core.checks import Error, Tags, register

THROTTLE_SCOPES = ("evaluate", "submit", "lookup", "lookup_reference")


# Deployment checks: run by `check --deploy` and by the WSGI entry point that serves
# production, not by development commands such as makemigrations.
@register(Tags.security, deploy=True)
def check_secret_key(app_configs, **kwargs):
    if not settings.DEBUG and settings.SECRET_KEY == settings.INSECURE_DEV_SECRET_KEY:
        return [
            Error(
                "SECRET_KEY is not set while DEBUG is false.",
                hint="Set SECRET_KEY to a long random value (or DEBUG=true for development).",
                id="portal.E001",
            )
        ]
    return []


@register()
def check_jurisdiction(app_configs, **kwargs):
    code = settings.PORTAL_JURISDICTION
    if not code.endswith("0000"):
        return [
            Error(
                f"PORTAL_JURISDICTION={code!r} is not a province-level code.",
                hint="Use a code such as 110000 (Beijing).",
                id="portal.E002",
            )
        ]
    return []


@register()
def check_throttle_rates(app_configs, **kwargs):
    from rest_framework.throttling import SimpleRateThrottle

    errors = []
    rates = settings.THROTTLE_RATES
    for scope in THROTTLE_SCOPES:
        if scope not in rates:
            errors.append(Error(f"THROTTLE_RATES has no rate for {scope!r}.", id="portal.E003"))
    for scope, rate in rates.items():
        try:
            SimpleRateThrottle.parse_rate(None, rate)
        except (ValueError, KeyError, IndexError):
            errors.append(
                Error(
                    f"THROTTLE_RATES[{scope!r}]={rate!r} is not a rate.",
                    hint="Write rates as N/second, N/minute, N/hour or N/day, e.g. 60/min.",
                    id="portal.E004",
                )
            )
    return errors


@register()
def check_broker(app_configs, **kwargs):
    url = settings.CELERY_BROKER_URL
    if url and not url.startswith(("redis://", "rediss://", "memory://")):
        return [
            Error(
                f"CELERY_BROKER_URL uses an unsupported scheme: {url.split(':', 1)[0]!r}.",
                hint="Use redis://host:6379/0, or leave it empty to run tasks eagerly.",
                id="portal.E005",
            )
        ]
    return []


@register()
def check_email(app_configs, **kwargs):
    if not settings.DEBUG and settings.EMAIL_BACKEND.endswith("locmem.EmailBackend"):
        return [Error("EMAIL_URL points at memory while DEBUG is false.", id="portal.E006")]
    return []


@register(Tags.security, deploy=True)
def check_pii_key(app_configs, **kwargs):
    # The development default is derived from SECRET_KEY: rotating that key would
    # make every stored identity number unreadable, so production needs its own.
    if not settings.DEBUG and not settings.PII_ENCRYPTION_KEY:
        return [
            Error(
                "PII_ENCRYPTION_KEY is not set while DEBUG is false.",
                hint="Generate one with: python -c 'from cryptography.fernet import Fernet;"
                " print(Fernet.generate_key().decode())'",
                id="portal.E007",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_base_url(app_configs, **kwargs):
    # Every email's status link starts with it: the development default would send
    # citizens to their own machine.
    from urllib.parse import urlsplit

    if settings.DEBUG:
        return []
    parts = urlsplit(settings.PORTAL_BASE_URL)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host or host in ("localhost", "127.0.0.1", "::1"):
        return [
            Error(
                f"PORTAL_BASE_URL={settings.PORTAL_BASE_URL!r} is not the portal's public "
                "https address while DEBUG is false.",
                hint="Set PORTAL_BASE_URL to the address citizens reach, "
                "e.g. https://portal.example.gov.cn (the status links in emails use it).",
                id="portal.E008",
            )
        ]
    return []
