from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.travellers.backoffice import community_worker, make_community, make_declaration
from travellers.follow_up import declaration_follow_up
from travellers.models import DeclarationEvent, FollowUpNote

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
    assert event.data["note_added"] is True
    (note,) = FollowUpNote.objects.filter(declaration=declaration)
    assert (note.text, note.status, note.author, note.created_at) == (
        "已上门",
        "observation_started",
        worker,
        saved.follow_up_at,
    )


def test_a_later_note_is_added_to_the_earlier_ones(declaration, worker):
    colleague = community_worker("east-colleague", declaration.community)
    declaration_follow_up(
        declaration=declaration, status="contacted", note="电话未接", actor=worker
    )
    saved = declaration_follow_up(
        declaration=declaration, status="contacted", note="已上门，在家", actor=colleague
    )
    notes = FollowUpNote.objects.filter(declaration=declaration)
    assert [(n.text, n.author) for n in notes] == [
        ("电话未接", worker),
        ("已上门，在家", colleague),
    ]
    assert saved.follow_up_note == "已上门，在家"  # the latest, for lists and exports
    assert saved.follow_up_by == colleague


def test_a_status_change_without_a_note_keeps_every_note(declaration, worker):
    declaration_follow_up(
        declaration=declaration, status="contacted", note="已电话联系", actor=worker
    )
    saved = declaration_follow_up(
        declaration=declaration, status="observation_started", note="", actor=worker
    )
    assert saved.follow_up_note == "已电话联系"
    assert list(FollowUpNote.objects.values_list("text", flat=True)) == ["已电话联系"]
    event = DeclarationEvent.objects.filter(kind="follow_up").last()
    assert (event.data["status"], event.data["note_added"]) == ("observation_started", False)


def test_the_note_just_recorded_sent_again_adds_nothing(declaration, worker):
    for _ in range(2):
        declaration_follow_up(
            declaration=declaration, status="contacted", note="已联系", actor=worker
        )
    assert FollowUpNote.objects.filter(declaration=declaration).count() == 1
    assert DeclarationEvent.objects.filter(declaration=declaration, kind="follow_up").count() == 1


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


def test_a_too_long_note_writes_nothing(declaration, worker):
    with pytest.raises(ValidationError):
        declaration_follow_up(
            declaration=declaration, status="contacted", note="长" * 2001, actor=worker
        )
    declaration.refresh_from_db()
    assert declaration.follow_up_status == "not_contacted"
    assert not FollowUpNote.objects.exists()


def test_the_migration_keeps_each_existing_note_as_the_first_of_its_notes(declaration, worker):
    import importlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    migration = importlib.import_module("travellers.migrations.0016_follow_up_notes")
    noted_at = timezone.now() - timedelta(days=2)
    type(declaration).objects.filter(pk=declaration.pk).update(
        follow_up_status="contacted",
        follow_up_note="已电话联系",
        follow_up_by=worker,
        follow_up_at=noted_at,
    )
    silent = make_declaration(community=declaration.community)

    migration.keep_existing_notes(MigrationExecutor(connection).loader.project_state().apps, None)

    (note,) = FollowUpNote.objects.all()
    assert (note.declaration_id, note.text, note.status, note.author, note.created_at) == (
        declaration.pk,
        "已电话联系",
        "contacted",
        worker,
        noted_at,
    )
    assert not FollowUpNote.objects.filter(declaration=silent).exists()


def test_the_same_words_on_a_later_day_are_a_new_note(declaration, worker):
    # "No answer" one day and again the next are two attempts, not a double submit.
    declaration_follow_up(
        declaration=declaration, status="unreachable", note="电话无人接听", actor=worker
    )
    FollowUpNote.objects.update(created_at=timezone.now() - timedelta(days=1))
    declaration_follow_up(
        declaration=declaration, status="unreachable", note="电话无人接听", actor=worker
    )
    assert FollowUpNote.objects.filter(declaration=declaration).count() == 2
    assert DeclarationEvent.objects.filter(declaration=declaration, kind="follow_up").count() == 2


def test_a_colleagues_note_in_the_same_words_is_kept_as_theirs(declaration, worker):
    colleague = community_worker("east-colleague", declaration.community)
    declaration_follow_up(
        declaration=declaration, status="unreachable", note="电话无人接听", actor=worker
    )
    saved = declaration_follow_up(
        declaration=declaration, status="unreachable", note="电话无人接听", actor=colleague
    )
    notes = FollowUpNote.objects.filter(declaration=declaration)
    assert [n.author for n in notes] == [worker, colleague]
    assert saved.follow_up_by == colleague


def test_a_note_alone_keeps_the_status_a_colleague_set_after_it_was_read(declaration, worker):
    colleague = community_worker("east-colleague", declaration.community)
    read_before = type(declaration).objects.get(pk=declaration.pk)  # "not_contacted"
    declaration_follow_up(declaration=declaration, status="contacted", note="", actor=colleague)

    saved = declaration_follow_up(
        declaration=read_before, status=None, note="补充：家属已知晓", actor=worker
    )

    assert saved.follow_up_status == "contacted"
    assert FollowUpNote.objects.get().status == "contacted"
