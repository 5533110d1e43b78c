import ast
from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

import travellers.presentation as presentation
from travellers.presentation import format_day, present

# A test condition's hours are read from the policy version the result names.
pytestmark = pytest.mark.django_db

POSTPONED = {
    "outcome": "postponed",
    "entry_allowed_from": "2021-08-15",
    "measures": [
        {"kind": "central_observation", "start": "2021-08-01", "end": "2021-08-14"},
        {"kind": "health_monitoring", "start": "2021-08-15", "end": "2021-08-21"},
    ],
    "conditions": [
        {"code": "nat_48h", "met": None},
        {"code": "green_code", "met": True},
        {"code": "report_to_community", "met": False},
    ],
    "reasons": [
        {
            "rule": "risk_county_stay",
            "region": "321002",
            "region_name": "广陵区",
            "text": "中文理由",
            "text_zh": "中文理由",
            "text_en": "English reason",
            "risk_areas": ["某小区", "某村"],
            "designation": None,
            "citation": "BJ notice, point 1",
        },
        {
            "rule": "designated_region_stay",
            "region": "410100",
            "region_name": "郑州市",
            "text": "only one text",
            "risk_areas": [],
            "designation": "case_city",
            "citation": "",
        },
    ],
    "policy_version": {"code": "BJ-2021-08-07", "effective_from": "2021-08-07"},
    "next_review_on": "2021-08-15",
    "as_of": "2021-08-08",
}


def test_the_postponed_headline_names_the_entry_date_in_chinese():
    shown = present(POSTPONED, "zh-hans")
    assert shown.headline == "暂缓进返京，可于2021年8月15日起进京"
    assert shown.entry_allowed_from == date(2021, 8, 15)
    assert shown.entry_allowed_from_text == "2021年8月15日"


@pytest.mark.django_db  # English readers get the region names of the region table
def test_dates_are_in_the_english_form_for_english_readers():
    shown = present(POSTPONED, "en")
    assert "15 August 2021" in shown.headline
    assert shown.measures[0].period_text.count("August 2021") == 2
    assert shown.next_review_on_text == "15 August 2021"
    assert shown.policy_effective_from_text == "7 August 2021"


def test_format_day_follows_the_language():
    assert format_day(date(2021, 8, 15), "zh-hans") == "2021年8月15日"
    assert format_day(date(2021, 8, 15), "en") == "15 August 2021"
    assert format_day(None, "en") == ""


@pytest.mark.parametrize(
    ("day", "timings"),
    [
        (date(2021, 8, 8), ["current", "future"]),
        (date(2021, 8, 18), ["past", "current"]),
        (date(2021, 8, 25), ["past", "past"]),
        (date(2021, 7, 30), ["future", "future"]),
    ],
)
def test_measures_are_past_current_or_future_relative_to_the_day(day, timings):
    shown = present(POSTPONED, "zh-hans", today=day)
    assert [m.timing for m in shown.measures] == timings
    assert shown.measures[0].label == "集中观察"
    assert shown.measures[0].start == date(2021, 8, 1)


def test_the_reference_day_defaults_to_the_evaluation_date():
    assert present(POSTPONED, "zh-hans").reference_day == date(2021, 8, 8)


def test_conditions_carry_labels_and_states():
    shown = present(POSTPONED, "zh-hans")
    assert [(c.code, c.state) for c in shown.conditions] == [
        ("nat_48h", "unknown"),
        ("green_code", "met"),
        ("report_to_community", "unmet"),
    ]
    assert all(c.label and c.state_label for c in shown.conditions)


@pytest.mark.django_db
def test_reasons_in_the_readers_language_with_county_areas_rule_and_citation():
    chinese = present(POSTPONED, "zh-hans").reasons
    english = present(POSTPONED, "en").reasons
    assert chinese[0].text == "中文理由"
    assert english[0].text == "English reason"
    # A stored reason with one text only shows that text.
    assert english[1].text == "only one text"
    assert chinese[0].county_name == "广陵区"
    assert chinese[0].risk_areas == ("某小区", "某村")
    assert chinese[0].rule_label and chinese[0].citation == "BJ notice, point 1"
    assert chinese[1].designation_label


