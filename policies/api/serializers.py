"""The evaluate contract: request validation shared by the API and the citizen form.

``EvaluateRequestSerializer`` is meant to be subclassed (the declaration serializer adds
the traveller's identity and contact fields and reuses every check here). Cross-field
checks are small methods named in ``cross_field_checks``; each returns a dict of
errors (empty when fine) so one response lists every problem at once.

Error shape: ``{"field": ["message"]}``; nested objects nest (``{"nat_test":
{"sampled_at": [...]}}``); leg errors are a list aligned with the submitted legs, ``{}``
for a leg without errors (``{"legs": [{}, {"region": ["..."]}]}``), both for a leg's own
fields and for the cross-leg checks, whatever DRF's ``LIST_SERIALIZER_ERRORS_AS_DICT``;
a leg that is not an object has ``{"non_field_errors": [...]}`` at its index; a problem
with the list as a whole is ``{"legs": {"non_field_errors": [...]}}``.
``errors_by_index`` reads either shape. A body that is not an object, or a key that
is not a plain name, is refused under ``non_field_errors``; messages never repeat a
submitted value (a refused choice names the accepted ones).
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Mapping
from datetime import date, timedelta
from itertools import pairwise

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.settings import api_settings

from policies.api.results import is_english
from policies.engine import labels
from policies.engine.types import (
    ARRIVAL_REPORT,
    CONDITION_CODES,
    CONTACT_STATUSES,
    DECLARATION_KINDS,
    HEALTH_CODES,
    MEASURE_KINDS,
    NAT_RESULTS,
    OUTCOMES,
    PRE_TRAVEL,
)
from policies.models import significant_prefix
from policies.regions import region_display_name, region_table
from policies.snapshots import local_date

MAX_LEGS = 50


class _JSONText:
    """Only a JSON string: DRF's text fields take numbers too, and stored their digits (an
    integer beyond 64 bits, which the JSON parser reads as a float, as "1.2e+29")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


_NOT_TEXT = {"not_text": _("请填写文字，而不是数字或其他类型。")}


class TextField(_JSONText, serializers.CharField):
    default_error_messages = _NOT_TEXT


class PatternField(_JSONText, serializers.RegexField):
    default_error_messages = _NOT_TEXT


class EmailTextField(_JSONText, serializers.EmailField):
    default_error_messages = {
        **_NOT_TEXT,
        "invalid": _("电子邮箱格式不正确，例如 name@example.com。"),
    }


class ChoiceTextField(serializers.ChoiceField):
    """A choice whose refusal names the allowed values and never repeats the input: an
    identity number typed into the type's box came back in DRF's message."""

    default_error_messages = {"invalid_choice": _("请选择以下之一：{choices}。")}

    def to_internal_value(self, data):
        if data == "":
            if self.allow_blank:
                return ""
            if "blank" in self.error_messages:
                self.fail("blank")  # named by required_messages: missing, not a bad value
        try:
            return self.choice_strings_to_values[str(data)]
        except KeyError:
            self.fail("invalid_choice", choices=", ".join(self.choice_strings_to_values))


class JSONBooleanField(serializers.BooleanField):
    """Only JSON ``true`` or ``false``: DRF reads "yes", 1 and the string "false" as
    booleans, which a caller who sent them may not have meant."""

    default_error_messages = {"invalid": _("请填写 true 或 false。")}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")


UNKNOWN_FIELD = _("不接受此字段。")
# For keys not named back: one that is not a plain identifier may be personal data typed
# where a name belongs (a phone number as a key), and an error message repeats nothing.
UNKNOWN_FIELDS = _("请求中含有不接受的字段。")
_ECHOABLE_KEY = re.compile(r"[a-z_][a-z0-9_]{0,40}")
_DIGIT_RUN = re.compile(r"[0-9]{4}")
NOT_AN_OBJECT = _("请求内容应为一个 JSON 对象。")
NESTED_NOT_AN_OBJECT = _("此项应为一个 JSON 对象。")


def _echoable(key) -> bool:
    return (
        isinstance(key, str)
        and _ECHOABLE_KEY.fullmatch(key) is not None
        and _DIGIT_RUN.search(key) is None
    )


