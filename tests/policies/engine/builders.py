"""Plain-data builders for engine tests: the shipped policy versions and small snapshots.

Nothing here touches the database: the engine is a pure function of these values.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

from policies.engine import (
    DeclarationFacts,
    DesignationFact,
    Leg,
    NatTest,
    PolicySnapshot,
    RiskAreaFact,
    RiskSnapshot,
    RuleSpec,
    evaluate,
)

VERSIONS_JSON = Path(__file__).resolve().parents[3] / "policies" / "data" / "policy_versions.json"

GUANGLING = "321002"  # Yangzhou, Guangling district
HANJIANG = "321003"  # Yangzhou, Hanjiang district: same prefecture, no risk area
ZHENGZHOU_ERQI = "410103"
ZHENGZHOU = "410100"
SANHE = "131082"
DACHANG = "131028"
XIANGHE = "131024"
PLAIN = "330106"  # Hangzhou, Xihu district: nothing designated, no risk area
PLAIN_2 = "440305"  # Shenzhen, Nanshan district
PORT_CITY = "152501"  # Erenhot (Inner Mongolia), a land border port city
NAMES = {
    GUANGLING: "广陵区",
    HANJIANG: "邗江区",
    ZHENGZHOU_ERQI: "二七区",
    ZHENGZHOU: "郑州市",
    SANHE: "三河市",
    DACHANG: "大厂回族自治县",
    XIANGHE: "香河县",
    PLAIN: "西湖区",
    PLAIN_2: "南山区",
    PORT_CITY: "二连浩特市",
}


def d(text: str) -> date:
    return date.fromisoformat(text)


@cache
def shipped_versions() -> tuple[PolicySnapshot, ...]:
    raw = json.loads(VERSIONS_JSON.read_text(encoding="utf-8"))
    return tuple(
        PolicySnapshot(
            code=version["code"],
            effective_from=d(version["effective_from"]),
            title=version["title"],
            rules=tuple(
                RuleSpec(
                    kind=rule["kind"],
                    params=rule["params"],
                    citation=rule["citation"],
                    position=position,
                )
                for position, rule in enumerate(version["rules"], start=1)
            ),
        )
        for version in raw
    )


def version(code: str) -> PolicySnapshot:
    return next(v for v in shipped_versions() if v.code == code)


def august() -> PolicySnapshot:
    return version("BJ-2021-08-07")


def policy_with(*rules: tuple[str, dict], code: str = "TEST") -> PolicySnapshot:
    """A policy of just ``rules`` (kind, params), to test one kind alone."""
    return PolicySnapshot(
        code=code,
        effective_from=d("2021-01-01"),
        rules=tuple(
            RuleSpec(kind=kind, params=params, citation=f"cite {n}", position=n)
            for n, (kind, params) in enumerate(rules, start=1)
        ),
    )


def area(
    county: str,
    level: str = "high",
    designated: str = "2021-07-28",
    lifted: str | None = None,
    *,
    name: str | None = None,
    id: int = 1,
) -> RiskAreaFact:
    return RiskAreaFact(
        id=id,
        county=county,
        name=name or f"示例小区{id}",
        level=level,
        designated_on=d(designated),
        lifted_on=d(lifted) if lifted else None,
    )


def designation(
    kind: str, region: str, valid_from: str = "2021-07-01", until: str | None = None, *, id: int = 1
) -> DesignationFact:
    return DesignationFact(
        id=id,
        kind=kind,
        region=region,
        valid_from=d(valid_from),
        valid_until=d(until) if until else None,
    )


def risk(areas=(), designations=()) -> RiskSnapshot:
    by_county: dict[str, list[RiskAreaFact]] = {}
    for found in areas:
        by_county.setdefault(found.county, []).append(found)
    return RiskSnapshot(
        areas_by_county={county: tuple(found) for county, found in by_county.items()},
        designations=tuple(designations),
        region_names=NAMES,
    )


def guangling_high(lifted: str | None = None) -> RiskSnapshot:
    """The risk data of the rulebook's worked examples."""
    return risk([area(GUANGLING, "high", "2021-07-28", lifted, name="示例社区")])


def leg(region: str, start: str, end: str | None) -> Leg:
    return Leg(region=region, start_date=d(start), end_date=d(end) if end else None)


def pre(arrival: str, *legs: Leg, **fields) -> DeclarationFacts:
    return DeclarationFacts(kind="pre_travel", arrival_date=d(arrival), legs=tuple(legs), **fields)


def arrival(arrived: str, *legs: Leg, **fields) -> DeclarationFacts:
    return DeclarationFacts(
        kind="arrival_report", arrival_date=d(arrived), legs=tuple(legs), **fields
    )


def negative(sampled: str) -> NatTest:
    return NatTest(result="negative", sampled_on=d(sampled))


def positive(sampled: str) -> NatTest:
    return NatTest(result="positive", sampled_on=d(sampled))


def run(declaration, as_of: str, risk_snapshot=None, policy=None):
    return evaluate(
        declaration,
        policy or august(),
        risk_snapshot if risk_snapshot is not None else risk(),
        d(as_of),
    )


def measures(result) -> list[tuple[str, str, str]]:
    return [(m.kind, m.start.isoformat(), m.end.isoformat()) for m in result.measures]


def conditions(result) -> dict[str, bool | None]:
    return {c.code: c.met for c in result.conditions}


def fired(result) -> list[str]:
    return [reason.rule for reason in result.reasons]