def test_counties_and_risk_areas_are_collected_once():
    shown = present(POSTPONED, "zh-hans")
    assert shown.counties == ("广陵区", "郑州市")
    assert shown.risk_areas == ("某小区", "某村")


# Reasons as the engine words them (policies/engine/rules): the Chinese names of the risk
# data in both texts.
STAY = {
    "rule": "risk_county_stay",
    "region": "321002",
    "region_name": "广陵区",
    "text_zh": "14天内到过广陵区，该县（市、区、旗）现有高风险地区（广陵区某小区、某村），"
    "需暂缓进返京。",
    "text_en": (
        "You stayed in 广陵区 within 14 days; it currently has high-risk areas "
        "(广陵区某小区, 某村), so entry is postponed."
    ),
    "risk_areas": ["广陵区某小区", "某村"],
    "designation": None,
    "citation": "",
}
CASE_CITY = {
    "rule": "designated_region_stay",
    "region": "321002",
    "region_name": "广陵区",
    "text_zh": "14天内到过广陵区，属于有病例发生的城市（扬州市）。",
    "text_en": "You stayed in 广陵区 within 14 days, part of a city with cases (扬州市).",
    "risk_areas": [],
    "designation": "case_city",
    "citation": "",
}
PORT_CITY = {
    "rule": "port_city_exit",
    "region": "150781",
    "region_name": "满洲里市",
    "text_zh": "2021-08-01离开满洲里市，属于陆地边境口岸城市（满洲里市），"
    "需持离开前48小时内核酸检测阴性证明。",
    "text_en": (
        "You left 满洲里市 on 2021-08-01, part of a land border port city (满洲里市): you need "
        "a negative nucleic-acid test taken within 48 hours before leaving."
    ),
    "risk_areas": [],
    "designation": "land_border_port_city",
    "citation": "",
}


@pytest.mark.django_db
def test_english_reasons_name_the_county_in_english_with_the_chinese_beside_it():
    result = {**POSTPONED, "reasons": [STAY, CASE_CITY, PORT_CITY]}
    stay, case_city, port_city = present(result, "en").reasons

    assert stay.text == (
        "You stayed in Guangling District, Yangzhou, Jiangsu (广陵区) within 14 days; it "
        "currently has high-risk areas (广陵区某小区, 某村), so entry is postponed."
    )
    # The region a designation names is the county's city or province: English alone.
    assert case_city.text == (
        "You stayed in Guangling District, Yangzhou, Jiangsu (广陵区) within 14 days, "
        "part of a city with cases (Yangzhou City)."
    )
    assert port_city.text.startswith(
        "You left Manzhouli City, Hulunbei'er, Inner Mongolia (满洲里市) on 2021-08-01, part of a "
        "land border port city (Manzhouli City): "
    )
    assert (stay.county_name, stay.county_name_zh, stay.county_name_en) == (
        "Guangling District (广陵区)",
        "广陵区",
        "Guangling District",
    )
    # Risk area names are data in Chinese, whatever the language.
    assert stay.risk_areas == ("广陵区某小区", "某村")


@pytest.mark.django_db
def test_english_readers_get_the_counties_in_english_and_chinese_ones_what_they_always_had():
    english = present(POSTPONED, "en")
    assert english.counties == ("Guangling District (广陵区)", "Zhengzhou City (郑州市)")
    assert english.risk_areas == ("某小区", "某村")

    result = {**POSTPONED, "reasons": [STAY, CASE_CITY, PORT_CITY]}
    chinese = present(result, "zh-hans")
    assert [r.text for r in chinese.reasons] == [
        STAY["text_zh"],
        CASE_CITY["text_zh"],
        PORT_CITY["text_zh"],
    ]
    assert [(r.county_name, r.county_name_zh, r.county_name_en) for r in chinese.reasons] == [
        ("广陵区", "广陵区", ""),
        ("广陵区", "广陵区", ""),
        ("满洲里市", "满洲里市", ""),
    ]
    assert chinese.counties == ("广陵区", "满洲里市")