class RequestSerializer(serializers.Serializer):
    """A serializer of request data whose declared fields are copied cheaply, and which
    refuses keys it does not know (a misspelt optional field, or ``as_of`` where the
    answer is always for today, would otherwise be dropped without a word).

    DRF deep-copies every declared field for every serializer instance, and a field's
    deep copy runs its ``__init__`` again: for the declaration form that was a third
    of its validation. A plain field keeps nothing of a request once validation is
    done (``bind`` sets its name and parent on the copy), so a shallow copy does;
    nested serializers and fields with a ``child`` are still deep-copied, since a
    shallow copy would share the child and with it the parent it is bound to.

    ``required_messages`` names what to fill in, per field: it becomes that field's
    required, null and blank message, so a missing phone reads "请填写手机号码。" rather
    than DRF's "该字段是必填项。" beside a form's other, specific messages.
    """

    default_error_messages = {
        "invalid": NESTED_NOT_AN_OBJECT,
        "null": NESTED_NOT_AN_OBJECT,
    }

    required_messages: Mapping = {}

    def get_fields(self):
        fields = {}
        for name, field in self._declared_fields.items():
            clone = (
                copy.deepcopy(field)
                if isinstance(field, serializers.BaseSerializer) or hasattr(field, "child")
                else _shallow_copy(field)
            )
            message = self.required_messages.get(name)
            if message is not None:
                # A new dict: a shallow copy shares the declared field's.
                clone.error_messages = {
                    **clone.error_messages,
                    "required": message,
                    "null": message,
                    "blank": message,
                }
            fields[name] = clone
        return fields

    def run_validation(self, data=serializers.empty):
        # The request body itself: DRF answered null with its English "No data provided"
        # and an array with a message naming Python's type.
        if self.parent is None and data is not serializers.empty and not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: [NOT_AN_OBJECT]}, code="invalid"
            )
        return super().run_validation(data)

    # A known reason for refusing a key, where one helps the caller.
    unknown_field_messages: Mapping = {}

    def to_internal_value(self, data):
        unknown = sorted(set(data) - set(self.fields)) if isinstance(data, Mapping) else ()
        if not unknown:
            return super().to_internal_value(data)
        refused: dict = {}
        for name in unknown:
            if _echoable(name) and len(refused) < 20:
                refused[name] = [self.unknown_field_messages.get(name, UNKNOWN_FIELD)]
            elif not _echoable(name):
                refused[api_settings.NON_FIELD_ERRORS_KEY] = [UNKNOWN_FIELDS]
        try:
            super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                merged = {**refused, **exc.detail}
                key = api_settings.NON_FIELD_ERRORS_KEY
                if key in refused and key in exc.detail:
                    merged[key] = [*exc.detail[key], *refused[key]]
                raise serializers.ValidationError(merged) from exc
            raise
        raise serializers.ValidationError(refused)

    def _valid_fields(self, data) -> dict:
        """The validated values of the fields that pass on their own (error path only)."""
        values: dict = {}
        for field in self._writable_fields:
            validate_method = getattr(self, f"validate_{field.field_name}", None)
            try:
                value = field.run_validation(field.get_value(data))
                if validate_method is not None:
                    value = validate_method(value)
            except (serializers.ValidationError, DjangoValidationError, SkipField):
                continue
            values[field.source] = value
        return values


def _shallow_copy(field):
    # copy.copy by hand: the same attributes, without __reduce_ex__'s round trip.
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


# Dates a declaration can sensibly hold. Without bounds, year 1 was stored as a leg and
# year 9999 overflowed the date arithmetic of the engine and the models (a server error).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2099, 12, 31)
# How far from the day of the answer an arrival may be: planned or reported.
ARRIVAL_WINDOW = timedelta(days=366)


class _BlankIsMissing:
    """An empty string for a date reads as missing where ``required_messages`` names the
    field, not as a malformed date."""

    def to_internal_value(self, value):
        if value == "" and "blank" in self.error_messages:
            self.fail("blank")
        return super().to_internal_value(value)


