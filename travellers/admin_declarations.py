"""Admin for communities, declarations and follow-up.

Every queryset starts from ``travellers.scoping``; the only write staff make to a
declaration is follow-up, through ``travellers.follow_up``.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from policies.engine.catalogue import RuleParamsError
from policies.models import PolicyVersion, Region
from travellers import exports, scoping
from travellers.follow_up import NOTE_MAX_LENGTH, declaration_follow_up
from travellers.models import (
    Community,
    Declaration,
    DeclarationEvent,
    Evaluation,
    Leg,
    Notice,
)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district", "staff_count")
    list_select_related = ("district",)
    list_filter = ("district",)
    search_fields = ("code", "name")
    filter_horizontal = ("staff",)

    def get_queryset(self, request):
        return scoping.communities_for(request.user).select_related("district")

    @admin.display(description=_("工作人员数"))
    def staff_count(self, obj):
        return obj.staff.count()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "district":
            # Communities are Beijing's; a pick list of the city's districts, not 3000 counties.
            kwargs["queryset"] = Region.objects.filter(code__startswith="11", level="county")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CommunityFilter(admin.SimpleListFilter):
    title = _("所属社区")
    parameter_name = "community"

    def lookups(self, request, model_admin):
        return [(str(c.pk), c.name) for c in scoping.communities_for(request.user)]

    def queryset(self, request, queryset):
        if self.value():
            # Filtering only narrows the scoped queryset: another community's id finds nothing.
            return queryset.filter(community_id=self.value())
        return queryset


class _HistoryInline(admin.TabularInline):
    """Read-only rows that belong to the declaration: visible to whoever may see it."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("travellers.view_declaration")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LegInline(_HistoryInline):
    model = Leg
    fields = ("position", "region", "start_date", "end_date")
    verbose_name_plural = _("行程")


class EvaluationInline(_HistoryInline):
    model = Evaluation
    fields = (
        "created_at",
        "trigger",
        "outcome",
        "entry_allowed_from",
        "next_review_on",
        "policy_version",
    )
    verbose_name_plural = _("评估记录")


class NoticeInline(_HistoryInline):
    model = Notice
    fields = ("created_at", "kind", "status", "attempts", "sent_at")
    verbose_name_plural = _("已发送的通知")


class EventInline(_HistoryInline):
    model = DeclarationEvent
    fields = ("created_at", "kind", "actor", "data")
    verbose_name_plural = _("申报事件")


class FollowUpForm(forms.ModelForm):
    follow_up_note = forms.CharField(
        label=_("跟进备注"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Declaration
        fields = ("follow_up_status", "follow_up_note")


CITIZEN_FIELDS = (
    "reference",
    "kind",
    "masked_name",
    "id_type",
    "masked_id_number",
    "masked_phone",
    "masked_email",
    "language",
    "residence_region",
    "community",
    "arrival_date",
    "health_code",
    "commuter",
    "home_quarantine_possible",
    "contact_status",
    "last_contact_date",
    "international_entry_date",
    "nat_result",
    "nat_sampled_at",
    "attested_at",
    "created_at",
)
ANSWER_FIELDS = (
    "outcome",
    "entry_allowed_from",
    "next_review_on",
    "live_until",
    "policy_version",
    "evaluated_at",
)
_SEPARATORS = re.compile(r"[\s\-]+")


def _compact_number(term: str) -> str:
    """As the citizen form stores it: full-width digits folded, separators dropped, upper case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", term)).upper()


FOLLOW_UP_FIELDS = ("follow_up_status", "follow_up_note", "follow_up_by", "follow_up_at")
EDITABLE_FIELDS = ("follow_up_status", "follow_up_note")


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    form = FollowUpForm
    list_display = (
        "reference",
        "masked_name",
        "masked_id_number",
        "outcome",
        "next_review_on",
        "community",
        "follow_up_status",
    )
    list_select_related = ("community",)
    list_filter = (
        "outcome",
        CommunityFilter,
        ("arrival_date", admin.DateFieldListFilter),
        "follow_up_status",
    )
    # The search box is handled by get_search_results: reference or exact identity number.
    search_fields = ("reference",)
    search_help_text = _("输入查询码，或完整的证件号码")
    date_hierarchy = "arrival_date"
    fieldsets = (
        (_("申报人信息（只读）"), {"fields": CITIZEN_FIELDS}),
        (_("评估结果"), {"fields": ANSWER_FIELDS}),
        (_("社区跟进"), {"fields": FOLLOW_UP_FIELDS}),
    )
    inlines = (LegInline, EvaluationInline, NoticeInline, EventInline)
    actions = ("export_selected_csv",)

    def get_queryset(self, request):
        return scoping.declarations_for(request.user)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Out of scope looks exactly like absent: a worker learns nothing about
            # other communities' declarations (the default would redirect with a message).
            raise Http404
        return obj

    def get_readonly_fields(self, request, obj=None):
        shown = CITIZEN_FIELDS + ANSWER_FIELDS + FOLLOW_UP_FIELDS
        if obj is not None and self.has_change_permission(request, obj):
            return tuple(f for f in shown if f not in EDITABLE_FIELDS)
        return shown

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # Identity numbers are encrypted: match the keyed hash of the whole number, never LIKE.
        by_reference = queryset.filter(reference=term.upper())
        by_id_number = queryset.with_id_number(_compact_number(term))
        return by_reference | by_id_number, False

    def has_add_permission(self, request):
        # Declarations come from citizens; staff never create one on their behalf.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        saved = declaration_follow_up(
            declaration=obj,
            status=form.cleaned_data["follow_up_status"],
            note=form.cleaned_data["follow_up_note"],
            actor=request.user,
        )
        obj.follow_up_by, obj.follow_up_at = saved.follow_up_by, saved.follow_up_at

    @admin.display(description=_("姓名"))
    def masked_name(self, obj):
        return obj.masked_name

    @admin.display(description=_("证件号码"))
    def masked_id_number(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("手机号码"))
    def masked_phone(self, obj):
        return obj.masked_phone

    @admin.display(description=_("电子邮箱"))
    def masked_email(self, obj):
        local, _at, domain = (obj.email or "").partition("@")
        if not domain:
            return ""
        return f"{local[:1]}***@{domain}"

    @admin.action(description=_("导出所选申报（CSV，已脱敏）"), permissions=["view"])
    def export_selected_csv(self, request, queryset):
        return exports.declaration_csv_response(queryset)

    # Extra pages: the export of the filtered list and the impact preview.

    def get_urls(self):
        extra = [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="travellers_declaration_export",
            ),
            path(
                "impact/policy/<int:version_id>/",
                self.admin_site.admin_view(self.impact_policy_view),
                name="travellers_impact_policy",
            ),
        ]
        return extra + super().get_urls()

    def export_view(self, request):
        """The changelist's filters, search and scope, as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:travellers_declaration_changelist"))
        return exports.declaration_csv_response(changelist.queryset)

    def impact_policy_view(self, request, version_id):
        from travellers.impact import preview_policy_version

        # The sample names people of every community: only those who see all may look.
        if not scoping.sees_all(request.user):
            raise PermissionDenied
        version = get_object_or_404(PolicyVersion, pk=version_id)
        try:
            report = preview_policy_version(version)
        except RuleParamsError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return HttpResponseRedirect(
                reverse("admin:policies_policyversion_change", args=[version.pk])
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("影响预览：%(version)s") % {"version": version},
            "version": version,
            "report": report,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/travellers/impact.html", context)
