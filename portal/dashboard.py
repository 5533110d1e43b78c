"""The figures on the admin index: a handful of aggregate queries, no rows loaded.

It lives in ``portal`` because it reads both apps (travellers -> policies is the only
allowed arrow between them; the shell may look at both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count
from django.utils.translation import gettext as _

from policies.models import RiskArea, RiskLevel
from travellers.models import Declaration, Notice, NoticeStatus, Outcome, ReevaluationRun, RunStatus

# Runs that have started or are waiting for someone: what staff watch after a change.
RUNS_IN_PROGRESS = (RunStatus.PENDING, RunStatus.RUNNING, RunStatus.HELD)


@dataclass(frozen=True)
class Figure:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Dashboard:
    on: date
    live_by_outcome: list[Figure]
    live_total: int
    runs_in_progress: list[Figure]
    notices_failed: int
    risk_areas_by_level: list[Figure]


def _counts(queryset, field: str) -> dict[str, int]:
    return {
        row[field]: row["n"] for row in queryset.order_by().values(field).annotate(n=Count("pk"))
    }


def dashboard(*, on: date) -> Dashboard:
    live = _counts(Declaration.objects.live(on=on), "outcome")
    runs = _counts(ReevaluationRun.objects.filter(status__in=RUNS_IN_PROGRESS), "status")
    areas = _counts(RiskArea.objects.active(on=on), "level")
    outcomes = [Figure(code, str(label), live.get(code, 0)) for code, label in Outcome.choices]
    # Declarations not evaluated yet have no outcome; they still count as live.
    if live.get(""):
        outcomes.append(Figure("", _("未评估"), live[""]))
    return Dashboard(
        on=on,
        live_by_outcome=outcomes,
        live_total=sum(live.values()),
        runs_in_progress=[
            Figure(status, str(RunStatus(status).label), runs.get(status, 0))
            for status in RUNS_IN_PROGRESS
        ],
        notices_failed=Notice.objects.filter(status=NoticeStatus.FAILED).count(),
        risk_areas_by_level=[
            Figure(code, str(label), areas.get(code, 0)) for code, label in RiskLevel.choices
        ],
    )
