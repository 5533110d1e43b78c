"""The evaluate endpoint beyond the rulebook's examples: each rule kind through HTTP,
languages, the default date, 422 without a policy, and the throttle."""

from datetime import date, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from policies.api.serializers import EvaluateResponseSerializer
from policies.models import Designation, RiskArea

from .conftest import GUANGLING, SANHE, declaration, leg

ZHENGZHOU_ERQI = "410103"
WUHAN_JIANGXIA = "420115"


def condition_codes(body):
    return [condition["code"] for condition in body["conditions"]]


def cjk_share(text):
    return sum("\u4e00" <= char <= "\u9fff" for char in text) / len(text)


def measure(kind, start, end):
    return {"kind": kind, "start": start, "end": end}


@pytest.fixture
def erqi_medium(regions):
    return RiskArea.objects.create(
        region_id=ZHENGZHOU_ERQI,
        name="二七区某小区（示例）",
        level="medium",
        designated_on=date(2021, 7, 31),
    )


def test_the_response_has_exactly_the_documented_shape(evaluate, guangling_high):
    body = evaluate(declaration(legs=[leg(GUANGLING, "2021-07-25", "2021-08-01")])).json()

    assert set(body) == {
        "outcome",
        "entry_allowed_from",
        "measures",
        "conditions",
        "reasons",
        "policy_version",
        "next_review_on",
    }
    assert set(body["reasons"][0]) == {
        "rule",
        "region",
        "region_name",
        "text",
        "risk_areas",
        "designation",
        "citation",
    }
    documented = EvaluateResponseSerializer(data=body)
    assert documented.is_valid(), documented.errors


def test_a_declaration_without_legs_or_risk_is_allowed(evaluate, guangling_high):
    response = evaluate(declaration())

    assert response.status_code == 200
    assert response.json()["outcome"] == "allowed"
    assert response.json()["measures"] == []


def test_a_stay_far_from_any_risk_area_is_allowed(evaluate, guangling_high):
    # Hanjiang is Guangling's neighbour in the same city: county-level matching only.
    body = evaluate(declaration(legs=[leg("321003", "2021-07-25", "2021-08-01")])).json()

    assert body["outcome"] == "allowed"
    assert body["entry_allowed_from"] is None


def test_day_13_after_leaving_is_still_postponed_and_day_14_is_free(evaluate, guangling_high):
    stay = [leg(GUANGLING, "2021-07-25", "2021-08-01")]
    day_13 = evaluate(declaration(arrival_date="2021-08-14", legs=stay)).json()
    day_14 = evaluate(declaration(arrival_date="2021-08-15", legs=stay)).json()

    assert (day_13["outcome"], day_13["entry_allowed_from"]) == ("postponed", "2021-08-15")
    assert day_14["outcome"] == "allowed"


