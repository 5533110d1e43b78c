from tests.policies.engine.builders import (
    GUANGLING,
    arrival,
    conditions,
    d,
    fired,
    guangling_high,
    leg,
    measures,
    policy_with,
    pre,
    run,
)


def test_a_yellow_code_postpones_a_pre_travel_declaration_without_date():
    result = run(pre("2021-08-10", health_code="yellow"), "2021-08-08")
    assert result.outcome == "postponed"
    assert result.entry_allowed_from is None
    assert conditions(result)["green_code"] is False
    assert "health_code" in fired(result)


def test_a_green_code_fires_nothing():
    result = run(pre("2021-08-10", health_code="green"), "2021-08-08")
    assert "health_code" not in fired(result)
    assert "green_code" not in conditions(result)


def test_a_red_code_on_arrival_reports_to_the_community_and_is_monitored_7_days():
    result = run(arrival("2021-08-05", health_code="red"), "2021-08-06")
    assert result.outcome == "health_monitoring"
    assert measures(result) == [("health_monitoring", "2021-08-05", "2021-08-11")]
    assert conditions(result) == {"report_to_community": None}
    assert result.next_review_on == d("2021-08-12")


def test_a_non_green_code_keeps_the_other_postponement_dateless():
    declaration = pre("2021-08-10", leg(GUANGLING, "2021-07-25", "2021-08-01"), health_code="red")
    result = run(declaration, "2021-08-08", guangling_high())
    assert result.outcome == "postponed"
    assert result.entry_allowed_from is None


def test_the_required_colour_is_a_parameter():
    policy = policy_with(("health_code", {"required_colour": "yellow"}))
    assert run(pre("2021-08-10", health_code="yellow"), "2021-08-08", policy=policy).outcome == (
        "allowed"
    )
    assert run(pre("2021-08-10", health_code="green"), "2021-08-08", policy=policy).outcome == (
        "postponed"
    )


def test_a_pre_travel_reason_says_to_change_this_declaration_with_the_links_words():
    result = run(pre("2021-08-10", health_code="yellow"), "2021-08-08")
    [because] = [r for r in result.reasons if r.rule == "health_code"]
    # "Declare again" sent people to a new declaration; the link is "修改行程和健康信息".
    assert because.text_zh == (
        "健康码为黄码，不是绿码。需暂缓进返京。"
        "健康码转为绿码后，请通过“修改行程和健康信息”更新本次申报。"
    )
    assert because.text_en.endswith(
        "Entry is postponed. Once your code is green, update this declaration with"
        " “Change your trip and health details”."
    )
    assert "declare again" not in because.text_en


def test_an_arrival_reason_counts_the_monitoring_from_the_arrival_day():
    [because] = run(arrival("2021-08-05", health_code="red"), "2021-08-06").reasons
    assert "需健康监测7天，自抵京之日起算。" in because.text_zh
    assert "You need 7 days of health monitoring, counted from the day you arrived." in (
        because.text_en
    )