def test_chinese_readers_need_no_region_table():
    # Not a database test: the Chinese page reads the stored names only.
    shown = present({**POSTPONED, "reasons": [STAY, CASE_CITY]}, "zh-hans")
    assert shown.counties == ("广陵区",)


@pytest.mark.django_db
def test_an_unknown_region_keeps_its_stored_name_and_text_in_english():
    unknown = {**STAY, "region": "990199", "region_name": "某区", "text_en": "You stayed in 某区."}
    [reason] = present({**POSTPONED, "reasons": [unknown]}, "en").reasons
    assert (reason.text, reason.county_name, reason.county_name_en) == (
        "You stayed in 某区.",
        "某区",
        "",
    )


@pytest.mark.django_db
def test_a_measure_headline_says_until_when_and_what_follows():
    result = {**POSTPONED, "outcome": "central_observation", "entry_allowed_from": None}
    shown = present(result, "zh-hans", today=date(2021, 8, 8))
    # Naming only the first let the reader think they were free after it.
    assert shown.headline == "集中观察至2021年8月14日，之后健康监测至2021年8月21日"
    english = present(result, "en", today=date(2021, 8, 8))
    assert english.headline == (
        "Observation at a designated site up to and including 14 August 2021, "
        "then health monitoring up to and including 21 August 2021"
    )


def test_a_measure_headline_leaves_out_a_measure_that_does_not_follow_on():
    shown = present(
        arrival_result(
            [
                ("home_observation", "2021-08-01", "2021-08-14"),
                ("health_monitoring", "2021-08-20", "2021-08-26"),
            ],
            outcome="home_observation",
        ),
        "zh-hans",
        kind="arrival_report",
    )
    assert shown.headline == "居家观察至2021年8月14日"


def test_when_every_measure_has_ended_the_headline_says_since_when():
    result = arrival_result(
        [
            ("central_observation", "2021-08-01", "2021-08-14"),
            ("health_monitoring", "2021-08-15", "2021-08-21"),
        ],
        as_of="2021-08-25",
        outcome="allowed",
    )
    shown = present(result, "zh-hans", kind="arrival_report")
    # "No measures needed" over a list of measures read as a contradiction.
    assert shown.headline == "健康监测已于2021年8月21日结束，无需其他管控措施"
    assert present(result, "en", kind="arrival_report").headline == (
        "Health monitoring ended on 21 August 2021; no other measures needed"
    )


@pytest.mark.parametrize(
    ("kind", "expected"), [("pre_travel", "可以进返京"), ("arrival_report", "无需管控")]
)
def test_allowed_headline_depends_on_the_kind(kind, expected):
    result = {**POSTPONED, "outcome": "allowed", "entry_allowed_from": None, "measures": []}
    result["conditions"] = [{"code": "nat_48h", "met": True}]
    shown = present(result, "zh-hans", kind=kind)
    assert shown.headline == expected
    assert not shown.conditional


@pytest.mark.parametrize("met", [False, None])
def test_an_allowed_trip_with_a_condition_not_met_says_so_in_the_headline(met):
    result = {**POSTPONED, "outcome": "allowed", "entry_allowed_from": None, "measures": []}
    result["conditions"] = [{"code": "nat_48h", "met": met}]
    shown = present(result, "zh-hans", kind="pre_travel", arrival_date=date(2021, 8, 15))
    # Green "may enter" right above "(not met)" read as all clear.
    assert shown.headline == "可以进返京，于2021年8月15日抵京（须满足下列条件）"
    assert shown.conditional
    assert present(result, "zh-hans", kind="pre_travel").headline == "可以进返京（须满足下列条件）"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "可以进返京，于2021年8月15日抵京"),
        ("en", "You may travel to Beijing, arriving on 15 August 2021"),
    ],
)
def test_an_allowed_trip_before_travel_says_the_arrival_day_it_is_for(language, expected):
    # After an amendment moved the arrival to the first allowed day, "may travel"
    # alone let a hurried reader go earlier.
    result = {**POSTPONED, "outcome": "allowed", "entry_allowed_from": None, "reasons": []}
    result["conditions"] = [{"code": "nat_48h", "met": True}]
    shown = present(result, language, kind="pre_travel", arrival_date=date(2021, 8, 15))
    assert shown.headline == expected


