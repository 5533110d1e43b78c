"""The one validation of a declaration, shared by the citizen form and the API.

``DeclarationSerializer`` extends the evaluate contract
(``policies.api.serializers.EvaluateRequestSerializer``) with who is travelling and
how to reach them; ``AmendmentSerializer`` reuses the same travel checks for the
facts a citizen may change later. The HTML form feeds these serializers the posted
data and shows their errors; the API returns them as they are.

A declaration is always evaluated for today (``timezone.localdate()``, or
``context["today"]`` in tests), so there is no ``as_of`` field.

Error shape (as the evaluate contract): ``{"field": ["message"]}``; ``legs`` errors a
list aligned with the legs; ``companions`` errors are objects keyed by the index of
the item as submitted, only items with errors present (DRF's format;
``policies.api.serializers.errors_by_index`` reads both for the form). Identity
numbers are checked field by field (not in the object-level pass) so that a bad number
is reported together with every other field error.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from policies.api.serializers import (
    CalendarDateField,
    ChoiceTextField,
    EmailTextField,
    EvaluateRequestSerializer,
    NatTestSerializer,
    RequestSerializer,
    TextField,
)
from policies.engine.types import CONTACT_STATUSES, HEALTH_CODES
from policies.models import significant_prefix
from policies.regions import region_table
from policies.snapshots import local_date
from travellers.identity import (
    ID_TYPES,
    clean_person_name,
    validate_id_number,
    validate_mainland_mobile,
)
from travellers.models import Community, Language

MAX_COMPANIONS = 4

# A declaration is evaluated for today, and its messages say so.
TODAY_MESSAGES = {
    "arrival_before": _("抵京日期不能早于今天。"),
    "arrival_after": _("抵京后报备的抵京日期不能晚于今天。"),
    "contact_after": _("最后接触日期不能晚于今天。"),
    "sampled_after": _("采样时间不能晚于当前时间。"),
    "arrival_too_late": _("抵京日期不能晚于今天起一年以后。"),
    "arrival_too_early": _("抵京日期不能早于一年以前。"),
}
# On submit the kind can still be changed, and a date on the wrong side of today mostly
# means the other kind: the message says which. (An amendment keeps its kind, and the
# plain messages above.)
SUBMIT_MESSAGES = {
    **TODAY_MESSAGES,
    "arrival_before": _("抵京日期不能早于今天。如已抵京，请在申报类型中选择“抵京后报备”。"),
    "arrival_after": _(
        "抵京后报备的抵京日期不能晚于今天。如尚未抵京，请在申报类型中选择“出行前申报”。"
    ),
}
# No as_of: refused by name rather than dropped, so a caller does not believe the answer
# is for the day it sent.
NO_AS_OF = {"as_of": _("申报总是按今天的政策和风险地区评估，不接受 as_of。")}
LANGUAGES = tuple(Language.values)
# What to fill in, per field (RequestSerializer.required_messages).
PERSON_MESSAGES = {
    "full_name": _("请填写姓名。"),
    "id_type": _("请选择证件类型。"),
    "id_number": _("请填写证件号码。"),
}
# The form's summary puts the box's label before this, and its hint already says what
# hiding facts costs: the message only says what is missing.
_ATTESTATION_REFUSED = _("请勾选承诺后再继续。")


@extend_schema_field(OpenApiTypes.BOOL)
class AttestationField(serializers.Field):
    """Only a JSON ``true`` attests: a statement with legal weight is not read into
    ``"yes"`` or ``1`` as a boolean field would."""

    default_error_messages = {
        "invalid": _ATTESTATION_REFUSED,
        "null": _ATTESTATION_REFUSED,
        "required": _ATTESTATION_REFUSED,
    }

    def to_internal_value(self, data):
        if data is not True:
            self.fail("invalid")
        return True

    def to_representation(self, value):
        return bool(value)


def _django_errors(exc: DjangoValidationError) -> list[str]:
    return list(exc.messages)


def _person_name(value: str) -> str:
    try:
        return clean_person_name(value)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(_django_errors(exc)) from exc


def _today(serializer: serializers.Serializer):
    return serializer.context.get("today") or timezone.localdate()


def contact_errors(attrs, today) -> dict:
    """A declared contact needs its last contact date, not after today."""
    if attrs.get("contact_status", "none") == "none":
        return {}
    last_contact = attrs.get("last_contact_date")
    if last_contact is None:
        return {"last_contact_date": [_("请填写最后一次接触的日期。")]}
    if last_contact > today:
        return {"last_contact_date": [TODAY_MESSAGES["contact_after"]]}
    return {}


def nat_test_errors(attrs, today) -> dict:
    nat = attrs.get("nat_test")
    if not nat:
        return {}
    sampled_at = nat["sampled_at"]
    if sampled_at > timezone.now() or local_date(sampled_at) > today:
        return {"nat_test": {"sampled_at": [TODAY_MESSAGES["sampled_after"]]}}
    return {}


class CompanionListSerializer(serializers.ListSerializer):
    default_error_messages = {
        "not_a_list": _("同行人员应为列表。"),
        "max_length": _("同行人员最多 {max_length} 人。"),
    }


class CompanionSerializer(RequestSerializer):
    """A person declared on the lead's form (a child, a relative).

    Companions share the lead's kind, arrival date, legs and residence. Their own
    ``health_code`` and ``contact_status`` default to the lead's (families travel
    together); a test result is personal, so ``nat_test`` never defaults to the lead's.
    """

    required_messages = {
        **PERSON_MESSAGES,
        "health_code": _("请选择健康码颜色。"),
        "contact_status": _("请选择接触情况。"),
    }

    full_name = TextField(max_length=100, trim_whitespace=True)
    # A child travelling with a parent mostly has a resident ID card: the form preselects
    # it, and the API takes the same default.
    id_type = ChoiceTextField(choices=ID_TYPES, default="resident_id")
    id_number = TextField(max_length=40)
    health_code = ChoiceTextField(choices=HEALTH_CODES, required=False)
    nat_test = NatTestSerializer(required=False, allow_null=True, default=None)
    contact_status = ChoiceTextField(choices=CONTACT_STATUSES, required=False)
    last_contact_date = CalendarDateField(required=False, allow_null=True, default=None)

    class Meta:
        list_serializer_class = CompanionListSerializer

    def validate_full_name(self, value):
        return _person_name(value)

    def validate(self, attrs):
        errors = self._checks(attrs)
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not (isinstance(exc.detail, dict) and isinstance(data, Mapping)):
                raise
            # As for the lead: a missing name does not hold back the identity number's
            # and the contact date's messages until the next submit.
            detail = dict(exc.detail)
            for field, messages in self._checks(self._valid_fields(data)).items():
                detail.setdefault(field, messages)
            raise serializers.ValidationError(detail) from exc

    def _checks(self, attrs) -> dict:
        """The checks between fields, over those ``attrs`` holds (normalises the number)."""
        today = _today(self)
        errors: dict = {}
        if "id_type" in attrs and "id_number" in attrs:
            try:
                attrs["id_number"] = validate_id_number(
                    attrs["id_type"], attrs["id_number"], today=today
                )
            except DjangoValidationError as exc:
                errors["id_number"] = _django_errors(exc)
        for found in (contact_errors(attrs, today), nat_test_errors(attrs, today)):
            for field, messages in found.items():
                errors.setdefault(field, messages)
        return errors


class DeclarationSerializer(EvaluateRequestSerializer):
    """A new declaration: travel facts (the evaluate contract) + identity and contact.

    Validated data: the travel facts as in the evaluate contract (legs sorted, with
    ``as_of`` = today), ``id_number`` and ``phone`` normalised, ``residence_region`` a
    region code, ``community`` a ``Community`` or None, ``companions`` a list.
    """

    as_of = None  # a declaration is always evaluated for today
    as_of_messages = SUBMIT_MESSAGES
    unknown_field_messages = NO_AS_OF
    required_messages = {
        **EvaluateRequestSerializer.required_messages,
        **PERSON_MESSAGES,
        "phone": _("请填写手机号码。"),
        "email": _("请填写电子邮箱。"),
        "language": _("请选择通知语言。"),
        "residence_region": _("请选择在京居住区。"),
        "companions": _("同行人员应为列表。"),
    }

    full_name = TextField(max_length=100, trim_whitespace=True)
    id_type = ChoiceTextField(choices=ID_TYPES)
    id_number = TextField(max_length=40)
    phone = TextField(max_length=32)
    email = EmailTextField(max_length=254)
    language = ChoiceTextField(choices=LANGUAGES, default="zh-hans")
    residence_region = TextField(max_length=6)
    community = TextField(
        max_length=32, required=False, allow_blank=True, allow_null=True, default=None
    )
    attestation = AttestationField()
    companions = CompanionSerializer(
        many=True, required=False, default=list, max_length=MAX_COMPANIONS
    )

    cross_field_checks = (
        *EvaluateRequestSerializer.cross_field_checks,
        "check_community",
        "check_companions",
    )

    def prepare_attrs(self, attrs) -> None:
        attrs["as_of"] = _today(self)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        for companion in attrs["companions"]:
            if companion.get("contact_status", attrs["contact_status"]) == "none":
                companion["last_contact_date"] = None
        return attrs

    def validate_id_number(self, value):
        # The type is read from the raw input: field validators run one by one, and an
        # invalid type is reported on its own field.
        id_type = self.initial_data.get("id_type")
        if id_type not in ID_TYPES:
            return value
        try:
            return validate_id_number(id_type, value, today=_today(self))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_django_errors(exc)) from exc

    def validate_full_name(self, value):
        return _person_name(value)

    def validate_phone(self, value):
        try:
            return validate_mainland_mobile(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(_django_errors(exc)) from exc

    def validate_residence_region(self, value):
        code = value.strip()
        region = region_table().get(code)
        home = significant_prefix(settings.PORTAL_JURISDICTION)
        if region is None or not code.startswith(home) or code == settings.PORTAL_JURISDICTION:
            raise serializers.ValidationError(_("请选择北京市的区。"))
        if not region.county_level or region.retired:
            raise serializers.ValidationError(_("请选择区（县）一级的居住地。"))
        return code

    def validate_community(self, value):
        if not value:
            return None
        community = Community.objects.filter(code=value.strip()).first()
        if community is None:
            raise serializers.ValidationError(_("未找到该社区，请核对社区代码。"))
        return community

    def check_community(self, attrs) -> dict:
        community = attrs.get("community")
        if community is not None and community.district_id != attrs["residence_region"]:
            return {"community": [_("该社区不属于所选的居住区。")]}
        return {}

    def check_companions(self, attrs) -> dict:
        # The same person twice on one form is a typing slip, or two answers for one traveller.
        seen = {(attrs["id_type"], attrs["id_number"])}
        per_companion: dict[int, dict] = {}
        for index, companion in enumerate(attrs["companions"]):
            key = (companion["id_type"], companion["id_number"])
            if key in seen:
                per_companion[index] = {"id_number": [_("该证件号码已在本次申报中填写过。")]}
            seen.add(key)
        if not per_companion:
            return {}
        return {"companions": {str(index): per_companion[index] for index in sorted(per_companion)}}


class AmendmentSerializer(EvaluateRequestSerializer):
    """The facts a citizen may change after submitting, checked exactly as on submit.

    The declaration's kind stays as submitted: pass the declaration (or its kind) in
    the context, ``context={"declaration": declaration}``.
    """

    kind = None
    as_of = None
    as_of_messages = TODAY_MESSAGES
    unknown_field_messages = {**NO_AS_OF, "kind": _("申报类型提交后不能修改。")}

    def prepare_attrs(self, attrs) -> None:
        declaration = self.context.get("declaration")
        attrs["kind"] = self.context.get("kind") or declaration.kind
        attrs["as_of"] = _today(self)


PHONE_LAST4_MESSAGE = _("请填写手机号码的最后4位数字。")


class LookupRequestSerializer(RequestSerializer):
    """A reference and the phone's last four digits, as typed: full-width characters are
    read as their ASCII forms (submit takes a full-width phone, and stores it in ASCII).

    Checked before a lookup attempt is counted against the reference, so that a typing
    slip costs none. A malformed reference is not refused here: the lookup answers it as
    an unknown one.
    """

    required_messages = {"reference": _("请填写查询码。"), "phone_last4": PHONE_LAST4_MESSAGE}

    reference = TextField(max_length=32)
    phone_last4 = TextField(max_length=32, error_messages={"max_length": PHONE_LAST4_MESSAGE})

    def validate_reference(self, value):
        return unicodedata.normalize("NFKC", value).strip()

    def validate_phone_last4(self, value):
        digits = unicodedata.normalize("NFKC", value).strip()
        if not re.fullmatch(r"[0-9]{4}", digits):
            raise serializers.ValidationError(PHONE_LAST4_MESSAGE)
        return digits
