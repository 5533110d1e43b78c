"""Confirm, result access, status lookup and amendment, through the Django test client."""

from datetime import timedelta

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tests.portal.test_translations import chinese_left, visible_text
from tests.travellers.test_pages_form import soup, valid_post
from travellers.models import Declaration, Evaluation

pytestmark = pytest.mark.django_db


def confirm(client, **overrides):
    assert client.post("/declare/", valid_post(**overrides)).status_code == 303
    token = soup(client.get(reverse("travellers:declare-check"))).find(
        "input", attrs={"name": "token"}
    )["value"]
    return client.post(reverse("travellers:declare-check"), {"token": token}), token


def test_confirming_saves_one_declaration_and_sees_other_to_its_result(client):
    response, _token = confirm(client)
    assert response.status_code == 303
    declaration = Declaration.objects.get()
    assert response["Location"] == reverse("travellers:declaration", args=[declaration.reference])
    assert declaration.evaluations.count() == 1


def test_a_second_confirm_with_the_same_token_creates_nothing_more(client):
    first, token = confirm(client)
    second = client.post(reverse("travellers:declare-check"), {"token": token})
    assert Declaration.objects.count() == 1
    assert second.status_code == 303
    assert second["Location"] == first["Location"]


def test_a_companion_gets_a_declaration_of_their_own(client):
    response, _token = confirm(
        client,
        **{
            "companions-0-full_name": "王小红",
            "companions-0-id_type": "resident_id",
            "companions-0-id_number": "321002198501010026",
        },
    )
    assert response.status_code == 303
    lead = Declaration.objects.get(lead__isnull=True)
    assert lead.companions.count() == 1


def test_another_browser_with_the_reference_alone_is_sent_to_the_status_lookup(client):
    response, _token = confirm(client)
    stranger = Client().get(response["Location"])
    assert stranger.status_code == 302
    assert stranger["Location"] == reverse("travellers:status")


def lookup(client, reference, last4):
    return client.post(reverse("travellers:status"), {"reference": reference, "phone_last4": last4})


def test_a_wrong_pair_and_an_unknown_reference_get_the_same_answer(client):
    confirm(client)
    reference = Declaration.objects.get().reference
    wrong_phone = lookup(Client(), reference, "0000")
    unknown = lookup(Client(), "ABCDE23456" if reference != "ABCDE23456" else "ABCDE23457", "5678")
    assert wrong_phone.status_code == unknown.status_code == 404
    message = soup(wrong_phone).select_one("[data-error-summary]").get_text(strip=True)
    assert message == soup(unknown).select_one("[data-error-summary]").get_text(strip=True)


def test_the_lookup_is_post_only_and_never_reads_the_query_string(client):
    confirm(client)
    reference = Declaration.objects.get().reference
    response = Client().get(reverse("travellers:status"), {"reference": reference})
    assert response.status_code == 200
    page = soup(response)
    assert page.find(id="id_reference")["value"] == ""
    assert not page.select("[data-error-summary]")
    assert page.find("form", action=reverse("travellers:status"))["method"] == "post"


def test_a_right_pair_opens_the_result_for_that_browser(client):
    confirm(client)
    reference = Declaration.objects.get().reference
    other = Client()
    response = lookup(other, f"{reference[:5]}-{reference[5:].lower()}", "5678")
    assert response.status_code == 303
    assert response["Location"] == reverse("travellers:declaration", args=[reference])
    assert other.get(response["Location"]).status_code == 200


def test_lookups_are_throttled_per_reference(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "lookup_reference": "3/hour"}
    from django.core.cache import cache

    cache.clear()
    confirm(client)
    reference = Declaration.objects.get().reference
    codes = [lookup(Client(), reference, "0000").status_code for _ in range(3)]
    assert codes == [404, 404, 404]
    # Even the right pair waits once the reference has been tried too often, and is told
    # for how long.
    refused = lookup(Client(), reference, "5678")
    assert refused.status_code == 429
    assert "请在60分钟后再试" in refused.content.decode()


def test_the_owners_own_lookups_do_not_use_up_the_references_allowance(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "lookup_reference": "3/hour"}
    from django.core.cache import cache

    cache.clear()
    confirm(client)
    reference = Declaration.objects.get().reference
    for _ in range(5):
        assert lookup(Client(), reference, "5678").status_code == 303
    assert lookup(Client(), reference, "0000").status_code == 404


