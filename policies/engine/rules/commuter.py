"""``commuter``: a declared commuter whose every leg lies in the commuter zone.

Qualifies when the traveller declares commuting, has at least one leg, every leg's
region is contained by an active designation of kind ``designation`` and the health
code is ``required_colour``. Effect: ``conditions`` (temperature check), and the
exemption from ``nat_test`` (the evaluator asks :func:`qualifies` before any rule
runs). It never overrides a risk rule: those fire on their own legs regardless.
"""

from __future__ import annotations

from policies.engine import labels
from policies.engine.findings import Context, Finding
from policies.engine.rules._common import CompiledRule, reason, unmet_conditions

KIND = "commuter"


class Rule(CompiledRule):
    __slots__ = ("conditions", "designation", "required")


def compile(params, citation: str) -> Rule:
    rule = Rule(KIND, params, citation)
    rule.designation = params["designation"]
    rule.required = params["required_colour"]
    rule.conditions = unmet_conditions(params["conditions"])
    return rule


def qualifies(rule: Rule, ctx: Context) -> bool:
    declaration = ctx.declaration
    if not declaration.commuter or not ctx.designated or declaration.health_code != rule.required:
        return False
    kind = rule.designation
    # ctx.designated implies at least one leg.
    return all(kind in info.active for info in ctx.infos)


def evaluate(rule: Rule, ctx: Context) -> Finding | None:
    if not qualifies(rule, ctx):
        return None
    regions = tuple(dict.fromkeys(info.region for info in ctx.infos))
    key = (rule, regions)
    found = ctx.index.reasons.get(key)
    if found is None:
        names = [ctx.index.region_name(region) for region in regions]
        zone_zh = labels.DESIGNATION_ZH[rule.designation]
        zh = (
            f"通勤人员，申报的行程均在{zone_zh}（{'、'.join(names)}）内，"
            f"健康码为{labels.COLOUR_ZH[rule.required]}"
        )
        en = (
            f"You commute from {labels.DESIGNATION_EN[rule.designation]}, all your declared "
            f"stays are in it ({', '.join(names)}) and your health code is "
            f"{labels.COLOUR_EN[rule.required]}"
        )
        # What commuting asks for, not "may enter": a risk rule on the same legs still
        # postpones, and this reason must not say otherwise beside that headline. (The
        # test exemption is the nat_test rule's to state: it has its own parameter.)
        if rule.conditions:
            codes = [c.code for c in rule.conditions]
            zh += f"，需{labels.conditions_zh(codes)}。"
            en += f", so you need {labels.conditions_en(codes)}."
        else:
            zh += "。"
            en += "."
        found = ctx.index.reasons[key] = reason(
            rule,
            zh=zh,
            en=en,
            region=regions[0],
            region_name=names[0],
            designation=rule.designation,
        )
    return Finding(reasons=(found,), conditions=rule.conditions)