def test_postponed_without_a_date_says_so():
    result = {**POSTPONED, "entry_allowed_from": None}
    shown = present(result, "zh-hans")
    assert shown.headline.startswith("暂缓进返京")
    assert "2021" not in shown.headline
    assert shown.entry_allowed_from_text == ""


def test_an_empty_result_presents_without_error():
    shown = present({}, "zh-hans")
    assert shown.measures == () and shown.reasons == ()


def test_every_chinese_string_goes_through_gettext():
    """A Chinese literal outside a gettext call would never be translated."""
    tree = ast.parse(Path(presentation.__file__).read_text(encoding="utf-8"))
    translated = {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("_", "_lazy")
        and node.args
    }
    untranslated = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and any("\u4e00" <= ch <= "\u9fff" for ch in node.value)
        and id(node) not in translated
        and not node.value.startswith('"""')
    ]
    # Docstrings are the only other place Chinese may appear.
    docstrings = {
        ast.get_docstring(node, clean=False)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.Module | ast.ClassDef)
    }
    assert [text for text in untranslated if text not in docstrings] == []


def arrival_result(measures, as_of="2021-08-10", outcome="central_observation"):
    return {
        "outcome": outcome,
        "entry_allowed_from": None,
        "measures": [{"kind": k, "start": a, "end": b} for k, a, b in measures],
        "conditions": [],
        "reasons": [],
        "policy_version": {"code": "BJ-2021-08-07", "effective_from": "2021-08-07"},
        "next_review_on": None,
        "as_of": as_of,
    }


def periods(shown):
    return [(m.kind, m.start.isoformat(), m.end.isoformat()) for m in shown.measures]


def test_two_overlapping_periods_of_one_measure_end_on_the_later_day():
    # A stay in a high-risk county from 08-01 and a close contact on 08-05.
    shown = present(
        arrival_result(
            [
                ("central_observation", "2021-08-01", "2021-08-14"),
                ("central_observation", "2021-08-05", "2021-08-18"),
                ("health_monitoring", "2021-08-15", "2021-08-21"),
                ("health_monitoring", "2021-08-19", "2021-08-25"),
            ]
        ),
        "zh-hans",
        kind="arrival_report",
    )
    assert shown.headline == "集中观察至2021年8月18日，之后健康监测至2021年8月25日"
    assert periods(shown) == [
        ("central_observation", "2021-08-01", "2021-08-18"),
        ("health_monitoring", "2021-08-19", "2021-08-25"),
    ]


def test_days_under_a_stricter_measure_are_not_listed_again_under_a_milder_one():
    # Case-city monitoring for the same 14 days as the central observation of a risk county.
    shown = present(
        arrival_result(
            [
                ("central_observation", "2021-08-01", "2021-08-14"),
                ("health_monitoring", "2021-08-01", "2021-08-14"),
                ("health_monitoring", "2021-08-15", "2021-08-21"),
                ("home_observation", "2021-08-03", "2021-08-20"),
            ]
        ),
        "zh-hans",
        kind="arrival_report",
    )
    assert periods(shown) == [
        ("central_observation", "2021-08-01", "2021-08-14"),
        ("home_observation", "2021-08-15", "2021-08-20"),
        ("health_monitoring", "2021-08-21", "2021-08-21"),
    ]


def test_a_milder_measure_around_a_stricter_one_is_listed_before_and_after_it():
    shown = present(
        arrival_result(
            [
                ("health_monitoring", "2021-08-01", "2021-08-20"),
                ("home_observation", "2021-08-05", "2021-08-10"),
            ],
            as_of="2021-08-12",
            outcome="health_monitoring",
        ),
        "zh-hans",
        kind="arrival_report",
    )
    assert periods(shown) == [
        ("health_monitoring", "2021-08-01", "2021-08-04"),
        ("home_observation", "2021-08-05", "2021-08-10"),
        ("health_monitoring", "2021-08-11", "2021-08-20"),
    ]
    assert shown.headline == "健康监测至2021年8月20日"


