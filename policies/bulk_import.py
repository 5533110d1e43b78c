"""Bulk import of risk areas from the text of an official notice or a CSV file.

Four steps, kept apart so that each can be tested alone:

1. ``parse_notice`` / ``parse_csv``: text -> ``SourceLine`` (line number, level, the
   text naming the place), plus lines that carry no area (preamble, headings);
2. ``RegionMatcher.match``: the place text -> a county and the area name (what is
   left after the county), or a per-line error;
3. ``build_preview``: matched lines compared with the areas active on the import
   date -> new, unchanged, level changes, areas the notice no longer names, errors;
4. ``apply_preview`` hands exactly what was previewed to
   ``policies.services.bulk.risk_areas_import`` (one transaction).

The preview is a plain JSON-able dict so that the admin can keep it server-side
(in the session) between the preview and the confirmation.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.utils.translation import gettext as _

from policies.models import Region, RegionLevel, RiskArea, RiskLevel, significant_prefix

# -- normalising text ------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
# "1." "1、" "(1)" "1)" "①" (NFKC turns ① into 1) "一、" at the start of an area line.
_NUMBERING = re.compile(r"^(?:\(\s*\d+\s*\)|\d+\s*[.、)]?|[一二三四五六七八九十]+\s*、)\s*")
_TRAILING = ";；。.,，、:："
_HEADING = re.compile(
    r"^(?:(?:[一二三四五六七八九十]+|\d+)\s*[、.)]\s*)?"
    r"(?P<level>高|中|低)风险(?:等级)?(?:地区|区域)?"
    r"\s*(?:\(\s*(?:共\s*)?(?P<count>\d+)\s*个?\s*\)|\([^)]*\))?"
    r"\s*(?P<colon>[:：])?\s*(?P<rest>.*)$"
)
# Plain strings: the preview is stored in the session as JSON.
_LEVELS = {"高": RiskLevel.HIGH.value, "中": RiskLevel.MEDIUM.value, "低": None}


def normalise(text: str) -> str:
    """Full-width letters, digits and punctuation as half-width; runs of spaces as one."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text or "")).strip()


_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "：", ";": "；"})
_HAN = re.compile(r"[\u4e00-\u9fff]")


def chinese_width(name: str) -> str:
    """A Chinese area name with the full-width brackets and punctuation it is written
    with: reading the notice makes them half-width (``normalise``), and stored so they
    changed the official name ("京广路街道部分小区(示例)")."""
    return name.translate(_FULL_WIDTH) if _HAN.search(name) else name


def area_key(name: str) -> str:
    """What makes two spellings of an area name the same area (spaces and width aside)."""
    return _SPACES.sub("", normalise(name))


# -- step 1: lines ----------------------------------------------------------------------


@dataclass(frozen=True)
class SourceLine:
    line: int
    text: str  # the line as pasted, for the preview and the error list
    place: str  # normalised text naming county and area
    level: str | None
    designated_on: date | None = None
    # For CSV rows with separate columns: the area name, so the place is only the county.
    area: str | None = None


@dataclass
class ParsedSource:
    lines: list[SourceLine] = field(default_factory=list)
    # Lines that name no area: a preamble, a low-risk section. Shown, not imported.
    ignored: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _error(line: int, text: str, code: str, message: str) -> dict:
    return {"line": line, "text": text, "code": code, "message": message}


def _clean_area_line(text: str) -> str:
    text = _NUMBERING.sub("", normalise(text))
    return text.strip().rstrip(_TRAILING).strip()


def parse_notice(text: str) -> ParsedSource:
    """Split an official notice into area lines under their high / medium headings.

    Headings: ``高风险地区（4个）``, ``二、中风险地区：``, ``高风险区域``; an area may
    follow the heading's colon on the same line. Lines before the first heading are
    a preamble; lines under a low-risk heading are ignored too. A heading's count,
    when given, is checked against the lines found under it.
    """
    parsed = ParsedSource()
    level: str | None = None
    in_section = False
    sections: list[tuple[str, int, int]] = []  # (heading text, announced count, start index)
    for number, raw in enumerate((text or "").splitlines(), start=1):
        stripped = normalise(raw)
        if not stripped:
            continue
        heading = _HEADING.match(stripped)
        if heading and (heading["colon"] or heading["count"] or not heading["rest"]):
            level = _LEVELS[heading["level"]]
            in_section = level is not None
            if heading["count"] and in_section:
                sections.append((stripped, int(heading["count"]), len(parsed.lines)))
            elif in_section:
                sections.append((stripped, -1, len(parsed.lines)))
            rest = _clean_area_line(heading["rest"])
            if not rest:
                continue
            stripped = rest
        if not in_section:
            parsed.ignored.append({"line": number, "text": raw.strip()})
            continue
        place = _clean_area_line(stripped)
        if place:
            parsed.lines.append(SourceLine(line=number, text=raw.strip(), place=place, level=level))
    bounds = [start for _h, _c, start in sections[1:]] + [len(parsed.lines)] * bool(sections)
    for (heading_text, count, start), end in zip(sections, bounds, strict=True):
        if count >= 0 and end - start != count:
            parsed.warnings.append(
                _("“%(heading)s”写明 %(count)s 个，实际读到 %(found)s 行。")
                % {"heading": heading_text, "count": count, "found": end - start}
            )
    return parsed


