"""The home page and the declaration form, through the Django test client."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse
from django.utils import timezone

from policies.models import Announcement
from travellers.models import Declaration

pytestmark = pytest.mark.django_db

ID_NUMBER = "110105199003071239"


def soup(response):
    return BeautifulSoup(response.content.decode(), "html.parser")


def valid_post(**overrides):
    today = timezone.localdate()
    data = {
        "kind": "pre_travel",
        "full_name": "王小明",
        "id_type": "resident_id",
        "id_number": ID_NUMBER,
        "phone": "13912345678",
        "email": "xiaoming@example.com",
        "language": "zh-hans",
        "residence_region": "110105",
        "arrival_date": (today + timedelta(days=3)).isoformat(),
        "health_code": "green",
        "contact_status": "none",
        "home_quarantine_possible": "yes",
        "legs-0-region": "321002",
        "legs-0-start_date": (today - timedelta(days=10)).isoformat(),
        "legs-0-end_date": (today - timedelta(days=5)).isoformat(),
        "legs-1-region": "",
        "legs-1-start_date": "",
        "legs-1-end_date": "",
        "attestation": "1",
        "action": "continue",
    }
    data.update(overrides)
    return data


def test_home_names_the_policy_in_force_and_the_latest_announcements(client):
    for number in range(4):
        Announcement.objects.create(
            title_zh=f"公告{number}",
            body_zh="正文",
            status="published",
            published_at=timezone.now() - timedelta(days=number),
        )
    page = soup(client.get("/"))
    text = page.get_text()
    assert "BJ-" in text  # the code of whichever shipped version is in force today
    titles = [a.get_text() for a in page.select(".announcements a")]
    assert titles == ["公告0", "公告1", "公告2"]
    assert page.find("a", href=reverse("travellers:declare"))
    assert page.find("a", href=reverse("travellers:status"))


def test_the_form_has_labels_for_every_input_and_legends_for_groups(client):
    page = soup(client.get("/declare/"))
    form = page.find("form", attrs={"data-declare-form": True})
    inputs = form.find_all(["input", "select"])
    for element in inputs:
        if element.get("type") in ("hidden", "radio"):
            continue
        assert page.find("label", attrs={"for": element["id"]}), element
    for radio in form.find_all("input", type="radio"):
        assert radio.find_parent("label") and radio.find_parent("fieldset").legend
    legends = [legend.get_text(strip=True) for legend in form.find_all("legend")]
    assert "行程" in legends and "健康状况" in legends
    # One plain row for the itinerary to start; without JavaScript a button adds more.
    assert len(form.select("[data-leg-list] [data-leg-row]")) == 1
    assert form.find("button", attrs={"value": "add_legs"})
    # The attestation states what concealing travel costs.
    assert "法律责任" in form.get_text()
    assert form.find("input", attrs={"name": "token"})["value"]


def commuter_hint(page):
    box = page.find("input", attrs={"name": "commuter"})
    hint = page.find(id=box.get("aria-describedby", "") or "no-hint")
    return hint.get_text(strip=True) if hint else ""


@pytest.fixture
def commuter_belt():
    from policies.models import Designation

    today = timezone.localdate()
    for code in ("131082", "131028", "120114"):
        Designation.objects.create(kind="commuter_zone", region_id=code, valid_from=today)
    # Not today's: lapsed yesterday, or from tomorrow; another kind.
    Designation.objects.create(
        kind="commuter_zone",
        region_id="131024",
        valid_from=today - timedelta(days=30),
        valid_until=today - timedelta(days=1),
    )
    Designation.objects.create(
        kind="commuter_zone", region_id="131022", valid_from=today + timedelta(days=1)
    )
    Designation.objects.create(kind="case_city", region_id="410100", valid_from=today)


def test_the_commuter_question_names_the_commuter_belt_designated_today(client, commuter_belt):
    hint = commuter_hint(soup(client.get("/declare/")))
    assert hint == "目前认定的环京通勤地区：天津市武清区；河北省大厂回族自治县、三河市。"


def test_the_commuter_belt_is_named_in_english_for_english_readers(client, commuter_belt):
    client.cookies["django_language"] = "en"
    assert commuter_hint(soup(client.get("/declare/"))) == (
        "The places now designated as the commuter belt around Beijing: Wuqing District "
        "(武清区) in Tianjin; Dachang Hui Autonomous County (大厂回族自治县), "
        "Sanhe City (三河市) in Hebei."
    )


def test_the_amend_page_names_the_commuter_belt_too(client, commuter_belt):
    from tests.travellers.test_pages_flow import confirm

    confirm(client)
    reference = Declaration.objects.get().reference
    page = soup(client.get(reverse("travellers:amend", args=[reference])))
    assert "河北省大厂回族自治县、三河市" in commuter_hint(page)


def test_without_a_commuter_belt_today_the_question_has_no_hint(client):
    from policies.models import Designation

    Designation.objects.filter(kind="commuter_zone").delete()
    page = soup(client.get("/declare/"))
    assert commuter_hint(page) == ""
    assert "环京通勤地区：" not in page.get_text()


def test_an_invalid_form_comes_back_with_each_error_at_its_field_and_a_summary(client):
    response = client.post(
        "/declare/", valid_post(id_number="110105199003071238", phone="12", attestation="")
    )
    assert response.status_code == 400
    page = soup(response)
    summary = page.find(attrs={"data-error-summary": True})
    assert summary["role"] == "alert"
    assert summary.has_attr("autofocus")  # focused without JavaScript too
    assert page.title.get_text().startswith("错误：申报行程")
    targets = [a["href"] for a in summary.find_all("a")]
    assert targets == ["#id_id_number", "#id_phone", "#id_attestation"]
    field = page.find(id="id_id_number")
    assert field["aria-invalid"] == "true"
    error = page.find(id=field["aria-describedby"].split()[-1])
    assert "校验位" in error.get_text()
    # Values are kept, nothing is stored.
    assert page.find(id="id_full_name")["value"] == "王小明"
    assert page.find(id="id_legs-0-region")["value"] == "江苏省扬州市广陵区"
    assert not Declaration.objects.exists()


def test_the_summary_names_each_field_and_a_blank_required_field_reads_as_missing(client):
    today = timezone.localdate()
    response = client.post(
        "/declare/",
        valid_post(
            kind="",
            arrival_date="",
            email="",
            **{
                "legs-1-region": "131082",
                "legs-1-start_date": "",
                "legs-1-end_date": (today - timedelta(days=1)).isoformat(),
            },
        ),
    )
    assert response.status_code == 400
    page = soup(response)
    lines = {a["href"]: a.get_text() for a in page.select("[data-error-summary] a")}
    assert lines["#id_kind"].startswith("申报类型：")
    assert lines["#id_email"].startswith("电子邮箱：")
    assert lines["#id_legs-1-start_date"].startswith("第2段行程 · 到达当地日期：")
    # Missing, not a malformed date nor an empty choice, in words naming what to fill in
    # (not DRF's "该字段是必填项。"); a choice left open asks for one.
    assert lines["#id_arrival_date"] == "抵京日期：请填写抵京日期。"
    assert lines["#id_legs-1-start_date"] == "第2段行程 · 到达当地日期：请填写到达当地日期。"
    assert lines["#id_email"] == "电子邮箱：请填写电子邮箱。"
    assert lines["#id_kind"] == "申报类型：请选择一项。"
    # Next to the field the message stands alone: the label is right above it.
    assert page.find(id="id_arrival_date-error").get_text(strip=True) == "错误：请填写抵京日期。"
    assert not Declaration.objects.exists()


def test_the_summary_and_its_separators_are_english_on_an_english_page(client):
    response = client.post("/declare/", valid_post(email=""), HTTP_ACCEPT_LANGUAGE="en")
    [line] = [a.get_text() for a in soup(response).select("[data-error-summary] a")]
    assert line == "Email: Enter your email address."
    assert soup(response).title.get_text().startswith("Error: ")


def test_a_leg_error_is_shown_on_its_own_row(client):
    today = timezone.localdate()
    response = client.post(
        "/declare/",
        valid_post(
            **{
                "legs-0-region": "",
                "legs-0-start_date": "",
                "legs-0-end_date": "",
                "legs-2-region": "321002",
                "legs-2-start_date": (today - timedelta(days=3)).isoformat(),
                "legs-2-end_date": (today - timedelta(days=6)).isoformat(),
            }
        ),
    )
    page = soup(response)
    # Shown again, the typed leg is the first row: its error moved with it.
    assert page.find(id="id_legs-0-region")["value"] == "江苏省扬州市广陵区"
    assert page.find(id="id_legs-0-end_date")["aria-invalid"] == "true"
    assert "#id_legs-0-end_date" in [a["href"] for a in page.select("[data-error-summary] a")]
    assert not page.find(id="id_legs-2-end_date")


@pytest.mark.parametrize("typed", ["广陵区", "扬州 广陵", "江苏省扬州市广陵区"])
def test_without_javascript_a_unique_name_finds_the_county(client, typed):
    response = client.post("/declare/", valid_post(**{"legs-0-region": typed}))
    assert response.status_code == 303
    check = soup(client.get(response["Location"]))
    assert "江苏省扬州市广陵区" in check.get_text()


GUANGLING_EN = "Guangling District, Yangzhou, Jiangsu"


@pytest.mark.parametrize("box", [GUANGLING_EN, "江苏省扬州市广陵区"])
def test_the_boxs_name_in_either_language_is_taken_for_the_picked_county(client, box):
    # The picker writes the English name on English pages; a language switch keeps the
    # Chinese one a reader picked before it.
    post = valid_post(**{"legs-0-region": box, "legs-0-region_code": "321002"})
    response = client.post("/declare/", post, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 303
    check = soup(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en"))
    assert f"{GUANGLING_EN} (广陵区)" in check.get_text()


def test_a_name_that_is_not_the_picked_codes_is_searched_instead(client):
    # The box was changed after picking 广灵县 (140223): the text decides, not the code.
    post = valid_post(**{"legs-0-region": GUANGLING_EN, "legs-0-region_code": "140223"})
    response = client.post("/declare/", post, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 303
    check = soup(client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")).get_text()
    assert f"{GUANGLING_EN} (广陵区)" in check and "广灵县" not in check


def test_a_re_shown_form_names_the_found_county_in_the_pages_language(client):
    post = valid_post(**{"legs-0-region": "321002", "phone": "123"})
    english = soup(client.post("/declare/", post, HTTP_ACCEPT_LANGUAGE="en"))
    assert english.find(id="id_legs-0-region")["value"] == GUANGLING_EN
    chinese = soup(client.post("/declare/", post))
    assert chinese.find(id="id_legs-0-region")["value"] == "江苏省扬州市广陵区"


def test_an_ambiguous_region_name_lists_the_candidates(client):
    # 广陵区 (Yangzhou) and 广灵县 (Datong) share their toneless pinyin.
    response = client.post("/declare/", valid_post(**{"legs-0-region": "guangling"}))
    assert response.status_code == 400
    error = soup(response).find(id="id_legs-0-region-error").get_text()
    assert "多个地区" in error
    assert "江苏省扬州市广陵区（321002）" in error and "山西省大同市广灵县（140223）" in error


def test_the_candidates_of_an_ambiguous_name_are_listed_in_english_for_english_readers(client):
    response = client.post(
        "/declare/", valid_post(**{"legs-0-region": "guangling"}), HTTP_ACCEPT_LANGUAGE="en"
    )
    error = soup(response).find(id="id_legs-0-region-error").get_text()
    assert (
        "Guangling County, Datong, Shanxi (广灵县) (140223), "
        "Guangling District, Yangzhou, Jiangsu (广陵区) (321002)"
    ) in error


def test_a_district_of_the_jurisdiction_is_never_taken_for_its_namesake_elsewhere(client):
    # 朝阳区 is Beijing's (110105) before Changchun's (220104): a leg names places outside.
    response = client.post("/declare/", valid_post(**{"legs-0-region": "朝阳区"}))
    assert response.status_code == 400
    error = soup(response).find(id="id_legs-0-region-error").get_text()
    # In the citizen's words, not the office's "本辖区".
    assert "本辖区" not in error
    assert "行程只需填写北京以外的地区" in error and "北京市朝阳区" in error
    # The namesake the picker offered is named, with the code that picks it.
    assert "吉林省长春市朝阳区（220104）" in error


def test_a_sampling_time_without_a_result_asks_for_the_result(client):
    sampled = timezone.localtime() - timedelta(hours=5)
    response = client.post(
        "/declare/", valid_post(nat_sampled_at=sampled.strftime("%Y-%m-%dT%H:%M"))
    )
    assert response.status_code == 400
    error = soup(response).find(id="id_nat_result-error").get_text()
    assert error == "错误：请选择核酸检测结果。"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "已选择检测结果，请填写采样时间。"),
        ("en", "You chose a test result: enter the sampling time."),
    ],
)
def test_a_result_without_a_sampling_time_asks_for_the_time(client, language, expected):
    client.cookies["django_language"] = language
    response = client.post("/declare/", valid_post(nat_result="negative", nat_sampled_at=""))
    assert response.status_code == 400
    error = soup(response).find(id="id_nat_sampled_at-error").get_text()
    assert expected in error and "null" not in error


def test_more_rows_without_javascript_keeps_what_was_typed(client):
    response = client.post("/declare/", valid_post(action="add_legs"))
    page = soup(response)
    assert response.status_code == 200
    assert not page.find(attrs={"data-error-summary": True})
    assert len(page.select("[data-leg-list] [data-leg-row]")) >= 4
    assert page.find(id="id_legs-0-region")["value"] == "321002"


def test_a_companion_row_is_added_on_request(client):
    page = soup(client.post("/declare/", valid_post(action="add_companion")))
    assert page.find(id="id_companions-0-full_name")


def test_a_valid_form_leads_to_the_check_page_with_masked_numbers(client):
    response = client.post("/declare/", valid_post())
    assert response.status_code == 303
    assert response["Location"] == reverse("travellers:declare-check")
    text = soup(client.get(response["Location"])).get_text()
    assert ID_NUMBER not in text and "1101**********1239" in text
    assert "139****5678" in text
    assert not Declaration.objects.exists()
    # The identity number is not readable in the stored session either.
    assert ID_NUMBER not in str(dict(client.session))


def test_change_links_return_to_the_form_with_the_values_kept(client):
    client.post("/declare/", valid_post())
    check = soup(client.get(reverse("travellers:declare-check")))
    link = check.find("a", href=reverse("travellers:declare") + "#id_email")
    assert link
    form = soup(client.get(reverse("travellers:declare")))
    assert form.find(id="id_email")["value"] == "xiaoming@example.com"
    assert form.find(id="id_id_number")["value"] == ID_NUMBER


def test_the_check_page_without_a_draft_goes_back_to_the_form(client):
    response = client.get(reverse("travellers:declare-check"))
    assert response.status_code == 302
    assert response["Location"] == reverse("travellers:declare")


def test_dates_on_the_check_page_are_in_the_language_of_the_page(client):
    arrival = timezone.localdate() + timedelta(days=3)
    client.post("/declare/", valid_post(arrival_date=arrival.isoformat()))
    zh = soup(client.get(reverse("travellers:declare-check"))).get_text()
    assert f"{arrival.year}年{arrival.month}月{arrival.day}日" in zh
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    en = soup(client.get(reverse("travellers:declare-check")))
    assert en.html["lang"] == "en"
    assert f"{arrival.day} {arrival:%B} {arrival.year}" in en.get_text()


def test_a_nul_character_in_a_leg_region_is_a_field_error(client):
    response = client.post("/declare/", valid_post(**{"legs-0-region": "广陵\x00"}))
    assert response.status_code == 400
    assert soup(response).find(id="id_legs-0-region-error")
    assert Declaration.objects.count() == 0


def field_error(response, field):
    node = soup(response).find(id=f"id_{field}-error")
    return node.get_text(" ", strip=True) if node else None


@pytest.mark.parametrize("value", ["false", "0", "no", "on"])
def test_only_the_ticked_box_attests(client, value):
    response = client.post("/declare/", valid_post(attestation=value))
    assert response.status_code == 400
    assert field_error(response, "attestation") == "错误： 请勾选承诺后再继续。"
    assert Declaration.objects.count() == 0


def test_an_unticked_attestation_names_the_box_once(client):
    response = client.post("/declare/", valid_post(attestation=""))
    page = soup(response)
    label = page.find("label", attrs={"for": "id_attestation"}).get_text(strip=True)
    assert label == "我承诺以上填写的内容真实、完整"
    # The summary puts the label before the message; the message repeating it (and the
    # hint's warning) read the same words twice.
    [line] = [a.get_text() for a in page.select("[data-error-summary] a")]
    assert line == f"{label}：请勾选承诺后再继续。"
    assert field_error(response, "attestation") == "错误： 请勾选承诺后再继续。"


def test_an_unknown_answer_about_home_observation_is_an_error_not_a_yes(client):
    response = client.post("/declare/", valid_post(home_quarantine_possible="maybe"))
    assert response.status_code == 400
    assert field_error(response, "home_quarantine_possible")


def test_a_region_text_too_long_to_be_a_name_is_a_field_error(client):
    response = client.post("/declare/", valid_post(**{"legs-0-region": "x" * 100_000}))
    assert response.status_code == 400
    assert "过长" in field_error(response, "legs-0-region")


def test_a_row_number_with_thousands_of_digits_is_not_a_row(client):
    from urllib.parse import urlencode

    body = urlencode(valid_post(**{"legs-" + "9" * 5000 + "-region": "广陵"}))
    response = client.post("/declare/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("legs-50-region", "legs-0-region", "行程最多50段"),
        ("companions-4-full_name", "companions-0-full_name", "同行人员最多4人"),
    ],
)
def test_rows_beyond_what_the_form_offers_are_refused_not_dropped(client, row, field, message):
    response = client.post("/declare/", valid_post(**{row: "321002"}))
    assert response.status_code == 400
    assert message in soup(response).select_one("[data-error-summary]").get_text()


def companion_fields(number=0, **overrides):
    fields = {
        f"companions-{number}-full_name": "王小宝",
        f"companions-{number}-id_type": "resident_id",
        f"companions-{number}-id_number": "110105201503010045",
    }
    fields.update({f"companions-{number}-{name}": value for name, value in overrides.items()})
    return fields


def test_a_companion_is_removed_on_request_and_the_others_keep_their_answers(client):
    two = {**companion_fields(0), **companion_fields(1, full_name="王小红")}
    page = soup(client.post("/declare/", valid_post(**two, action="remove_companion:0")))
    assert page.find(id="id_companions-0-full_name")["value"] == "王小红"
    assert not page.find(id="id_companions-1-full_name")
    assert page.find("button", attrs={"value": "remove_companion:0"})
    # Focus stays where the removed one was.
    assert [node["id"] for node in page.select("[autofocus]")] == ["id_companions-0-full_name"]
    alone = soup(
        client.post("/declare/", valid_post(**companion_fields(0), action="remove_companion:0"))
    )
    assert [node["id"] for node in alone.select("[autofocus]")] == ["add-companion"]


def test_a_companion_can_have_a_contact_status_of_their_own(client):
    from django.urls import reverse

    # The lead is a secondary contact; the child living with them is a cohabitant of one.
    today = timezone.localdate()
    contact_day = (today - timedelta(days=2)).isoformat()
    post = valid_post(
        contact_status="secondary_contact",
        last_contact_date=contact_day,
        **companion_fields(
            contact_status="secondary_contact_cohabitant", last_contact_date=contact_day
        ),
    )
    assert client.post("/declare/", post).status_code == 303
    check = soup(client.get(reverse("travellers:declare-check"))).get_text()
    assert "同行人1 · 接触情况" in check
    token = soup(client.get(reverse("travellers:declare-check"))).find(
        "input", attrs={"name": "token"}
    )["value"]
    client.post(reverse("travellers:declare-check"), {"token": token})
    child = Declaration.objects.get(lead__isnull=False)
    assert child.contact_status == "secondary_contact_cohabitant"
    assert Declaration.objects.get(lead__isnull=True).contact_status == "secondary_contact"


def test_a_companions_contact_status_without_a_date_is_an_error_at_their_row(client):
    post = valid_post(**companion_fields(contact_status="close_contact"))
    response = client.post("/declare/", post)
    assert response.status_code == 400
    assert field_error(response, "companions-0-last_contact_date")


def test_switching_language_on_the_form_keeps_what_was_typed(client):
    from django.conf import settings

    posted = valid_post(action="switch_language", ui_language="en", full_name="王小明")
    response = client.post("/declare/", posted)
    assert response.status_code == 303
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = soup(client.get(response["Location"]))
    assert page.html["lang"] == "en"
    assert page.find(id="id_full_name")["value"] == "王小明"
    assert page.find(id="id_legs-0-region")["value"] == "321002"
    # The notices' language was preset to the page's, so it follows the switch: an
    # English reader who switched otherwise got Chinese emails.
    assert page.find(id="id_language").find("option", selected=True)["value"] == "en"
    assert Declaration.objects.count() == 0


@pytest.mark.parametrize("name", ["health_code", "home_quarantine_possible"])
def test_the_form_chooses_no_health_answer_for_the_declarant(client, name):
    page = soup(client.get("/declare/"))
    assert not page.select(f"input[name={name}][checked]")
    response = client.post("/declare/", valid_post(**{name: ""}))
    assert response.status_code == 400
    assert "请选择一项。" in field_error(response, name)
    assert Declaration.objects.count() == 0


def test_each_leg_on_the_check_page_links_to_the_row_it_was_typed_in(client):
    from django.urls import reverse

    today = timezone.localdate()
    later = {
        "legs-0-region": "131082",
        "legs-0-start_date": (today - timedelta(days=5)).isoformat(),
        "legs-0-end_date": (today - timedelta(days=1)).isoformat(),
    }
    earlier = {
        "legs-1-region": "321002",
        "legs-1-start_date": (today - timedelta(days=10)).isoformat(),
        "legs-1-end_date": (today - timedelta(days=5)).isoformat(),
    }
    assert client.post("/declare/", valid_post(**later, **earlier)).status_code == 303
    page = soup(client.get(reverse("travellers:declare-check")))
    links = {
        dt.get_text(strip=True): dt.find_next_sibling("dd").find("a")["href"]
        for dt in page.select(".answers dt")
        if "段行程" in dt.get_text()
    }
    # Listed in travel order: the first part of the trip is the row typed second.
    assert links == {
        "第1段行程": "/declare/#id_legs-1-region",
        "第2段行程": "/declare/#id_legs-0-region",
    }


def test_a_companions_errors_come_all_at_once(client):
    post = valid_post(
        **companion_fields(full_name="", id_number="123", contact_status="close_contact")
    )
    response = client.post("/declare/", post)
    assert response.status_code == 400
    for field in ("full_name", "id_number", "last_contact_date"):
        assert field_error(response, f"companions-0-{field}"), field


def test_without_javascript_the_form_offers_a_language_switch_that_keeps_the_answers(client):
    page = soup(client.get("/declare/"))
    form = page.find("form", attrs={"data-declare-form": True})
    buttons = [b.get("value") for b in form.find_all("button", attrs={"type": "submit"})]
    # After "continue": Enter in a field still continues.
    assert buttons[0] == "continue" and "switch_language" in buttons
    switch = form.find("noscript")
    assert switch.find("input", attrs={"name": "ui_language"})["value"] == "en"
    assert "Switch to English" in switch.get_text()


def _label(page, field_id):
    return page.find("label", attrs={"for": field_id}).get_text()


def test_fields_needed_only_in_some_cases_are_not_marked_optional_and_say_when(client):
    post = valid_post(
        **{
            "action": "add_companion",
        }
    )
    page = soup(client.post("/declare/", post))
    for field_id in (
        "id_last_contact_date",
        "id_legs-0-end_date",
        "id_companions-0-id_type",
        "id_companions-0-last_contact_date",
    ):
        assert "选填" not in _label(page, field_id), field_id
    # A field that may really stay empty keeps the mark, with no space before it.
    assert _label(page, "id_international_entry_date") == "入境日期（选填）"
    assert "不是“无接触”时必填" in page.find(id="id_last_contact_date-hint").get_text()
    assert "均需填写" in page.find(id="id_legs-0-end_date-hint").get_text()


def test_the_identity_number_has_a_hint_for_each_document_type(client):
    page = soup(client.post("/declare/", valid_post(action="add_companion")))
    for prefix in ("id_id_number", "id_companions-0-id_number"):
        hints = page.find(id=f"{prefix}-hint")
        assert prefix + "-hint" in page.find(id=prefix)["aria-describedby"].split()
        types = [item["data-choice-hint"] for item in hints.select("[data-choice-hint]")]
        assert types == ["resident_id", "passport", "hk_macao_permit", "taiwan_permit"]
        # Without JavaScript every hint shows; declare.js hides the others.
        assert not hints.select("[hidden]")
        assert "护照：5至17位" in hints.get_text()


def test_the_phone_hint_says_what_to_do_without_a_mainland_number(client):
    page = soup(client.get("/declare/"))
    hint = page.find(id="id_phone-hint").get_text()
    assert "仅支持中国大陆手机号码" in hint and "12345" in hint
    # The sampling time's hint names no year of its own.
    assert "2021" not in page.find(id="id_nat_sampled_at-hint").get_text()


def _area(county, name, level, *, days_ago=3, lifted_in=None):
    from policies.models import RiskArea

    today = timezone.localdate()
    return RiskArea.objects.create(
        region_id=county,
        name=name,
        level=level,
        designated_on=today - timedelta(days=days_ago),
        lifted_on=None if lifted_in is None else today + timedelta(days=lifted_in),
    )


def test_home_lists_todays_risk_areas_by_county_before_anyone_declares(client):
    _area("321002", "汤汪乡", "high", days_ago=5)
    _area("321002", "文峰街道", "medium")
    _area("410105", "丰产路街道", "medium")
    _area("430802", "已解除的街道", "high", days_ago=30, lifted_in=0)  # lifted today
    _area("420106", "明天才划定的街道", "high", days_ago=-1)

    page = soup(client.get("/"))
    section = page.find(attrs={"data-risk-areas": True})
    assert section.h2.get_text() == "当前中高风险地区"
    counties = section.select("[data-risk-county]")
    # High-risk counties first; an area lifted today or designated tomorrow is not listed.
    assert [county["data-risk-county"] for county in counties] == ["321002", "410105"]
    first = counties[0].get_text(" ", strip=True)
    assert "江苏省扬州市广陵区" in first and "有高风险地区" in first
    assert "汤汪乡 ：高风险，自" in first and "文峰街道 ：中风险" in first
    assert "有中风险地区" in counties[1].get_text()
    assert section.find("a", href=reverse("policies:risk-areas"))


def test_home_shows_a_few_risk_counties_and_links_the_rest(client):
    for county in ("321002", "410103", "410105", "430802", "420106", "330110"):
        _area(county, "某街道", "medium")

    page = soup(client.get("/"))
    section = page.find(attrs={"data-risk-areas": True})
    assert len(section.select("[data-risk-county]")) == 5
    link = section.find("a", href=reverse("policies:risk-areas"))
    assert "另有1个区县" in link.get_text()

    full = soup(client.get(reverse("policies:risk-areas")))
    provinces = [s["data-risk-province"] for s in full.select("[data-risk-province]")]
    assert provinces == ["320000", "330000", "410000", "420000", "430000"]
    assert len(full.select("[data-risk-county]")) == 6


def test_the_risk_area_list_in_english_names_places_in_both_languages(client):
    _area("321002", "汤汪乡", "high")
    page = soup(client.get(reverse("policies:risk-areas"), HTTP_ACCEPT_LANGUAGE="en"))
    county = page.find(attrs={"data-risk-county": "321002"})
    assert "Guangling District, Yangzhou, Jiangsu (广陵区)" in county.get_text()
    assert county.find("span", lang="zh-Hans", string="汤汪乡")
    assert "High risk, since" in county.get_text()


def test_without_risk_areas_the_home_page_says_so(client):
    page = soup(client.get("/"))
    assert page.find(attrs={"data-no-risk-areas": True})


def test_the_region_hint_names_a_place_without_a_demo_risk_area():
    from policies.management.commands import seed_demo
    from travellers import forms

    hint = str(forms.LEG_SPECS["region"].hint)
    for county, *_rest in seed_demo.RISK_AREAS:
        assert county not in hint
    assert "330110" in hint and "guanglingqu" not in hint


def _check_rows(client, **post):
    assert client.post("/declare/", valid_post(**post)).status_code == 303
    page = soup(client.get(reverse("travellers:declare-check")))
    return {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in page.select("dl.answers dt")
    }


def test_the_check_page_lists_each_companions_health_code_test_and_contact(client):
    sampled = (timezone.localdate() - timedelta(days=1)).isoformat() + "T09:30"
    rows = _check_rows(
        client,
        **companion_fields(nat_result="negative", nat_sampled_at=sampled),
        **companion_fields(
            1, full_name="王小红", health_code="yellow", id_number="110105201503010061"
        ),
    )
    assert rows["同行人1 · 健康码"].startswith("与申报人相同（绿码）")
    assert rows["同行人1 · 核酸检测"].startswith("阴性（")
    assert "09:30" in rows["同行人1 · 核酸检测"]
    assert rows["同行人1 · 接触情况"].startswith("与申报人相同（无接触）")
    assert rows["同行人2 · 健康码"].startswith("黄码")
    assert rows["同行人2 · 核酸检测"].startswith("未检测")
    # Blank answers are named, not a dash; the commuter row names the group.
    assert rows["所属社区"].startswith("未选择")
    assert rows["入境日期"].startswith("未填写")
    assert rows["环京通勤人员"].startswith("否")
    assert not any(value.startswith("—") for value in rows.values())


def test_the_trip_section_asks_for_the_look_back_of_the_policy_in_force(client):
    hint = soup(client.get("/declare/")).find("h2", string="抵京前停留过的京外区县")
    text = hint.find_next_sibling("p").get_text()
    assert "抵京前14天内" in text and "包括您现在所在的地方" in text
    assert "不用填" not in text


def test_the_look_back_is_the_longest_of_the_stay_rules():
    from types import SimpleNamespace

    from travellers.views import travel_lookback_days

    def rule(kind, days):
        return SimpleNamespace(kind=kind, params={"days": days})

    policy = SimpleNamespace(
        rules=(
            rule("risk_county_stay", 14),
            rule("designated_region_stay", 21),
            rule("international_entry", 28),  # an entry date, not a stay
        )
    )
    assert travel_lookback_days(policy) == 21
    assert travel_lookback_days(None) == 14


def test_errors_move_with_their_leg_when_blank_rows_are_dropped():
    from travellers import forms

    blank = dict.fromkeys(forms.LEG_FIELDS, "")
    typed = {**blank, "region": "321002", "start_date": "2021-08-01"}
    state = {"fields": {}, "legs": [blank, typed, blank, typed], "companions": []}
    shown, errors = forms.shown_again(
        state,
        {
            "id_legs-3-end_date": ["a"],
            "id_legs-2-region": ["b"],
            "id_legs-0-region": ["c"],
            "id_phone": ["d"],
        },
    )
    assert [leg["region"] for leg in shown["legs"]] == ["321002", "321002"]
    assert errors == {
        "id_legs-1-end_date": ["a"],
        "id_legs-0-region": ["b", "c"],
        "id_phone": ["d"],
    }


def test_the_status_page_asks_to_fix_before_looking_up(client):
    response = client.post(reverse("travellers:status"), {"reference": "", "phone_last4": "12"})
    heading = soup(response).find(id="error-summary-title").get_text()
    assert heading == "请修改以下问题后再查询"
    form = soup(client.post("/declare/", valid_post(phone="12")))
    assert form.find(id="error-summary-title").get_text() == "请修改以下问题后再提交"


def test_chinese_labels_take_no_spaces_and_the_chosen_code_full_width_brackets(client):
    response = client.post("/declare/", valid_post(phone="12", **companion_fields(id_number="1")))
    page = soup(response)
    chosen = page.find(id="id_legs-0-region-chosen").get_text()
    assert "已选择：江苏省扬州市广陵区（321002）" in chosen
    lines = [a.get_text() for a in page.select("[data-error-summary] a")]
    assert any(line.startswith("同行人1 · 证件号码：") for line in lines)
    assert page.find("h3", string="同行人1")


def test_a_question_label_takes_no_colon_in_the_summary(client):
    post = valid_post()
    del post["home_quarantine_possible"]
    response = client.post("/declare/", post, HTTP_ACCEPT_LANGUAGE="en")
    lines = [a.get_text() for a in soup(response).select("[data-error-summary] a")]
    [line] = [line for line in lines if line.startswith("Can you do home observation?")]
    assert "?:" not in line and "? " in line


def test_the_form_gives_the_picker_todays_risk_counties(client):
    _area("321002", "汤汪乡", "high")
    _area("321002", "文峰街道", "medium")
    _area("410105", "丰产路街道", "medium")
    _area("430802", "已解除的街道", "high", days_ago=30, lifted_in=0)
    form = soup(client.get("/declare/")).find("form", attrs={"data-declare-form": True})
    assert form["data-risk-high"] == "321002"
    assert form["data-risk-medium"] == "410105"
