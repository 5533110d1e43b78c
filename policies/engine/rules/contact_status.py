"""``contact_status``: a declared close contact, secondary contact or their cohabitant.

``statuses`` maps each contact status to its ``measures``, ``conditions`` and the
look-back ``days`` (by default the length of all its measures). Fires when the
declared status is listed and the last contact date C lies within ``days`` of the
reference date (a contact after the arrival day, found in the city, always does).

- both kinds: measures chained from C, conditions;
- pre-travel: postponed, entry from the day after the last measure ends.

Without a contact date the measures cannot be dated: a pre-travel declaration is
postponed with no date; an arrival report dates them from the arrival day, the
latest day the contact can have happened on before arriving.
"""

from __future__ import annotations

from policies.engine import labels
from policies.engine.days import chain, chain_end, span
from policies.engine.findings import Context, Finding
from policies.engine.rules._common import (
    CompiledRule,
    home_to_central,
    reason,
    steps_of,
    unmet_conditions,
)

KIND = "contact_status"


class _Status:
    __slots__ = ("conditions", "days", "span", "steps")

    def __init__(self, spec):
        self.steps = steps_of(spec["measures"])
        self.conditions = unmet_conditions(spec["conditions"])
        self.days = spec["days"]
        self.span = span(spec["days"])


class Rule(CompiledRule):
    __slots__ = ("statuses",)


def compile(params, citation: str) -> Rule:
    rule = Rule(KIND, params, citation)
    rule.statuses = {name: _Status(spec) for name, spec in params["statuses"].items()}
    return rule


def evaluate(rule: Rule, ctx: Context) -> Finding | None:
    declaration = ctx.declaration
    status = rule.statuses.get(declaration.contact_status)
    if status is None:
        return None
    contact = declaration.last_contact_date
    if contact is not None and (ctx.reference - contact).days >= status.days:
        return None
    reasons = (_reason(rule, ctx, declaration.contact_status, contact),)
    home_possible = declaration.home_quarantine_possible
    if contact is None:
        if ctx.pre_travel:
            return Finding(
                reasons=reasons, conditions=status.conditions, postpone=True, entry_from=None
            )
        measures = chain(declaration.arrival_date, status.steps, home_possible)
        return Finding(reasons=reasons, measures=measures, conditions=status.conditions)
    measures = chain(contact, status.steps, home_possible) if status.steps else ()
    if not ctx.pre_travel:
        return Finding(reasons=reasons, measures=measures, conditions=status.conditions)
    entry_from = chain_end(contact, status.steps) if status.steps else contact + status.span
    return Finding(
        reasons=reasons,
        measures=measures,
        conditions=status.conditions,
        postpone=True,
        entry_from=entry_from,
        thresholds=(contact + status.span,),
    )


def _reason(rule: Rule, ctx: Context, name: str, contact):
    key = (rule, name, contact, ctx.pre_travel, ctx.declaration.home_quarantine_possible)
    found = ctx.index.reasons.get(key)
    if found is not None:
        return found
    status = rule.statuses[name]
    zh = f"申报为{labels.CONTACT_ZH[name]}"
    en = f"You declared that you are {labels.CONTACT_EN[name]}"
    if contact is not None:
        zh += f"（最后接触日期 {labels.day_zh(contact)}）"
        en += f" (last contact on {labels.day_en(contact)})"
    zh += "。"
    en += "."
    steps = status.steps
    if not ctx.declaration.home_quarantine_possible:
        steps = home_to_central(steps)
    if steps:
        zh += f"需{labels.measures_zh(steps)}，{labels.counted_from_zh(steps, '最后接触之日')}"
        en += (
            f" You need {labels.measures_en(steps)}, "
            f"{labels.counted_from_en(steps, 'the day of the last contact')}"
        )
        if not ctx.pre_travel and contact is not None:
            # Already here: the days between the contact and arrival are part of them.
            zh += labels.DAYS_BEFORE_COUNT_ZH
            en += labels.days_before_count_en(steps)
        zh += "。"
        en += "."
    if status.conditions:
        codes = [c.code for c in status.conditions]
        zh += f"还需：{labels.conditions_zh(codes)}。"
        en += f" Also required: {labels.conditions_en(codes)}."
    if ctx.pre_travel:
        zh += "措施期满前暂缓进返京。"
        en += " Entry is postponed until the measures have ended."
    found = ctx.index.reasons[key] = reason(rule, zh=zh, en=en)
    return found
