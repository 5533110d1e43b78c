"""The shipped region table: counts, tree shape and the 2021 code changes."""

import csv
from pathlib import Path

import pytest

from policies.models import Region, RegionLevel, significant_prefix

CSV_PATH = Path(__file__).resolve().parents[3] / "policies" / "data" / "regions.csv"

pytestmark = pytest.mark.django_db


def test_the_2021_vintage_has_the_published_number_of_units_in_force():
    in_force = Region.objects.filter(retired=False)
    assert in_force.filter(level=RegionLevel.PROVINCE).count() == 34
    assert in_force.filter(level=RegionLevel.PREFECTURE).count() == 333
    assert in_force.filter(level=RegionLevel.COUNTY).count() == 2843


def test_the_codes_retired_during_2021_are_kept_and_marked():
    retired = Region.objects.filter(retired=True)
    assert retired.count() == 18
    assert set(retired.values_list("level", flat=True)) == {RegionLevel.COUNTY}
    assert all(retired.values_list("county_level", flat=True))
    xiacheng, jianggan = Region.objects.get(code="330103"), Region.objects.get(code="330104")
    assert (xiacheng.name, xiacheng.retired, xiacheng.parent_id) == ("下城区", True, "330100")
    assert (jianggan.name, jianggan.retired, jianggan.parent_id) == ("江干区", True, "330100")


def test_the_codes_that_replaced_them_are_in_force():
    assert Region.objects.get(code="330113").name == "临平区"
    assert Region.objects.get(code="330114").name == "钱塘区"
    assert not Region.objects.filter(code__in=["330113", "330114"], retired=True).exists()


@pytest.mark.parametrize(
    ("code", "name", "parent", "full_name"),
    [
        ("321002", "广陵区", "321000", "江苏省扬州市广陵区"),
        ("410103", "二七区", "410100", "河南省郑州市二七区"),
        ("430802", "永定区", "430800", "湖南省张家界市永定区"),
        ("420115", "江夏区", "420100", "湖北省武汉市江夏区"),
        ("330106", "西湖区", "330100", "浙江省杭州市西湖区"),
        ("320115", "江宁区", "320100", "江苏省南京市江宁区"),
        ("131082", "三河市", "131000", "河北省廊坊市三河市"),
        ("150781", "满洲里市", "150700", "内蒙古自治区呼伦贝尔市满洲里市"),
        ("110105", "朝阳区", "110000", "北京市朝阳区"),
    ],
)
def test_known_counties_sit_in_the_tree_with_their_path(code, name, parent, full_name):
    region = Region.objects.get(code=code)
    assert (region.name, region.parent_id, region.full_name) == (name, parent, full_name)
    assert region.level == RegionLevel.COUNTY
    assert region.county_level and not region.retired


@pytest.mark.parametrize(
    ("code", "province"),
    [
        ("110105", "110000"),  # Beijing district under the 110100 placeholder
        ("120101", "120000"),
        ("310115", "310000"),
        ("500229", "500000"),  # Chongqing county under the 500200 placeholder
        ("419001", "410000"),  # 济源, province-administered
        ("429004", "420000"),
        ("469001", "460000"),
        ("659001", "650000"),
    ],
)
def test_units_under_placeholder_codes_hang_under_the_province(code, province):
    assert Region.objects.get(code=code).parent_id == province


def test_placeholder_codes_have_no_row():
    placeholders = ["110100", "120100", "310100", "500100", "500200", "419000", "429000"]
    assert not Region.objects.filter(code__in=[*placeholders, "469000", "659000"]).exists()


def test_prefecture_cities_without_counties_are_leg_level():
    cities = Region.objects.filter(code__in=["441900", "442000", "460400", "620200"])
    assert sorted(c.name for c in cities) == sorted(["东莞市", "中山市", "儋州市", "嘉峪关市"])
    assert {(c.level, c.county_level) for c in cities} == {(RegionLevel.PREFECTURE, True)}
    others = Region.objects.filter(level=RegionLevel.PREFECTURE, county_level=True)
    assert others.count() == 4


def test_every_parent_is_a_higher_level_that_contains_the_child():
    above = {
        RegionLevel.PREFECTURE: {RegionLevel.PROVINCE},
        RegionLevel.COUNTY: {RegionLevel.PROVINCE, RegionLevel.PREFECTURE},
    }
    for region in Region.objects.select_related("parent").exclude(parent=None):
        assert region.parent.level in above[region.level]
        assert region.code.startswith(significant_prefix(region.parent.code))
        assert region.full_name == region.parent.full_name + region.name


def test_provinces_are_roots_and_everything_else_has_a_parent():
    assert set(Region.objects.filter(parent=None).values_list("level", flat=True)) == {
        RegionLevel.PROVINCE
    }


