"""Form data <-> serializer data for the citizen pages.

The validation itself is ``travellers.serializers`` (shared with the API). This module
only turns the flat HTML form (``legs-0-start_date``...) into the nested data the
serializer takes, and the serializer's nested errors back into field ids. The raw form
state is a dict of strings (JSON-able), so it can sit in the session between the form
and the check page and re-render the form exactly as the person left it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from policies.api.serializers import errors_by_index
from policies.models import Region, region_label, significant_prefix
from policies.regions import region_display_name, region_search, region_table
from travellers.models import (
    Community,
    ContactStatus,
    DeclarationKind,
    HealthCode,
    IdType,
    Language,
    NatResult,
)

# One row to start: most trips have one place or two, and three blank rows were a long
# scroll on a phone. More come from the "add" button (a POST without JavaScript).
DEFAULT_LEG_ROWS = 1
LEG_ROWS_STEP = 3
MAX_LEG_ROWS = 50
MAX_COMPANIONS = 4

LEG_FIELDS = ("region", "region_code", "start_date", "end_date")
COMPANION_FIELDS = (
    "full_name",
    "id_type",
    "id_number",
    "health_code",
    "nat_result",
    "nat_sampled_at",
    "contact_status",
    "last_contact_date",
)
YES, NO = "yes", "no"
CHECKED = "1"  # the value of every checkbox (travellers/includes/field.html)
MAX_REGION_TEXT = 64  # as the regions API's search: longer is no place name
# Longer than any field takes (an email's 254 characters; a region box holds at most the
# 95 of an English full name): a value cut here still fails its own check, and a crafted
# post kept as a draft (the language switch keeps it unchecked) stays small.
MAX_VALUE_LENGTH = 300
_CODE = re.compile(r"[0-9]{6}")

# Row numbers stay small and ASCII: a crafted name with thousands of digits, or with
# Arabic-Indic ones ("legs-٣-region"), is no row.
_ROW_KEY = re.compile(r"^(legs|companions)-(\d{1,3})-(\w+)$", re.ASCII)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str | Promise
    input: str = "text"  # text, email, tel, date, datetime-local, select, radio, checkbox
    hint: str | Promise = ""
    choices: tuple = ()
    autocomplete: str = ""
    inputmode: str = ""
    required: bool = False
    # Needed in some cases only: not marked "（选填）", the hint says when it is needed.
    conditional: bool = False
    # A hint per choice of another field, (value, text): the identity number's depends on
    # the document type (declare.js shows the chosen one; without JavaScript, all).
    choice_hints: tuple = ()


def _choices(text_choices) -> tuple:
    return tuple(text_choices.choices)


def _yes_no() -> tuple:
    return ((YES, _lazy("是")), (NO, _lazy("否")))


ID_NUMBER_HINTS = (
    (IdType.RESIDENT_ID, _lazy("居民身份证：18位，最后一位可能是字母X。")),
    (IdType.PASSPORT, _lazy("护照：5至17位字母或数字。")),
    (IdType.HK_MACAO_PERMIT, _lazy("港澳通行证：以字母C、H或M开头，如C12345678。")),
    (IdType.TAIWAN_PERMIT, _lazy("台湾居民来往大陆通行证：8位数字，旧版为10位。")),
)


FIELD_SPECS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec(
            "kind",
            _lazy("申报类型"),
            "radio",
            _lazy("尚未出发或正在途中，选“出行前申报”；已经抵京，选“抵京后报备”。"),
            _choices(DeclarationKind),
            required=True,
        ),
        FieldSpec("full_name", _lazy("姓名"), autocomplete="name", required=True),
        FieldSpec("id_type", _lazy("证件类型"), "select", choices=_choices(IdType), required=True),
        FieldSpec(
            "id_number",
            _lazy("证件号码"),
            autocomplete="off",
            choice_hints=ID_NUMBER_HINTS,
            required=True,
        ),
        FieldSpec(
            "phone",
            _lazy("手机号码"),
            "tel",
            _lazy(
                "11位，查询申报结果时需要填写后4位。仅支持中国大陆手机号码；"
                "没有大陆手机号码的，请拨打12345热线。"
            ),
            autocomplete="tel",
            inputmode="tel",
            required=True,
        ),
        FieldSpec(
            "email",
            _lazy("电子邮箱"),
            "email",
            _lazy("必填：申报确认和结果变化的通知都发到这个邮箱。"),
            autocomplete="email",
            required=True,
        ),
        FieldSpec(
            "language",
            _lazy("通知语言"),
            "select",
            _lazy("邮件通知使用的语言。"),
            _choices(Language),
        ),
        FieldSpec(
            "residence_region",
            _lazy("在京居住区"),
            "select",
            _lazy("您在京居住或将要居住的区。"),
            required=True,
        ),
        FieldSpec(
            "community",
            _lazy("所属社区"),
            "select",
            _lazy("如不清楚可以不选。"),
        ),
        FieldSpec(
            "arrival_date",
            _lazy("抵京日期"),
            "date",
            _lazy("出行前申报填计划抵京日期；抵京后报备填实际抵京日期。"),
            required=True,
        ),
        FieldSpec(
            "health_code", _lazy("健康码颜色"), "radio", choices=_choices(HealthCode), required=True
        ),
        FieldSpec(
            "nat_result",
            _lazy("最近一次核酸检测结果"),
            "select",
            _lazy("尚未检测或未出结果，选“未检测”。"),
            _choices(NatResult),
        ),
        FieldSpec(
            "nat_sampled_at",
            _lazy("采样时间"),
            "datetime-local",
            _lazy("北京时间，请填写日期和时间。"),
        ),
        FieldSpec(
            "contact_status",
            _lazy("接触情况"),
            "select",
            _lazy("按疾控部门或社区通知您的情况填写。"),
            _choices(ContactStatus),
        ),
        FieldSpec(
            "last_contact_date",
            _lazy("最后一次接触的日期"),
            "date",
            _lazy("接触情况不是“无接触”时必填。"),
            conditional=True,
        ),
        FieldSpec(
            "international_entry_date",
            _lazy("入境日期"),
            "date",
            _lazy("从境外经其他口岸入境的，填入境之日；否则不填。"),
        ),
        FieldSpec(
            "home_quarantine_possible",
            _lazy("是否具备居家观察条件"),
            "radio",
            _lazy("例如有独立的房间和卫生间。"),
            _yes_no(),
            required=True,
        ),
        FieldSpec(
            "commuter",
            _lazy("我是环京通勤人员（在北京周边地区和北京之间日常往返）"),
            "checkbox",
        ),
        FieldSpec(
            "attestation",
            _lazy("我承诺以上填写的内容真实、完整"),
            "checkbox",
            _lazy("隐瞒或虚报旅居史、接触史和健康状况，可能造成疫情传播，须承担相应的法律责任。"),
            required=True,
        ),
    )
}

LEG_SPECS: dict[str, FieldSpec] = {
    "region": FieldSpec(
        "region",
        _lazy("地区（区、县）"),
        hint=_lazy("输入地名、拼音或六位代码，例如余杭区、yuhangqu或330110。"),
        required=True,
    ),
    "start_date": FieldSpec("start_date", _lazy("到达当地日期"), "date", required=True),
    "end_date": FieldSpec(
        "end_date",
        _lazy("离开当地日期"),
        "date",
        _lazy("除出行前申报中仍在当地的最后一段外，均需填写。"),
        conditional=True,
    ),
}

COMPANION_SPECS: dict[str, FieldSpec] = {
    "full_name": FieldSpec("full_name", _lazy("姓名"), required=True),
    # Never blank: the select starts on the resident ID card.
    "id_type": FieldSpec(
        "id_type", _lazy("证件类型"), "select", choices=_choices(IdType), required=True
    ),
    "id_number": FieldSpec(
        "id_number",
        _lazy("证件号码"),
        autocomplete="off",
        required=True,
        choice_hints=ID_NUMBER_HINTS,
    ),
    "health_code": FieldSpec(
        "health_code",
        _lazy("健康码颜色"),
        "select",
        _lazy("与您相同可不选。"),
        (("", _lazy("与申报人相同")), *_choices(HealthCode)),
    ),
    "nat_result": FieldSpec(
        "nat_result", _lazy("最近一次核酸检测结果"), "select", choices=_choices(NatResult)
    ),
    "nat_sampled_at": FieldSpec(
        "nat_sampled_at", _lazy("采样时间"), "datetime-local", _lazy("北京时间，请填写日期和时间。")
    ),
    # A child of a secondary contact is a cohabitant of one, not a secondary contact.
    "contact_status": FieldSpec(
        "contact_status",
        _lazy("接触情况"),
        "select",
        _lazy("与您相同可不选。"),
        (("", _lazy("与申报人相同")), *_choices(ContactStatus)),
    ),
    "last_contact_date": FieldSpec(
        "last_contact_date",
        _lazy("最后一次接触的日期"),
        "date",
        _lazy("为同行人选择了“无接触”以外的接触情况时必填。"),
        conditional=True,
    ),
}

# The order of the form (and of its error summary); legs come after the arrival date,
# companions before the attestation.
TOP_FIELDS = (
    "kind",
    "full_name",
    "id_type",
    "id_number",
    "phone",
    "email",
    "language",
    "residence_region",
    "community",
    "arrival_date",
    "international_entry_date",
    "commuter",
    "health_code",
    "nat_result",
    "nat_sampled_at",
    "contact_status",
    "last_contact_date",
    "home_quarantine_possible",
    "attestation",
)
AMENDABLE_FIELDS = (
    "arrival_date",
    "international_entry_date",
    "commuter",
    "health_code",
    "nat_result",
    "nat_sampled_at",
    "contact_status",
    "last_contact_date",
    "home_quarantine_possible",
)


def field_id(name: str) -> str:
    return f"id_{name}"


def blank_state(*, language: str = "zh-hans") -> dict:
    """The form as first shown."""
    fields = dict.fromkeys(TOP_FIELDS, "")
    fields.update(
        id_type=IdType.RESIDENT_ID,
        # No answer chosen beforehand where the answer changes the outcome: a person
        # attesting must pick their code colour and home conditions, not accept ours.
        contact_status=ContactStatus.NONE,
        language=language if language in Language.values else Language.ZH_HANS,
    )
    return {
        "fields": fields,
        "legs": [dict.fromkeys(LEG_FIELDS, "") for _ in range(DEFAULT_LEG_ROWS)],
        "companions": [],
    }


def state_from_post(post: Mapping) -> dict:
    """The raw form state (strings only) from a POST, rows in index order."""
    fields = {name: _posted(post, name) for name in TOP_FIELDS}
    rows: dict[str, dict[int, dict]] = {"legs": {}, "companions": {}}
    overflow = set()
    for key in post:
        match = _ROW_KEY.match(key)
        if not match:
            continue
        group, index, name = match.group(1), int(match.group(2)), match.group(3)
        allowed = LEG_FIELDS if group == "legs" else COMPANION_FIELDS
        limit = MAX_LEG_ROWS if group == "legs" else MAX_COMPANIONS
        value = _posted(post, key)
        if name not in allowed:
            continue
        if name == "region_code" and not _CODE.fullmatch(value):
            # Only the picker writes it, and only a code: anything else is no pick.
            value = ""
        if index < limit:
            rows[group].setdefault(index, {})[name] = value
        elif value:
            # The form never shows such a row: refused rather than silently left out.
            overflow.add(group)
    legs = [_complete(rows["legs"][i], LEG_FIELDS) for i in sorted(rows["legs"])]
    companions = [
        _complete(rows["companions"][i], COMPANION_FIELDS) for i in sorted(rows["companions"])
    ]
    state = {"fields": fields, "legs": legs, "companions": companions}
    if overflow:
        state["overflow"] = sorted(overflow)
    return state


def _posted(post: Mapping, key: str) -> str:
    return str(post.get(key, "")).strip()[:MAX_VALUE_LENGTH]


def _complete(row: dict, names) -> dict:
    return {name: row.get(name, "") for name in names}


def _blank(row: Mapping, names) -> bool:
    # Only what a person can see counts: a select with a default (the document type) and
    # the hidden code of a picked region stay behind when every visible field is cleared.
    return not any(row.get(name) for name in names if name not in ("id_type", "region_code"))


def is_blank_leg(row: Mapping) -> bool:
    return _blank(row, LEG_FIELDS)


def add_leg_rows(state: dict) -> dict:
    """Without JavaScript, 'more rows' re-renders the form with a few blank rows added."""
    legs = [leg for leg in state["legs"] if not _blank(leg, LEG_FIELDS)]
    free = max(LEG_ROWS_STEP, len(state["legs"]) - len(legs) + LEG_ROWS_STEP)
    room = MAX_LEG_ROWS - len(legs)
    legs += [dict.fromkeys(LEG_FIELDS, "") for _ in range(min(free, room))]
    return {**state, "legs": legs}


def remove_companion_row(state: dict, index: int) -> dict:
    companions = [row for number, row in enumerate(state["companions"]) if number != index]
    return {**state, "companions": companions}


def add_companion_row(state: dict) -> dict:
    companions = list(state["companions"])
    if len(companions) < MAX_COMPANIONS:
        companions.append({**dict.fromkeys(COMPANION_FIELDS, ""), "id_type": IdType.RESIDENT_ID})
    return {**state, "companions": companions}


def with_blank_rows(state: dict) -> dict:
    """Enough blank leg rows to type into when the form is shown again."""
    legs = [leg for leg in state["legs"] if not _blank(leg, LEG_FIELDS)]
    legs += [dict.fromkeys(LEG_FIELDS, "") for _ in range(max(0, DEFAULT_LEG_ROWS - len(legs)))]
    return {**state, "legs": legs}


def shown_again(state: dict, errors: Mapping[str, list[str]]) -> tuple[dict, dict]:
    """The state and its errors for the form shown again: ``with_blank_rows``'s rows (the
    typed legs first, in their order) with each leg error moved to its leg's new row.
    An error on a row that was blank (a limit, said on the first row) goes to the first."""
    typed = [index for index, leg in enumerate(state["legs"]) if not is_blank_leg(leg)]
    moved = {old: new for new, old in enumerate(typed)}
    out: dict[str, list[str]] = {}
    for key, messages in errors.items():
        match = _ROW_FIELD.match(key)
        if match and match.group(1) == "legs":
            row = moved.get(int(match.group(2)), 0)
            key = field_id(f"legs-{row}-{match.group(3)}")
        bucket = out.setdefault(key, [])
        bucket += [message for message in messages if message not in bucket]
    return with_blank_rows(state), out


@dataclass
class Built:
    """Serializer input built from a form state, plus what the form alone can tell."""

    data: dict
    errors: dict[str, list[str]] = field(default_factory=dict)
    # Serializer list index -> form row index, for rows that were not blank.
    leg_rows: list[int] = field(default_factory=list)
    companion_rows: list[int] = field(default_factory=list)
    resolved_regions: dict[int, str] = field(default_factory=dict)


def build_data(state: Mapping, *, include_identity: bool = True) -> Built:
    """The serializer's input for ``state``; leg regions typed as text are resolved here.

    ``include_identity`` False builds an amendment (itinerary and health facts only).
    """
    fields = state["fields"]
    built = Built(data={})
    data = built.data
    names = TOP_FIELDS if include_identity else AMENDABLE_FIELDS
    for name in names:
        value = fields.get(name, "")
        if name in ("nat_result", "nat_sampled_at"):
            continue
        spec = FIELD_SPECS[name]
        if spec.input == "checkbox":
            # The box sends CHECKED; a crafted "false" or "0" is not a tick.
            data[name] = value == CHECKED
        elif spec.input == "radio" and spec.required and value == "":
            # Named, not "required": the API defaults some of these, the form asks.
            built.errors[field_id(name)] = [_("请选择一项。")]
        elif name == "home_quarantine_possible" and value in (YES, NO):
            data[name] = value == YES
        elif value == "":
            # A required blank is left out, so that it reads "required", not as a
            # malformed date or an empty choice.
            if not spec.required and (spec.input == "date" or name == "community"):
                data[name] = None
            # Other optional blanks: leave the serializer's default.
        else:
            data[name] = value
    if include_identity and fields.get("community") in ("", None):
        data.pop("community", None)

    data["nat_test"] = _nat_test(fields, built, "nat_sampled_at")
    for group in state.get("overflow", ()):
        first = "legs-0-region" if group == "legs" else "companions-0-full_name"
        message = (
            _("行程最多%(count)d段。") % {"count": MAX_LEG_ROWS}
            if group == "legs"
            else _("同行人员最多%(count)d人。") % {"count": MAX_COMPANIONS}
        )
        built.errors[field_id(first)] = [message]

    legs = []
    for index, row in enumerate(state["legs"]):
        if _blank(row, LEG_FIELDS):
            continue
        code, error = resolve_region(row.get("region", ""), row.get("region_code", ""))
        if error:
            built.errors[field_id(f"legs-{index}-region")] = [error]
        if code:
            built.resolved_regions[index] = code
        built.leg_rows.append(index)
        leg = {
            # An unresolved text goes on as is: the serializer reports its other fields.
            "region": code or row.get("region", ""),
            "end_date": row.get("end_date") or None,
        }
        if row.get("start_date"):
            leg["start_date"] = row["start_date"]
        legs.append(leg)
    data["legs"] = legs

    if include_identity:
        companions = []
        for index, row in enumerate(state["companions"]):
            if _blank(row, COMPANION_FIELDS):
                continue
            built.companion_rows.append(index)
            companion = {
                name: row[name] for name in ("full_name", "id_type", "id_number") if row.get(name)
            }
            for name in ("health_code", "contact_status", "last_contact_date"):
                if row.get(name):  # blank: the lead's, as the serializer defaults
                    companion[name] = row[name]
            companion["nat_test"] = _nat_test(row, built, f"companions-{index}-nat_sampled_at")
            companions.append(companion)
        data["companions"] = companions
    return built


def _nat_test(values: Mapping, built: Built, time_field: str) -> dict | None:
    result, sampled = values.get("nat_result", ""), values.get("nat_sampled_at", "")
    if not result and not sampled:
        return None
    # Each part is left out when blank, so that it reads "required" (a blank time sent as
    # None read "may not be null", which tells a citizen nothing).
    test = {}
    if sampled:
        moment = _aware_iso(sampled)
        if moment is None:
            # The serializer refuses it too ("wrong format", naming an ISO pattern that
            # "2027-02-30T08:30" does follow): the form says what is wrong instead.
            built.errors[field_id(time_field)] = [
                _("采样时间不是有效的日期和时间，请按“年-月-日 时:分”填写，例如 2021-08-09 08:30。")
            ]
        test["sampled_at"] = moment or sampled
    if result:
        test["result"] = result
    return test


def _parsed_datetime(value: str) -> datetime | None:
    # parse_datetime raises on a well-formed impossible time (30 February, 25:00, 08:60).
    try:
        return parse_datetime(value)
    except ValueError:
        return None


def _aware_iso(value: str) -> str | None:
    """'2021-08-09T08:30' from a datetime-local input is Beijing time; None when the
    value is no date and time."""
    parsed = _parsed_datetime(value.strip()) if value else None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed.isoformat()


def local_input_value(value: datetime | str | None) -> str:
    """The value a datetime-local input shows for an instant (Beijing time)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = _parsed_datetime(value)
        if value is None:
            return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return value.strftime("%Y-%m-%dT%H:%M")