def test_a_declaration_opened_without_a_lookup_says_why_the_lookup_is_asked(client):
    confirm(client)
    reference = Declaration.objects.get().reference
    stranger = Client()
    response = stranger.get(f"/declarations/{reference}/", follow=True)
    page = soup(response)
    assert response.redirect_chain[-1][0].endswith("/status/")
    assert page.find(attrs={"data-sign-in-notice": True})
    # The link's reference is filled in: only the phone digits are left to type.
    assert page.find(id="id_reference")["value"].replace("-", "") == reference
    # Only then: a plain visit to the status page has no such notice.
    assert not soup(stranger.get("/status/")).find(attrs={"data-sign-in-notice": True})


def test_confirming_is_throttled_as_the_api_submit_is_and_keeps_the_draft(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "submit": "1/hour"}
    from django.core.cache import cache

    cache.clear()
    assert confirm(client)[0].status_code == 303
    refused, token = confirm(client, full_name="李四")
    assert refused.status_code == 429
    assert soup(refused).select_one("[data-error-summary]")
    assert Declaration.objects.count() == 1
    # The draft is still there: the same check page comes back with its token.
    again = soup(client.get(reverse("travellers:declare-check")))
    assert again.find("input", attrs={"name": "token"})["value"] == token


def test_the_form_and_the_api_share_a_clients_submit_allowance(client, settings):
    from rest_framework.test import APIClient

    from tests.travellers.api.test_citizen_api import declaration_payload

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "submit": "1/hour"}
    api = APIClient().post(
        "/api/v1/declarations/",
        declaration_payload(today=timezone.localdate()),
        format="json",
    )
    assert api.status_code == 201
    refused, _token = confirm(client)
    assert refused.status_code == 429
    assert Declaration.objects.count() == 1


UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "portal.redis_cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def test_confirming_goes_through_while_the_throttle_counters_cannot_be_reached(client):
    with override_settings(CACHES=UNREACHABLE_CACHE):
        response, _token = confirm(client)
    assert response.status_code == 303
    assert Declaration.objects.count() == 1


def test_a_lookup_waits_while_the_reference_counter_cannot_be_reached(client):
    confirm(client)
    reference = Declaration.objects.get().reference
    with override_settings(CACHES=UNREACHABLE_CACHE):
        assert lookup(Client(), reference, "5678").status_code == 429


def test_an_amendment_re_evaluates_and_keeps_the_history(client):
    confirm(client)
    declaration = Declaration.objects.get()
    url = reverse("travellers:amend", args=[declaration.reference])
    form = soup(client.get(url))
    assert form.find(id="id_legs-0-region")["value"] == "江苏省扬州市广陵区"
    response = client.post(url, amend_post(health_code="yellow"))
    assert response.status_code == 303
    declaration.refresh_from_db()
    assert declaration.health_code == "yellow"
    assert Evaluation.objects.filter(declaration=declaration).count() == 2


