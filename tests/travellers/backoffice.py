"""Personas and data for the back-office tests: communities, staff of each kind, declarations.

Plain functions (not fixtures), so the admin, API, scoping and impact tests share
them without a conftest of their own in a folder others also write to.
"""

from __future__ import annotations

import html
import re
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from policies.models import PolicyVersion
from travellers.models import Community, Declaration, Leg
from travellers.scoping import COMMUNITY_STAFF_GROUP, HEALTH_OFFICE_GROUP

PASSWORD = "a-long-test-password-2021"
CHAOYANG, HAIDIAN, DONGCHENG = "110105", "110108", "110101"


def make_community(code: str, name: str, district: str = CHAOYANG) -> Community:
    return Community.objects.create(code=code, name=name, district_id=district)


def make_user(username: str, *, group: str | None = None, communities=(), **flags):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, is_staff=flags.pop("is_staff", True), **flags
    )
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    for community in communities:
        community.staff.add(user)
    return user


def health_officer(username: str = "health-officer"):
    return make_user(username, group=HEALTH_OFFICE_GROUP)


def community_worker(username: str, *communities: Community):
    return make_user(username, group=COMMUNITY_STAFF_GROUP, communities=communities)


def superuser(username: str = "root"):
    return get_user_model().objects.create_superuser(username=username, password=PASSWORD)


_serial = iter(range(10**6))


def make_declaration(
    *,
    community: Community | None = None,
    legs: tuple[tuple[str, date, date | None], ...] = (("110105", date(2021, 8, 1), None),),
    **overrides,
) -> Declaration:
    """A saved declaration with legs; its answer fields are whatever ``overrides`` say."""
    number = next(_serial)
    fields = {
        "kind": "pre_travel",
        "full_name": "王小明",
        "id_type": "resident_id",
        # A well-formed length is enough here: identity validation is not under test.
        "id_number": f"110105199001{number:06d}",
        "phone": f"139{number:08d}",
        "email": "traveller@example.com",
        "residence_region_id": community.district_id if community else CHAOYANG,
        "community": community,
        "arrival_date": date(2021, 8, 20),
        "attested_at": "2021-08-18T09:00:00+08:00",
        "outcome": "allowed",
        "policy_version": PolicyVersion.objects.published().order_by("effective_from").first(),
        "result": {"outcome": overrides.get("outcome", "allowed")},
    }
    fields.update(overrides)
    declaration = Declaration.objects.create(**fields)
    for position, (region, start, end) in enumerate(legs, start=1):
        Leg.objects.create(
            declaration=declaration,
            position=position,
            region_id=region,
            start_date=start,
            end_date=end,
        )
    return declaration


_HIDDEN_INPUT = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>")
_ATTRIBUTE = re.compile(r'(name|value)="([^"]*)"')


def admin_form_data(page: str, **fields) -> dict:
    """What a browser posts from an admin change page: its hidden inputs (the inline
    management forms among them) plus ``fields``."""
    data = {}
    for tag in _HIDDEN_INPUT.findall(page):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if "name" in attributes:
            data[attributes["name"]] = html.unescape(attributes.get("value", ""))
    data.pop("csrfmiddlewaretoken", None)
    data.update(fields)
    return data
