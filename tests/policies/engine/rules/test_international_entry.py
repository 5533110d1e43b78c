from tests.policies.engine.builders import (
    PLAIN,
    arrival,
    conditions,
    d,
    fired,
    leg,
    measures,
    pre,
    run,
)

ENTERED = d("2021-08-01")


def test_day_21_after_entry_is_still_postponed():
    result = run(pre("2021-08-21", international_entry_date=ENTERED), "2021-08-08")
    assert result.outcome == "postponed"
    assert result.entry_allowed_from == d("2021-08-22")
    assert result.next_review_on == d("2021-08-22")


def test_the_day_after_21_full_days_is_allowed():
    result = run(pre("2021-08-22", international_entry_date=ENTERED), "2021-08-08")
    assert result.outcome == "allowed"
    assert "international_entry" not in fired(result)


def test_an_early_arrival_reports_to_the_community_and_is_monitored_until_day_21():
    result = run(
        arrival(
            "2021-08-10", leg(PLAIN, "2021-08-01", "2021-08-09"), international_entry_date=ENTERED
        ),
        "2021-08-10",
    )
    assert result.outcome == "health_monitoring"
    assert measures(result) == [("health_monitoring", "2021-08-01", "2021-08-21")]
    assert conditions(result) == {"report_to_community": None}
    assert result.next_review_on == d("2021-08-22")
    assert "2021年8月1日" in result.reasons[0].text_zh
    assert "1 August 2021" in result.reasons[0].text_en


def test_an_arrival_reports_reason_says_what_applies_now_not_when_entry_is_allowed():
    result = run(
        arrival(
            "2021-08-10", leg(PLAIN, "2021-08-01", "2021-08-09"), international_entry_date=ENTERED
        ),
        "2021-08-10",
    )
    [because] = [r for r in result.reasons if r.rule == "international_entry"]
    # Already in Beijing: "entry is allowed from 22 August" read as a rule broken.
    assert "方可进" not in because.text_zh and "may enter" not in because.text_en
    assert because.text_zh.startswith(
        "2021年8月1日经其他口岸入境，抵京时入境未满21天。"
        "需健康监测21天，自入境之日起算，至2021年8月21日。"
    )
    # "Another port" / "the country" were officials' words: which port, entering what.
    assert because.text_en.startswith(
        "You entered mainland China from abroad at a port outside Beijing (an airport,"
        " seaport or land crossing) on 1 August 2021, less than 21 days before you arrived"
        " in Beijing. You need 21 days of health monitoring, counted from the day you"
        " entered, up to and including 21 August 2021."
    )


def test_a_pre_travel_reason_still_says_from_when_entry_is_allowed():
    result = run(pre("2021-08-21", international_entry_date=ENTERED), "2021-08-08")
    [because] = [r for r in result.reasons if r.rule == "international_entry"]
    assert "2021年8月22日起方可进返京" in because.text_zh
    assert "you may enter Beijing once 21 days have passed since then, from 22 August 2021" in (
        because.text_en
    )
    # The monitoring runs from the entry day: the days before arrival are part of it.
    assert "需健康监测21天，自入境之日起算（抵京前已过的天数计入）。" in because.text_zh
    assert "counted from the day you entered (days before your arrival count towards it)" in (
        because.text_en
    )


def test_an_arrival_after_21_days_gets_nothing_from_the_rule():
    result = run(arrival("2021-08-22", international_entry_date=ENTERED), "2021-08-22")
    assert result.reasons == ()
    assert result.outcome == "allowed"


def test_no_entry_date_fires_nothing():
    assert "international_entry" not in fired(run(pre("2021-08-10"), "2021-08-08"))


def test_a_pre_travel_postponement_ends_by_itself_once_the_planned_day_has_passed():
    declaration = pre("2021-08-10", international_entry_date=ENTERED)
    assert run(declaration, "2021-08-21").outcome == "postponed"
    assert run(declaration, "2021-08-22").outcome == "allowed"


def test_before_travel_monitoring_that_ends_before_the_entry_date_is_not_listed():
    from tests.policies.engine.builders import d, pre, run

    # Entered on 08-01: postponed until 08-22, and the monitoring until day 21 is over
    # by then, so no measure follows an arrival.
    result = run(pre("2021-08-21", international_entry_date=d("2021-08-01")), "2021-08-10")
    assert result.outcome == "postponed"
    assert result.entry_allowed_from == d("2021-08-22")
    assert result.measures == ()
