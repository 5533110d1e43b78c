"""What a rule sees (``Context``) and what it returns (``Finding``).

Plain ``__slots__`` classes rather than dataclasses: one ``Context`` is built per
evaluation and a handful of ``Finding`` objects per evaluation at most, on the hot
path of batch re-evaluation.
"""

from __future__ import annotations

from datetime import date

from policies.engine.index import RegionInfo, RiskIndex
from policies.engine.types import PRE_TRAVEL, Condition, DeclarationFacts, Leg, Measure, Reason


class Context:
    """One declaration on one as-of date, with its legs' regions already looked up.

    ``reference`` is the reference date the rules count against: the arrival date of
    an arrival report; for a pre-travel declaration the planned arrival date, or the
    as-of date once the planned date has passed (nobody arrives in the past), which
    is what lets a postponement end by the passing of time alone.
    """

    __slots__ = (
        "as_of",
        "commuter",
        "declaration",
        "designated",
        "index",
        "infos",
        "legs",
        "pre_travel",
        "reference",
        "risky",
    )

    def __init__(self, declaration: DeclarationFacts, index: RiskIndex, as_of: date):
        self.declaration = declaration
        self.index = index
        self.as_of = as_of
        self.pre_travel = pre_travel = declaration.kind == PRE_TRAVEL
        arrival = declaration.arrival_date
        self.reference = as_of if pre_travel and as_of > arrival else arrival
        self.legs: tuple[Leg, ...] = declaration.legs
        info = index.info
        infos = []
        risky = designated = False
        for leg in declaration.legs:
            found = info(leg.region)
            infos.append(found)
            if found.level is not None:
                risky = True
            if found.designations:
                designated = True
        self.infos: tuple[RegionInfo, ...] = tuple(infos)
        # Most legs are in plain counties: rules skip the loop when nothing can fire.
        self.risky = risky
        self.designated = designated
        # Set by the evaluator before the rules run (see rules.commuter.qualifies).
        self.commuter = False


class Finding:
    """What one fired rule says.

    - ``measures``: dated measures, listed whatever the declaration kind.
    - ``conditions``: requirements that do not change the headline.
    - ``postpone``: pre-travel only, entry must wait; ``entry_from`` is the first
      allowed day, or None when no date can be computed yet.
    - ``reasons``: why, one per region or fact that fired the rule.
    - ``thresholds``: pre-travel only, reference dates at which this finding would
      change (a look-back window closes, a test stops counting); the evaluator turns
      them into ``next_review_on``.
    """

    __slots__ = ("conditions", "entry_from", "measures", "postpone", "reasons", "thresholds")

    def __init__(
        self,
        *,
        reasons: tuple[Reason, ...],
        measures: tuple[Measure, ...] = (),
        conditions: tuple[Condition, ...] = (),
        postpone: bool = False,
        entry_from: date | None = None,
        thresholds: tuple[date, ...] = (),
    ):
        self.reasons = reasons
        self.measures = measures
        self.conditions = conditions
        self.postpone = postpone
        self.entry_from = entry_from
        self.thresholds = thresholds


# Conditions are immutable values: share one object per (code, met).
CONDITIONS: dict[tuple[str, bool | None], Condition] = {}


def condition(code: str, met: bool | None = None) -> Condition:
    found = CONDITIONS.get((code, met))
    if found is None:
        found = CONDITIONS[(code, met)] = Condition(code, met)
    return found


def negative_test_within(declaration: DeclarationFacts, day: date, window_days: int) -> bool | None:
    """Whether the declared test counts as a negative test taken within ``window_days``
    days up to ``day`` (sampled on ``day`` or one of the ``window_days - 1`` days before).

    None when no test is declared yet; False for a positive test or one sampled outside.
    """
    test = declaration.nat_test
    if test is None:
        return None
    if test.result != "negative":
        return False
    return 0 <= (day - test.sampled_on).days < window_days