def test_an_english_amend_form_names_the_stays_in_english_and_saves_them_unchanged(client):
    confirm(client)
    declaration = Declaration.objects.get()
    url = reverse("travellers:amend", args=[declaration.reference])
    form = soup(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    box = form.find(id="id_legs-0-region")["value"]
    assert box == "Guangling District, Yangzhou, Jiangsu"
    code = form.find("input", attrs={"name": "legs-0-region_code"})["value"]
    post = amend_post(
        health_code="yellow", **{"legs-0-region": box, "legs-0-region_code": code}
    )
    assert client.post(url, post, HTTP_ACCEPT_LANGUAGE="en").status_code == 303
    assert [leg.region_id for leg in declaration.legs.all()] == ["321002"]


def test_switching_language_on_the_amend_form_keeps_the_changes_and_saves_nothing(client):
    from django.conf import settings

    confirm(client)
    declaration = Declaration.objects.get()
    url = reverse("travellers:amend", args=[declaration.reference])
    later = (timezone.localdate() + timedelta(days=9)).isoformat()
    response = client.post(
        url,
        amend_post(
            arrival_date=later, health_code="yellow", action="switch_language", ui_language="en"
        ),
    )
    assert response.status_code == 303 and response["Location"] == url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = soup(client.get(url))
    assert page.html["lang"] == "en"
    assert page.find(id="id_arrival_date")["value"] == later
    assert page.find("input", attrs={"name": "health_code", "value": "yellow"}).has_attr("checked")
    declaration.refresh_from_db()
    assert declaration.health_code != "yellow" and declaration.evaluations.count() == 1
    # Once shown, the kept typing is gone: the next visit shows the declaration again.
    again = soup(client.get(url))
    assert again.find(id="id_arrival_date")["value"] == declaration.arrival_date.isoformat()


def test_enter_in_the_amend_form_saves_rather_than_adding_rows(client):
    # Browsers submit a form with its first submit button when Enter is pressed in a field.
    confirm(client)
    declaration = Declaration.objects.get()
    form = soup(client.get(reverse("travellers:amend", args=[declaration.reference]))).find(
        "form", attrs={"data-declare-form": True}
    )
    first = form.find("button", attrs={"type": "submit"})
    assert (first["name"], first["value"]) == ("action", "save")


def test_without_javascript_the_amend_form_offers_a_language_switch(client):
    confirm(client)
    declaration = Declaration.objects.get()
    form = soup(client.get(reverse("travellers:amend", args=[declaration.reference]))).find(
        "form", attrs={"data-declare-form": True}
    )
    switch = form.find("noscript")
    assert switch.find("button")["value"] == "switch_language"
    assert switch.find("input", attrs={"name": "ui_language"})["value"] == "en"


def test_an_invalid_amendment_changes_nothing(client):
    confirm(client)
    declaration = Declaration.objects.get()
    url = reverse("travellers:amend", args=[declaration.reference])
    response = client.post(
        url,
        {
            "arrival_date": "",
            "health_code": "green",
            "contact_status": "none",
            "home_quarantine_possible": "yes",
            "action": "save",
        },
    )
    assert response.status_code == 400
    assert soup(response).find(id="id_arrival_date")["aria-invalid"] == "true"
    assert Evaluation.objects.filter(declaration=declaration).count() == 1


def test_amending_needs_the_same_access_as_the_result(client):
    confirm(client)
    declaration = Declaration.objects.get()
    response = Client().get(reverse("travellers:amend", args=[declaration.reference]))
    assert response["Location"] == reverse("travellers:status")


def test_the_result_page_shows_the_dated_answer_with_its_reasons(client):
    from policies.models import RiskArea

    today = timezone.localdate()
    RiskArea.objects.create(
        region_id="321002", name="示例小区", level="high", designated_on=today - timedelta(days=30)
    )
    left = today - timedelta(days=5)
    response, _token = confirm(client, **{"legs-0-end_date": left.isoformat()})
    page = soup(client.get(response["Location"]))
    declaration = Declaration.objects.get()
    assert "postponed" in page.select_one(".headline")["class"]
    entry = left + timedelta(days=14)
    assert (
        f"{entry.year}年{entry.month}月{entry.day}日" in page.select_one("[data-entry-date]").text
    )
    reasons = page.select_one("[data-reasons]").get_text()
    assert "广陵区" in reasons and "示例小区" in reasons
    shown = page.select_one(".reference").get_text()
    assert shown == f"{declaration.reference[:5]}-{declaration.reference[5:]}"
    assert len(page.select("[data-history] tbody tr")) == 1
    assert page.find("a", href=reverse("travellers:amend", args=[declaration.reference]))


COMPANION = {
    "companions-0-full_name": "王小红",
    "companions-0-id_type": "resident_id",
    "companions-0-id_number": "321002198501010026",
}


def amend_post(**overrides):
    """The amend form without the high-risk leg: one stay in 江夏区 instead."""
    today = timezone.localdate()
    data = {
        "arrival_date": (today + timedelta(days=3)).isoformat(),
        "health_code": "green",
        "contact_status": "none",
        "home_quarantine_possible": "yes",
        "legs-0-region": "420115",
        "legs-0-start_date": (today - timedelta(days=10)).isoformat(),
        "legs-0-end_date": (today - timedelta(days=5)).isoformat(),
        "action": "save",
    }
    data.update(overrides)
    return data


def companions_notice(response):
    return soup(response).select_one("[data-companions-notice]")


def test_the_amend_page_of_a_lead_with_companions_says_their_itinerary_changes_too(client):
    confirm(client, **COMPANION)
    lead = Declaration.objects.get(lead__isnull=True)
    url = reverse("travellers:amend", args=[lead.reference])

    notice = companions_notice(client.get(url))

    assert notice is not None
    text = notice.get_text(" ", strip=True)
    assert "行程、抵京日期" in text and "一并更新" in text
    assert "健康码、核酸检测和接触情况保持原申报不变" in text
    assert lead.companions.get().masked_name in text
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    # One companion: the English says so in the singular.
    assert "The person travelling with you shares your itinerary" in companions_notice(
        english
    ).get_text(" ", strip=True)
    assert chinese_left(visible_text(english).replace(lead.companions.get().masked_name, "")) == []
    # Shown again when the form comes back with errors.
    invalid = client.post(url, amend_post(arrival_date=""))
    assert invalid.status_code == 400
    assert companions_notice(invalid) is not None


def test_the_amend_page_of_a_declaration_without_companions_has_no_such_warning(client):
    confirm(client)
    alone = Declaration.objects.get()
    url = reverse("travellers:amend", args=[alone.reference])
    assert companions_notice(client.get(url)) is None


def test_the_amend_page_of_a_companion_has_no_such_warning(client):
    confirm(client, **COMPANION)
    companion = Declaration.objects.get(lead__isnull=False)
    url = reverse("travellers:amend", args=[companion.reference])
    assert companions_notice(client.get(url)) is None


def test_after_amending_a_lead_its_result_page_shows_the_companions_new_answers(client):
    from policies.models import RiskArea

    today = timezone.localdate()
    RiskArea.objects.create(
        region_id="321002", name="示例小区", level="high", designated_on=today - timedelta(days=30)
    )
    confirm(client, **COMPANION)
    lead = Declaration.objects.get(lead__isnull=True)
    companion = lead.companions.get()
    assert (lead.outcome, companion.outcome) == ("postponed", "postponed")

    response = client.post(reverse("travellers:amend", args=[lead.reference]), amend_post())

    assert response.status_code == 303
    page = soup(client.get(response["Location"]))
    assert "allowed" in page.select_one("[aria-labelledby=answer-heading] .headline")["class"]
    section = page.select_one("[aria-labelledby=companion-1]")
    assert companion.masked_name in section.get_text()
    assert "allowed" in section.select_one(".headline")["class"]
    companion.refresh_from_db()
    assert companion.outcome == "allowed"
    assert [leg.region_id for leg in companion.legs.all()] == ["420115"]


def test_without_javascript_a_cleared_leg_is_removed_and_a_cleared_region_is_asked_for(client):
    confirm(client)
    declaration = Declaration.objects.get()
    url = reverse("travellers:amend", args=[declaration.reference])
    today = timezone.localdate()
    # Every visible field of the only leg emptied; its hidden picked code stays behind.
    emptied = amend_post(
        **{
            "legs-0-region": "",
            "legs-0-region_code": "321002",
            "legs-0-start_date": "",
            "legs-0-end_date": "",
        }
    )
    assert client.post(url, emptied).status_code == 303
    assert not declaration.legs.exists()

    # The region alone emptied, the dates kept: the region is asked for, not kept.
    response = client.post(
        url,
        amend_post(
            **{
                "legs-0-region": "",
                "legs-0-region_code": "321002",
                "legs-0-start_date": (today - timedelta(days=9)).isoformat(),
                "legs-0-end_date": (today - timedelta(days=4)).isoformat(),
            }
        ),
    )
    assert response.status_code == 400
    assert "请填写地区" in soup(response).find(id="id_legs-0-region-error").get_text()


def test_a_blank_reference_is_asked_for(client):
    response = client.post(reverse("travellers:status"), {"reference": "", "phone_last4": "5678"})
    assert response.status_code == 400
    assert "请填写查询码" in soup(response).select_one("[data-error-summary]").get_text()


def test_a_draft_changed_under_a_used_token_shows_the_declaration_that_token_saved(client):
    _response, token = confirm(client)
    first = Declaration.objects.get()
    # Another draft, then the used token put back (a stale tab, a replayed form).
    assert client.post("/declare/", valid_post(full_name="另一个人")).status_code == 303
    session = client.session
    session["declare_token"] = token
    session.save()
    response = client.post(reverse("travellers:declare-check"), {"token": token})
    assert response.status_code == 303
    assert response["Location"] == reverse("travellers:declaration", args=[first.reference])
    assert Declaration.objects.count() == 1


def test_a_companions_amend_page_says_the_change_is_theirs_alone(client):
    confirm(
        client,
        **{
            "companions-0-full_name": "王小红",
            "companions-0-id_type": "resident_id",
            "companions-0-id_number": "321002198501010026",
        },
    )
    lead = Declaration.objects.get(lead__isnull=True)
    companion = lead.companions.get()
    own = soup(client.get(reverse("travellers:amend", args=[companion.reference])))
    assert own.select_one("[data-own-amendment-notice]")
    leads = soup(client.get(reverse("travellers:amend", args=[lead.reference])))
    assert not leads.select_one("[data-own-amendment-notice]")
    assert leads.select_one("[data-companions-notice]")


def test_the_history_says_what_changed_each_answer_and_what_it_was(
    client, django_capture_on_commit_callbacks
):
    from policies import services
    from policies.models import RiskArea

    response, _token = confirm(client)
    declaration = Declaration.objects.get()
    county = declaration.legs.get().region_id
    with django_capture_on_commit_callbacks(execute=True):
        services.risk_area_create(
            region=county,
            name="某某花园",
            level="high",
            designated_on=timezone.localdate() - timedelta(days=30),
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.risk_area_lift(
            risk_area=RiskArea.objects.get(name="某某花园"), lifted_on=timezone.localdate()
        )
    rows = soup(client.get(response["Location"])).select("[data-history] tbody tr")
    cells = [[td.get_text(" ", strip=True) for td in row.find_all("td")[1:]] for row in rows]
    # Newest first: the lift, the designation, the submission, each with its answer.
    assert [cause.split(" ")[0] for cause, _answer in cells] == [
        "解除风险地区",
        "新增风险地区",
        "提交申报。",
    ]
    assert "某某花园" in cells[0][0] and "某某花园" in cells[1][0]
    assert cells[1][1].startswith("暂缓进返京，可于")
    arrival = declaration.arrival_date
    # No test declared: allowed on the conditions listed.
    allowed = f"可以进返京，于{arrival.year}年{arrival.month}月{arrival.day}日抵京"
    allowed += "（须满足下列条件）"
    assert cells[0][1] == cells[2][1] == allowed


def test_the_emails_status_link_opens_the_page_in_the_mails_language_and_keeps_it(client):
    from django.conf import settings

    response = client.get("/status/?lang=en", HTTP_ACCEPT_LANGUAGE="zh-CN", follow=True)
    assert soup(response).html["lang"] == "en"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    # The address drops the parameter, so the header's switch can change the language.
    assert response.redirect_chain == [("/status/", 303)]
    assert soup(client.get("/status/", HTTP_ACCEPT_LANGUAGE="zh-CN")).html["lang"] == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/status/"})
    assert soup(client.get("/status/")).html["lang"] == "zh-Hans"
    # Anything else is ignored.
    assert soup(Client().get("/status/?lang=xx")).html["lang"] == "zh-Hans"


def test_after_an_amendment_the_result_page_says_it_was_saved_once(client):
    confirm(client)
    declaration = Declaration.objects.get()
    url = reverse("travellers:amend", args=[declaration.reference])
    saved = client.post(url, amend_post(health_code="yellow"))
    page = soup(client.get(saved["Location"]))
    assert page.find(attrs={"data-amended-notice": True})
    assert not soup(client.get(saved["Location"])).find(attrs={"data-amended-notice": True})


def test_guesses_in_flight_together_each_take_an_attempt_of_the_reference(client, settings):
    # Taken before the lookup runs: a count read first and written after the failure
    # let every guess sent at the same moment through.
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "lookup_reference": "3/hour"}
    from django.core.cache import cache

    from travellers import lookup_attempts

    cache.clear()
    confirm(client)
    reference = Declaration.objects.get().reference
    assert [lookup_attempts.reserve(reference) for _ in range(4)] == [True, True, True, False]
    # The page and the API share the count.
    from rest_framework.test import APIClient

    api = APIClient().post(
        "/api/v1/declarations/lookup/",
        {"reference": reference, "phone_last4": "5678"},
        format="json",
    )
    assert api.status_code == 429
    assert lookup(Client(), reference, "5678").status_code == 429


def _idle_time_passes():
    from django.contrib.sessions.models import Session

    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))


