from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from policies.models import PolicyVersion
from policies.snapshots import NoPolicyInForce, policy_in_force, risk_snapshot
from tests.travellers.api.payloads import HIGH_RISK_COUNTY, OTHER_COUNTY, high_risk_area
from travellers.evaluation import (
    answer_changed,
    api_result,
    apply_result,
    evaluate_saved,
    facts_for,
)
from travellers.models import Declaration, Evaluation, Leg

TODAY = date(2021, 8, 8)
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def saved(*, kind="arrival_report", arrival=date(2021, 8, 2), legs=(), **fields):
    declaration = Declaration.objects.create(
        kind=kind,
        full_name="李四",
        id_type="passport",
        id_number="E12345678",
        phone="13912345678",
        email="li@example.com",
        residence_region_id="110105",
        arrival_date=arrival,
        attested_at=datetime(2021, 8, 8, 9, tzinfo=SHANGHAI),
        policy_version=PolicyVersion.objects.get(code="BJ-2021-08-07"),
        **fields,
    )
    for position, (region, start, end) in enumerate(legs):
        Leg.objects.create(
            declaration=declaration,
            position=position,
            region_id=region,
            start_date=start,
            end_date=end,
        )
    return declaration


@pytest.fixture
def guangling_high():
    return high_risk_area(designated_on=date(2021, 7, 28))


def worked_example_4():
    return saved(legs=[(HIGH_RISK_COUNTY, date(2021, 7, 25), date(2021, 8, 1))])


def test_facts_for_reads_the_saved_fields_and_legs_in_travel_order():
    sampled = datetime(2021, 8, 1, 23, 30, tzinfo=ZoneInfo("UTC"))  # 08-02 in Shanghai
    declaration = saved(
        legs=[
            (OTHER_COUNTY, date(2021, 7, 26), date(2021, 8, 1)),
            (HIGH_RISK_COUNTY, date(2021, 7, 20), date(2021, 7, 26)),
        ],
        health_code="yellow",
        nat_result="negative",
        nat_sampled_at=sampled,
        contact_status="close_contact",
        last_contact_date=date(2021, 7, 30),
    )
    facts = facts_for(declaration)
    assert [leg.region for leg in facts.legs] == [HIGH_RISK_COUNTY, OTHER_COUNTY]
    assert facts.health_code == "yellow"
    assert facts.nat_test.sampled_on == date(2021, 8, 2)
    assert facts.contact_status == "close_contact"
    assert facts.kind == "arrival_report"


def test_facts_for_runs_no_query_with_prefetched_or_given_legs():
    worked_example_4()
    declaration = Declaration.objects.prefetch_related("legs").get()
    with CaptureQueriesContext(connection) as queries:
        facts = facts_for(declaration)
        facts_again = facts_for(declaration, legs=list(declaration.legs.all()))
    assert len(queries) == 0
    assert facts == facts_again
    assert facts.legs[0].region == HIGH_RISK_COUNTY


def test_evaluate_saved_gives_the_rulebook_answer(guangling_high):
    [result] = evaluate_saved([worked_example_4()], as_of=TODAY)
    assert result.outcome == "central_observation"
    assert [(m.kind, m.start, m.end) for m in result.measures] == [
        ("central_observation", date(2021, 8, 1), date(2021, 8, 14)),
        ("health_monitoring", date(2021, 8, 15), date(2021, 8, 21)),
    ]
    assert result.next_review_on == date(2021, 8, 15)
    assert result.policy_code == "BJ-2021-08-07"


def test_evaluate_saved_builds_one_snapshot_for_a_batch(guangling_high):
    for _ in range(5):
        worked_example_4()
        saved(legs=[(OTHER_COUNTY, date(2021, 7, 25), date(2021, 8, 1))])
    batch = list(Declaration.objects.prefetch_related("legs"))
    with CaptureQueriesContext(connection) as queries:
        results = evaluate_saved(batch, as_of=TODAY)
    # policy version + rules, risk areas, designations, region names: no query per row.
    assert len(queries) <= 6
    assert sorted(r.outcome for r in results) == ["allowed"] * 5 + ["central_observation"] * 5


def test_evaluate_saved_uses_given_snapshots_without_queries(guangling_high):
    declaration = Declaration.objects.prefetch_related("legs").get(pk=worked_example_4().pk)
    policy = policy_in_force(TODAY)
    risk = risk_snapshot(on=TODAY, counties={HIGH_RISK_COUNTY})
    with CaptureQueriesContext(connection) as queries:
        [result] = evaluate_saved([declaration], as_of=TODAY, policy=policy, risk=risk)
    assert len(queries) == 0
    assert result.outcome == "central_observation"


def test_evaluate_saved_without_a_policy_in_force_raises():
    declaration = worked_example_4()
    with pytest.raises(NoPolicyInForce):
        evaluate_saved([declaration], as_of=date(2020, 1, 1))


