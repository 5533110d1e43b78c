"""The one generic evaluator: runs every rule of a policy version and combines findings.

Combining (rulebook section 3):

- Headline, most severe first: postponed > central observation > home observation
  > health monitoring > allowed. A pre-travel declaration is ``postponed`` when any
  rule postpones it, else ``allowed``; its measures are those that will apply after
  arrival: one that ends before the reference date (or, when postponed, before the
  entry date) is left out, and none is listed while no entry date can be given.
  An arrival report is never postponed: its headline is the most severe measure
  whose period contains the as-of date, ``allowed`` when none does.
- ``entry_allowed_from`` (pre-travel, postponed only): the latest date among the
  postponing rules, None when any of them cannot give a date.
- Measures from several rules are all listed (identical ones once), by start date.
- Conditions are merged by code: unmet when any rule finds it unmet, else unknown
  when any cannot tell, else met.
- ``next_review_on``: the first day after D on which the result changes by the
  passing of time alone. For an arrival report a measure starting or ending; for a
  pre-travel declaration, whose reference date follows D once the planned day has
  passed, a look-back window closing or a test starting or ceasing to count
  (postponements end this way). Scheduled data changes are not folded in.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from policies.engine.catalogue import validate_rule
from policies.engine.days import ONE_DAY
from policies.engine.findings import Context, Finding, condition
from policies.engine.index import risk_index
from policies.engine.rules import RULE_KINDS, commuter
from policies.engine.types import (
    DeclarationFacts,
    Measure,
    PolicySnapshot,
    Result,
    RiskSnapshot,
)

_RANK = {"central_observation": 1, "home_observation": 2, "health_monitoring": 3}
_ALLOWED_RANK = 4
_HEADLINE = {1: "central_observation", 2: "home_observation", 3: "health_monitoring"}


class CompiledPolicy:
    __slots__ = ("code", "commuters", "effective_from", "policy", "rules")

    def __init__(self, policy: PolicySnapshot):
        self.policy = policy
        self.code = policy.code
        self.effective_from = policy.effective_from
        rules = []
        commuters = []
        for spec in sorted(policy.rules, key=lambda spec: spec.position):
            params = validate_rule(spec.kind, spec.params)  # raises for an unknown kind too
            kind = RULE_KINDS[spec.kind]
            compiled = kind.compile(params, spec.citation)
            rules.append((kind.evaluate, compiled))
            if spec.kind == commuter.KIND:
                commuters.append(compiled)
        self.rules = tuple(rules)
        self.commuters = tuple(commuters)


_POLICIES: dict[int, CompiledPolicy] = {}
_POLICY_CACHE_SIZE = 32


def compile_policy(policy: PolicySnapshot) -> CompiledPolicy:
    """The compiled form of ``policy``, built once per snapshot object.

    Raises ``catalogue.RuleParamsError`` for a rule whose parameters do not validate.
    """
    compiled = _POLICIES.get(id(policy))
    # The identity check guards against a new snapshot reusing a collected one's id.
    if compiled is not None and compiled.policy is policy:
        return compiled
    compiled = CompiledPolicy(policy)
    if len(_POLICIES) >= _POLICY_CACHE_SIZE:
        _POLICIES.clear()
    _POLICIES[id(policy)] = compiled
    return compiled


def select_version(versions: Iterable[PolicySnapshot], on: date) -> PolicySnapshot | None:
    """The version in force on ``on``: the latest with ``effective_from <= on``.

    Two versions effective the same day are told apart by code, so the choice does not
    depend on the order they were loaded in.
    """
    best = None
    for version in versions:
        if version.effective_from > on:
            continue
        if best is None or (version.effective_from, version.code) > (
            best.effective_from,
            best.code,
        ):
            best = version
    return best


def evaluate(
    declaration: DeclarationFacts, policy: PolicySnapshot, risk: RiskSnapshot, as_of: date
) -> Result:
    """What ``policy`` says about ``declaration`` on ``as_of`` given ``risk``."""
    compiled = compile_policy(policy)
    ctx = Context(declaration, risk_index(risk, as_of), as_of)
    if declaration.commuter:
        for rule in compiled.commuters:
            if commuter.qualifies(rule, ctx):
                ctx.commuter = True
                break
    findings = []
    for evaluate_rule, rule in compiled.rules:
        finding = evaluate_rule(rule, ctx)
        if finding is not None:
            findings.append(finding)
    return _combine(findings, ctx, compiled)


def _combine(findings: list[Finding], ctx: Context, compiled: CompiledPolicy) -> Result:
    measures: list[Measure] = []
    conditions = []
    reasons = []
    thresholds = []
    postpone = False
    undated = False
    entry_from = None
    for finding in findings:
        if finding.measures:
            measures.extend(finding.measures)
        if finding.conditions:
            conditions.extend(finding.conditions)
        reasons.extend(finding.reasons)
        if finding.postpone:
            postpone = True
            if finding.entry_from is None:
                undated = True
            elif entry_from is None or finding.entry_from > entry_from:
                entry_from = finding.entry_from
        if finding.thresholds:
            thresholds.extend(finding.thresholds)
    if len(measures) > 1:
        measures = sorted(dict.fromkeys(measures), key=lambda m: (m.start, _RANK[m.kind], m.end))
    if len(conditions) > 1:
        conditions = _merge_conditions(conditions)
    as_of = ctx.as_of
    next_review = None
    if ctx.pre_travel:
        outcome = "postponed" if postpone else "allowed"
        if not postpone or undated:
            entry_from = None
        floor = ctx.reference
        # Only what applies after arrival is listed, and nobody arrives before the
        # reference day or, when postponed, before the entry date. A listed measure
        # drops out once the reference day passes its end (the planned day is past).
        arrives = entry_from if entry_from is not None and entry_from > floor else floor
        if postpone and undated:
            # No day of arrival can be known yet (still in the county, a code not green):
            # measures dated against the planned day would be dates of nothing.
            measures = []
        elif measures:
            measures = [m for m in measures if m.end >= arrives]
            thresholds.extend(m.end + ONE_DAY for m in measures)
        for day in thresholds:
            if day > floor and (next_review is None or day < next_review):
                next_review = day
    else:
        entry_from = None
        best = _ALLOWED_RANK
        for measure in measures:
            start, end = measure.start, measure.end
            if start <= as_of <= end:
                rank = _RANK[measure.kind]
                if rank < best:
                    best = rank
            if start > as_of and (next_review is None or start < next_review):
                next_review = start
            if end >= as_of:
                after = end + ONE_DAY
                if next_review is None or after < next_review:
                    next_review = after
        outcome = _HEADLINE.get(best, "allowed")
    return Result(
        outcome,
        entry_from,
        tuple(measures),
        tuple(conditions),
        tuple(reasons),
        compiled.code,
        compiled.effective_from,
        next_review,
    )


def _merge_conditions(conditions):
    merged: dict[str, bool | None] = {}
    for found in conditions:
        code = found.code
        if code not in merged:
            merged[code] = found.met
        elif merged[code] is not False:
            if found.met is False:
                merged[code] = False
            elif found.met is None:
                merged[code] = None
    return [condition(code, met) for code, met in merged.items()]
