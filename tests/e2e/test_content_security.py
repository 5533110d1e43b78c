"""The Content-Security-Policy blocks nothing the portal itself serves, in Chromium.

A page that needs an inline script or a foreign source would stop working silently
under the header; Chromium reports each blocked load on the console.
"""

import pytest
from django.urls import reverse

from tests.travellers.backoffice import PASSWORD, superuser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def blocked_while(page, visit) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda message: messages.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    visit()
    page.wait_for_load_state("networkidle")
    return messages


def test_the_citizen_pages_work_under_the_policy(page):
    def visit():
        for url in ("/", "/declare/", "/status/", "/announcements/"):
            response = page.goto(url)
            assert "script-src 'self'" in response.headers["content-security-policy"]
        # The region picker asks the API and shows its answers: scripts and fetches ran.
        page.goto("/declare/")
        page.locator("#id_legs-0-region").fill("广陵")
        page.get_by_role("option", name="江苏省扬州市广陵区").wait_for()

    assert blocked_while(page, visit) == []


def test_the_admin_and_the_api_docs_work_under_the_policy(page):
    superuser("csp-root")

    def visit():
        page.goto(reverse("admin:login"))
        page.fill("#id_username", "csp-root")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"**{reverse('admin:index')}")
        page.goto(reverse("admin:policies_riskarea_add"))
        page.goto(reverse("admin:travellers_declaration_changelist"))
        page.goto("/api/docs/")
        page.locator(".swagger-ui .opblock").first.wait_for()

    assert blocked_while(page, visit) == []