def test_before_travel_measures_carry_their_dates_but_no_in_progress_label():
    before = present(POSTPONED, "zh-hans", kind="pre_travel")
    assert [m.timing_label for m in before.measures] == ["", ""]
    assert before.measures[0].period_text == "2021年8月1日至2021年8月14日"
    after = present(POSTPONED, "zh-hans", kind="arrival_report")
    assert after.measures[0].timing_label == "进行中"


def test_a_positive_test_after_arrival_is_not_told_no_measures_are_needed():
    positive = arrival_result([], outcome="allowed")
    positive["conditions"] = [{"code": "report_to_community", "met": None}]
    positive["reasons"] = [{"rule": "nat_test", "text": "阳性", "risk_areas": []}]
    assert present(positive, "zh-hans", kind="arrival_report").headline == "请立即向所在社区报到"
    assert present(positive, "en", kind="arrival_report").headline != "No measures needed"
    # Reporting to the community after a non-green code, once its monitoring is over, is
    # not an urgent headline.
    later = {**positive, "reasons": [{"rule": "health_code", "text": "黄码", "risk_areas": []}]}
    assert present(later, "zh-hans", kind="arrival_report").headline == "无需管控"


def version_with_test_hours(code, hours, port_hours=None):
    """A published version whose test rules have these hours; its code, for a result."""
    from policies.models import PolicyRule, PolicyVersion

    version = PolicyVersion.objects.create(
        code=code, title=code, effective_from=date(2021, 8, 7), status="draft"
    )
    PolicyRule.objects.create(version=version, position=1, kind="nat_test", params={"hours": hours})
    if port_hours is not None:
        PolicyRule.objects.create(
            version=version, position=2, kind="port_city_exit", params={"hours": port_hours}
        )
    PolicyVersion.objects.filter(pk=version.pk).update(status="published")
    return {"code": code, "effective_from": "2021-08-07"}


@pytest.mark.parametrize(
    ("hours", "zh", "en"),
    [
        (
            48,
            "持抵京当日或前一日采样的核酸检测阴性证明（即登机（车）前48小时内）",
            "Proof of a negative nucleic acid (PCR) test sampled on the day you arrive in "
            "Beijing or the day before (that is, within 48 hours before boarding)",
        ),
        (72, "持抵京当日或前两日采样的核酸检测阴性证明（即登机（车）前72小时内）", "2 days before"),
        (24, "持抵京当日采样的核酸检测阴性证明（即登机（车）前24小时内）", "on the day you arrive"),
    ],
)
def test_the_test_condition_states_the_day_rule_for_the_policys_hours(hours, zh, en):
    # The engine counts whole days (hours // 24): the label says those days, not
    # "the set time", and the hours of the policy's own rule, read from the version the
    # result names (no reason text says them here).
    version = version_with_test_hours(f"T-{hours}H", hours)
    result = {**POSTPONED, "policy_version": version, "reasons": []}
    assert present(result, "zh-hans").conditions[0].label == zh
    assert en in present(result, "en").conditions[0].label


def test_the_hours_come_from_the_version_not_from_a_reasons_wording():
    # A reason worded otherwise ("两天内", another translation) changes nothing.
    version = version_with_test_hours("T-72H", 72, port_hours=24)
    reason = {"rule": "nat_test", "text_en": "within 48 hours", "risk_areas": []}
    result = {
        **POSTPONED,
        "policy_version": version,
        "conditions": [
            {"code": "nat_48h", "met": None},
            {"code": "nat_48h_leaving_port_city", "met": None},
        ],
        "reasons": [reason],
    }
    test, leaving = present(result, "zh-hans").conditions
    assert "前72小时内" in test.label and "前两日" in test.label
    assert "离开当日采样" in leaving.label and "前24小时内" in leaving.label


def test_a_version_is_read_once_per_process(django_assert_num_queries):
    result = {**POSTPONED, "policy_version": version_with_test_hours("T-72H", 72)}
    with django_assert_num_queries(1):
        present(result, "zh-hans")
    with django_assert_num_queries(0):
        assert "前72小时内" in present(result, "zh-hans").conditions[0].label


