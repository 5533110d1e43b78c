"""Travellers' itineraries taken from the reference material (../shared/seeds/), each
checked against the shipped policy versions as the seeds state or clearly imply.

Rows the rulebook's worked examples and the per-rule tests already cover are not
repeated here; these are the edge cases around them: medium-only counties, leaving on
the travel day, counting from leaving rather than arriving, the day a measure hands
over to the next, port quarantine before Beijing, lifts during a stay, cohabitants of a
secondary contact before travel, a code that is not green beside a risk county.
"""

from tests.policies.engine.builders import (
    GUANGLING,
    PLAIN,
    ZHENGZHOU_ERQI,
    area,
    arrival,
    conditions,
    d,
    fired,
    guangling_high,
    leg,
    measures,
    pre,
    risk,
    run,
)

MEDIUM_ERQI = risk([area(ZHENGZHOU_ERQI, "medium", "2021-08-02", name="示例街道")])


# Seeds 000 and 002 (the 2021-08-07 meeting): 中高风险地区所在县 ... 14日内有该区域旅居史
# ... 暂缓进返京.


def test_a_county_with_only_a_medium_risk_area_postpones_entry_until_14_days_after_leaving():
    declaration = pre("2021-08-10", leg(ZHENGZHOU_ERQI, "2021-07-30", "2021-08-03"))

    result = run(declaration, "2021-08-08", MEDIUM_ERQI)

    assert result.outcome == "postponed"
    assert result.entry_allowed_from == d("2021-08-17")
    [because] = [r for r in result.reasons if r.rule == "risk_county_stay"]
    assert "中风险" in because.text_zh and because.risk_areas == ("示例街道",)
    assert run(pre("2021-08-17", *declaration.legs), "2021-08-08", MEDIUM_ERQI).outcome == (
        "allowed"
    )


def test_leaving_a_risk_county_on_the_day_of_travel_postpones_entry_until_14_days_after_that_day():
    declaration = pre("2021-08-08", leg(GUANGLING, "2021-08-01", "2021-08-08"))

    result = run(declaration, "2021-08-08", guangling_high())

    assert result.outcome == "postponed"
    assert result.entry_allowed_from == d("2021-08-22")
    assert result.next_review_on == d("2021-08-22")


def test_an_area_lifted_while_the_traveller_was_still_in_the_county_no_longer_postpones_entry():
    # Lifted on 08-03, two days before the traveller left: on D the county has no risk area.
    declaration = pre("2021-08-10", leg(GUANGLING, "2021-07-25", "2021-08-05"))

    result = run(declaration, "2021-08-08", guangling_high("2021-08-03"))

    assert result.outcome == "allowed"
    assert "risk_county_stay" not in fired(result)
    assert conditions(result) == {"nat_48h": None}


# Seed 003 (12345 answers): 14天集中观察和7天健康监测 / 14天居家观察和7天健康监测,
# 期限自离开风险地区...之日起算.


def test_arrival_measures_count_from_leaving_the_risk_county_not_from_arriving_in_beijing():
    declaration = arrival(
        "2021-08-06",
        leg(GUANGLING, "2021-07-25", "2021-08-01"),
        leg(PLAIN, "2021-08-01", "2021-08-06"),
    )

    result = run(declaration, "2021-08-06", guangling_high())

    assert result.outcome == "central_observation"
    assert measures(result) == [
        ("central_observation", "2021-08-01", "2021-08-14"),
        ("health_monitoring", "2021-08-15", "2021-08-21"),
    ]


def test_a_high_risk_arrival_on_day_14_after_leaving_is_observed_that_day_then_monitored_7_days():
    declaration = arrival("2021-08-14", leg(GUANGLING, "2021-07-25", "2021-08-01"))
    expected = {
        "2021-08-14": ("central_observation", d("2021-08-15")),
        "2021-08-15": ("health_monitoring", d("2021-08-22")),
        "2021-08-21": ("health_monitoring", d("2021-08-22")),
        "2021-08-22": ("allowed", None),
    }
    for day, (outcome, review) in expected.items():
        result = run(declaration, day, guangling_high())
        assert (result.outcome, result.next_review_on) == (outcome, review), day