class CalendarDateField(_BlankIsMissing, serializers.DateField):
    default_error_messages = {
        "out_of_range": _("请填写1900年至2099年之间的日期。"),
    }

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not EARLIEST_DATE <= day <= LATEST_DATE:
            self.fail("out_of_range")
        return day


class AwareDateTimeField(_BlankIsMissing, serializers.DateTimeField):
    """An ISO datetime that must carry its UTC offset: a bare local time is ambiguous."""

    default_error_messages = {
        "naive": _("请填写带时区偏移的时间，例如 2021-08-09T08:30:00+08:00。"),
        "out_of_range": _("请填写1900年至2099年之间的日期。"),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            parsed = None
            with contextlib.suppress(ValueError):
                parsed = parse_datetime(value.strip())
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        moment = super().to_internal_value(value)
        if not EARLIEST_DATE <= moment.date() <= LATEST_DATE:
            self.fail("out_of_range")
        return moment


class NatTestSerializer(RequestSerializer):
    required_messages = {
        "result": _("请选择核酸检测结果。"),
        "sampled_at": _("已选择检测结果，请填写采样时间。"),
    }

    result = ChoiceTextField(choices=NAT_RESULTS, help_text="negative | positive")
    sampled_at = AwareDateTimeField(help_text="ISO 8601 datetime with UTC offset")


class LegListSerializer(serializers.ListSerializer):
    default_error_messages = {
        "not_a_list": _("行程应为列表。"),
        "max_length": _("行程最多 {max_length} 段。"),
    }

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # DRF >= 3.16 keys item errors by index; the contract aligns them with the legs
            # (as the cross-leg checks do), so a form reads one shape. An item that is not
            # an object has a list of messages, not a dict of fields: its own.
            aligned = _aligned_item_errors(exc.detail, data)
            if aligned is None:
                raise
            raise serializers.ValidationError(aligned) from exc


def _aligned_item_errors(detail, data) -> list[dict] | None:
    """Item errors as a list aligned with ``data``, each a dict of field errors; None for
    an error about the list as a whole."""
    if not isinstance(data, list):
        return None
    if isinstance(detail, list):
        pairs = list(enumerate(detail))
    elif isinstance(detail, dict) and all(str(key).isdigit() for key in detail):
        pairs = [(int(key), item) for key, item in detail.items()]
    else:
        return None
    aligned: list[dict] = [{} for _ in data]
    for index, item in pairs:
        if isinstance(item, dict):
            aligned[index] = dict(item)
        elif item:
            messages = item if isinstance(item, list) else [item]
            aligned[index] = {api_settings.NON_FIELD_ERRORS_KEY: list(messages)}
    return aligned


class LegSerializer(RequestSerializer):
    default_error_messages = {
        "invalid": _("每段行程应为一个 JSON 对象。"),
        "null": _("每段行程应为一个 JSON 对象。"),
    }
    required_messages = {
        "region": _("请填写行程地区。"),
        "start_date": _("请填写到达当地日期。"),
    }

    region = PatternField(
        r"^[0-9]{6}$",
        help_text="county-level GB/T 2260 code",
        error_messages={"invalid": _("请填写六位行政区划代码。")},
    )
    start_date = CalendarDateField()
    end_date = CalendarDateField(
        required=False, allow_null=True, default=None, help_text="leaving day; null = still there"
    )

    class Meta:
        list_serializer_class = LegListSerializer

    def validate(self, attrs):
        if attrs["end_date"] is not None and attrs["end_date"] < attrs["start_date"]:
            raise serializers.ValidationError(
                {"end_date": [_("离开当地日期不能早于到达当地日期。")]}
            )
        return attrs


class EvaluateRequestSerializer(RequestSerializer):
    required_messages = {
        "kind": _("请选择申报类型。"),
        "arrival_date": _("请填写抵京日期。"),
        "health_code": _("请选择健康码颜色。"),
        "commuter": _("请填写 true 或 false。"),
        "home_quarantine_possible": _("请填写 true 或 false。"),
        "contact_status": _("请选择接触情况。"),
        "legs": _("行程应为列表。"),
    }

    kind = ChoiceTextField(choices=DECLARATION_KINDS)
    as_of = CalendarDateField(
        required=False, allow_null=True, default=None, help_text="default: today in Asia/Shanghai"
    )
    arrival_date = CalendarDateField(help_text="planned (pre_travel) or actual arrival date")
    health_code = ChoiceTextField(choices=HEALTH_CODES, default="green")
    commuter = JSONBooleanField(default=False)
    home_quarantine_possible = JSONBooleanField(default=True)
    contact_status = ChoiceTextField(choices=CONTACT_STATUSES, default="none")
    last_contact_date = CalendarDateField(required=False, allow_null=True, default=None)
    international_entry_date = CalendarDateField(required=False, allow_null=True, default=None)
    nat_test = NatTestSerializer(required=False, allow_null=True, default=None)
    legs = LegSerializer(many=True, required=False, default=list, max_length=MAX_LEGS)

    # How the cross-field messages name the day the answer is for: given or today here,
    # always today for a declaration (whose serializers say so instead).
    as_of_messages = {
        "arrival_before": _("抵京日期不能早于评估日期。"),
        "arrival_after": _("抵京后报备的抵京日期不能晚于评估日期。"),
        "arrival_too_late": _("抵京日期不能晚于评估日期一年以上。"),
        "arrival_too_early": _("抵京日期不能早于评估日期一年以上。"),
        "contact_after": _("最后接触日期不能晚于评估日期。"),
        "sampled_after": _("采样时间不能晚于当前时间或评估日期。"),
    }

    cross_field_checks = (
        "check_arrival_date",
        "check_contact",
        "check_international_entry",
        "check_nat_test",
        "check_legs",
    )

    def prepare_attrs(self, attrs) -> None:
        """Fill in what the checks read but the input does not carry (the date)."""
        if attrs.get("as_of") is None:
            attrs["as_of"] = timezone.localdate()

    def cross_field_errors(self, attrs, *, partial: bool = False) -> dict:
        """Every cross-field check's errors. ``partial``: ``attrs`` holds only the fields
        that validated, and a check reading a missing one is skipped (that field's own
        error says what is wrong)."""
        errors: dict = {}
        for name in self.cross_field_checks:
            try:
                found = getattr(self, name)(attrs)
            except KeyError:
                if not partial:
                    raise
                continue
            for field, messages in found.items():
                errors.setdefault(field, messages)
        return errors

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not (isinstance(exc.detail, dict) and isinstance(data, Mapping)):
                raise
            # DRF stops at field errors; the checks between the fields that did validate
            # are reported with them, so that a citizen corrects everything in one round.
            attrs = self._valid_fields(data)
            self.prepare_attrs(attrs)
            if "as_of" in self.fields and "as_of" in exc.detail:
                # prepare_attrs put today in place of the as_of that failed: the checks
                # against the day of the answer wait for the caller's own date.
                attrs.pop("as_of", None)
            detail = dict(exc.detail)
            for field, messages in self.cross_field_errors(attrs, partial=True).items():
                detail.setdefault(field, messages)
            if "legs" in exc.detail and "legs" not in attrs:
                self._add_checks_of_valid_legs(detail, data, attrs)
            raise serializers.ValidationError(detail) from exc

    def _add_checks_of_valid_legs(self, detail, data, attrs) -> None:
        """When some legs fail on their own, check the others' regions and dates too, so
        an unknown county in leg 2 is not held back until leg 1's date is corrected, nor
        an overlap of legs 2 and 3. (Which leg may stay open needs every leg, and waits.)"""
        raw = data.get("legs")
        items, whole = errors_by_index(detail["legs"])
        if whole or not isinstance(raw, list):
            return
        child = self.fields["legs"].child
        valid: dict[int, dict] = {}
        for index, leg in enumerate(raw):
            if index in items:
                continue
            with contextlib.suppress(serializers.ValidationError):
                valid[index] = child.run_validation(leg)
        indexes, legs = list(valid), list(valid.values())
        found: dict[int, dict] = {}
        checks = [self._leg_region_errors, self._leg_overlap_errors]
        if "arrival_date" in attrs:
            checks.append(self._leg_date_errors)
        for check in checks:
            for position, leg_errors in check(legs, attrs).items():
                for field, messages in leg_errors.items():
                    found.setdefault(indexes[position], {}).setdefault(field, messages)
        if found:
            merged = {**items, **found}
            detail["legs"] = [merged.get(index, {}) for index in range(len(raw))]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self.prepare_attrs(attrs)
        errors = self.cross_field_errors(attrs)
        if errors:
            raise serializers.ValidationError(errors)
        # The engine and storage see legs in travel order.
        attrs["legs"] = sorted(attrs["legs"], key=_leg_sort_key)
        if attrs["contact_status"] == "none":
            attrs["last_contact_date"] = None
        return attrs

    def check_arrival_date(self, attrs) -> dict:
        as_of, arrival = attrs["as_of"], attrs["arrival_date"]
        if attrs["kind"] == PRE_TRAVEL and arrival < as_of:
            return {"arrival_date": [self.as_of_messages["arrival_before"]]}
        if attrs["kind"] == ARRIVAL_REPORT and arrival > as_of:
            return {"arrival_date": [self.as_of_messages["arrival_after"]]}
        if arrival > as_of + ARRIVAL_WINDOW:
            return {"arrival_date": [self.as_of_messages["arrival_too_late"]]}
        if arrival < as_of - ARRIVAL_WINDOW:
            return {"arrival_date": [self.as_of_messages["arrival_too_early"]]}
        return {}

    def check_contact(self, attrs) -> dict:
        if attrs["contact_status"] == "none":
            return {}
        last_contact = attrs.get("last_contact_date")
        if last_contact is None:
            return {"last_contact_date": [_("请填写最后一次接触的日期。")]}
        if last_contact > attrs["as_of"]:
            return {"last_contact_date": [self.as_of_messages["contact_after"]]}
        return {}

    def check_international_entry(self, attrs) -> dict:
        entry = attrs.get("international_entry_date")
        if entry is not None and entry > attrs["arrival_date"]:
            return {"international_entry_date": [_("入境日期不能晚于抵京日期。")]}
        return {}

    def check_nat_test(self, attrs) -> dict:
        nat = attrs.get("nat_test")
        if not nat:
            return {}
        sampled_at = nat["sampled_at"]
        if sampled_at > timezone.now() or local_date(sampled_at) > attrs["as_of"]:
            return {"nat_test": {"sampled_at": [self.as_of_messages["sampled_after"]]}}
        return {}

    def check_legs(self, attrs) -> dict:
        legs = attrs["legs"]
        if not legs:
            return {}
        per_leg: dict[int, dict] = {}
        for check in (self._leg_region_errors, self._leg_date_errors, self._leg_order_errors):
            for index, leg_errors in check(legs, attrs).items():
                for field, messages in leg_errors.items():
                    per_leg.setdefault(index, {}).setdefault(field, messages)
        if not per_leg:
            return {}
        return {"legs": [per_leg.get(index, {}) for index in range(len(legs))]}

    def _leg_region_errors(self, legs, attrs) -> dict[int, dict]:
        known = region_table()
        home = significant_prefix(settings.PORTAL_JURISDICTION)
        errors = {}
        for index, leg in enumerate(legs):
            code = leg["region"]
            if code not in known:
                errors[index] = {"region": [_("未知的行政区划代码。")]}
            elif known[code].retired:
                # Risk areas are published under the current codes: a leg in an
                # abolished county would never match one.
                errors[index] = {"region": [_("该区县已撤销，请选择现在所属的区县。")]}
            elif not known[code].county_level:
                errors[index] = {"region": [_("请选择县级行政区（区、县、县级市、旗）。")]}
            elif code.startswith(home):
                errors[index] = {"region": [_("行程只需填写北京以外的地区。")]}
        return errors

    def _leg_date_errors(self, legs, attrs) -> dict[int, dict]:
        arrival = attrs["arrival_date"]
        errors = {}
        for index, leg in enumerate(legs):
            if leg["start_date"] > arrival:
                errors[index] = {"start_date": [_("到达当地日期不能晚于抵京日期。")]}
            elif leg["end_date"] is not None and leg["end_date"] > arrival:
                errors[index] = {"end_date": [_("离开当地日期不能晚于抵京日期。")]}
        return errors

    def _leg_order_errors(self, legs, attrs) -> dict[int, dict]:
        order = sorted(range(len(legs)), key=lambda index: _leg_sort_key(legs[index]))
        open_allowed = attrs["kind"] == PRE_TRAVEL
        errors = {}
        for position, index in enumerate(order):
            leg = legs[index]
            is_last = position == len(order) - 1
            if leg["end_date"] is None and not (open_allowed and is_last):
                message = (
                    _("只有出行前申报的最后一段行程可以不填离开日期。")
                    if open_allowed
                    else _("抵京后报备的每段行程都需要填写离开日期。")
                )
                errors[index] = {"end_date": [message]}
        for index, leg_errors in self._leg_overlap_errors(legs, attrs).items():
            errors.setdefault(index, {}).update(leg_errors)
        return errors

    def _leg_overlap_errors(self, legs, attrs) -> dict[int, dict]:
        order = sorted(range(len(legs)), key=lambda index: _leg_sort_key(legs[index]))
        errors = {}
        for previous, index in pairwise(order):
            ended, starts = legs[previous]["end_date"], legs[index]["start_date"]
            # Sharing the travel day is fine: one leg ends the day the next starts.
            if ended is not None and ended > starts:
                errors[index] = {"start_date": [_overlap_message(legs[previous])]}
        return errors


def _overlap_message(other: dict) -> str:
    # Named by its place and dates: legs are compared in travel order, so with rows typed
    # out of order "the leg before" was not the row above, and a form's row numbers are
    # not the list's (blank rows are skipped).
    language = get_language()
    day = labels.day_en if is_english(language) else labels.day_zh
    return _("行程时间与%(place)s（%(start)s至%(end)s）的行程重叠。") % {
        "place": region_display_name(other["region"], language, context=False),
        "start": day(other["start_date"]),
        "end": day(other["end_date"]),
    }


def errors_by_index(value) -> tuple[dict[int, dict], list[str]]:
    """Split the errors of a nested list (``legs``, companions) into errors per item, keyed
    by submitted index, and messages about the list as a whole.

    Accepts the list aligned with the items (what the evaluate contract returns) and
    DRF's object format (``{"1": {...}, "non_field_errors": [...]}``, its default for
    nested lists since 3.16), so a form places messages next to the right row.
    """
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return {index: dict(item) for index, item in enumerate(value) if item}, []
    if isinstance(value, dict):
        items, whole = {}, []
        for key, item in value.items():
            if str(key).isdigit() and isinstance(item, dict):
                items[int(key)] = dict(item)
            else:
                whole.extend(item if isinstance(item, list) else [item])
        return items, [str(message) for message in whole]
    return {}, [str(message) for message in (value if isinstance(value, list) else [value])]


def _leg_sort_key(leg) -> tuple[date, date]:
    return (leg["start_date"], leg["end_date"] or date.max)


class MeasureSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MEASURE_KINDS)
    start = serializers.DateField()
    end = serializers.DateField(help_text="inclusive")


class ConditionSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=CONDITION_CODES)
    met = serializers.BooleanField(allow_null=True, help_text="null = not known yet")


class ReasonSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="rule kind that fired")
    region = serializers.CharField(allow_null=True)
    region_name = serializers.CharField(allow_null=True)
    text = serializers.CharField(help_text="in the request's language")
    risk_areas = serializers.ListField(child=serializers.CharField())
    designation = serializers.CharField(allow_null=True)
    citation = serializers.CharField(allow_blank=True)


class PolicyVersionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    effective_from = serializers.DateField()


class EvaluateResponseSerializer(serializers.Serializer):
    """Documents the shape ``policies.api.results.result_to_dict`` produces."""

    outcome = serializers.ChoiceField(choices=OUTCOMES)
    entry_allowed_from = serializers.DateField(allow_null=True)
    measures = MeasureSerializer(many=True)
    conditions = ConditionSerializer(many=True)
    reasons = ReasonSerializer(many=True)
    policy_version = PolicyVersionRefSerializer()
    next_review_on = serializers.DateField(allow_null=True)
