"""A stored result in plain words, for the result and status pages and the emails.

``present(result, language)`` takes the stored result dict (the evaluate contract,
as kept on ``Declaration.result`` / ``Evaluation.result``) and returns plain objects
with every label, text and date already in the reader's language, so templates
only lay them out. Source strings are Chinese through gettext; the English comes
from the ``.po`` catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from policies.api.results import english_place_names, is_english
from policies.engine.catalogue import SCHEMAS, RuleParamsError, validate_rule
from policies.models import PolicyStatus, PolicyVersion
from policies.regions import region_display_name, region_table
from travellers.models import Outcome

PAST, CURRENT, FUTURE = "past", "current", "future"
MET, UNMET, UNKNOWN = "met", "unmet", "unknown"

# English dates read "15 August 2021" in the citizen's texts; other languages use
# their locale's DATE_FORMAT (Chinese: 2021年8月15日).
_DATE_FORMATS = {"en": "j F Y"}


@dataclass(frozen=True)
class PresentedMeasure:
    kind: str
    label: str
    start: date
    end: date
    start_text: str
    end_text: str
    period_text: str
    timing: str  # past / current / future relative to the reference day
    timing_label: str
    # One line for the emails: "居家观察：8月1日至8月7日（已结束）". Built here once for
    # both parts of a mail, cheaper than the templates' translation tags per line.
    line: str = ""


@dataclass(frozen=True)
class PresentedCondition:
    code: str
    label: str
    met: bool | None
    state: str  # met / unmet / unknown
    state_label: str
    line: str = ""  # "label（state）", as PresentedMeasure.line


@dataclass(frozen=True)
class PresentedReason:
    rule: str
    rule_label: str
    text: str
    region: str | None
    # In the reader's language: 广陵区, or "Guangling District (广陵区)" for English readers.
    county_name: str
    risk_areas: tuple[str, ...]
    designation: str | None
    designation_label: str
    citation: str
    # The parts, for pages that mark the Chinese one lang="zh-Hans": the Chinese name as
    # stored, and for English readers the English name ("" for Chinese readers or none).
    county_name_zh: str = ""
    county_name_en: str = ""
    # The rule label already names the designation ("到过有病例发生的城市"): no
    # "designation:" line repeating it.
    designation_named: bool = False


@dataclass(frozen=True)
class Presented:
    outcome: str
    outcome_label: str
    headline: str
    entry_allowed_from: date | None
    entry_allowed_from_text: str
    measures: tuple[PresentedMeasure, ...]
    conditions: tuple[PresentedCondition, ...]
    reasons: tuple[PresentedReason, ...]
    policy_code: str
    policy_effective_from_text: str
    next_review_on: date | None
    next_review_on_text: str
    reference_day: date
    language: str
    counties: tuple[str, ...] = field(default=())
    risk_areas: tuple[str, ...] = field(default=())
    # What the traveller can do about a postponement, in a sentence ("" otherwise).
    next_step: str = ""
    # An "allowed" answer before travel with a condition not (yet) met: the page draws
    # it amber, not green, since it holds only once the conditions below are met.
    conditional: bool = False


@dataclass(frozen=True)
class DeclaredTest:
    """The declared test, as the engine reads it: its result and its sampling day."""

    result: str
    sampled_on: date


def declared_test(declaration) -> DeclaredTest | None:
    """The declaration's test, or None when none is declared (as ``facts_for``)."""
    from policies.snapshots import local_date

    if not (declaration.nat_result and declaration.nat_sampled_at):
        return None
    return DeclaredTest(declaration.nat_result, local_date(declaration.nat_sampled_at))


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(value)


_OUTCOME_LABELS = dict(Outcome.choices)


def format_day(day: date | None, language: str) -> str:
    """A date in the reader's language ("2021年8月15日", "15 August 2021")."""
    if day is None:
        return ""
    return _format_day(day, language)