def test_a_drafts_hours_are_read_again_as_its_rules_may_change():
    from policies.models import PolicyRule, PolicyVersion

    draft = PolicyVersion.objects.create(code="T-DRAFT", title="t", effective_from=date(2021, 8, 7))
    rule = PolicyRule.objects.create(version=draft, position=1, kind="nat_test", params={})
    result = {**POSTPONED, "policy_version": {"code": "T-DRAFT", "effective_from": "2021-08-07"}}
    assert "前48小时内" in present(result, "zh-hans").conditions[0].label
    rule.params = {"hours": 72}
    rule.save()
    assert "前72小时内" in present(result, "zh-hans").conditions[0].label


def test_an_unknown_version_or_none_uses_the_rules_default_hours():
    unknown = {**POSTPONED, "policy_version": {"code": "NO-SUCH", "effective_from": ""}}
    assert "前一日" in present(unknown, "zh-hans").conditions[0].label
    assert "前一日" in present({**POSTPONED, "policy_version": {}}, "zh-hans").conditions[0].label


def postponed(entry=None, rules=(), conditions=()):
    return {
        **POSTPONED,
        "entry_allowed_from": entry,
        "measures": [],
        "conditions": [{"code": code, "met": None} for code in ("nat_48h", *conditions)],
        "reasons": [{"rule": rule, "text": "", "risk_areas": []} for rule in ("nat_test", *rules)],
    }


@pytest.mark.parametrize(
    ("result", "says"),
    [
        (postponed("2021-08-15", ["risk_county_stay"]), "改为2021年8月15日或之后"),
        (postponed(None, ["risk_county_stay"]), "离开后请修改申报"),
        (postponed(None, ["health_code"]), "健康码转为绿码后"),
        (postponed(None, [], ["report_to_community"]), "阳性"),
    ],
)
def test_a_postponement_says_what_ends_it(result, says):
    assert says in present(result, "zh-hans", kind="pre_travel").next_step


def test_a_postponement_read_after_the_declared_arrival_asks_whether_they_came_already():
    from datetime import date

    result = postponed("2021-08-15", ["risk_county_stay"])
    late = present(
        result, "zh-hans", today=date(2021, 8, 9), kind="pre_travel", arrival_date=date(2021, 8, 8)
    )
    assert "抵京日期2021年8月8日已过" in late.next_step
    assert "如已抵京，请立即向所在社区报到" in late.next_step
    assert "改为2021年8月15日或之后" in late.next_step
    english = present(
        result, "en", today=date(2021, 8, 9), kind="pre_travel", arrival_date=date(2021, 8, 8)
    )
    assert "8 August 2021" in english.next_step and "15 August 2021" in english.next_step
    # Before the arrival day the usual advice stands.
    early = present(
        result, "zh-hans", today=date(2021, 8, 7), kind="pre_travel", arrival_date=date(2021, 8, 8)
    )
    assert "已过" not in early.next_step and "改为2021年8月15日或之后" in early.next_step


def test_an_allowed_trip_whose_declared_test_does_not_do_says_why_and_what_to_do():
    from travellers.presentation import DeclaredTest

    unmet = {**postponed(), "outcome": "allowed", "conditions": [{"code": "nat_48h", "met": False}]}
    early = DeclaredTest("negative", date(2026, 12, 2))
    step = present(
        unmet, "zh-hans", kind="pre_travel", arrival_date=date(2026, 12, 4), test=early
    ).next_step
    # The sampling day, and the days that would do.
    assert step.startswith("您申报的核酸检测采样日期为2026年12月2日，不在抵京当日或前一日")
    assert "不在抵京当日或前一日（2026年12月3日至2026年12月4日）" in step
    assert "请在上述日期重新采样检测" in step
    assert "通过“修改行程和健康信息”填写新的检测结果" in step
    english = present(unmet, "en", kind="pre_travel", arrival_date=date(2026, 12, 4), test=early)
    assert "sampled on 2 December 2026, not on the day you arrive" in english.next_step
    # Without the declared test at hand: the rule, still in days.
    step = present(unmet, "zh-hans", kind="pre_travel").next_step
    assert "不符合要求：须为阴性，并在抵京当日或前一日采样" in step


