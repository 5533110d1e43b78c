"""Rulebook section 6, row by row: policy BJ-2021-08-07, one high-risk area in
Guangling (321002) designated 2021-07-28."""

from tests.policies.engine.builders import (
    GUANGLING,
    SANHE,
    arrival,
    conditions,
    d,
    designation,
    guangling_high,
    leg,
    measures,
    pre,
    risk,
    run,
)

LEFT_AUG_1 = leg(GUANGLING, "2021-07-25", "2021-08-01")


def test_1_pre_travel_within_14_days_is_postponed_until_leaving_day_plus_14():
    result = run(pre("2021-08-10", LEFT_AUG_1), "2021-08-08", guangling_high())

    assert result.outcome == "postponed"
    assert result.entry_allowed_from == d("2021-08-15")
    assert result.policy_code == "BJ-2021-08-07"
    reason = next(r for r in result.reasons if r.rule == "risk_county_stay")
    assert reason.region == GUANGLING
    assert reason.region_name == "广陵区"
    assert reason.risk_areas == ("示例社区",)
    assert "广陵区" in reason.text_zh and "广陵区" in reason.text_en
    assert reason.citation


def test_2_pre_travel_arriving_on_day_15_is_allowed_with_the_48h_test_condition():
    result = run(pre("2021-08-15", LEFT_AUG_1), "2021-08-08", guangling_high())

    assert result.outcome == "allowed"
    assert result.entry_allowed_from is None
    assert conditions(result) == {"nat_48h": None}
    assert result.measures == ()


def test_3_pre_travel_still_in_the_county_is_postponed_without_a_date():
    result = run(
        pre("2021-08-10", leg(GUANGLING, "2021-07-30", None)), "2021-08-08", guangling_high()
    )

    assert result.outcome == "postponed"
    assert result.entry_allowed_from is None
    assert result.next_review_on is None


def test_4_arrival_report_gets_central_observation_then_health_monitoring():
    result = run(arrival("2021-08-02", LEFT_AUG_1), "2021-08-08", guangling_high())

    assert result.outcome == "central_observation"
    assert measures(result) == [
        ("central_observation", "2021-08-01", "2021-08-14"),
        ("health_monitoring", "2021-08-15", "2021-08-21"),
    ]
    assert result.next_review_on == d("2021-08-15")
    assert result.entry_allowed_from is None


def test_5_arrival_report_on_day_18_is_in_health_monitoring():
    result = run(arrival("2021-08-02", LEFT_AUG_1), "2021-08-18", guangling_high())

    assert result.outcome == "health_monitoring"
    assert result.measures[-1].end == d("2021-08-21")
    assert result.next_review_on == d("2021-08-22")


def test_6_arrival_report_after_both_measures_is_allowed_and_lists_them():
    result = run(arrival("2021-08-02", LEFT_AUG_1), "2021-08-25", guangling_high())

    assert result.outcome == "allowed"
    assert [m.kind for m in result.measures] == ["central_observation", "health_monitoring"]
    assert all(m.end < d("2021-08-25") for m in result.measures)
    assert result.next_review_on is None


def test_7_green_commuter_in_the_zone_is_allowed_with_temperature_check_and_no_test():
    snapshot = risk(designations=[designation("commuter_zone", SANHE)])
    declaration = pre("2021-08-08", leg(SANHE, "2021-08-01", "2021-08-08"), commuter=True)

    result = run(declaration, "2021-08-08", snapshot)

    assert result.outcome == "allowed"
    assert conditions(result) == {"temperature_check": None}
    assert "nat_48h" not in conditions(result)


def test_8_example_1_is_allowed_once_the_area_is_lifted():
    result = run(pre("2021-08-10", LEFT_AUG_1), "2021-08-09", guangling_high("2021-08-09"))

    assert result.outcome == "allowed"
    assert result.entry_allowed_from is None


def test_8_the_day_before_the_lift_example_1_is_still_postponed():
    result = run(pre("2021-08-10", LEFT_AUG_1), "2021-08-08", guangling_high("2021-08-09"))

    assert result.outcome == "postponed"
