"""A health-office officer pastes a notice, checks the preview and imports it, in Chromium."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from policies.models import RiskArea
from tests.policies.admin.notice import EXPECTED, NOTICE, NOTICE_DATE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "a-long-staff-passphrase"


@pytest.fixture
def officer(django_user_model):
    user = django_user_model.objects.create_user("officer", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="卫生健康部门 Health office"))
    return user


def test_paste_preview_confirm_and_see_the_areas(page, officer, artifacts_dir):
    changelist = reverse("admin:policies_riskarea_changelist")
    page.goto(f"{reverse('admin:login')}?next={changelist}")
    page.fill("#id_username", "officer")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.get_by_role("link", name="批量导入通报").click()

    page.fill("#id_text", NOTICE)
    page.fill("#id_designated_on", NOTICE_DATE.isoformat())
    page.fill("#id_source", "浏览器测试")
    page.get_by_role("button", name="预览").click()

    summary = page.locator("#preview-summary").inner_text()
    assert "新增 30 个" in summary and "无法识别 0 行" in summary
    assert page.locator("#preview-new tbody tr").count() == 30
    assert RiskArea.objects.count() == 0  # nothing saved before confirming
    page.screenshot(path=str(artifacts_dir / "bulk-import-preview-360.png"), full_page=True)

    page.get_by_role("button", name="确认导入").click()
    assert "导入完成：新增 30 个" in page.locator(".messagelist").inner_text()
    # The changelist now filters on the notice date and lists every imported area.
    assert page.locator("#result_list tbody tr").count() == 30
    assert page.get_by_text("姐告国门社区").is_visible()
    assert sorted(RiskArea.objects.values_list("region_id", "name")) == sorted(
        (code, name) for _line, code, name, _level in EXPECTED
    )