def resolve_region(text: str, code: str = "") -> tuple[str | None, str | None]:
    """(code, None) when the leg's region input names one county; (None, message) when not.

    The picker fills ``code``; without JavaScript a six-digit code or a name that
    matches exactly one county (or one exactly) is enough.
    """
    code, text = (code or "").strip(), (text or "").strip()
    # The picked code stands unless the text was changed or emptied afterwards (without
    # JavaScript nothing else clears the hidden code).
    if _CODE.fullmatch(code) and text and text in (code, *_box_names(code)):
        return _in_force(code)
    if _CODE.fullmatch(text):
        return _in_force(text)
    if not text:
        return None, _("请填写地区。")
    if len(text) > MAX_REGION_TEXT:
        return None, _("地区名称过长，请填写县级地区的名称或六位行政区划代码。")
    # One search, districts of the jurisdiction included, then split: a leg names places
    # outside it, but a name of one of its own districts must not find a namesake.
    home = significant_prefix(settings.PORTAL_JURISDICTION)
    # Retired counties are searched too, only to say so when nothing in force matches:
    # "下城区" (merged into 拱墅区) is an error, never its old code; "沙县" offers 沙县区.
    found = region_search(query=text, for_legs=True, retired_legs=True, limit=12)
    retired = [region for region in found if region.retired and not region.code.startswith(home)]
    found = [region for region in found if not region.retired]
    matches = [region for region in found if not region.code.startswith(home)][:6]
    at_home = [
        region
        for region in found
        if region.code.startswith(home) and text in (region.name, region.full_name)
    ]
    if at_home:
        # "朝阳区" is Beijing's before Changchun's: never pick the other one silently,
        # but name it, since the picker offered it.
        message = _("“%(text)s”是北京市的地区，行程只需填写北京以外的地区：%(places)s") % {
            "text": text,
            "places": _("、").join(region.display_name for region in at_home),
        }
        if matches:
            message += _("。如指其他地方，请填写更完整的名称或六位代码：%(candidates)s") % {
                "candidates": _candidates(matches)
            }
        return None, message
    if len(matches) == 1:
        return matches[0].code, None
    lowered = text.lower()
    exact = [
        region
        for region in matches
        if text in (region.name, region.full_name) or lowered in (region.pinyin, region.initials)
    ]
    if len(exact) == 1:
        return exact[0].code, None
    if not matches and retired:
        return None, retired_county_message()
    if not matches:
        return None, _("没有找到“%(text)s”，请换一种写法，或填写六位行政区划代码。") % {
            "text": text
        }
    return None, _("“%(text)s”对应多个地区，请填写更完整的名称或六位代码：%(candidates)s") % {
        "text": text,
        "candidates": _candidates(matches),
    }


