from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.travellers.backoffice import (
    HAIDIAN,
    community_worker,
    health_officer,
    make_community,
    make_declaration,
    make_user,
    superuser,
)
from travellers.models import DeclarationEvent, Evaluation

pytestmark = pytest.mark.django_db

LIST = "/api/v1/declarations/"


def detail(declaration) -> str:
    return f"{LIST}{declaration.reference}/"


@pytest.fixture
def east():
    return make_community("110105001", "望京东园社区")


@pytest.fixture
def west():
    return make_community("110108001", "中关村南社区", HAIDIAN)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def worker_api(api, east):
    api.force_authenticate(community_worker("east-worker", east))
    return api


def references(response) -> set[str]:
    return {row["reference"] for row in response.json()["results"]}


def test_anonymous_and_roleless_users_are_refused(api, east):
    make_declaration(community=east)
    assert api.get(LIST).status_code in (401, 403)
    api.force_authenticate(make_user("no-role"))
    assert api.get(LIST).status_code == 403


def test_community_staff_list_only_their_communities(worker_api, east, west):
    mine = make_declaration(community=east)
    make_declaration(community=west)
    make_declaration(community=None)
    response = worker_api.get(LIST)
    assert response.status_code == 200
    assert references(response) == {mine.reference}
    assert response.json()["count"] == 1


def test_health_office_staff_list_everyone(api, east, west):
    made = {make_declaration(community=c).reference for c in (east, west, None)}
    api.force_authenticate(health_officer())
    assert references(api.get(LIST)) == made