def test_a_medium_risk_arrival_hands_over_from_home_observation_to_monitoring_on_the_15th_day():
    declaration = arrival("2021-08-05", leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-04"))
    expected = {
        "2021-08-17": "home_observation",  # day 14 counted from leaving on 08-04
        "2021-08-18": "health_monitoring",
        "2021-08-24": "health_monitoring",
        "2021-08-25": "allowed",
    }
    for day, outcome in expected.items():
        assert run(declaration, day, MEDIUM_ERQI).outcome == outcome, day


def test_a_medium_risk_arrival_without_home_conditions_is_observed_centrally_then_monitored():
    declaration = arrival(
        "2021-08-05",
        leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-04"),
        home_quarantine_possible=False,
    )

    result = run(declaration, "2021-08-18", MEDIUM_ERQI)

    assert measures(result) == [
        ("central_observation", "2021-08-04", "2021-08-17"),
        ("health_monitoring", "2021-08-18", "2021-08-24"),
    ]
    assert result.outcome == "health_monitoring"


# Seed 003: 国内其他口岸入境人员，满21天方可进京，进京后要到所属社区报到.


def test_an_arrival_after_14_days_of_port_quarantine_is_monitored_until_day_21_and_reports_in():
    declaration = arrival(
        "2021-08-15",
        leg(PLAIN, "2021-08-01", "2021-08-15"),
        international_entry_date=d("2021-08-01"),
    )

    result = run(declaration, "2021-08-15")

    assert result.outcome == "health_monitoring"
    assert measures(result) == [("health_monitoring", "2021-08-01", "2021-08-21")]
    assert conditions(result) == {"report_to_community": None}
    assert run(declaration, "2021-08-22").outcome == "allowed"


# Seed 003: 次密切接触者...共同生活和工作的人员按规定进行闭环管理 ... 一般实施7天健康监测.


def test_a_cohabitant_of_a_secondary_contact_waits_7_days_from_the_last_contact_before_travelling():
    declaration = pre(
        "2021-08-09",
        contact_status="secondary_contact_cohabitant",
        last_contact_date=d("2021-08-05"),
    )

    result = run(declaration, "2021-08-06")

    assert result.outcome == "postponed"
    assert result.entry_allowed_from == d("2021-08-12")
    assert conditions(result)["closed_loop"] is None
    later = run(pre("2021-08-12", **_contact_fields(declaration)), "2021-08-06")
    assert later.outcome == "allowed"
    assert "contact_status" not in fired(later)


def _contact_fields(declaration):
    return {
        "contact_status": declaration.contact_status,
        "last_contact_date": declaration.last_contact_date,
    }


# Seeds 000/002 (绿码人员...即可返京) and 003 (健康宝出现弹窗...与所在社区联系): a code that is not
# green on arrival adds its own monitoring beside the risk county's measures.


def test_a_yellow_code_arrival_from_a_high_risk_county_is_observed_centrally_and_reports_in():
    declaration = arrival(
        "2021-08-05", leg(GUANGLING, "2021-07-28", "2021-08-04"), health_code="yellow"
    )

    result = run(declaration, "2021-08-06", guangling_high())

    assert result.outcome == "central_observation"
    assert measures(result) == [
        ("central_observation", "2021-08-04", "2021-08-17"),
        ("health_monitoring", "2021-08-05", "2021-08-11"),
        ("health_monitoring", "2021-08-18", "2021-08-24"),
    ]
    assert conditions(result) == {"report_to_community": None}
    assert fired(result) == ["risk_county_stay", "health_code"]


# Seeds 000 and 003 together: a close contact who also stayed in a high-risk county waits
# for the later of the two ends (期限自离开风险地区或离开...密切接触者等人员之日起算).


def test_a_close_contact_from_a_high_risk_county_waits_for_the_later_of_both_ends():
    declaration = pre(
        "2021-08-10",
        leg(GUANGLING, "2021-07-25", "2021-08-05"),
        contact_status="close_contact",
        last_contact_date=d("2021-07-28"),
    )

    result = run(declaration, "2021-08-08", guangling_high())

    # Stay: 08-05 + 14 = 08-19; contact: 07-28 + 14 + 7 = 08-18.
    assert result.outcome == "postponed"
    assert result.entry_allowed_from == d("2021-08-19")
    assert fired(result) == ["risk_county_stay", "nat_test", "contact_status"]
