import pytest
from django.core.exceptions import ValidationError

from tests.travellers.backoffice import community_worker, make_community, make_declaration
from travellers.follow_up import declaration_follow_up
from travellers.models import DeclarationEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def declaration():
    return make_declaration(community=make_community("110105001", "望京东园社区"))


@pytest.fixture
def worker(declaration):
    return community_worker("east-worker", declaration.community)


def test_a_step_records_status_note_actor_time_and_one_event(declaration, worker):
    saved = declaration_follow_up(
        declaration=declaration, status="observation_started", note=" 已上门 ", actor=worker
    )
    assert saved.follow_up_status == "observation_started"
    assert saved.follow_up_note == "已上门"
    assert saved.follow_up_by == worker
    (event,) = DeclarationEvent.objects.filter(declaration=declaration, kind="follow_up")
    assert event.actor == worker
    assert event.created_at == saved.follow_up_at
    assert event.data["previous_status"] == "not_contacted"


def test_the_event_holds_no_note_text(declaration, worker):
    declaration_follow_up(
        declaration=declaration, status="contacted", note="电话13912345678", actor=worker
    )
    event = DeclarationEvent.objects.get(declaration=declaration, kind="follow_up")
    assert "1391234" not in str(event.data)


def test_saving_the_same_step_twice_records_one_event(declaration, worker):
    for _ in range(2):
        declaration_follow_up(declaration=declaration, status="contacted", note="", actor=worker)
    assert DeclarationEvent.objects.filter(declaration=declaration, kind="follow_up").count() == 1


def test_each_change_is_an_event_in_order(declaration, worker):
    for status in ("contacted", "observation_started", "completed"):
        declaration_follow_up(declaration=declaration, status=status, note="", actor=worker)
    events = DeclarationEvent.objects.filter(declaration=declaration, kind="follow_up")
    assert [(e.data["previous_status"], e.data["status"]) for e in events] == [
        ("not_contacted", "contacted"),
        ("contacted", "observation_started"),
        ("observation_started", "completed"),
    ]


def test_an_unknown_status_writes_nothing(declaration, worker):
    with pytest.raises(ValidationError):
        declaration_follow_up(declaration=declaration, status="lost", note="", actor=worker)
    declaration.refresh_from_db()
    assert declaration.follow_up_status == "not_contacted"
    assert not DeclarationEvent.objects.filter(declaration=declaration).exists()
