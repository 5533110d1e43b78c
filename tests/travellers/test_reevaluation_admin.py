"""Held runs and failed notices in the admin: decisions go through the services."""

import pytest
from django.urls import reverse

from tests.travellers.test_reevaluation import (  # noqa: F401 (fixtures)
    designate_high_risk,
    eager,
    make_declaration,
    sent_notices,
)
from travellers.models import Notice, NoticeStatus, ReevaluationRun, RunStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_run(eager, sent_notices, settings):  # noqa: F811
    for number in range(3):
        make_declaration(number=number)
    settings.REEVALUATION_HOLD_THRESHOLD = 2
    eager(designate_high_risk)
    run = ReevaluationRun.objects.get()
    assert run.status == RunStatus.HELD
    return run


def changelist():
    return reverse("admin:travellers_reevaluationrun_changelist")


def test_the_run_list_shows_a_held_run_with_its_figures(admin_client, held_run):
    page = admin_client.get(changelist())
    assert page.status_code == 200
    body = page.content.decode()
    assert "待审批" in body and "2/2" in body  # three declarations, two stage chunks done
    detail = admin_client.get(
        reverse("admin:travellers_reevaluationrun_change", args=[held_run.pk])
    )
    # In words, not codes: what the staff member approves.
    assert "可进返京 → 集中观察: 3" in detail.content.decode()


def test_discard_without_a_reason_is_refused_then_recorded(
    admin_client, held_run, django_capture_on_commit_callbacks
):
    data = {"action": "discard_runs", "_selected_action": [held_run.pk], "reason": ""}
    admin_client.post(changelist(), data)
    held_run.refresh_from_db()
    assert held_run.status == RunStatus.HELD

    data["reason"] = "数据录入错误"
    admin_client.post(changelist(), data)
    held_run.refresh_from_db()
    assert held_run.status == RunStatus.DISCARDED
    assert held_run.decision_reason == "数据录入错误"


def test_approve_applies_the_held_run(
    admin_client,
    held_run,
    django_capture_on_commit_callbacks,
    sent_notices,  # noqa: F811
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            changelist(),
            {"action": "approve_runs", "_selected_action": [held_run.pk], "apply": "1"},
        )
    held_run.refresh_from_db()
    assert held_run.status == RunStatus.COMPLETED
    assert Notice.objects.filter(kind="change").count() == 3


def test_failed_notices_can_be_retried(
    admin_client,
    held_run,
    django_capture_on_commit_callbacks,
    sent_notices,  # noqa: F811
):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            changelist(),
            {"action": "approve_runs", "_selected_action": [held_run.pk], "apply": "1"},
        )
    notice = Notice.objects.filter(kind="change").first()
    Notice.objects.filter(pk=notice.pk).update(
        status=NoticeStatus.FAILED, attempts=6, last_error="SMTPDataError 451"
    )
    failed = admin_client.get(
        reverse("admin:travellers_notice_changelist") + "?status__exact=failed"
    )
    assert "SMTPDataError 451" in failed.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:travellers_notice_changelist"),
            {"action": "retry_notices", "_selected_action": [notice.pk]},
        )
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.PENDING, 0)


def test_a_failed_notice_overtaken_by_a_newer_one_is_not_retried_and_staff_are_told(
    admin_client, django_capture_on_commit_callbacks
):
    from tests.travellers.test_notices import later_answer, submitted

    lead, confirmation = submitted()
    Notice.objects.filter(pk=confirmation.pk).update(
        status=NoticeStatus.FAILED, attempts=6, last_error="SMTPDataError 451"
    )
    later_answer(lead)  # a newer answer, with its own notice
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:travellers_notice_changelist"),
            {"action": "retry_notices", "_selected_action": [confirmation.pk]},
            follow=True,
        )
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.last_error) == (NoticeStatus.REPLACED, "")
    page = response.content.decode()
    assert "已重新排队 0 条通知" in page and "1 条通知已有更新的通知取代" in page


def test_approving_asks_first_saying_how_many_will_be_emailed(admin_client, held_run):
    page = admin_client.post(
        changelist(), {"action": "approve_runs", "_selected_action": [held_run.pk]}
    ).content.decode()
    assert "data-confirm-action" in page
    assert f"{held_run.changed} 份申报的结果会改变并收到邮件" in page
    held_run.refresh_from_db()
    assert held_run.status == RunStatus.HELD
