"""Amending a declaration in a real browser at phone width: a leg added through the
region picker, a language switch in the middle of the changes (with and without
JavaScript), the new answer and the history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.e2e.test_declare import fill_identity, pick_region
from travellers.models import Declaration

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def declare_without_travel(page) -> str:
    """Declare in the browser with no itinerary; returns the reference."""
    page.goto("/declare/")
    fill_identity(page)
    page.locator("#id_arrival_date").fill((timezone.localdate() + timedelta(days=2)).isoformat())
    page.locator("#id_attestation").check()
    page.get_by_role("button", name="继续：核对信息").click()
    page.get_by_role("button", name="确认并提交").click()
    page.wait_for_url("**/declarations/*/")
    return Declaration.objects.get().reference


def test_amend_with_the_picker_switch_language_midway_and_see_the_new_answer(
    page, guangling_high_risk
):
    today = timezone.localdate()
    reference = declare_without_travel(page)
    assert "allowed" in page.locator(".headline").get_attribute("class")

    page.get_by_role("link", name="修改行程和健康信息").click()
    page.wait_for_url(f"**/declarations/{reference}/amend/")
    pick_region(page, 0, "广陵", "江苏省扬州市广陵区 321002")
    assert "（321002）" in page.locator("#id_legs-0-region-chosen").inner_text()
    left = today - timedelta(days=3)
    page.locator("#id_legs-0-start_date").fill((today - timedelta(days=8)).isoformat())
    page.locator("#id_legs-0-end_date").fill(left.isoformat())

    page.locator("#lang-select").select_option("en")
    page.locator(".lang-switch button").click()
    page.wait_for_url(f"**/declarations/{reference}/amend/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "(321002)" in page.locator("#id_legs-0-region-chosen").inner_text()
    assert page.locator("#id_legs-0-end_date").input_value() == left.isoformat()
    assert Declaration.objects.get().evaluations.count() == 1

    page.get_by_role("button", name="Submit changes").click()
    page.wait_for_url(f"**/declarations/{reference}/")
    assert "postponed" in page.locator(".headline").get_attribute("class")
    entry = left + timedelta(days=14)
    assert f"{entry.day} {entry:%B} {entry.year}" in page.locator("[data-entry-date]").inner_text()
    assert page.locator("[data-history] tbody tr").count() == 2
    declaration = Declaration.objects.get()
    assert [leg.region_id for leg in declaration.legs.all()] == ["321002"]


def test_without_javascript_the_amend_form_switches_language_and_keeps_the_changes(
    plain_page, page
):
    reference = declare_without_travel(page)
    later = timezone.localdate() + timedelta(days=9)
    plain_page.goto("/status/")
    plain_page.locator("#id_reference").fill(reference)
    plain_page.locator("#id_phone_last4").fill("5678")
    plain_page.get_by_role("button", name="查询").click()
    plain_page.wait_for_url(f"**/declarations/{reference}/")
    plain_page.get_by_role("link", name="修改行程和健康信息").click()
    assert plain_page.locator(".site-header .lang-switch").is_hidden()
    plain_page.locator("#id_arrival_date").fill(later.isoformat())
    plain_page.locator("input[name=health_code][value=yellow]").check()

    plain_page.get_by_role("button", name="Switch to English (keeps your answers)").click()
    plain_page.wait_for_url(f"**/declarations/{reference}/amend/")
    assert plain_page.locator("html").get_attribute("lang") == "en"
    assert plain_page.locator("#id_arrival_date").input_value() == later.isoformat()
    assert plain_page.locator("input[name=health_code][value=yellow]").is_checked()
    assert Declaration.objects.get().evaluations.count() == 1

    # Enter in a field still saves: the switch is not the form's default button.
    plain_page.locator("#id_arrival_date").press("Enter")
    plain_page.wait_for_url(f"**/declarations/{reference}/")
    declaration = Declaration.objects.get()
    assert (declaration.arrival_date, declaration.health_code) == (later, "yellow")
    assert declaration.evaluations.count() == 2
