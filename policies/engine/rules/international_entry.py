"""``international_entry``: the traveller entered mainland China at a port outside Beijing.

Fires when the declared entry date E lies within ``days`` of the reference date
(entry counts as day 1, like a leaving day).

- pre-travel: postponed, entry from ``E + days``;
- both kinds: ``measures`` chained from E, ``conditions``. An arrival report's reason
  says what applies and until when, not a day entry is allowed from.
"""

from __future__ import annotations

from policies.engine import labels
from policies.engine.days import ONE_DAY, chain, chain_end, span
from policies.engine.findings import Context, Finding
from policies.engine.rules._common import (
    CompiledRule,
    home_to_central,
    reason,
    steps_of,
    unmet_conditions,
)

KIND = "international_entry"
# "Another port" was officials' shorthand: a port of entry from abroad that is not Beijing's.
_ENTERED_EN = (
    "You entered mainland China from abroad at a port outside Beijing"
    " (an airport, seaport or land crossing)"
)


class Rule(CompiledRule):
    __slots__ = ("conditions", "days", "span", "steps")


def compile(params, citation: str) -> Rule:
    rule = Rule(KIND, params, citation)
    rule.days = params["days"]
    rule.span = span(params["days"])
    rule.steps = steps_of(params["measures"])
    rule.conditions = unmet_conditions(params["conditions"])
    return rule


def evaluate(rule: Rule, ctx: Context) -> Finding | None:
    entered = ctx.declaration.international_entry_date
    if entered is None or (ctx.reference - entered).days >= rule.days:
        return None
    home_possible = ctx.declaration.home_quarantine_possible
    measures = chain(entered, rule.steps, home_possible) if rule.steps else ()
    reasons = (_reason(rule, ctx, entered),)
    if not ctx.pre_travel:
        return Finding(reasons=reasons, measures=measures, conditions=rule.conditions)
    entry_from = entered + rule.span
    return Finding(
        reasons=reasons,
        measures=measures,
        conditions=rule.conditions,
        postpone=True,
        entry_from=entry_from,
        thresholds=(entry_from,),
    )


def _reason(rule: Rule, ctx: Context, entered):
    home_possible = ctx.declaration.home_quarantine_possible
    key = (rule, entered, ctx.pre_travel, ctx.pre_travel or home_possible)
    found = ctx.index.reasons.get(key)
    if found is not None:
        return found
    if ctx.pre_travel:
        allowed = entered + rule.span
        zh = (
            f"{labels.day_zh(entered)}经其他口岸入境，未满{rule.days}天，"
            f"{labels.day_zh(allowed)}起方可进返京。"
        )
        en = (
            f"{_ENTERED_EN} on {labels.day_en(entered)}; you may enter Beijing once "
            f"{rule.days} days have passed since then, from {labels.day_en(allowed)}."
        )
        if rule.steps:
            zh += (
                f"需{labels.measures_zh(rule.steps)}，"
                f"{labels.counted_from_zh(rule.steps, '入境之日')}{labels.DAYS_BEFORE_COUNT_ZH}。"
            )
            en += (
                f" You need {labels.measures_en(rule.steps)}, "
                f"{labels.counted_from_en(rule.steps, 'the day you entered')}"
                f"{labels.days_before_count_en(rule.steps)}."
            )
    else:
        # Already in Beijing: what applies now and until when, not a day "entry is
        # allowed from", which read as if coming had broken a rule.
        zh = f"{labels.day_zh(entered)}经其他口岸入境，抵京时入境未满{rule.days}天。"
        en = (
            f"{_ENTERED_EN} on {labels.day_en(entered)}, "
            f"less than {rule.days} days before you arrived in Beijing."
        )
        if rule.steps:
            steps = rule.steps if home_possible else home_to_central(rule.steps)
            last = chain_end(entered, steps) - ONE_DAY
            zh += (
                f"需{labels.measures_zh(steps)}，{labels.counted_from_zh(steps, '入境之日')}，"
                f"至{labels.day_zh(last)}。"
            )
            en += (
                f" You need {labels.measures_en(steps)}, "
                f"{labels.counted_from_en(steps, 'the day you entered')}, up to"
                f" and including {labels.day_en(last)}."
            )
    if rule.conditions:
        codes = [c.code for c in rule.conditions]
        zh += f"还需：{labels.conditions_zh(codes)}。"
        en += f" Also required: {labels.conditions_en(codes)}."
    found = ctx.index.reasons[key] = reason(rule, zh=zh, en=en)
    return found
