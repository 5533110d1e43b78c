"""The re-evaluation pipeline on the real services: PostgreSQL, a Redis broker, a Celery
worker process started by the test, and an SMTP server (aiosmtpd) in this process.

Risk data is written through the services in this process, as staff would; the
worker does everything else. Each affected traveller has their own address, so the
SMTP server's inbox shows who was told what, and how many times.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.utils import timezone

from policies import services
from policies.models import RiskDataChange
from portal.celery import app as celery_app
from tests.integration.conftest import DEAD_BROKER, reset_connections, wait_until
from tests.travellers.test_reevaluation import GUANGLING, HANJIANG, make_declaration, today
from travellers import reevaluation
from travellers.models import Notice, NoticeStatus, ReevaluationRun, RunChunk, RunStatus
from travellers.tasks.notices import send_notice
from travellers.tasks.reevaluation import process_change, reevaluate_chunk

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def travellers(county: str, count: int, *, start: int = 0):
    return [
        make_declaration(county, email=f"t{start + n}@example.com", number=start + n)
        for n in range(count)
    ]


def outcome(declaration) -> str:
    declaration.refresh_from_db()
    return declaration.outcome


def runs_done(count: int):
    return lambda: ReevaluationRun.objects.filter(status=RunStatus.COMPLETED).count() >= count


def all_notices_sent(expected: int):
    return lambda: (
        Notice.objects.filter(kind="change", status=NoticeStatus.SENT).count() >= expected
    )


def test_a_designation_notifies_exactly_the_affected_and_lifting_reverses(start_worker, smtp):
    inbox, email_url = smtp()
    start_worker(EMAIL_URL=email_url)
    affected = travellers(GUANGLING, 3)
    unaffected = travellers(HANJIANG, 2, start=10)

    area = services.risk_area_create(
        region=GUANGLING, name="某某小区", level="high", designated_on=today() - timedelta(days=5)
    )
    wait_until(runs_done(1), message="the designation's run did not complete")
    wait_until(lambda: sum(inbox.count().values()) >= 3, message="three notices not delivered")
    assert [outcome(d) for d in affected] == ["central_observation"] * 3
    assert [outcome(d) for d in unaffected] == ["allowed"] * 2
    assert inbox.count() == Counter({d.email: 1 for d in affected})

    services.risk_area_lift(risk_area=area, lifted_on=today())
    wait_until(runs_done(2), message="the lifting's run did not complete")
    wait_until(lambda: sum(inbox.count().values()) >= 6, message="reversal notices missing")
    assert [outcome(d) for d in affected] == ["allowed"] * 3
    assert inbox.count() == Counter({d.email: 2 for d in affected})
    assert not Notice.objects.filter(declaration__in=unaffected).exists()
    run = ReevaluationRun.objects.order_by("id").last()
    wait_until(lambda: ReevaluationRun.objects.get(pk=run.pk).notices_sent == 3)


def broker_client(broker_url: str) -> redis.Redis:
    return redis.Redis.from_url(broker_url)


def taken_messages(client: redis.Redis, *, since: float) -> dict[str, dict]:
    """The messages a worker took from Redis and has not acknowledged, by delivery tag.

    kombu's Redis transport keeps them in the ``unacked`` hash (scored by delivery time
    in ``unacked_index``) until the ack, and puts them back in the queue once they are
    older than the visibility timeout.
    """
    tags = client.zrangebyscore("unacked_index", since, "+inf")
    taken = {}
    for tag, raw in zip(tags, client.hmget("unacked", tags) if tags else [], strict=True):
        if raw is not None:
            message, _exchange, _routing_key = json.loads(raw)
            taken[tag.decode()] = message
    return taken


def chunk_id_of(message: dict) -> int | None:
    if message["headers"]["task"] != reevaluate_chunk.name:
        return None
    args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
    return args[0]


def queue_drained(client: redis.Redis, *, since: float):
    """True once nothing waits in the queue and no worker holds a message, for a second."""

    def idle() -> bool:
        return client.llen("celery") == 0 and not taken_messages(client, since=since)

    def idle_for_a_second() -> bool:
        if not idle():
            return False
        time.sleep(1.0)
        return idle()

    return idle_for_a_second


def test_a_worker_killed_mid_run_is_redelivered_and_nothing_is_lost_or_doubled(
    start_worker, smtp, celery_broker
):
    inbox, email_url = smtp()
    env = {
        "EMAIL_URL": email_url,
        "REEVALUATION_CHUNK_SIZE": "1",
        # Redis hands unacknowledged messages to another worker after this many seconds.
        "CELERY_VISIBILITY_TIMEOUT": "5",
    }
    affected = travellers(GUANGLING, 120)
    first = start_worker(**env)
    broker = broker_client(celery_broker)
    started = time.time()

    services.risk_area_create(
        region=GUANGLING, name="某某小区", level="high", designated_on=today() - timedelta(days=5)
    )
    wait_until(
        lambda: RunChunk.objects.filter(done_at__isnull=False).count() >= 10,
        message="the run never started",
    )
    first.kill()
    killed_at = timezone.now()
    done_at_kill = RunChunk.objects.filter(done_at__isnull=False).count()
    assert done_at_kill < len(affected), "the run finished before the kill: make it longer"
    held_by_the_dead = taken_messages(broker, since=started)
    held_chunks = {chunk_id_of(message) for message in held_by_the_dead.values()} - {None}
    assert held_chunks, "the killed worker held no chunk task: nothing to redeliver"

    start_worker(**env)
    # Redelivery: what the dead worker had taken goes back to the queue and is done.
    wait_until(
        lambda: (
            not set(held_by_the_dead) & set(taken_messages(broker, since=started))
            and RunChunk.objects.filter(id__in=held_chunks, done_at=None).count() == 0
        ),
        timeout=60,
        message="the killed worker's tasks were not redelivered",
    )
    # Two things a SIGKILL can lose for good: a message the dead worker had popped but not
    # yet recorded as taken (kombu's Redis transport pops and records in two steps,
    # celery/kombu#305), and the send_notices of a chunk it committed but did not get
    # to publish. Beat's sweep enqueues both again once REEVALUATION_REQUEUE_AFTER has
    # passed: let that time pass once the live worker has nothing left to do.
    wait_until(queue_drained(broker, since=started), timeout=60, message="never idle")
    later = timezone.now() + reevaluation.requeue_after() + timedelta(seconds=1)
    requeued = reevaluation.sweep(now=later)["chunks"]
    assert requeued <= 2, f"{requeued} chunks lost: more than the two the worker prefetches"
    wait_until(runs_done(1), timeout=60, message="the run did not complete after the restart")
    # A notice whose sender died mid-attempt is retaken once its claim is stale: make
    # the ten minutes pass for the dead worker's claims (the live worker's are its own),
    # then let the sweep enqueue them again.
    stale = timezone.now() - timedelta(hours=1)
    Notice.objects.filter(status=NoticeStatus.PENDING, sent_at__lt=killed_at).update(sent_at=stale)
    reevaluation.sweep(now=timezone.now() + timedelta(hours=1))
    wait_until(all_notices_sent(len(affected)), timeout=120, message="notices were lost")

    assert [outcome(d) for d in affected] == ["central_observation"] * len(affected)
    per_declaration = Counter(
        Notice.objects.filter(kind="change").values_list("declaration_id", flat=True)
    )
    assert per_declaration == Counter({d.pk: 1 for d in affected})
    wait_until(lambda: sum(inbox.count().values()) >= len(affected))
    assert inbox.count() == Counter({d.email: 1 for d in affected})
    run = ReevaluationRun.objects.get()
    assert (run.candidates, run.processed, run.changed) == (120, 120, 120)


def test_a_dead_broker_does_not_hang_the_save_and_the_sweep_catches_up(
    start_worker, smtp, celery_broker, caplog
):
    inbox, email_url = smtp()
    start_worker(EMAIL_URL=email_url)
    (declaration,) = travellers(GUANGLING, 1)

    celery_app.conf.update(broker_url=DEAD_BROKER)
    reset_connections()
    try:
        started = time.monotonic()
        with caplog.at_level(logging.ERROR, logger="travellers.reevaluation"):
            services.risk_area_create(
                region=GUANGLING,
                name="某某小区",
                level="high",
                designated_on=today() - timedelta(days=5),
            )
        elapsed = time.monotonic() - started
    finally:
        celery_app.conf.update(broker_url=celery_broker)
        reset_connections()

    assert elapsed < 8, f"the staff save took {elapsed:.1f}s with the broker down"
    assert "Could not enqueue change" in caplog.text
    assert RiskDataChange.objects.unprocessed().count() == 1
    assert outcome(declaration) == "allowed"

    counts = reevaluation.sweep()
    assert counts["changes"] == 1
    wait_until(runs_done(1), message="the sweep's enqueue was not processed")
    wait_until(lambda: inbox.count()[declaration.email] == 1)
    assert outcome(declaration) == "central_observation"


def test_the_same_tasks_delivered_twice_send_one_notice(start_worker, smtp, celery_broker):
    inbox, email_url = smtp()
    start_worker(EMAIL_URL=email_url)
    started = time.time()
    (declaration,) = travellers(GUANGLING, 1)
    services.risk_area_create(
        region=GUANGLING, name="某某小区", level="high", designated_on=today() - timedelta(days=5)
    )
    wait_until(runs_done(1))
    wait_until(lambda: inbox.count()[declaration.email] == 1)

    change = RiskDataChange.objects.get()
    chunk = RunChunk.objects.get()
    notice = Notice.objects.get(kind="change")
    for _ in range(2):
        process_change.delay(change.pk)
        reevaluate_chunk.delay(chunk.pk)
        send_notice.delay(notice.pk)
    wait_until(
        queue_drained(broker_client(celery_broker), since=started),
        message="the duplicates were not all handled",
    )

    assert ReevaluationRun.objects.count() == 1
    assert Notice.objects.filter(kind="change").count() == 1
    assert declaration.evaluations.count() == 2  # submission and the one change
    assert inbox.count() == Counter({declaration.email: 1})


def test_a_failing_mail_server_is_retried_and_a_refused_address_is_recorded(start_worker, smtp):
    inbox, email_url = smtp(fail_first=2, refuse=("t1@example.com",))
    # Retry countdowns are capped at a quarter of the visibility timeout: seconds here.
    start_worker(EMAIL_URL=email_url, CELERY_VISIBILITY_TIMEOUT="8")
    retried, refused = travellers(GUANGLING, 2)

    services.risk_area_create(
        region=GUANGLING, name="某某小区", level="high", designated_on=today() - timedelta(days=5)
    )
    wait_until(runs_done(1))
    wait_until(
        lambda: not Notice.objects.filter(kind="change", status=NoticeStatus.PENDING).exists(),
        timeout=60,
        message="notices still pending",
    )

    sent = Notice.objects.get(declaration=retried, kind="change")
    failed = Notice.objects.get(declaration=refused, kind="change")
    assert sent.status == NoticeStatus.SENT and sent.attempts == 3
    assert failed.status == NoticeStatus.FAILED and failed.last_error
    assert inbox.count() == Counter({retried.email: 1})
    run = ReevaluationRun.objects.get()
    assert (run.notices_sent, run.notices_failed) == (1, 1)
