"""The admin index dashboard: live declarations, runs, failed notices, active risk areas."""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from policies.models import PolicyVersion, RiskArea
from portal.dashboard import dashboard
from travellers.models import Declaration, Evaluation, Notice, ReevaluationRun

pytestmark = pytest.mark.django_db

TODAY = date(2021, 8, 10)


@pytest.fixture
def data():
    policy = PolicyVersion.objects.get(code="BJ-2021-08-07")

    def declaration(number, outcome, live_until):
        return Declaration.objects.create(
            kind="arrival_report",
            full_name="测试人",
            id_type="passport",
            id_number=f"E{number:08d}",
            residence_region_id="110105",
            arrival_date=date(2021, 8, 2),
            attested_at=timezone.now(),
            outcome=outcome,
            live_until=live_until,
            policy_version=policy,
            result={"outcome": outcome},
        )

    live_later = TODAY + timedelta(days=5)
    declarations = [
        declaration(1, "postponed", None),  # open-ended: live
        declaration(2, "postponed", live_later),
        declaration(3, "central_observation", live_later),
        declaration(4, "allowed", TODAY),  # live through today
        declaration(5, "allowed", TODAY - timedelta(days=1)),  # no longer followed
    ]
    evaluation = Evaluation.objects.create(
        declaration=declarations[0],
        trigger="submitted",
        outcome="postponed",
        policy_version=policy,
        result={},
    )
    Notice.objects.create(declaration=declarations[0], evaluation=evaluation, kind="confirmation")
    Notice.objects.create(
        declaration=declarations[0], evaluation=evaluation, kind="change", status="failed"
    )
    for status in ("pending", "running", "running", "held", "completed", "failed"):
        ReevaluationRun.objects.create(trigger="change", as_of=TODAY, status=status)
    for name, level, designated, lifted in [
        ("甲", "high", date(2021, 7, 28), None),
        ("乙", "medium", date(2021, 8, 1), None),
        ("丙", "medium", date(2021, 8, 2), date(2021, 8, 20)),
        ("丁", "high", date(2021, 7, 1), date(2021, 7, 20)),  # lifted before
        ("戊", "high", date(2021, 8, 11), None),  # not yet
    ]:
        RiskArea.objects.create(
            region_id="321002", name=name, level=level, designated_on=designated, lifted_on=lifted
        )


def _as_dict(figures):
    return {figure.code: figure.count for figure in figures}


def test_the_figures_count_what_is_live_running_failed_and_active(data):
    board = dashboard(on=TODAY)
    assert _as_dict(board.live_by_outcome) == {
        "postponed": 2,
        "central_observation": 1,
        "home_observation": 0,
        "health_monitoring": 0,
        "allowed": 1,
    }
    assert board.live_total == 4
    assert _as_dict(board.runs_in_progress) == {"pending": 1, "running": 2, "held": 1}
    assert board.notices_failed == 1
    assert _as_dict(board.risk_areas_by_level) == {"high": 1, "medium": 2}


def test_the_figures_take_a_few_aggregate_queries(data):
    with CaptureQueriesContext(connection) as queries:
        dashboard(on=TODAY)
    assert len(queries) == 4


def test_the_admin_index_shows_the_dashboard_to_the_health_office(client, django_user_model):
    user = django_user_model.objects.create_user("officer", password="x" * 16, is_staff=True)
    user.groups.add(Group.objects.get(name="卫生健康部门 Health office"))
    client.force_login(user)
    RiskArea.objects.create(
        region_id="321002", name="甲", level="high", designated_on=timezone.localdate()
    )
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="dashboard"' in page
    assert '<tr data-figure="risk-high"><th scope="row">高风险</th><td>1</td></tr>' in page


def test_staff_without_risk_data_permissions_do_not_see_it(client, django_user_model):
    user = django_user_model.objects.create_user("worker", password="x" * 16, is_staff=True)
    client.force_login(user)
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="dashboard"' not in page
