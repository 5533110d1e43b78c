"""Parsing notices and CSV files, and matching place text to counties (real region table)."""

from datetime import date

import pytest

from policies.bulk_import import (
    RegionMatcher,
    build_preview,
    decode_upload,
    name_variants,
    parse_csv,
    parse_notice,
)
from tests.policies.admin.notice import EXPECTED, NOTICE, NOTICE_DATE

pytestmark = pytest.mark.django_db


@pytest.fixture
def matcher():
    return RegionMatcher()


def test_the_notice_is_split_into_thirty_lines_under_their_headings():
    parsed = parse_notice(NOTICE)
    assert [(line.line, line.level) for line in parsed.lines] == [
        (line, level) for line, _code, _name, level in EXPECTED
    ]
    # The title and the preamble name no area: shown as ignored, not as errors.
    assert [row["line"] for row in parsed.ignored] == [1, 2]
    assert parsed.errors == []
    assert parsed.warnings == []


def test_every_notice_line_matches_its_county_and_area(matcher):
    parsed = parse_notice(NOTICE)
    matched = [matcher.match(line.place) for line in parsed.lines]
    assert [(m.region_code, m.name) for m in matched] == [
        (code, name) for _line, code, name, _level in EXPECTED
    ]


def test_a_heading_count_that_disagrees_with_the_lines_is_a_warning():
    parsed = parse_notice("高风险地区（3个）\n江苏省扬州市广陵区甲小区\n江苏省扬州市广陵区乙小区\n")
    assert len(parsed.lines) == 2
    assert parsed.warnings == ["“高风险地区(3个)”写明 3 个，实际读到 2 行。"]


def test_headings_with_a_colon_may_carry_the_first_area_and_low_risk_sections_are_ignored():
    parsed = parse_notice(
        "高风险地区：江苏省扬州市广陵区甲小区\n中风险地区:\n① 扬州市邗江区乙村\n"
        "低风险地区（其余）\n江苏省扬州市江都区丙村\n"
    )
    assert [(line.line, line.place, line.level) for line in parsed.lines] == [
        (1, "江苏省扬州市广陵区甲小区", "high"),
        (3, "扬州市邗江区乙村", "medium"),
    ]
    # The low-risk heading itself is structure; the line under it is ignored.
    assert [row["line"] for row in parsed.ignored] == [5]


@pytest.mark.parametrize(
    ("text", "code", "name"),
    [
        ("江苏省扬州市广陵区汶河街道某小区", "321002", "汶河街道某小区"),
        ("扬州市广陵区文昌花园", "321002", "文昌花园"),
        ("河南省郑州市二七区 某某小区", "410103", "某某小区"),
        ("广陵汶河街道", "321002", "汶河街道"),
        ("辽宁省朝阳市双塔区某小区", "211302", "某小区"),
        ("吉林省长春市朝阳区某小区", "220104", "某小区"),
        ("郑州市管城回族区某社区", "410104", "某社区"),
        ("云南省德宏州瑞丽市某村", "533102", "某村"),
        ("广东省东莞市虎门镇某村", "441900", "虎门镇某村"),
        ("重庆市渝中区某街道", "500103", "某街道"),
    ],
)
def test_it_matches_full_and_short_names(matcher, text, code, name):
    result = matcher.match(text)
    assert (result.region_code, result.name) == (code, name)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("朝阳区某小区", "ambiguous"),  # Beijing and Changchun
        ("永定区某小区", "ambiguous"),  # Zhangjiajie and Longyan
        ("北京市朝阳区某小区", "jurisdiction"),
        ("某某省某某市某小区", "no_county"),
        ("郑州市某小区", "no_county"),
        ("江苏省扬州市广陵区", "no_area"),
        # A bare short name followed by 镇 names a town, not the county 城关区.
        ("城关镇某村", "no_county"),
    ],
)
def test_it_explains_lines_it_cannot_match(matcher, text, code):
    assert matcher.match(text).code == code


def test_ambiguous_lines_name_the_candidates(matcher):
    assert "北京市朝阳区、吉林省长春市朝阳区" in matcher.match("朝阳区某小区").message


def test_name_variants_drop_suffixes_and_nationalities():
    assert name_variants("管城回族区", "county") == {
        "管城回族区": False,
        "管城区": False,
        "管城": True,
    }
    assert set(name_variants("德宏傣族景颇族自治州", "prefecture")) == {
        "德宏傣族景颇族自治州",
        "德宏州",
        "德宏",
    }
    # One-character stems would match far too much.
    assert name_variants("芒市", "county") == {"芒市": False}


def test_csv_with_a_whole_area_column_and_an_optional_date():
    parsed = parse_csv(
        "level,area,designated_on\n"
        "high,江苏省扬州市广陵区甲小区,2021-08-09\n"
        "中,扬州市邗江区乙村,\n"
        "low,扬州市江都区丙村,\n"
    )
    assert [(line.line, line.level, line.place, line.designated_on) for line in parsed.lines] == [
        (2, "high", "江苏省扬州市广陵区甲小区", date(2021, 8, 9)),
        (3, "medium", "扬州市邗江区乙村", None),
    ]
    assert [(error["line"], error["code"]) for error in parsed.errors] == [(4, "level")]


def test_csv_with_separate_columns_in_chinese_and_gbk(matcher):
    data = "风险等级,省,市,区县,地区\n高,河南省,郑州市,二七区,某某小区\n".encode("gbk")
    parsed = parse_csv(decode_upload(data))
    (line,) = parsed.lines
    result = matcher.match(line.place, area=line.area)
    assert (result.region_code, result.name, line.level) == ("410103", "某某小区", "high")


def test_duplicates_within_one_notice_are_reported_once():
    parsed = parse_notice("高风险地区\n江苏省扬州市广陵区甲小区\n中风险地区\n扬州市广陵区 甲小区\n")
    preview = build_preview(parsed, on=NOTICE_DATE)
    assert [row["name"] for row in preview["new"]] == ["甲小区"]
    assert [(e["line"], e["code"]) for e in preview["errors"]] == [(4, "duplicate")]
    assert "风险等级不同" in preview["errors"][0]["message"]


def test_a_chinese_area_name_keeps_its_full_width_brackets(matcher):
    [line] = parse_notice("高风险地区：\n河南省郑州市二七区京广路街道部分小区（示例）").lines
    match = matcher.match(line.place)
    # Reading makes the text half-width; the stored name is the official one.
    assert (match.region_code, match.name) == ("410103", "京广路街道部分小区（示例）")
    assert matcher.match("江苏省扬州市广陵区 Block A (east)").name == "Block A (east)"
