"""Notice delivery tasks: they take a notice id and own only the retry policy."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import current_app, shared_task
from django.conf import settings
from django.db import transaction

from portal.batched_publish import BatchedPublisher
from travellers.notices import (
    CLAIM_TIMEOUT,
    MAX_ATTEMPTS,
    TemporaryDeliveryError,
    notice_retry,
    notice_send,
    notices_send,
)

__all__ = ["notice_publisher", "retries_window", "retry_notice", "send_notice", "send_notices"]

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30


def retry_countdown(retries: int) -> int:
    """Exponential backoff (30 s, 60 s, 120 s...), capped well below the broker's visibility
    timeout: a task waiting for its countdown longer than that would be redelivered."""
    cap = min(600, max(1, settings.CELERY_BROKER_VISIBILITY_TIMEOUT // 4))
    return min(cap, BACKOFF_BASE_SECONDS * 2**retries)


def batch_countdown(rounds: int) -> int:
    """The wait of a batch's untried rest: the backoff, but due within half the sweep's
    window (``reevaluation.requeue_after``). Its notices were never attempted, and the
    sweep takes such a notice for lost once that window has passed: a retry due later
    would meet them already queued one by one, each waiting out the timeout again."""
    from travellers.reevaluation import requeue_after

    return max(1, min(retry_countdown(rounds), int(requeue_after().total_seconds()) // 2))


def retries_window() -> timedelta:
    """How long a notice's retries take at most, from its first attempt to its last
    claim going stale: a notice still pending and retried after that lost its retry."""
    backoff = sum(retry_countdown(retries) for retries in range(MAX_ATTEMPTS - 1))
    return timedelta(seconds=backoff) + CLAIM_TIMEOUT + timedelta(hours=1)


@shared_task(bind=True, name="travellers.send_notice", max_retries=MAX_ATTEMPTS - 1)
def send_notice(self, notice_id: int) -> str:
    try:
        return notice_send(notice_id=notice_id, max_attempts=MAX_ATTEMPTS)
    except TemporaryDeliveryError as exc:
        # The notice's own attempt counter decides when to give up (it survives
        # redelivery); the task's retry count only paces the backoff.
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc


@shared_task(name="travellers.send_notices")
def send_notices(notice_ids: list[int], rounds: int = 0) -> int:
    """A re-evaluation chunk's notices in one task: the broker round trip and the task
    overhead once per batch instead of once per email.

    ``rounds``: how often the mail server has stopped answering this batch already; its
    untried rest waits longer each time (one timeout per round, not one per email).
    """
    left = notices_send(notice_ids=notice_ids, max_attempts=MAX_ATTEMPTS)
    for notice_id in left.failed_temporarily:
        # From here on each one follows the single notice's backoff. If this enqueue
        # fails the notice stays pending, and the sweep sends it once its retries would
        # have been over (retries_window); the others are still handed on.
        try:
            send_notice.apply_async((notice_id,), countdown=retry_countdown(0))
        except Exception:
            logger.exception("Could not enqueue the retry of notice %s", notice_id)
    if left.not_tried:
        try:
            send_notices.apply_async(
                (left.not_tried, rounds + 1), countdown=batch_countdown(rounds)
            )
        except Exception:
            # Unclaimed and never attempted: the sweep queues them again.
            logger.exception("Could not enqueue the rest of a batch (%s)", len(left.not_tried))
    return len(notice_ids) - len(left.failed_temporarily) - len(left.not_tried)


def _publish(notice_ids: list[int]) -> None:
    if len(notice_ids) == 1:
        send_notice.delay(notice_ids[0])
    else:
        send_notices.delay(notice_ids)


# The web process's way to the broker for notices (see portal.batched_publish).
notice_publisher = BatchedPublisher(
    _publish,
    window=lambda: settings.NOTICE_PUBLISH_WINDOW_MS / 1000,
    inline=lambda: current_app.conf.task_always_eager,
    max_batch=settings.NOTICE_PUBLISH_MAX_BATCH,
    name="notice-publisher",
)


def retry_notice(notice_id: int) -> bool:
    """Reset a failed notice and send it again after commit (for the admin action)."""
    if not notice_retry(notice_id=notice_id):
        return False
    transaction.on_commit(lambda: notice_publisher.add([notice_id]))
    return True