BASE = {
    "outcome": "central_observation",
    "entry_allowed_from": None,
    "measures": [{"kind": "central_observation", "start": "2021-08-01", "end": "2021-08-14"}],
    "conditions": [{"code": "report_to_community", "met": None}],
    "reasons": [{"rule": "risk_county_stay", "text": "a"}],
    "next_review_on": "2021-08-15",
}


@pytest.mark.parametrize(
    ("change", "changed"),
    [
        ({}, False),
        ({"reasons": [{"rule": "risk_county_stay", "text": "b"}]}, False),
        ({"next_review_on": "2021-08-16"}, False),
        ({"conditions": [{"code": "report_to_community", "met": True}]}, False),
        ({"conditions": []}, True),
        ({"conditions": [*BASE["conditions"], {"code": "nat_on_arrival", "met": None}]}, True),
        ({"outcome": "health_monitoring"}, True),
        ({"entry_allowed_from": "2021-08-15"}, True),
        (
            {
                "measures": [
                    {"kind": "central_observation", "start": "2021-08-01", "end": "2021-08-15"}
                ]
            },
            True,
        ),
        ({"measures": []}, True),
    ],
)
def test_answer_changed_for_headline_entry_date_measures_or_conditions_applying(change, changed):
    assert answer_changed(BASE, {**BASE, **change}) is changed


def test_a_first_answer_is_a_change():
    assert answer_changed({}, BASE) is True
    assert answer_changed(None, BASE) is True


def test_apply_result_on_submit_sets_the_current_answer_and_appends_history(guangling_high):
    declaration = worked_example_4()
    [result] = evaluate_saved([declaration], as_of=TODAY)
    evaluation = apply_result(declaration, result, as_of=TODAY, trigger="submitted")

    declaration.refresh_from_db()
    assert declaration.outcome == "central_observation"
    assert declaration.next_review_on == date(2021, 8, 15)
    # Last measure ends 08-21, plus the policy's longest reach (21 days).
    assert declaration.live_until == date(2021, 8, 21) + timedelta(days=21)
    assert declaration.result["outcome"] == "central_observation"
    assert declaration.result["as_of"] == "2021-08-08"
    reason = declaration.result["reasons"][0]
    assert reason["text"] == reason["text_zh"] and reason["text_en"]
    assert evaluation.pk is not None
    assert Evaluation.objects.get().trigger == "submitted"


def test_apply_result_on_reevaluation_appends_only_when_the_answer_changed(guangling_high):
    declaration = worked_example_4()
    [result] = evaluate_saved([declaration], as_of=TODAY)
    apply_result(declaration, result, as_of=TODAY, trigger="submitted")

    # The next day nothing changed: the current row is refreshed, no history row.
    [same] = evaluate_saved([declaration], as_of=TODAY + timedelta(days=1))
    assert (
        apply_result(declaration, same, as_of=TODAY + timedelta(days=1), trigger="reevaluated")
        is None
    )
    assert Evaluation.objects.count() == 1

    # On 08-18 the observation is over: a new answer, a new history row.
    later = date(2021, 8, 18)
    [moved] = evaluate_saved([declaration], as_of=later)
    evaluation = apply_result(declaration, moved, as_of=later, trigger="reevaluated")
    assert evaluation.outcome == "health_monitoring"
    assert Evaluation.objects.count() == 2
    declaration.refresh_from_db()
    assert declaration.outcome == "health_monitoring"


def test_apply_result_without_saving_leaves_rows_for_bulk_writes(guangling_high):
    declaration = worked_example_4()
    [result] = evaluate_saved([declaration], as_of=TODAY)
    policy = policy_in_force(TODAY)
    version_id = PolicyVersion.objects.get(code=policy.code).pk
    with CaptureQueriesContext(connection) as queries:
        evaluation = apply_result(
            declaration,
            result,
            as_of=TODAY,
            trigger="reevaluated",
            save=False,
            version_id=version_id,
            policy=policy,
        )
    assert len(queries) == 0
    assert evaluation.pk is None
    assert declaration.outcome == "central_observation"
    assert Declaration.objects.get().outcome == ""


def test_api_result_is_the_evaluate_contract(guangling_high):
    declaration = worked_example_4()
    [result] = evaluate_saved([declaration], as_of=TODAY)
    apply_result(declaration, result, as_of=TODAY, trigger="submitted")
    public = api_result(declaration.result)
    assert set(public) == {
        "outcome",
        "entry_allowed_from",
        "measures",
        "conditions",
        "reasons",
        "policy_version",
        "next_review_on",
    }
    assert set(public["reasons"][0]) == {
        "rule",
        "region",
        "region_name",
        "text",
        "risk_areas",
        "designation",
        "citation",
    }