def test_medium_risk_arrival_gets_home_observation_then_monitoring(evaluate, erqi_medium):
    body = evaluate(
        declaration(
            kind="arrival_report",
            as_of="2021-08-08",
            arrival_date="2021-08-05",
            legs=[leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-04")],
        )
    ).json()

    assert body["outcome"] == "home_observation"
    assert body["measures"] == [
        measure("home_observation", "2021-08-04", "2021-08-17"),
        measure("health_monitoring", "2021-08-18", "2021-08-24"),
    ]
    assert body["next_review_on"] == "2021-08-18"


def test_medium_risk_arrival_without_home_conditions_gets_central_observation(
    evaluate, erqi_medium
):
    body = evaluate(
        declaration(
            kind="arrival_report",
            as_of="2021-08-08",
            arrival_date="2021-08-05",
            home_quarantine_possible=False,
            legs=[leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-04")],
        )
    ).json()

    assert body["outcome"] == "central_observation"
    assert body["measures"][0] == measure("central_observation", "2021-08-04", "2021-08-17")


def test_medium_risk_pre_travel_is_postponed_like_high(evaluate, erqi_medium):
    body = evaluate(declaration(legs=[leg(ZHENGZHOU_ERQI, "2021-08-01", "2021-08-04")])).json()

    assert body["outcome"] == "postponed"
    assert body["entry_allowed_from"] == "2021-08-18"


def test_several_legs_postpone_from_the_leg_in_the_risk_county(evaluate, guangling_high):
    body = evaluate(
        declaration(
            legs=[
                # Submitted out of order and sharing travel days: both are fine.
                leg(GUANGLING, "2021-07-25", "2021-08-01"),
                leg("430802", "2021-07-20", "2021-07-25"),
                leg(SANHE, "2021-08-01", "2021-08-06"),
            ]
        )
    ).json()

    assert body["outcome"] == "postponed"
    assert body["entry_allowed_from"] == "2021-08-15"
    fired = [r for r in body["reasons"] if r["rule"] == "risk_county_stay"]
    assert [r["region"] for r in fired] == [GUANGLING]


def test_the_latest_leaving_day_among_risk_legs_sets_the_entry_date(
    evaluate, guangling_high, erqi_medium
):
    body = evaluate(
        declaration(
            legs=[
                leg(GUANGLING, "2021-07-25", "2021-07-30"),
                leg(ZHENGZHOU_ERQI, "2021-07-30", "2021-08-03"),
            ]
        )
    ).json()

    assert body["outcome"] == "postponed"
    assert body["entry_allowed_from"] == "2021-08-17"
    assert {r["region"] for r in body["reasons"] if r["rule"] == "risk_county_stay"} == {
        GUANGLING,
        ZHENGZHOU_ERQI,
    }


def test_an_area_designated_after_the_as_of_date_does_not_count_yet(evaluate, regions):
    RiskArea.objects.create(
        region_id=GUANGLING, name="later", level="high", designated_on=date(2021, 8, 9)
    )

    on_the_eve = evaluate(declaration(legs=[leg(GUANGLING, "2021-07-25", "2021-08-01")])).json()
    on_the_day = evaluate(
        declaration(as_of="2021-08-09", legs=[leg(GUANGLING, "2021-07-25", "2021-08-01")])
    ).json()

    assert on_the_eve["outcome"] == "allowed"
    assert on_the_day["outcome"] == "postponed"


def test_a_case_city_stay_brings_monitoring_and_a_test_on_arrival(evaluate, regions):
    Designation.objects.create(kind="case_city", region_id="420100", valid_from=date(2021, 8, 1))

    body = evaluate(
        declaration(
            kind="arrival_report",
            as_of="2021-08-08",
            arrival_date="2021-08-03",
            legs=[leg(WUHAN_JIANGXIA, "2021-07-28", "2021-08-03")],
        )
    ).json()

    assert body["outcome"] == "health_monitoring"
    assert measure("health_monitoring", "2021-08-03", "2021-08-16") in body["measures"]
    assert "nat_on_arrival" in condition_codes(body)
    reason = next(r for r in body["reasons"] if r["rule"] == "designated_region_stay")
    assert reason["designation"] == "case_city"
    assert reason["region"] == WUHAN_JIANGXIA


@pytest.mark.parametrize(
    ("status", "last_contact", "entry_from"),
    [
        ("close_contact", "2021-08-01", "2021-08-22"),
        ("secondary_contact", "2021-08-05", "2021-08-12"),
        ("secondary_contact_cohabitant", "2021-08-05", "2021-08-12"),
    ],
)
def test_a_contact_is_postponed_until_the_day_after_the_last_measure(
    evaluate, status, last_contact, entry_from
):
    body = evaluate(
        declaration(
            contact_status=status, last_contact_date=last_contact, arrival_date="2021-08-09"
        )
    ).json()

    assert body["outcome"] == "postponed"
    assert body["entry_allowed_from"] == entry_from


def test_a_close_contact_arrival_is_in_central_observation(evaluate):
    body = evaluate(
        declaration(
            kind="arrival_report",
            as_of="2021-08-08",
            arrival_date="2021-08-03",
            contact_status="close_contact",
            last_contact_date="2021-08-01",
        )
    ).json()

    assert body["outcome"] == "central_observation"
    assert body["measures"] == [
        measure("central_observation", "2021-08-01", "2021-08-14"),
        measure("health_monitoring", "2021-08-15", "2021-08-21"),
    ]


def test_a_cohabitant_of_a_secondary_contact_is_monitored_in_a_closed_loop(evaluate):
    body = evaluate(
        declaration(
            kind="arrival_report",
            as_of="2021-08-08",
            arrival_date="2021-08-08",
            contact_status="secondary_contact_cohabitant",
            last_contact_date="2021-08-07",
        )
    ).json()

    assert body["outcome"] == "health_monitoring"
    assert body["measures"] == [measure("health_monitoring", "2021-08-07", "2021-08-13")]
    assert "closed_loop" in condition_codes(body)


def test_an_international_entry_postpones_travel_for_21_days(evaluate):
    body = evaluate(declaration(international_entry_date="2021-08-01")).json()

    assert body["outcome"] == "postponed"
    assert body["entry_allowed_from"] == "2021-08-22"


def test_an_international_arrival_is_monitored_until_day_21_and_reports(evaluate):
    body = evaluate(
        declaration(
            kind="arrival_report",
            arrival_date="2021-08-05",
            international_entry_date="2021-08-01",
        )
    ).json()

    assert body["outcome"] == "health_monitoring"
    assert body["measures"] == [measure("health_monitoring", "2021-08-01", "2021-08-21")]
    assert "report_to_community" in condition_codes(body)


def test_a_non_green_code_postpones_without_a_date(evaluate):
    body = evaluate(declaration(health_code="yellow")).json()

    assert body["outcome"] == "postponed"
    assert body["entry_allowed_from"] is None


def test_a_declared_positive_test_postpones_and_reports_to_the_community(evaluate):
    body = evaluate(
        declaration(nat_test={"result": "positive", "sampled_at": "2021-08-08T09:00:00+08:00"})
    ).json()

    assert body["outcome"] == "postponed"
    assert body["entry_allowed_from"] is None
    assert "report_to_community" in condition_codes(body)


@pytest.mark.parametrize(
    ("sampled_at", "met"),
    [
        ("2021-08-09T10:00:00+08:00", True),  # the day before arrival
        # 2021-08-08 23:30 UTC is 08-09 07:30 in Beijing: within 48 hours.
        ("2021-08-08T23:30:00+00:00", True),
        ("2021-08-08T10:00:00+08:00", False),  # two days before arrival
    ],
)
def test_the_48_hour_test_condition_is_met_by_a_negative_test_the_day_before(
    evaluate, sampled_at, met
):
    body = evaluate(
        declaration(as_of="2021-08-09", nat_test={"result": "negative", "sampled_at": sampled_at})
    ).json()

    assert body["outcome"] == "allowed"
    assert {"code": "nat_48h", "met": met} in body["conditions"]


def test_a_commuter_leaving_the_zone_is_not_exempt_from_the_test(evaluate, commuter_zone):
    body = evaluate(
        declaration(
            commuter=True,
            legs=[
                leg(SANHE, "2021-08-01", "2021-08-05"),
                leg("430802", "2021-08-05", "2021-08-08"),
            ],
        )
    ).json()

    assert body["outcome"] == "allowed"
    assert "nat_48h" in condition_codes(body)
    assert "temperature_check" not in condition_codes(body)


def test_reasons_follow_the_request_language(evaluate, guangling_high):
    payload = declaration(legs=[leg(GUANGLING, "2021-07-25", "2021-08-01")])

    chinese = evaluate(payload).json()
    english = evaluate(payload, language="en").json()

    zh_text = chinese["reasons"][0]["text"]
    en_text = english["reasons"][0]["text"]
    assert zh_text != en_text
    assert cjk_share(zh_text) > 0.5
    assert cjk_share(en_text) < 0.3
    # English readers get the county in English, its Chinese name beside it, as the
    # portal's pages and emails give it; risk area names stay as designated.
    assert "Guangling District, Yangzhou, Jiangsu (广陵区)" in en_text
    assert "广陵区" in zh_text and "Guangling" not in zh_text
    assert english["reasons"][0]["region_name"] == "广陵区"
    assert english["outcome"] == chinese["outcome"]


def test_as_of_defaults_to_today_in_shanghai(evaluate):
    today = timezone.localdate()

    response = evaluate(declaration(as_of=None, arrival_date=today.isoformat()))
    yesterday = evaluate(
        declaration(as_of=None, arrival_date=(today - timedelta(days=1)).isoformat())
    )

    assert response.status_code == 200
    # A pre-travel arrival before as_of is refused: so as_of really was today.
    assert yesterday.status_code == 400
    assert "arrival_date" in yesterday.json()


def test_a_date_before_the_first_policy_version_gets_422(evaluate):
    response = evaluate(declaration(as_of="2021-08-06", arrival_date="2021-08-10"))

    assert response.status_code == 422
    assert set(response.json()) == {"detail"}
    assert "2021-08-06" in response.json()["detail"]


def test_the_first_day_of_the_policy_version_is_covered(evaluate):
    response = evaluate(declaration(as_of="2021-08-07", arrival_date="2021-08-10"))

    assert response.status_code == 200
    assert response.json()["policy_version"]["code"] == "BJ-2021-08-07"


def test_the_endpoint_is_throttled_per_client(evaluate, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "evaluate": "3/min"}

    statuses = [evaluate(declaration()).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_the_throttle_counts_clients_separately(api, policy, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "evaluate": "1/min"}

    def post(ip):
        return api.post(
            "/api/v1/evaluate/", declaration(), format="json", REMOTE_ADDR=ip
        ).status_code

    assert [post("10.0.0.1"), post("10.0.0.1"), post("10.0.0.2")] == [200, 429, 200]


def test_the_endpoint_answers_while_the_throttle_counter_cannot_be_reached(evaluate):
    unreachable = {
        "default": {
            "BACKEND": "portal.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable):
        assert evaluate(declaration()).status_code == 200


def test_the_endpoint_needs_no_csrf_token_for_a_logged_in_browser(policy, django_user_model):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(django_user_model.objects.create_user("visitor", password="x" * 16))

    response = browser.post("/api/v1/evaluate/", declaration(), format="json")

    assert response.status_code == 200


def test_dates_near_the_end_of_the_calendar_are_refused_not_overflowed(evaluate):
    response = evaluate(
        declaration(
            as_of="9999-12-20",
            arrival_date="9999-12-31",
            legs=[leg(GUANGLING, "9999-12-20", None)],
        )
    )

    assert response.status_code == 400
    assert set(response.json()) == {"as_of", "arrival_date", "legs"}