_CSV_COLUMNS = {
    "level": ("level", "风险等级", "等级"),
    "area": ("area", "地区", "地区名称", "area_name"),
    "province": ("province", "省", "省份"),
    "city": ("city", "市", "城市", "地市"),
    "county": ("county", "区县", "县", "区"),
    "designated_on": ("designated_on", "划定日期", "日期"),
}
_CSV_LEVELS = {
    "high": RiskLevel.HIGH.value,
    "高": RiskLevel.HIGH.value,
    "高风险": RiskLevel.HIGH.value,
    "medium": RiskLevel.MEDIUM.value,
    "中": RiskLevel.MEDIUM.value,
    "中风险": RiskLevel.MEDIUM.value,
}


def decode_upload(data: bytes) -> str:
    # Spreadsheets saved in China are often GBK; UTF-8 (with or without BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError(_("无法识别文件编码，请另存为 UTF-8 的 CSV。"))


def parse_csv(text: str) -> ParsedSource:
    """Rows with ``level`` and either ``area`` (the whole place) or province/city/county + area.

    ``designated_on`` (YYYY-MM-DD) is optional per row. Line numbers count the header
    as line 1, as a spreadsheet shows them.
    """
    parsed = ParsedSource()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        parsed.warnings.append(_("CSV 文件是空的。"))
        return parsed
    names = [normalise(h).lower() for h in header]
    columns = {}
    for key, aliases in _CSV_COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                columns[key] = index
                break
    if "level" not in columns or "area" not in columns:
        parsed.errors.append(
            _error(1, ",".join(header), "header", _("CSV 需要 level 和 area 两列（见说明）。"))
        )
        return parsed

    def cell(row, key):
        index = columns.get(key)
        return normalise(row[index]) if index is not None and index < len(row) else ""

    for number, row in enumerate(reader, start=2):
        if not any(value.strip() for value in row):
            continue
        text_line = ",".join(row)
        level = _CSV_LEVELS.get(cell(row, "level").lower())
        if level is None:
            parsed.errors.append(
                _error(number, text_line, "level", _("风险等级应为 high / medium（或 高 / 中）。"))
            )
            continue
        designated_on = None
        if cell(row, "designated_on"):
            try:
                designated_on = date.fromisoformat(cell(row, "designated_on"))
            except ValueError:
                parsed.errors.append(
                    _error(number, text_line, "date", _("划定日期应为 YYYY-MM-DD。"))
                )
                continue
        county_text = "".join(cell(row, key) for key in ("province", "city", "county"))
        area = _clean_area_line(cell(row, "area"))
        if cell(row, "county"):
            place, area_name = county_text, area
        else:
            place, area_name = county_text + area, None
        parsed.lines.append(
            SourceLine(
                line=number,
                text=text_line,
                place=place,
                level=level,
                designated_on=designated_on,
                area=area_name,
            )
        )
    return parsed


# -- step 2: matching a place to a county -------------------------------------------------

# The 55 minority nationalities as they appear inside autonomous-unit names.
_NATIONALITIES = (
    "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜", "满", "侗", "瑶", "白",
    "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳", "佤", "畲", "高山", "拉祜", "水", "东乡",
    "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬",
    "锡伯", "阿昌", "普米", "塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安",
    "裕固", "京", "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺", "各",
)  # fmt: skip
_NATIONALITY_TAIL = re.compile(
    "(?:(?:" + "|".join(sorted(_NATIONALITIES, key=len, reverse=True)) + ")族)+$"
)
# Longest first; the second element is what a short form keeps ("自治州" -> "州").
_SUFFIXES = {
    RegionLevel.PROVINCE: (("特别行政区", ""), ("自治区", ""), ("省", ""), ("市", "")),
    RegionLevel.PREFECTURE: (("自治州", "州"), ("地区", ""), ("盟", ""), ("市", "")),
    RegionLevel.COUNTY: (
        ("自治县", "县"),
        ("自治旗", "旗"),
        ("新区", "区"),
        ("林区", ""),
        ("特区", ""),
        ("区", ""),
        ("县", ""),
        ("市", ""),
        ("旗", ""),
    ),
}
# After a name written without its suffix, these would mean the text names something else
# ("朝阳" + "市" is a city, "城关" + "镇" a town): such a match is refused.
_NOT_AFTER_SHORT = tuple("省市区县旗州盟镇乡村街路")
MIN_SHORT_LENGTH = 2


