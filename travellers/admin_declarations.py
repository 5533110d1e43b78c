"""Admin for communities, declarations and follow-up.

Every queryset starts from ``travellers.scoping``; the only write staff make to a
declaration is follow-up, through ``travellers.follow_up``.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import time
import unicodedata
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from policies.engine.catalogue import RuleParamsError
from policies.models import PolicyVersion, Region
from travellers import exports, pii, scoping
from travellers.admin_lookups import FilterLookupsOnly
from travellers.follow_up import (
    NOTE_MAX_LENGTH,
    answer_changed_since_follow_up,
    current_measures_end,
    declaration_follow_up,
    evaluation_cause,
    reveal_phone,
    reveal_wait_seconds,
)
from travellers.identity import validate_mainland_mobile
from travellers.models import (
    Community,
    Declaration,
    DeclarationEvent,
    Evaluation,
    FollowUpNote,
    FollowUpStatus,
    Leg,
    Notice,
    NoticeKind,
    Outcome,
)
from travellers.presentation import present
from travellers.references import normalise_reference


class JurisdictionDistrictFilter(admin.RelatedFieldListFilter):
    """The districts communities are in, not the country's 3,000 counties."""

    def field_choices(self, field, request, model_admin):
        used = Community.objects.values("district_id")
        return [(r.pk, r.name) for r in Region.objects.filter(pk__in=used).order_by("code")]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "district", "staff_count")
    list_select_related = ("district",)
    list_filter = (("district", JurisdictionDistrictFilter),)
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
    NONE = "none"

    def lookups(self, request, model_admin):
        choices = [(str(c.pk), c.name) for c in scoping.communities_for(request.user)]
        if scoping.sees_all(request.user):
            # No community's worker sees these: someone who sees all has to find them.
            choices.append((self.NONE, _("未分配社区")))
        return choices

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            # Only those who see all have such rows in their scope; for others, none.
            return queryset.filter(community__isnull=True)
        if self.value():
            if not self.value().isdigit():
                return queryset.none()  # a typed-in URL, not a choice of this filter
            # Filtering only narrows the scoped queryset: another community's id finds nothing.
            return queryset.filter(community_id=self.value())
        return queryset


class ArrivingFilter(admin.SimpleListFilter):
    """Declared arrivals from today on: Django's date filter looks only backwards (today,
    the past 7 days), and a community prepares for the people about to come."""

    title = _("即将抵京")
    parameter_name = "arriving"
    WINDOWS = {"today": 0, "3": 3, "7": 7}

    def lookups(self, request, model_admin):
        return [
            ("today", _("今天抵京")),
            ("3", _("今后3天内抵京")),
            ("7", _("今后7天内抵京")),
        ]

    def queryset(self, request, queryset):
        days = self.WINDOWS.get(self.value() or "")
        if days is None:
            return queryset
        today = timezone.localdate()
        return queryset.filter(
            arrival_date__gte=today, arrival_date__lte=today + timedelta(days=days)
        )


def as_text(model, field_name: str):
    """A display of a foreign key as its name alone, under the field's own label."""

    def show(self, obj):
        value = getattr(obj, field_name)
        return None if value is None else str(value)

    show.short_description = model._meta.get_field(field_name).verbose_name
    show.__name__ = f"{field_name}_text"
    return show


class PlainForeignKeys:
    """Read-only foreign keys link to the admin page of what they name; for staff who may
    not open that page (a community worker and the policy version, or a colleague's
    account) the name alone: the link only led to "403 Forbidden"."""

    plain_foreign_keys: tuple[str, ...] = ()

    def unlinked(self, request) -> dict[str, str]:
        """The foreign keys this user may not follow, each with its text display."""
        swaps = {}
        for name in self.plain_foreign_keys:
            target = self.model._meta.get_field(name).related_model
            target_admin = self.admin_site._registry.get(target)
            if target_admin is None or not target_admin.has_view_or_change_permission(request):
                swaps[name] = f"{name}_text"
        return swaps


