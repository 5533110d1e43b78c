"""``designated_region_stay``: a stay in a region covered by an active designation.

Fires for each leg whose region is contained by a designation of kind
``designation`` active on the as-of date, within ``days`` of the reference date.
Effect, whatever the declaration kind: ``measures`` chained from the latest leaving
day among the firing legs (the planned arrival day for a leg without one) and
``conditions``. It never postpones. For a pre-travel declaration it also reports
the reference date on which the look-back window closes.
"""

from __future__ import annotations

from policies.engine import labels
from policies.engine.days import chain, span
from policies.engine.findings import Context, Finding
from policies.engine.rules._common import (
    CompiledRule,
    home_to_central,
    reason,
    steps_of,
    unmet_conditions,
)

KIND = "designated_region_stay"


class Rule(CompiledRule):
    __slots__ = ("conditions", "days", "designation", "span", "steps")


def compile(params, citation: str) -> Rule:
    rule = Rule(KIND, params, citation)
    rule.designation = params["designation"]
    rule.days = params["days"]
    rule.span = span(params["days"])
    rule.steps = steps_of(params["measures"])
    rule.conditions = unmet_conditions(params["conditions"])
    return rule


def evaluate(rule: Rule, ctx: Context) -> Finding | None:
    if not ctx.designated:
        return None
    reference = ctx.reference
    days = rule.days
    kind = rule.designation
    firing = []
    for leg, info in zip(ctx.legs, ctx.infos, strict=True):
        if kind in info.active and (leg.end_date is None or (reference - leg.end_date).days < days):
            firing.append((leg, info))
    if not firing:
        return None
    home_possible = ctx.declaration.home_quarantine_possible
    # As for a risk county: "到过" only for a place left, or for a report after arrival.
    still_in = {info.region for leg, info in firing if ctx.pre_travel and leg.end_date is None}
    reasons = []
    seen = set()
    for _leg, info in firing:
        if info.region not in seen:
            seen.add(info.region)
            reasons.append(_reason(rule, ctx, info, home_possible, info.region in still_in))
    planned = ctx.declaration.arrival_date
    latest = max(planned if leg.end_date is None else leg.end_date for leg, _info in firing)
    measures = chain(latest, rule.steps, home_possible) if rule.steps else ()
    thresholds = ()
    if ctx.pre_travel:
        thresholds = tuple(
            leg.end_date + rule.span for leg, _info in firing if leg.end_date is not None
        )
    return Finding(
        reasons=tuple(reasons),
        measures=measures,
        conditions=rule.conditions,
        thresholds=thresholds,
    )


def _reason(rule: Rule, ctx: Context, info, home_possible: bool, still_there: bool):
    key = (rule, info.region, home_possible, still_there)
    found = ctx.index.reasons.get(key)
    if found is not None:
        return found
    designation = info.active[rule.designation]
    where = ctx.index.region_name(designation.region)
    steps = rule.steps if home_possible else home_to_central(rule.steps)
    # Still there (a leg without a leaving day): "到过" would say the traveller had left.
    if still_there:
        zh = f"目前仍在{info.name}，"
        en = f"You are still in {info.name}, part of "
    else:
        zh = f"{labels.within_days_zh(rule.days)}到过{info.name}，"
        en = f"{labels.within_days_en(rule.days)}, you stayed in {info.name}, part of "
    zh += f"属于{labels.DESIGNATION_ZH[rule.designation]}（{where}）。"
    en += f"{labels.DESIGNATION_EN[rule.designation]} ({where})."
    if steps:
        # From leaving the designated region (a case city as a whole), named: the measures
        # run from the last day in it, and the days before arrival are part of them.
        zh += (
            f"需{labels.measures_zh(steps)}，"
            f"{labels.counted_from_zh(steps, f'离开{where}之日')}{labels.DAYS_BEFORE_COUNT_ZH}。"
        )
        en += (
            f" You need {labels.measures_en(steps)}, "
            f"{labels.counted_from_en(steps, f'the day you left {where}')}"
            f"{labels.days_before_count_en(steps)}."
        )
    if rule.conditions:
        codes = [c.code for c in rule.conditions]
        zh += f"还需：{labels.conditions_zh(codes)}。"
        en += f" Also required: {labels.conditions_en(codes)}."
    found = ctx.index.reasons[key] = reason(
        rule,
        zh=zh,
        en=en,
        region=info.region,
        region_name=info.name,
        designation=rule.designation,
    )
    return found
