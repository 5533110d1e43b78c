"""Who sees notices and re-evaluation runs in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.travellers.backoffice import (
    community_worker,
    health_officer,
    make_community,
    make_declaration,
    make_user,
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


def _failed_notice(community):
    notice = notice_for(make_declaration(community=community))
    Notice.objects.filter(pk=notice.pk).update(status="failed", attempts=3, last_error="SMTP 421")
    return notice


def test_retrying_notices_is_offered_only_to_who_may_retry(client):
    east = make_community("110105001", "望京东园社区")
    notice = _failed_notice(east)
    client.force_login(community_worker("east-worker", east))
    page = client.get(reverse(NOTICES))
    assert page.status_code == 200 and notice in page.context["cl"].result_list
    assert 'value="retry_notices"' not in page.content.decode()
    # Posting the action anyway does nothing: it is not one of this user's actions.
    client.post(reverse(NOTICES), {"action": "retry_notices", "_selected_action": [notice.pk]})
    notice.refresh_from_db()
    assert notice.status == "failed"

    client.force_login(health_officer())
    assert 'value="retry_notices"' in client.get(reverse(NOTICES)).content.decode()


def _offered_actions(response) -> set[str]:
    form = response.context["action_form"]
    return {name for name, _label in form.fields["action"].choices if name} if form else set()


def test_deciding_held_runs_is_offered_only_to_who_may_decide(client):
    viewer = make_user("run-viewer")
    viewer.user_permissions.add(Permission.objects.get(codename="view_reevaluationrun"))
    client.force_login(viewer)
    runs = reverse("admin:travellers_reevaluationrun_changelist")
    assert client.get(runs).status_code == 200
    assert _offered_actions(client.get(runs)) == set()

    client.force_login(health_officer())
    assert _offered_actions(client.get(runs)) == {"approve_runs", "discard_runs"}
