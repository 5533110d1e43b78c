"""The policy versions the project ships as data (rulebook section 5)."""

import json

from policies.engine import select_version
from policies.engine.catalogue import validate_rule
from tests.policies.engine.builders import (
    GUANGLING,
    PORT_CITY,
    VERSIONS_JSON,
    arrival,
    conditions,
    d,
    designation,
    fired,
    guangling_high,
    leg,
    pre,
    risk,
    run,
    shipped_versions,
)


def test_the_json_holds_the_three_versions_with_every_rule_valid_as_stored():
    raw = json.loads(VERSIONS_JSON.read_text(encoding="utf-8"))
    assert [v["code"] for v in raw] == ["BJ-2021-08-07", "BJ-2021-12-13", "BJ-2022-03-16"]
    for version in raw:
        assert version["title"] and version["source"]
        d(version["effective_from"])
        for rule in version["rules"]:
            assert set(rule) == {"kind", "params", "citation"}
            assert rule["citation"]
            assert validate_rule(rule["kind"], rule["params"]) == rule["params"]


def test_the_december_version_adds_only_the_port_city_rule_and_march_drops_it():
    august, december, march = shipped_versions()
    assert [r.kind for r in december.rules] == [r.kind for r in august.rules] + ["port_city_exit"]
    assert december.rules[-1].params["valid_until"] == "2022-03-15"
    assert [(r.kind, r.params) for r in march.rules] == [(r.kind, r.params) for r in august.rules]


def test_each_shipped_version_evaluates_the_same_risk_stay():
    for version in shipped_versions():
        result = run(
            pre("2021-08-10", leg(GUANGLING, "2021-07-25", "2021-08-01")),
            "2021-08-08",
            guangling_high(),
            version,
        )
        assert result.outcome == "postponed"
        assert result.entry_allowed_from == d("2021-08-15")
        assert result.policy_code == version.code
        assert result.policy_effective_from == version.effective_from


def test_version_selection_by_date():
    versions = shipped_versions()
    assert select_version(versions, d("2021-08-06")) is None
    assert select_version(versions, d("2021-08-07")).code == "BJ-2021-08-07"
    assert select_version(versions, d("2021-12-12")).code == "BJ-2021-08-07"
    assert select_version(versions, d("2021-12-13")).code == "BJ-2021-12-13"
    assert select_version(versions, d("2022-03-15")).code == "BJ-2021-12-13"
    assert select_version(versions, d("2022-03-16")).code == "BJ-2022-03-16"
    assert select_version(reversed(versions), d("2023-01-01")).code == "BJ-2022-03-16"
    assert select_version([], d("2023-01-01")) is None


def test_the_port_city_condition_applies_only_under_the_version_in_force():
    ports = risk(designations=[designation("land_border_port_city", PORT_CITY, "2021-12-01")])
    declaration = arrival("2022-01-06", leg(PORT_CITY, "2022-01-01", "2022-01-05"))
    in_force = select_version(shipped_versions(), d("2022-01-06"))
    assert "port_city_exit" in fired(run(declaration, "2022-01-06", ports, in_force))
    later = arrival("2022-03-20", leg(PORT_CITY, "2022-03-10", "2022-03-19"))
    in_force = select_version(shipped_versions(), d("2022-03-20"))
    assert conditions(run(later, "2022-03-20", ports, in_force)) == {}
