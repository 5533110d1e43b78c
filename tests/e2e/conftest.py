"""Real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright's Python package.

No browser download: the executable is the system one, installed by .ci/run.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import services_required

# The live server runs in a thread while Playwright's sync API holds an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "e2e"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--no-first-run",
]


def _browser_required() -> bool:
    return services_required() or os.environ.get("CI", "") == "true"


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if _browser_required():
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs it from Debian.")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def insecure_cookies(settings):
    # The live server speaks plain HTTP; secure cookies would never come back.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture
def page(browser, live_server, insecure_cookies):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def plain_page(browser, live_server, insecure_cookies):
    """A page at phone width in a browser context with JavaScript off."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="zh-CN",
        base_url=live_server.url,
        java_script_enabled=False,
    )
    plain = context.new_page()
    plain.set_default_timeout(15_000)
    yield plain
    context.close()


@pytest.fixture
def artifacts_dir():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def guangling_high_risk():
    """A high-risk area in Guangling District, Yangzhou (321002), designated 20 days ago."""
    from datetime import timedelta

    from django.utils import timezone

    from policies.models import RiskArea

    return RiskArea.objects.create(
        region_id="321002",
        name="示例小区（演示数据）",
        level="high",
        designated_on=timezone.localdate() - timedelta(days=20),
    )
