"""How findings of several rules combine into one result (rulebook section 3)."""

import pytest

from policies.engine import RuleParamsError, compile_policy, evaluate
from policies.engine.types import PolicySnapshot, RuleSpec
from tests.policies.engine.builders import (
    GUANGLING,
    ZHENGZHOU,
    ZHENGZHOU_ERQI,
    area,
    arrival,
    august,
    conditions,
    d,
    designation,
    fired,
    leg,
    measures,
    policy_with,
    pre,
    risk,
    run,
)

BOTH = risk(
    [area(GUANGLING, "high", id=1), area(ZHENGZHOU_ERQI, "medium", id=2)],
    [designation("case_city", ZHENGZHOU)],
)


def test_arrival_headline_is_the_most_severe_measure_running_on_the_day():
    declaration = arrival(
        "2021-08-06",
        leg(GUANGLING, "2021-07-25", "2021-08-01"),
        leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-05"),
    )
    expected = {
        "2021-08-06": "central_observation",  # central 08-01..14 beside home 08-05..18
        "2021-08-15": "home_observation",  # central over, home still running
        "2021-08-19": "health_monitoring",
        "2021-08-26": "allowed",
    }
    for day, outcome in expected.items():
        assert run(declaration, day, BOTH).outcome == outcome, day
    assert run(declaration, "2021-08-06", BOTH).next_review_on == d("2021-08-15")
    assert run(declaration, "2021-08-15", BOTH).next_review_on == d("2021-08-19")


def test_measures_are_listed_by_start_day_and_identical_ones_once():
    declaration = arrival(
        "2021-08-06",
        leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-05"),
    )
    result = run(declaration, "2021-08-06", BOTH)
    assert measures(result) == [
        ("home_observation", "2021-08-05", "2021-08-18"),
        ("health_monitoring", "2021-08-05", "2021-08-18"),
        ("health_monitoring", "2021-08-19", "2021-08-25"),
    ]
    twice = policy_with(
        (
            "designated_region_stay",
            {"designation": "case_city", "measures": [{"kind": "health_monitoring", "days": 14}]},
        ),
        (
            "designated_region_stay",
            {"designation": "case_city", "measures": [{"kind": "health_monitoring", "days": 14}]},
        ),
    )
    assert len(run(declaration, "2021-08-06", BOTH, twice).measures) == 1
    assert fired(run(declaration, "2021-08-06", BOTH, twice)) == ["designated_region_stay"] * 2


def test_the_entry_date_is_the_latest_of_the_postponing_rules():
    declaration = pre(
        "2021-08-12",
        leg(GUANGLING, "2021-07-25", "2021-08-01"),
        international_entry_date=d("2021-07-25"),
    )
    result = run(declaration, "2021-08-08", BOTH)
    assert result.entry_allowed_from == d("2021-08-15")  # entry 07-25 + 21 = 08-15, stay 08-15
    later = pre(
        "2021-08-12",
        leg(GUANGLING, "2021-07-25", "2021-08-01"),
        international_entry_date=d("2021-08-02"),
    )
    assert run(later, "2021-08-08", BOTH).entry_allowed_from == d("2021-08-23")


def test_one_postponement_without_date_leaves_the_entry_date_empty():
    declaration = pre(
        "2021-08-12",
        leg(GUANGLING, "2021-07-25", "2021-08-01"),
        health_code="yellow",
    )
    assert run(declaration, "2021-08-08", BOTH).entry_allowed_from is None


def test_conditions_from_several_rules_are_merged_by_code():
    declaration = arrival("2021-08-06", health_code="red", international_entry_date=d("2021-08-01"))
    result = run(declaration, "2021-08-06")
    assert [c.code for c in result.conditions] == ["report_to_community"]


def test_reasons_follow_the_rule_order_of_the_version():
    declaration = pre(
        "2021-08-12",
        leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-05"),
        contact_status="close_contact",
        last_contact_date=d("2021-08-04"),
    )
    result = run(declaration, "2021-08-08", BOTH)
    assert fired(result) == [
        "risk_county_stay",
        "designated_region_stay",
        "nat_test",
        "contact_status",
    ]
    assert all(reason.text_zh and reason.text_en and reason.citation for reason in result.reasons)


def test_a_pre_travel_postponement_ends_on_its_own_once_the_planned_day_has_passed():
    declaration = pre("2021-08-10", leg(GUANGLING, "2021-07-25", "2021-08-01"))
    first = run(declaration, "2021-08-08", BOTH)
    assert first.next_review_on == d("2021-08-15")
    assert run(declaration, "2021-08-14", BOTH).outcome == "postponed"
    assert run(declaration, "2021-08-15", BOTH).outcome == "allowed"


def test_an_arrival_report_is_never_postponed():
    declaration = arrival(
        "2021-08-06", health_code="red", nat_test=None, contact_status="close_contact"
    )
    result = run(declaration, "2021-08-06")
    assert result.outcome != "postponed"
    assert result.entry_allowed_from is None


def test_rules_run_in_position_order_whatever_the_tuple_order():
    policy = PolicySnapshot(
        code="ORDER",
        effective_from=d("2021-01-01"),
        rules=(
            RuleSpec(kind="nat_test", params={}, position=2),
            RuleSpec(kind="health_code", params={}, position=1),
        ),
    )
    result = run(pre("2021-08-10", health_code="red"), "2021-08-08", policy=policy)
    assert fired(result) == ["health_code", "nat_test"]


def test_a_policy_with_an_invalid_rule_refuses_to_evaluate():
    broken = policy_with(("risk_county_stay", {"levels": ["low"], "applies_to": "pre_travel"}))
    with pytest.raises(RuleParamsError):
        evaluate(pre("2021-08-10"), broken, risk(), d("2021-08-08"))


def test_a_policy_is_compiled_once_per_snapshot():
    policy = august()
    assert compile_policy(policy) is compile_policy(policy)


def test_an_empty_policy_allows_everyone():
    result = run(
        pre("2021-08-10", leg(GUANGLING, "2021-08-01", None)), "2021-08-08", BOTH, policy_with()
    )
    assert result.outcome == "allowed"
    assert result.reasons == () and result.conditions == () and result.measures == ()
    assert conditions(result) == {}
