"""Benchmark of the evaluation engine: ``.venv/bin/python tests/benchmarks/engine.py``.

Builds one snapshot (a few hundred risk areas across counties, a commuter zone, a
case city, a port city, policy BJ-2021-08-07), generates synthetic declarations
with a seeded RNG, serialises each to JSON, then times in the same run:
``json.loads`` of every declaration, building ``DeclarationFacts`` from the parsed
dicts, and ``evaluate`` over all of them. Targets: >= 50,000 evaluations per second
on one core, and ``evaluate`` <= 3x the time of ``json.loads``.

A script, not a test (pytest collects ``test_*.py`` only); no Django needed.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from policies.engine import (  # noqa: E402
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

AS_OF = date(2021, 8, 8)
COMMUTER_ZONE = ("131082", "131028", "131024", "131022", "131023", "131025", "131026")
CASE_CITY = "410100"
PORT_CITY = "152501"


def load_counties() -> tuple[list[str], dict[str, str]]:
    counties, names = [], {}
    with (ROOT / "policies" / "data" / "regions.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            names[row["code"]] = row["name"]
            if row["county_level"] == "1" and row["retired"] == "0":
                counties.append(row["code"])
    return counties, names


def build_risk(rng: random.Random, counties: list[str], names: dict[str, str]) -> RiskSnapshot:
    candidates = [c for c in counties if not c.startswith("11") and c not in COMMUTER_ZONE]
    risk_counties = rng.sample(candidates, 80)
    by_county: dict[str, list[RiskAreaFact]] = {}
    for n in range(400):
        county = rng.choice(risk_counties)
        designated = AS_OF - timedelta(days=rng.randint(0, 30))
        lifted = None
        if rng.random() < 0.3:
            lifted = designated + timedelta(days=rng.randint(1, 25))
        by_county.setdefault(county, []).append(
            RiskAreaFact(
                id=n,
                county=county,
                name=f"示例地区{n}",
                level="high" if rng.random() < 0.3 else "medium",
                designated_on=designated,
                lifted_on=lifted,
            )
        )
    designations = [
        DesignationFact(id=n, kind="commuter_zone", region=code, valid_from=date(2021, 1, 1))
        for n, code in enumerate(COMMUTER_ZONE)
    ]
    designations.append(
        DesignationFact(id=100, kind="case_city", region=CASE_CITY, valid_from=date(2021, 7, 31))
    )
    designations.append(
        DesignationFact(
            id=101, kind="land_border_port_city", region=PORT_CITY, valid_from=date(2021, 7, 1)
        )
    )
    return RiskSnapshot(
        areas_by_county={county: tuple(areas) for county, areas in by_county.items()},
        designations=tuple(designations),
        region_names=names,
    )


def build_policy() -> PolicySnapshot:
    versions = json.loads((ROOT / "policies/data/policy_versions.json").read_text("utf-8"))
    raw = next(v for v in versions if v["code"] == "BJ-2021-08-07")
    return PolicySnapshot(
        code=raw["code"],
        effective_from=date.fromisoformat(raw["effective_from"]),
        rules=tuple(
            RuleSpec(kind=r["kind"], params=r["params"], citation=r["citation"], position=n)
            for n, r in enumerate(raw["rules"], start=1)
        ),
    )


def synthetic(rng: random.Random, counties: list[str], risk: RiskSnapshot) -> dict:
    risky = list(risk.areas_by_county)
    case_city = [c for c in counties if c.startswith(CASE_CITY[:4])]
    arrival_report = rng.random() < 0.4
    if arrival_report:
        arrival_day = AS_OF - timedelta(days=rng.randint(0, 20))
    else:
        arrival_day = AS_OF + timedelta(days=rng.randint(0, 10))
    commuter = rng.random() < 0.06
    legs = []
    end = arrival_day - timedelta(days=rng.randint(0, 3))
    for _ in range(rng.randint(1, 5)):
        if commuter:
            region = rng.choice(COMMUTER_ZONE)
        else:
            roll = rng.random()
            if roll < 0.02:
                region = rng.choice(risky)
            elif roll < 0.04:
                region = rng.choice(case_city)
            elif roll < 0.045:
                region = PORT_CITY
            else:
                region = rng.choice(counties)
        start = end - timedelta(days=rng.randint(1, 10))
        legs.append(
            {"region": region, "start_date": start.isoformat(), "end_date": end.isoformat()}
        )
        end = start - timedelta(days=rng.randint(0, 5))
    legs.reverse()
    if not arrival_report and rng.random() < 0.05:
        legs[-1]["end_date"] = None
    contact = "none"
    last_contact = None
    if rng.random() < 0.02:
        contact = rng.choice(("close_contact", "secondary_contact", "secondary_contact_cohabitant"))
        last_contact = (arrival_day - timedelta(days=rng.randint(0, 25))).isoformat()
    international = None
    if rng.random() < 0.01:
        international = (arrival_day - timedelta(days=rng.randint(5, 40))).isoformat()
    test = None
    if rng.random() < 0.6:
        test = {
            "result": "positive" if rng.random() < 0.002 else "negative",
            "sampled_on": (arrival_day - timedelta(days=rng.randint(0, 3))).isoformat(),
        }
    return {
        "kind": "arrival_report" if arrival_report else "pre_travel",
        "arrival_date": arrival_day.isoformat(),
        "health_code": "green" if rng.random() < 0.98 else rng.choice(("yellow", "red")),
        "commuter": commuter,
        "home_quarantine_possible": rng.random() < 0.9,
        "contact_status": contact,
        "last_contact_date": last_contact,
        "international_entry_date": international,
        "nat_test": test,
        "legs": legs,
    }


def facts_from_dict(data: dict) -> DeclarationFacts:
    """How a caller turns a parsed JSON declaration into engine input."""
    parse = date.fromisoformat
    test = data["nat_test"]
    contact = data["last_contact_date"]
    entry = data["international_entry_date"]
    return DeclarationFacts(
        kind=data["kind"],
        arrival_date=parse(data["arrival_date"]),
        health_code=data["health_code"],
        commuter=data["commuter"],
        home_quarantine_possible=data["home_quarantine_possible"],
        contact_status=data["contact_status"],
        last_contact_date=parse(contact) if contact else None,
        international_entry_date=parse(entry) if entry else None,
        nat_test=NatTest(test["result"], parse(test["sampled_on"])) if test else None,
        legs=tuple(
            [
                Leg(
                    leg["region"],
                    parse(leg["start_date"]),
                    parse(e) if (e := leg["end_date"]) else None,
                )
                for leg in data["legs"]
            ]
        ),
    )


def timed(function, repeat: int):
    best, result = None, None
    for _ in range(repeat):
        gc.collect()
        started = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - started
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs per phase")
    parser.add_argument("--seed", type=int, default=20210807)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    counties, names = load_counties()
    risk = build_risk(rng, counties, names)
    policy = build_policy()
    texts = [
        json.dumps(synthetic(rng, counties, risk), ensure_ascii=False) for _ in range(args.count)
    ]
    loads = json.loads

    t_json, parsed = timed(lambda: [loads(text) for text in texts], args.repeat)
    t_build, facts = timed(lambda: [facts_from_dict(data) for data in parsed], args.repeat)
    t_eval, results = timed(
        lambda: [evaluate(declaration, policy, risk, AS_OF) for declaration in facts], args.repeat
    )

    count = len(texts)
    mix = Counter(result.outcome for result in results)
    kinds = Counter(declaration.kind for declaration in facts)
    mean_size = sum(map(len, texts)) / count
    print(f"declarations: {count:,} ({dict(kinds)}), mean JSON size {mean_size:.0f} chars")
    area_count = sum(map(len, risk.areas_by_county.values()))
    print(f"risk areas: {area_count} in {len(risk.areas_by_county)} counties")
    print(f"json.loads:        {t_json:7.3f} s  {count / t_json:>10,.0f} /s")
    print(f"build facts:       {t_build:7.3f} s  {count / t_build:>10,.0f} /s")
    print(f"evaluate:          {t_eval:7.3f} s  {count / t_eval:>10,.0f} /s")
    print(f"evaluate / json.loads:          {t_eval / t_json:5.2f}x  (target <= 3)")
    print(f"(build+evaluate) / json.loads:  {(t_build + t_eval) / t_json:5.2f}x")
    print("outcomes: " + ", ".join(f"{k} {v:,} ({v / count:.1%})" for k, v in mix.most_common()))
    with_measures = sum(1 for result in results if result.measures)
    print(
        f"with measures listed: {with_measures:,}; postponed without date: "
        f"{sum(1 for r in results if r.outcome == 'postponed' and r.entry_allowed_from is None):,}"
    )
    ok = count / t_eval >= 50_000 and t_eval / t_json <= 3
    print("targets met" if ok else "targets NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
