from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from policies import services
from policies.models import ChangeKind, RiskArea, RiskDataChange
from tests.policies.services.regions import ensure_regions

pytestmark = pytest.mark.django_db

TODAY = date(2021, 8, 8)


@pytest.fixture(autouse=True)
def _regions_and_today(monkeypatch):
    ensure_regions()
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("staff", is_staff=True)


def make_area(**overrides):
    fields = {
        "region": "321002",
        "name": "某小区",
        "level": "high",
        "designated_on": date(2021, 7, 28),
    }
    fields.update(overrides)
    return services.risk_area_create(**fields)


def test_create_writes_the_area_and_one_change_row(staff):
    area = make_area(actor=staff)

    change = RiskDataChange.objects.get()
    assert change.kind == ChangeKind.RISK_AREA_CREATED
    assert change.region_codes == ["321002"]
    assert change.object_id == area.pk
    assert change.actor == staff
    assert change.before is None
    assert change.after["level"] == "high"
    assert change.after["designated_on"] == "2021-07-28"
    assert change.effective_on == TODAY
    assert "广陵区" in change.summary
    assert change.all_regions is False


def test_create_designated_in_the_future_is_effective_that_day():
    make_area(designated_on=date(2021, 8, 12))

    assert RiskDataChange.objects.get().effective_on == date(2021, 8, 12)


def test_create_refuses_a_prefecture_and_writes_nothing():
    with pytest.raises(ValidationError) as exc:
        make_area(region="321000")

    assert "region" in exc.value.message_dict
    assert not RiskArea.objects.exists()
    assert not RiskDataChange.objects.exists()


def test_create_refuses_a_district_of_the_jurisdiction_as_the_bulk_import_does():
    # 朝阳区 is Beijing's: no leg can be there, so no answer could ever use the area.
    with pytest.raises(ValidationError) as exc:
        make_area(region="110105")

    assert "本辖区" in exc.value.message_dict["region"][0]
    assert not RiskArea.objects.exists()
    assert not RiskDataChange.objects.exists()


def test_create_refuses_a_retired_county():
    with pytest.raises(ValidationError) as exc:
        make_area(region="330103")

    assert "region" in exc.value.message_dict
    assert not RiskArea.objects.exists()
    assert not RiskDataChange.objects.exists()


def test_create_refuses_lifting_before_designation():
    with pytest.raises(ValidationError) as exc:
        make_area(lifted_on=date(2021, 7, 28))

    assert "lifted_on" in exc.value.message_dict
    assert not RiskDataChange.objects.exists()


def test_create_refuses_an_unknown_level():
    with pytest.raises(ValidationError) as exc:
        make_area(level="extreme")

    assert "level" in exc.value.message_dict
    assert not RiskArea.objects.exists()


def test_area_and_change_row_commit_together(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr("policies.services.risk_data.record_change", broken)

    with pytest.raises(RuntimeError):
        make_area()

    assert not RiskArea.objects.exists()


def test_moving_an_area_names_the_old_and_the_new_county():
    area = make_area()
    RiskDataChange.objects.all().delete()

    services.risk_area_update(risk_area=area, region="410103", name="另一小区")

    change = RiskDataChange.objects.get()
    assert change.kind == ChangeKind.RISK_AREA_UPDATED
    assert change.region_codes == ["321002", "410103"]
    assert change.before["region"] == "321002"
    assert change.after["region"] == "410103"
    area.refresh_from_db()
    assert area.region_id == "410103"
    assert area.name == "另一小区"


def test_update_with_nothing_changed_writes_no_change_row():
    area = make_area()

    services.risk_area_update(risk_area=area, name=area.name)

    assert RiskDataChange.objects.count() == 1


def test_failing_update_keeps_the_stored_area_and_writes_no_row():
    area = make_area()

    with pytest.raises(ValidationError):
        services.risk_area_update(risk_area=area, region="321000")

    area.refresh_from_db()
    assert area.region_id == "321002"
    assert RiskDataChange.objects.count() == 1


def test_update_rejects_unknown_fields():
    area = make_area()

    with pytest.raises(TypeError):
        services.risk_area_update(risk_area=area, colour="red")


def test_lifting_today_is_effective_today():
    area = make_area()

    services.risk_area_lift(risk_area=area, lifted_on=TODAY)

    area.refresh_from_db()
    assert area.lifted_on == TODAY
    change = RiskDataChange.objects.order_by("id").last()
    assert change.kind == ChangeKind.RISK_AREA_LIFTED
    assert change.before["lifted_on"] is None
    assert change.after["lifted_on"] == "2021-08-08"
    assert change.effective_on == TODAY
    assert change.region_codes == ["321002"]


def test_lifting_ahead_is_effective_on_the_lifting_day():
    area = make_area()

    services.risk_area_lift(risk_area=area, lifted_on=date(2021, 8, 20))

    assert RiskDataChange.objects.order_by("id").last().effective_on == date(2021, 8, 20)


def test_lifting_in_the_past_is_effective_today():
    area = make_area()

    services.risk_area_lift(risk_area=area, lifted_on=date(2021, 8, 1))

    assert RiskDataChange.objects.order_by("id").last().effective_on == TODAY


def test_moving_a_future_lifting_day_is_effective_on_the_earlier_day():
    area = make_area(lifted_on=date(2021, 8, 25))

    services.risk_area_update(risk_area=area, lifted_on=date(2021, 8, 15))

    assert RiskDataChange.objects.order_by("id").last().effective_on == date(2021, 8, 15)


def test_lifting_on_or_before_designation_is_refused():
    area = make_area()

    with pytest.raises(ValidationError):
        services.risk_area_lift(risk_area=area, lifted_on=date(2021, 7, 27))

    area.refresh_from_db()
    assert area.lifted_on is None
    assert RiskDataChange.objects.count() == 1


def test_delete_removes_the_area_and_records_what_it_was(staff):
    area = make_area()
    area_id = area.pk

    services.risk_area_delete(risk_area=area, actor=staff)

    assert not RiskArea.objects.exists()
    change = RiskDataChange.objects.order_by("id").last()
    assert change.kind == ChangeKind.RISK_AREA_DELETED
    assert change.object_id == area_id
    assert change.before["name"] == "某小区"
    assert change.after is None
    assert change.region_codes == ["321002"]
    assert change.actor == staff


def test_deleting_an_area_designated_ahead_is_effective_that_day():
    area = make_area(designated_on=date(2021, 9, 1))

    services.risk_area_delete(risk_area=area)

    assert RiskDataChange.objects.order_by("id").last().effective_on == date(2021, 9, 1)


def test_the_history_names_the_staff_member(staff):
    area = make_area(actor=staff)
    services.risk_area_lift(risk_area=area, lifted_on=date(2021, 8, 9), actor=staff)

    assert [record.history_user for record in area.history.all()] == [staff, staff]
