"""The pure evaluation engine: declaration + policy version + risk data + date -> result.

No ORM, settings, clock or I/O in here: callers build the snapshots of
``policies.engine.types`` once per batch and call :func:`evaluate` per declaration.
"""

from policies.engine.catalogue import RULE_KINDS, RuleParamsError, validate_rule
from policies.engine.evaluator import compile_policy, evaluate, select_version
from policies.engine.types import (
    ARRIVAL_REPORT,
    PRE_TRAVEL,
    Condition,
    DeclarationFacts,
    DesignationFact,
    Leg,
    Measure,
    NatTest,
    PolicySnapshot,
    Reason,
    Result,
    RiskAreaFact,
    RiskSnapshot,
    RuleSpec,
)

__all__ = [
    "ARRIVAL_REPORT",
    "PRE_TRAVEL",
    "RULE_KINDS",
    "Condition",
    "DeclarationFacts",
    "DesignationFact",
    "Leg",
    "Measure",
    "NatTest",
    "PolicySnapshot",
    "Reason",
    "Result",
    "RiskAreaFact",
    "RiskSnapshot",
    "RuleParamsError",
    "RuleSpec",
    "compile_policy",
    "evaluate",
    "select_version",
    "validate_rule",
]
