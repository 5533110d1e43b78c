"""``health_code``: the declared health code is not the required colour.

- pre-travel: postponed with no date (the code has to turn first), condition
  ``green_code`` unmet;
- arrival report: ``measures`` chained from the arrival day and ``conditions``
  (by default report to the community and 7 days of health monitoring).

A code of the required colour fires nothing.
"""

from __future__ import annotations

from policies.engine import labels
from policies.engine.days import chain
from policies.engine.findings import Context, Finding, condition
from policies.engine.rules._common import CompiledRule, reason, steps_of, unmet_conditions

KIND = "health_code"


class Rule(CompiledRule):
    __slots__ = ("conditions", "required", "steps")


def compile(params, citation: str) -> Rule:
    rule = Rule(KIND, params, citation)
    rule.required = params["required_colour"]
    rule.steps = steps_of(params["measures"])
    rule.conditions = unmet_conditions(params["conditions"])
    return rule


def evaluate(rule: Rule, ctx: Context) -> Finding | None:
    colour = ctx.declaration.health_code
    if colour == rule.required:
        return None
    reasons = (_reason(rule, ctx, colour),)
    if ctx.pre_travel:
        return Finding(
            reasons=reasons,
            conditions=(condition("green_code", False),),
            postpone=True,
            entry_from=None,
        )
    measures = chain(
        ctx.declaration.arrival_date, rule.steps, ctx.declaration.home_quarantine_possible
    )
    return Finding(reasons=reasons, measures=measures, conditions=rule.conditions)


def _reason(rule: Rule, ctx: Context, colour: str):
    key = (rule, colour, ctx.pre_travel)
    found = ctx.index.reasons.get(key)
    if found is not None:
        return found
    required_zh = labels.COLOUR_ZH[rule.required]
    zh = f"健康码为{labels.COLOUR_ZH.get(colour, colour)}，不是{required_zh}。"
    en = (
        f"Your health code is {labels.COLOUR_EN.get(colour, colour)}, "
        f"not {labels.COLOUR_EN[rule.required]}."
    )
    if ctx.pre_travel:
        # The same declaration is changed, not a new one made: the link's own words.
        zh += f"需暂缓进返京。健康码转为{required_zh}后，请通过“修改行程和健康信息”更新本次申报。"
        en += (
            f" Entry is postponed. Once your code is {labels.COLOUR_EN[rule.required]},"
            " update this declaration with “Change your trip and health details”."
        )
    else:
        if rule.steps:
            zh += (
                f"需{labels.measures_zh(rule.steps)}，"
                f"{labels.counted_from_zh(rule.steps, '抵京之日')}。"
            )
            en += (
                f" You need {labels.measures_en(rule.steps)}, "
                f"{labels.counted_from_en(rule.steps, 'the day you arrived')}."
            )
        if rule.conditions:
            codes = [c.code for c in rule.conditions]
            zh += f"还需：{labels.conditions_zh(codes)}。"
            en += f" Also required: {labels.conditions_en(codes)}."
    found = ctx.index.reasons[key] = reason(rule, zh=zh, en=en)
    return found
