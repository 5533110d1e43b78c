import pytest
from django.contrib.auth.models import AnonymousUser

from tests.travellers.backoffice import (
    HAIDIAN,
    community_worker,
    health_officer,
    make_community,
    make_declaration,
    make_user,
    superuser,
)
from travellers import scoping

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    east = make_community("110105001", "望京东园社区")
    west = make_community("110108001", "中关村南社区", HAIDIAN)
    north = make_community("110105002", "安贞里社区")
    return {
        "east": east,
        "west": west,
        "north": north,
        "in_east": make_declaration(community=east),
        "in_west": make_declaration(community=west),
        "in_north": make_declaration(community=north),
        "without": make_declaration(community=None),
    }


def test_health_office_staff_see_every_declaration(world):
    seen = set(scoping.declarations_for(health_officer()))
    assert seen == {world["in_east"], world["in_west"], world["in_north"], world["without"]}


def test_superusers_see_every_declaration(world):
    assert scoping.declarations_for(superuser()).count() == 4


def test_community_staff_see_only_their_communities(world):
    worker = community_worker("east-worker", world["east"], world["north"])
    assert set(scoping.declarations_for(worker)) == {world["in_east"], world["in_north"]}
    assert set(scoping.communities_for(worker)) == {world["east"], world["north"]}


def test_a_worker_of_several_communities_sees_each_declaration_once(world):
    worker = community_worker("busy", world["east"], world["west"], world["north"])
    references = list(scoping.declarations_for(worker).values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 3


def test_being_assigned_to_a_community_without_the_group_shows_nothing(world):
    assigned_only = make_user("assigned", communities=[world["east"]])
    assert not scoping.declarations_for(assigned_only).exists()


def test_a_community_worker_who_is_not_staff_sees_nothing(world):
    worker = community_worker("former", world["east"])
    worker.is_staff = False
    worker.save()
    assert not scoping.declarations_for(worker).exists()
    assert not scoping.communities_for(worker).exists()


def test_anonymous_and_plain_users_see_nothing(world):
    assert not scoping.declarations_for(AnonymousUser()).exists()
    assert not scoping.declarations_for(make_user("citizen", is_staff=False)).exists()
    assert not scoping.declarations_for(make_user("other-staff")).exists()
