"""Admin for announcements: both languages, Markdown bodies, draft or published, history."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policies.admin_common import AuditedHistoryAdmin
from policies.models import Announcement, PolicyStatus, PolicyVersion


class AnnouncementForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("policy_version")
        if field is None:
            return
        # Citizens read the linked version as the rules in force: a draft may still change
        # or never be published. A draft linked before this check stays listed, so that the
        # form does not silently drop it, and is refused on save (clean_policy_version).
        linked = Q(pk=self.instance.policy_version_id) if self.instance.policy_version_id else Q()
        field.queryset = PolicyVersion.objects.filter(
            Q(status=PolicyStatus.PUBLISHED) | linked
        ).order_by("-effective_from", "code")
        field.help_text = _("只能选择已发布的政策版本。")
        field.error_messages["invalid_choice"] = _("请选择一个已发布的政策版本。")

    def clean_policy_version(self):
        version = self.cleaned_data.get("policy_version")
        if version is not None and not version.is_published:
            raise forms.ValidationError(
                _("政策版本 %(code)s 尚未发布：公告只能关联已发布的政策版本。"),
                params={"code": version.code},
            )
        return version

    class Meta:
        model = Announcement
        fields = (
            "title_zh",
            "title_en",
            "body_zh",
            "body_en",
            "status",
            "published_at",
            "expires_at",
            "pinned",
            "policy_version",
        )
        help_texts = {
            "body_zh": _("Markdown；发布时只保留安全的标签（段落、列表、链接、表格等）。"),
            "body_en": _("选填：留空时，英文读者看到中文正文。"),
            "published_at": _("留空则发布时取当前时间；填将来的时间则到时才公开。"),
            "expires_at": _(
                "选填：到期后不再列在首页和公告列表中；原链接仍能打开，并注明已失效。"
            ),
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == PolicyStatus.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
            self.instance.published_at = cleaned["published_at"]
        if cleaned.get("title_en") and not cleaned.get("body_en"):
            self.add_error("body_en", _("填写了英文标题时也请填写英文正文。"))
        if cleaned.get("body_en") and not cleaned.get("title_en"):
            self.add_error("title_en", _("填写了英文正文时也请填写英文标题。"))
        published, expires = cleaned.get("published_at"), cleaned.get("expires_at")
        if published and expires and expires <= published:
            self.add_error("expires_at", _("失效时间应晚于发布时间。"))
        elif expires and "expires_at" in self.changed_data and expires <= timezone.now():
            # A draft published later would go out expired.
            self.add_error("expires_at", _("失效时间应晚于现在。"))
        return cleaned


@admin.register(Announcement)
class AnnouncementAdmin(AuditedHistoryAdmin):
    form = AnnouncementForm
    list_display = (
        "title_zh",
        "status",
        "published_at",
        "expires_at",
        "is_expired",
        "pinned",
        "policy_version",
    )

    @admin.display(description=_("已失效"), boolean=True)
    def is_expired(self, announcement):
        return announcement.expired()
    list_filter = ("status", "pinned")
    search_fields = ("title_zh", "title_en")
    list_select_related = ("policy_version",)
    date_hierarchy = "published_at"
