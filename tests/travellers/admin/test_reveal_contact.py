"""The full mobile number, for a community worker to call: one POST, one page, one event."""

import logging

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from tests.travellers.admin.test_export import read_csv
from tests.travellers.backoffice import (
    HAIDIAN,
    community_worker,
    health_officer,
    make_community,
    make_declaration,
    superuser,
)
from travellers.models import DeclarationEvent
from travellers.scoping import COMMUNITY_STAFF_GROUP

pytestmark = pytest.mark.django_db

PHONE = "13912340006"
BUTTON = "显示完整手机号"


def reveal_url(declaration):
    return reverse("admin:travellers_declaration_reveal_contact", args=[declaration.pk])


def change_url(declaration):
    return reverse("admin:travellers_declaration_change", args=[declaration.pk])


@pytest.fixture
def east():
    return make_community("110105001", "望京东园社区")


@pytest.fixture
def declaration(east):
    return make_declaration(community=east, full_name="孙小红", phone=PHONE)


@pytest.fixture
def worker(client, east):
    user = community_worker("east-worker", east)
    client.force_login(user)
    client.user = user
    return client


def revealed_events(declaration):
    return DeclarationEvent.objects.filter(declaration=declaration, kind="contact_revealed")


def test_the_community_staff_group_holds_the_right():
    group = Group.objects.get(name=COMMUNITY_STAFF_GROUP)
    assert group.permissions.filter(codename="reveal_contact").exists()


def test_a_worker_sees_the_number_once_and_the_reveal_is_recorded(worker, declaration, caplog):
    caplog.set_level(logging.DEBUG)
    page = worker.get(change_url(declaration)).content.decode()
    assert BUTTON in page and 'form="reveal-contact-form"' in page
    assert f'action="{reveal_url(declaration)}"' in page
    assert PHONE not in page

    response = worker.post(reveal_url(declaration))

    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    (event,) = revealed_events(declaration)
    assert event.actor == worker.user
    assert PHONE not in str(event.data)
    # Nowhere but in that page: not the URL, a message cookie, a log line, the next page.
    assert PHONE not in response.request["PATH_INFO"] + response.request.get("QUERY_STRING", "")
    assert all(PHONE not in morsel.value for morsel in response.cookies.values())
    assert PHONE not in caplog.text
    again = worker.get(change_url(declaration)).content.decode()
    assert PHONE not in again
    assert "查看完整手机号码" in again  # the event, in the change page's history


def test_the_list_and_the_export_stay_masked_after_a_reveal(worker, declaration):
    worker.post(reveal_url(declaration))
    listed = worker.get(reverse("admin:travellers_declaration_changelist")).content.decode()
    assert PHONE not in listed and declaration.reference in listed
    header, row = read_csv(worker.get(reverse("admin:travellers_declaration_export")))
    assert dict(zip(header, row, strict=True))["手机号码"] == "139****0006"


def test_a_get_reveals_nothing(worker, declaration):
    response = worker.get(reveal_url(declaration))
    assert response.status_code == 405
    assert not revealed_events(declaration).exists()


def test_without_the_right_there_is_no_button_and_the_post_is_refused(client, east, declaration):
    Group.objects.get(name=COMMUNITY_STAFF_GROUP).permissions.remove(
        Permission.objects.get(codename="reveal_contact")
    )
    client.force_login(community_worker("east-worker", east))
    assert BUTTON not in client.get(change_url(declaration)).content.decode()
    response = client.post(reveal_url(declaration))
    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    assert not revealed_events(declaration).exists()


def test_the_health_office_has_no_button_and_a_superuser_has_one(client, declaration):
    client.force_login(health_officer())
    assert BUTTON not in client.get(change_url(declaration)).content.decode()
    assert client.post(reveal_url(declaration)).status_code == 403
    client.force_login(superuser())
    assert BUTTON in client.get(change_url(declaration)).content.decode()


def test_another_communitys_declaration_is_a_404(worker):
    theirs = make_declaration(
        community=make_community("110108001", "中关村南社区", HAIDIAN), phone=PHONE
    )
    response = worker.post(reveal_url(theirs))
    assert response.status_code == 404
    assert PHONE not in response.content.decode()
    assert not revealed_events(theirs).exists()


def test_a_declaration_without_a_phone_has_no_button_and_records_nothing(worker, east):
    declaration = make_declaration(community=east, phone="")
    assert BUTTON not in worker.get(change_url(declaration)).content.decode()
    response = worker.post(reveal_url(declaration), follow=True)
    assert "该申报没有填写手机号码。" in response.content.decode()
    assert not revealed_events(declaration).exists()


def test_reveals_are_limited_per_staff_member(worker, east, declaration, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "reveal_contact": "2/hour"}
    other = make_declaration(community=east, phone="13800000001")
    assert worker.post(reveal_url(declaration)).status_code == 200
    assert worker.post(reveal_url(other)).status_code == 200
    refused = worker.post(reveal_url(declaration))
    assert refused.status_code == 429
    page = refused.content.decode()
    assert PHONE not in page and "次数已达上限" in page
    assert revealed_events(declaration).count() == 1
    # A colleague has an allowance of their own.
    from django.test import Client

    colleague = Client()
    colleague.force_login(community_worker("east-colleague", east))
    assert colleague.post(reveal_url(declaration)).status_code == 200
