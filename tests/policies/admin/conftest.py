from datetime import date

import pytest
from django.contrib.auth.models import Group

from policies.models import RiskArea

HEALTH_OFFICE = "卫生健康部门 Health office"


@pytest.fixture
def officer(django_user_model):
    """A health-office staff member: staff, not superuser, permissions from the group only."""
    user = django_user_model.objects.create_user(
        username="officer", password="a-long-staff-passphrase", is_staff=True
    )
    user.groups.add(Group.objects.get(name=HEALTH_OFFICE))
    return user


@pytest.fixture
def officer_client(client, officer):
    client.force_login(officer)
    return client


def make_area(region, name, level, designated_on, lifted_on=None) -> RiskArea:
    return RiskArea.objects.create(
        region_id=region,
        name=name,
        level=level,
        designated_on=designated_on,
        lifted_on=lifted_on,
    )


D = date  # short alias for the many dates in these tests