def retired_county_message() -> str:
    # The API's leg serializer refuses a retired code in the same words.
    return _("该区县已撤销，请选择现在所属的区县。")


def _in_force(code: str) -> tuple[str | None, str | None]:
    """A six-digit code as typed or picked: refused when it is a retired county, whose
    legs no risk area (designated under the codes in force) would ever match. An
    unknown code goes on, for the serializer to say so."""
    facts = region_table().get(code)
    if facts is not None and facts.retired:
        return None, retired_county_message()
    return code, None


def _candidates(regions) -> str:
    return _("、").join(
        _("%(name)s（%(code)s）") % {"name": region.display_name, "code": region.code}
        for region in regions[:5]
    )


def region_names(codes) -> dict[str, str]:
    codes = {code for code in codes if code}
    if not codes:
        return {}
    return dict(Region.objects.filter(code__in=codes).values_list("code", "full_name"))


def names_in_box(codes) -> dict[str, str]:
    """The name a leg's region box shows for each of ``codes``: the English full name on
    English pages ("Guangling District, Yangzhou, Jiangsu"), else the Chinese one."""
    names = region_names(codes)
    english = {code: name for code, name in english_full_names(names).items() if name}
    return {**names, **english}


def _box_names(code: str) -> tuple[str, ...]:
    # Either language's name keeps a picked code: the form's language switch keeps the
    # box's text as the reader left it.
    facts = region_table().get(code)
    chinese = region_names([code]).get(code)
    return tuple(name for name in (chinese, facts and facts.full_name_en) if name)


