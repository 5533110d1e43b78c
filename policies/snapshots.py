"""Engine inputs built from the database: the only bridge between the ORM and the engine.

Each builder runs a fixed, small number of queries, so a batch (one API call, or a
chunk of declarations being re-evaluated) builds its snapshots once and reuses them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from types import MappingProxyType

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from policies.engine import evaluate
from policies.engine.types import (
    DeclarationFacts,
    DesignationFact,
    Leg,
    NatTest,
    PolicySnapshot,
    Result,
    RiskAreaFact,
    RiskSnapshot,
    RuleSpec,
)
from policies.models import Designation, EngineDataStamp, PolicyVersion, RiskArea
from policies.regions import region_table

# Longer than any look-back of the rule catalogue (21 days for international entry).
DESIGNATION_LOOKBACK_DAYS = 60


class NoPolicyInForce(Exception):
    """No published policy version has taken effect on ``on``."""

    def __init__(self, on: date):
        super().__init__(f"no published policy version in force on {on.isoformat()}")
        self.on = on


def policy_snapshot(version: PolicyVersion) -> PolicySnapshot:
    """Freeze one version and its rules (prefetch ``rules`` to avoid a query per version).

    Parameters stay as stored: the engine normalises them once when it compiles the policy.
    """
    rules = sorted(version.rules.all(), key=lambda rule: rule.position)
    return PolicySnapshot(
        code=version.code,
        effective_from=version.effective_from,
        title=version.title,
        rules=tuple(
            RuleSpec(
                kind=rule.kind,
                # Read-only view: one snapshot is shared by a whole batch of evaluations.
                params=MappingProxyType(dict(rule.params)),
                citation=rule.citation,
                position=rule.position,
            )
            for rule in rules
        ),
    )


def published_policy_snapshots() -> list[PolicySnapshot]:
    """Every published version, oldest first (two queries)."""
    versions = (
        PolicyVersion.objects.published()
        .order_by("effective_from", "code")
        .prefetch_related("rules")
    )
    return [policy_snapshot(version) for version in versions]


def policy_in_force(on: date) -> PolicySnapshot | None:
    """The latest published version with ``effective_from <= on`` (two queries)."""
    version = PolicyVersion.objects.in_force(on=on)
    if version is None:
        return None
    return policy_snapshot(version)


def _enclosing_codes(code: str) -> tuple[str, ...]:
    """A county code and the prefecture and province codes that contain it."""
    return (code, code[:4] + "00", code[:2] + "0000")


def data_stamp_query() -> str:
    """The SQL of ``data_stamp``: the row's ``version`` and ``tx``, no row when missing."""
    table = connection.ops.quote_name(EngineDataStamp._meta.db_table)
    return f"SELECT version, tx FROM {table} WHERE id = 1"


def data_stamp() -> tuple[int, int] | None:
    """The engine data stamp (``EngineDataStamp``), one small query; None when its row is
    missing (a flushed test database, a backend without triggers): nothing may be reused.

    Pass it to ``risk_snapshot`` (and ``travellers.evaluation.policy_for``) to serve
    them from what this process loaded under the same stamp.
    """
    with connection.cursor() as cursor:
        # Plain SQL: building the ORM query would cost more than the round trip.
        cursor.execute(data_stamp_query())
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1])


# (date, stamp) -> every risk area by county and every designation of that date.
_RISK_ROWS: dict[tuple, tuple[dict[str, tuple[RiskAreaFact, ...]], tuple]] = {}


def _risk_rows(
    on: date, county_set: set[str] | None
) -> tuple[dict[str, tuple[RiskAreaFact, ...]], tuple[DesignationFact, ...]]:
    """Risk areas by county and designations of ``on`` (two queries): all of them when
    ``county_set`` is None, else those of the counties and of the regions around them."""
    area_rows = RiskArea.objects.active(on=on).order_by("region_id", "-level", "name")
    # Also designations that lapsed recently: the port-city rule judges a leg by the
    # designation valid on its leaving day, which can lie before ``on``.
    designation_rows = (
        Designation.objects.filter(valid_from__lte=on)
        .filter(
            Q(valid_until__isnull=True)
            | Q(valid_until__gte=on - timedelta(days=DESIGNATION_LOOKBACK_DAYS))
        )
        .order_by("kind", "region_id")
    )
    if county_set is not None:
        area_rows = area_rows.filter(region_id__any_of=county_set)
        enclosing = {code for county in county_set for code in _enclosing_codes(county)}
        designation_rows = designation_rows.filter(region_id__any_of=enclosing)
    areas_by_county: dict[str, list[RiskAreaFact]] = defaultdict(list)
    for row in area_rows.values_list(
        "id", "region_id", "name", "level", "designated_on", "lifted_on"
    ):
        area = RiskAreaFact(*row)
        areas_by_county[area.county].append(area)
    designations = tuple(
        DesignationFact(*row)
        for row in designation_rows.values_list(
            "id", "kind", "region_id", "valid_from", "valid_until"
        )
    )
    return {county: tuple(areas) for county, areas in areas_by_county.items()}, designations


