from datetime import date

import pytest
from django.db import transaction

from policies import services
from policies.models import RiskArea, RiskDataChange
from tests.policies.services.regions import ensure_regions

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _regions():
    ensure_regions()


@pytest.fixture
def listeners(monkeypatch):
    registered = []
    monkeypatch.setattr(services, "CHANGE_LISTENERS", registered)
    monkeypatch.setattr("policies.services.changes.CHANGE_LISTENERS", registered)
    return registered


def create_area():
    return services.risk_area_create(
        region="321002", name="某小区", level="high", designated_on=date(2021, 7, 28)
    )


def test_the_only_listener_is_the_re_evaluation_pipeline_registered_once():
    # policies knows no listener itself; travellers subscribes when its app is ready.
    from travellers.reevaluation import enqueue_change

    assert [enqueue_change] == services.CHANGE_LISTENERS


def test_listeners_get_the_change_id_after_commit(listeners, django_capture_on_commit_callbacks):
    seen = []
    listeners.append(seen.append)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create_area()
        assert seen == []

    assert len(callbacks) == 1
    callbacks[0]()
    assert seen == [RiskDataChange.objects.get().id]


def test_no_listener_runs_when_the_transaction_rolls_back(
    listeners, django_capture_on_commit_callbacks
):
    seen = []
    listeners.append(seen.append)

    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                create_area()
                raise RuntimeError("roll back")
        except RuntimeError:
            pass

    assert seen == []
    assert not RiskArea.objects.exists()
    assert not RiskDataChange.objects.exists()


def test_a_failing_listener_is_logged_and_the_others_still_run(
    listeners, django_capture_on_commit_callbacks, caplog
):
    seen = []

    def broken(change_id):
        raise ConnectionError("broker down")

    listeners.extend([broken, seen.append])

    with django_capture_on_commit_callbacks(execute=True):
        area = create_area()

    assert RiskArea.objects.filter(pk=area.pk).exists()
    assert seen == [RiskDataChange.objects.get().id]
    assert "broker down" in caplog.text