class _HistoryInline(PlainForeignKeys, admin.TabularInline):
    """Read-only rows that belong to the declaration: visible to whoever may see it."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_fields(self, request, obj=None):
        swaps = self.unlinked(request)
        return [swaps.get(name, name) for name in self.fields]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

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
    plain_foreign_keys = ("region",)
    # The plain 「行程」 is the citizen's "Your trip"; the staff read the legs as a whole.
    verbose_name_plural = pgettext_lazy("admin", "行程")
    region_text = as_text(Leg, "region")


class EvaluationInline(_HistoryInline):
    model = Evaluation
    fields = (
        "created_at",
        "trigger",
        "cause",
        "outcome",
        "entry_allowed_from",
        "next_review_on",
        "policy_version",
    )
    plain_foreign_keys = ("policy_version",)
    policy_version_text = as_text(Evaluation, "policy_version")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("declaration", "change", "run")

    @admin.display(description=_("原因"))
    def cause(self, evaluation):
        previous = None
        if evaluation.change_id is not None:
            # The answer before names the places of an import or of dates that came.
            previous = (
                Evaluation.objects.filter(
                    declaration_id=evaluation.declaration_id, created_at__lt=evaluation.created_at
                )
                .order_by("-created_at", "-id")
                .values_list("result", flat=True)
                .first()
            )
        return evaluation_cause(evaluation, previous) or None


class NoticeInline(_HistoryInline):
    model = Notice
    fields = ("created_at", "kind", "status", "attempts", "sent_at")


# How an event's data reads to staff: its keys and coded values in words.
_EVENT_KEYS = {
    "outcome": _("结果"),
    "policy_version": _("政策版本"),
    "lead": _("申报人查询码"),
    "status": _("跟进状态"),
    "previous_status": _("原跟进状态"),
    "note_changed": _("备注已修改"),
    "note_added": _("新增备注"),
    "evaluation": _("评估记录"),
    "answer_changed": _("结果有变化"),
    "legs": _("行程段数"),
    "notice": _("通知"),
    "kind": _("类别"),
    "attempts": _("发送次数"),
}


def _event_value(value) -> str:
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if value is None:
        return "—"
    for choices in (Outcome, FollowUpStatus, NoticeKind):
        if value in choices.values:
            return str(choices(value).label)
    return str(value)


class EventInline(_HistoryInline):
    model = DeclarationEvent
    fields = ("created_at", "kind", "actor", "details")
    plain_foreign_keys = ("actor",)
    actor_text = as_text(DeclarationEvent, "actor")

    @admin.display(description=_("内容"))
    def details(self, event):
        data = event.data or {}
        # In _EVENT_KEYS' order: PostgreSQL's jsonb keeps keys in an order of its own.
        keys = [key for key in _EVENT_KEYS if key in data] + sorted(set(data) - set(_EVENT_KEYS))
        # A lead's submit has no lead of its own: "申报人查询码：—" on every lead read oddly.
        keys = [key for key in keys if not (key == "lead" and data[key] is None)]
        return _("；").join(
            _("%(key)s：%(value)s")
            % {"key": _EVENT_KEYS.get(key, key), "value": _event_value(data[key])}
            for key in keys
        )


class FollowUpNoteInline(_HistoryInline):
    model = FollowUpNote
    fields = ("created_at", "author", "status", "text")
    plain_foreign_keys = ("author",)
    verbose_name_plural = _("跟进备注记录")
    author_text = as_text(FollowUpNote, "author")


class FollowUpForm(forms.ModelForm):
    # A new note, added to the earlier ones: the field starts empty, so a form opened
    # before a colleague's save cannot write the old text back over theirs.
    new_note = forms.CharField(
        label=_("新增跟进备注"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("选填。之前的备注都保留在下方的“跟进备注记录”中。"),
    )

    # The follow-up the form was opened on ("status|time"): a form a colleague has since
    # overtaken must neither write its old status back nor silently undo theirs.
    # No label: a hidden input's auto label "Seen follow up" reached screen readers.
    seen_follow_up = forms.CharField(label="", required=False, widget=forms.HiddenInput)

    class Meta:
        model = Declaration
        fields = ("follow_up_status",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_follow_up"].initial = self._current_version()

    def _current_version(self) -> str:
        at = self.instance.follow_up_at
        return f"{self.instance.follow_up_status}|{at.isoformat() if at else ''}"

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("follow_up_status")
        current = self._current_version()
        seen = cleaned.get("seen_follow_up") or current
        if seen == current or status is None:
            return cleaned
        if status == seen.partition("|")[0]:
            # The status was left as the form showed it: only the note is new.
            cleaned["follow_up_status"] = self.instance.follow_up_status
            return cleaned
        # Shown again with the colleague's step on the page; saving again is deliberate.
        self.data = self.data.copy()
        self.data[self.add_prefix("seen_follow_up")] = current
        by = self.instance.follow_up_by
        raise ValidationError(
            _("%(who)s 已于 %(when)s 把跟进状态改为“%(status)s”。请确认后再保存。")
            % {
                "who": by.get_username() if by else _("他人"),
                "when": date_format(
                    timezone.localtime(self.instance.follow_up_at), "DATETIME_FORMAT"
                ),
                "status": self.instance.get_follow_up_status_display(),
            }
        )


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


# Letters and digits with at least one digit: the shape of every document number the
# validators accept, and of a mobile, also when mistyped (a number with a typo is still
# a person's number). A Chinese name or a word does not have it.
_NUMBER_LIKE = re.compile(r"(?=[A-Z]*\d)[A-Z0-9]{5,}", re.ASCII)


def looks_like_personal_number(term: str) -> bool:
    """Whether a search text is an identity number or a phone: it must not be in a URL.

    References look like numbers too, and are fine to search by.
    """
    try:
        validate_mainland_mobile(term)
        return True
    except ValidationError:
        pass
    compact = _compact_number(term)
    try:
        normalise_reference(compact)
        return False
    except ValidationError:
        return bool(_NUMBER_LIKE.fullmatch(compact))


def without_number_in_search(request) -> HttpResponseRedirect | None:
    """The same list without ``?q=`` when it holds an identity number or phone, else None.

    The request is already in the access log; the redirect keeps the page's links and
    search box from repeating the number into every next one.
    """
    if not looks_like_personal_number(request.GET.get(SEARCH_VAR, "")):
        return None
    query = request.GET.copy()
    del query[SEARCH_VAR]
    return HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)


# Staff find a declaration by identity number or phone through a POST (match_view): the
# hashes are kept in their session under a random token, and only the token goes into
# the changelist's URL, its links and the export. It means nothing in another session.
MATCH_PARAM = "match"
MATCH_SESSION_KEY = "travellers.declaration_matches"
MATCH_LIFETIME_SECONDS = 30 * 60


@sensitive_variables()
def remember_match(session, number: str) -> str:
    """Keep the keyed hashes of an identity number or phone in the session; return the token."""
    hashes = {"id_number_hash": pii.keyed_hash(_compact_number(number))}
    # Not a mobile: matched as an identity number only.
    with contextlib.suppress(ValidationError):
        hashes["phone_hash"] = pii.keyed_hash(validate_mainland_mobile(number))
    now = time.time()
    # Expired tokens are dropped here, so a session never gathers more than a half hour's.
    kept = {
        token: match
        for token, match in session.get(MATCH_SESSION_KEY, {}).items()
        if now - match["at"] < MATCH_LIFETIME_SECONDS
    }
    token = secrets.token_urlsafe(16)
    kept[token] = {**hashes, "at": now}
    session[MATCH_SESSION_KEY] = kept
    return token


def remembered_match(session, token: str) -> Q | None:
    """The condition a token stands for in this session; None when unknown or expired."""
    match = session.get(MATCH_SESSION_KEY, {}).get(token)
    if match is None or not 0 <= time.time() - match["at"] < MATCH_LIFETIME_SECONDS:
        return None
    condition = Q(id_number_hash=match["id_number_hash"])
    if "phone_hash" in match:
        condition |= Q(phone_hash=match["phone_hash"])
    return condition


class NumberMatchFilter(admin.SimpleListFilter):
    """Applies the token of a POSTed number search; shown only while one is active."""

    title = _("证件号码或手机号码查询")
    parameter_name = MATCH_PARAM

    def lookups(self, request, model_admin):
        # Only the current token: clicking "All" leaves the number search.
        return [(self.value(), _("本次查询结果"))] if self.value() else []

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        condition = remembered_match(request.session, self.value())
        # Narrows the scoped queryset only; an unknown or expired token finds nothing.
        return queryset.none() if condition is None else queryset.filter(condition)


class NumberMatchForm(forms.Form):
    number = forms.CharField(
        label=_("证件号码或手机号码"),
        max_length=32,
        # No browser form history: the next person at the desk would see the number.
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 24}),
    )


class AnswerChangedFilter(admin.SimpleListFilter):
    """The declarations whose answer a re-evaluation changed after the last follow-up."""

    title = _("跟进后结果变化")
    parameter_name = "answer_changed"
    YES = "yes"

    def lookups(self, request, model_admin):
        return [(self.YES, _("结果已变，待重新跟进"))]

    def queryset(self, request, queryset):
        if self.value() == self.YES:
            return queryset.filter(answer_changed_since_follow_up())
        if self.value():
            return queryset.none()  # a typed-in URL, not a choice of this filter
        return queryset


NUMBER_IN_URL_MESSAGE = _(
    "证件号码和手机号码不能输入搜索框（会留在网址和日志中），请用“按证件号码或手机号码查找”表单。"
)

FOLLOW_UP_FIELDS = (
    "follow_up_status",
    "seen_follow_up",
    "new_note",
    "follow_up_note",
    "follow_up_by",
    "follow_up_at",
)
EDITABLE_FIELDS = ("follow_up_status", "seen_follow_up", "new_note")
FORM_ONLY_FIELDS = ("seen_follow_up", "new_note")  # no model attribute to show read-only
# The current answer in words (measures, conditions, reasons), below its dates.
MEASURE_FIELDS = ("current_answer",)
REVEAL_PERMISSION = "travellers.reveal_contact"


@admin.register(Declaration)
class DeclarationAdmin(FilterLookupsOnly, PlainForeignKeys, admin.ModelAdmin):
    form = FollowUpForm
    list_display = (
        "reference",
        "masked_name",
        "masked_id_number",
        "outcome",
        "arrival_date",
        "measures_end",
        "next_review_on",
        "community",
        "follow_up",
    )
    list_select_related = ("community",)
    list_filter = (
        "outcome",
        CommunityFilter,
        ArrivingFilter,
        ("arrival_date", admin.DateFieldListFilter),
        "follow_up_status",
        AnswerChangedFilter,
        NumberMatchFilter,
    )
    # The search box is handled by get_search_results: references only. Identity numbers
    # and phones go through the POST form of the change_list template (match_view).
    search_fields = ("reference",)
    search_help_text = _("输入查询码。按证件号码或手机号码查找，请用下方的表单。")
    date_hierarchy = "arrival_date"
    fieldsets = (
        (_("申报人信息（只读）"), {"fields": CITIZEN_FIELDS}),
        (_("评估结果"), {"fields": ANSWER_FIELDS}),
        (_("管控措施与原因"), {"fields": MEASURE_FIELDS}),
        (_("社区跟进"), {"fields": FOLLOW_UP_FIELDS}),
    )
    inlines = (LegInline, EvaluationInline, NoticeInline, FollowUpNoteInline, EventInline)
    actions = ("export_selected_csv",)
    plain_foreign_keys = ("residence_region", "community", "policy_version", "follow_up_by")
    residence_region_text = as_text(Declaration, "residence_region")
    community_text = as_text(Declaration, "community")
    policy_version_text = as_text(Declaration, "policy_version")
    follow_up_by_text = as_text(Declaration, "follow_up_by")

    def get_queryset(self, request):
        return scoping.declarations_for(request.user).annotate(
            answer_changed=answer_changed_since_follow_up()
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Out of scope looks exactly like absent: a worker learns nothing about
            # other communities' declarations (the default would redirect with a message).
            raise Http404
        return obj

    def _may_follow_up(self, request, obj) -> bool:
        return obj is not None and self.has_change_permission(request, obj)

    def _may_reveal(self, request, obj) -> bool:
        return (
            obj is not None
            and bool(obj.phone)
            and request.user.has_perm(REVEAL_PERMISSION)
            and self.has_view_permission(request, obj)
        )

    def _swaps(self, request, obj) -> dict[str, str]:
        swaps = self.unlinked(request)
        if self._may_reveal(request, obj):
            swaps["masked_phone"] = "masked_phone_with_reveal"
        return swaps

    def get_fieldsets(self, request, obj=None):
        swaps = self._swaps(request, obj)
        # Whoever may only look has no new note to write.
        left_out = () if self._may_follow_up(request, obj) else FORM_ONLY_FIELDS
        fieldsets = []
        for name, options in self.fieldsets:
            fields = [swaps.get(f, f) for f in options["fields"] if f not in left_out]
            if options["fields"] is FOLLOW_UP_FIELDS and getattr(obj, "answer_changed", False):
                fields.insert(0, "answer_changed_notice")
            fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        swaps = self._swaps(request, obj)
        shown = [swaps.get(f, f) for f in CITIZEN_FIELDS + ANSWER_FIELDS + FOLLOW_UP_FIELDS]
        shown += [*MEASURE_FIELDS, "answer_changed_notice"]
        if self._may_follow_up(request, obj):
            return tuple(f for f in shown if f not in EDITABLE_FIELDS)
        return tuple(f for f in shown if f not in FORM_ONLY_FIELDS)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if self._may_reveal(request, obj):
            context["reveal_contact_url"] = reverse(
                "admin:travellers_declaration_reveal_contact", args=[obj.pk]
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        # References only: a number in ?q= is already in the access log, so none is matched
        # (changelist_view sends staff to the POST form instead).
        return queryset.filter(reference=_compact_number(term)), False

    def changelist_view(self, request, extra_context=None):
        refused = without_number_in_search(request)
        if refused is not None:
            messages.warning(request, NUMBER_IN_URL_MESSAGE)
            return refused
        token = request.GET.get(MATCH_PARAM)
        if token and remembered_match(request.session, token) is None:
            messages.warning(request, _("证件号码或手机号码查询已过期，请重新查找。"))
        context = {"number_match_form": NumberMatchForm(), **(extra_context or {})}
        return super().changelist_view(request, context)

    def has_add_permission(self, request):
        # Declarations come from citizens; staff never create one on their behalf (the
        # add page had no evaluation to show and failed on save, even for a superuser).
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        saved = declaration_follow_up(
            declaration=obj,
            status=form.cleaned_data["follow_up_status"],
            note=form.cleaned_data["new_note"],
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

    @admin.display(description=_("手机号码"))
    def masked_phone_with_reveal(self, obj):
        # Submits the form the change_form template puts after the change form.
        return format_html(
            '{} <button type="submit" form="reveal-contact-form" class="button">{}</button>',
            obj.masked_phone,
            _("显示完整手机号"),
        )

    @admin.display(description=_("当前措施截止"))
    def measures_end(self, obj):
        return current_measures_end(obj.result, on=timezone.localdate())

    @admin.display(description=_("跟进状态"), ordering="follow_up_status")
    def follow_up(self, obj):
        status = obj.get_follow_up_status_display()
        if not getattr(obj, "answer_changed", False):
            return status
        return format_html("{}<br><strong>{}</strong>", status, _("结果已变，待重新跟进"))

    @admin.display(description=_("结果变化"))
    def answer_changed_notice(self, obj):
        return format_html(
            "<strong>{}</strong>",
            _("跟进后，重新评估改变了结果（见“评估记录”）。请按上面的新结果重新跟进；保存后此提示消失。"),
        )

    @admin.display(description=_("当前评估"))
    def current_answer(self, obj):
        shown = present(
            obj.result,
            get_language() or "zh-hans",
            today=timezone.localdate(),
            kind=obj.kind,
            arrival_date=obj.arrival_date,
        )
        return render_to_string("admin/travellers/declaration/answer.html", {"answer": shown})

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
                "match/",
                self.admin_site.admin_view(self.match_view),
                name="travellers_declaration_match",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="travellers_declaration_export",
            ),
            path(
                "<path:object_id>/reveal-contact/",
                self.admin_site.admin_view(self.reveal_contact_view),
                name="travellers_declaration_reveal_contact",
            ),
            path(
                "impact/policy/<int:version_id>/",
                self.admin_site.admin_view(self.impact_policy_view),
                name="travellers_impact_policy",
            ),
        ]
        return extra + super().get_urls()

    @method_decorator(sensitive_post_parameters("number"))
    def match_view(self, request):
        """The number search: POST in, the changelist with an opaque token out."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = reverse("admin:travellers_declaration_changelist")
        form = NumberMatchForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写证件号码或手机号码。"))
            return HttpResponseRedirect(changelist)
        token = remember_match(request.session, form.cleaned_data["number"])
        return HttpResponseRedirect(f"{changelist}?{urlencode({MATCH_PARAM: token})}")

    # The number is in the context dict, not a variable of its own: every local is hidden.
    @method_decorator(sensitive_variables())
    def reveal_contact_view(self, request, object_id):
        """The full mobile number of one declaration, once, for a worker to call.

        POST only, and shown in this response alone: never in a URL, a message or a log.
        Each reveal is recorded (``reveal_phone``) and counted per staff member.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        declaration = self.get_object(request, unquote(object_id))  # out of scope: 404
        if not self._may_reveal(request, declaration):
            if not declaration.phone and request.user.has_perm(REVEAL_PERMISSION):
                messages.warning(request, _("该申报没有填写手机号码。"))
                return HttpResponseRedirect(self._change_url(declaration))
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("完整手机号码"),
            "opts": self.opts,
            "declaration": declaration,
            "change_url": self._change_url(declaration),
        }
        wait = reveal_wait_seconds(request.user)
        if wait is not None:
            context["refusal"] = _(
                "您查看完整手机号码的次数已达上限，请 %(minutes)s 分钟后再试。"
            ) % {"minutes": max(1, -(-wait // 60))}
            status = 429
        else:
            context["phone"] = reveal_phone(declaration=declaration, actor=request.user)
            status = 200
        response = TemplateResponse(
            request, "admin/travellers/declaration/reveal_contact.html", context, status=status
        )
        # A shared or back-buttoned browser must not bring the number back from a cache.
        response["Cache-Control"] = "private, no-store"
        return response

    def _change_url(self, declaration) -> str:
        return reverse("admin:travellers_declaration_change", args=[declaration.pk])

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
            # The day publishing re-evaluates: the version's own, today at the earliest.
            report = preview_policy_version(
                version, on=max(timezone.localdate(), version.effective_from)
            )
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
