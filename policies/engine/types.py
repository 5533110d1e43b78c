"""Plain data the engine reads and returns.

The engine (``policies.engine.evaluate``) sees only these frozen dataclasses:
no ORM rows, no settings, no clock. ``policies.snapshots`` builds them from the
database once per batch; the API and the re-evaluation tasks serialise the
``Result``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

PRE_TRAVEL = "pre_travel"
ARRIVAL_REPORT = "arrival_report"
DECLARATION_KINDS = (PRE_TRAVEL, ARRIVAL_REPORT)

HEALTH_CODES = ("green", "yellow", "red")
CONTACT_STATUSES = ("none", "close_contact", "secondary_contact", "secondary_contact_cohabitant")
NAT_RESULTS = ("negative", "positive")
RISK_LEVELS = ("high", "medium")
DESIGNATION_KINDS = ("case_city", "land_border_port_city", "commuter_zone")

# Most severe first: the most severe fired rule sets the headline.
OUTCOMES = ("postponed", "central_observation", "home_observation", "health_monitoring", "allowed")
MEASURE_KINDS = ("central_observation", "home_observation", "health_monitoring")
CONDITION_CODES = (
    "nat_48h",
    "green_code",
    "report_to_community",
    "nat_on_arrival",
    "closed_loop",
    "temperature_check",
    "nat_48h_leaving_port_city",
)


@dataclass(frozen=True, slots=True)
class Leg:
    region: str  # county-level GB/T 2260 code
    start_date: date
    end_date: date | None  # the leaving day; None = still there


@dataclass(frozen=True, slots=True)
class NatTest:
    result: str  # one of NAT_RESULTS
    sampled_on: date  # calendar date of sampling in Asia/Shanghai


@dataclass(frozen=True, slots=True)
class DeclarationFacts:
    kind: str  # one of DECLARATION_KINDS
    arrival_date: date  # reference date R
    health_code: str = "green"
    commuter: bool = False
    home_quarantine_possible: bool = True
    contact_status: str = "none"
    last_contact_date: date | None = None
    international_entry_date: date | None = None
    nat_test: NatTest | None = None
    legs: tuple[Leg, ...] = ()


@dataclass(frozen=True, slots=True)
class RiskAreaFact:
    id: int
    county: str
    name: str
    level: str  # one of RISK_LEVELS
    designated_on: date
    lifted_on: date | None = None  # first day no longer designated

    def active_on(self, day: date) -> bool:
        return self.designated_on <= day and (self.lifted_on is None or self.lifted_on > day)


@dataclass(frozen=True, slots=True)
class DesignationFact:
    id: int
    kind: str  # one of DESIGNATION_KINDS
    region: str  # any level
    valid_from: date
    valid_until: date | None = None  # inclusive

    def active_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or self.valid_until >= day)


@dataclass(frozen=True, slots=True)
class RiskSnapshot:
    """Risk data as the engine sees it. Areas may include inactive ones; the engine
    filters by the as-of date."""

    areas_by_county: Mapping[str, tuple[RiskAreaFact, ...]] = field(default_factory=dict)
    designations: tuple[DesignationFact, ...] = ()
    region_names: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    kind: str  # a key of policies.engine.rules.RULE_KINDS
    params: Mapping[str, object]
    citation: str = ""
    position: int = 0


@dataclass(frozen=True, slots=True)
class PolicySnapshot:
    code: str
    effective_from: date
    rules: tuple[RuleSpec, ...]
    title: str = ""


@dataclass(frozen=True, slots=True)
class Measure:
    kind: str  # one of MEASURE_KINDS
    start: date
    end: date  # inclusive


@dataclass(frozen=True, slots=True)
class Condition:
    code: str  # one of CONDITION_CODES
    met: bool | None  # None = unknown yet


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str  # rule kind that fired
    text_zh: str
    text_en: str
    region: str | None = None
    region_name: str | None = None
    risk_areas: tuple[str, ...] = ()  # names of the areas that made the county a risk county
    designation: str | None = None  # designation kind that fired the rule
    citation: str = ""


@dataclass(frozen=True, slots=True)
class Result:
    outcome: str  # one of OUTCOMES
    entry_allowed_from: date | None
    measures: tuple[Measure, ...]
    conditions: tuple[Condition, ...]
    reasons: tuple[Reason, ...]
    policy_code: str
    policy_effective_from: date
    next_review_on: date | None
