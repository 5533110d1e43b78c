from dataclasses import replace

from tests.policies.engine.builders import (
    PLAIN,
    PORT_CITY,
    arrival,
    conditions,
    d,
    designation,
    fired,
    leg,
    negative,
    positive,
    pre,
    risk,
    run,
    version,
)

PORTS = risk(designations=[designation("land_border_port_city", "152500", "2021-12-20")])
DECEMBER = version("BJ-2021-12-13")


def left_port(end, **fields):
    return arrival("2022-01-06", leg(PORT_CITY, "2022-01-01", end), **fields)


def test_leaving_a_port_city_needs_a_test_from_the_leaving_day_or_the_day_before():
    for sampled in ("2022-01-05", "2022-01-04"):
        result = run(
            left_port("2022-01-05", nat_test=negative(sampled)), "2022-01-06", PORTS, DECEMBER
        )
        assert conditions(result) == {"nat_48h_leaving_port_city": True}, sampled


def test_an_older_or_positive_test_does_not_meet_it():
    older = run(
        left_port("2022-01-05", nat_test=negative("2022-01-03")), "2022-01-06", PORTS, DECEMBER
    )
    assert conditions(older) == {"nat_48h_leaving_port_city": False}
    sick = run(
        left_port("2022-01-05", nat_test=positive("2022-01-05")), "2022-01-06", PORTS, DECEMBER
    )
    assert conditions(sick)["nat_48h_leaving_port_city"] is False


def test_without_a_test_the_condition_is_unknown():
    result = run(left_port("2022-01-05"), "2022-01-06", PORTS, DECEMBER)
    assert conditions(result) == {"nat_48h_leaving_port_city": None}
    assert result.outcome == "allowed"
    assert result.reasons[0].designation == "land_border_port_city"


def test_the_rule_window_ends_on_its_valid_until_day():
    on_last_day = arrival("2022-03-16", leg(PORT_CITY, "2022-03-10", "2022-03-15"))
    after = arrival("2022-03-17", leg(PORT_CITY, "2022-03-10", "2022-03-16"))
    assert "port_city_exit" in fired(run(on_last_day, "2022-03-16", PORTS, DECEMBER))
    assert "port_city_exit" not in fired(run(after, "2022-03-17", PORTS, DECEMBER))


def test_leaving_before_the_city_was_designated_does_not_count():
    result = run(
        arrival("2021-12-20", leg(PORT_CITY, "2021-12-10", "2021-12-19")),
        "2021-12-20",
        PORTS,
        DECEMBER,
    )
    assert "port_city_exit" not in fired(result)


def test_the_august_version_has_no_port_city_rule():
    result = run(left_port("2022-01-05"), "2022-01-06", PORTS)
    assert "port_city_exit" not in fired(result)


def test_a_pre_travel_traveller_still_in_the_port_city_leaves_on_the_planned_day():
    declaration = pre(
        "2022-01-10", leg(PORT_CITY, "2022-01-01", None), nat_test=negative("2022-01-09")
    )
    result = run(declaration, "2022-01-06", PORTS, DECEMBER)
    assert conditions(result) == {"nat_48h": True, "nat_48h_leaving_port_city": True}


def test_one_unmet_port_exit_makes_the_merged_condition_unmet():
    declaration = arrival(
        "2022-01-12",
        leg(PORT_CITY, "2022-01-01", "2022-01-03"),
        leg(PLAIN, "2022-01-03", "2022-01-08"),
        leg("152502", "2022-01-08", "2022-01-11"),
        nat_test=negative("2022-01-10"),
    )
    result = run(declaration, "2022-01-12", PORTS, DECEMBER)
    assert conditions(result) == {"nat_48h_leaving_port_city": False}
    assert [r.region for r in result.reasons] == [PORT_CITY, "152502"]


def test_once_the_planned_day_has_passed_a_traveller_still_in_the_port_city_leaves_on_the_day():
    # Planned for 01-08 and still in Erenhot on 01-12: the leaving test is the one taken
    # now, like the boarding test, not one from before the day that was not kept.
    declaration = pre("2022-01-08", leg(PORT_CITY, "2022-01-01", None))
    fresh = run(
        replace(declaration, nat_test=negative("2022-01-11")), "2022-01-12", PORTS, DECEMBER
    )
    assert conditions(fresh) == {"nat_48h": True, "nat_48h_leaving_port_city": True}
    stale = run(
        replace(declaration, nat_test=negative("2022-01-07")), "2022-01-12", PORTS, DECEMBER
    )
    assert conditions(stale) == {"nat_48h": False, "nat_48h_leaving_port_city": False}
    # The fresh test stops counting for both on the same day, and the reason names no
    # leaving day (it would change every day the traveller stays).
    assert fresh.next_review_on == d("2022-01-13")
    [because] = [r for r in fresh.reasons if r.rule == "port_city_exit"]
    assert "2022年1月" not in because.text_zh and "January" not in because.text_en
    assert "二连浩特市" in because.text_zh
