"""Risk data prepared for one as-of date: what each region a leg names looks like on D.

Containment follows GB/T 2260 significant digits (``320000`` ⊃ ``321000`` ⊃
``321002``). A leg's region is a risk county on D when it contains the county of a
risk area active on D (or is contained by it, for areas recorded on a prefecture
without counties); its level is the highest active level. A designation covers a
leg when the designation's region contains the leg's region.

Building the index costs a pass over the snapshot; it is cached per
``(snapshot object, as-of date)`` so a batch of evaluations pays for it once, and
each region is looked at once per index (memoised ``RegionInfo``).
"""

from __future__ import annotations

from datetime import date

from policies.engine.types import DesignationFact, RiskAreaFact, RiskSnapshot

_LEVEL_RANK = {"high": 0, "medium": 1}


def significant_prefix(code: str) -> str:
    """``'320000'`` -> ``'32'``, ``'321000'`` -> ``'3210'``, ``'321002'`` -> ``'321002'``."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def contains(outer: str, inner: str) -> bool:
    """True when region ``outer`` contains region ``inner`` (or is it)."""
    return inner.startswith(significant_prefix(outer))


class RegionInfo:
    """What one region looks like on the as-of date of its index."""

    __slots__ = ("active", "areas", "designations", "level", "name", "region")

    def __init__(self, region, name, level, areas, designations, active):
        self.region: str = region
        self.name: str = name
        self.level: str | None = level  # risk county level on D, None if not a risk county
        self.areas: tuple[RiskAreaFact, ...] = areas  # active areas on D, most severe first
        # Every designation containing the region, whatever its dates (port cities are
        # judged on the leaving day, not on D).
        self.designations: tuple[DesignationFact, ...] = designations
        self.active: dict[str, DesignationFact] = active  # kind -> first one active on D

    @property
    def is_plain(self) -> bool:
        return self.level is None and not self.designations


class RiskIndex:
    __slots__ = ("_by_prefix", "_coarse", "_infos", "_region_areas", "as_of", "reasons", "risk")

    def __init__(self, risk: RiskSnapshot, as_of: date):
        self.risk = risk
        self.as_of = as_of
        # Reason objects depend on the rule, the region and this index's risk data only,
        # so they are built once per index and shared by every declaration of a batch.
        self.reasons: dict = {}
        self._infos: dict[str, RegionInfo] = {}
        region_areas: dict[str, list[RiskAreaFact]] = {}
        coarse: dict[str, list[RiskAreaFact]] = {}
        for county, areas in risk.areas_by_county.items():
            active = [area for area in areas if area.active_on(as_of)]
            if not active:
                continue
            # Keyed by every region that contains the county, so a leg naming a
            # prefecture or province still finds the areas inside it.
            for key in {county, county[:4] + "00", county[:2] + "0000"}:
                region_areas.setdefault(key, []).extend(active)
            if county.endswith("00"):
                coarse[county] = active
        self._region_areas = region_areas
        self._coarse = coarse
        by_prefix: dict[str, list[DesignationFact]] = {}
        for designation in risk.designations:
            by_prefix.setdefault(significant_prefix(designation.region), []).append(designation)
        self._by_prefix = by_prefix

    def info(self, region: str) -> RegionInfo:
        info = self._infos.get(region)
        if info is None:
            info = self._infos[region] = self._build(region)
        return info

    def _build(self, region: str) -> RegionInfo:
        areas = list(self._region_areas.get(region, ()))
        if self._coarse and not region.endswith("00"):
            for key in (region[:4] + "00", region[:2] + "0000"):
                areas.extend(self._coarse.get(key, ()))
        level = None
        if areas:
            areas = sorted(set(areas), key=lambda a: (_LEVEL_RANK[a.level], a.name, a.id))
            level = areas[0].level
        designations = []
        for key in {region[:2], region[:4], region}:
            designations.extend(self._by_prefix.get(key, ()))
        designations.sort(key=lambda d: (d.valid_from, d.id))
        active: dict[str, DesignationFact] = {}
        for designation in designations:
            if designation.active_on(self.as_of):
                active.setdefault(designation.kind, designation)
        name = self.risk.region_names.get(region, region)
        return RegionInfo(region, name, level, tuple(areas), tuple(designations), active)

    def region_name(self, region: str) -> str:
        return self.risk.region_names.get(region, region)


_CACHE: dict[tuple[int, date], RiskIndex] = {}
_CACHE_SIZE = 16


def risk_index(risk: RiskSnapshot, as_of: date) -> RiskIndex:
    """The index of ``risk`` on ``as_of``, built once per snapshot object and date."""
    key = (id(risk), as_of)
    index = _CACHE.get(key)
    # The identity check guards against a new snapshot reusing a collected one's id.
    if index is not None and index.risk is risk:
        return index
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.clear()
    index = _CACHE[key] = RiskIndex(risk, as_of)
    return index