def test_on_a_shared_computer_the_declaration_closes_after_the_idle_time(client, settings):
    settings.CITIZEN_SESSION_IDLE_MINUTES = 30
    response, _token = confirm(client)
    assert client.session.get_expiry_age() == 30 * 60
    assert response.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == 30 * 60
    page = client.get(response["Location"]).content.decode()
    assert "30 分钟无操作后需要重新查询" in page

    _idle_time_passes()

    again = client.get(response["Location"])
    assert again.status_code == 302 and again["Location"] == reverse("travellers:status")


def test_on_a_shared_computer_an_unfinished_form_is_empty_after_the_idle_time(client, settings):
    settings.CITIZEN_SESSION_IDLE_MINUTES = 30
    assert client.post("/declare/", valid_post(full_name="王小明")).status_code == 303
    assert "王小明" in client.get("/declare/").content.decode()
    assert client.session.get_expiry_age() == 30 * 60

    _idle_time_passes()

    assert "王小明" not in client.get("/declare/").content.decode()


def test_a_staff_member_trying_the_form_keeps_their_admin_session(client, admin_user, settings):
    client.force_login(admin_user)
    confirm(client)
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_on_english_pages_chinese_names_are_marked_chinese(client):
    client.cookies["django_language"] = "en"
    assert client.post("/declare/", valid_post(**COMPANION)).status_code == 303
    check = soup(client.get(reverse("travellers:declare-check")))
    assert check.find("span", lang="zh-Hans", string="王小明")
    response, _token = confirm(client, **COMPANION)
    page = soup(client.get(response["Location"]))
    heading = page.select_one("#answer-heading")
    assert heading.select_one('span[lang="zh-Hans"]').get_text() == heading.get_text().strip()
    companion_heading = page.select_one("#companion-1")
    assert companion_heading.select_one('span[lang="zh-Hans"]').get_text() == "王*红"