def test_pinyin_and_initials_follow_place_name_readings():
    expected = {
        "321002": ("guanglingqu", "glq"),
        "140400": ("changzhishi", "czs"),  # 长 read chang in place names
        "140428": ("zhangzixian", "zzx"),  # ... except 长子
        "310112": ("minhangqu", "mhq"),
        "522701": ("duyunshi", "dys"),
        "130225": ("laotingxian", "ltx"),
    }
    found = {
        code: (pinyin, initials)
        for code, pinyin, initials in Region.objects.filter(code__in=expected).values_list(
            "code", "pinyin", "initials"
        )
    }
    assert found == expected


def test_pinyin_columns_are_plain_lowercase_letters_for_every_row():
    for pinyin, initials in Region.objects.values_list("pinyin", "initials"):
        assert pinyin.isascii() and pinyin.isalpha() and pinyin == pinyin.lower()
        assert initials.isascii() and initials.isalpha() and pinyin.startswith(initials[0])


def test_the_database_holds_exactly_the_shipped_csv():
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        rows = {row["code"]: row for row in csv.DictReader(handle)}
    assert Region.objects.count() == len(rows)
    shangcheng = Region.objects.get(code="330102")
    assert shangcheng.full_name == rows["330102"]["full_name"]


@pytest.mark.parametrize(
    ("code", "name_en", "full_name_en"),
    [
        ("321002", "Guangling District", "Guangling District, Yangzhou, Jiangsu"),
        ("110105", "Chaoyang District", "Chaoyang District, Beijing"),
        ("220100", "Changchun City", "Changchun City, Jilin"),  # 长 chang
        ("500000", "Chongqing", "Chongqing"),  # 重 chong
        ("350200", "Xiamen City", "Xiamen City, Fujian"),  # 厦 xia
        ("340300", "Bengbu City", "Bengbu City, Anhui"),  # 蚌 beng
        ("341500", "Lu'an City", "Lu'an City, Anhui"),  # 六 lu, apostrophe before a
        ("511100", "Leshan City", "Leshan City, Sichuan"),  # 乐 le
        ("140428", "Zhangzi County", "Zhangzi County, Changzhi, Shanxi"),  # 长 zhang
        ("371722", "Shan County", "Shan County, Heze, Shandong"),  # 单 shan
        ("141100", "Lüliang City", "Lüliang City, Shanxi"),  # ü written as such
        ("610100", "Xi'an City", "Xi'an City, Shaanxi"),  # Shaanxi, not Shanxi
        ("429021", "Shennongjia Forestry District", "Shennongjia Forestry District, Hubei"),
        ("610103", "Beilin District", "Beilin District, Xi'an, Shaanxi"),  # 碑林 + 区
        (
            "420528",
            "Changyang Tujia Autonomous County",
            "Changyang Tujia Autonomous County, Yichang, Hubei",
        ),
        (
            "433100",
            "Xiangxi Tujia and Miao Autonomous Prefecture",
            "Xiangxi Tujia and Miao Autonomous Prefecture, Hunan",
        ),
        ("450000", "Guangxi Zhuang Autonomous Region", "Guangxi Zhuang Autonomous Region"),
        ("450100", "Nanning City", "Nanning City, Guangxi"),
        ("150000", "Inner Mongolia Autonomous Region", "Inner Mongolia Autonomous Region"),
        (
            "152222",
            "Ke'erqin Right Wing Middle Banner",
            "Ke'erqin Right Wing Middle Banner, Xing'an League, Inner Mongolia",
        ),
        ("652900", "Akesu Prefecture", "Akesu Prefecture, Xinjiang"),
        ("310115", "Pudong New Area", "Pudong New Area, Shanghai"),
        ("441900", "Dongguan City", "Dongguan City, Guangdong"),
    ],
)
def test_regions_have_an_english_name_from_the_pinyin(code, name_en, full_name_en):
    region = Region.objects.get(code=code)
    assert (region.name_en, region.full_name_en) == (name_en, full_name_en)


def test_every_row_has_an_english_name_that_starts_its_english_full_name():
    for name, name_en, full_name_en in Region.objects.values_list(
        "name", "name_en", "full_name_en"
    ):
        assert name_en and full_name_en.startswith(name_en), name
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in full_name_en), name


def test_the_database_holds_the_english_names_of_the_csv():
    with CSV_PATH.open(encoding="utf-8", newline="") as handle:
        rows = {r["code"]: (r["name_en"], r["full_name_en"]) for r in csv.DictReader(handle)}
    found = Region.objects.values_list("code", "name_en", "full_name_en")
    assert {code: (name, full_name) for code, name, full_name in found} == rows
