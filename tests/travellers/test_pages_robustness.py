"""Crafted and impossible input on the citizen form and the amend page: a field error or
a 400 page in the reader's language, never a 500, and no oversized session row."""

import json
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db.models.functions import Length
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from policies.models import Region
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
RETIRED = "该区县已撤销，请选择现在所属的区县。"


def draft(client) -> dict | None:
    sealed = client.session.get(views.DRAFT)
    return json.loads(pii.decrypt(sealed)) if sealed else None


def session_row_size(client) -> int:
    return len(Session.objects.get(session_key=client.session.session_key).session_data)


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


# --- the draft's size -----------------------------------------------------------------------


def test_each_posted_value_is_cut_to_a_length_no_field_takes(client):
    posted = valid_post(
        full_name="王" * 100_000,
        email="x" * 300_000,
        action="switch_language",
        **{"legs-0-region": "y" * 300_000, "legs-0-region_code": "1" * 300_000},
    )
    assert client.post("/declare/", posted).status_code == 303
    kept = draft(client)
    assert len(kept["fields"]["full_name"]) == forms.MAX_VALUE_LENGTH
    assert len(kept["fields"]["email"]) == forms.MAX_VALUE_LENGTH
    assert len(kept["legs"][0]["region"]) == forms.MAX_VALUE_LENGTH
    assert kept["legs"][0]["region_code"] == ""  # only a code is a pick
    assert session_row_size(client) < 10_000


def test_a_value_cut_short_is_still_refused_for_its_length(client):
    # The cut is longer than any field takes: it never turns a value into a valid one.
    response = client.post(
        "/declare/", valid_post(full_name="王" * 100_000, email="a" * 300_000 + "@example.com")
    )
    assert response.status_code == 400
    assert field_error(response, "full_name") and field_error(response, "email")
    assert not Declaration.objects.exists()


def oversized(**overrides) -> dict:
    # Every value as long as it may be, each character three bytes: fifty rows of them.
    long = "广" * forms.MAX_VALUE_LENGTH
    rows = {
        f"legs-{index}-{name}": long
        for index in range(forms.MAX_LEG_ROWS)
        for name in ("region", "start_date", "end_date")
    }
    return valid_post(**rows, action="switch_language", ui_language="en", **overrides)


def test_an_oversized_draft_is_not_kept_and_the_language_still_switches(client):
    from django.conf import settings

    client.post("/declare/", valid_post(full_name="王大明", action="switch_language"))
    assert draft(client)["fields"]["full_name"] == "王大明"

    response = client.post("/declare/", oversized())
    assert response.status_code == 303
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # Nor does the draft before it come back as if it were what was just typed.
    assert draft(client) is None
    assert session_row_size(client) < 10_000
    assert soup(client.get("/declare/")).find(id="id_full_name")["value"] == ""


def test_an_oversized_draft_of_the_amend_page_is_not_kept(client):
    confirm(client)
    declaration = Declaration.objects.get()
    url = reverse("travellers:amend", args=[declaration.reference])
    rows = {
        f"legs-{index}-{name}": "广" * forms.MAX_VALUE_LENGTH
        for index in range(forms.MAX_LEG_ROWS)
        for name in ("region", "start_date", "end_date")
    }
    posted = amend_post(health_code="yellow", action="switch_language", ui_language="en", **rows)
    assert client.post(url, posted).status_code == 303
    assert views.AMEND_DRAFT not in client.session
    assert session_row_size(client) < 10_000
    page = soup(client.get(url))
    assert page.html["lang"] == "en"
    assert page.find("input", attrs={"name": "health_code", "value": "green"}).has_attr("checked")


def test_the_largest_form_a_person_can_fill_in_is_kept():
    # Fifty legs named by the longest English names, four companions, every field full.
    longest = Region.objects.filter(county_level=True, retired=False).order_by(
        Length("full_name_en").desc()
    )[0]
    state = forms.blank_state()
    state["fields"].update(
        full_name="王" * 100,
        id_number="1" * 40,
        phone="1" * 32,
        email="a" * 240 + "@example.com",
        nat_sampled_at="2021-08-09T08:30",
    )
    state["legs"] = [
        {
            "region": longest.full_name_en,
            "region_code": longest.code,
            "start_date": "2021-08-01",
            "end_date": "2021-08-02",
        }
        for _ in range(forms.MAX_LEG_ROWS)
    ]
    state["companions"] = [
        {name: "王" * 100 for name in forms.COMPANION_FIELDS} for _ in range(forms.MAX_COMPANIONS)
    ]
    assert views._sealed(state) is not None


# --- invisible characters in the numbers, through the form ------------------------------------


