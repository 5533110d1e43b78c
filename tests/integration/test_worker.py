import pytest

from portal.celery import app as celery_app

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_real_worker_process_answers_on_the_real_broker(start_worker):
    worker = start_worker(concurrency=1)
    replies = celery_app.control.ping(destination=[worker.name], timeout=2)
    assert replies and worker.name in replies[0]
