"""The re-evaluation pipeline in the zero-set-up mode: eager tasks, SQLite.

Dates are relative to today: the shipped policy in force today is used, as in
production, and the risk data is written through the services, which is what
triggers the pipeline.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from policies import services
from policies.models import ChangeKind, RiskArea, RiskDataChange
from policies.regions import region_table
from policies.snapshots import policy_in_force
from travellers import evaluation, reevaluation
from travellers.models import (
    ChunkPhase,
    Declaration,
    Evaluation,
    EvaluationTrigger,
    Leg,
    Notice,
    ReevaluationRun,
    RunChunk,
    RunStatus,
    RunTrigger,
)

GUANGLING = "321002"  # 扬州市广陵区
HANJIANG = "321003"  # 扬州市邗江区, same prefecture
JIANGNING = "320115"  # 南京市江宁区, same province, other prefecture
XIANGHE = "131024"


def today():
    return timezone.localdate()


def make_declaration(
    county: str = GUANGLING,
    *,
    left_days_ago: int = 3,
    arrived_days_ago: int = 1,
    email: str = "traveller@example.com",
    kind: str = "arrival_report",
    number: int = 0,
) -> Declaration:
    """A saved arrival report with one leg, answered as on submission (no notice)."""
    day = today()
    declaration = Declaration.objects.create(
        kind=kind,
        full_name="测试旅客",
        id_type="resident_id",
        id_number=f"11010519900101{number:04d}"[:18],
        email=email,
        residence_region_id="110105",
        arrival_date=day - timedelta(days=arrived_days_ago),
        attested_at=timezone.now(),
        policy_version_id=evaluation.policy_version_id(policy_in_force(day).code),
    )
    Leg.objects.create(
        declaration=declaration,
        position=1,
        region_id=county,
        start_date=day - timedelta(days=left_days_ago + 5),
        end_date=day - timedelta(days=left_days_ago),
    )
    declaration = Declaration.objects.prefetch_related("legs").get(pk=declaration.pk)
    (result,) = evaluation.evaluate_saved([declaration], as_of=day)
    evaluation.apply_result(
        declaration, result, as_of=day, trigger=EvaluationTrigger.SUBMITTED, save=True
    )
    return declaration


def designate_high_risk(county: str = GUANGLING) -> RiskArea:
    return services.risk_area_create(
        region=county, name="某某小区", level="high", designated_on=today() - timedelta(days=10)
    )


def two_areas_in_guangling(eager) -> RiskArea:
    """Two high-risk areas in one county; returns the first ("某某小区")."""
    first = eager(designate_high_risk)
    eager(
        services.risk_area_create,
        region=GUANGLING,
        name="另一小区",
        level="high",
        designated_on=today() - timedelta(days=10),
    )
    return first


def change_notices(declaration) -> list[Notice]:
    return list(Notice.objects.filter(declaration=declaration, kind="change"))


def reevaluations(declaration) -> list[Evaluation]:
    return list(declaration.evaluations.filter(trigger=EvaluationTrigger.REEVALUATED))


@pytest.fixture
def eager(django_capture_on_commit_callbacks, settings):
    """Run every on_commit callback (and what they enqueue) as production would."""
    settings.REEVALUATION_HOLD_THRESHOLD = 5000
    settings.REEVALUATION_CHUNK_SIZE = 2

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def sent_notices(monkeypatch):
    """Record the notice ids handed to the sending tasks instead of sending them."""
    from travellers.tasks import notices

    queued: list[int] = []

    class Recorder:
        @staticmethod
        def delay(notice_id):
            queued.append(notice_id)

    class BatchRecorder:
        @staticmethod
        def delay(notice_ids):
            queued.extend(notice_ids)

    monkeypatch.setattr(notices, "send_notice", Recorder, raising=False)
    monkeypatch.setattr(notices, "send_notices", BatchRecorder, raising=False)
    return queued


pytestmark = pytest.mark.django_db


def test_a_new_risk_area_reevaluates_and_notifies_exactly_the_affected(eager, sent_notices):
    affected = [make_declaration(number=n) for n in range(3)]
    elsewhere = make_declaration(HANJIANG, number=10)
    long_ago = make_declaration(left_days_ago=60, arrived_days_ago=58, number=11)
    assert all(d.outcome == "allowed" for d in [*affected, elsewhere, long_ago])

    eager(designate_high_risk)

    run = ReevaluationRun.objects.get()
    assert (run.trigger, run.status) == (RunTrigger.CHANGE, RunStatus.COMPLETED)
    assert (run.candidates, run.processed, run.changed, run.notices_queued) == (3, 3, 3, 3)
    assert run.chunks.count() == 2  # chunk size 2
    for declaration in affected:
        declaration.refresh_from_db()
        assert declaration.outcome == "central_observation"
        assert declaration.result["reasons"][0]["region"] == GUANGLING
        (item,) = reevaluations(declaration)
        assert item.run == run and item.change == run.change
        (notice,) = change_notices(declaration)
        assert notice.evaluation == item
    assert sorted(sent_notices) == sorted(
        Notice.objects.filter(kind="change").values_list("id", flat=True)
    )
    for untouched in (elsewhere, long_ago):
        before = untouched.updated_at
        untouched.refresh_from_db()
        assert untouched.outcome == "allowed" and untouched.updated_at == before
        assert reevaluations(untouched) == [] and change_notices(untouched) == []
    assert RiskDataChange.objects.get().processed_at is not None


def test_lifting_the_area_reverses_the_answers_with_a_second_notice(eager, sent_notices):
    declaration = make_declaration()
    area = eager(designate_high_risk)
    eager(services.risk_area_lift, risk_area=area, lifted_on=today())

    declaration.refresh_from_db()
    assert declaration.outcome == "allowed"
    assert [e.outcome for e in reevaluations(declaration)] == ["central_observation", "allowed"]
    assert len(change_notices(declaration)) == 2
    assert ReevaluationRun.objects.filter(status=RunStatus.COMPLETED).count() == 2
    # The email says what happened: lifted, not "modified".
    from travellers.notices import notice_render

    lifted = max(change_notices(declaration), key=lambda notice: notice.pk)
    assert "变化原因：解除风险地区" in notice_render(lifted).body


def test_a_designation_reaches_the_counties_it_contains_by_prefix(eager, sent_notices):
    inside = [make_declaration(GUANGLING, number=1), make_declaration(HANJIANG, number=2)]
    other_prefecture = make_declaration(JIANGNING, number=3)

    eager(
        services.designation_create,
        kind="case_city",
        region="321000",
        valid_from=today() - timedelta(days=20),
    )

    for declaration in inside:
        declaration.refresh_from_db()
        assert declaration.outcome == "health_monitoring"
        assert len(change_notices(declaration)) == 1
    other_prefecture.refresh_from_db()
    assert other_prefecture.outcome == "allowed" and change_notices(other_prefecture) == []
    assert ReevaluationRun.objects.get().candidates == 2


def test_a_condition_that_comes_to_apply_is_a_new_answer_and_is_told(eager, sent_notices):
    eager(
        services.designation_create,
        kind="case_city",
        region="321000",
        valid_from=today() - timedelta(days=20),
    )
    declaration = make_declaration(GUANGLING)
    # As answered under a version without the test on arrival: same measures, one
    # condition fewer.
    stored = declaration.result
    stored["conditions"] = [c for c in stored["conditions"] if c["code"] != "nat_on_arrival"]
    Declaration.objects.filter(pk=declaration.pk).update(result=stored)

    # Any change that touches the county re-evaluates it.
    eager(
        services.designation_create,
        kind="commuter_zone",
        region=GUANGLING,
        valid_from=today() - timedelta(days=20),
    )

    declaration.refresh_from_db()
    assert "nat_on_arrival" in [c["code"] for c in declaration.result["conditions"]]
    assert len(change_notices(declaration)) == 1


def test_the_same_chunk_twice_writes_nothing_new(eager, sent_notices):
    declaration = make_declaration()
    eager(designate_high_risk)
    chunk = RunChunk.objects.get()
    counts = (Evaluation.objects.count(), Notice.objects.count())

    # A redelivered message: the chunk is already claimed.
    assert eager(reevaluation.process_chunk, chunk_id=chunk.pk) == 0
    # Even with the claim undone, the stored answer already is the new one.
    RunChunk.objects.filter(pk=chunk.pk).update(done_at=None)
    assert eager(reevaluation.process_chunk, chunk_id=chunk.pk) == 0

    assert (Evaluation.objects.count(), Notice.objects.count()) == counts
    assert len(change_notices(declaration)) == 1
    assert len(sent_notices) == 1


def test_the_same_change_delivered_twice_makes_one_run(eager, sent_notices):
    make_declaration()
    eager(designate_high_risk)
    change = RiskDataChange.objects.get()
    assert eager(reevaluation.process_change, change_id=change.pk) is None
    assert ReevaluationRun.objects.count() == 1
    assert Notice.objects.count() == 1


def test_above_the_threshold_the_run_is_held_without_touching_anyone(eager, sent_notices, settings):
    declarations = [make_declaration(number=n) for n in range(4)]
    settings.REEVALUATION_HOLD_THRESHOLD = 2
    settings.REEVALUATION_CHUNK_SIZE = 3

    eager(designate_high_risk)

    run = ReevaluationRun.objects.get()
    assert run.status == RunStatus.HELD
    assert (run.candidates, run.changed, run.hold_threshold) == (4, 4, 2)
    assert set(run.chunks.values_list("phase", flat=True)) == {ChunkPhase.STAGE}
    assert reevaluation.staged_summary(run) == {("allowed", "central_observation"): 4}
    for declaration in declarations:
        declaration.refresh_from_db()
        assert declaration.outcome == "allowed"
    assert Notice.objects.filter(kind="change").count() == 0 and sent_notices == []
    assert not Evaluation.objects.filter(trigger=EvaluationTrigger.REEVALUATED).exists()


def test_a_held_run_still_rewrites_the_answers_that_stand_for_other_reasons(
    eager, sent_notices, settings
):
    first = two_areas_in_guangling(eager)
    standing = [make_declaration(number=n) for n in range(3)]
    settings.REEVALUATION_HOLD_THRESHOLD = 2
    # Two more whose answer the lift changes: over the threshold, so the run is held.
    changing = [make_declaration(HANJIANG, number=10 + n) for n in range(3)]
    eager(services.risk_area_update, risk_area=first, region=HANJIANG)

    run = ReevaluationRun.objects.order_by("-id").first()
    assert run.status == RunStatus.HELD and run.changed == 3
    assert run.rewritten == 3
    for declaration in standing:
        declaration.refresh_from_db()
        assert declaration.result["reasons"][0]["risk_areas"] == ["另一小区"]
        assert reevaluations(declaration) == []
    for declaration in changing:
        declaration.refresh_from_db()
        assert declaration.outcome == "allowed"  # waits for the approval
    assert sent_notices == []


def test_approving_a_held_run_applies_and_notifies(eager, sent_notices, settings, admin_user):
    declarations = [make_declaration(number=n) for n in range(3)]
    settings.REEVALUATION_HOLD_THRESHOLD = 2
    eager(designate_high_risk)
    run = ReevaluationRun.objects.get()

    eager(reevaluation.run_approve, run=run, actor=admin_user)

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED and run.decided_by == admin_user
    assert run.changed == 3 and run.notices_queued == 3
    for declaration in declarations:
        declaration.refresh_from_db()
        assert declaration.outcome == "central_observation"
        assert len(change_notices(declaration)) == 1
    assert len(sent_notices) == 3
    with pytest.raises(ValidationError):
        reevaluation.run_approve(run=run, actor=admin_user)


def test_discarding_a_held_run_needs_a_reason_and_changes_nothing(
    eager, sent_notices, settings, admin_user
):
    declarations = [make_declaration(number=n) for n in range(3)]
    settings.REEVALUATION_HOLD_THRESHOLD = 2
    eager(designate_high_risk)
    run = ReevaluationRun.objects.get()

    with pytest.raises(ValidationError):
        reevaluation.run_discard(run=run, actor=admin_user, reason="  ")
    eager(reevaluation.run_discard, run=run, actor=admin_user, reason="误录入，已更正")

    run.refresh_from_db()
    assert run.status == RunStatus.DISCARDED and run.decision_reason == "误录入，已更正"
    for declaration in declarations:
        declaration.refresh_from_db()
        assert declaration.outcome == "allowed"
    assert Notice.objects.filter(kind="change").count() == 0
    with pytest.raises(ValidationError):
        reevaluation.run_approve(run=run, actor=admin_user)


def test_a_large_run_under_the_threshold_stages_then_applies_by_itself(
    eager, sent_notices, settings
):
    changing = [make_declaration(number=n) for n in range(2)]
    # Candidates whose answer stands: a pre-travel declaration arriving in a month.
    standing = [
        make_declaration(kind="pre_travel", arrived_days_ago=-30, left_days_ago=15, number=5 + n)
        for n in range(3)
    ]
    settings.REEVALUATION_HOLD_THRESHOLD = 3  # 5 candidates > 3, but only 2 change

    eager(designate_high_risk)

    run = ReevaluationRun.objects.get()
    assert run.status == RunStatus.COMPLETED
    assert set(run.chunks.values_list("phase", flat=True)) == {"stage", "apply"}
    assert run.candidates == 5 and run.changed == 2
    for declaration in changing:
        declaration.refresh_from_db()
        assert declaration.outcome == "central_observation"
    for declaration in standing:
        declaration.refresh_from_db()
        assert declaration.outcome == "allowed"
    assert len(sent_notices) == 2


def test_a_change_effective_later_waits_for_its_day(eager, sent_notices):
    declaration = make_declaration(left_days_ago=1)
    eager(
        services.risk_area_create,
        region=GUANGLING,
        name="某某小区",
        level="high",
        designated_on=today() + timedelta(days=1),
    )
    change = RiskDataChange.objects.get()
    assert change.effective_on == today() + timedelta(days=1)
    assert change.processed_at is None and not ReevaluationRun.objects.exists()
    eager(reevaluation.sweep)
    assert not ReevaluationRun.objects.exists()
    declaration.refresh_from_db()
    assert declaration.outcome == "allowed"


def test_a_failed_enqueue_is_logged_and_the_sweep_processes_the_change(
    eager, sent_notices, monkeypatch, caplog
):
    from travellers.tasks import reevaluation as tasks

    declaration = make_declaration()

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.process_change, "delay", broker_down)
    with caplog.at_level(logging.ERROR, logger="travellers.reevaluation"):
        eager(designate_high_risk)  # the staff save itself succeeds
    assert "Could not enqueue change" in caplog.text
    assert RiskDataChange.objects.unprocessed().count() == 1
    declaration.refresh_from_db()
    assert declaration.outcome == "allowed"

    monkeypatch.undo()
    counts = eager(reevaluation.sweep)

    assert counts["changes"] == 1
    declaration.refresh_from_db()
    assert declaration.outcome == "central_observation"
    assert len(change_notices(declaration)) == 1
    assert RiskDataChange.objects.unprocessed().count() == 0


def test_the_sweep_enqueues_again_a_chunk_whose_message_was_lost(
    eager, sent_notices, monkeypatch, settings
):
    from travellers.tasks import reevaluation as tasks

    declaration = make_declaration()
    monkeypatch.setattr(tasks.reevaluate_chunk, "delay", lambda *a: None)  # lost message
    eager(designate_high_risk)
    run = ReevaluationRun.objects.get()
    assert run.status == RunStatus.RUNNING
    monkeypatch.undo()

    # Not yet stale: a slow worker is not a lost message.
    assert eager(reevaluation.sweep)["chunks"] == 0
    later = timezone.now() + timedelta(seconds=settings.REEVALUATION_REQUEUE_AFTER + 1)
    assert eager(reevaluation.sweep, now=later)["chunks"] == 1

    run.refresh_from_db()
    declaration.refresh_from_db()
    assert run.status == RunStatus.COMPLETED
    assert declaration.outcome == "central_observation"


def test_publishing_a_policy_reevaluates_every_live_declaration(eager, sent_notices, admin_user):
    from policies.models import PolicyVersion

    live = [make_declaration(XIANGHE, number=1), make_declaration(GUANGLING, number=2)]
    finished = make_declaration(left_days_ago=90, arrived_days_ago=89, number=3)
    Declaration.objects.filter(pk=finished.pk).update(live_until=today() - timedelta(days=1))
    source = PolicyVersion.objects.published().order_by("-effective_from").first()
    draft = services.policy_version_clone(
        source=source, code="TEST-NEXT", title="test", effective_from=today(), actor=admin_user
    )

    eager(services.policy_version_publish, version=draft, actor=admin_user)

    run = ReevaluationRun.objects.get()
    assert run.trigger == RunTrigger.POLICY and run.status == RunStatus.COMPLETED
    assert run.candidates == 2
    for declaration in live:
        declaration.refresh_from_db()
        # Same rules: the answer stands, so no notice; the version is not an answer.
        assert declaration.outcome == "allowed"
        # But the page names the version in force, not the one it replaced.
        assert declaration.result["policy_version"]["code"] == "TEST-NEXT"
        assert declaration.policy_version.code == "TEST-NEXT"
        assert reevaluations(declaration) == []
    assert Notice.objects.filter(kind="change").count() == 0


def test_lifting_one_of_two_areas_keeps_the_answer_but_stops_naming_the_lifted_one(
    eager, sent_notices
):
    first = two_areas_in_guangling(eager)
    declaration = make_declaration()
    assert sorted(declaration.result["reasons"][0]["risk_areas"]) == ["另一小区", "某某小区"]
    answer = (declaration.outcome, declaration.entry_allowed_from)
    history = declaration.evaluations.count()

    eager(services.risk_area_lift, risk_area=first, lifted_on=today())

    declaration.refresh_from_db()
    assert (declaration.outcome, declaration.entry_allowed_from) == answer
    assert declaration.result["reasons"][0]["risk_areas"] == ["另一小区"]
    assert "某某小区" not in declaration.result["reasons"][0]["text_zh"]
    # Nothing for the traveller to do differently: no history row, no email.
    assert declaration.evaluations.count() == history
    assert change_notices(declaration) == [] and sent_notices == []


def test_the_daily_review_reevaluates_what_is_due_once(eager, sent_notices):
    area = eager(designate_high_risk)
    declaration = make_declaration()
    assert declaration.outcome == "central_observation"
    # As if the area had been designated, and its lifting as of today recorded, days ago.
    RiskArea.objects.filter(pk=area.pk).update(lifted_on=today())
    RiskDataChange.objects.update(effective_on=today() - timedelta(days=10))
    Declaration.objects.filter(pk=declaration.pk).update(next_review_on=today())

    run = eager(reevaluation.daily_review)

    run.refresh_from_db()
    assert run.trigger == RunTrigger.DAILY and run.status == RunStatus.COMPLETED
    assert run.candidates == 1
    dates_passed = RiskDataChange.objects.get(kind=ChangeKind.DATES_PASSED)
    assert dates_passed.region_codes == [GUANGLING] and dates_passed.processed_at is not None
    declaration.refresh_from_db()
    assert declaration.outcome == "allowed"
    assert len(change_notices(declaration)) == 1  # two runs saw it, one answer changed
    # Beat firing twice (or a manual run) does nothing more.
    assert eager(reevaluation.daily_review) is None
    assert RiskDataChange.objects.filter(kind=ChangeKind.DATES_PASSED).count() == 1


def test_the_daily_review_leaves_out_counties_a_change_of_today_covers(eager, sent_notices):
    area = RiskArea.objects.create(
        region_id=GUANGLING, name="甲小区", level="medium", designated_on=today()
    )
    RiskArea.objects.create(region_id=XIANGHE, name="乙小区", level="medium", designated_on=today())
    # GUANGLING has a change row of today (the area's own); XIANGHE was written directly.
    eager(services.risk_area_update, risk_area=area, name="甲小区（更正）")

    eager(reevaluation.daily_review)

    dates_passed = RiskDataChange.objects.get(kind=ChangeKind.DATES_PASSED)
    assert dates_passed.region_codes == [XIANGHE]


def test_a_province_or_prefecture_spells_out_every_code_a_leg_can_carry():
    table = region_table()
    codes = reevaluation.leg_region_codes(["320000", "321000", "110105"])
    assert codes == sorted({code for code in table if code.startswith("32")} | {"110105"})
    assert {GUANGLING, HANJIANG, JIANGNING, "320000", "321000"} <= set(codes)
    assert "330102" not in codes
    retired = [code for code, facts in table.items() if facts.retired]
    assert retired and set(reevaluation.leg_region_codes([retired[0][:2] + "0000"])) >= {retired[0]}


def test_candidates_come_from_the_leg_index_not_a_scan(django_assert_max_num_queries):
    make_declaration(number=1)
    region_table()  # loaded once per process, not per search
    with django_assert_max_num_queries(1):
        ids = reevaluation.candidate_ids(region_codes=["321000"], on=today(), lookback=21)
    assert len(ids) == 1


def test_a_runs_notice_figures_end_exact_once_its_notices_settle(eager, sent_notices, settings):
    from travellers.notices import notices_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for n in range(3):
        make_declaration(number=n)
    eager(designate_high_risk)
    first, *rest = sorted(sent_notices)
    # A sender that died after its email and mark, before adding to the run's figures.
    Notice.objects.filter(pk=first).update(status="sent", sent_at=timezone.now(), attempts=1)

    notices_send(notice_ids=rest[:1])
    run = ReevaluationRun.objects.get()
    assert (run.notices_sent, run.notices_failed) == (1, 0)  # added as they happen
    notices_send(notice_ids=rest[1:])
    run.refresh_from_db()
    assert (run.notices_sent, run.notices_failed) == (3, 0)  # settled: counted


def _import_high_risk(*counties: str):
    from policies.services.bulk import risk_areas_import

    return risk_areas_import(
        create=[
            {
                "region": county,
                "name": f"导入小区{n}",
                "level": "high",
                "designated_on": today() - timedelta(days=10),
            }
            for n, county in enumerate(counties)
        ],
        relevel=[],
        lift=[],
        on=today(),
        source="测试通报",
    )


def test_an_import_is_held_as_a_whole_though_each_of_its_areas_is_below_the_threshold(
    eager, sent_notices, settings
):
    declarations = [
        make_declaration(county, number=n) for n, county in enumerate((GUANGLING, HANJIANG))
    ]
    declarations.append(make_declaration(JIANGNING, number=2))
    settings.REEVALUATION_HOLD_THRESHOLD = 2

    eager(_import_high_risk, GUANGLING, HANJIANG, JIANGNING)

    (run,) = ReevaluationRun.objects.all()
    assert run.change.kind == ChangeKind.RISK_AREAS_IMPORTED
    assert run.status == RunStatus.HELD and (run.candidates, run.changed) == (3, 3)
    for declaration in declarations:
        declaration.refresh_from_db()
        assert declaration.outcome == "allowed"  # waits for the approval
    assert sent_notices == []


def test_a_traveller_through_two_imported_counties_gets_one_notice_naming_both_areas(
    eager, sent_notices
):
    from travellers.notices import notice_render

    declaration = make_declaration(GUANGLING)
    Leg.objects.create(
        declaration=declaration,
        position=2,
        region_id=JIANGNING,
        start_date=today() - timedelta(days=4),
        end_date=today() - timedelta(days=3),
    )
    bystander = make_declaration(XIANGHE, number=1)

    eager(_import_high_risk, GUANGLING, JIANGNING, HANJIANG)

    (notice,) = change_notices(declaration)
    assert sent_notices == [notice.pk]
    assert change_notices(bystander) == []
    body = notice_render(notice).body
    assert "变化原因：批量导入风险地区" in body
    assert "导入小区0" in body and "导入小区1" in body
    assert "导入小区2" not in body  # the import's area in a county the traveller avoided
    assert "广陵区" in body and "江宁区" in body and "邗江区" not in body


def test_an_imports_area_named_like_one_on_the_trip_but_elsewhere_is_not_named(
    eager, sent_notices
):
    from policies.services.bulk import risk_areas_import
    from travellers.notices import notice_render

    declaration = make_declaration(GUANGLING)
    ten_days_ago = today() - timedelta(days=10)
    eager(
        risk_areas_import,
        create=[
            {"region": county, "name": "幸福小区", "level": "high", "designated_on": ten_days_ago}
            for county in (GUANGLING, HANJIANG)
        ],
        relevel=[],
        lift=[],
        on=today(),
    )

    (notice,) = change_notices(declaration)
    body = notice_render(notice).body
    assert "幸福小区" in body and "广陵区" in body
    assert "邗江区" not in body  # the namesake in a county the traveller avoided


def test_an_import_that_changes_nothing_records_no_change(eager):
    from policies.services.bulk import risk_areas_import

    eager(risk_areas_import, create=[], relevel=[], lift=[], on=today())

    assert not RiskDataChange.objects.exists()