def test_a_staff_login_after_a_citizens_visit_drops_their_access_and_keeps_djangos_expiry(
    client, admin_user, settings
):
    from travellers.views import ACCESS, DRAFT

    confirm(client)
    client.post("/declare/", valid_post(full_name="另一位"))
    assert client.session.get_expiry_age() == settings.CITIZEN_SESSION_IDLE_MINUTES * 60

    assert (
        client.post(
            reverse("admin:login"), {"username": admin_user.username, "password": "password"}
        ).status_code
        == 302
    )

    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert DRAFT not in client.session and ACCESS not in client.session


class CacheLostAfterTheReserve(LocMemCache):
    """A cache server that answers the attempt's reserve and is gone for its release."""

    def decr(self, key, delta=1, version=None):
        raise ConnectionError("cache server gone")


def test_a_right_lookup_opens_the_declaration_though_the_cache_went_after_the_reserve(client):
    confirm(client)
    reference = Declaration.objects.get().reference
    flaky_cache = {"default": {"BACKEND": f"{__name__}.CacheLostAfterTheReserve"}}
    with override_settings(CACHES=flaky_cache):
        response = lookup(Client(), reference, "5678")
    assert response.status_code == 303
    assert response["Location"] == reverse("travellers:declaration", args=[reference])


