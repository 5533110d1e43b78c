from tests.policies.engine.builders import (
    SANHE,
    arrival,
    conditions,
    d,
    designation,
    fired,
    leg,
    negative,
    policy_with,
    positive,
    pre,
    risk,
    run,
)

ZONE = risk(designations=[designation("commuter_zone", SANHE)])


def test_without_a_declared_test_the_condition_is_unknown():
    assert conditions(run(pre("2021-08-10"), "2021-08-08")) == {"nat_48h": None}


def test_a_negative_test_sampled_on_the_arrival_day_or_the_day_before_meets_it():
    for sampled in ("2021-08-10", "2021-08-09"):
        result = run(pre("2021-08-10", nat_test=negative(sampled)), "2021-08-08")
        assert conditions(result) == {"nat_48h": True}, sampled


def test_a_negative_test_two_days_before_does_not_meet_it():
    result = run(pre("2021-08-10", nat_test=negative("2021-08-08")), "2021-08-08")
    assert conditions(result) == {"nat_48h": False}


def test_a_met_test_stops_counting_once_the_planned_day_is_over():
    declaration = pre("2021-08-10", nat_test=negative("2021-08-09"))
    result = run(declaration, "2021-08-08")
    assert result.next_review_on == d("2021-08-11")
    assert conditions(run(declaration, "2021-08-11")) == {"nat_48h": False}


def test_arrival_reports_have_no_pre_boarding_condition():
    assert conditions(run(arrival("2021-08-05"), "2021-08-06")) == {}


def test_a_positive_test_postpones_without_date_and_reports_to_the_community():
    result = run(pre("2021-08-10", nat_test=positive("2021-08-07")), "2021-08-08")
    assert result.outcome == "postponed"
    assert result.entry_allowed_from is None
    assert conditions(result) == {"nat_48h": False, "report_to_community": None}


def test_a_positive_test_on_arrival_reports_to_the_community():
    result = run(arrival("2021-08-05", nat_test=positive("2021-08-05")), "2021-08-06")
    assert result.outcome == "allowed"
    assert conditions(result) == {"report_to_community": None}
    assert fired(result) == ["nat_test"]


def test_a_commuter_with_a_positive_test_is_postponed_too():
    declaration = pre(
        "2021-08-10",
        leg(SANHE, "2021-08-01", "2021-08-10"),
        commuter=True,
        nat_test=positive("2021-08-08"),
    )
    result = run(declaration, "2021-08-08", ZONE)
    assert result.outcome == "postponed"
    assert conditions(result) == {"report_to_community": None, "temperature_check": None}


def test_commuters_are_exempt_only_when_the_parameter_says_so():
    declaration = pre("2021-08-10", leg(SANHE, "2021-08-01", "2021-08-10"), commuter=True)
    policy = policy_with(("commuter", {}), ("nat_test", {"exempt_commuters": False}))
    assert "nat_48h" in conditions(run(declaration, "2021-08-08", ZONE, policy))
    policy = policy_with(("commuter", {}), ("nat_test", {"exempt_commuters": True}))
    assert "nat_48h" not in conditions(run(declaration, "2021-08-08", ZONE, policy))


def test_a_72_hour_window_accepts_a_test_two_days_before():
    policy = policy_with(("nat_test", {"hours": 72}))
    result = run(pre("2021-08-10", nat_test=negative("2021-08-08")), "2021-08-08", policy=policy)
    assert conditions(result) == {"nat_48h": True}


def test_the_reason_states_the_sampling_days_the_rule_accepts():
    [because] = run(pre("2021-08-10"), "2021-08-08").reasons
    # Met by a test sampled on the arrival day or the day before (48 h // 24 = 2 days).
    assert because.text_zh == (
        "需持核酸检测阴性证明，采样日期须为抵京当日或前一日（登机、登车前48小时内）。"
    )
    assert because.text_en == (
        "You need a negative nucleic acid (PCR) test sampled on your arrival day or the day"
        " before (within 48 hours before boarding)."
    )


def test_a_72_hour_rule_says_the_two_days_before():
    policy = policy_with(("nat_test", {"hours": 72, "exempt_commuters": True}))
    [because] = run(pre("2021-08-10"), "2021-08-08", policy=policy).reasons
    assert "采样日期须为抵京当日或之前2日内（登机、登车前72小时内）" in because.text_zh
    assert "sampled on your arrival day or in the 2 days before it (within 72 hours" in (
        because.text_en
    )
