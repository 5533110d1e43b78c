"""Confirmation emails on the real services: a submit over the API in this process (which
publishes the notices from its background thread, ``portal.batched_publish``), a Celery
worker process and an SMTP server."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from portal.celery import app as celery_app
from tests.integration.conftest import (
    DEAD_BROKER,
    ROOT,
    free_port,
    reset_connections,
    wait_until,
)
from tests.travellers.api.payloads import COMPANION_ID, companion, declaration_payload
from travellers import reevaluation
from travellers.models import Notice, NoticeStatus
from travellers.tasks.notices import notice_publisher

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture(autouse=True)
def _open_throttles(settings):
    cache.clear()
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "submit": "1000/min"}
    yield
    notice_publisher.flush()  # nothing of this test is published into the next one
    cache.clear()


def submit(email: str, **overrides):
    payload = declaration_payload(today=timezone.localdate(), email=email, **overrides)
    return APIClient().post("/api/v1/declarations/", payload, format="json")


def test_submits_in_one_window_are_confirmed_once_each_by_the_worker(start_worker, smtp):
    inbox, email_url = smtp()
    start_worker(EMAIL_URL=email_url)

    started = time.monotonic()
    responses = [submit(f"family{n}@example.com") for n in range(3)]
    responses.append(submit("family3@example.com", companions=[companion(id_number=COMPANION_ID)]))
    assert [response.status_code for response in responses] == [201] * 4

    # Five people, four addresses: the family of the last form gets one email each.
    expected = Counter({f"family{n}@example.com": 1 for n in range(3)})
    expected["family3@example.com"] = 2
    wait_until(lambda: inbox.count() == expected, message=f"inbox {inbox.count()}")
    assert time.monotonic() - started < 15
    assert Notice.objects.filter(status=NoticeStatus.SENT).count() == 5
    assert notice_publisher.pending() == 0


def test_a_dead_broker_still_answers_the_citizen_and_the_sweep_sends_the_email(
    start_worker, smtp, celery_broker, settings, caplog
):
    inbox, email_url = smtp()
    start_worker(EMAIL_URL=email_url)
    celery_app.conf.update(broker_url=DEAD_BROKER)
    reset_connections()
    try:
        with caplog.at_level("ERROR", logger="portal.batched_publish"):
            response = submit("offline@example.com")
            assert response.status_code == 201
            wait_until(lambda: "Could not publish 1 id(s)" in caplog.text)
    finally:
        celery_app.conf.update(broker_url=celery_broker)
        reset_connections()
    assert "offline@example.com" not in caplog.text
    notice = Notice.objects.get()
    assert notice.status == NoticeStatus.PENDING
    assert inbox.count() == Counter()

    # The sweep takes pending notices nobody took once they are older than its delay.
    settings.REEVALUATION_REQUEUE_AFTER = 0
    assert reevaluation.sweep()["notices"] == 1
    wait_until(lambda: inbox.count() == Counter({"offline@example.com": 1}))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT


def test_notices_waiting_when_a_gunicorn_worker_stops_are_published_on_its_way_out(
    worker_env, start_worker, smtp
):
    inbox, email_url = smtp()
    port = free_port()
    # A window longer than the test: only the exit hook can publish these notices.
    env = {**worker_env, "DEBUG": "true", "NOTICE_PUBLISH_WINDOW_MS": "600000"}
    # The browser tests' switch, which the WSGI start-up checks rightly refuse.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--workers", "1",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:

        def post(email):
            body = declaration_payload(today=timezone.localdate(), email=email)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request(
                "POST",
                "/api/v1/declarations/",
                body=json.dumps(body),
                headers={"Content-Type": "application/json"},
            )
            return connection.getresponse().status

        def up():
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                connection.request("GET", "/health/")
                return connection.getresponse().status == 200
            except OSError:
                return False

        wait_until(up, message="gunicorn did not come up")
        assert [post("first@example.com"), post("second@example.com")] == [201, 201]
        start_worker(EMAIL_URL=email_url)
        time.sleep(1)
        assert inbox.count() == Counter()  # still waiting in the web worker
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    wait_until(
        lambda: inbox.count() == Counter({"first@example.com": 1, "second@example.com": 1}),
        message=f"inbox {inbox.count()}",
    )
