from tests.policies.engine.builders import (
    GUANGLING,
    PLAIN,
    ZHENGZHOU,
    ZHENGZHOU_ERQI,
    area,
    arrival,
    conditions,
    d,
    designation,
    fired,
    leg,
    measures,
    pre,
    risk,
    run,
)

CASE_CITY = risk(designations=[designation("case_city", ZHENGZHOU, "2021-07-31", "2021-08-20")])
LEFT = leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-03")


def test_a_stay_in_a_case_city_county_gets_a_test_and_14_days_of_monitoring():
    result = run(arrival("2021-08-04", LEFT), "2021-08-05", CASE_CITY)

    assert result.outcome == "health_monitoring"
    assert measures(result) == [("health_monitoring", "2021-08-03", "2021-08-16")]
    assert conditions(result) == {"nat_on_arrival": None}
    reason = result.reasons[0]
    assert reason.rule == "designated_region_stay"
    assert reason.designation == "case_city"
    assert "郑州市" in reason.text_zh
    # The 14 days count back from the arrival day, as the stay rules say.
    assert reason.text_zh.startswith("抵京前14天内到过")
    assert reason.text_en.startswith("Within the 14 days before arriving in Beijing, you stayed")


def test_it_never_postpones_a_pre_travel_declaration_but_lists_what_follows_arrival():
    result = run(pre("2021-08-09", LEFT), "2021-08-05", CASE_CITY)

    assert result.outcome == "allowed"
    assert measures(result) == [("health_monitoring", "2021-08-03", "2021-08-16")]
    assert conditions(result) == {"nat_on_arrival": None, "nat_48h": None}
    # Once the planned day has passed the reference day follows D: the window closes on 08-17.
    assert result.next_review_on == d("2021-08-17")


def test_it_looks_back_14_days_from_the_reference_day():
    assert "designated_region_stay" in fired(
        run(arrival("2021-08-16", LEFT), "2021-08-16", CASE_CITY)
    )
    assert "designated_region_stay" not in fired(
        run(arrival("2021-08-17", LEFT), "2021-08-17", CASE_CITY)
    )


def test_the_designation_counts_from_its_first_to_its_last_day_inclusive():
    declaration = arrival("2021-08-04", LEFT)
    assert "designated_region_stay" not in fired(run(declaration, "2021-07-30", CASE_CITY))
    assert "designated_region_stay" in fired(run(declaration, "2021-07-31", CASE_CITY))
    assert "designated_region_stay" in fired(run(declaration, "2021-08-20", CASE_CITY))
    assert "designated_region_stay" not in fired(run(declaration, "2021-08-21", CASE_CITY))


def test_a_county_outside_the_designated_city_is_not_covered():
    result = run(
        arrival("2021-08-04", leg("410202", "2021-08-01", "2021-08-03")), "2021-08-05", CASE_CITY
    )
    assert result.reasons == ()


def test_a_province_wide_designation_covers_its_counties():
    snapshot = risk(designations=[designation("case_city", "410000")])
    result = run(
        arrival("2021-08-04", leg("410202", "2021-08-01", "2021-08-03")), "2021-08-05", snapshot
    )
    assert fired(result) == ["designated_region_stay"]


def test_several_legs_in_the_city_count_from_the_latest_leaving_day():
    declaration = arrival(
        "2021-08-08",
        leg(ZHENGZHOU_ERQI, "2021-07-30", "2021-08-01"),
        leg(PLAIN, "2021-08-01", "2021-08-04"),
        leg("410105", "2021-08-04", "2021-08-07"),
    )
    result = run(declaration, "2021-08-08", CASE_CITY)
    assert measures(result) == [("health_monitoring", "2021-08-07", "2021-08-20")]
    assert [r.region for r in result.reasons] == [ZHENGZHOU_ERQI, "410105"]


def test_it_adds_to_a_risk_county_rule_without_replacing_it():
    snapshot = risk(
        [area(ZHENGZHOU_ERQI, "high")],
        [designation("case_city", ZHENGZHOU)],
    )
    result = run(arrival("2021-08-04", LEFT), "2021-08-05", snapshot)
    assert result.outcome == "central_observation"
    assert set(fired(result)) == {"risk_county_stay", "designated_region_stay"}
    assert ("health_monitoring", "2021-08-03", "2021-08-16") in measures(result)


def test_a_risk_area_elsewhere_does_not_make_a_case_city():
    result = run(arrival("2021-08-04", LEFT), "2021-08-05", risk([area(GUANGLING)]))
    assert result.reasons == ()


def test_before_travel_a_measure_that_ends_before_arrival_is_not_listed():
    # Monitoring 08-03..08-16 is over by a planned arrival on 08-17: nothing follows arrival.
    result = run(pre("2021-08-17", LEFT), "2021-08-05", CASE_CITY)

    assert result.outcome == "allowed"
    assert measures(result) == []
    # On its last day it still applies after an arrival that day.
    on_last_day = run(pre("2021-08-16", LEFT), "2021-08-05", CASE_CITY)
    assert measures(on_last_day) == [("health_monitoring", "2021-08-03", "2021-08-16")]


def test_before_travel_a_listed_measure_drops_out_when_the_planned_day_is_long_past():
    # Planned for 08-09 and never amended: the reference day follows D, and the day after
    # the measure's end is when the answer changes by time alone.
    result = run(pre("2021-08-09", LEFT), "2021-08-16", CASE_CITY)
    assert measures(result) == [("health_monitoring", "2021-08-03", "2021-08-16")]
    assert result.next_review_on == d("2021-08-17")
    assert measures(run(pre("2021-08-09", LEFT), "2021-08-17", CASE_CITY)) == []


def test_the_monitoring_is_counted_from_leaving_the_city_days_before_arrival_included():
    [because] = run(arrival("2021-08-04", LEFT), "2021-08-05", CASE_CITY).reasons
    assert "需健康监测14天，自离开郑州市之日起算（抵京前已过的天数计入）。" in because.text_zh
    assert "抵京后需" not in because.text_zh
    assert "属于有病例发生的城市（郑州市）" in because.text_zh
    assert "part of a city with local cases (郑州市)" in because.text_en
    assert (
        "You need 14 days of health monitoring, counted from the day you left 郑州市"
        " (days before your arrival count towards it)." in because.text_en
    )


def test_still_in_a_case_city_before_travel_the_reason_says_so():
    still = pre("2021-08-09", leg(ZHENGZHOU_ERQI, "2021-08-01", None))
    result = run(still, "2021-08-05", CASE_CITY)
    [because] = [r for r in result.reasons if r.rule == "designated_region_stay"]
    assert because.text_zh.startswith("目前仍在二七区，属于有病例发生的城市（郑州市）。")
    assert because.text_en.startswith("You are still in 二七区, part of a city with local cases")