def test_the_result_page_tells_a_companions_untested_traveller_to_use_the_companions_reference(
    client,
):
    response, _token = confirm(client, **COMPANION)
    page = soup(client.get(response["Location"]))
    companion = Declaration.objects.get(lead__isnull=False)
    reference = f"{companion.reference[:5]}-{companion.reference[5:]}"
    lead_step = page.select_one("[aria-labelledby=answer-heading] .next-step").get_text()
    companion_step = page.select_one("[aria-labelledby=companion-1] .next-step").get_text()
    # The lead's amend page keeps a companion's health facts as declared: the companion's
    # test is entered under the companion's own reference.
    assert "取得结果后可通过“修改行程和健康信息”补填" in lead_step
    assert f"用同行人的查询码{reference}和同一手机号码后4位重新查询" in companion_step
    # No test declared yet: allowed on conditions, drawn amber rather than green.
    headline = page.select_one("[aria-labelledby=answer-heading] .headline")
    assert "conditional" in headline["class"] and "须满足下列条件" in headline.get_text()
    assert "尚未申报检测结果" in page.get_text()
    assert "抵京当日或前一日采样的核酸检测阴性证明" in page.get_text()


def test_the_result_page_names_the_form_number_and_keeps_dates_whole(client):
    response, _token = confirm(client)
    page = soup(client.get(response["Location"]))
    text = page.get_text()
    assert "用查询码和申报表上填写的手机号码后4位" in text and "查询码和手机号码后4位" not in text
    assert page.select_one("#everyone-heading").get_text() == "温馨提示（所有进返京人员）"
    # At 360 px a date broke after "12": each is kept whole, the range joined by 至.
    [leg] = page.select("[aria-labelledby=legs-heading] li")
    assert leg.select(".nowrap") and "至" in leg.get_text()
    # In the narrow history column the day keeps its characters together (keep-all) and
    # may still wrap at an English date's spaces.
    times = page.select("[data-history] tbody td:first-child")
    assert times and all(cell.select(".keep-words") for cell in times)
