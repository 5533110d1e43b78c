from tests.policies.engine.builders import (
    GUANGLING,
    HANJIANG,
    PLAIN,
    ZHENGZHOU_ERQI,
    area,
    arrival,
    d,
    fired,
    guangling_high,
    leg,
    measures,
    policy_with,
    pre,
    risk,
    run,
)

PRE_RULE = ("risk_county_stay", {"levels": ["high", "medium"], "applies_to": "pre_travel"})
HIGH_ARRIVAL = (
    "risk_county_stay",
    {
        "levels": ["high"],
        "applies_to": "arrival_report",
        "measures": [
            {"kind": "central_observation", "days": 14},
            {"kind": "health_monitoring", "days": 7},
        ],
    },
)


def test_a_stay_left_13_days_before_arrival_is_within_14_days():
    result = run(
        pre("2021-08-14", leg(GUANGLING, "2021-07-29", "2021-08-01")),
        "2021-08-08",
        guangling_high(),
    )
    assert result.outcome == "postponed"
    assert result.entry_allowed_from == d("2021-08-15")


def test_the_reason_says_the_14_days_are_counted_back_from_the_arrival_day():
    left = leg(GUANGLING, "2021-07-29", "2021-08-01")
    before = run(pre("2021-08-14", left), "2021-08-08", guangling_high()).reasons[0]
    policy = policy_with(HIGH_ARRIVAL)
    after = run(arrival("2021-08-05", left), "2021-08-05", guangling_high(), policy).reasons[0]
    # "Within 14 days" alone left open: of what?
    for reason in (before, after):
        assert reason.text_zh.startswith("抵京前14天内到过广陵区，")
        assert reason.text_en.startswith(
            "Within the 14 days before arriving in Beijing, you stayed in 广陵区;"
        )


def test_a_stay_left_14_days_before_arrival_is_outside():
    result = run(
        pre("2021-08-15", leg(GUANGLING, "2021-07-29", "2021-08-01")),
        "2021-08-08",
        guangling_high(),
    )
    assert result.outcome == "allowed"
    assert "risk_county_stay" not in fired(result)


def test_arrival_on_day_13_gets_measures_and_on_day_14_none():
    left = leg(GUANGLING, "2021-07-29", "2021-08-01")
    assert run(arrival("2021-08-14", left), "2021-08-14", guangling_high()).measures
    later = run(arrival("2021-08-15", left), "2021-08-15", guangling_high())
    assert later.measures == ()
    assert later.outcome == "allowed"


def test_the_lift_day_is_the_first_day_without_risk():
    declaration = pre("2021-08-12", leg(GUANGLING, "2021-08-01", "2021-08-05"))
    assert run(declaration, "2021-08-08", guangling_high("2021-08-09")).outcome == "postponed"
    assert run(declaration, "2021-08-09", guangling_high("2021-08-09")).outcome == "allowed"


def test_the_designation_day_is_the_first_day_with_risk():
    snapshot = risk([area(GUANGLING, "high", "2021-08-08")])
    declaration = pre("2021-08-12", leg(GUANGLING, "2021-08-01", "2021-08-05"))
    assert run(declaration, "2021-08-07", snapshot).outcome == "allowed"
    assert run(declaration, "2021-08-08", snapshot).outcome == "postponed"


def test_several_firing_legs_postpone_until_the_latest_leaving_day_plus_14():
    snapshot = risk([area(GUANGLING, "high", id=1), area(ZHENGZHOU_ERQI, "medium", id=2)])
    declaration = pre(
        "2021-08-12",
        leg(GUANGLING, "2021-07-28", "2021-07-31"),
        leg(PLAIN, "2021-07-31", "2021-08-02"),
        leg(ZHENGZHOU_ERQI, "2021-08-02", "2021-08-04"),
    )
    result = run(declaration, "2021-08-08", snapshot)
    assert result.entry_allowed_from == d("2021-08-18")
    regions = [r.region for r in result.reasons if r.rule == "risk_county_stay"]
    assert regions == [GUANGLING, ZHENGZHOU_ERQI]
    # The earlier leg's window closes first: that is when the explanation changes.
    assert result.next_review_on == d("2021-08-14")


