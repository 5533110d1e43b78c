"""Declaring in a real browser at phone width: the region picker, the error summary, the
dated answer, the status lookup and the language switch."""

from datetime import timedelta

import pytest
from django.utils import timezone

from travellers.models import Declaration

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ID_NUMBER = "110105199003071239"


def pick_region(page, row: int, typed: str, choose: str, *, keyboard: bool = False):
    field = page.locator(f"#id_legs-{row}-region")
    field.fill("")
    field.press_sequentially(typed, delay=30)
    listbox = page.locator(f"#{field.get_attribute('aria-controls')}")
    option = listbox.get_by_role("option", name=choose)
    option.wait_for()
    if keyboard:
        # Keyboard only: arrow down to the option, Enter picks it.
        options = listbox.get_by_role("option").all_inner_texts()
        index = next(i for i, text in enumerate(options) if choose in text)
        for _ in range(index + 1):
            field.press("ArrowDown")
        assert field.get_attribute("aria-activedescendant") == option.get_attribute("id")
        field.press("Enter")
    else:
        option.click()
    assert choose.split()[0] in page.locator(f"#id_legs-{row}-region-chosen").inner_text()


def fill_identity(page, id_number=ID_NUMBER):
    page.get_by_label("出行前申报").check()
    page.locator("#id_full_name").fill("王小明")
    page.locator("#id_id_number").fill(id_number)
    page.locator("#id_phone").fill("13912345678")
    page.locator("#id_email").fill("xiaoming@example.com")
    page.locator("#id_residence_region").select_option("110105")
    # The form chooses no health answer for the declarant.
    page.locator("input[name=health_code][value=green]").check()
    page.locator("input[name=home_quarantine_possible][value=yes]").check()


def test_declare_two_legs_through_the_picker_and_see_the_dated_answer(
    page, guangling_high_risk, artifacts_dir
):
    today = timezone.localdate()
    left_guangling = today - timedelta(days=6)
    page.goto("/declare/")
    fill_identity(page)
    page.locator("#id_arrival_date").fill((today + timedelta(days=2)).isoformat())

    pick_region(page, 0, "广陵", "江苏省扬州市广陵区 321002")
    page.locator("#id_legs-0-start_date").fill((today - timedelta(days=12)).isoformat())
    page.locator("#id_legs-0-end_date").fill(left_guangling.isoformat())
    page.get_by_role("button", name="添加一段行程").click()
    pick_region(page, 1, "sanhe", "河北省廊坊市三河市 131082", keyboard=True)
    page.locator("#id_legs-1-start_date").fill(left_guangling.isoformat())
    page.locator("#id_legs-1-end_date").fill((today - timedelta(days=1)).isoformat())
    # The row buttons came with JavaScript.
    assert page.get_by_role("button", name="添加一段行程").is_visible()

    page.locator("#id_attestation").check()
    page.get_by_role("button", name="继续：核对信息").click()
    page.wait_for_url("**/declare/check/")
    assert "1101**********1239" in page.content()
    page.get_by_role("button", name="确认并提交").click()
    page.wait_for_url("**/declarations/*/")

    headline = page.locator(".headline")
    assert "暂缓进返京" in headline.inner_text()
    entry = left_guangling + timedelta(days=14)
    entry_text = f"{entry.year}年{entry.month}月{entry.day}日"
    assert entry_text in page.locator("[data-entry-date]").inner_text()
    assert "广陵区" in page.locator("[data-reasons]").inner_text()
    declaration = Declaration.objects.get()
    assert [leg.region_id for leg in declaration.legs.order_by("position")] == [
        "321002",
        "131082",
    ]
    # The page, its history table included, fits the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts_dir / "result-360.png"), full_page=True)


def test_a_wrong_identity_number_shows_a_summary_whose_link_focuses_the_field(page):
    today = timezone.localdate()
    page.goto("/declare/")
    fill_identity(page, id_number="110105199003071238")
    page.locator("#id_arrival_date").fill((today + timedelta(days=2)).isoformat())
    page.locator("#id_attestation").check()
    page.get_by_role("button", name="继续：核对信息").click()

    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    link = summary.get_by_role("link", name="身份证号码校验位不正确")
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_id_number"
    assert page.locator("#id_id_number").get_attribute("aria-invalid") == "true"
    assert not Declaration.objects.exists()


