"""The engine data stamp: every write to what the engine reads changes it, and what a
process keeps under a stamp is exactly what the tables hold."""

from datetime import date

import pytest
from django.db import transaction

from policies.models import Designation, PolicyRule, PolicyStatus, PolicyVersion, RiskArea
from policies.snapshots import data_stamp, risk_snapshot
from tests.policies.services.regions import ensure_regions

pytestmark = pytest.mark.django_db

D = date(2021, 8, 8)
GUANGLING, SANHE = "321002", "131082"


@pytest.fixture
def regions():
    ensure_regions()


def area(region, name, designated_on=date(2021, 8, 1), **fields):
    return RiskArea.objects.create(
        region_id=region, name=name, level="high", designated_on=designated_on, **fields
    )


def test_the_stamp_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert data_stamp() is not None


def test_every_write_to_engine_data_changes_the_stamp(regions):
    seen = [data_stamp()]
    created = area(GUANGLING, "A")
    seen.append(data_stamp())
    RiskArea.objects.filter(pk=created.pk).update(lifted_on=D)  # no signal, no save()
    seen.append(data_stamp())
    Designation.objects.create(kind="commuter_zone", region_id=SANHE, valid_from=D)
    seen.append(data_stamp())
    version = PolicyVersion.objects.create(code="T-1", title="T-1", effective_from=D)
    seen.append(data_stamp())
    PolicyRule.objects.create(version=version, position=1, kind="health_code", params={})
    seen.append(data_stamp())
    PolicyVersion.objects.filter(pk=version.pk).update(status=PolicyStatus.PUBLISHED)
    seen.append(data_stamp())
    RiskArea.objects.filter(pk=created.pk).delete()
    seen.append(data_stamp())
    assert len(set(seen)) == len(seen)


def test_a_rolled_back_write_leaves_no_stamp_a_later_write_gives_again(regions):
    with transaction.atomic():
        area(GUANGLING, "rolled back")
        inside = data_stamp()
        transaction.set_rollback(True)
    area(GUANGLING, "kept")
    assert data_stamp() != inside


def test_a_snapshot_under_a_stamp_equals_one_read_from_the_tables(regions):
    area(GUANGLING, "A")
    area("410103", "B")
    area(GUANGLING, "lifted", lifted_on=date(2021, 8, 5))
    Designation.objects.create(kind="commuter_zone", region_id=SANHE, valid_from=D)
    counties = [GUANGLING, SANHE, "430802"]

    stamped = risk_snapshot(on=D, counties=counties, stamp=data_stamp())
    assert stamped == risk_snapshot(on=D, counties=counties)
    assert list(stamped.areas_by_county) == [GUANGLING]
    assert [d.region for d in stamped.designations] == [SANHE]


def test_a_stamped_snapshot_runs_no_query_until_the_data_changes(
    regions, django_assert_num_queries
):
    area(GUANGLING, "A")
    stamp = data_stamp()
    risk_snapshot(on=D, counties=[GUANGLING], stamp=stamp)
    with django_assert_num_queries(0):
        again = risk_snapshot(on=D, counties=[GUANGLING, "410103"], stamp=stamp)
    assert [a.name for a in again.areas_by_county[GUANGLING]] == ["A"]

    area("410103", "B")
    fresh = risk_snapshot(on=D, counties=[GUANGLING, "410103"], stamp=data_stamp())
    assert [a.name for a in fresh.areas_by_county["410103"]] == ["B"]