# A run's emails name the same few days over and over: formatting one took a sixth of
# rendering a notice (a language switch and the format's translation lookups).
@lru_cache(maxsize=4096)
def _format_day(day: date, language: str) -> str:
    with translation.override(language):
        fmt = _DATE_FORMATS.get(translation.get_language() or "", "DATE_FORMAT")
        return formats.date_format(day, fmt)


def outcome_label(outcome: str) -> str:
    # The model's choices hold the one wording of each outcome (also the measures' names).
    return str(_OUTCOME_LABELS.get(outcome, outcome))


def measure_label(kind: str) -> str:
    return outcome_label(kind)


# The engine counts a test in whole days (``negative_test_within``): with the rule's
# ``hours``, a negative test sampled on the reference day or one of the ``hours // 24 - 1``
# days before it, as the boarding time is not declared. Stored results do not keep the
# hours: they are the parameters of the test rules of the version the result names.
DEFAULT_TEST_HOURS: int = SCHEMAS["nat_test"]["hours"][1]
_TEST_RULES = ("nat_test", "port_city_exit")
_TEST_CONDITIONS = {"nat_48h", "nat_48h_leaving_port_city"}
_DEFAULT_HOURS: Mapping[str, int] = MappingProxyType(
    {rule: SCHEMAS[rule]["hours"][1] for rule in _TEST_RULES}
)
# Version code -> its test rules' hours. Published versions are immutable (their rules
# refuse changes), so a process reads each one's once; a draft's (an admin preview) may
# still change and is read every time.
_VERSION_HOURS: dict[str, Mapping[str, int]] = {}


def version_test_hours(code: str | None) -> Mapping[str, int]:
    """The ``hours`` of the test rules of policy version ``code``, by rule kind
    (``nat_test``, ``port_city_exit``): the schema's default for a rule the version does
    not have, and for a version that is not known. One query the first time a process
    asks for a published version, none after."""
    if not code:
        return _DEFAULT_HOURS
    known = _VERSION_HOURS.get(code)
    if known is not None:
        return known
    rows = (
        PolicyVersion.objects.filter(code=code)
        .order_by()
        .values_list("status", "rules__position", "rules__kind", "rules__params")
    )
    hours = dict(_DEFAULT_HOURS)
    published, seen = False, set()
    # The first rule of a kind by position, as the engine lists them.
    for status, _position, kind, params in sorted(rows, key=lambda row: row[1] or 0):
        published = status == PolicyStatus.PUBLISHED
        if kind in _TEST_RULES and kind not in seen:
            seen.add(kind)
            hours[kind] = _rule_hours(kind, params)
    found = MappingProxyType(hours)
    if published:
        if len(_VERSION_HOURS) >= 64:
            _VERSION_HOURS.clear()
        _VERSION_HOURS[code] = found
    return found


def _rule_hours(kind: str, params) -> int:
    # As the engine reads them: normalised, a missing "hours" being the default.
    try:
        return validate_rule(kind, params)["hours"]
    except RuleParamsError:
        return _DEFAULT_HOURS[kind]


def forget_version_test_hours() -> None:
    """Drop what this process read (tests: a rolled-back version must not stay known)."""
    _VERSION_HOURS.clear()


def nat_hours(result: dict | None, rule: str = "nat_test") -> int:
    """The hours of the test rule behind ``result`` (48 in the shipped versions):
    ``nat_test``'s, or ``port_city_exit``'s for the test on leaving a port city, of the
    policy version the result names."""
    code = ((result or {}).get("policy_version") or {}).get("code")
    return version_test_hours(code).get(rule, DEFAULT_TEST_HOURS)


