"""Admin for risk areas and designations: declarative lists, writes through the services."""

from __future__ import annotations

import logging
import secrets
from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from policies import bulk_import, hooks
from policies.admin_common import (
    ActiveOnFilter,
    DayForm,
    ProvinceFilter,
    ServiceModelAdmin,
    action_confirmed,
    confirmation_page,
    html_date_input,
)
from policies.models import Designation, Region, RiskArea
from policies.services import (
    designation_create,
    designation_delete,
    designation_update,
    risk_area_create,
    risk_area_delete,
    risk_area_lift,
    risk_area_update,
)

logger = logging.getLogger(__name__)

# One pending preview per session: confirming an older tab must not apply a stale preview.
SESSION_KEY = "policies:bulk_import"


SAME_DAY_LIFT_REASON = gettext_lazy(
    "今天划定，不能在同一天解除（解除日期须晚于划定日期）。如为误录，请删除这条风险地区："
    "删除后系统同样重新评估相关申报。"
)
SAME_DAY_END_REASON = gettext_lazy(
    "今天起始，截止到昨天会早于起始日期。如为误录，请删除这项地区认定："
    "删除后系统同样重新评估相关申报。"
)


def _begun_before_today(active, *, today, began, label, reason):
    """Split the selection's active objects into those begun before today and, as
    (label, reason) lines, those begun today: a lift or an end dated today (or the day
    before) would come before such an object's first day, which the model refuses."""
    doable = [obj for obj in active if began(obj) < today]
    skipped = [(label(obj), reason) for obj in active if began(obj) >= today]
    return doable, skipped


def _area_line(area) -> str:
    return f"{area.region.full_name} {area.name}"


def _designation_line(item) -> str:
    return f"{item.region.full_name} {item.get_kind_display()}"


def _warn_skipped(request, skipped_lines, nothing_active_message):
    """Nothing of the selection can be acted on: why, object by object where known."""
    if not skipped_lines:
        messages.warning(request, nothing_active_message)
    for line, reason in skipped_lines:
        messages.warning(request, _("%(line)s：%(reason)s") % {"line": line, "reason": reason})


def _run_per_object(request, queryset, write, done_message):
    """Apply ``write`` to each object; one refusal does not undo the others."""
    done = 0
    for obj in queryset:
        try:
            write(obj)
        except ValidationError as error:
            messages.error(request, f"{obj}: {' '.join(error.messages)}")
        else:
            done += 1
    if done:
        messages.success(request, done_message % {"count": done})


def _date_action_page(
    modeladmin, request, queryset, *, title, action, write, done_message, day_label, day_help, note
):
    """The intermediate page of an action that needs a date, then the writes."""
    form_options = {"day_label": day_label, "day_help": day_help}
    if "apply" in request.POST:
        form = DayForm(request.POST, **form_options)
        if form.is_valid():
            day = form.cleaned_data["day"]
            _run_per_object(request, queryset, lambda obj: write(obj, day), done_message)
            return None
    else:
        form = DayForm(**form_options)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "objects": queryset.select_related("region"),
        "form": form,
        "note": note,
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/policies/date_action.html", context)


# Said on the date pages: the write is not only a record, citizens hear of it.
REEVALUATION_NOTE = gettext_lazy(
    "保存后，系统重新评估受影响的已保存申报（日期在将来时，到那一天再评估），"
    "并给结果因此改变的人发送通知邮件。"
)


def _optional_day(value):
    return date.fromisoformat(value) if value else None


def _region_names(codes) -> str:
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "full_name"))
    return "、".join(names.get(code, code) for code in codes)


class RegionWriteAdmin(ServiceModelAdmin):
    """The confirmation of one write whose rows the engine reads by region: the note
    names the regions, and the preview puts the written row (its ``reevaluated_fields``,
    as the change records them) in place of the stored one."""

    date_fields: tuple[str, ...] = ()

    def reevaluation_note(self, change):
        return _("系统将重新评估到过%(regions)s的申报，并给结果改变的人发送通知邮件。") % {
            "regions": _region_names(change.region_codes)
        }

    def pending_impact(self, change):
        after = change.after
        added = []
        if after:
            added.append(
                {
                    name: _optional_day(after[name]) if name in self.date_fields else after[name]
                    for name in self.reevaluated_fields
                }
            )
        removed = [change.before["id"]] if change.before else []
        return self.preview(added=added, removed=removed, on=change.effective_on)

    def preview(self, *, added, removed, on):
        raise NotImplementedError


