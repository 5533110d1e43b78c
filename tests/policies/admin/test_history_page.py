"""The history page reads as the admin does: field names, choice labels, local times."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from policies.models import Announcement, RiskArea
from tests.policies.admin.conftest import make_area

pytestmark = pytest.mark.django_db

def _changes(page) -> list[str]:
    html = page.content.decode()
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", html)]


def test_an_announcement_published_reads_with_labels_and_the_local_time(officer_client):
    announcement = Announcement.objects.create(title_zh="公告", body_zh="正文")
    change = reverse("admin:policies_announcement_change", args=[announcement.pk])
    # 2021-12-01 16:43 UTC is 2021-12-02 00:43 in Beijing: the day differs too.
    published = datetime(2021, 12, 1, 16, 43, tzinfo=ZoneInfo("UTC"))
    response = officer_client.post(
        change,
        {
            "title_zh": "公告",
            "title_en": "",
            "body_zh": "正文",
            "body_en": "",
            "status": "published",
            "published_at_0": "2021-12-02",
            "published_at_1": "00:43:00",
            "pinned": "",
            "policy_version": "",
        },
    )
    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.published_at == published

    history = reverse("admin:policies_announcement_history", args=[announcement.pk])
    page = officer_client.get(history)
    changes = _changes(page)
    assert "状态：草稿 → 已发布" in changes
    assert "发布时间：— → 2021年12月2日 00:43" in changes
    text = " ".join(changes)
    assert "None" not in text and "+00:00" not in text and "draft" not in text
    # The automatic "updated" stamp is not a change anyone made.
    assert len(changes) == 2


def test_a_lift_reads_as_a_date_and_english_readers_get_english(officer_client, officer):
    area = make_area("321002", "文昌花园", "high", date(2021, 7, 28))
    officer_client.post(
        reverse("admin:policies_riskarea_changelist"),
        {
            "action": "lift_on_date",
            "_selected_action": [area.pk],
            "apply": "1",
            "day": "2025-01-01",
            "confirm_past": "on",
        },
    )
    assert RiskArea.objects.get(pk=area.pk).lifted_on == date(2025, 1, 1)
    url = reverse("admin:policies_riskarea_history", args=[area.pk])
    assert "解除日期：— → 2025年1月1日" in _changes(officer_client.get(url))
    english = _changes(officer_client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Date lifted: — → 1 January 2025" in english


def test_values_are_shown_as_staff_read_them():
    from policies.admin_common import history_value
    from policies.models import PolicyRule, PolicyVersion

    field = Announcement._meta.get_field
    assert history_value(field("status"), "published") == "已发布"
    assert history_value(field("published_at"), None) == "—"
    assert history_value(field("title_en"), "") == "—"
    assert history_value(field("pinned"), True) == "是"
    noon_utc = timezone.make_aware(datetime(2021, 8, 7, 4, 0), ZoneInfo("UTC"))
    assert history_value(field("published_at"), noon_utc) == "2021年8月7日 12:00"
    params = PolicyRule._meta.get_field("params")
    shown = history_value(params, {"levels": ["high"], "days": 14})
    assert shown == '{"days": 14, "levels": ["high"]}'
    assert history_value(PolicyVersion._meta.get_field("effective_from"), date(2021, 8, 7)) == (
        "2021年8月7日"
    )
