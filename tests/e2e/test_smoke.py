import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_the_announcements_page_renders_chinese_in_a_real_browser(page, artifacts_dir):
    page.goto("/announcements/")
    assert page.locator("h1").inner_text() == "公告"
    # Keyboard users reach the content first.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.screenshot(path=str(artifacts_dir / "announcements-360.png"), full_page=True)
