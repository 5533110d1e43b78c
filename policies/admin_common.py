"""Pieces shared by the policies admin pages: service-backed saves, date filters and forms."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import date, datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import QueryDict
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from policies import hooks
from policies.models import Region, RegionLevel, significant_prefix
from policies.services.changes import changes_saved

logger = logging.getLogger(__name__)


class _ServiceRejected(Exception):
    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


class _DryRun(Exception):
    """Raised to roll back a write made only to learn what it would record."""

    def __init__(self, changes):
        super().__init__()
        self.changes = changes


# The POST field of the confirmation page: without it a write that re-evaluates
# declarations is shown first, never made.
CONFIRM_FIELD = "_confirm_apply"


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

    A write that re-evaluates saved declarations (and so emails citizens whose answer
    changes) is confirmed first: a valid add, an edit of one of ``reevaluated_fields``
    or a delete shows what will happen (``pending_impact``) and is applied only when
    that page posts back with ``CONFIRM_FIELD``. Until then nothing is saved.
    """

    # Fields the engine reads; an edit of the others only (a source, a note) needs no
    # confirmation.
    reevaluated_fields: tuple[str, ...] = ()
    confirm_write_template = "admin/policies/confirm_write.html"
    delete_confirmation_template = "admin/policies/delete_confirmation.html"
    delete_selected_confirmation_template = "admin/policies/delete_selected_confirmation.html"

    # -- what a write would do ----------------------------------------------------------

    def reevaluation_note(self, change) -> str:
        """The sentence saying whom the write re-evaluates; ``change`` is its change row."""
        raise NotImplementedError

    def pending_impact(self, change):
        """The impact report of the write that records ``change`` (unsaved), or None."""
        return None

    def _dry_run(self, write):
        """The change rows ``write`` records, with everything it wrote rolled back."""
        try:
            with transaction.atomic(), changes_saved() as saved:
                write()
                raise _DryRun(list(saved))
        except _DryRun as done:
            return done.changes

    def _impact_context(self, change) -> dict:
        try:
            impact = self.pending_impact(change)
        except Exception:
            # The confirmation must stay usable when the estimate fails; it says so.
            logger.exception("Impact preview of a single %s write failed", self.opts.model_name)
            impact = None
        return {
            "change": change,
            "reevaluation_note": self.reevaluation_note(change),
            "effective_later": change.effective_on > timezone.localdate(),
            "impact": impact,
            "impact_template": hooks.IMPACT_TEMPLATE,
        }

    # -- saves ----------------------------------------------------------------------------

    def _service_save(self, request, obj, form, change):
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

    def save_model(self, request, obj, form, change):
        with changes_saved() as saved:
            self._service_save(request, obj, form, change)
        self._say_reevaluation(request, saved)

    def delete_model(self, request, obj):
        with changes_saved() as saved:
            self.service_delete(request, obj)
        self._say_reevaluation(request, saved)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.service_delete(request, obj)

    def _say_reevaluation(self, request, saved) -> None:
        """After a write: when its re-evaluation runs and where to follow it. The run
        itself starts only after the commit (or on its day), so the link is to the list
        of the runs of this change, which shows it once it exists."""
        for change in saved:
            if change.effective_on > timezone.localdate():
                text = gettext(
                    "系统将于 %(date)s 重新评估相关申报，并给结果改变的人发送通知邮件。"
                ) % {"date": change.effective_on.isoformat()}
            else:
                text = gettext("系统正在重新评估相关申报，并给结果改变的人发送通知邮件。")
            url = hooks.runs_url(change.pk)
            if url:
                messages.info(
                    request,
                    format_html('{} <a href="{}">{}</a>', text, url, gettext("查看重新评估批次")),
                )
            else:
                messages.info(request, text)

    # -- the confirmation of a save ---------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and CONFIRM_FIELD not in request.POST:
            page = self._confirm_save_page(request, object_id)
            if page is not None:
                return page
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

    def _confirm_save_page(self, request, object_id):
        """The confirmation of a valid save that re-evaluates declarations, else None:
        the admin's own view then shows the form's errors or saves at once."""
        add = object_id is None
        if add:
            if not self.has_add_permission(request):
                return None
            before, instance = None, None
        else:
            before = self.get_object(request, unquote(object_id))
            if before is None or not self.has_change_permission(request, before):
                return None
            instance = self.get_object(request, unquote(object_id))
        fields = flatten_fieldsets(self.get_fieldsets(request, instance))
        form_class = self.get_form(request, instance, change=not add, fields=fields)
        form = form_class(request.POST, request.FILES, instance=instance)
        if not form.is_valid():
            return None
        if not add and not set(form.changed_data) & set(self.reevaluated_fields):
            return None
        try:
            changes = self._dry_run(
                lambda: self._service_save(request, form.instance, form, not add)
            )
        except _ServiceRejected:
            return None  # the admin's view makes the same write and shows the refusal
        if not changes:
            return None
        change = changes[0]
        context = {
            **self.admin_site.each_context(request),
            **self._impact_context(change),
            "title": gettext("确认保存%(name)s") % {"name": self.opts.verbose_name},
            "opts": self.opts,
            "original": before,
            "lines": self._form_lines(form, before),
            "posted": [
                (key, value)
                for key, values in request.POST.lists()
                if key != "csrfmiddlewaretoken"
                for value in values
            ],
            "confirm_field": CONFIRM_FIELD,
            "cancel_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_"
                + ("changelist" if add else "change"),
                args=() if add else [before.pk],
            ),
        }
        return TemplateResponse(request, self.confirm_write_template, context)

    def _form_lines(self, form, before) -> list[tuple[str, str, str | None]]:
        """(label, new value, old value or None) of the fields an add sets or an edit changes."""
        names = form.changed_data if before is not None else list(form.fields)
        lines = []
        for name in names:
            model_field = self.opts.get_field(name)
            # A choice field's cleaned value is the related object, as stored ones are.
            new = history_value(model_field, form.cleaned_data[name])
            old = None if before is None else history_value(model_field, getattr(before, name))
            lines.append((str(form.fields[name].label), new, old))
        return lines

    # -- the confirmation of a delete -------------------------------------------------------

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST" and CONFIRM_FIELD not in request.POST:
            # Deleting needs the confirmation page's own POST: show the page again.
            request.method = "GET"
            request.POST = QueryDict()
        return super().delete_view(request, object_id, extra_context)

    def render_delete_form(self, request, context):
        obj = context.get("object")
        if obj is not None and not context.get("perms_lacking") and not context.get("protected"):
            copy = type(obj).objects.get(pk=obj.pk)
            changes = self._dry_run(lambda: self.service_delete(request, copy))
            if changes:
                context.update(self._impact_context(changes[0]))
        context["confirm_field"] = CONFIRM_FIELD
        return super().render_delete_form(request, context)


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
