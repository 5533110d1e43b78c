from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from policies import services
from policies.models import ChangeKind, Designation, RiskDataChange
from tests.policies.services.regions import ensure_regions

pytestmark = pytest.mark.django_db

TODAY = date(2021, 8, 8)


@pytest.fixture(autouse=True)
def _regions_and_today(monkeypatch):
    ensure_regions()
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def test_create_a_case_city_records_the_prefecture_code():
    designation = services.designation_create(
        kind="case_city", region="321000", valid_from=date(2021, 7, 28)
    )

    change = RiskDataChange.objects.get()
    assert change.kind == ChangeKind.DESIGNATION_CREATED
    assert change.region_codes == ["321000"]
    assert change.object_id == designation.pk
    assert change.after["kind"] == "case_city"
    assert change.effective_on == TODAY
    assert "扬州市" in change.summary


def test_create_valid_from_ahead_is_effective_that_day():
    services.designation_create(kind="commuter_zone", region="131082", valid_from=date(2021, 9, 1))

    assert RiskDataChange.objects.get().effective_on == date(2021, 9, 1)


def test_create_refuses_an_end_before_the_start_and_writes_nothing():
    with pytest.raises(ValidationError) as exc:
        services.designation_create(
            kind="case_city",
            region="321000",
            valid_from=date(2021, 8, 1),
            valid_until=date(2021, 7, 31),
        )

    assert "valid_until" in exc.value.message_dict
    assert not Designation.objects.exists()
    assert not RiskDataChange.objects.exists()


def test_create_refuses_an_unknown_kind():
    with pytest.raises(ValidationError) as exc:
        services.designation_create(kind="ski_resort", region="321000", valid_from=TODAY)

    assert "kind" in exc.value.message_dict
    assert not RiskDataChange.objects.exists()


def test_update_names_both_regions():
    designation = services.designation_create(
        kind="case_city", region="321000", valid_from=date(2021, 7, 28)
    )

    services.designation_update(designation=designation, region="410100")

    change = RiskDataChange.objects.order_by("id").last()
    assert change.kind == ChangeKind.DESIGNATION_UPDATED
    assert change.region_codes == ["321000", "410100"]
    assert change.before["region"] == "321000"
    assert change.after["region"] == "410100"


def test_ending_a_designation_ahead_is_effective_the_day_after_its_last_day():
    designation = services.designation_create(
        kind="case_city", region="321000", valid_from=date(2021, 7, 28)
    )

    services.designation_update(designation=designation, valid_until=date(2021, 8, 20))

    assert RiskDataChange.objects.order_by("id").last().effective_on == date(2021, 8, 21)
    designation.refresh_from_db()
    assert designation.valid_until == date(2021, 8, 20)


def test_delete_records_what_it_was():
    designation = services.designation_create(
        kind="commuter_zone", region="131082", valid_from=date(2021, 1, 1)
    )

    services.designation_delete(designation=designation)

    assert not Designation.objects.exists()
    change = RiskDataChange.objects.order_by("id").last()
    assert change.kind == ChangeKind.DESIGNATION_DELETED
    assert change.before["region"] == "131082"
    assert change.region_codes == ["131082"]
