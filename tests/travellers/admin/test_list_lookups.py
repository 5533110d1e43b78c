"""The declarations' and notices' admin lists take the lookups their filters offer and
refuse any other: a masked name or email cannot be guessed through the URL."""

import pytest
from django.urls import reverse

from tests.travellers.backoffice import (
    community_worker,
    health_officer,
    make_community,
    make_declaration,
)

pytestmark = pytest.mark.django_db

LIST = "admin:travellers_declaration_changelist"
EXPORT = "admin:travellers_declaration_export"
NOTICES = "admin:travellers_notice_changelist"


@pytest.fixture
def east():
    return make_community("110105001", "望京东园社区")


@pytest.fixture
def worker(client, east):
    make_declaration(community=east, full_name="王小明", outcome="postponed")
    client.force_login(community_worker("east-worker", east))
    return client


@pytest.mark.parametrize(
    "lookup",
    [
        {"full_name": "王小明"},
        {"full_name__startswith": "王小"},
        {"full_name__contains": "小"},
        {"email__regex": "^[0-9a-f]"},
        {"phone_hash__startswith": "a"},
        {"id_number_hash": "0" * 64},
        {"legs__region__code": "321002"},
    ],
)
@pytest.mark.parametrize("page", [LIST, EXPORT])
def test_a_lookup_no_filter_offers_is_refused(worker, lookup, page):
    response = worker.get(reverse(page), lookup)
    # The admin answers a disallowed lookup as a bad request, the list and its rows unseen.
    assert response.status_code == 400
    assert "王" not in response.content.decode()


def test_the_filters_own_lookups_still_work(worker):
    shown = worker.get(reverse(LIST), {"outcome__exact": "postponed"})
    assert shown.status_code == 200
    assert shown.context["cl"].result_count == 1
    hidden = worker.get(reverse(LIST), {"outcome__exact": "allowed"})
    assert hidden.context["cl"].result_count == 0
    dated = worker.get(reverse(LIST), {"arrival_date__gte": "2000-01-01"})
    assert dated.status_code == 200


def test_the_notices_list_refuses_lookups_on_their_errors(client, east):
    client.force_login(health_officer())
    assert client.get(reverse(NOTICES), {"last_error__contains": "@"}).status_code == 400
    assert client.get(reverse(NOTICES), {"status__exact": "sent"}).status_code == 200
