"""Impact preview: who would get a different answer if a proposal took effect.

The live saved declarations are evaluated twice with the same engine, under
today's data and under the proposal (a draft policy version, or risk areas to
add and lift), and the answers compared. Nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from itertools import count
from types import MappingProxyType

from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from policies.api.results import result_to_dict
from policies.engine.types import (
    OUTCOMES,
    DesignationFact,
    Measure,
    PolicySnapshot,
    RiskAreaFact,
    RiskSnapshot,
)
from policies.models import PolicyVersion
from policies.regions import region_table
from policies.snapshots import policy_in_force, policy_snapshot, risk_snapshot
from travellers.evaluation import answer_changed, evaluate_saved
from travellers.models import Declaration, Leg, Outcome
from travellers.presentation import format_day, measure_label
from travellers.reevaluation import leg_region_codes

CHUNK_SIZE = 1000
SAMPLE_SIZE = 20


def _label(outcome: str) -> str:
    return str(Outcome(outcome).label)


@dataclass(frozen=True)
class ImpactSample:
    reference: str
    masked_name: str
    old_outcome: str
    new_outcome: str
    # The same headline may come with another entry date: the row would read "暂缓 → 暂缓".
    old_entry: date | None = None
    new_entry: date | None = None
    # Likewise with other measure dates (home observation 14 days -> 7): "居家观察 → 居家观察".
    # The engine's own tuples, kept only for sample rows; worded when a page shows them.
    old_measures: tuple[Measure, ...] = ()
    new_measures: tuple[Measure, ...] = ()

    @property
    def old_label(self) -> str:
        return _label(self.old_outcome)

    @property
    def new_label(self) -> str:
        return _label(self.new_outcome)

    @property
    def old_measures_text(self) -> str:
        return _measures_text(self.old_measures)

    @property
    def new_measures_text(self) -> str:
        return _measures_text(self.new_measures)

    @property
    def measures_changed(self) -> bool:
        return self.old_measures != self.new_measures


def _measures_text(measures: tuple[Measure, ...]) -> str:
    """E.g. 「集中观察至2021年8月28日；健康监测至2021年9月4日」, in the reader's language."""
    language = translation.get_language() or "zh-hans"
    return _("；").join(
        _("%(measure)s至%(date)s")
        % {"measure": measure_label(m.kind), "date": format_day(m.end, language)}
        for m in sorted(measures, key=lambda m: m.start)
    )


@dataclass
class ImpactReport:
    """``counts[(old_outcome, new_outcome)]`` over every declaration evaluated; ``changed``
    counts those whose answer changes (headline, entry date or a dated measure, as
    ``travellers.evaluation.answer_changed`` defines it), so it can exceed the
    off-diagonal counts."""

    on: date
    evaluated: int = 0
    changed: int = 0
    # Of ``changed``: the headline changes; the rest keep it, with other dates or measures.
    outcome_changed: int = 0
    counts: Counter = field(default_factory=Counter)
    sample: list[ImpactSample] = field(default_factory=list)
    # No published version in force on ``on``: there is no "today" to compare with.
    policy_missing: bool = False
    # Risk changes evaluate only declarations with a stay in a county they touch.
    affected_counties_only: bool = False

    @property
    def dates_changed(self) -> int:
        return self.changed - self.outcome_changed

    @property
    def column_labels(self) -> list[str]:
        return [_label(outcome) for outcome in OUTCOMES]

    @property
    def rows(self) -> list[dict]:
        """The matrix for templates: one row per old outcome that occurs, all columns."""
        olds = {old for old, _new in self.counts}
        return [
            {
                "outcome": old,
                "label": _label(old),
                "cells": [
                    {"count": self.counts.get((old, new), 0), "changed": old != new}
                    for new in OUTCOMES
                ],
            }
            for old in OUTCOMES
            if old in olds
        ]


def _chunks(declarations: QuerySet[Declaration]) -> Iterator[list[Declaration]]:
    rows = declarations.prefetch_related("legs").iterator(chunk_size=CHUNK_SIZE)
    chunk: list[Declaration] = []
    for declaration in rows:
        chunk.append(declaration)
        if len(chunk) == CHUNK_SIZE:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _compare(
    declarations: QuerySet[Declaration],
    *,
    on: date,
    today: tuple[PolicySnapshot, RiskSnapshot],
    proposal: tuple[PolicySnapshot, RiskSnapshot],
) -> ImpactReport:
    report = ImpactReport(on=on)
    for chunk in _chunks(declarations.order_by("pk")):
        before = evaluate_saved(chunk, as_of=on, policy=today[0], risk=today[1])
        after = evaluate_saved(chunk, as_of=on, policy=proposal[0], risk=proposal[1])
        for declaration, old, new in zip(chunk, before, after, strict=True):
            report.evaluated += 1
            report.counts[(old.outcome, new.outcome)] += 1
            if not answer_changed(result_to_dict(old, None), result_to_dict(new, None)):
                continue
            report.changed += 1
            report.outcome_changed += old.outcome != new.outcome
            if len(report.sample) < SAMPLE_SIZE:
                report.sample.append(
                    ImpactSample(
                        reference=declaration.reference,
                        masked_name=declaration.masked_name,
                        old_outcome=old.outcome,
                        new_outcome=new.outcome,
                        old_entry=old.entry_allowed_from,
                        new_entry=new.entry_allowed_from,
                        old_measures=old.measures,
                        new_measures=new.measures,
                    )
                )
    return report


