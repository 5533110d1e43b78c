"""axe-core over every citizen page, in both languages, at phone width (WCAG 2.1 A and AA).

axe's script comes from the PyPI package axe-playwright-python (a development
dependency), which ships axe-core's axe.min.js; only that file is used. Only
violations fail: axe's "incomplete" results need a
person to judge them.
"""

from datetime import timedelta
from importlib import resources

import pytest
from django.conf import settings
from django.utils import timezone

from tests.e2e.test_a11y import a_declaration
from tests.travellers.api.payloads import PHONE, companion

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return results.violations.map(v => ({
    id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
  }));
}"""


@pytest.fixture(scope="module")
def axe_script() -> str:
    return (
        resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
    )


def violations(page, axe_script) -> list[dict]:
    page.wait_for_load_state("load")
    # Evaluated through the browser's debugging protocol, which the page's
    # Content-Security-Policy (no inline script) does not govern; a script tag would be
    # refused. The page itself stays under the policy.
    page.evaluate(axe_script)
    return page.evaluate(RUN_AXE, WCAG_21_AA)


def a_family_declaration():
    return a_declaration(companions=[companion()])


def an_announcement():
    from policies.models import Announcement

    return Announcement.objects.create(
        title_zh="演示公告",
        body_zh="- 第一条\n- 第二条",
        status="published",
        published_at=timezone.now() - timedelta(days=1),
    )


def fill_the_form(page) -> None:
    today = timezone.localdate()
    page.locator("input[name=kind][value=pre_travel]").check()
    page.locator("#id_full_name").fill("王小明")
    page.locator("#id_id_number").fill("110105199003071239")
    page.locator("#id_phone").fill(PHONE)
    page.locator("#id_email").fill("xiaoming@example.com")
    page.locator("#id_residence_region").select_option("110105")
    page.locator("#id_arrival_date").fill((today + timedelta(days=2)).isoformat())
    page.locator("#id_legs-0-region").fill("321002")
    page.locator("#id_legs-0-start_date").fill((today - timedelta(days=10)).isoformat())
    page.locator("#id_legs-0-end_date").fill((today - timedelta(days=5)).isoformat())
    page.locator("input[name=health_code][value=green]").check()
    page.locator("input[name=home_quarantine_possible][value=yes]").check()
    page.locator("#id_attestation").check()


def submit(page, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_axe_violations_on_the_citizen_pages(
    page, live_server, axe_script, guangling_high_risk, language
):
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    declaration = a_family_declaration()
    announcement = an_announcement()
    found = {}

    def check(name: str) -> None:
        found[name] = violations(page, axe_script)

    page.goto("/")
    check("home")
    page.goto("/declare/")
    check("declare")
    submit(page, "button[value=continue]:not(.visually-hidden)")
    check("declare, errors")
    submit(page, "#add-companion")
    page.locator("[data-leg-list] + button").click()
    page.locator("#id_legs-0-region").press_sequentially("广陵", delay=30)
    page.wait_for_selector("[role=listbox]:not([hidden]) [role=option]")
    page.keyboard.press("ArrowDown")
    check("declare, companion, legs, picker open")
    page.goto("/declare/")
    fill_the_form(page)
    submit(page, "button[value=continue]:not(.visually-hidden)")
    check("check your answers")

    page.goto("/status/")
    check("status")
    page.locator("#id_reference").fill("ABCDE23456")
    page.locator("#id_phone_last4").fill("0000")
    submit(page, "form[action='/status/'] button[type=submit]")
    check("status, no match")
    page.locator("#id_reference").fill(declaration.reference)
    page.locator("#id_phone_last4").fill(PHONE[-4:])
    submit(page, "form[action='/status/'] button[type=submit]")
    check("result, postponed, with a companion")
    page.goto(f"/declarations/{declaration.reference}/amend/")
    check("amend")

    page.goto("/announcements/")
    check("announcements")
    page.goto(f"/announcements/{announcement.pk}/")
    check("announcement")
    page.goto("/no-such-page/")
    check("404")

    problems = {name: found_here for name, found_here in found.items() if found_here}
    assert not problems, problems
