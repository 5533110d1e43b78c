import re
from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.travellers.backoffice import (
    HAIDIAN,
    admin_form_data,
    community_worker,
    health_officer,
    make_community,
    make_declaration,
    superuser,
)
from travellers.models import Declaration, DeclarationEvent
from travellers.references import format_reference

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:travellers_declaration_changelist"


def change_url(declaration):
    return reverse("admin:travellers_declaration_change", args=[declaration.pk])


@pytest.fixture
def east():
    return make_community("110105001", "望京东园社区")


@pytest.fixture
def west():
    return make_community("110108001", "中关村南社区", HAIDIAN)


@pytest.fixture
def worker_client(client, east):
    client.force_login(community_worker("east-worker", east))
    return client


def test_the_list_shows_masked_names_and_identity_numbers_only(client, east):
    declaration = make_declaration(
        community=east,
        full_name="李四光",
        id_number="110105198001011234",
        outcome="postponed",
        next_review_on=date(2021, 8, 30),
    )
    client.force_login(health_officer())
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert declaration.reference in page
    assert "李*光" in page and "李四光" not in page
    assert "1101**********1234" in page and "110105198001011234" not in page
    assert "暂缓进返京" in page
    assert "望京东园社区" in page
    assert "未联系" in page


def test_community_staff_list_only_their_communities(worker_client, east, west):
    mine = make_declaration(community=east)
    theirs = make_declaration(community=west)
    page = worker_client.get(reverse(CHANGELIST)).content.decode()
    assert mine.reference in page
    assert theirs.reference not in page
    # The community filter offers their communities only.
    assert "望京东园社区" in page and "中关村南社区" not in page


