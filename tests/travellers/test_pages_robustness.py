"""Crafted and impossible input on the citizen form and the amend page: a field error or
a 400 page in the reader's language, never a 500, and no oversized session row."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.travellers.test_pages_flow import amend_post, confirm
from tests.travellers.test_pages_form import companion_fields, field_error, soup, valid_post
from travellers import forms, pii, views
from travellers.models import Declaration

pytestmark = pytest.mark.django_db

IMPOSSIBLE_TIMES = [
    "2027-02-30T08:30",
    "2026-12-01 25:00",
    "2026-12-01T08:60",
    "2026-12-01T08:30:61",
    "2026-13-01T08:30",
    "not a time",
]


def draft(client) -> dict | None:
    sealed = client.session.get(views.DRAFT)
    return json.loads(pii.decrypt(sealed)) if sealed else None


# --- an impossible sampling time ------------------------------------------------------------


@pytest.mark.parametrize("value", IMPOSSIBLE_TIMES)
def test_an_impossible_sampling_time_is_an_error_at_its_field(client, value):
    response = client.post("/declare/", valid_post(nat_result="negative", nat_sampled_at=value))
    assert response.status_code == 400
    assert "不是有效的日期和时间" in field_error(response, "nat_sampled_at")
    page = soup(response)
    assert page.find(id="id_nat_sampled_at")["aria-invalid"] == "true"
    assert page.find("a", href="#id_nat_sampled_at")  # in the summary too
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("value", IMPOSSIBLE_TIMES[:2])
def test_a_companions_impossible_sampling_time_is_an_error_at_their_row(client, value):
    post = valid_post(**companion_fields(nat_result="negative", nat_sampled_at=value))
    response = client.post("/declare/", post)
    assert response.status_code == 400
    assert "不是有效的日期和时间" in field_error(response, "companions-0-nat_sampled_at")
    assert field_error(response, "nat_sampled_at") is None
    assert not Declaration.objects.exists()


def test_the_impossible_time_error_is_in_english_on_english_pages(client):
    client.cookies["django_language"] = "en"
    post = valid_post(nat_result="negative", nat_sampled_at="2027-02-30T08:30")
    error = field_error(client.post("/declare/", post), "nat_sampled_at")
    assert "not a valid date and time" in error


def test_a_real_sampling_time_still_goes_through(client):
    sampled = (timezone.localtime() - timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/declare/", valid_post(nat_result="negative", nat_sampled_at=sampled))
    assert response.status_code == 303
    assert draft(client)["fields"]["nat_sampled_at"] == sampled


def test_an_impossible_time_on_the_amend_page_is_an_error_and_changes_nothing(client):
    confirm(client)
    declaration = Declaration.objects.get()
    url = reverse("travellers:amend", args=[declaration.reference])
    post = amend_post(nat_result="negative", nat_sampled_at="2027-02-30T08:30")
    response = client.post(url, post)
    assert response.status_code == 400
    assert "不是有效的日期和时间" in field_error(response, "nat_sampled_at")
    assert declaration.evaluations.count() == 1


def test_a_draft_kept_with_an_impossible_time_brings_the_form_back_not_a_500(client):
    # The language switch keeps the draft unchecked; the check page validates it.
    posted = valid_post(
        nat_result="negative",
        nat_sampled_at="2027-02-30T08:30",
        action="switch_language",
        ui_language="en",
    )
    assert client.post("/declare/", posted).status_code == 303
    assert draft(client)["fields"]["nat_sampled_at"] == "2027-02-30T08:30"

    check = client.get(reverse("travellers:declare-check"))
    assert check.status_code == 400
    assert "not a valid date and time" in field_error(check, "nat_sampled_at")
    form = client.get("/declare/")
    assert form.status_code == 200
    assert soup(form).find(id="id_nat_sampled_at")["value"] == "2027-02-30T08:30"


def test_confirming_a_draft_with_an_impossible_time_saves_nothing(client):
    posted = valid_post(
        nat_result="negative", nat_sampled_at="2026-12-01 25:00", action="switch_language"
    )
    client.get("/declare/")  # the form's token, as a person who filled it in has
    client.post("/declare/", posted)
    response = client.post(
        reverse("travellers:declare-check"), {"token": client.session[views.TOKEN]}
    )
    assert response.status_code == 400
    assert field_error(response, "nat_sampled_at")
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("value", ["2027-02-30T08:30", "2026-12-01T25:00", "garbage", ""])
def test_the_amend_page_shows_no_time_for_an_impossible_one(value):
    assert forms.local_input_value(value) == ""


# --- the companion to remove ------------------------------------------------------------------


@pytest.mark.parametrize("number", ["²", "٣", "1" * 5000, "-1", ""])
def test_a_crafted_companion_number_removes_no_one_and_is_no_error(client, number):
    two = {**companion_fields(0), **companion_fields(1, full_name="王小红")}
    response = client.post("/declare/", valid_post(**two, action=f"remove_companion:{number}"))
    assert response.status_code == 200
    page = soup(response)
    assert page.find(id="id_companions-0-full_name")["value"] == "王小宝"
    assert page.find(id="id_companions-1-full_name")["value"] == "王小红"


def test_a_row_number_in_other_digits_is_no_row():
    # "legs-٠-region" is not legs-0-region: only the form's own (ASCII) names are rows.
    state = forms.state_from_post({"legs-0-region": "321002", "legs-٠-region": "110105"})
    assert [leg["region"] for leg in state["legs"]] == ["321002"]


# --- invisible characters in the numbers, through the form ------------------------------------


def test_direction_marks_around_a_pasted_phone_number_are_no_error(client):
    post = valid_post(phone="\u202a+86 139 8765 4321\u202c", id_number="110105\u200b199003071239")
    assert client.post("/declare/", post).status_code == 303
    check = soup(client.get(reverse("travellers:declare-check"))).get_text()
    assert "4321" in check and "\u202a" not in check