def test_an_allowed_trip_not_yet_tested_says_when_to_be_tested():
    unknown = {**postponed(), "outcome": "allowed"}
    shown = present(unknown, "zh-hans", kind="pre_travel", arrival_date=date(2026, 12, 4))
    assert shown.conditions[0].state_label == "尚未申报检测结果"
    assert shown.next_step == (
        "请在抵京当日或前一日（2026年12月3日至2026年12月4日）完成核酸检测采样，"
        "出行时携带阴性证明；取得结果后可通过“修改行程和健康信息”补填。"
    )


def test_a_companions_test_step_on_the_leads_page_says_to_use_the_companions_reference():
    unknown = {**postponed(), "outcome": "allowed"}
    step = present(
        unknown, "zh-hans", kind="pre_travel", companion_reference="ABCDE-23456"
    ).next_step
    # The lead's amend page keeps a companion's health facts as declared.
    assert "用同行人的查询码ABCDE-23456和同一手机号码后4位重新查询" in step


def test_an_allowed_trip_whose_test_counts_has_no_next_step():
    allowed = {**postponed(), "outcome": "allowed"}
    allowed["conditions"] = [{"code": "nat_48h", "met": True}]
    assert present(allowed, "zh-hans", kind="pre_travel").next_step == ""


@pytest.mark.parametrize(
    ("outcome", "says"),
    [
        ("central_observation", "集中观察"),
        ("home_observation", "足不出户"),
        ("health_monitoring", "健康监测"),
    ],
)
def test_a_measure_after_arrival_says_what_it_asks_of_the_person(outcome, says):
    result = arrival_result([(outcome, "2021-08-01", "2021-08-14")], outcome=outcome)
    step = present(result, "zh-hans", kind="arrival_report").next_step
    assert "向所在社区和工作单位报告" in step and says in step


def test_no_measure_after_arrival_asks_for_nothing_more():
    done = arrival_result([], outcome="allowed")
    assert present(done, "zh-hans", kind="arrival_report").next_step == ""


def test_a_chinese_name_is_marked_chinese_and_a_latin_one_is_not():
    from travellers.markup import person_name

    assert str(person_name("王*明")) == '<span lang="zh-Hans">王*明</span>'
    assert str(person_name("𠀋*明")) == '<span lang="zh-Hans">𠀋*明</span>'  # extension B
    assert person_name("J*** Smith") == "J*** Smith"
    assert str(person_name("<b>李</b>")) == '<span lang="zh-Hans">&lt;b&gt;李&lt;/b&gt;</span>'


def test_a_stay_in_a_designated_region_is_labelled_by_the_designations_kind():
    def label(designation, language):
        reason = {"rule": "designated_region_stay", "designation": designation, "text": "x"}
        with translation.override(language):
            result = {**POSTPONED, "reasons": [reason]}
            return present(result, language).reasons[0].rule_label

    assert label("case_city", "zh-hans") == "到过有病例发生的城市"
    assert label("case_city", "en") == "Stay in a city with local cases"
    assert label("land_border_port_city", "en") == "Stay in a land border port city"
    # A kind the portal has no words for keeps the general label.
    assert label("unknown_kind", "zh-hans") == "特定地区旅居史"


def test_a_reason_whose_label_names_the_designation_does_not_repeat_it():
    reason = {"rule": "designated_region_stay", "designation": "case_city", "text": "x"}
    [shown] = present({**POSTPONED, "reasons": [reason]}, "zh-hans").reasons
    assert shown.designation_label == "有病例发生的城市"
    # "到过有病例发生的城市" already says it: no "地区认定：" line under it.
    assert shown.designation_named
    other = {"rule": "port_city_exit", "designation": "land_border_port_city", "text": "x"}
    [shown] = present({**POSTPONED, "reasons": [other]}, "zh-hans").reasons
    assert not shown.designation_named


def test_the_port_city_test_condition_states_the_day_rule_too():
    result = {
        **POSTPONED,
        "conditions": [{"code": "nat_48h_leaving_port_city", "met": None}],
        "reasons": [PORT_CITY],
    }
    # Met by a test sampled on the leaving day or the day before (port_city_exit).
    assert present(result, "zh-hans").conditions[0].label == (
        "离开口岸城市时持离开当日或前一日采样的核酸检测阴性证明（即离开前48小时内）"
    )
