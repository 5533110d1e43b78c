"""What a reader of the English pages and emails is told, through the Django test client:
answers in plain, consistent words, and errors that say how to put them right."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from policies.models import RiskArea
from tests.travellers.test_pages_flow import amend_post, confirm
from tests.travellers.test_pages_form import soup, valid_post
from travellers.models import Declaration, Notice
from travellers.notices import notice_render

pytestmark = pytest.mark.django_db


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def arrival_report(**overrides):
    """Arrived yesterday, three days after leaving 金水区 (Zhengzhou)."""
    today = timezone.localdate()
    return {
        "kind": "arrival_report",
        "language": "en",
        "arrival_date": (today - timedelta(days=1)).isoformat(),
        "legs-0-region": "410105",
        "legs-0-start_date": (today - timedelta(days=8)).isoformat(),
        "legs-0-end_date": (today - timedelta(days=3)).isoformat(),
        **overrides,
    }


def result_page(client, **overrides):
    response, _token = confirm(client, **overrides)
    return soup(client.get(response["Location"]))


@pytest.fixture
def jinshui_medium_risk():
    return RiskArea.objects.create(
        region_id="410105",
        name="示例小区",
        level="medium",
        designated_on=timezone.localdate() - timedelta(days=30),
    )


def test_without_home_observation_the_reason_says_a_designated_site_not_central(
    english, jinshui_medium_risk
):
    page = result_page(english, **arrival_report(home_quarantine_possible="no"))
    reasons = page.select_one("[data-reasons]").get_text(" ", strip=True)
    # The pages' one English name for 集中观察; "central" read as a word of its own.
    assert "home observation is not possible for you" in reasons
    assert "the observation is at a designated site" in reasons
    assert "central" not in reasons


def test_a_measures_headline_says_its_last_day_is_still_part_of_it(english, jinshui_medium_risk):
    page = result_page(english, **arrival_report())
    last_day = timezone.localdate() - timedelta(days=3) + timedelta(days=13)
    shown = f"{last_day.day} {last_day:%B} {last_day.year}"
    monitored = last_day + timedelta(days=7)
    then = f"{monitored.day} {monitored:%B} {monitored.year}"
    # "Until 12 December" leaves open whether the 12th is a day at home; the monitoring
    # that follows is named too, or the reader thought they were free after it.
    assert page.select_one(".headline").get_text(strip=True) == (
        f"Home observation up to and including {shown}, "
        f"then health monitoring up to and including {then}"
    )


@pytest.mark.parametrize(
    "status, said",
    [
        ("secondary_contact", "You declared that you are a secondary close contact"),
        (
            "secondary_contact_cohabitant",
            "You declared that you are living or working with a secondary close contact",
        ),
    ],
)
def test_a_contacts_reason_is_headed_contact_with_cases_and_reads_as_english(english, status, said):
    last_contact = timezone.localdate() - timedelta(days=2)
    page = result_page(
        english,
        **arrival_report(contact_status=status, last_contact_date=last_contact.isoformat()),
    )
    [reason] = page.select("[data-reasons] li")
    text = reason.get_text(" ", strip=True)
    # A secondary contact is no close contact: the heading is the form's question.
    assert reason.strong.get_text() == "Contact with cases"
    assert said in text
    assert "declared being" not in text


def test_the_english_change_email_after_an_amendment_says_arrival_and_trip_after_the_change(
    english,
):
    confirm(english, language="en")
    declaration = Declaration.objects.get()
    later = timezone.localdate() + timedelta(days=4)
    url = reverse("travellers:amend", args=[declaration.reference])
    response = english.post(url, amend_post(arrival_date=later.isoformat(), health_code="yellow"))
    assert response.status_code == 303
    body = notice_render(Notice.objects.get(declaration=declaration, kind="change")).body
    shown = f"{later.day} {later:%B} {later.year}"
    assert f"Arrival date in Beijing after the change: {shown}" in body
    assert "Your trip after the change:" in body
    assert "date as changed" not in body and "Trip as changed" not in body


def test_after_an_amendment_to_the_first_allowed_day_the_answer_says_that_day(english):
    today = timezone.localdate()
    RiskArea.objects.create(
        region_id="321002", name="示例小区", level="high", designated_on=today - timedelta(days=30)
    )
    left = today - timedelta(days=5)
    confirm(english, language="en", **{"legs-0-end_date": left.isoformat()})
    declaration = Declaration.objects.get()
    assert declaration.outcome == "postponed"
    first_day = left + timedelta(days=14)
    url = reverse("travellers:amend", args=[declaration.reference])
    post = amend_post(
        arrival_date=first_day.isoformat(),
        **{
            "legs-0-region": "321002",
            "legs-0-start_date": (today - timedelta(days=10)).isoformat(),
            "legs-0-end_date": left.isoformat(),
        },
    )
    saved = english.post(url, post)
    assert saved.status_code == 303
    page = soup(english.get(saved["Location"]))
    shown = f"{first_day.day} {first_day:%B} {first_day.year}"
    # Not travelling before then is the whole answer: "You may travel" alone did not say.
    # No test declared yet: the headline says the trip holds only with the conditions.
    assert page.select_one(".headline").get_text(strip=True) == (
        f"You may travel to Beijing, arriving on {shown}, if you meet the conditions below"
    )
    body = notice_render(Notice.objects.get(declaration=declaration, kind="change")).body
    assert f"You may travel to Beijing, arriving on {shown}" in body
    # The answer before the amendment was a postponement: the mail says old and new.
    assert "Previous result: Do not travel to Beijing yet" in body


def test_an_unticked_attestation_says_to_tick_the_box_and_warns_only_once(english):
    response = english.post("/declare/", valid_post(attestation=""))
    page = soup(response)
    label = page.find("label", attrs={"for": "id_attestation"}).get_text(strip=True)
    assert label == "I declare that the information above is true and complete"
    error = page.find(id="id_attestation-error").get_text(" ", strip=True)
    assert error == "Error: Tick the box to make the declaration before you continue."
    # The warning is the hint's ("may be"); the error said "will be" beside it.
    text = page.get_text(" ", strip=True)
    assert text.count("legally responsible") == 1
    assert "you may be held legally responsible" in text


@pytest.mark.parametrize(
    "kind, days, advice",
    [
        ("pre_travel", -1, "choose “Report after arrival” as the declaration type"),
        ("arrival_report", 1, "choose “Declaration before travel” as the declaration type"),
    ],
)
def test_an_arrival_date_on_the_wrong_side_of_today_says_which_declaration_type_fits(
    english, kind, days, advice
):
    today = timezone.localdate()
    post = valid_post(
        kind=kind,
        arrival_date=(today + timedelta(days=days)).isoformat(),
        **{"legs-0-end_date": (today - timedelta(days=5)).isoformat()},
    )
    response = english.post("/declare/", post)
    assert response.status_code == 400
    lines = {a["href"]: a.get_text() for a in soup(response).select("[data-error-summary] a")}
    assert advice in lines["#id_arrival_date"]


@pytest.mark.parametrize(
    "kind, days, advice",
    [
        ("pre_travel", -1, "如已抵京，请在申报类型中选择“抵京后报备”。"),
        ("arrival_report", 1, "如尚未抵京，请在申报类型中选择“出行前申报”。"),
    ],
)
def test_the_chinese_arrival_date_error_gives_the_same_advice(client, kind, days, advice):
    today = timezone.localdate()
    post = valid_post(kind=kind, arrival_date=(today + timedelta(days=days)).isoformat())
    response = client.post("/declare/", post)
    assert advice in soup(response).find(id="id_arrival_date-error").get_text()


def test_an_amendment_keeps_the_arrival_date_message_without_the_type_it_cannot_change(
    client,
):
    # The kind is fixed once submitted: the amend form names no other declaration type.
    confirm(client)
    declaration = Declaration.objects.get()
    yesterday = timezone.localdate() - timedelta(days=1)
    url = reverse("travellers:amend", args=[declaration.reference])
    response = client.post(url, amend_post(arrival_date=yesterday.isoformat()))
    error = soup(response).find(id="id_arrival_date-error").get_text()
    assert error == "错误：抵京日期不能早于今天。"


def test_the_status_lookup_says_whose_mobile_number_it_asks_for(english):
    # A companion's reference opens with the form's one number, not a number of their own.
    page = soup(english.get(reverse("travellers:status"))).get_text(" ", strip=True)
    assert "the mobile number given on the declaration form" in page
    assert "companion's declaration, use the same mobile number" in page
    assert "your mobile number" not in page
    chinese = soup(Client().get(reverse("travellers:status"))).get_text()
    assert "申报时填写的手机号码后4位" in chinese
    assert "查询同行人的申报，也使用这个手机号码" in chinese


def test_the_measures_hint_reads_true_after_arrival_too(english, jinshui_medium_risk):
    # An arrival report's reader has arrived: "may have begun before you arrive" was in
    # the wrong tense for them.
    page = result_page(english, **arrival_report()).get_text(" ", strip=True)
    assert "so they may start before the day of arrival in Beijing" in page
    assert "before you arrive" not in page


def test_a_declaration_without_stays_says_none_was_declared_not_that_none_happened(english):
    # Before travel the declarant is somewhere outside Beijing: "You have not been outside
    # Beijing" beside "You may travel to Beijing" contradicted itself.
    page = result_page(
        english, **{"legs-0-region": "", "legs-0-start_date": "", "legs-0-end_date": ""}
    )
    text = page.get_text(" ", strip=True)
    assert "No stays outside Beijing declared." in text
    assert "not been outside Beijing" not in text


def test_the_result_asks_everyone_on_the_form_once_to_report_to_their_community(english):
    page = result_page(
        english,
        **{
            "companions-0-full_name": "王小红",
            "companions-0-id_type": "resident_id",
            "companions-0-id_number": "321002198501010026",
        },
    )
    [note] = page.select("[data-everyone-note]")
    assert "Please note (everyone coming to Beijing)" in note.get_text()
    assert "report without delay to your residential community and your employer" in note.get_text(
        " ", strip=True
    )


def test_an_english_reader_is_told_each_reasons_basis_is_the_official_chinese_notice(
    english, jinshui_medium_risk
):
    from policies.models import PolicyRule

    citations = set(PolicyRule.objects.values_list("citation", flat=True))
    page = result_page(english, **arrival_report())
    basis = page.select_one("[data-reasons] .citation")
    assert basis.get_text(strip=True).startswith("Basis (official notice, in Chinese):")
    assert basis.select_one('span[lang="zh-Hans"]').get_text() in citations
    notice = Notice.objects.get(kind="confirmation")
    message = notice_render(notice)
    assert " (Basis, official notice in Chinese: " in message.body
    assert 'Basis (official notice, in Chinese): <span lang="zh-Hans">' in (
        message.alternatives[0][0]
    )


def test_a_chinese_reader_keeps_the_short_basis_label(client, jinshui_medium_risk):
    page = result_page(client, **arrival_report(language="zh-hans"))
    basis = page.select_one("[data-reasons] .citation").get_text(strip=True)
    assert basis.startswith("依据：") and "official" not in basis
    body = notice_render(Notice.objects.get(kind="confirmation")).body
    assert "（依据：" in body and "Basis" not in body
