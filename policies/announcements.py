"""Announcements as citizens read them: the right language, Markdown made safe."""

from __future__ import annotations

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from policies.models import Announcement

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4",
    "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> SafeString:
    """Staff write Markdown; only a small, link-safe subset of HTML reaches the page."""
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"])
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    # Safe: nh3 has just removed everything outside the allow-list.
    return mark_safe(cleaned)


def _wants_english(language: str | None) -> bool:
    return (language or get_language() or "").startswith("en")


def announcement_title(announcement: Announcement, language: str | None = None) -> str:
    if _wants_english(language) and announcement.title_en:
        return announcement.title_en
    return announcement.title_zh


def announcement_body_html(announcement: Announcement, language: str | None = None) -> SafeString:
    body = announcement.body_zh
    if _wants_english(language) and announcement.body_en:
        body = announcement.body_en
    return render_markdown(body)


def latest_announcements(*, limit: int = 3):
    return Announcement.objects.published().select_related("policy_version")[:limit]