def preview_policy_version(version: PolicyVersion, *, on: date | None = None) -> ImpactReport:
    """The live declarations under the version in force on ``on`` (default today) and
    under ``version`` (typically a draft), both with the risk data of ``on``.

    Raises ``policies.engine.RuleParamsError`` when one of the version's rules is invalid.
    """
    on = on or timezone.localdate()
    proposal = policy_snapshot(version)
    current = policy_in_force(on)
    if current is None:
        return ImpactReport(on=on, policy_missing=True)
    risk = risk_snapshot(on=on)
    return _compare(
        Declaration.objects.live(on=on), on=on, today=(current, risk), proposal=(proposal, risk)
    )


def _with_changes(
    risk: RiskSnapshot, *, add: Iterable[dict], lift: set[int], on: date
) -> RiskSnapshot:
    areas = {
        county: [area for area in areas if area.id not in lift]
        for county, areas in risk.areas_by_county.items()
    }
    # Proposed areas have no row yet: negative ids cannot clash with real ones.
    ids = count(-1, -1)
    for spec in add:
        area = RiskAreaFact(
            id=next(ids),
            county=str(spec["region"]),
            name=str(spec.get("name", "")),
            level=spec["level"],
            designated_on=spec.get("designated_on") or on,
            lifted_on=spec.get("lifted_on"),
        )
        areas.setdefault(area.county, []).append(area)
    return replace(
        risk,
        areas_by_county=MappingProxyType(
            {county: tuple(found) for county, found in areas.items() if found}
        ),
    )


def preview_risk_changes(
    *, add: list[dict], lift: list[int], on: date | None = None
) -> ImpactReport:
    """The live declarations under today's risk data and under today's data with the
    ``add``-ed areas (``{"region", "name", "level", "designated_on"}``, region a county
    code) designated and the areas of ids ``lift`` lifted on ``on``.

    Only declarations with a stay in a county the change touches are evaluated: a
    risk area reaches no other county, so no other answer can change.
    """
    on = on or timezone.localdate()
    lift_ids = {int(area_id) for area_id in lift}
    today_risk = risk_snapshot(on=on)
    counties = {str(spec["region"]) for spec in add}
    counties |= {
        area.county
        for areas in today_risk.areas_by_county.values()
        for area in areas
        if area.id in lift_ids
    }
    policy = policy_in_force(on)
    if policy is None:
        return ImpactReport(on=on, policy_missing=True, affected_counties_only=True)
    proposal_risk = _with_changes(today_risk, add=add, lift=lift_ids, on=on)
    candidates = Declaration.objects.live(on=on).filter(
        pk__in=Leg.objects.filter(region_id__in=counties).values("declaration_id")
    )
    report = _compare(
        candidates, on=on, today=(policy, today_risk), proposal=(policy, proposal_risk)
    )
    report.affected_counties_only = True
    return report


def preview_designation_changes(
    *, add: list[dict], remove: list[int], on: date | None = None
) -> ImpactReport:
    """The live declarations under today's designations and under them with the
    ``add``-ed ones (``{"kind", "region", "valid_from", "valid_until"}``, region any
    level) in force and those of ids ``remove`` gone, both on ``on``.

    Only declarations with a leg in a region the change names (or a county of it) are
    evaluated, the same ones the re-evaluation after the write selects.
    """
    on = on or timezone.localdate()
    remove_ids = {int(designation_id) for designation_id in remove}
    today_risk = risk_snapshot(on=on)
    regions = {str(spec["region"]) for spec in add}
    regions |= {item.region for item in today_risk.designations if item.id in remove_ids}
    policy = policy_in_force(on)
    if policy is None:
        return ImpactReport(on=on, policy_missing=True, affected_counties_only=True)
    ids = count(-1, -1)
    added = tuple(
        DesignationFact(
            id=next(ids),
            kind=spec["kind"],
            region=str(spec["region"]),
            valid_from=spec["valid_from"],
            valid_until=spec.get("valid_until"),
        )
        for spec in add
    )
    table = region_table()
    names = dict(today_risk.region_names)
    names.update({item.region: table[item.region].name for item in added if item.region in table})
    proposal_risk = replace(
        today_risk,
        designations=tuple(d for d in today_risk.designations if d.id not in remove_ids) + added,
        region_names=MappingProxyType(names),
    )
    candidates = Declaration.objects.live(on=on).filter(
        pk__in=Leg.objects.filter(region_id__in=leg_region_codes(regions)).values(
            "declaration_id"
        )
    )
    report = _compare(
        candidates, on=on, today=(policy, today_risk), proposal=(policy, proposal_risk)
    )
    report.affected_counties_only = True
    return report
