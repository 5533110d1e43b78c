"""``port_city_exit``: leaving a land border port city while its testing rule is in force.

Fires for each leg whose region is contained by a designation of kind
``designation`` and whose leaving day falls both in the designation's validity
and in the rule's own window (``valid_from`` .. ``valid_until``, inclusive, either
end open). A leg without a leaving day is taken to end on the reference day: the
planned arrival day, or the as-of date once that has passed (nobody leaves in the past).
Effect: condition ``nat_48h_leaving_port_city``, met when a negative test was
sampled on the leaving day or within the ``hours / 24 - 1`` days before it,
unknown while no test is declared.
"""

from __future__ import annotations

from datetime import date

from policies.engine import labels
from policies.engine.days import ONE_DAY, span
from policies.engine.findings import Context, Finding, condition, negative_test_within
from policies.engine.rules._common import CompiledRule, reason

KIND = "port_city_exit"


class Rule(CompiledRule):
    __slots__ = ("designation", "hours", "valid_from", "valid_until", "window")


def compile(params, citation: str) -> Rule:
    rule = Rule(KIND, params, citation)
    rule.designation = params["designation"]
    rule.hours = params["hours"]
    rule.window = params["hours"] // 24
    rule.valid_from = _date(params["valid_from"])
    rule.valid_until = _date(params["valid_until"])
    return rule


def _date(value) -> date | None:
    return None if value is None else date.fromisoformat(value)


def evaluate(rule: Rule, ctx: Context) -> Finding | None:
    if not ctx.designated:
        return None
    declaration = ctx.declaration
    kind = rule.designation
    start, end = rule.valid_from, rule.valid_until
    conditions = []
    reasons = []
    thresholds: tuple[date, ...] = ()
    for leg, info in zip(ctx.legs, ctx.infos, strict=True):
        if not info.designations:
            continue
        still_there = leg.end_date is None
        leaving = ctx.reference if still_there else leg.end_date
        if still_there:
            # The leaving day follows the reference day once the planned day has passed:
            # the rule's window opens or closes, and the test stops counting, on these days.
            thresholds = _open_leg_thresholds(rule, declaration)
        if (start is not None and leaving < start) or (end is not None and leaving > end):
            continue
        designation = next(
            (d for d in info.designations if d.kind == kind and d.active_on(leaving)), None
        )
        if designation is None:
            continue
        met = negative_test_within(declaration, leaving, rule.window)
        conditions.append(condition("nat_48h_leaving_port_city", met))
        reasons.append(_reason(rule, ctx, info, designation, None if still_there else leaving))
    if not reasons:
        return Finding(reasons=(), thresholds=thresholds) if thresholds else None
    return Finding(reasons=tuple(reasons), conditions=tuple(conditions), thresholds=thresholds)


def _open_leg_thresholds(rule: Rule, declaration) -> tuple[date, ...]:
    days = []
    if rule.valid_from is not None:
        days.append(rule.valid_from)
    if rule.valid_until is not None:
        days.append(rule.valid_until + ONE_DAY)
    test = declaration.nat_test
    if test is not None:
        days.extend((test.sampled_on, test.sampled_on + span(rule.window)))
    return tuple(days)


def _reason(rule: Rule, ctx: Context, info, designation, leaving: date | None):
    """``leaving`` None: the traveller is still there (the reason names no day, which
    would move with the reference day)."""
    key = (rule, info.region, leaving)
    found = ctx.index.reasons.get(key)
    if found is not None:
        return found
    where = ctx.index.region_name(designation.region)
    zone_zh = labels.DESIGNATION_ZH[rule.designation]
    zone_en = labels.DESIGNATION_EN[rule.designation]
    if leaving is None:
        zh = (
            f"离开{info.name}（属于{zone_zh}，{where}）时，"
            f"需持离开前{rule.hours}小时内核酸检测阴性证明。"
        )
        en = (
            f"When you leave {info.name}, part of {zone_en} ({where}), you need a negative "
            f"nucleic acid (PCR) test taken within {rule.hours} hours before leaving."
        )
    else:
        zh = (
            f"{labels.day_zh(leaving)}离开{info.name}，属于{zone_zh}"
            f"（{where}），需持离开前{rule.hours}小时内核酸检测阴性证明。"
        )
        en = (
            f"You left {info.name} on {labels.day_en(leaving)}, part of "
            f"{zone_en} ({where}): you need a negative "
            f"nucleic acid (PCR) test taken within {rule.hours} hours before leaving."
        )
    found = ctx.index.reasons[key] = reason(
        rule,
        zh=zh,
        en=en,
        region=info.region,
        region_name=info.name,
        designation=rule.designation,
    )
    return found
