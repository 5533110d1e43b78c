"""Who sees notices and re-evaluation runs in the admin."""

import pytest
from django.urls import reverse

from tests.travellers.backoffice import (
    community_worker,
    health_officer,
    make_community,
    make_declaration,
)
from travellers.models import Evaluation, Notice, ReevaluationRun

pytestmark = pytest.mark.django_db

NOTICES = "admin:travellers_notice_changelist"


def notice_for(declaration) -> Notice:
    evaluation = Evaluation.objects.create(
        declaration=declaration,
        trigger="submitted",
        outcome="postponed",
        policy_version=declaration.policy_version,
    )
    return Notice.objects.create(
        declaration=declaration, evaluation=evaluation, kind="confirmation"
    )


def test_a_community_worker_sees_the_notices_of_their_communities_only(client):
    east = make_community("110105001", "望京东园社区")
    west = make_community("110108001", "中关村南社区", "110108")
    ours = notice_for(make_declaration(community=east))
    theirs = notice_for(make_declaration(community=west))
    client.force_login(community_worker("east-worker", east))

    listed = client.get(reverse(NOTICES)).context["cl"].result_list
    assert list(listed) == [ours]
    opened = client.get(reverse("admin:travellers_notice_change", args=[theirs.pk]))
    assert opened.status_code == 302  # "does not exist" for this user, back to the list
    searched = client.get(reverse(NOTICES), {"q": theirs.declaration.reference})
    assert searched.context["cl"].result_count == 0


def test_the_health_office_reviews_runs_and_retries_notices(client):
    officer = health_officer()
    assert officer.has_perm("travellers.view_reevaluationrun")
    assert officer.has_perm("travellers.change_reevaluationrun")
    assert officer.has_perm("travellers.change_notice")
    client.force_login(officer)
    assert client.get(reverse("admin:travellers_reevaluationrun_changelist")).status_code == 200
    assert ReevaluationRun.objects.count() == 0


def test_a_community_filter_value_that_is_no_id_finds_nothing_instead_of_failing(client):
    east = make_community("110105001", "望京东园社区")
    make_declaration(community=east)
    client.force_login(health_officer())
    for name in ("admin:travellers_declaration_changelist", "admin:travellers_declaration_export"):
        response = client.get(reverse(name), {"community": "abc"})
        assert response.status_code == 200


def test_the_community_list_filters_by_the_districts_communities_are_in(client):
    make_community("110105001", "望京东园社区")
    make_community("110108001", "中关村南社区", "110108")
    client.force_login(health_officer())
    page = client.get(reverse("admin:travellers_community_changelist"))
    [district_filter] = [f for f in page.context["cl"].filter_specs if f.title == "所属区"]
    assert [name for _pk, name in district_filter.lookup_choices] == ["朝阳区", "海淀区"]