def test_another_communitys_declaration_is_a_404(worker_api, west):
    theirs = make_declaration(community=west)
    assert worker_api.get(detail(theirs)).status_code == 404
    response = worker_api.patch(detail(theirs), {"follow_up_status": "contacted"}, format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.follow_up_status == "not_contacted"


def test_the_list_is_masked_and_paginated(worker_api, east):
    make_declaration(community=east, full_name="孙悟空", id_number="110105199001011234")
    body = worker_api.get(LIST).json()
    assert set(body) >= {"count", "next", "previous", "results"}
    (row,) = body["results"]
    assert row["name"] == "孙*空"
    assert row["id_number"] == "1101**********1234"
    assert row["community"] == {"code": "110105001", "name": "望京东园社区"}
    assert "110105199001011234" not in str(body)


def test_filters_by_outcome_community_and_arrival_dates(api, east, west):
    postponed = make_declaration(community=east, outcome="postponed")
    early = make_declaration(community=east, arrival_date=date(2021, 8, 1))
    in_west = make_declaration(community=west, arrival_date=date(2021, 8, 25))
    api.force_authenticate(health_officer())
    assert references(api.get(LIST, {"outcome": "postponed"})) == {postponed.reference}
    assert references(api.get(LIST, {"community": west.code})) == {in_west.reference}
    assert references(api.get(LIST, {"arrival_from": "2021-08-21"})) == {in_west.reference}
    assert references(api.get(LIST, {"arrival_to": "2021-08-05"})) == {early.reference}
    both = api.get(LIST, {"arrival_from": "2021-08-10", "arrival_to": "2021-08-20"})
    assert references(both) == {postponed.reference}


@pytest.mark.parametrize(
    "query",
    [
        {"outcome": "sent_home"},
        {"community": "no-such-community"},
        {"arrival_from": "2021-13-01"},
        {"arrival_from": "2021-08-20", "arrival_to": "2021-08-01"},
    ],
)
def test_bad_filter_values_are_a_400(api, query):
    api.force_authenticate(health_officer())
    response = api.get(LIST, query)
    assert response.status_code == 400
    # The error names a field the request gave.
    assert set(response.json()) and set(response.json()) <= set(query)


def test_another_communitys_code_is_answered_like_a_code_that_does_not_exist(worker_api, west):
    make_declaration(community=west)
    theirs = worker_api.get(LIST, {"community": west.code})
    unknown = worker_api.get(LIST, {"community": "110105999"})
    # The same answer for both: the filter does not reveal which communities exist.
    assert theirs.status_code == unknown.status_code == 400
    assert theirs.json()["community"] == [
        "您可查看的社区中没有代码为“110108001”的社区。"
    ]
    assert unknown.json()["community"] == [
        "您可查看的社区中没有代码为“110105999”的社区。"
    ]


def test_a_worker_filters_by_their_own_community(worker_api, east):
    mine = make_declaration(community=east)
    assert references(worker_api.get(LIST, {"community": east.code})) == {mine.reference}


def test_the_detail_has_masked_data_the_current_result_and_the_history(worker_api, east):
    result = {
        "outcome": "postponed",
        "entry_allowed_from": None,
        "measures": [],
        "conditions": [],
        "reasons": [
            {"rule": "risk_county_stay", "text": "原因", "text_zh": "原因", "text_en": "why"}
        ],
        "policy_version": {"code": "BJ-2021-08-07", "effective_from": "2021-08-07"},
        "next_review_on": "2021-08-27",
        "as_of": "2021-08-20",
    }
    declaration = make_declaration(
        community=east, outcome="postponed", result=result, phone="13912345678"
    )
    Evaluation.objects.create(
        declaration=declaration,
        trigger="submitted",
        outcome="postponed",
        policy_version=declaration.policy_version,
        result=result,
    )
    body = worker_api.get(detail(declaration)).json()
    assert body["reference"] == declaration.reference
    assert body["phone"] == "139****5678"
    assert body["legs"][0]["region"] == "110105"
    assert body["result"]["outcome"] == "postponed"
    # The evaluate response's shape: no stored-only extras.
    assert "as_of" not in body["result"]
    assert "text_zh" not in body["result"]["reasons"][0]
    assert [entry["outcome"] for entry in body["history"]] == ["postponed"]
    assert body["history"][0]["policy_version"] == declaration.policy_version.code
    assert "13912345678" not in str(body)


def test_patch_records_follow_up_with_actor_and_event(api, east):
    worker = community_worker("east-worker", east)
    api.force_authenticate(worker)
    declaration = make_declaration(community=east)
    response = api.patch(
        detail(declaration),
        {"follow_up_status": "observation_started", "follow_up_note": "已安排居家观察"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["follow_up_status"] == "observation_started"
    assert body["follow_up_by"] == "east-worker"
    assert body["events"][-1]["kind"] == "follow_up"
    assert body["events"][-1]["actor"] == "east-worker"
    assert body["follow_up_notes"] == [
        {
            "created_at": body["follow_up_notes"][0]["created_at"],
            "author": "east-worker",
            "status": "observation_started",
            "text": "已安排居家观察",
        }
    ]
    declaration.refresh_from_db()
    assert declaration.follow_up_note == "已安排居家观察"
    assert declaration.follow_up_by == worker
    event = DeclarationEvent.objects.get(declaration=declaration, kind="follow_up")
    assert event.actor == worker


def test_patch_of_the_note_alone_keeps_the_status(worker_api, east):
    declaration = make_declaration(community=east, follow_up_status="contacted")
    response = worker_api.patch(detail(declaration), {"follow_up_note": "再次联系"}, format="json")
    assert response.status_code == 200
    declaration.refresh_from_db()
    assert (declaration.follow_up_status, declaration.follow_up_note) == ("contacted", "再次联系")


def test_patch_of_the_status_alone_keeps_the_notes(worker_api, east):
    declaration = make_declaration(community=east)
    worker_api.patch(detail(declaration), {"follow_up_note": "电话未接"}, format="json")
    worker_api.patch(detail(declaration), {"follow_up_note": "已上门"}, format="json")
    response = worker_api.patch(
        detail(declaration), {"follow_up_status": "contacted"}, format="json"
    )
    assert response.status_code == 200
    assert [note["text"] for note in response.json()["follow_up_notes"]] == ["电话未接", "已上门"]
    assert response.json()["follow_up_note"] == "已上门"


@pytest.mark.parametrize(
    "payload",
    [
        {"full_name": "改名"},
        {"follow_up_status": "contacted", "outcome": "allowed"},
        {"follow_up_status": "lost"},
        {},
    ],
)
def test_patch_of_anything_but_follow_up_is_a_400_and_writes_nothing(worker_api, east, payload):
    declaration = make_declaration(community=east, outcome="postponed", full_name="原名")
    response = worker_api.patch(detail(declaration), payload, format="json")
    assert response.status_code == 400
    declaration.refresh_from_db()
    assert declaration.full_name == "原名"
    assert declaration.outcome == "postponed"
    assert declaration.follow_up_status == "not_contacted"
    assert not DeclarationEvent.objects.filter(declaration=declaration).exists()


def test_put_and_delete_are_not_offered(api, east):
    declaration = make_declaration(community=east)
    api.force_authenticate(superuser())
    assert api.put(detail(declaration), {}, format="json").status_code == 405
    assert api.delete(detail(declaration)).status_code == 405


def test_token_authentication_works_and_is_scoped(east, west):
    mine = make_declaration(community=east)
    theirs = make_declaration(community=west)
    token = Token.objects.create(user=community_worker("token-worker", east))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert references(api.get(LIST)) == {mine.reference}
    assert api.get(detail(theirs)).status_code == 404


def test_session_patch_needs_the_csrf_token(east):
    declaration = make_declaration(community=east)
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(community_worker("session-worker", east))
    response = api.patch(detail(declaration), {"follow_up_status": "contacted"}, format="json")
    assert response.status_code == 403