def test_direction_marks_around_a_pasted_phone_number_are_no_error(client):
    post = valid_post(phone="\u202a+86 139 8765 4321\u202c", id_number="110105\u200b199003071239")
    assert client.post("/declare/", post).status_code == 303
    check = soup(client.get(reverse("travellers:declare-check"))).get_text()
    assert "4321" in check and "\u202a" not in check


# --- an oversized post: the site's 400 page ---------------------------------------------------


@pytest.mark.parametrize(
    ("language", "heading", "home"),
    [
        ("zh-hans", "无法处理这次提交", "返回首页"),
        ("en", "Your form could not be processed", "Go to the home page"),
    ],
)
def test_a_post_with_a_thousand_leg_rows_gets_the_sites_400_page(
    client, settings, language, heading, home
):
    settings.DEBUG = False
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    rows = {f"legs-{index}-region": "321002" for index in range(1000)}

    response = client.post("/declare/", valid_post(**rows))

    assert response.status_code == 400
    page = soup(response)
    assert page.html["lang"] == ("zh-Hans" if language == "zh-hans" else "en")
    assert page.h1.get_text(strip=True) == heading
    assert page.find("a", href=reverse("travellers:home"), string=home)
    assert page.find("form", action=reverse("set_language"))  # the full layout
    assert "Bad Request" not in page.get_text()
    assert not Declaration.objects.exists()


def test_a_post_larger_than_django_reads_gets_the_same_page(settings):
    settings.DEBUG = False
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/declare/", valid_post(full_name="x" * (3 * 1024 * 1024)))
    assert response.status_code == 400
    assert soup(response).h1.get_text(strip=True) == "Your form could not be processed"


# --- a retired county in the itinerary --------------------------------------------------------


@pytest.mark.parametrize(
    "leg",
    [
        {"legs-0-region": "下城区"},
        {"legs-0-region": "xiachengqu"},
        {"legs-0-region": "330103"},
        # A pick kept from an older page or draft, its box as the picker filled it.
        {"legs-0-region": "浙江省杭州市下城区", "legs-0-region_code": "330103"},
    ],
)
def test_a_retired_county_is_an_error_at_the_leg(client, leg):
    response = client.post("/declare/", valid_post(**leg))
    assert response.status_code == 400
    assert field_error(response, "legs-0-region").endswith(RETIRED)
    assert not Declaration.objects.exists()


def test_the_retired_county_error_is_in_english_on_english_pages(client):
    client.cookies["django_language"] = "en"
    response = client.post("/declare/", valid_post(**{"legs-0-region": "下城区"}))
    assert "has been abolished" in field_error(response, "legs-0-region")


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("shaxian", "350405"),  # 沙县 became 沙县区 in 2021: the one in force, not the old code
        ("三元区", "350404"),  # the same name under a new code
    ],
)
def test_a_name_of_a_county_in_force_and_a_retired_one_resolves_to_the_one_in_force(
    client, typed, code
):
    assert forms.resolve_region(typed) == (code, None)
    response = client.post("/declare/", valid_post(**{"legs-0-region": typed}))
    assert response.status_code == 303
    assert draft(client)["legs"][0]["region_code"] == code


def test_candidates_for_an_ambiguous_name_are_counties_in_force():
    # 沙县 is the name of the retired 350427 alone, and part of 沙县区, 长沙县, 金沙县...
    code, message = forms.resolve_region("沙县")
    assert code is None
    assert "福建省三明市沙县区（350405）" in message and "350427" not in message


def test_an_amendment_of_a_stay_in_a_county_since_retired_asks_for_the_one_in_force(client):
    confirm(client)
    declaration = Declaration.objects.get()
    declaration.legs.update(region_id="330103")  # as declared before retired codes were refused
    url = reverse("travellers:amend", args=[declaration.reference])
    form = soup(client.get(url))
    box = form.find(id="id_legs-0-region")["value"]
    code = form.find("input", attrs={"name": "legs-0-region_code"})["value"]
    response = client.post(url, amend_post(**{"legs-0-region": box, "legs-0-region_code": code}))
    assert response.status_code == 400
    assert field_error(response, "legs-0-region").endswith(RETIRED)
    assert declaration.evaluations.count() == 1


def test_the_picker_offers_no_retired_county_for_a_leg(client):
    def codes(**params):
        response = client.get(reverse("region-search"), params)
        return [(row["code"], row["retired"]) for row in response.json()["results"]]

    assert codes(q="江干", for_legs="1") == []
    assert codes(q="三元区", for_legs="1") == [("350404", False)]
    assert codes(q="330103", for_legs="1") == []
    # Other searches (staff tools) still find and flag them.
    assert codes(q="江干") == [("330104", True)]
