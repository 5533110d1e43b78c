from datetime import timedelta

import pytest
from django.utils import timezone

from policies.announcements import render_markdown
from policies.models import Announcement, PolicyStatus

pytestmark = pytest.mark.django_db


def make(**fields):
    defaults = {
        "title_zh": "关于调整进返京管理措施的说明",
        "title_en": "Changes to the entry measures",
        "body_zh": "**重点**：请提前申报。",
        "body_en": "**Key point**: declare before travelling.",
        "status": PolicyStatus.PUBLISHED,
        "published_at": timezone.now() - timedelta(hours=1),
    }
    return Announcement.objects.create(**{**defaults, **fields})


def test_markdown_is_rendered_and_scripts_are_removed():
    html = render_markdown("# x\n\n**bold** <script>alert(1)</script> [a](javascript:alert(1))")
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert "javascript:" not in html


def test_links_get_a_safe_rel():
    html = render_markdown("[官方](https://www.beijing.gov.cn/)")
    assert 'rel="noopener noreferrer"' in html


def test_the_list_shows_published_announcements_pinned_first(client):
    older_pinned = make(
        title_zh="置顶说明", pinned=True, published_at=timezone.now() - timedelta(days=3)
    )
    newer = make(title_zh="最新说明")
    make(title_zh="草稿说明", status=PolicyStatus.DRAFT)
    make(title_zh="未来说明", published_at=timezone.now() + timedelta(days=1))
    body = client.get("/announcements/").content.decode()
    assert body.index(older_pinned.title_zh) < body.index(newer.title_zh)
    assert "草稿说明" not in body
    assert "未来说明" not in body


def test_a_draft_is_not_found(client):
    draft = make(status=PolicyStatus.DRAFT)
    assert client.get(f"/announcements/{draft.pk}/").status_code == 404


def test_the_detail_renders_in_the_chosen_language(client):
    item = make()
    zh = client.get(f"/announcements/{item.pk}/").content.decode()
    assert "<strong>重点</strong>" in zh
    en = client.get(f"/announcements/{item.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Changes to the entry measures" in en
    assert "<strong>Key point</strong>" in en


def test_english_falls_back_to_chinese_when_no_translation(client):
    item = make(title_en="", body_en="")
    en = client.get(f"/announcements/{item.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert item.title_zh in en


def test_the_atom_feed_lists_published_items(client):
    item = make()
    make(title_zh="草稿说明", status=PolicyStatus.DRAFT)
    response = client.get("/announcements/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert item.title_zh in body
    assert f"/announcements/{item.pk}/" in body
    assert "草稿说明" not in body


def test_an_expired_announcement_leaves_the_lists_but_its_page_says_it_expired(client):
    lapsed = make(title_zh="已失效说明", expires_at=timezone.now() - timedelta(minutes=1))
    current = make(title_zh="有效说明", expires_at=timezone.now() + timedelta(days=1))
    for path in ("/", "/announcements/", "/announcements/feed/"):
        body = client.get(path).content.decode()
        assert "已失效说明" not in body and "有效说明" in body, path
    page = client.get(f"/announcements/{lapsed.pk}/")
    assert page.status_code == 200
    assert "data-expired" in page.content.decode()
    assert "data-expired" not in client.get(f"/announcements/{current.pk}/").content.decode()


def test_an_announcements_version_reads_as_replaced_once_a_later_one_is_in_force(client):
    from policies.models import PolicyVersion

    old = PolicyVersion.objects.get(code="BJ-2021-08-07")
    item = make(policy_version=old)
    text = client.get(f"/announcements/{item.pk}/").content.decode()
    in_force = PolicyVersion.objects.in_force(on=timezone.localdate())
    assert "已不再有效；现行版本为" in text and in_force.code in text


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title_en": "", "body_en": "English body"}, "title_en"),
        ({"title_en": "English title", "body_en": ""}, "body_en"),
        ({"expires_at": timezone.now() - timedelta(days=2)}, "expires_at"),
        (
            {"status": PolicyStatus.DRAFT, "published_at": "", "expires_at": timezone.now()},
            "expires_at",
        ),
    ],
)
def test_the_admin_form_refuses_half_an_english_version_and_an_expiry_before_publishing(
    fields, field
):
    from policies.admin_announcements import AnnouncementForm

    data = {
        "title_zh": "说明",
        "body_zh": "正文",
        "status": PolicyStatus.PUBLISHED,
        "published_at": timezone.now() - timedelta(days=1),
        **fields,
    }
    form = AnnouncementForm(data=data)
    assert not form.is_valid()
    assert field in form.errors


def test_the_demo_port_city_announcement_expires_with_its_rule():
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    item = Announcement.objects.get(title_zh__contains="口岸城市")
    assert item.expires_at is not None and item.expired()
    assert item not in Announcement.objects.published()