def test_an_open_leg_means_no_entry_date_even_beside_a_dated_one():
    snapshot = risk([area(GUANGLING, "high", id=1), area(ZHENGZHOU_ERQI, "medium", id=2)])
    declaration = pre(
        "2021-08-12",
        leg(GUANGLING, "2021-07-28", "2021-08-01"),
        leg(ZHENGZHOU_ERQI, "2021-08-01", None),
    )
    result = run(declaration, "2021-08-08", snapshot)
    assert result.outcome == "postponed"
    assert result.entry_allowed_from is None


def test_an_open_leg_in_a_plain_county_postpones_nothing():
    result = run(pre("2021-08-12", leg(PLAIN, "2021-08-01", None)), "2021-08-08", guangling_high())
    assert result.outcome == "allowed"


def test_a_medium_county_arrival_gets_home_observation_then_health_monitoring():
    snapshot = risk([area(ZHENGZHOU_ERQI, "medium")])
    result = run(
        arrival("2021-08-05", leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-04")),
        "2021-08-06",
        snapshot,
    )
    assert result.outcome == "home_observation"
    assert measures(result) == [
        ("home_observation", "2021-08-04", "2021-08-17"),
        ("health_monitoring", "2021-08-18", "2021-08-24"),
    ]


def test_a_medium_county_arrival_without_home_conditions_gets_central_observation():
    snapshot = risk([area(ZHENGZHOU_ERQI, "medium")])
    declaration = arrival(
        "2021-08-05",
        leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-04"),
        home_quarantine_possible=False,
    )
    result = run(declaration, "2021-08-06", snapshot)
    assert result.outcome == "central_observation"
    assert measures(result)[0] == ("central_observation", "2021-08-04", "2021-08-17")
    assert "集中观察" in result.reasons[0].text_zh


def test_a_county_with_a_high_and_a_medium_area_is_high_only():
    snapshot = risk(
        [
            area(GUANGLING, "medium", name="中风险村", id=1),
            area(GUANGLING, "high", name="高风险村", id=2),
        ]
    )
    result = run(
        arrival("2021-08-05", leg(GUANGLING, "2021-08-01", "2021-08-04")), "2021-08-06", snapshot
    )
    assert result.outcome == "central_observation"
    assert [m.kind for m in result.measures].count("home_observation") == 0
    assert result.reasons[0].risk_areas == ("高风险村",)


def test_the_english_reason_says_one_area_or_several_by_their_number():
    left = pre("2021-08-10", leg(GUANGLING, "2021-07-29", "2021-08-01"))
    one = run(left, "2021-08-08", guangling_high()).reasons[0].text_en
    assert "it currently has a high-risk area: 示例社区. Entry is postponed." in one
    several = risk(
        [area(GUANGLING, "medium", name="甲村", id=1), area(GUANGLING, "medium", name="乙村", id=2)]
    )
    two = run(left, "2021-08-08", several).reasons[0].text_en
    assert "it currently has medium-risk areas: " in two
    assert "甲村" in two and "乙村" in two


def test_the_areas_follow_a_colon_and_the_county_is_named_not_bracketed():
    # Demo names end in "（示例）": in brackets they nested, and "该县（市、区、旗）" read
    # oddly for a 区.
    snapshot = risk([area(GUANGLING, "high", name="汤汪乡（示例）")])
    left = pre("2021-08-10", leg(GUANGLING, "2021-07-29", "2021-08-01"))
    [because] = [r for r in run(left, "2021-08-08", snapshot).reasons if r.rule == PRE_RULE[0]]
    assert because.text_zh == (
        "抵京前14天内到过广陵区，广陵区现有高风险地区：汤汪乡（示例）。需暂缓进返京。"
    )
    assert "该县" not in because.text_zh and "（汤汪乡" not in because.text_zh


def test_still_in_the_county_before_travel_the_reason_says_so():
    declaration = pre("2021-08-10", leg(GUANGLING, "2021-07-30", None))
    result = run(declaration, "2021-08-08", guangling_high())
    [because] = [r for r in result.reasons if r.rule == PRE_RULE[0]]
    assert because.text_zh == "目前仍在广陵区，广陵区现有高风险地区：示例社区。需暂缓进返京。"
    assert because.text_en == (
        "You are still in 广陵区, which currently has a high-risk area: 示例社区."
        " Entry is postponed."
    )
    # The same county left earlier in another declaration: the cached reason is not reused.
    closed = pre("2021-08-10", leg(GUANGLING, "2021-07-30", "2021-08-01"))
    [earlier] = run(closed, "2021-08-08", guangling_high()).reasons[:1]
    assert earlier.text_zh.startswith("抵京前14天内到过广陵区，")


def test_an_arrival_reports_open_leg_is_not_said_to_be_still_there():
    result = run(
        arrival("2021-08-03", leg(GUANGLING, "2021-07-25", None)),
        "2021-08-04",
        guangling_high(),
        policy_with(HIGH_ARRIVAL),
    )
    assert result.reasons[0].text_zh.startswith("抵京前14天内到过广陵区，")


def test_the_measures_follow_one_another_from_the_leaving_day_days_before_arrival_counted():
    left = leg(GUANGLING, "2021-07-29", "2021-08-01")
    policy = policy_with(HIGH_ARRIVAL)
    [because] = run(arrival("2021-08-05", left), "2021-08-05", guangling_high(), policy).reasons
    # "抵京后需14天集中观察、7天健康监测" read as 14 days from arrival, both at once.
    assert because.text_zh.endswith(
        "需集中观察14天，之后健康监测7天，均自离开广陵区之日起算（抵京前已过的天数计入）。"
    )
    assert "、" not in because.text_zh and "抵京后需" not in because.text_zh
    assert because.text_en.endswith(
        "You need 14 days of observation at a designated site, then 7 days of health"
        " monitoring, both counted from the day you left 广陵区 (days before your arrival"
        " count towards them)."
    )


def test_once_the_high_area_is_lifted_the_county_is_medium():
    snapshot = risk(
        [
            area(GUANGLING, "medium", id=1),
            area(GUANGLING, "high", "2021-07-28", "2021-08-06", id=2),
        ]
    )
    result = run(
        arrival("2021-08-05", leg(GUANGLING, "2021-08-01", "2021-08-04")), "2021-08-06", snapshot
    )
    assert result.outcome == "home_observation"


def test_a_neighbouring_county_without_areas_is_not_a_risk_county():
    result = run(
        pre("2021-08-10", leg(HANJIANG, "2021-07-25", "2021-08-01")), "2021-08-08", guangling_high()
    )
    assert result.outcome == "allowed"


def test_a_leg_naming_the_prefecture_contains_the_risk_county():
    result = run(
        pre("2021-08-10", leg("321000", "2021-07-25", "2021-08-01")), "2021-08-08", guangling_high()
    )
    assert result.outcome == "postponed"


def test_areas_recorded_on_a_county_level_city_without_counties_match_it():
    snapshot = risk([area("441900", "medium")])
    result = run(
        pre("2021-08-10", leg("441900", "2021-07-25", "2021-08-01")), "2021-08-08", snapshot
    )
    assert result.outcome == "postponed"


def test_a_rule_fires_only_for_its_declaration_kind():
    policy = policy_with(HIGH_ARRIVAL)
    left = leg(GUANGLING, "2021-07-25", "2021-08-01")
    assert run(pre("2021-08-10", left), "2021-08-08", guangling_high(), policy).outcome == "allowed"
    policy = policy_with(PRE_RULE)
    result = run(arrival("2021-08-02", left), "2021-08-08", guangling_high(), policy)
    assert result.outcome == "allowed"
    assert result.reasons == ()


def test_an_arrival_report_leg_without_leaving_day_counts_from_the_arrival_day():
    result = run(
        arrival("2021-08-03", leg(GUANGLING, "2021-07-25", None)),
        "2021-08-04",
        guangling_high(),
        policy_with(HIGH_ARRIVAL),
    )
    assert measures(result)[0] == ("central_observation", "2021-08-03", "2021-08-16")


def test_levels_filter_the_counties_a_rule_fires_for():
    snapshot = risk([area(ZHENGZHOU_ERQI, "medium")])
    result = run(
        arrival("2021-08-05", leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-04")),
        "2021-08-06",
        snapshot,
        policy_with(HIGH_ARRIVAL),
    )
    assert result.reasons == ()


def test_still_in_a_risk_county_before_travel_lists_no_dated_measure():
    from tests.policies.engine.builders import (
        GUANGLING,
        designation,
        guangling_high,
        leg,
        pre,
        risk,
        run,
    )

    # Also a city with cases: its monitoring would be dated from a day nobody can know yet.
    snapshot = risk(
        guangling_high().areas_by_county[GUANGLING],
        [designation("case_city", "321000", "2021-07-01")],
    )
    result = run(pre("2021-08-10", leg(GUANGLING, "2021-07-30", None)), "2021-08-08", snapshot)
    assert result.outcome == "postponed"
    assert result.entry_allowed_from is None
    assert result.measures == ()