def residence_choices() -> list[tuple[str, str]]:
    """The districts of the jurisdiction a person may live in, named for the reader
    ("Chaoyang District (朝阳区)" on English pages)."""
    prefix = significant_prefix(settings.PORTAL_JURISDICTION)
    rows = (
        Region.objects.filter(code__startswith=prefix, county_level=True, retired=False)
        .order_by("code")
        .values_list("code", "name", "name_en")
    )
    language = get_language()
    return [(code, region_label(name, name, name_en, language)) for code, name, name_en in rows]


def english_full_names(codes) -> dict[str, str]:
    """The English full names of ``codes`` for English readers; empty for Chinese ones."""
    codes = {code for code in codes if code}
    if not codes or not (get_language() or "").startswith("en"):
        return {}
    table = region_table()
    return {code: table[code].full_name_en for code in codes if code in table}


def community_choices() -> list[tuple[str, str]]:
    # The serializer takes the community's code.
    rows = Community.objects.order_by("district_id", "name").values_list(
        "code", "name", "district_id"
    )
    # The district in the reader's language ("Chaoyang District (朝阳区)"), the
    # community's own name as it is: communities have no English names.
    return [
        (code, f"{region_display_name(district, get_language(), context=False)} · {name}")
        for code, name, district in rows
    ]