def _stamped_risk_rows(on: date, stamp: tuple[int, int]):
    key = (on, stamp)
    rows = _RISK_ROWS.get(key)
    if rows is None:
        rows = _risk_rows(on, None)
        if len(_RISK_ROWS) >= 8:
            _RISK_ROWS.clear()
        _RISK_ROWS[key] = rows
    return rows


def risk_snapshot(
    *,
    on: date,
    counties: Iterable[str] | None = None,
    regions: Iterable[str] = (),
    stamp: tuple[int, int] | None = None,
) -> RiskSnapshot:
    """Risk data active on ``on`` (designations: also those that lapsed within
    ``DESIGNATION_LOOKBACK_DAYS``; the engine checks each one's dates itself).

    ``counties`` limits the risk areas to those counties (the legs of the declarations
    at hand) and the designations to those that can contain them; ``None`` loads all.
    ``region_names`` covers the counties, every region of a loaded area or designation,
    and ``regions`` (pass the leg regions of a batch loaded with ``counties=None``); the
    names come from the in-process region table (``policies.regions.region_table``).
    At most two queries (three the first time the process needs the region table).

    ``stamp`` (``data_stamp()``, with ``counties``): the rows come from this process's
    copy of every risk row of ``on`` read under that stamp, without a query (two when
    the copy is read). The snapshot is the same as without it.
    """
    county_set = None if counties is None else set(counties)
    wanted_names = set(regions)

    areas_by_county: dict[str, tuple[RiskAreaFact, ...]] = {}
    designations: tuple[DesignationFact, ...] = ()
    if county_set and stamp is not None:
        all_areas, all_designations = _stamped_risk_rows(on, stamp)
        areas_by_county = {
            county: all_areas[county] for county in sorted(county_set) if county in all_areas
        }
        enclosing = {code for county in county_set for code in _enclosing_codes(county)}
        designations = tuple(d for d in all_designations if d.region in enclosing)
    elif county_set is None or county_set:
        areas_by_county, designations = _risk_rows(on, county_set)
    if county_set:
        wanted_names |= county_set

    wanted_names |= areas_by_county.keys()
    wanted_names |= {designation.region for designation in designations}
    table = region_table() if wanted_names else {}
    names = {code: table[code].name for code in wanted_names if code in table}

    return RiskSnapshot(
        areas_by_county=MappingProxyType(areas_by_county),
        designations=designations,
        region_names=MappingProxyType(names),
    )


def _as_date(value: date | str | None) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return local_date(value)
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def local_date(moment: datetime) -> date:
    """The calendar date of an instant in the portal's time zone (Asia/Shanghai)."""
    if timezone.is_naive(moment):
        return moment.date()
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _region_code(region) -> str:
    # Validated data may carry Region rows (model forms) or plain codes (the API).
    return getattr(region, "code", region)


def declaration_facts_from_dict(data: Mapping) -> DeclarationFacts:
    """Engine facts from validated declaration data (dates as ``date`` or ISO strings).

    ``nat_test.sampled_at`` (an aware datetime) becomes the sampling date in Asia/Shanghai.
    """
    nat = data.get("nat_test")
    nat_test = None
    if nat:
        sampled = nat.get("sampled_at")
        if isinstance(sampled, str):
            sampled = datetime.fromisoformat(sampled)
        nat_test = NatTest(result=nat["result"], sampled_on=_as_date(sampled))
    legs = tuple(
        Leg(
            region=_region_code(leg["region"]),
            start_date=_as_date(leg["start_date"]),
            end_date=_as_date(leg.get("end_date")),
        )
        for leg in data.get("legs") or ()
    )
    return DeclarationFacts(
        kind=data["kind"],
        arrival_date=_as_date(data["arrival_date"]),
        health_code=data.get("health_code") or "green",
        commuter=bool(data.get("commuter", False)),
        home_quarantine_possible=bool(data.get("home_quarantine_possible", True)),
        contact_status=data.get("contact_status") or "none",
        last_contact_date=_as_date(data.get("last_contact_date")),
        international_entry_date=_as_date(data.get("international_entry_date")),
        nat_test=nat_test,
        legs=legs,
    )


def evaluate_facts(facts: DeclarationFacts, *, as_of: date) -> Result:
    """Evaluate one declaration against the version in force and the risk data of ``as_of``.

    Raises ``NoPolicyInForce`` when no published version has taken effect by then.
    """
    policy = policy_in_force(as_of)
    if policy is None:
        raise NoPolicyInForce(as_of)
    risk = risk_snapshot(on=as_of, counties={leg.region for leg in facts.legs})
    return evaluate(facts, policy, risk, as_of)
