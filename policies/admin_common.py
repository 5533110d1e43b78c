"""Pieces shared by the policies admin pages: service-backed saves, date filters and forms."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from policies.models import Region, RegionLevel, significant_prefix


class _ServiceRejected(Exception):
    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


def _add_service_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


EMPTY_VALUE = "—"


def history_value(field, value) -> str:
    """A stored value as staff read it on the history page: the choice's label, a time in
    Asia/Shanghai and a date in the language's format, a related object by its name,
    and a dash for nothing."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY_VALUE
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(field, models.JSONField):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class ReadableHistoryHelper(HistoricalRecordContextHelper):
    """simple-history's change rows with readable values (``history_value``)."""

    def context_for_delta_changes(self, delta):
        # An auto_now stamp changes with every save; the row's own time already says when.
        changes = [
            change
            for change in delta.changes
            if not getattr(self.model._meta.get_field(change.field), "auto_now", False)
        ]
        return super().context_for_delta_changes(dataclasses.replace(delta, changes=changes))

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        return history_value(self.model._meta.get_field(change.field), value)


class AuditedHistoryAdmin(SimpleHistoryAdmin):
    """History (who, when, what changed) visible; reverting from it is not offered.

    A revert would rewrite risk data or a policy outside the reviewed paths (services,
    drafts); staff edit the current object instead, which is recorded like any edit.
    """

    object_history_list_template = "admin/audited_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistoryHelper(self.model, historical_record)

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ServiceModelAdmin(AuditedHistoryAdmin):
    """Saves and deletes through ``policies.services``; a refusal is a form error.

    Subclasses implement ``service_create(request, form)`` (returns the new object),
    ``service_update(request, obj, changes)`` and ``service_delete(request, obj)``.
    When a service raises ``ValidationError`` the transaction of the admin view is
    rolled back and the form is shown again with the service's messages.
    """

    def save_model(self, request, obj, form, change):
        try:
            if change:
                changes = {name: form.cleaned_data[name] for name in form.changed_data}
                self.service_update(request, obj, changes)
            else:
                created = self.service_create(request, form)
                # The admin logs and redirects with the instance it passed in.
                for model_field in created._meta.concrete_fields:
                    setattr(obj, model_field.attname, getattr(created, model_field.attname))
                obj._state.adding = False
        except ValidationError as error:
            raise _ServiceRejected(error) from error

    def delete_model(self, request, obj):
        self.service_delete(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.service_delete(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRejected as rejected:
            # The first attempt was rolled back; render the same POST with the errors.
            request._service_error = rejected.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        error = getattr(request, "_service_error", None)
        if error is None:
            return form_class

        class RejectedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                _add_service_errors(self, error)
                return cleaned

        return RejectedForm


def parse_day(value) -> date | None:
    if value in (None, "", "today"):
        return timezone.localdate() if value == "today" else None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


class ActiveOnFilter(admin.SimpleListFilter):
    """Active today, not active today, or active on any date given as ``?active_on=YYYY-MM-DD``."""

    title = _("有效日期")
    parameter_name = "active_on"
    template = "admin/policies/filter_active_on.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        # Other filters of the page, kept as hidden fields by the date form.
        self.other_params = [
            (key, value)
            for key, values in request.GET.lists()
            for value in values
            if key not in (self.parameter_name, "p")
        ]

    def lookups(self, request, model_admin):
        return [("today", _("今天有效")), ("not_today", _("今天无效"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "not_today":
            return queryset.exclude(pk__in=queryset.active(on=timezone.localdate()))
        day = parse_day(value)
        if day is None:
            return queryset
        return queryset.active(on=day)

    def typed_date(self) -> str:
        value = self.value() or ""
        return value if parse_day(value) and value != "today" else ""


class ProvinceFilter(admin.SimpleListFilter):
    title = _("省份")
    parameter_name = "province"

    def lookups(self, request, model_admin):
        return list(
            Region.objects.filter(level=RegionLevel.PROVINCE, retired=False).values_list(
                "code", "name"
            )
        )

    def queryset(self, request, queryset):
        code = self.value()
        if not code:
            return queryset
        return queryset.filter(region__code__startswith=significant_prefix(code))


def html_date_input() -> forms.DateInput:
    """A date picker: it reads and writes ISO dates whatever the language (the Chinese
    input format, 2021/08/07, leaves the browser's picker empty and a required field
    blocking the submit)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DayForm(forms.Form):
    """The date of a date action; one before today needs ``confirm_past`` ticked.

    Late data entry is legitimate (a notice typed in days after it was issued), so a
    past date is not refused; but a slip of the year or month would re-evaluate and
    email on a date nobody meant, so it is confirmed explicitly.
    """

    day = forms.DateField(
        label=_("日期"),
        initial=timezone.localdate,
        widget=html_date_input(),
    )
    confirm_past = forms.BooleanField(
        label=_("我确认使用早于今天的日期"),
        required=False,
        help_text=_("仅在日期早于今天时需要勾选，例如补录几天前的通报。"),
    )

    def __init__(self, *args, day_label=None, day_help="", **kwargs):
        super().__init__(*args, **kwargs)
        if day_label:
            self.fields["day"].label = day_label
        self.fields["day"].help_text = day_help

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("day")
        if day and day < timezone.localdate() and not cleaned.get("confirm_past"):
            self.add_error(
                "confirm_past",
                _("所填日期 %(date)s 早于今天：如确是这一天，请勾选确认后再提交。")
                % {"date": day.isoformat()},
            )
        return cleaned


def reverse_or_none(name: str, *args) -> str | None:
    """A URL another app may or may not provide (e.g. the impact preview of travellers)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def action_confirmed(request) -> bool:
    """True once the staff member confirmed on ``confirmation_page``."""
    return "apply" in request.POST


def confirmation_page(
    modeladmin, request, *, title, action, objects, lines, note, skipped=0, skipped_lines=()
):
    """The page between choosing an action that emails citizens or changes risk data and
    doing it: what it will act on, what follows, and what of the selection it leaves.

    ``skipped`` counts the selected objects the action does not apply to;
    ``skipped_lines`` names, as ``(line, reason)``, those the staff member would expect
    it to act on and must be told why it does not.
    """
    from django.template.response import TemplateResponse

    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "objects": objects,
        "lines": lines,
        "note": note,
        "skipped": skipped,
        "skipped_lines": skipped_lines,
        "action": action,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/confirm_action.html", context)