def test_without_javascript_a_failed_submit_focuses_the_summary_and_says_so_in_the_title(
    plain_page,
):
    plain_page.goto("/declare/")
    assert not plain_page.title().startswith("错误")
    fill_identity(plain_page, id_number="110105199003071238")
    plain_page.get_by_role("button", name="继续：核对信息").click()

    plain_page.locator("[data-error-summary]").wait_for()
    assert plain_page.title().startswith("错误：")
    assert plain_page.evaluate("document.activeElement.hasAttribute('data-error-summary')")


def test_look_up_the_status_then_switch_to_english(page, guangling_high_risk):
    today = timezone.localdate()
    page.goto("/declare/")
    fill_identity(page)
    page.locator("#id_arrival_date").fill((today + timedelta(days=2)).isoformat())
    page.locator("#id_attestation").check()
    page.get_by_role("button", name="继续：核对信息").click()
    page.get_by_role("button", name="确认并提交").click()
    page.wait_for_url("**/declarations/*/")
    reference = Declaration.objects.get().reference

    # A fresh browser context: the reference alone shows nothing.
    context = page.context.browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="zh-CN",
        base_url=page.url.split("/declarations")[0],
    )
    other = context.new_page()
    other.goto(f"/declarations/{reference}/")
    assert other.url.endswith("/status/")
    other.locator("#id_reference").fill(f"{reference[:5]}-{reference[5:]}")
    other.locator("#id_phone_last4").fill("5678")
    other.get_by_role("button", name="查询").click()
    other.wait_for_url(f"**/declarations/{reference}/")
    assert "allowed" in other.locator(".headline").get_attribute("class")
    assert other.locator("[data-history] tbody tr").count() == 1

    other.locator("#lang-select").select_option("en")
    other.locator(".lang-switch button").click()
    other.wait_for_url(f"**/declarations/{reference}/")
    assert other.locator("html").get_attribute("lang") == "en"
    assert other.locator("#lang-select").input_value() == "en"
    context.close()


def in_view(page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        selector,
    )


def test_a_summary_link_brings_a_leg_field_into_view_and_enter_never_adds_a_companion(page):
    today = timezone.localdate()
    page.goto("/declare/")
    fill_identity(page)
    page.locator("#id_arrival_date").fill((today + timedelta(days=2)).isoformat())
    page.locator("#id_legs-0-region").fill("321002")
    # A second leg without its arrival date, its error at the bottom of a tall fieldset.
    page.get_by_role("button", name="添加一段行程").click()
    page.locator("#id_legs-1-region").fill("131082")
    page.locator("#id_legs-1-end_date").fill((today - timedelta(days=1)).isoformat())
    page.locator("#id_legs-0-start_date").fill((today - timedelta(days=9)).isoformat())
    page.locator("#id_legs-0-end_date").fill((today - timedelta(days=4)).isoformat())
    page.locator("#id_attestation").check()
    # Enter in a text field continues (to the checks), as the main button does.
    page.locator("#id_email").press("Enter")

    summary = page.locator("[data-error-summary]")
    summary.wait_for()
    assert page.locator("#id_companions-0-full_name").count() == 0
    link = summary.get_by_role("link", name="第2段行程 · 到达当地日期")
    assert link.inner_text() == "第2段行程 · 到达当地日期：请填写到达当地日期。"
    link.click()
    assert page.evaluate("document.activeElement.id") == "id_legs-1-start_date"
    assert in_view(page, "#id_legs-1-start_date")
    assert not Declaration.objects.exists()

    # The form came back with the first leg's region resolved; clearing it drops the code.
    chosen_code = page.locator("input[name='legs-0-region_code']")
    assert chosen_code.input_value() == "321002"
    page.locator("#id_legs-0-region").fill("")
    assert chosen_code.input_value() == ""
    # Enter in the picker with no region chosen sends nothing.
    page.locator("#id_legs-0-region").press_sequentially("yang", delay=30)
    page.locator("#id_legs-0-region").press("Enter")
    assert page.locator("[data-error-summary]").count() == 1
    assert page.url.endswith("/declare/")