def field_errors(errors, built: Built) -> dict[str, list[str]]:
    """Serializer errors (nested as DRF reports them) keyed by the form's field ids.

    Row errors are keyed by the submitted item's index (``errors_by_index`` reads either
    DRF format) and map back to the form's own row numbers, which count the blank rows
    the form left out.
    """
    out: dict[str, list[str]] = {key: list(value) for key, value in built.errors.items()}
    # A region the form could not resolve already says why; the code format error adds nothing.
    settled = set(out)

    def put(name: str, messages) -> None:
        key = field_id(name)
        if key in settled:
            return
        bucket = out.setdefault(key, [])
        for message in _flat(messages):
            if message not in bucket:
                bucket.append(message)

    def put_row(prefix: str, row: int, row_errors: Mapping, first_field: str) -> None:
        for sub, messages in row_errors.items():
            if sub == "nat_test" and isinstance(messages, Mapping):
                for part, nested in messages.items():
                    name = "nat_result" if part == "result" else "nat_sampled_at"
                    put(f"{prefix}-{row}-{name}", nested)
            elif sub == "non_field_errors":
                put(f"{prefix}-{row}-{first_field}", messages)
            else:
                put(f"{prefix}-{row}-{sub}", messages)

    for key, value in (errors or {}).items():
        if key == "nat_test":
            if isinstance(value, Mapping):
                for sub, messages in value.items():
                    put("nat_result" if sub == "result" else "nat_sampled_at", messages)
            else:
                put("nat_result", value)
        elif key in ("legs", "companions"):
            rows = built.leg_rows if key == "legs" else built.companion_rows
            first_field = "region" if key == "legs" else "full_name"

            def form_row(position: int, rows=rows) -> int:
                return rows[position] if position < len(rows) else position

            per_item, whole = errors_by_index(value)
            for position, row_errors in per_item.items():
                put_row(key, form_row(position), row_errors, first_field)
            if whole:
                put(f"{key}-{form_row(0)}-{first_field}", whole)
        elif key == "non_field_errors":
            put("kind", value)
        elif key == "as_of":
            put("arrival_date", value)
        else:
            put(key, value)
    return {key: value for key, value in out.items() if value}


