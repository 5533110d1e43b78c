import pytest
from django.urls import reverse

from policies.models import Announcement, PolicyStatus

pytestmark = pytest.mark.django_db

ADD = reverse("admin:policies_announcement_add")


def _data(**overrides):
    return {
        "title_zh": "进返京政策调整（演示）",
        "title_en": "",
        "body_zh": "**自即日起**执行新的政策版本。",
        "body_en": "",
        "status": "draft",
        "published_at_0": "",
        "published_at_1": "",
        "pinned": "",
        "policy_version": "",
        **overrides,
    }


def test_publishing_without_a_time_publishes_now_and_is_recorded(officer_client, officer):
    response = officer_client.post(ADD, _data(status="published", pinned="on"))
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.status == PolicyStatus.PUBLISHED
    assert announcement.published_at is not None
    assert Announcement.objects.published().get() == announcement
    assert announcement.history.get().history_user == officer


def test_a_draft_stays_unpublished(officer_client):
    officer_client.post(ADD, _data())
    announcement = Announcement.objects.get()
    assert announcement.published_at is None
    assert not Announcement.objects.published().exists()


def test_an_english_title_needs_an_english_body(officer_client):
    response = officer_client.post(ADD, _data(title_en="Entry rules changed"))
    assert response.status_code == 200
    assert "body_en" in response.context["adminform"].form.errors
    assert not Announcement.objects.exists()


def test_an_announcement_may_link_a_policy_version(officer_client):
    from policies.models import PolicyVersion

    version = PolicyVersion.objects.get(code="BJ-2021-12-13")
    officer_client.post(ADD, _data(policy_version=str(version.pk)))
    assert Announcement.objects.get().policy_version == version
