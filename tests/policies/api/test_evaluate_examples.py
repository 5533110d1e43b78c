"""The worked examples of rulebook section 6, through HTTP.

Policy BJ-2021-08-07; a high-risk area in Guangling (321002) designated 2021-07-28.
"""

from datetime import date

import pytest

from policies.models import RiskArea

from .conftest import GUANGLING, SANHE, declaration, leg

pytestmark = pytest.mark.usefixtures("guangling_high")


def codes(items, key):
    return [item[key] for item in items]


def measure(kind, start, end):
    return {"kind": kind, "start": start, "end": end}


def stayed_in_guangling(**fields):
    return declaration(legs=[leg(GUANGLING, "2021-07-25", "2021-08-01")], **fields)


def arrived_from_guangling(as_of):
    return stayed_in_guangling(kind="arrival_report", arrival_date="2021-08-02", as_of=as_of)


def test_example_1_pre_travel_within_14_days_of_leaving_is_postponed(evaluate):
    response = evaluate(stayed_in_guangling(arrival_date="2021-08-10"))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["outcome"] == "postponed"
    assert body["entry_allowed_from"] == "2021-08-15"
    assert body["policy_version"] == {"code": "BJ-2021-08-07", "effective_from": "2021-08-07"}
    reason = next(r for r in body["reasons"] if r["rule"] == "risk_county_stay")
    assert reason["region"] == GUANGLING
    assert reason["region_name"] == "广陵区"
    assert reason["risk_areas"] == ["广陵区汶河街道（示例）"]
    assert reason["text"]


def test_example_2_arriving_on_the_first_free_day_is_allowed_with_a_test(evaluate):
    body = evaluate(stayed_in_guangling(arrival_date="2021-08-15")).json()

    assert body["outcome"] == "allowed"
    assert body["entry_allowed_from"] is None
    assert {"code": "nat_48h", "met": None} in body["conditions"]
    assert "risk_county_stay" not in codes(body["reasons"], "rule")


def test_example_3_still_in_the_risk_county_is_postponed_without_a_date(evaluate):
    body = evaluate(declaration(legs=[leg(GUANGLING, "2021-07-30", None)])).json()

    assert body["outcome"] == "postponed"
    assert body["entry_allowed_from"] is None


def test_example_4_arrival_report_gets_central_observation_then_monitoring(evaluate):
    body = evaluate(arrived_from_guangling("2021-08-08")).json()

    assert body["outcome"] == "central_observation"
    assert body["measures"] == [
        measure("central_observation", "2021-08-01", "2021-08-14"),
        measure("health_monitoring", "2021-08-15", "2021-08-21"),
    ]
    assert body["next_review_on"] == "2021-08-15"


def test_example_5_the_same_arrival_is_in_health_monitoring_on_08_18(evaluate):
    body = evaluate(arrived_from_guangling("2021-08-18")).json()

    assert body["outcome"] == "health_monitoring"
    assert measure("health_monitoring", "2021-08-15", "2021-08-21") in body["measures"]
    assert body["next_review_on"] == "2021-08-22"


def test_example_6_after_every_measure_the_arrival_is_allowed_with_past_measures_listed(evaluate):
    body = evaluate(arrived_from_guangling("2021-08-25")).json()

    assert body["outcome"] == "allowed"
    assert body["measures"] == [
        measure("central_observation", "2021-08-01", "2021-08-14"),
        measure("health_monitoring", "2021-08-15", "2021-08-21"),
    ]


def test_example_7_commuter_in_the_commuter_zone_is_allowed_with_temperature_check(
    evaluate, commuter_zone
):
    body = evaluate(
        declaration(
            commuter=True,
            arrival_date="2021-08-09",
            legs=[leg(SANHE, "2021-08-02", "2021-08-09")],
        )
    ).json()

    assert body["outcome"] == "allowed"
    assert "temperature_check" in codes(body["conditions"], "code")
    assert "nat_48h" not in codes(body["conditions"], "code")


def test_example_8_lifting_the_area_allows_example_1(evaluate, guangling_high):
    RiskArea.objects.filter(pk=guangling_high.pk).update(lifted_on=date(2021, 8, 9))

    lifted = evaluate(stayed_in_guangling(as_of="2021-08-09")).json()
    before_lift = evaluate(stayed_in_guangling(as_of="2021-08-08")).json()

    assert lifted["outcome"] == "allowed"
    assert lifted["entry_allowed_from"] is None
    assert before_lift["outcome"] == "postponed"
