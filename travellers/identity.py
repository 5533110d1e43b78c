"""Identity documents and phone numbers: validate, then normalise.

Every validator returns the normalised value or raises ``ValidationError``
with a message for the citizen and a ``code`` for the API. The form and the
API call the same functions.

Resident ID cards (居民身份证): 18 characters, the check digit computed with
python-stdnum's ``calc_check_digit`` (its ``is_valid`` also requires the
region code to exist in its own table for the birth year, and refuses many
genuine cards issued before the 1990s). The region code is the place of first
registration, possibly decades ago, and a card's number never changes when
that region is merged, renamed or abolished. So we accept the first six
digits when the exact code, its prefecture (``xxyy00``) or its province
(``xx0000``) is in our ``Region`` table (retired codes included). The
province fallback is what admits, say, a Chongqing native registered in
Sichuan's old Wanxian prefecture (``5122xx``). The check digit already catches
nearly all typing errors; the region check is there to refuse nonsense such
as ``000000`` or ``990101``. The residence permits of Hong Kong, Macao and
Taiwan residents (港澳台居民居住证) follow the same format with the prefixes
``810000``, ``820000`` and ``830000``, which are not regions, and are accepted
as such.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn.ric import calc_check_digit

from policies.regions import region_table

RESIDENT_ID = "resident_id"
PASSPORT = "passport"
HK_MACAO_PERMIT = "hk_macao_permit"
TAIWAN_PERMIT = "taiwan_permit"
ID_TYPES = (RESIDENT_ID, PASSPORT, HK_MACAO_PERMIT, TAIWAN_PERMIT)

RESIDENCE_PERMIT_PREFIXES = ("810000", "820000", "830000")
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

_SEPARATORS = re.compile(r"[\s\-]+")
_RESIDENT_ID = re.compile(r"\d{17}[\dX]", re.ASCII)
_PASSPORT = re.compile(r"[A-Z0-9]{5,17}", re.ASCII)
# 往来港澳通行证 (mainland residents): C + 8 characters, the second one may be a letter.
# 港澳居民来往内地通行证 (Hong Kong H / Macao M residents): 8 digits, + 2 digits of issue count.
_HK_MACAO = re.compile(r"C[A-Z0-9]\d{7}|[HM]\d{8}(?:\d{2})?", re.ASCII)
# 台湾居民来往大陆通行证: 8 digits on the card issued since 2015, 10 characters before.
_TAIWAN = re.compile(r"\d{8}|[A-Z0-9]{10}", re.ASCII)
# Mainland mobiles: 1[3-9] + 9 digits, optionally after +86, 86 or 0086.
_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})", re.ASCII)


def _visible(value: str) -> str:
    """``value`` without format characters (category Cf): the direction marks a pasted
    "\\u202a+86 139 8765 4321\\u202c" carries, zero-width spaces. No one sees or means
    them, and left in they made a good number "19 characters long"."""
    return "".join(char for char in value or "" if unicodedata.category(char) != "Cf")


def _compact(value: str) -> str:
    # NFKC turns the full-width digits and letters of Chinese input methods into ASCII.
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", _visible(value))).upper()


def validate_resident_id(value: str, *, today: date | None = None) -> str:
    number = _compact(value)
    if not number:
        raise ValidationError(_("请填写身份证号码。"), code="required")
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为18位，您填写了%(count)d位。"),
            code="id_length",
            params={"count": len(number)},
        )
    if not _RESIDENT_ID.fullmatch(number):
        raise ValidationError(
            _("身份证号码前17位应为数字，最后一位为数字或字母X。"), code="id_format"
        )
    if calc_check_digit(number) != number[-1]:
        raise ValidationError(
            _("身份证号码校验位不正确，请逐位核对后重新填写。"), code="id_checksum"
        )
    birth = _birth_date(number)
    if birth is None:
        raise ValidationError(
            _("身份证号码中的出生日期（第7至14位）不是有效日期。"), code="id_birth_date"
        )
    today = today or timezone.localdate()
    if birth > today:
        raise ValidationError(_("身份证号码中的出生日期晚于今天，请核对。"), code="id_birth_future")
    if birth < EARLIEST_BIRTH_DATE:
        raise ValidationError(
            _("身份证号码中的出生日期早于1900年，请核对。"), code="id_birth_too_early"
        )
    if not region_prefix_known(number[:6]):
        raise ValidationError(
            _("身份证号码前6位不是已知的行政区划代码，请核对。"), code="id_region"
        )
    return number


def _birth_date(number: str) -> date | None:
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def region_prefix_known(code: str) -> bool:
    """True when the code, its prefecture or its province is in the Region table."""
    if code in RESIDENCE_PERMIT_PREFIXES:
        return True
    table = region_table()
    return any(candidate in table for candidate in (code, code[:4] + "00", code[:2] + "0000"))


def validate_passport(value: str) -> str:
    number = _compact(value)
    if not number:
        raise ValidationError(_("请填写护照号码。"), code="required")
    if not _PASSPORT.fullmatch(number):
        raise ValidationError(_("护照号码应为5至17位字母或数字。"), code="passport_format")
    return number


def validate_hk_macao_permit(value: str) -> str:
    number = _compact(value)
    if not number:
        raise ValidationError(_("请填写港澳通行证号码。"), code="required")
    if not _HK_MACAO.fullmatch(number):
        raise ValidationError(
            _(
                "港澳通行证号码格式不正确：往来港澳通行证为C加8位（如C12345678），"
                "港澳居民来往内地通行证为H或M加8位或10位数字（如H1234567801）。"
            ),
            code="hk_macao_permit_format",
        )
    return number


def validate_taiwan_permit(value: str) -> str:
    number = _compact(value)
    if not number:
        raise ValidationError(_("请填写台湾居民来往大陆通行证号码。"), code="required")
    if not _TAIWAN.fullmatch(number):
        raise ValidationError(
            _("台湾居民来往大陆通行证号码应为8位数字，或旧版证件的10位字母或数字。"),
            code="taiwan_permit_format",
        )
    return number


def validate_id_number(id_type: str, value: str, *, today: date | None = None) -> str:
    """Validate a number for its document type; the one entry point for forms and API."""
    if id_type == RESIDENT_ID:
        return validate_resident_id(value, today=today)
    if id_type == PASSPORT:
        return validate_passport(value)
    if id_type == HK_MACAO_PERMIT:
        return validate_hk_macao_permit(value)
    if id_type == TAIWAN_PERMIT:
        return validate_taiwan_permit(value)
    raise ValidationError(_("请选择证件类型。"), code="id_type")


def validate_mainland_mobile(value: str) -> str:
    """'+86 139-1234-5678' -> '13912345678'."""
    compact = re.sub(r"[\s\-()]+", "", unicodedata.normalize("NFKC", _visible(value)))
    if not compact:
        raise ValidationError(_("请填写手机号码。"), code="required")
    match = _MOBILE.fullmatch(compact)
    if not match:
        raise ValidationError(
            _("请填写有效的中国大陆手机号码：11位数字，以1开头（如13912345678）。"),
            code="phone_format",
        )
    return match.group(1)


def clean_person_name(value: str) -> str:
    """A name as it is read: format and control characters (zero-width spaces, joiners,
    direction overrides) taken out, inner whitespace collapsed. Left in, "\\u200b" passed
    as a name and "\\u202e三张" showed reversed in the lists and emails."""
    # Private-use characters stay: rare characters of Chinese names are still typed as
    # such by some input methods, and dropping them would change a legal name.
    visible = "".join(char for char in value if unicodedata.category(char) not in ("Cf", "Cc"))
    name = " ".join(visible.split())
    if not name:
        raise ValidationError(_("请填写姓名。"), code="blank")
    return name
