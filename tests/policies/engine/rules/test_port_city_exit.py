from tests.policies.engine.builders import (
    PLAIN,
    PORT_CITY,
    arrival,
    conditions,
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
