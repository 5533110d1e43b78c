"""The rule kinds of the catalogue, one module each, registered in ``RULES``.

Contract of a rule kind module (every entry of ``RULES`` follows it):

- ``KIND``: its name, a key of ``policies.engine.catalogue.SCHEMAS``.
- ``compile(params, citation) -> rule``: turns parameters already normalised by
  ``catalogue.validate_rule`` into a compiled rule (tuples, spans, shared reason
  objects). Called once per policy snapshot, never per evaluation.
- ``evaluate(rule, ctx) -> Finding | None``: a pure function of the compiled rule
  and the ``Context`` (the declaration, its legs' ``RegionInfo`` on the as-of date,
  the reference date). None when the rule does not fire; otherwise a ``Finding``
  with the measures, conditions, postponement and reasons it adds. It must not
  mutate the context or the declaration, read the clock, settings or the database,
  or look at another rule's finding: the evaluator combines findings (most severe
  headline, latest entry date, merged conditions), so rules stay independent and
  a rule's order in a policy version only orders the explanation.

Each rule module counts days only through ``policies.engine.days`` (rulebook
section 2) and has its own test file under ``tests/policies/engine/rules/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from policies.engine.rules import (
    commuter,
    contact_status,
    designated_region_stay,
    health_code,
    international_entry,
    nat_test,
    port_city_exit,
    risk_county_stay,
)


class RuleKind(NamedTuple):
    kind: str
    compile: Callable
    evaluate: Callable


RULES: tuple[RuleKind, ...] = tuple(
    RuleKind(module.KIND, module.compile, module.evaluate)
    for module in (
        risk_county_stay,
        designated_region_stay,
        international_entry,
        health_code,
        nat_test,
        commuter,
        contact_status,
        port_city_exit,
    )
)

RULE_KINDS: dict[str, RuleKind] = {rule.kind: rule for rule in RULES}