def _flat(messages) -> list[str]:
    if isinstance(messages, Mapping):
        return [m for value in messages.values() for m in _flat(value)]
    if isinstance(messages, list | tuple):
        return [m for value in messages for m in _flat(value)]
    return [str(messages)]


def field_order(state: Mapping, *, names=TOP_FIELDS) -> list[str]:
    """Field ids in the order the form shows them, for the error summary."""
    order = [field_id(name) for name in names if name != "attestation"]
    position = order.index(field_id("arrival_date")) + 1
    order[position:position] = [
        field_id(f"legs-{index}-{name}")
        for index in range(len(state["legs"]))
        for name in ("region", "start_date", "end_date")
    ]
    order += [
        field_id(f"companions-{index}-{name}")
        for index in range(len(state["companions"]))
        for name in COMPANION_FIELDS
    ]
    if "attestation" in names:
        order.append(field_id("attestation"))
    return order


@dataclass
class Bound:
    """One input as a template renders it: name, id, value, errors, hint."""

    spec: FieldSpec
    name: str
    value: str
    errors: list[str]
    choices: tuple = ()

    @property
    def id(self) -> str:
        return field_id(self.name)

    @property
    def hint_id(self) -> str:
        return f"{self.id}-hint" if self.spec.hint or self.spec.choice_hints else ""

    @property
    def error_id(self) -> str:
        return f"{self.id}-error" if self.errors else ""

    @property
    def describedby(self) -> str:
        return " ".join(part for part in (self.hint_id, self.error_id) if part)