def test_the_english_pages_fit_a_phone_and_the_switcher_names_each_language_in_its_own(page):
    page.goto("/declare/")
    options = page.locator("#lang-select option").all_inner_texts()
    assert [text.strip() for text in options] == ["简体中文", "English"]
    page.locator("#lang-select").select_option("en")
    page.locator(".lang-switch button").click()
    page.wait_for_url("**/declare/")
    assert page.locator("html").get_attribute("lang") == "en"
    # With JavaScript the leg rows carry their long "remove" buttons.
    page.get_by_role("button", name="Add a part of the trip").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_switching_language_in_the_middle_of_the_form_keeps_the_answers(page):
    page.goto("/declare/")
    fill_identity(page)
    page.locator("#id_legs-0-region").fill("321002")
    page.locator("#lang-select").select_option("en")
    page.locator(".lang-switch button").click()
    page.wait_for_url("**/declare/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#id_full_name").input_value() == "王小明"
    assert page.locator("#id_phone").input_value() == "13912345678"
    assert page.locator("#id_legs-0-region").input_value() == "321002"
    assert Declaration.objects.count() == 0


def test_without_javascript_the_form_switches_language_and_keeps_the_answers(plain_page, page):
    plain_page.goto("/declare/")
    # The header's switch would post only the language and lose the answers.
    assert plain_page.locator(".site-header .lang-switch").is_hidden()
    plain_page.locator("#id_full_name").fill("王小明")
    plain_page.locator("#id_legs-0-region").fill("321002")
    plain_page.get_by_role("button", name="Switch to English (keeps your answers)").click()
    plain_page.wait_for_url("**/declare/")
    assert plain_page.locator("html").get_attribute("lang") == "en"
    assert plain_page.locator("#id_full_name").input_value() == "王小明"
    assert plain_page.locator("#id_legs-0-region").input_value() == "321002"
    # With JavaScript the header's switch does it; the form's own is not there.
    page.goto("/declare/")
    assert page.get_by_role("button", name="Switch to English (keeps your answers)").count() == 0
    assert page.locator(".site-header .lang-switch").is_visible()
    # Pages without a form to keep show the header's switch without JavaScript too.
    plain_page.goto("/status/")
    assert plain_page.locator(".site-header .lang-switch").is_visible()


def test_the_identity_hint_follows_the_document_type_and_a_picked_code_is_bracketed(page):
    page.goto("/declare/")
    hints = page.locator("#id_id_number-hint [data-choice-hint]")
    assert hints.count() == 4
    visible = page.locator("#id_id_number-hint [data-choice-hint]:visible")
    assert visible.all_inner_texts() == ["居民身份证：18位，最后一位可能是字母X。"]
    page.locator("#id_id_type").select_option("passport")
    assert visible.all_inner_texts() == ["护照：5至17位字母或数字。"]

    pick_region(page, 0, "广陵", "江苏省扬州市广陵区 321002")
    chosen = page.locator("#id_legs-0-region-chosen").inner_text()
    assert chosen == "已选择：江苏省扬州市广陵区（321002）"


def test_the_picker_marks_a_county_with_a_risk_area_today(page, guangling_high_risk):
    page.goto("/declare/")
    field = page.locator("#id_legs-0-region")
    field.press_sequentially("广陵", delay=30)
    listbox = page.locator(f"#{field.get_attribute('aria-controls')}")
    marked = listbox.get_by_role("option", name="江苏省扬州市广陵区 321002")
    marked.wait_for()
    assert marked.inner_text().endswith("（有高风险地区）")
    field.fill("")
    field.press_sequentially("余杭", delay=30)
    plain = listbox.get_by_role("option", name="浙江省杭州市余杭区 330110")
    plain.wait_for()
    assert "风险" not in plain.inner_text()