def test_another_communitys_declaration_is_a_404_in_the_change_view(worker_client, west):
    theirs = make_declaration(community=west)
    assert worker_client.get(change_url(theirs)).status_code == 404
    response = worker_client.post(
        change_url(theirs), {"follow_up_status": "contacted", "new_note": "x"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.follow_up_status == "not_contacted"


def test_the_detail_shows_citizen_data_masked_and_read_only(worker_client, east):
    declaration = make_declaration(community=east, full_name="赵钱孙", phone="13912345678")
    page = worker_client.get(change_url(declaration)).content.decode()
    assert "赵*孙" in page and "赵钱孙" not in page
    assert "139****5678" in page and "13912345678" not in page
    assert 'name="follow_up_status"' in page
    assert 'name="new_note"' in page
    for citizen_field in ("full_name", "arrival_date", "health_code", "community", "outcome"):
        assert f'name="{citizen_field}"' not in page


def test_the_detail_shows_legs_evaluation_history_and_notices(worker_client, east):
    from travellers.models import Evaluation, Notice

    declaration = make_declaration(community=east, outcome="postponed")
    evaluation = Evaluation.objects.create(
        declaration=declaration,
        trigger="submitted",
        outcome="postponed",
        policy_version=declaration.policy_version,
    )
    Notice.objects.create(
        declaration=declaration, evaluation=evaluation, kind="confirmation", status="sent"
    )
    page = worker_client.get(change_url(declaration)).content.decode()
    assert "北京市朝阳区" in page  # the leg's region
    assert "评估记录" in page and "提交" in page
    assert "申报确认" in page and "已发送" in page


def test_saving_the_follow_up_form_records_who_and_when_with_an_event(worker_client, east):
    declaration = make_declaration(community=east, full_name="周五")
    page = worker_client.get(change_url(declaration)).content.decode()
    response = worker_client.post(
        change_url(declaration),
        admin_form_data(
            page,
            follow_up_status="contacted",
            new_note="已电话联系",
            # Citizen fields in the post are ignored: they are not part of the form.
            full_name="篡改",
        ),
    )
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.follow_up_status == "contacted"
    assert declaration.follow_up_note == "已电话联系"
    assert declaration.follow_up_by.username == "east-worker"
    assert declaration.follow_up_at is not None
    assert declaration.full_name == "周五"
    event = DeclarationEvent.objects.get(declaration=declaration, kind="follow_up")
    assert event.actor.username == "east-worker"
    assert event.data == {
        "status": "contacted",
        "previous_status": "not_contacted",
        "note_added": True,
    }
    # Staff read the event in words, not as its stored codes.
    page = worker_client.get(change_url(declaration)).content.decode()
    assert "跟进状态：已联系；原跟进状态：未联系；新增备注：是" in page
    assert '"previous_status"' not in page
    # The note is listed among the follow-up notes, and the field is empty for the next.
    assert "跟进备注记录" in page and "已电话联系" in page
    assert re.search(r'<textarea name="new_note"[^>]*>\s*</textarea>', page)


def _colleague_follows_up_while_the_worker_has_the_form_open(worker_client, east):
    """The worker's form, opened before a colleague set "contacted" with a note."""
    declaration = make_declaration(community=east)
    stale_page = worker_client.get(change_url(declaration)).content.decode()
    colleague = Client()
    colleague.force_login(community_worker("east-colleague", east))
    fresh_page = colleague.get(change_url(declaration)).content.decode()
    colleague.post(
        change_url(declaration),
        admin_form_data(fresh_page, follow_up_status="contacted", new_note="已上门，居家观察中"),
    )
    return declaration, stale_page


def test_a_form_opened_before_a_colleagues_step_adds_its_note_and_keeps_their_status(
    worker_client, east
):
    declaration, stale_page = _colleague_follows_up_while_the_worker_has_the_form_open(
        worker_client, east
    )
    # The status select still shows "not_contacted", as the form was opened.
    response = worker_client.post(
        change_url(declaration),
        admin_form_data(stale_page, follow_up_status="not_contacted", new_note="电话也已联系"),
    )
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.follow_up_status == "contacted"
    assert [note.text for note in declaration.follow_up_notes.all()] == [
        "已上门，居家观察中",
        "电话也已联系",
    ]


def test_a_status_changed_on_an_overtaken_form_is_refused_until_saved_again(worker_client, east):
    declaration, stale_page = _colleague_follows_up_while_the_worker_has_the_form_open(
        worker_client, east
    )
    posted = admin_form_data(stale_page, follow_up_status="completed", new_note="已完成")
    refused = worker_client.post(change_url(declaration), posted)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "east-colleague 已于" in page and "把跟进状态改为“已联系”。请确认后再保存。" in page
    declaration.refresh_from_db()
    assert declaration.follow_up_status == "contacted"
    assert declaration.follow_up_notes.count() == 1
    # Saved again from the page that showed the colleague's step: deliberate, so it holds.
    again = worker_client.post(
        change_url(declaration),
        admin_form_data(page, follow_up_status="completed", new_note="已完成"),
    )
    assert again.status_code == 302
    declaration.refresh_from_db()
    assert declaration.follow_up_status == "completed"
    assert [note.text for note in declaration.follow_up_notes.all()][-1] == "已完成"


def test_a_leads_submit_event_names_no_lead_and_a_companions_names_its_lead():
    from travellers.admin_declarations import EventInline

    details = EventInline(DeclarationEvent, admin.site).details
    lead = DeclarationEvent(kind="submitted", data={"outcome": "allowed", "lead": None})
    companion = DeclarationEvent(
        kind="submitted", data={"outcome": "allowed", "lead": "ABCDE23456"}
    )
    assert "申报人查询码" not in details(lead)
    assert "申报人查询码：ABCDE23456" in details(companion)


def test_search_finds_a_reference(client, east):
    # Identity numbers and phones are searched by POST only: test_number_search.py.
    wanted = make_declaration(community=east, id_number="11010519850505123X")
    other = make_declaration(community=east)
    client.force_login(health_officer())
    for term in (wanted.reference, wanted.reference.lower(), format_reference(wanted.reference)):
        page = client.get(reverse(CHANGELIST), {"q": term}).content.decode()
        assert wanted.reference in page, term
        assert other.reference not in page, term


def test_search_stays_inside_the_workers_scope(worker_client, west, east):
    theirs = make_declaration(community=west)
    ours = make_declaration(community=east)
    for declaration, found in ((theirs, 0), (ours, 1)):
        response = worker_client.get(reverse(CHANGELIST), {"q": declaration.reference})
        assert response.context["cl"].result_count == found


def test_filters_by_outcome_and_arrival_date(client, east):
    postponed = make_declaration(community=east, outcome="postponed")
    early = make_declaration(community=east, arrival_date=date(2021, 8, 1))
    client.force_login(health_officer())
    page = client.get(reverse(CHANGELIST), {"outcome__exact": "postponed"}).content.decode()
    assert postponed.reference in page and early.reference not in page
    page = client.get(
        reverse(CHANGELIST), {"arrival_date__gte": "2021-08-10", "arrival_date__lt": "2021-09-01"}
    ).content.decode()
    assert postponed.reference in page and early.reference not in page


def test_filters_the_arrivals_to_come(worker_client, east):
    today = timezone.localdate()
    by_day = {
        offset: make_declaration(community=east, arrival_date=today + timedelta(days=offset))
        for offset in (-1, 0, 3, 4, 7, 8)
    }

    def shown(window):
        response = worker_client.get(reverse(CHANGELIST), {"arriving": window})
        return {item.reference for item in response.context["cl"].result_list}

    def refs(*offsets):
        return {by_day[offset].reference for offset in offsets}

    assert shown("today") == refs(0)
    assert shown("3") == refs(0, 3)
    assert shown("7") == refs(0, 3, 4, 7)
    # Not a choice of the filter: the list is not narrowed by it.
    assert shown("9999") == refs(-1, 0, 3, 4, 7, 8)
    page = worker_client.get(reverse(CHANGELIST)).content.decode()
    assert "即将抵京" in page and "今后7天内抵京" in page


def test_no_one_adds_and_only_superusers_delete(client, worker_client, east):
    declaration = make_declaration(community=east)
    assert worker_client.get(reverse("admin:travellers_declaration_add")).status_code == 403
    delete = reverse("admin:travellers_declaration_delete", args=[declaration.pk])
    assert worker_client.post(delete, {"post": "yes"}).status_code == 403
    client.force_login(health_officer("officer-2"))
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Declaration.objects.filter(pk=declaration.pk).exists()

    # Declarations come from citizens: the add page failed on save even for a superuser.
    client.force_login(superuser())
    assert client.get(reverse("admin:travellers_declaration_add")).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Declaration.objects.filter(pk=declaration.pk).exists()


def test_community_staff_see_only_their_communities_in_the_community_admin(
    worker_client, east, west
):
    page = worker_client.get(reverse("admin:travellers_community_changelist")).content.decode()
    assert "望京东园社区" in page and "中关村南社区" not in page
    url = reverse("admin:travellers_community_change", args=[west.pk])
    assert worker_client.get(url).status_code in (302, 404)


def test_who_may_only_look_reads_the_notes_without_a_field_for_a_new_one(client, east):
    from django.contrib.auth.models import Group, Permission

    from travellers.follow_up import declaration_follow_up
    from travellers.scoping import COMMUNITY_STAFF_GROUP

    worker = community_worker("east-worker", east)
    declaration = make_declaration(community=east)
    declaration_follow_up(
        declaration=declaration, status="contacted", note="已电话联系", actor=worker
    )
    Group.objects.get(name=COMMUNITY_STAFF_GROUP).permissions.remove(
        Permission.objects.get(codename="change_declaration")
    )
    looker = community_worker("east-looker", east)
    client.force_login(looker)
    response = client.get(change_url(declaration))
    assert response.status_code == 200
    page = response.content.decode()
    assert "已电话联系" in page
    assert "new_note" not in page and "新增跟进备注" not in page


def test_who_sees_all_can_list_the_declarations_without_a_community(worker_client, east):
    nobodys = make_declaration(community=None)
    ours = make_declaration(community=east)
    client = Client()
    client.force_login(health_officer())
    page = client.get(reverse(CHANGELIST)).content.decode()
    assert "未分配社区" in page
    unassigned = client.get(reverse(CHANGELIST), {"community": "none"})
    assert [d.pk for d in unassigned.context["cl"].result_list] == [nobodys.pk]
    # A community worker has none of them in scope, and no such choice.
    assert "未分配社区" not in worker_client.get(reverse(CHANGELIST)).content.decode()
    theirs = worker_client.get(reverse(CHANGELIST), {"community": "none"})
    assert theirs.context["cl"].result_count == 0
    assert ours.pk not in [d.pk for d in theirs.context["cl"].result_list]


def test_read_only_links_only_to_pages_the_viewer_may_open(worker_client, east):
    from django.contrib.auth import get_user_model

    from travellers.follow_up import declaration_follow_up
    from travellers.models import Evaluation

    colleague = get_user_model().objects.get(username="east-worker")
    declaration = make_declaration(community=east)
    Evaluation.objects.create(
        declaration=declaration,
        trigger="submitted",
        outcome="allowed",
        policy_version=declaration.policy_version,
    )
    declaration_follow_up(declaration=declaration, status="contacted", note="", actor=colleague)
    version_url = reverse(
        "admin:policies_policyversion_change", args=[declaration.policy_version_id]
    )
    region_url = reverse("admin:policies_region_change", args=[declaration.residence_region_id])
    user_url = reverse("admin:auth_user_change", args=[colleague.pk])

    page = worker_client.get(change_url(declaration)).content.decode()
    for url in (version_url, region_url, user_url):
        assert f'href="{url}"' not in page
    # The names are still there, as text.
    assert declaration.policy_version.code in page and "east-worker" in page
    assert "北京市朝阳区" in page
    # Their community's page they may open.
    assert f'href="{reverse("admin:travellers_community_change", args=[east.pk])}"' in page

    root = Client()
    root.force_login(superuser())
    page = root.get(change_url(declaration)).content.decode()
    for url in (version_url, region_url, user_url):
        assert f'href="{url}"' in page