def name_variants(name: str, level: str) -> dict[str, bool]:
    """Spellings of a region name -> whether the spelling is a short one (no suffix)."""
    variants = {name: False}
    for suffix, kept in _SUFFIXES[level]:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = _NATIONALITY_TAIL.sub("", name[: -len(suffix)]) or name[: -len(suffix)]
            if kept:
                variants.setdefault(stem + kept, False)
            if suffix in ("区", "县", "市", "旗") and stem + suffix != name:
                # "管城回族区" is also written "管城区".
                variants.setdefault(stem + suffix, False)
            if len(stem) >= MIN_SHORT_LENGTH:
                variants.setdefault(stem, True)
            break
    return variants


@dataclass(frozen=True)
class _Unit:
    code: str
    full_name: str
    county_level: bool


@dataclass(frozen=True)
class Match:
    region_code: str
    region_name: str  # full name, for the preview
    name: str  # the area: what follows the county


@dataclass(frozen=True)
class MatchError:
    code: str  # no_county, ambiguous, jurisdiction, no_area
    message: str


class RegionMatcher:
    """An index of province, prefecture and county names, built once per import."""

    def __init__(self, regions=None, *, jurisdiction: str | None = None):
        if regions is None:
            regions = Region.objects.filter(retired=False).values_list(
                "code", "name", "full_name", "level", "county_level"
            )
        self.jurisdiction = jurisdiction or settings.PORTAL_JURISDICTION
        self._index: dict[str, dict[str, list[tuple[_Unit, bool]]]] = {
            level: defaultdict(list) for level in RegionLevel.values
        }
        self._longest = 0
        for code, name, full_name, level, county_level in regions:
            unit = _Unit(code, full_name or name, county_level)
            for spelling, short in name_variants(name, level).items():
                self._index[level][spelling].append((unit, short))
                self._longest = max(self._longest, len(spelling))
            if level == RegionLevel.PREFECTURE and county_level:
                # 东莞市 and the like: a prefecture that is its own county.
                for spelling, short in name_variants(name, level).items():
                    self._index[RegionLevel.COUNTY][spelling].append((unit, short))

    def _at(self, level: str, text: str, start: int, within: _Unit | None):
        """Units of ``level`` whose spelling starts at ``start`` -> (unit, end)."""
        found = []
        index = self._index[level]
        for end in range(start + 1, min(len(text), start + self._longest) + 1):
            for unit, short in index.get(text[start:end], ()):
                if within is not None and not unit.code.startswith(significant_prefix(within.code)):
                    continue
                if short and text[end : end + 1] in _NOT_AFTER_SHORT:
                    continue
                found.append((unit, end))
        return found

    def _parses(self, text: str) -> list[tuple[_Unit, int]]:
        results = []
        for province, after_province in [(None, 0), *self._at("province", text, 0, None)]:
            prefectures = self._at("prefecture", text, after_province, province)
            for prefecture, after_prefecture in [(None, after_province), *prefectures]:
                within = prefecture or province
                for county, end in self._at("county", text, after_prefecture, within):
                    results.append((county, end))
                if prefecture is not None and prefecture.county_level:
                    results.append((prefecture, after_prefecture))
        return results

    def match(self, place: str, *, area: str | None = None) -> Match | MatchError:
        text = place.replace(" ", "") if area is not None else place
        parses = self._parses(text)
        if not parses:
            return MatchError("no_county", _("没有找到对应的区县。"))
        longest = max(end for _unit, end in parses)
        counties = {unit.code: unit for unit, end in parses if end == longest}
        if len(counties) > 1:
            names = "、".join(unit.full_name for unit in sorted(counties.values(), key=_code))
            return MatchError(
                "ambiguous",
                _("区县名称不唯一（%(names)s），请写明省、市。") % {"names": names},
            )
        (county,) = counties.values()
        if county.code.startswith(significant_prefix(self.jurisdiction)):
            return MatchError("jurisdiction", _("位于本辖区内：进京管控只针对辖区外的地区。"))
        name = area if area is not None else text[longest:]
        name = name.strip().lstrip(" -—、,:：").strip().rstrip(_TRAILING).strip()
        if not name:
            return MatchError("no_area", _("只写了区县，没有具体地区名称。"))
        return Match(
            region_code=county.code, region_name=county.full_name, name=chinese_width(name)
        )


