from datetime import UTC, date, datetime

import pytest

from policies.engine.types import PolicySnapshot, RiskSnapshot
from policies.models import (
    Designation,
    PolicyRule,
    PolicyStatus,
    PolicyVersion,
    RiskArea,
)
from policies.snapshots import (
    NoPolicyInForce,
    declaration_facts_from_dict,
    evaluate_facts,
    policy_in_force,
    policy_snapshot,
    published_policy_snapshots,
    risk_snapshot,
)
from tests.policies.api.conftest import GUANGLING, SANHE, ensure_regions

pytestmark = pytest.mark.django_db

D = date(2021, 8, 8)


@pytest.fixture
def regions():
    ensure_regions()


def make_version(code, effective_from, *, published=True, kinds=("health_code", "nat_test")):
    version = PolicyVersion.objects.create(code=code, title=code, effective_from=effective_from)
    for position, kind in reversed(list(enumerate(kinds, start=1))):
        PolicyRule.objects.create(
            version=version, position=position, kind=kind, params={}, citation=f"c{position}"
        )
    if published:
        PolicyVersion.objects.filter(pk=version.pk).update(status=PolicyStatus.PUBLISHED)
    return version


def area(region, level, designated_on, lifted_on=None, name=None):
    return RiskArea.objects.create(
        region_id=region,
        name=name or f"{region}-{level}-{designated_on}",
        level=level,
        designated_on=designated_on,
        lifted_on=lifted_on,
    )


def test_policy_snapshot_keeps_rules_in_position_order():
    version = make_version("T-1", date(2030, 1, 1), kinds=("health_code", "nat_test", "commuter"))

    snapshot = policy_snapshot(version)

    assert isinstance(snapshot, PolicySnapshot)
    assert (snapshot.code, snapshot.effective_from, snapshot.title) == (
        "T-1",
        date(2030, 1, 1),
        "T-1",
    )
    assert [rule.kind for rule in snapshot.rules] == ["health_code", "nat_test", "commuter"]
    assert [rule.position for rule in snapshot.rules] == [1, 2, 3]
    assert snapshot.rules[0].citation == "c1"


def test_policy_in_force_is_the_latest_published_version_on_the_date(django_assert_num_queries):
    make_version("T-OLD", date(2030, 1, 1))
    make_version("T-NEW", date(2030, 3, 1))
    make_version("T-DRAFT", date(2030, 2, 1), published=False)

    with django_assert_num_queries(2):
        assert policy_in_force(date(2030, 2, 15)).code == "T-OLD"
    assert policy_in_force(date(2030, 3, 1)).code == "T-NEW"
    assert policy_in_force(date(2030, 1, 1)).code == "T-OLD"


def test_policy_in_force_is_none_before_any_version():
    assert policy_in_force(date(1999, 1, 1)) is None


def test_published_policy_snapshots_skip_drafts_in_two_queries(django_assert_num_queries):
    make_version("T-A", date(2030, 1, 1))
    make_version("T-B", date(2030, 3, 1), kinds=("commuter",))
    make_version("T-DRAFT", date(2030, 2, 1), published=False)

    with django_assert_num_queries(2):
        snapshots = published_policy_snapshots()

    codes = [snapshot.code for snapshot in snapshots]
    assert "T-DRAFT" not in codes
    assert codes.index("T-A") < codes.index("T-B")
    assert [rule.kind for rule in snapshots[codes.index("T-B")].rules] == ["commuter"]


def test_risk_snapshot_holds_areas_active_on_the_date(regions):
    active = area(GUANGLING, "high", date(2021, 7, 28))
    area(GUANGLING, "medium", date(2021, 8, 9))  # not yet designated on D
    area(GUANGLING, "medium", date(2021, 7, 1), lifted_on=D)  # lifted on D: no longer active
    kept = area("410103", "medium", date(2021, 7, 31), lifted_on=date(2021, 8, 9))

    snapshot = risk_snapshot(on=D)

    assert isinstance(snapshot, RiskSnapshot)
    assert [a.id for a in snapshot.areas_by_county[GUANGLING]] == [active.id]
    assert [a.id for a in snapshot.areas_by_county["410103"]] == [kept.id]
    fact = snapshot.areas_by_county[GUANGLING][0]
    assert (fact.county, fact.level, fact.designated_on, fact.lifted_on) == (
        GUANGLING,
        "high",
        date(2021, 7, 28),
        None,
    )
    assert snapshot.region_names[GUANGLING] == "广陵区"
    assert snapshot.region_names["410103"] == "二七区"


def test_risk_snapshot_limited_to_counties_keeps_enclosing_designations(regions):
    area(GUANGLING, "high", date(2021, 7, 28))
    area("410103", "medium", date(2021, 7, 31))
    city = Designation.objects.create(kind="case_city", region_id="321000", valid_from=D)
    Designation.objects.create(kind="case_city", region_id="420100", valid_from=D)
    Designation.objects.create(
        kind="commuter_zone", region_id=SANHE, valid_from=date(2021, 1, 1), valid_until=D
    )
    Designation.objects.create(kind="case_city", region_id="321000", valid_from=date(2021, 8, 9))

    snapshot = risk_snapshot(on=D, counties=[GUANGLING, SANHE, "430802"])

    assert set(snapshot.areas_by_county) == {GUANGLING}
    assert {(d.kind, d.region) for d in snapshot.designations} == {
        ("case_city", "321000"),
        ("commuter_zone", SANHE),
    }
    assert city.id in {d.id for d in snapshot.designations}
    assert snapshot.region_names[GUANGLING] == "广陵区"
    assert snapshot.region_names["321000"] == "扬州市"
    # A leg county with no risk data is still named, for the reasons.
    assert snapshot.region_names["430802"] == "永定区"


