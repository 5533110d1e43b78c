"""Staff login lockout (django-axes), the configurable admin path, the health-office group."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import reverse

from tests.policies.admin.conftest import HEALTH_OFFICE

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "a-long-staff-passphrase"


def _login(client, password, ip="10.0.0.1"):
    return client.post(
        LOGIN,
        {"username": "officer", "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=ip,
    )


def test_the_right_password_logs_in(client, officer):
    response = _login(client, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_five_failures_lock_the_username_from_that_address(client, officer):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(4):
        assert _login(client, "wrong-password").status_code == 200
    # The fifth failure locks.
    assert _login(client, "wrong-password").status_code == 429
    locked = _login(client, PASSWORD)
    assert locked.status_code == 429
    assert client.get(reverse("admin:index")).status_code == 302  # still anonymous
    # The lock is by username and address: the same staff member elsewhere may log in.
    assert _login(client, PASSWORD, ip="10.0.0.2").status_code == 302


def test_behind_proxies_the_lock_is_by_the_clients_address_not_the_proxys(
    client, officer, settings
):
    # NUM_PROXIES=1, as the README's production set-up: every request comes from the
    # proxy, the client's address is the last one of X-Forwarded-For.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def login(password, client_ip):
        return client.post(
            LOGIN,
            {"username": "officer", "password": password, "next": reverse("admin:index")},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"198.51.100.9, {client_ip}",
        )

    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        login("wrong-password", "203.0.113.5")
    assert login(PASSWORD, "203.0.113.5").status_code == 429
    # Someone else's failures do not lock the staff member out from their own address.
    assert login(PASSWORD, "203.0.113.6").status_code == 302


def test_without_proxies_a_forwarded_for_header_does_not_change_the_address(client, officer):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "officer", "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    locked = client.post(
        LOGIN,
        {"username": "officer", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.8",
    )
    assert locked.status_code == 429


def test_a_forwarded_for_that_is_no_address_counts_as_the_connecting_address(settings):
    from django.test import RequestFactory

    from portal.axes_backend import client_ip

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="x' OR 1")
    assert client_ip(request) == "10.0.0.1"


def test_a_success_resets_the_failure_count(client, officer):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong-password")
    assert _login(client, PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "wrong-password")
    assert _login(client, PASSWORD).status_code == 302


def test_in_process_logins_without_a_request_still_work(client, officer):
    # Django's test client calls authenticate() without a request.
    assert client.login(username="officer", password=PASSWORD)


def test_the_admin_lives_at_the_configured_path():
    assert reverse("admin:index") == "/" + settings.ADMIN_PATH


def test_weak_staff_passwords_are_refused(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password=PASSWORD)
    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_add"),
        {"username": "newstaff", "password1": "12345678", "password2": "12345678"},
    )
    assert response.status_code == 200
    assert not django_user_model.objects.filter(username="newstaff").exists()


def test_the_health_office_group_has_every_policies_permission():
    codenames = set(
        Group.objects.get(name=HEALTH_OFFICE).permissions.values_list("codename", flat=True)
    )
    for model in ("riskarea", "designation", "announcement", "policyversion", "policyrule"):
        for action in ("view", "add", "change", "delete"):
            assert f"{action}_{model}" in codenames
    assert "view_region" in codenames