def _code(unit: _Unit) -> str:
    return unit.code


# -- step 3: the preview ----------------------------------------------------------------


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def build_preview(parsed: ParsedSource, *, on: date, matcher: RegionMatcher | None = None) -> dict:
    """Compare the parsed lines with the areas active on ``on``; nothing is written.

    Returns a JSON-able dict: ``on``, ``new``, ``unchanged``, ``level_changes``,
    ``not_named`` (active areas the source does not name, offered for lifting),
    ``errors`` (line, text, code, message), ``ignored`` and ``warnings``.
    """
    matcher = matcher or RegionMatcher()
    errors = list(parsed.errors)
    active = {}
    for area in RiskArea.objects.active(on=on).select_related("region"):
        active.setdefault((area.region_id, area_key(area.name)), area)

    new, unchanged, level_changes = [], [], []
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    for line in parsed.lines:
        result = matcher.match(line.place, area=line.area)
        if isinstance(result, MatchError):
            errors.append(_error(line.line, line.text, result.code, result.message))
            continue
        key = (result.region_code, area_key(result.name))
        if key in seen:
            first_line, first_level = seen[key]
            message = (
                _("与第 %(line)s 行重复。")
                if first_level == line.level
                else _("与第 %(line)s 行是同一地区，但风险等级不同。")
            )
            errors.append(_error(line.line, line.text, "duplicate", message % {"line": first_line}))
            continue
        seen[key] = (line.line, line.level)
        row = {
            "line": line.line,
            "region_code": result.region_code,
            "region_name": result.region_name,
            "name": result.name,
            "level": line.level,
            "designated_on": _iso(line.designated_on or on),
        }
        existing = active.get(key)
        if existing is None:
            new.append(row)
        elif existing.level == line.level:
            unchanged.append({**row, "area_id": existing.pk})
        else:
            level_changes.append(
                {
                    **row,
                    "area_id": existing.pk,
                    "old_level": existing.level,
                    "stored_name": existing.name,
                }
            )

    not_named = [
        {
            "area_id": area.pk,
            "region_code": area.region_id,
            "region_name": area.region.full_name,
            "name": area.name,
            "level": area.level,
            "designated_on": _iso(area.designated_on),
            # An area designated on the import date cannot be lifted on that same date.
            "liftable": area.designated_on < on,
        }
        for key, area in sorted(active.items(), key=lambda item: (item[0], item[1].pk))
        if key not in seen
    ]
    errors.sort(key=lambda error: error["line"])
    return {
        "on": on.isoformat(),
        "new": new,
        "unchanged": unchanged,
        "level_changes": level_changes,
        "not_named": not_named,
        "errors": errors,
        "ignored": parsed.ignored,
        "warnings": parsed.warnings,
    }


def preview_counts(preview: dict) -> dict[str, int]:
    return {
        key: len(preview[key])
        for key in ("new", "unchanged", "level_changes", "not_named", "errors")
    }


# -- step 4: applying what was previewed ----------------------------------------------------


def apply_preview(*, preview: dict, lift_ids, source: str = "", actor=None):
    """Write the previewed import; ``lift_ids`` must be liftable ``not_named`` areas."""
    from policies.services.bulk import risk_areas_import

    offered = {row["area_id"] for row in preview["not_named"] if row["liftable"]}
    lift = sorted({int(area_id) for area_id in lift_ids} & offered)
    return risk_areas_import(
        create=[creation_row(row) for row in preview["new"]],
        relevel=[
            {**creation_row(row), "area_id": row["area_id"], "old_level": row["old_level"]}
            for row in preview["level_changes"]
        ],
        lift=lift,
        on=date.fromisoformat(preview["on"]),
        source=source,
        actor=actor,
    )


def creation_row(row: dict) -> dict:
    return {
        "region": row["region_code"],
        "name": row["name"],
        "level": row["level"],
        "designated_on": date.fromisoformat(row["designated_on"]),
    }


__all__ = [
    "Match",
    "MatchError",
    "ParsedSource",
    "RegionMatcher",
    "SourceLine",
    "apply_preview",
    "area_key",
    "build_preview",
    "creation_row",
    "decode_upload",
    "name_variants",
    "normalise",
    "parse_csv",
    "parse_notice",
    "preview_counts",
]