@admin.register(RiskArea)
class RiskAreaAdmin(RegionWriteAdmin):
    list_display = (
        "region_full_name",
        "name",
        "level",
        "designated_on",
        "lifted_on",
        "active_today",
    )
    list_filter = ("level", ActiveOnFilter, ProvinceFilter)
    search_fields = ("name", "region__name", "region__full_name", "=region__code")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    date_hierarchy = "designated_on"
    fields = ("region", "name", "level", "designated_on", "lifted_on", "source")
    # What the engine sees of an area (the name is quoted in answers and emails).
    reevaluated_fields = ("region", "name", "level", "designated_on", "lifted_on")
    actions = ("lift_today", "lift_on_date")
    change_list_template = "admin/policies/riskarea/change_list.html"

    date_fields = ("designated_on", "lifted_on")

    def preview(self, *, added, removed, on):
        return hooks.impact_preview(add=added, lift=removed, on=on)

    @admin.display(description=gettext_lazy("所在区县"), ordering="region__full_name")
    def region_full_name(self, obj):
        return obj.region.full_name

    @admin.display(description=gettext_lazy("今天有效"), boolean=True)
    def active_today(self, obj):
        today = timezone.localdate()
        return obj.designated_on <= today and (obj.lifted_on is None or obj.lifted_on > today)

    def service_create(self, request, form):
        data = form.cleaned_data
        return risk_area_create(
            region=data["region"],
            name=data["name"],
            level=data["level"],
            designated_on=data["designated_on"],
            lifted_on=data.get("lifted_on"),
            source=data.get("source", ""),
            actor=request.user,
        )

    def service_update(self, request, obj, changes):
        risk_area_update(risk_area=obj, actor=request.user, **changes)

    def service_delete(self, request, obj):
        risk_area_delete(risk_area=obj, actor=request.user)

    @admin.action(description=gettext_lazy("今天解除所选风险地区"), permissions=["change"])
    def lift_today(self, request, queryset):
        today = timezone.localdate()
        active = list(queryset.active(on=today).select_related("region"))
        # Left out and said why on the page, rather than failing after the confirmation.
        liftable, started_today = _begun_before_today(
            active,
            today=today,
            began=lambda area: area.designated_on,
            label=_area_line,
            reason=SAME_DAY_LIFT_REASON,
        )
        if not liftable:
            _warn_skipped(request, started_today, _("所选风险地区今天都不在有效期内，无需解除。"))
            return None
        if not action_confirmed(request):
            return confirmation_page(
                self,
                request,
                title=_("今天解除风险地区"),
                action="lift_today",
                objects=liftable,
                lines=[(area, _area_line(area)) for area in liftable],
                note=_(
                    "今天起解除以下风险地区。系统随后重新评估到过这些县区的申报，"
                    "并给结果改变的人发送通知邮件："
                ),
                skipped=queryset.count() - len(active),
                skipped_lines=started_today,
            )
        _run_per_object(
            request,
            liftable,
            lambda area: risk_area_lift(risk_area=area, lifted_on=today, actor=request.user),
            _("已解除 %(count)s 个风险地区。"),
        )
        return None

    @admin.action(description=gettext_lazy("在指定日期解除所选风险地区…"), permissions=["change"])
    def lift_on_date(self, request, queryset):
        return _date_action_page(
            self,
            request,
            queryset,
            title=_("在指定日期解除风险地区"),
            action="lift_on_date",
            write=lambda area, day: risk_area_lift(
                risk_area=area, lifted_on=day, actor=request.user
            ),
            done_message=_("已设置 %(count)s 个风险地区的解除日期。"),
            day_label=_("解除日期"),
            # RiskAreaQuerySet.active: active while lifted_on > the day.
            day_help=_(
                "解除日期是不再有风险的第一天：前一天仍是风险地区，从这一天起不再使所在区县"
                "成为风险区县。须晚于划定日期。"
            ),
            note=REEVALUATION_NOTE,
        )

    # -- bulk import --------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "bulk-import/",
                self.admin_site.admin_view(self.bulk_import_view),
                name="policies_riskarea_bulk_import",
            ),
            *super().get_urls(),
        ]

    def bulk_import_view(self, request):
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("step") == "confirm":
            return self._bulk_confirm(request)
        form = BulkImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            return self._bulk_preview(request, form)
        return render(
            request,
            "admin/policies/riskarea/bulk_import.html",
            self._bulk_context(request, form=form, title=_("批量导入风险地区")),
        )

    def _bulk_context(self, request, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "level_labels": dict(RiskArea._meta.get_field("level").flatchoices),
            **extra,
        }

    def _bulk_preview(self, request, form):
        preview = bulk_import.build_preview(form.parsed, on=form.cleaned_data["designated_on"])
        token = secrets.token_urlsafe(16)
        request.session[SESSION_KEY] = {
            "token": token,
            "preview": preview,
            "source": form.cleaned_data["source"],
        }
        return render(
            request,
            "admin/policies/riskarea/bulk_preview.html",
            self._bulk_context(
                request,
                title=_("批量导入预览"),
                preview=preview,
                counts=bulk_import.preview_counts(preview),
                token=token,
                source=form.cleaned_data["source"],
                impact=self._impact(preview),
                impact_template=hooks.IMPACT_TEMPLATE,
            ),
        )

    def _impact(self, preview):
        add = [bulk_import.creation_row(row) for row in preview["new"] + preview["level_changes"]]
        lift = [row["area_id"] for row in preview["level_changes"]]
        if not add and not lift:
            return None
        try:
            return hooks.impact_preview(add=add, lift=lift, on=date.fromisoformat(preview["on"]))
        except Exception:
            # The preview of the import itself must stay usable when the estimate fails.
            logger.exception("Impact preview of a bulk import failed")
            return None

    def _bulk_confirm(self, request):
        token = request.POST.get("token", "")
        stored = request.session.get(SESSION_KEY)
        changelist = reverse("admin:policies_riskarea_changelist")
        if not stored or not secrets.compare_digest(stored["token"], token):
            messages.error(request, _("预览已失效，请重新粘贴并预览。"))
            return HttpResponseRedirect(reverse("admin:policies_riskarea_bulk_import"))
        try:
            result = bulk_import.apply_preview(
                preview=stored["preview"],
                lift_ids=request.POST.getlist("lift"),
                source=stored["source"],
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(reverse("admin:policies_riskarea_bulk_import"))
        del request.session[SESSION_KEY]
        messages.success(
            request,
            _("导入完成：新增 %(created)s 个，调整等级 %(relevelled)s 个，解除 %(lifted)s 个。")
            % {
                "created": result.created,
                "relevelled": result.relevelled,
                "lifted": result.lifted,
            },
        )
        return HttpResponseRedirect(f"{changelist}?active_on={stored['preview']['on']}")


class BulkImportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("通报原文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80}),
        help_text=gettext_lazy(
            "粘贴通报全文：以“高风险地区（N个）”“中风险地区（N个）”分段，每行一个地区，"
            "如“江苏省扬州市广陵区某某小区”。标题之前的说明文字会被忽略。"
        ),
    )
    upload = forms.FileField(
        label=gettext_lazy("或上传 CSV"),
        required=False,
        help_text=gettext_lazy(
            "列：level（high/medium 或 高/中）、area（完整地区），或 province、city、county 加 "
            "area；designated_on（YYYY-MM-DD）可选。"
        ),
    )
    designated_on = forms.DateField(
        label=gettext_lazy("划定日期"),
        initial=timezone.localdate,
        widget=html_date_input(),
        help_text=gettext_lazy("新增地区的划定日期；未列出的地区也按这一天比对、解除。"),
    )
    source = forms.CharField(
        label=gettext_lazy("来源"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("例如发布通报的机构和日期，记录在每个新增地区上。"),
    )

    def clean(self):
        cleaned = super().clean()
        text, upload = cleaned.get("text", "").strip(), cleaned.get("upload")
        if bool(text) == bool(upload):
            raise ValidationError(_("请粘贴通报原文或上传 CSV 文件（二选一）。"))
        if upload:
            try:
                self.parsed = bulk_import.parse_csv(bulk_import.decode_upload(upload.read()))
            except ValueError as error:
                raise ValidationError(str(error)) from error
        else:
            self.parsed = bulk_import.parse_notice(text)
        if not self.parsed.lines and not self.parsed.errors:
            raise ValidationError(
                _("没有读到任何地区：请确认通报中有“高风险地区”或“中风险地区”标题。")
            )
        return cleaned


# -- designations ---------------------------------------------------------------------


@admin.register(Designation)
class DesignationAdmin(RegionWriteAdmin):
    list_display = ("region_full_name", "kind", "valid_from", "valid_until", "active_today", "note")
    list_filter = ("kind", ActiveOnFilter, ProvinceFilter)
    search_fields = ("region__name", "region__full_name", "=region__code", "note")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    fields = ("kind", "region", "valid_from", "valid_until", "note")
    reevaluated_fields = ("kind", "region", "valid_from", "valid_until")
    actions = ("end_today", "end_on_date")

    date_fields = ("valid_from", "valid_until")

    def preview(self, *, added, removed, on):
        return hooks.designation_impact_preview(add=added, remove=removed, on=on)

    @admin.display(description=gettext_lazy("地区"), ordering="region__full_name")
    def region_full_name(self, obj):
        return obj.region.full_name

    @admin.display(description=gettext_lazy("今天有效"), boolean=True)
    def active_today(self, obj):
        today = timezone.localdate()
        return obj.valid_from <= today and (obj.valid_until is None or obj.valid_until >= today)

    def service_create(self, request, form):
        data = form.cleaned_data
        return designation_create(
            kind=data["kind"],
            region=data["region"],
            valid_from=data["valid_from"],
            valid_until=data.get("valid_until"),
            note=data.get("note", ""),
            actor=request.user,
        )

    def service_update(self, request, obj, changes):
        designation_update(designation=obj, actor=request.user, **changes)

    def service_delete(self, request, obj):
        designation_delete(designation=obj, actor=request.user)

    @admin.action(description=gettext_lazy("今天起不再有效（截止昨天）"), permissions=["change"])
    def end_today(self, request, queryset):
        today = timezone.localdate()
        yesterday = today - timedelta(days=1)
        active = list(queryset.active(on=today).select_related("region"))
        endable, started_today = _begun_before_today(
            active,
            today=today,
            began=lambda item: item.valid_from,
            label=_designation_line,
            reason=SAME_DAY_END_REASON,
        )
        if not endable:
            _warn_skipped(request, started_today, _("所选地区认定今天都不在有效期内，无需结束。"))
            return None
        if not action_confirmed(request):
            return confirmation_page(
                self,
                request,
                title=_("今天起结束地区认定"),
                action="end_today",
                objects=endable,
                lines=[(item, _designation_line(item)) for item in endable],
                note=_(
                    "以下地区认定截止到昨天。系统随后重新评估相关申报，"
                    "并给结果改变的人发送通知邮件："
                ),
                skipped=queryset.count() - len(active),
                skipped_lines=started_today,
            )
        _run_per_object(
            request,
            endable,
            lambda item: designation_update(
                designation=item, valid_until=yesterday, actor=request.user
            ),
            _("已结束 %(count)s 项地区认定。"),
        )
        return None

    @admin.action(description=gettext_lazy("设置截止日期（含）…"), permissions=["change"])
    def end_on_date(self, request, queryset):
        return _date_action_page(
            self,
            request,
            queryset,
            title=_("设置地区认定的截止日期（含当天）"),
            action="end_on_date",
            write=lambda item, day: designation_update(
                designation=item, valid_until=day, actor=request.user
            ),
            done_message=_("已设置 %(count)s 项地区认定的截止日期。"),
            day_label=_("截止日期（含）"),
            # DesignationQuerySet.active: active while valid_until >= the day.
            day_help=_(
                "截止日期是仍然有效的最后一天（含当天），次日起不再有效。不能早于起始日期。"
            ),
            note=REEVALUATION_NOTE,
        )
