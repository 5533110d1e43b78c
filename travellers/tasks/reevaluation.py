"""Re-evaluation pipeline tasks: ids in, a service call, the retry policy; nothing else.

Every task is safe to run twice: changes and chunks are claimed in the database.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import DatabaseError

from travellers import reevaluation

logger = logging.getLogger(__name__)

__all__ = ["daily_review", "process_change", "reevaluate_chunk", "sweep_changes"]

# Retries stay well below the broker's visibility timeout (CELERY_VISIBILITY_TIMEOUT),
# or Redis would hand a message still being retried to a second worker.
RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 2, "retry_backoff_max": 60}


@shared_task(name="travellers.process_change", max_retries=5, **RETRY)
def process_change(change_id: int) -> int | None:
    run = reevaluation.process_change(change_id=change_id)
    return run.pk if run else None


@shared_task(name="travellers.reevaluate_chunk", max_retries=5, **RETRY)
def reevaluate_chunk(chunk_id: int) -> int:
    try:
        return reevaluation.process_chunk(chunk_id=chunk_id)
    except DatabaseError:
        raise
    except Exception as exc:
        # The chunk stays unclaimed: the sweep enqueues it again once the cause is fixed.
        reevaluation.record_chunk_error(chunk_id=chunk_id, error=exc)
        raise


@shared_task(name="travellers.sweep_changes")
def sweep_changes() -> dict:
    return reevaluation.sweep()


@shared_task(name="travellers.daily_review", max_retries=5, **RETRY)
def daily_review() -> int | None:
    run = reevaluation.daily_review()
    return run.pk if run else None