def test_risk_snapshot_runs_two_queries_whatever_the_number_of_counties(
    regions, django_assert_num_queries
):
    for day in range(1, 20):
        area(GUANGLING, "high", date(2021, 7, day))
        area("410103", "medium", date(2021, 7, day))
    Designation.objects.create(kind="commuter_zone", region_id=SANHE, valid_from=date(2021, 1, 1))

    # Areas and designations; region names come from the in-process region table,
    # loaded by the first snapshot of the process (one query more, once).
    with django_assert_num_queries(3):
        first = risk_snapshot(on=D, counties=[GUANGLING])
    with django_assert_num_queries(2):
        limited = risk_snapshot(on=D, counties=[GUANGLING, "410103", SANHE, "430802"])
    with django_assert_num_queries(2):
        everything = risk_snapshot(on=D, regions=["430802"])

    assert first.region_names[GUANGLING] == limited.region_names[GUANGLING]

    assert len(limited.areas_by_county[GUANGLING]) == 19
    assert len(everything.areas_by_county["410103"]) == 19
    assert everything.region_names["430802"] == "永定区"


def test_risk_snapshot_for_no_legs_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        snapshot = risk_snapshot(on=D, counties=[])
    assert dict(snapshot.areas_by_county) == {}
    assert snapshot.designations == ()


def test_declaration_facts_from_validated_data():
    facts = declaration_facts_from_dict(
        {
            "kind": "arrival_report",
            "arrival_date": date(2021, 8, 2),
            "health_code": "yellow",
            "commuter": False,
            "home_quarantine_possible": False,
            "contact_status": "secondary_contact",
            "last_contact_date": date(2021, 7, 30),
            "international_entry_date": None,
            # 2021-08-01 17:00 UTC is already 2021-08-02 in Beijing.
            "nat_test": {"result": "negative", "sampled_at": datetime(2021, 8, 1, 17, tzinfo=UTC)},
            "legs": [
                {"region": GUANGLING, "start_date": date(2021, 7, 25), "end_date": date(2021, 8, 1)}
            ],
        }
    )

    assert facts.kind == "arrival_report"
    assert facts.health_code == "yellow"
    assert facts.home_quarantine_possible is False
    assert facts.last_contact_date == date(2021, 7, 30)
    assert facts.nat_test.sampled_on == date(2021, 8, 2)
    assert facts.legs[0].region == GUANGLING
    assert facts.legs[0].end_date == date(2021, 8, 1)


def test_declaration_facts_accept_iso_strings_and_region_rows(regions):
    from policies.models import Region

    facts = declaration_facts_from_dict(
        {
            "kind": "pre_travel",
            "arrival_date": "2021-08-10",
            "nat_test": {"result": "positive", "sampled_at": "2021-08-09T08:00:00+08:00"},
            "legs": [
                {"region": Region.objects.get(code=SANHE), "start_date": "2021-08-01"},
            ],
        }
    )

    assert facts.arrival_date == date(2021, 8, 10)
    assert facts.health_code == "green"
    assert facts.contact_status == "none"
    assert facts.nat_test.sampled_on == date(2021, 8, 9)
    assert facts.legs[0].region == SANHE
    assert facts.legs[0].end_date is None


def test_evaluate_facts_refuses_a_date_without_a_policy_in_force():
    facts = declaration_facts_from_dict({"kind": "pre_travel", "arrival_date": "1999-01-02"})
    with pytest.raises(NoPolicyInForce) as error:
        evaluate_facts(facts, as_of=date(1999, 1, 1))
    assert error.value.on == date(1999, 1, 1)


def test_a_port_city_designation_that_lapsed_before_the_date_still_judges_an_earlier_leg():
    # Manzhouli, a land-border port city, designated until 12-20; the traveller left on
    # 12-19 (inside the designation) and is evaluated on 12-21, after it lapsed.
    from policies.models import Region

    Region.objects.update_or_create(
        code="150781",
        defaults={"name": "满洲里市", "full_name": "内蒙古自治区满洲里市", "level": "county",
                  "county_level": True},
    )  # fmt: skip
    Designation.objects.create(
        kind="land_border_port_city",
        region_id="150781",
        valid_from=date(2021, 12, 13),
        valid_until=date(2021, 12, 20),
    )
    on = date(2021, 12, 21)
    snapshot = risk_snapshot(on=on, counties=["150781"])
    assert [d.kind for d in snapshot.designations] == ["land_border_port_city"]

    facts = declaration_facts_from_dict(
        {
            "kind": "pre_travel",
            "arrival_date": on,
            "legs": [{"region": "150781", "start_date": "2021-12-10", "end_date": "2021-12-19"}],
        }
    )
    result = evaluate_facts(facts, as_of=on)
    assert result.policy_code == "BJ-2021-12-13"
    assert "nat_48h_leaving_port_city" in [c.code for c in result.conditions]