def commuter_zone_hint(codes, language: str | None) -> str:
    """The commuter question's hint: the regions designated commuter belt, in the reader's
    language, under their province ("目前认定的环京通勤地区：河北省三河市、香河县。");
    "" when there are none. ``codes``: the designations' region codes."""
    table = region_table()
    # Province code -> its places; None when the whole province is designated.
    by_province: dict[str, list[str] | None] = {}
    for code in sorted(set(codes)):
        if code not in table:
            continue
        province = code[:2] + "0000"
        if code == province:
            by_province[province] = None
        elif by_province.get(province, []) is not None:
            by_province.setdefault(province, []).append(
                region_display_name(code, language, context=False)
            )
    if not by_province:
        return ""
    english = (language or "").lower().startswith("en")
    groups = []
    for province, places in by_province.items():
        facts = table.get(province)
        if places is None:
            groups.append(region_display_name(province, language, context=False))
        elif facts is None:
            groups.append(_("、").join(places))
        else:
            name = (english and facts.name_en) or facts.name
            groups.append(
                _("%(province)s%(places)s") % {"province": name, "places": _("、").join(places)}
            )
    return _("目前认定的环京通勤地区：%(places)s。") % {"places": _("；").join(groups)}


def bind(
    state: Mapping,
    errors: Mapping[str, list[str]],
    *,
    names=TOP_FIELDS,
    hints: Mapping[str, str] | None = None,
) -> dict:
    """Template context for the form: top fields by name, legs and companions as rows.

    ``hints``: a hint by field name that depends on today's data (the commuter belt), in
    place of the field's own."""
    fields = {}
    for name in names:
        spec = FIELD_SPECS[name]
        if hints and hints.get(name):
            spec = replace(spec, hint=hints[name])
        choices = spec.choices
        if name == "residence_region":
            choices = (("", _("请选择")), *residence_choices())
        elif name == "community":
            choices = (("", _("不清楚 / 不选")), *community_choices())
        fields[name] = Bound(
            spec, name, state["fields"].get(name, ""), errors.get(field_id(name), []), choices
        )
    chosen = region_names(leg.get("region_code") for leg in state["legs"])
    chosen_en = english_full_names(chosen)
    legs = []
    for index, leg in enumerate(state["legs"]):
        row = {
            name: Bound(
                LEG_SPECS[name],
                f"legs-{index}-{name}",
                leg.get(name, ""),
                errors.get(field_id(f"legs-{index}-{name}"), []),
            )
            for name in ("region", "start_date", "end_date")
        }
        code = leg.get("region_code", "")
        legs.append(
            {
                "number": index + 1,
                "fields": row,
                "code_name": f"legs-{index}-region_code",
                "code": code,
                "chosen": chosen.get(code, ""),
                "chosen_en": chosen_en.get(code, ""),
            }
        )
    companions = [
        {
            "number": index + 1,
            "fields": {
                name: Bound(
                    COMPANION_SPECS[name],
                    f"companions-{index}-{name}",
                    companion.get(name, ""),
                    errors.get(field_id(f"companions-{index}-{name}"), []),
                    COMPANION_SPECS[name].choices,
                )
                for name in COMPANION_FIELDS
            },
        }
        for index, companion in enumerate(state["companions"])
    ]
    template_leg = {
        "number": "__number__",
        "fields": {
            name: Bound(LEG_SPECS[name], f"legs-__prefix__-{name}", "", [])
            for name in ("region", "start_date", "end_date")
        },
        "code_name": "legs-__prefix__-region_code",
        "code": "",
        "chosen": "",
    }
    return {"f": fields, "legs": legs, "companions": companions, "template_leg": template_leg}


