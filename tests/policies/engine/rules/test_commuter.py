from tests.policies.engine.builders import (
    DACHANG,
    PLAIN,
    SANHE,
    XIANGHE,
    area,
    arrival,
    conditions,
    designation,
    fired,
    leg,
    pre,
    risk,
    run,
)

ZONE = [
    designation("commuter_zone", code, id=n) for n, code in enumerate((SANHE, DACHANG, XIANGHE))
]


def commute(*legs, **fields):
    return pre("2021-08-10", *legs, commuter=True, **fields)


def test_a_commuter_with_every_leg_in_the_zone_is_allowed_with_temperature_check():
    declaration = commute(
        leg(SANHE, "2021-08-01", "2021-08-05"), leg(DACHANG, "2021-08-05", "2021-08-10")
    )
    result = run(declaration, "2021-08-08", risk(designations=ZONE))
    assert result.outcome == "allowed"
    assert conditions(result) == {"temperature_check": None}
    reason = result.reasons[0]
    assert reason.rule == "commuter" and reason.designation == "commuter_zone"
    assert "三河市" in reason.text_zh and "大厂回族自治县" in reason.text_zh


def test_a_commuter_with_one_leg_outside_the_zone_needs_the_test_like_anyone():
    declaration = commute(
        leg(SANHE, "2021-08-01", "2021-08-05"), leg(PLAIN, "2021-08-05", "2021-08-09")
    )
    result = run(declaration, "2021-08-08", risk(designations=ZONE))
    assert "commuter" not in fired(result)
    assert conditions(result) == {"nat_48h": None}


def test_a_commuter_with_a_yellow_code_is_not_treated_as_commuter():
    result = run(
        commute(leg(SANHE, "2021-08-01", "2021-08-10"), health_code="yellow"),
        "2021-08-08",
        risk(designations=ZONE),
    )
    assert result.outcome == "postponed"
    assert "commuter" not in fired(result)
    assert "nat_48h" in conditions(result)


def test_a_traveller_not_declaring_commuting_gets_no_exemption():
    declaration = pre("2021-08-10", leg(SANHE, "2021-08-01", "2021-08-10"))
    result = run(declaration, "2021-08-08", risk(designations=ZONE))
    assert conditions(result) == {"nat_48h": None}


def test_a_commuter_without_legs_is_not_recognised():
    result = run(commute(), "2021-08-08", risk(designations=ZONE))
    assert "commuter" not in fired(result)


def test_a_lapsed_zone_designation_does_not_count():
    lapsed = [designation("commuter_zone", SANHE, "2021-01-01", "2021-08-07")]
    result = run(
        commute(leg(SANHE, "2021-08-01", "2021-08-10")), "2021-08-08", risk(designations=lapsed)
    )
    assert "commuter" not in fired(result)


def test_commuting_never_overrides_a_risk_county():
    snapshot = risk([area(SANHE, "medium")], ZONE)
    result = run(commute(leg(SANHE, "2021-08-01", "2021-08-07")), "2021-08-08", snapshot)
    assert result.outcome == "postponed"
    assert "commuter" in fired(result) and "risk_county_stay" in fired(result)


def test_a_commuting_arrival_report_in_a_medium_county_still_gets_home_observation():
    snapshot = risk([area(SANHE, "medium")], ZONE)
    declaration = arrival("2021-08-07", leg(SANHE, "2021-08-01", "2021-08-07"), commuter=True)
    assert run(declaration, "2021-08-08", snapshot).outcome == "home_observation"


def test_beside_a_risk_rule_that_postpones_the_commuter_reason_promises_no_entry():
    # Dachang has a medium-risk area: the commuter is postponed like anyone (rulebook 4).
    declaration = commute(leg(DACHANG, "2021-08-01", "2021-08-07"))
    result = run(
        declaration, "2021-08-08", risk([area(DACHANG, "medium", "2021-07-30")], designations=ZONE)
    )
    assert result.outcome == "postponed"
    [because] = [reason for reason in result.reasons if reason.rule == "commuter"]
    assert "进返京" not in because.text_zh and "entry" not in because.text_en.lower()
    assert "测温正常" in because.text_zh


def test_the_english_reason_is_a_sentence_in_the_forms_term():
    declaration = commute(leg(SANHE, "2021-08-01", "2021-08-05"))
    result = run(declaration, "2021-08-08", risk(designations=ZONE))
    [because] = [r for r in result.reasons if r.rule == "commuter"]
    assert because.text_en == (
        "You commute from the commuter belt around Beijing, all your declared stays are in"
        " it (三河市) and your health code is green, so you need a normal temperature check"
        " and personal protection."
    )
    assert because.text_zh == (
        "通勤人员，申报的行程均在环京通勤地区（三河市）内，健康码为绿码，需测温正常并做好个人防护。"
    )
