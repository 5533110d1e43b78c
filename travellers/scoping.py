"""Which declarations and communities a staff member may see: the one place that decides.

The admin, the staff API, the CSV export and the impact preview all start from
these querysets, so a community worker can never reach another community's
people through a door that forgot to filter.
"""

from __future__ import annotations

from django.db.models import QuerySet

from travellers.models import Community, Declaration

# Created by the policies back-office migration; referred to by name only.
HEALTH_OFFICE_GROUP = "卫生健康部门 Health office"
# Created by travellers 0002_back_office.
COMMUNITY_STAFF_GROUP = "社区工作人员 Community staff"


def _is_staff_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def sees_all(user) -> bool:
    """Superusers and health-office staff see every community."""
    if not _is_staff_member(user):
        return False
    return user.is_superuser or user.groups.filter(name=HEALTH_OFFICE_GROUP).exists()


def is_community_staff(user) -> bool:
    return _is_staff_member(user) and user.groups.filter(name=COMMUNITY_STAFF_GROUP).exists()


def communities_for(user) -> QuerySet[Community]:
    if sees_all(user):
        return Community.objects.all()
    if is_community_staff(user):
        return Community.objects.filter(staff=user)
    return Community.objects.none()


def declarations_for(user) -> QuerySet[Declaration]:
    """Every declaration the user may see: all, their communities' only, or none.

    A declaration without a community is visible to those who see all only.
    """
    if sees_all(user):
        return Declaration.objects.all()
    if is_community_staff(user):
        # A subquery rather than a join, so no row appears twice when a worker
        # serves several communities.
        return Declaration.objects.filter(
            community__in=Community.objects.filter(staff=user).values("pk")
        )
    return Declaration.objects.none()