def resolved_codes(state: dict, built: Built) -> dict:
    """The state with the codes the form resolved, so a re-render shows what was found."""
    legs = [dict(leg) for leg in state["legs"]]
    names = names_in_box(built.resolved_regions.values())
    for index, code in built.resolved_regions.items():
        legs[index]["region_code"] = code
        legs[index]["region"] = names.get(code, legs[index]["region"])
    return {**state, "legs": legs}


_ROW_FIELD = re.compile(r"^id_(legs|companions)-(\d+)-(\w+)$")


def summary_label(key: str) -> str:
    """The field an error is about, as the summary names it: "证件号码", "第2段行程 ·
    到达当地日期", "同行人1 · 证件号码" (several rows have the same message)."""
    match = _ROW_FIELD.match(key)
    if match is None:
        spec = FIELD_SPECS.get(key.removeprefix("id_"))
        return str(spec.label) if spec else ""
    group, index, name = match.groups()
    number = int(index) + 1
    if group == "legs":
        row, spec = _("第%(number)s段行程") % {"number": number}, LEG_SPECS.get(name)
    else:
        row, spec = _("同行人%(number)s") % {"number": number}, COMPANION_SPECS.get(name)
    return _("%(row)s · %(field)s") % {"row": row, "field": spec.label} if spec else row


def summary(errors: Mapping[str, list[str]], order: list[str]) -> list[tuple[str, str]]:
    """(field id, "field: message") pairs for the error summary, in the form's order."""
    rank = {key: position for position, key in enumerate(order)}
    keys = sorted(errors, key=lambda key: (rank.get(key, len(rank)), key))
    named = []
    for key in keys:
        label = summary_label(key)
        # A label that is a question takes no colon after its question mark.
        joined = _("%(question)s%(message)s") if label.endswith(("？", "?")) else None
        for message in errors[key]:
            if joined:
                text = joined % {"question": label, "message": message}
            else:
                text = _("%(field)s：%(message)s") % {"field": label, "message": message}
            named.append((key, text if label else message))
    return named
