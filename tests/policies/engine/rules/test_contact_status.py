from tests.policies.engine.builders import (
    arrival,
    conditions,
    d,
    fired,
    measures,
    pre,
    run,
)


def contact(kind, status, last=None, day="2021-08-10"):
    build = pre if kind == "pre" else arrival
    return build(day, contact_status=status, last_contact_date=d(last) if last else None)


def test_a_close_contact_arrival_gets_central_observation_then_monitoring_from_the_contact():
    result = run(contact("arrival", "close_contact", "2021-08-03", "2021-08-05"), "2021-08-06")
    assert result.outcome == "central_observation"
    assert measures(result) == [
        ("central_observation", "2021-08-03", "2021-08-16"),
        ("health_monitoring", "2021-08-17", "2021-08-23"),
    ]


def test_a_close_contact_pre_travel_is_postponed_until_the_day_after_the_last_measure():
    result = run(contact("pre", "close_contact", "2021-08-03"), "2021-08-06")
    assert result.outcome == "postponed"
    assert result.entry_allowed_from == d("2021-08-24")
    # Both measures end before the entry date, so neither applies after arrival: the
    # reason names them instead (rulebook section 3).
    assert result.measures == ()
    [because] = [reason for reason in result.reasons if reason.rule == "contact_status"]
    assert "集中观察" in because.text_zh


def test_a_secondary_contact_gets_7_days_of_central_observation():
    result = run(contact("arrival", "secondary_contact", "2021-08-03", "2021-08-05"), "2021-08-06")
    assert measures(result) == [("central_observation", "2021-08-03", "2021-08-09")]
    pre_result = run(contact("pre", "secondary_contact", "2021-08-03", "2021-08-09"), "2021-08-06")
    assert pre_result.entry_allowed_from == d("2021-08-10")


def test_a_cohabitant_of_a_secondary_contact_is_monitored_in_a_closed_loop():
    result = run(
        contact("arrival", "secondary_contact_cohabitant", "2021-08-03", "2021-08-05"), "2021-08-06"
    )
    assert result.outcome == "health_monitoring"
    assert measures(result) == [("health_monitoring", "2021-08-03", "2021-08-09")]
    assert conditions(result) == {"closed_loop": None}


def test_a_pre_travel_contact_whose_measures_have_ended_is_allowed():
    result = run(contact("pre", "secondary_contact", "2021-08-03", "2021-08-10"), "2021-08-08")
    assert result.outcome == "allowed"
    assert "contact_status" not in fired(result)


def test_no_contact_fires_nothing():
    assert "contact_status" not in fired(run(contact("pre", "none"), "2021-08-08"))


def test_a_contact_without_date_is_postponed_without_date():
    result = run(contact("pre", "close_contact"), "2021-08-08")
    assert result.outcome == "postponed"
    assert result.entry_allowed_from is None


def test_an_undated_contact_on_arrival_is_dated_from_the_arrival_day():
    result = run(contact("arrival", "secondary_contact", None, "2021-08-05"), "2021-08-06")
    assert measures(result) == [("central_observation", "2021-08-05", "2021-08-11")]


def test_a_contact_after_arrival_is_dated_from_the_contact():
    result = run(contact("arrival", "secondary_contact", "2021-08-07", "2021-08-05"), "2021-08-06")
    assert result.outcome == "allowed"  # the observation starts tomorrow
    assert result.next_review_on == d("2021-08-07")
    assert run(
        contact("arrival", "secondary_contact", "2021-08-07", "2021-08-05"), "2021-08-07"
    ).outcome == ("central_observation")


def test_a_contact_measure_overlapping_a_risk_measure_is_listed_beside_it():
    from tests.policies.engine.builders import GUANGLING, guangling_high, leg

    declaration = arrival(
        "2021-08-02",
        leg(GUANGLING, "2021-07-25", "2021-08-01"),
        contact_status="secondary_contact_cohabitant",
        last_contact_date=d("2021-08-10"),
    )
    result = run(declaration, "2021-08-12", guangling_high())
    assert ("health_monitoring", "2021-08-10", "2021-08-16") in measures(result)
    assert result.outcome == "central_observation"
    assert run(declaration, "2021-08-15", guangling_high()).outcome == "health_monitoring"


def test_the_reason_names_the_last_contact_day_as_people_write_dates():
    result = run(contact("arrival", "close_contact", "2021-08-03", "2021-08-05"), "2021-08-06")
    [because] = [reason for reason in result.reasons if reason.rule == "contact_status"]
    assert "2021年8月3日" in because.text_zh and "3 August 2021" in because.text_en
    assert "2021-08-03" not in because.text_zh + because.text_en


def test_the_measures_read_one_after_the_other_from_the_last_contact():
    result = run(contact("arrival", "close_contact", "2021-08-03", "2021-08-05"), "2021-08-06")
    [because] = [reason for reason in result.reasons if reason.rule == "contact_status"]
    assert (
        "需集中观察14天，之后健康监测7天，均自最后接触之日起算（抵京前已过的天数计入）。"
        in because.text_zh
    )
    assert (
        "You need 14 days of observation at a designated site, then 7 days of health"
        " monitoring, both counted from the day of the last contact (days before your"
        " arrival count towards them)." in because.text_en
    )
    # Before travel, every day of them is before arrival: entry waits for their end.
    before = run(contact("pre", "close_contact", "2021-08-03"), "2021-08-06")
    [pending] = [reason for reason in before.reasons if reason.rule == "contact_status"]
    assert "均自最后接触之日起算。措施期满前暂缓进返京。" in pending.text_zh
    assert "抵京前已过" not in pending.text_zh