def _window_days(hours: int) -> int:
    return max(hours // 24, 1)


def nat_window(hours: int) -> str:
    """The days a test counts for, in words: "抵京当日或前一日" for 48 hours."""
    days = _window_days(hours)
    if days == 1:
        return _("抵京当日")
    if days == 2:
        return _("抵京当日或前一日")
    if days == 3:
        # 72 hours, a rule some versions had: "前两日" reads better than "前2日".
        return _("抵京当日或前两日")
    return _("抵京当日或前%(days)d日") % {"days": days - 1}


def _leaving_window(hours: int) -> str:
    """As ``nat_window``, counted back from the day of leaving a port city."""
    days = _window_days(hours)
    if days == 1:
        return _("离开当日")
    if days == 2:
        return _("离开当日或前一日")
    if days == 3:
        return _("离开当日或前两日")
    return _("离开当日或前%(days)d日") % {"days": days - 1}


def condition_label(
    code: str, hours: int = DEFAULT_TEST_HOURS, port_hours: int = DEFAULT_TEST_HOURS
) -> str:
    if code == "nat_48h":
        # Says the day rule the engine applies, then the policy's hours it stands for:
        # "within 48 hours before boarding" alone let a test 50 hours before boarding
        # (sampled two days before arrival) look acceptable.
        return _("持%(window)s采样的核酸检测阴性证明（即登机（车）前%(hours)d小时内）") % {
            "window": nat_window(hours),
            "hours": hours,
        }
    if code == "nat_48h_leaving_port_city":
        # Met by a test sampled on the leaving day or the day before (port_city_exit).
        return _("离开口岸城市时持%(window)s采样的核酸检测阴性证明（即离开前%(hours)d小时内）") % {
            "window": _leaving_window(port_hours),
            "hours": port_hours,
        }
    labels = {
        "green_code": _("健康码为绿码"),
        "report_to_community": _("抵京后主动向所在社区报到"),
        "nat_on_arrival": _("抵京后请尽快进行核酸检测，社区会告知检测地点"),
        "closed_loop": _("闭环管理，不参加聚集性活动"),
        "temperature_check": _("测温正常，做好个人防护"),
    }
    return labels.get(code, code)


def _rule_names_designation(rule: str, designation: str | None) -> bool:
    return rule == "designated_region_stay" and designation in _BY_DESIGNATION


_BY_DESIGNATION = ("case_city", "land_border_port_city", "commuter_zone")


def rule_label(rule: str, designation: str | None = None) -> str:
    # A stay in a designated region says which kind: "a designated area" told the reader
    # nothing the reason beside it did not have to explain.
    by_designation = {
        "case_city": _("到过有病例发生的城市"),
        "land_border_port_city": _("陆地边境口岸城市旅居史"),
        "commuter_zone": _("环京通勤地区旅居史"),
    }
    if _rule_names_designation(rule, designation):
        return by_designation[designation]
    labels = {
        "risk_county_stay": _("中高风险地区旅居史"),
        "designated_region_stay": _("特定地区旅居史"),
        "international_entry": _("境外入境"),
        "health_code": _("健康码"),
        "nat_test": _("核酸检测"),
        "commuter": _("环京通勤"),
        "contact_status": _("密切接触情况"),
        "port_city_exit": _("离开口岸城市"),
    }
    return labels.get(rule, rule)


def designation_label(kind: str | None) -> str:
    labels = {
        "case_city": _("有病例发生的城市"),
        "land_border_port_city": _("陆地边境口岸城市"),
        "commuter_zone": _("环京通勤地区"),
    }
    return labels.get(kind, kind or "") if kind else ""


def _timing(start: date, end: date, day: date) -> str:
    if end < day:
        return PAST
    if start > day:
        return FUTURE
    return CURRENT


def _timing_label(timing: str) -> str:
    return {PAST: _("已结束"), CURRENT: _("进行中"), FUTURE: _("未开始")}[timing]


def _state(met: bool | None) -> str:
    return UNKNOWN if met is None else (MET if met else UNMET)


def _state_label(state: str, code: str = "") -> str:
    # Unknown is what the traveller still has to do (a test not yet declared, reporting
    # to the community after arrival), not a doubt about the rule.
    if state == UNKNOWN and code == "nat_48h":
        return _("尚未申报检测结果")
    return {MET: _("已满足"), UNMET: _("未满足"), UNKNOWN: _("待办理")}[state]


_SEVERITY = {"central_observation": 0, "home_observation": 1, "health_monitoring": 2}
_DAY = timedelta(days=1)


def _condition(code: str, met: bool | None, hours: int, port_hours: int) -> PresentedCondition:
    label, state = condition_label(code, hours, port_hours), _state(met)
    state_label = _state_label(state, code)
    return PresentedCondition(
        code=code,
        label=label,
        met=met,
        state=state,
        state_label=state_label,
        line=_("%(label)s（%(state)s）") % {"label": label, "state": state_label},
    )


def _fold(measures) -> list[tuple[str, date, date]]:
    """The measures as a person lives them: days already under a stricter measure are
    left out of a milder one (14 days of case-city monitoring inside 14 days of central
    observation is no second thing to do; monitoring that outlasts it starts when it
    ends), and what is left of one kind is one period where it overlaps or touches.
    The engine lists each rule's measure; this is the reading of them together."""
    by_kind: dict[str, list[tuple[date, date]]] = {}
    for item in measures:
        by_kind.setdefault(item["kind"], []).append((_date(item["start"]), _date(item["end"])))
    folded: list[tuple[str, date, date]] = []
    stricter: list[tuple[date, date]] = []
    for kind in sorted(by_kind, key=lambda kind: _SEVERITY.get(kind, len(_SEVERITY))):
        own = _merged(by_kind[kind])
        for start, end in _merged(_without(own, stricter)):
            folded.append((kind, start, end))
        stricter = _merged(stricter + own)
    return sorted(folded, key=lambda m: (m[1], _SEVERITY.get(m[0], len(_SEVERITY)), m[2]))


def _merged(periods) -> list[tuple[date, date]]:
    merged: list[list[date]] = []
    for start, end in sorted(periods):
        if merged and start <= merged[-1][1] + _DAY:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _without(periods, taken) -> list[tuple[date, date]]:
    """The days of ``periods`` outside the (merged, sorted) ``taken`` periods."""
    left = []
    for start, end in periods:
        for first, last in taken:
            if last < start or first > end:
                continue
            if first > start:
                left.append((start, first - _DAY))
            start = last + _DAY
            if start > end:
                break
        if start <= end:
            left.append((start, end))
    return left


def _in_sentence(label: str, language: str) -> str:
    # A measure's name inside an English sentence ("..., then health monitoring").
    return label[:1].lower() + label[1:] if is_english(language) else label


def _headline(
    outcome, entry_from, measures, rules, kind, language, arrival_date=None, conditional=False
) -> str:
    if outcome == "postponed":
        if entry_from is None:
            return _("暂缓进返京，目前尚不能确定可进京日期")
        return _("暂缓进返京，可于%(date)s起进京") % {"date": format_day(entry_from, language)}
    if outcome == "allowed":
        if kind == "arrival_report":
            if "nat_test" in rules:
                # After arrival the test rule fires only for a declared positive result:
                # it asks for nothing dated, but "no measures" would read as all clear.
                return _("请立即向所在社区报到")
            if measures and all(m.timing == PAST for m in measures):
                # "No measures" over a list of measures read as a contradiction: they
                # are over, and the headline says since when.
                last = max(measures, key=lambda m: m.end)
                return _("%(measure)s已于%(date)s结束，无需其他管控措施") % {
                    "measure": last.label,
                    "date": last.end_text,
                }
            return _("无需管控")
        if kind == "pre_travel" and arrival_date:
            # The answer is for this arrival day only: after an amendment moved it to the
            # first allowed day, "may travel" alone let a hurried reader go earlier.
            values = {"date": format_day(arrival_date, language)}
            if conditional:
                # Green "may enter" over a condition "not met" read as all clear.
                return _("可以进返京，于%(date)s抵京（须满足下列条件）") % values
            return _("可以进返京，于%(date)s抵京") % values
        if kind == "pre_travel" and conditional:
            return _("可以进返京（须满足下列条件）")
        return _("可以进返京")
    running = [m for m in measures if m.kind == outcome and m.timing == CURRENT]
    current = running[0] if running else next((m for m in measures if m.kind == outcome), None)
    if current is None:
        return outcome_label(outcome)
    text = _("%(measure)s至%(date)s") % {"measure": current.label, "date": current.end_text}
    # The measures that follow on from it (home observation, then health monitoring):
    # the headline naming only the first let a reader think they were free after it.
    end = current.end
    for later in sorted((m for m in measures if m.start > current.end), key=lambda m: m.start):
        if later.start != end + _DAY:
            break
        text += _("，之后%(measure)s至%(date)s") % {
            "measure": _in_sentence(later.label, language),
            "date": later.end_text,
        }
        end = later.end
    return text


# After arrival, what the measure in force asks of the person (the 2021 Q&A: report to
# the community and the employer; keep to the site's rules; stay at home).
_MEASURE_STEPS = {
    "central_observation": _lazy(
        "请及时主动向所在社区和工作单位报告，由社区安排集中观察；观察期间遵守观察点的管理规定，"
        "配合核酸检测和健康监测。"
    ),
    "home_observation": _lazy(
        "请及时主动向所在社区和工作单位报告。居家观察期间做好家庭防护，足不出户。"
    ),
    "health_monitoring": _lazy(
        "请及时主动向所在社区和工作单位报告，配合社区的核酸检测和健康监测。"
    ),
}


def _amend_how(companion_reference: str) -> str:
    """How to change one's health facts: a companion's are changed under the companion's
    own reference (the lead's amend page keeps them as declared)."""
    if companion_reference:
        return _(
            "用同行人的查询码%(reference)s和同一手机号码后4位重新查询，"
            "再通过“修改行程和健康信息”"
        ) % {"reference": companion_reference}
    return _("通过“修改行程和健康信息”")


def _period(first: date, last: date, language: str) -> str:
    if first == last:
        return format_day(first, language)
    return _("%(start)s至%(end)s") % {
        "start": format_day(first, language),
        "end": format_day(last, language),
    }


def _test_step(
    met: bool | None,
    test: DeclaredTest | None,
    reference: date | None,
    hours: int,
    language: str,
    amend: str,
) -> str:
    """What to do about the pre-travel test: when to be sampled (the days the engine
    accepts, named), and, for a test that does not count, why."""
    window = nat_window(hours)
    values = {"window": window, "amend": amend}
    if reference is not None:
        earliest = reference - _DAY * (_window_days(hours) - 1)
        values["window"] = _("%(window)s（%(days)s）") % {
            "window": window,
            "days": _period(earliest, reference, language),
        }
    if met is None:
        return _(
            "请在%(window)s完成核酸检测采样，出行时携带阴性证明；取得结果后可%(amend)s补填。"
        ) % values
    if test is not None and test.result == "negative":
        values["sampled"] = format_day(test.sampled_on, language)
        return _(
            "您申报的核酸检测采样日期为%(sampled)s，不在%(window)s，不能作为出行的阴性证明。"
            "请在上述日期重新采样检测，出行时携带阴性证明，并%(amend)s填写新的检测结果。"
        ) % values
    # The declared test is not at hand (an answer read without its declaration).
    return _(
        "您申报的核酸检测不符合要求：须为阴性，并在%(window)s采样。"
        "请按时重新检测，出行时携带阴性证明，并%(amend)s填写新的检测结果。"
    ) % values


def _next_step(
    outcome: str,
    entry_from: date | None,
    rules: set[str],
    conditions: dict[str, bool | None],
    language: str,
    *,
    pre_travel: bool = False,
    test: DeclaredTest | None = None,
    reference: date | None = None,
    hours: int = DEFAULT_TEST_HOURS,
    companion_reference: str = "",
) -> str:
    """The hotline heard "why am I held back, and what now?": the answer says what ends
    the postponement and that the declaration is amended for it."""
    if outcome in _MEASURE_STEPS:
        return str(_MEASURE_STEPS[outcome])
    amend = _amend_how(companion_reference)
    if outcome == "allowed" and pre_travel and conditions.get("nat_48h", True) is not True:
        # "Not met" alone left the traveller guessing why, and what to do.
        return _test_step(conditions["nat_48h"], test, reference, hours, language, amend)
    if outcome != "postponed":
        return ""
    if entry_from is not None:
        return _(
            "您计划的抵京日期早于可进京日期。请推迟行程，并通过“修改行程和健康信息”"
            "把抵京日期改为%(date)s或之后。下面的条件和原因按原计划的抵京日期得出，"
            "修改后系统会重新评估，以新的结果为准。"
        ) % {"date": format_day(entry_from, language)}
    # Before travel only a declared positive test asks to report to the community (the
    # test rule itself fires for every pre-travel declaration, for its 48-hour condition).
    if "report_to_community" in conditions:
        return _("核酸检测结果为阳性：请立即联系当地社区或医疗机构，暂不要出行。")
    if "health_code" in rules:
        return _("健康码转为绿码后，请%(amend)s修改申报，系统会重新给出结果。") % {
            "amend": amend
        }
    if "risk_county_stay" in rules:
        return _(
            "您仍在有中高风险地区的县（区）。离开后请修改申报、填写离开日期，"
            "系统会据此给出可进京日期。"
        )
    return ""


def _overdue_step(kind, outcome, arrival_date, entry_from, day, language) -> str:
    """A postponement that reaches someone after the arrival day they declared (a risk
    area designated since): "put off your trip" may come too late, so the answer also
    says what to do if they have come already."""
    if kind != "pre_travel" or outcome != "postponed" or not arrival_date or arrival_date >= day:
        return ""
    values = {"arrival": format_day(arrival_date, language)}
    if entry_from is None:
        return _(
            "您申报的抵京日期%(arrival)s已过。如已抵京，请立即向所在社区报到；"
            "如尚未出行，请暂缓出行，情况变化后通过“修改行程和健康信息”更新申报。"
        ) % values
    values["date"] = format_day(entry_from, language)
    return _(
        "您申报的抵京日期%(arrival)s已过。如已抵京，请立即向所在社区报到；"
        "如尚未出行，请暂缓出行，并通过“修改行程和健康信息”把抵京日期改为%(date)s或之后。"
    ) % values


def _reason_text(reason: dict, language: str) -> str:
    if is_english(language):
        return english_place_names(reason.get("text_en") or reason.get("text") or "", reason)
    return reason.get("text_zh") or reason.get("text") or ""


def _county_names(reason: dict, language: str) -> tuple[str, str, str]:
    """(the county's name for the reader, its Chinese name, its English name or "")."""
    chinese = reason.get("region_name") or ""
    code = reason.get("region")
    facts = region_table().get(code) if chinese and code and is_english(language) else None
    if facts is None or not facts.name_en:
        return chinese, chinese, ""
    return region_display_name(code, language, context=False), chinese, facts.name_en


def _reason(item: dict, language: str) -> PresentedReason:
    county_name, county_name_zh, county_name_en = _county_names(item, language)
    return PresentedReason(
        rule=item.get("rule", ""),
        rule_label=rule_label(item.get("rule", ""), item.get("designation")),
        text=_reason_text(item, language),
        region=item.get("region"),
        county_name=county_name,
        risk_areas=tuple(item.get("risk_areas") or ()),
        designation=item.get("designation"),
        designation_label=designation_label(item.get("designation")),
        citation=item.get("citation") or "",
        county_name_zh=county_name_zh,
        county_name_en=county_name_en,
        designation_named=_rule_names_designation(item.get("rule", ""), item.get("designation")),
    )


def present(
    result: dict,
    language: str,
    *,
    today: date | None = None,
    kind: str | None = None,
    arrival_date: date | None = None,
    test: DeclaredTest | None = None,
    companion_reference: str = "",
) -> Presented:
    """``result`` in plain words for a reader of ``language`` (``zh-hans`` / ``en``).

    ``today``: the day measures are past / current / future against (default: the
    result's own evaluation date, else today). ``kind``: the declaration's kind, which
    words the ``allowed`` headline ("may enter" before travel, "no measures" after).
    ``arrival_date``: the declared arrival; an ``allowed`` answer before travel names it
    (the answer is for that day), and a postponement read after it has passed asks
    whether the traveller already came. Left out where the arrival day the result was
    given for is not known (an answer from before an amendment).
    ``test``: the declared test (``declared_test``), so that a next step says why it
    does not count. ``companion_reference``: a companion's answer shown on the lead's
    page, whose health facts are changed under this (formatted) reference.
    """
    result = result or {}
    day = today or _date(result.get("as_of")) or timezone.localdate()
    with translation.override(language):
        measures = []
        for measure_kind, start, end in _fold(result.get("measures") or ()):
            timing = _timing(start, end, day)
            # Before travel, "in progress" against today misleads someone not yet in
            # Beijing: the dates alone say when each measure applies after arrival.
            timing_text = "" if kind == "pre_travel" else _timing_label(timing)
            start_text, end_text = format_day(start, language), format_day(end, language)
            label = measure_label(measure_kind)
            period = _("%(start)s至%(end)s") % {"start": start_text, "end": end_text}
            line = _("%(label)s：%(period)s") % {"label": label, "period": period}
            if timing_text:
                line += _("（%(when)s）") % {"when": timing_text}
            measures.append(
                PresentedMeasure(
                    kind=measure_kind,
                    label=label,
                    start=start,
                    end=end,
                    start_text=start_text,
                    end_text=end_text,
                    period_text=period,
                    timing=timing,
                    timing_label=timing_text,
                    line=line,
                )
            )
        codes = {item["code"] for item in result.get("conditions") or ()}
        # Only a test condition (and the next step about it) says the hours: a result
        # without one needs no look-up.
        test_hours = (
            version_test_hours((result.get("policy_version") or {}).get("code"))
            if codes & _TEST_CONDITIONS
            else _DEFAULT_HOURS
        )
        hours, port_hours = test_hours["nat_test"], test_hours["port_city_exit"]
        conditions = tuple(
            _condition(item["code"], item.get("met"), hours, port_hours)
            for item in result.get("conditions") or ()
        )
        reasons = tuple(_reason(item, language) for item in result.get("reasons") or ())
        outcome = result.get("outcome", "")
        entry_from = _date(result.get("entry_allowed_from"))
        policy = result.get("policy_version") or {}
        next_review = _date(result.get("next_review_on"))
        conditional = (
            kind == "pre_travel"
            and outcome == "allowed"
            and any(c.met is not True for c in conditions)
        )
        # The day the engine counted the test back from: the arrival day, or the day it
        # evaluated once that had passed.
        as_of = _date(result.get("as_of"))
        reference = max(arrival_date, as_of) if arrival_date and as_of else arrival_date
        return Presented(
            outcome=outcome,
            outcome_label=outcome_label(outcome),
            headline=_headline(
                outcome,
                entry_from,
                measures,
                {r.rule for r in reasons},
                kind,
                language,
                arrival_date,
                conditional,
            ),
            next_step=_overdue_step(kind, outcome, arrival_date, entry_from, day, language)
            or _next_step(
                outcome,
                entry_from,
                {r.rule for r in reasons},
                {c.code: c.met for c in conditions},
                language,
                pre_travel=kind == "pre_travel",
                test=test,
                reference=reference,
                hours=hours,
                companion_reference=companion_reference,
            ),
            conditional=conditional,
            entry_allowed_from=entry_from,
            entry_allowed_from_text=format_day(entry_from, language),
            measures=tuple(measures),
            conditions=conditions,
            reasons=reasons,
            policy_code=policy.get("code", ""),
            policy_effective_from_text=format_day(_date(policy.get("effective_from")), language),
            next_review_on=next_review,
            next_review_on_text=format_day(next_review, language),
            reference_day=day,
            language=language,
            counties=tuple(dict.fromkeys(r.county_name for r in reasons if r.county_name)),
            risk_areas=tuple(dict.fromkeys(a for r in reasons for a in r.risk_areas)),
        )
