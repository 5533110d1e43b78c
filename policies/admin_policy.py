"""Admin for policy versions: drafts edited rule by rule, published versions read-only.

A published version cannot be changed or deleted here (no permission) and the model
refuses anyway. Staff clone a version into a draft, edit its rules, compare it with
another version and publish it with an effective date after seeing its impact.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policies import policy_tools
from policies.admin_common import (
    AuditedHistoryAdmin,
    _add_service_errors,
    html_date_input,
    reverse_or_none,
)
from policies.models import PolicyRule, PolicyStatus, PolicyVersion
from policies.services import policy_version_clone, policy_version_publish

IMPACT_URL_NAME = "admin:travellers_impact_policy"


def _published(obj) -> bool:
    return obj is not None and obj.status == PolicyStatus.PUBLISHED


class PolicyRuleInline(admin.StackedInline):
    model = PolicyRule
    form = policy_tools.PolicyRuleForm
    extra = 0
    ordering = ("position",)

    def has_add_permission(self, request, obj=None):
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _published(obj) and super().has_delete_permission(request, obj)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(AuditedHistoryAdmin):
    list_display = ("code", "title", "effective_from", "status", "published_at", "cloned_from")
    list_filter = ("status",)
    search_fields = ("code", "title")
    list_select_related = ("cloned_from",)
    fields = (
        "code",
        "title",
        "title_en",
        "effective_from",
        "source",
        "status",
        "published_at",
        "cloned_from",
    )
    readonly_fields = ("status", "published_at", "cloned_from")
    inlines = (PolicyRuleInline,)
    change_form_template = "admin/policies/policyversion/change_form.html"

    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _published(obj) and super().has_delete_permission(request, obj)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/clone/", view(self.clone_view), name="policies_policyversion_clone"),
            path(
                "<int:pk>/compare/", view(self.compare_view), name="policies_policyversion_compare"
            ),
            path(
                "<int:pk>/publish/", view(self.publish_view), name="policies_policyversion_publish"
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "rule_kinds": policy_tools.kind_help()}
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "rule_kinds": policy_tools.kind_help()}
        return super().add_view(request, form_url, extra_context)

    def _page(self, request, template, **context):
        return TemplateResponse(
            request,
            f"admin/policies/policyversion/{template}",
            {**self.admin_site.each_context(request), "opts": self.model._meta, **context},
        )

    def _change_url(self, version) -> str:
        return reverse("admin:policies_policyversion_change", args=[version.pk])

    def clone_view(self, request, pk):
        source = get_object_or_404(PolicyVersion, pk=pk)
        if not (self.has_view_permission(request, source) and self.has_add_permission(request)):
            raise PermissionDenied
        # The English title is not carried over: a new title needs a new translation,
        # and a stale one would stand on the English home page unnoticed.
        form = CloneForm(request.POST or None, initial={"title": source.title})
        if request.method == "POST" and form.is_valid():
            try:
                draft = policy_version_clone(source=source, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, _("已复制为草稿 %(code)s。") % {"code": draft.code})
                return HttpResponseRedirect(self._change_url(draft))
        return self._page(
            request,
            "clone.html",
            title=_("复制政策版本 %(code)s 为草稿") % {"code": source.code},
            original=source,
            form=form,
        )

    def compare_view(self, request, pk):
        version = get_object_or_404(PolicyVersion, pk=pk)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        form = CompareForm(request.GET or None, version=version)
        rows, other = None, None
        if form.is_valid():
            other = form.cleaned_data["other"]
            rows = policy_tools.compare_versions(other, version)
        return self._page(
            request,
            "compare.html",
            title=_("比较政策版本 %(code)s") % {"code": version.code},
            original=version,
            other=other,
            form=form,
            rows=rows,
        )

    def publish_view(self, request, pk):
        version = get_object_or_404(PolicyVersion, pk=pk)
        if _published(version) or not super().has_change_permission(request, version):
            raise PermissionDenied
        form = PublishForm(request.POST or None, initial={"effective_from": version.effective_from})
        if request.method == "POST" and form.is_valid():
            try:
                policy_version_publish(
                    version=version,
                    effective_from=form.cleaned_data["effective_from"],
                    actor=request.user,
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("政策版本 %(code)s 已发布，%(date)s 起生效。")
                    % {"code": version.code, "date": version.effective_from.isoformat()},
                )
                return HttpResponseRedirect(self._change_url(version))
        return self._page(
            request,
            "publish.html",
            title=_("发布政策版本 %(code)s") % {"code": version.code},
            original=version,
            form=form,
            rules=version.rules.order_by("position"),
            impact_url=reverse_or_none(IMPACT_URL_NAME, version.pk),
            # The impact page previews the day publishing re-evaluates (as it stands).
            impact_on=max(timezone.localdate(), version.effective_from),
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["clone_url"] = reverse("admin:policies_policyversion_clone", args=[obj.pk])
            context["compare_url"] = reverse("admin:policies_policyversion_compare", args=[obj.pk])
            if not _published(obj):
                context["publish_url"] = reverse(
                    "admin:policies_policyversion_publish", args=[obj.pk]
                )
                context["impact_url"] = reverse_or_none(IMPACT_URL_NAME, obj.pk)
        return super().render_change_form(request, context, add, change, form_url, obj)


class CloneForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("新版本代码"), max_length=32)
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    title_en = forms.CharField(
        label=gettext_lazy("英文标题"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("按新标题填写；留空则英文页面显示中文标题。"),
    )
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=html_date_input())


class CompareForm(forms.Form):
    other = forms.ModelChoiceField(label=gettext_lazy("与此版本比较"), queryset=None)

    def __init__(self, *args, version, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = PolicyVersion.objects.exclude(pk=version.pk).order_by(
            "-effective_from", "code"
        )


class PublishForm(forms.Form):
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=html_date_input())
    confirm = forms.BooleanField(
        label=gettext_lazy("我已查看影响预估，确认发布；发布后该版本不能再修改。"),
        required=True,
    )

    def clean_effective_from(self):
        day = self.cleaned_data["effective_from"]
        # Answers are given for today: a version back-dated would only rewrite which
        # version the record says was in force on days already answered.
        if day < timezone.localdate():
            raise forms.ValidationError(gettext_lazy("生效日期不能早于今天。"))
        return day
