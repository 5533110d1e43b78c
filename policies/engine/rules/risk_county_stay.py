"""``risk_county_stay``: a stay in a county that has risk areas on the as-of date.

Fires for each leg whose region is a risk county on D at one of ``levels`` (a county
with a high and a medium area is high only) and that lies within ``days`` of the
reference date. Only for the declaration kind of ``applies_to``:

- pre-travel: postponed; entry from ``max(L + days)`` over the firing legs, no date
  while a firing leg has no leaving day (the traveller is still there);
- arrival report: ``measures`` chained from the latest leaving day among the firing
  legs, ``conditions``.
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
from policies.engine.types import PRE_TRAVEL

KIND = "risk_county_stay"
_MAX_NAMED_AREAS = 5


class Rule(CompiledRule):
    __slots__ = ("conditions", "days", "levels", "pre_travel", "span", "steps")


def compile(params, citation: str) -> Rule:
    rule = Rule(KIND, params, citation)
    rule.levels = frozenset(params["levels"])
    rule.days = params["days"]
    rule.span = span(params["days"])
    rule.pre_travel = params["applies_to"] == PRE_TRAVEL
    rule.steps = steps_of(params["measures"])
    rule.conditions = unmet_conditions(params["conditions"])
    return rule


def evaluate(rule: Rule, ctx: Context) -> Finding | None:
    if not ctx.risky or ctx.pre_travel is not rule.pre_travel:
        return None
    reference = ctx.reference
    days = rule.days
    levels = rule.levels
    firing = []
    for leg, info in zip(ctx.legs, ctx.infos, strict=True):
        if info.level in levels and (
            leg.end_date is None or (reference - leg.end_date).days < days
        ):
            firing.append((leg, info))
    if not firing:
        return None
    home_possible = ctx.declaration.home_quarantine_possible
    # Before travel, a county the traveller is still in (its leg has no leaving day) is
    # said so: "到过" would tell someone who has not left that they had. (An arrival
    # report's open leg ended on the way to Beijing at the latest.)
    still_in = {info.region for leg, info in firing if rule.pre_travel and leg.end_date is None}
    reasons = []
    seen = set()
    for _leg, info in firing:
        if info.region not in seen:
            seen.add(info.region)
            reasons.append(_reason(rule, ctx, info, home_possible, info.region in still_in))
    planned = ctx.declaration.arrival_date
    latest = max(planned if leg.end_date is None else leg.end_date for leg, _info in firing)
    measures = chain(latest, rule.steps, home_possible) if rule.steps else ()
    if not rule.pre_travel:
        return Finding(reasons=tuple(reasons), measures=measures, conditions=rule.conditions)
    # Each closed leg stops firing on its own day; the entry date waits for the last one.
    thresholds = tuple(
        leg.end_date + rule.span for leg, _info in firing if leg.end_date is not None
    )
    entry_from = None if len(thresholds) < len(firing) else latest + rule.span
    return Finding(
        reasons=tuple(reasons),
        measures=measures,
        conditions=rule.conditions,
        postpone=True,
        entry_from=entry_from,
        thresholds=thresholds,
    )


def _reason(rule: Rule, ctx: Context, info, home_possible: bool, still_there: bool):
    key = (rule, info.region, home_possible, still_there)
    found = ctx.index.reasons.get(key)
    if found is not None:
        return found
    areas = tuple(area.name for area in info.areas if area.level == info.level)
    shown = "、".join(areas[:_MAX_NAMED_AREAS]) + ("等" if len(areas) > _MAX_NAMED_AREAS else "")
    shown_en = ", ".join(areas[:_MAX_NAMED_AREAS]) + (
        " and others" if len(areas) > _MAX_NAMED_AREAS else ""
    )
    level_zh, level_en = labels.LEVEL_ZH[info.level], labels.LEVEL_EN[info.level]
    name = info.name
    # The county by its name, not "该县（市、区、旗）" (odd for a 区), and its areas after
    # a colon: demo area names end in "（示例）", which brackets would nest.
    if still_there:
        head_zh = f"目前仍在{name}，"
        head_en = f"You are still in {name}, which"
    else:
        head_zh = f"{labels.within_days_zh(rule.days)}到过{name}，"
        head_en = f"{labels.within_days_en(rule.days)}, you stayed in {name}; it"
    head_zh += f"{name}现有{level_zh}地区：{shown}。"
    # One area is "a high-risk area": the Chinese 地区 is either.
    kind_en = f"a {level_en}-risk area" if len(areas) == 1 else f"{level_en}-risk areas"
    head_en += f" currently has {kind_en}: {shown_en}."
    if rule.pre_travel:
        zh = head_zh + "需暂缓进返京。"
        en = head_en + " Entry is postponed."
    else:
        steps = rule.steps if home_possible else home_to_central(rule.steps)
        zh = head_zh + (
            f"需{labels.measures_zh(steps)}，"
            f"{labels.counted_from_zh(steps, f'离开{name}之日')}{labels.DAYS_BEFORE_COUNT_ZH}。"
        )
        en = head_en + (
            f" You need {labels.measures_en(steps)}, "
            f"{labels.counted_from_en(steps, f'the day you left {name}')}"
            f"{labels.days_before_count_en(steps)}."
        )
        if not home_possible and steps != rule.steps:
            zh += "不具备居家观察条件的，改为集中观察。"
            en += (
                " As home observation is not possible for you, the observation is at a"
                " designated site."
            )
    found = ctx.index.reasons[key] = reason(
        rule, zh=zh, en=en, region=info.region, region_name=name, risk_areas=areas
    )
    return found
