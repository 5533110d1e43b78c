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


def _draft_version():
    from policies.models import PolicyVersion

    return PolicyVersion.objects.create(
        code="BJ-TEST-FIX", title="草稿版本", effective_from="2021-09-01"
    )


def test_the_version_choices_are_the_published_versions_only(officer_client):
    from policies.models import PolicyVersion

    draft = _draft_version()
    form = officer_client.get(ADD).context["adminform"].form
    offered = set(form.fields["policy_version"].queryset)
    assert draft not in offered
    assert offered == set(PolicyVersion.objects.published())


def test_a_draft_version_is_refused_with_a_form_error(officer_client):
    draft = _draft_version()
    response = officer_client.post(ADD, _data(status="published", policy_version=str(draft.pk)))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["policy_version"]
    assert "已发布的政策版本" in " ".join(errors)
    assert not Announcement.objects.exists()


def test_a_draft_linked_earlier_is_shown_on_the_form_and_refused_on_save(officer_client):
    draft = _draft_version()
    announcement = Announcement.objects.create(
        title_zh="旧公告", body_zh="正文", policy_version=draft
    )
    url = reverse("admin:policies_announcement_change", args=[announcement.pk])
    form = officer_client.get(url).context["adminform"].form
    # Kept in the choices: leaving it out would clear the link without a word on save.
    assert draft in set(form.fields["policy_version"].queryset)
    response = officer_client.post(
        url, _data(title_zh="旧公告", body_zh="正文", policy_version=str(draft.pk))
    )
    assert "BJ-TEST-FIX 尚未发布" in " ".join(
        response.context["adminform"].form.errors["policy_version"]
    )


def test_the_public_page_does_not_present_a_draft_version(client):
    from django.utils import timezone

    draft = _draft_version()
    announcement = Announcement.objects.create(
        title_zh="公告",
        body_zh="正文",
        status="published",
        published_at=timezone.now(),
        policy_version=draft,
    )
    page = client.get(reverse("policies:announcement-detail", args=[announcement.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and "公告" in text
    assert "BJ-TEST-FIX" not in text and "data-policy-version" not in text
