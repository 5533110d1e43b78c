"""The medium- and high-risk areas in force on a day, as citizens' pages list them.

The rows are the engine's (``RiskArea.objects.active``, as the risk-area API's
``?active_on=`` filter and ``policies.snapshots`` read them), so a county listed here
is one a declaration's answer treats as a risk county on that day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

from policies.models import Region, RiskArea, RiskLevel

# A county is not itself "high-risk": it is one where such an area lies (the rules'
# "中高风险地区所在县").
COUNTY_LABELS = {RiskLevel.HIGH: _("有高风险地区"), RiskLevel.MEDIUM: _("有中风险地区")}


@dataclass
class ListedArea:
    name: str
    level: str
    level_label: str
    designated_on: date


@dataclass
class ListedCounty:
    code: str
    name: str  # 广陵区
    full_name: str  # 江苏省扬州市广陵区
    full_name_en: str  # Guangling District, Yangzhou, Jiangsu
    level: str  # the county's: high when any of its areas is
    level_label: str
    areas: list[ListedArea] = field(default_factory=list)

    @property
    def county_label(self) -> str:
        return str(COUNTY_LABELS.get(self.level, self.level_label))


@dataclass
class ListedProvince:
    code: str
    name: str
    name_en: str
    counties: list[ListedCounty] = field(default_factory=list)

    @property
    def area_count(self) -> int:
        return sum(len(county.areas) for county in self.counties)


def _rank(level: str) -> int:
    return 0 if level == RiskLevel.HIGH else 1


def active_risk_counties(on: date) -> list[ListedCounty]:
    """The counties with an area active on ``on``, high-risk counties first, then by code;
    each county's areas high first, then the newest."""
    labels = dict(RiskLevel.choices)
    rows = (
        RiskArea.objects.active(on=on)
        .select_related("region")
        .order_by("region_id", "level", "-designated_on", "name")
    )
    counties: dict[str, ListedCounty] = {}
    for area in rows:
        region = area.region
        county = counties.get(region.code)
        if county is None:
            county = counties[region.code] = ListedCounty(
                code=region.code,
                name=region.name,
                full_name=region.full_name or region.name,
                full_name_en=region.full_name_en,
                level=area.level,
                level_label=str(labels.get(area.level, area.level)),
            )
        if _rank(area.level) < _rank(county.level):
            county.level, county.level_label = area.level, str(labels[area.level])
        county.areas.append(
            ListedArea(
                name=area.name,
                level=area.level,
                level_label=str(labels.get(area.level, area.level)),
                designated_on=area.designated_on,
            )
        )
    for county in counties.values():
        county.areas.sort(key=lambda a: (_rank(a.level), -a.designated_on.toordinal(), a.name))
    return sorted(counties.values(), key=lambda c: (_rank(c.level), c.code))


def active_risk_provinces(on: date) -> list[ListedProvince]:
    """``active_risk_counties`` grouped by province, in code order."""
    counties = sorted(active_risk_counties(on), key=lambda c: (c.code[:2], _rank(c.level), c.code))
    codes = sorted({county.code[:2] + "0000" for county in counties})
    names = {
        code: (name, name_en)
        for code, name, name_en in Region.objects.filter(code__in=codes).values_list(
            "code", "name", "name_en"
        )
    }
    provinces: dict[str, ListedProvince] = {}
    for county in counties:
        code = county.code[:2] + "0000"
        if code not in provinces:
            name, name_en = names.get(code, (code, ""))
            provinces[code] = ListedProvince(code=code, name=name, name_en=name_en)
        provinces[code].counties.append(county)
    return list(provinces.values())
