import os

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Real hashing costs ~0.3 s per login; tests check behaviour, not cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def services_required() -> bool:
    """True in CI's services run: tests needing PostgreSQL/Redis must then fail, not skip."""
    return os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}
