"""``nat_test``: the nucleic acid (PCR) test before travelling, and declared positive results.

- pre-travel, unless the traveller qualifies as a commuter and ``exempt_commuters``:
  condition ``nat_48h``, met by a negative test sampled on the reference day or
  within the ``hours / 24 - 1`` days before it, unknown while no test is declared;
- a declared positive result, commuter or not: pre-travel postponed with no date
  and ``report_to_community``; arrival report ``report_to_community``.
"""

from __future__ import annotations

from policies.engine import labels
from policies.engine.days import span
from policies.engine.findings import Context, Finding, condition, negative_test_within
from policies.engine.rules._common import CompiledRule, reason

KIND = "nat_test"


class Rule(CompiledRule):
    __slots__ = ("exempt_commuters", "hours", "no_test", "reason", "span", "window")


def compile(params, citation: str) -> Rule:
    rule = Rule(KIND, params, citation)
    rule.hours = params["hours"]
    rule.window = params["hours"] // 24
    rule.span = span(rule.window)
    rule.exempt_commuters = params["exempt_commuters"]
    # The rule as the engine applies it (the sampling days), then the official words.
    rule.reason = reason(
        rule,
        zh=(
            f"需持核酸检测阴性证明，采样日期须为{labels.nat_window_zh(rule.window)}"
            f"（登机、登车前{rule.hours}小时内）。"
        ),
        en=(
            f"You need a negative nucleic acid (PCR) test sampled "
            f"{labels.nat_window_en(rule.window)} (within {rule.hours} hours before boarding)."
        ),
    )
    # The common case, no test declared yet, shares one finding.
    rule.no_test = Finding(reasons=(rule.reason,), conditions=(condition("nat_48h", None),))
    return rule


_POSITIVE_ZH = "申报了核酸检测阳性结果，请立即向所在社区报告。"
_POSITIVE_EN = "You declared a positive nucleic acid (PCR) test: report to your community at once."


def evaluate(rule: Rule, ctx: Context) -> Finding | None:
    declaration = ctx.declaration
    test = declaration.nat_test
    positive = test is not None and test.result == "positive"
    needs_test = ctx.pre_travel and not (rule.exempt_commuters and ctx.commuter)
    if not positive:
        if not needs_test:
            return None
        if test is None:
            return rule.no_test
        met = negative_test_within(declaration, ctx.reference, rule.window)
        return Finding(
            reasons=(rule.reason,),
            conditions=(condition("nat_48h", met),),
            # The reference day moves past the planned day once it has passed: the test
            # starts or stops counting on these days.
            thresholds=(test.sampled_on, test.sampled_on + rule.span),
        )
    if ctx.pre_travel:
        positive_reason = reason(
            rule, zh=_POSITIVE_ZH + "需暂缓进返京。", en=_POSITIVE_EN + " Entry is postponed."
        )
    else:
        positive_reason = reason(rule, zh=_POSITIVE_ZH, en=_POSITIVE_EN)
    conditions = (condition("report_to_community", None),)
    reasons = (positive_reason,)
    if needs_test:
        conditions = (condition("nat_48h", False), *conditions)
        reasons = (rule.reason, positive_reason)
    if not ctx.pre_travel:
        return Finding(reasons=reasons, conditions=conditions)
    return Finding(reasons=reasons, conditions=conditions, postpone=True, entry_from=None)
