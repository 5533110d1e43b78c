"""portal.bulk_writes: COPY and UPDATE ... FROM on PostgreSQL, the ORM's bulk calls elsewhere.

The suite runs on SQLite and again on PostgreSQL in CI, so both paths are exercised.
"""

import json
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from policies.models import PolicyVersion
from policies.snapshots import data_stamp, data_stamp_query
from portal.bulk_writes import (
    JsonText,
    insert_rows,
    insert_together,
    reserve_ids,
    reserve_ids_beside,
    update_rows,
)
from tests.travellers.test_reevaluation import make_declaration
from travellers.models import Declaration, DeclarationEvent, Evaluation, EventKind, Leg, Notice

pytestmark = pytest.mark.django_db


def test_inserted_rows_get_the_primary_keys_the_database_holds():
    declaration = make_declaration()
    now = timezone.now()
    ids = insert_rows(
        DeclarationEvent,
        ("declaration", "kind", "data", "created_at"),
        (
            (declaration.pk, EventKind.EVALUATED, {"to": "居家观察", "n": n, "x": [1, None]}, now)
            for n in range(3)
        ),
    )
    assert len(set(ids)) == 3
    for n, pk in enumerate(ids):
        stored = DeclarationEvent.objects.get(pk=pk)
        assert stored.data == {"to": "居家观察", "n": n, "x": [1, None]}
        assert (stored.declaration_id, stored.kind, stored.created_at) == (
            declaration.pk,
            "evaluated",
            now,
        )
    assert insert_rows(DeclarationEvent, ("kind",), []) == []


def test_updates_touch_only_the_given_rows_and_fields():
    first, second, untouched = (make_declaration(number=n) for n in range(3))
    day = timezone.localdate() + timedelta(days=9)
    with transaction.atomic():
        assert (
            update_rows(
                Declaration,
                ("outcome", "next_review_on", "result"),
                [
                    (first.pk, "postponed", day, {"outcome": "postponed", "注": "一"}),
                    (second.pk, "home_observation", None, {"outcome": "home_observation"}),
                ],
            )
            == 2
        )
        # A second call in the same transaction (the pipeline's "moved" rows).
        update_rows(Declaration, ("live_until",), [(first.pk, day)])

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outcome, first.next_review_on, first.live_until) == ("postponed", day, day)
    assert first.result == {"outcome": "postponed", "注": "一"}
    assert (second.outcome, second.next_review_on) == ("home_observation", None)
    assert second.full_name == "测试旅客"  # fields not named keep their values
    before = untouched.updated_at
    untouched.refresh_from_db()
    assert (untouched.outcome, untouched.updated_at) == ("allowed", before)


def test_json_encoded_once_is_stored_as_the_document_not_as_a_string():
    declaration = make_declaration()
    encoded = JsonText(json.dumps({"outcome": "postponed", "注": ["一"]}))
    (pk,) = insert_rows(
        DeclarationEvent, ("declaration", "kind", "data"), [(declaration.pk, "evaluated", encoded)]
    )
    with transaction.atomic():
        update_rows(Declaration, ("result",), [(declaration.pk, encoded)])
    assert DeclarationEvent.objects.get(pk=pk).data == {"outcome": "postponed", "注": ["一"]}
    declaration.refresh_from_db()
    assert declaration.result == {"outcome": "postponed", "注": ["一"]}


def test_keys_reserved_beforehand_are_the_keys_the_rows_get():
    declaration = make_declaration()
    events, notices = reserve_ids([DeclarationEvent, Notice], 2)
    if connection.vendor == "postgresql":
        assert len(set(events)) == len(set(notices)) == 2
    else:  # SQLite assigns keys at insert
        assert events is notices is None
    rows = [(declaration.pk, "evaluated", {"n": n}) for n in range(2)]
    ids = insert_rows(DeclarationEvent, ("declaration", "kind", "data"), rows, ids=events)
    if events is not None:
        assert ids == events
    assert len(set(ids)) == 2
    assert [DeclarationEvent.objects.get(pk=pk).data for pk in ids] == [{"n": 0}, {"n": 1}]


def _declaration_fields(declaration: Declaration) -> dict:
    """Every stored column but the keys, the random-per-write encryption tokens and the
    times of the write."""
    skipped = {"id", "reference", "idempotency_key", "lead", "id_number", "phone"}
    skipped |= {"created_at", "updated_at", "evaluated_at"}
    return {
        field.attname: getattr(declaration, field.attname)
        for field in Declaration._meta.concrete_fields
        if field.name not in skipped
    }


MOMENT = timezone.now()


def _unsaved_declaration(**extra) -> Declaration:
    day = timezone.localdate()
    return Declaration(
        kind="pre_travel",
        full_name="王五",
        id_type="resident_id",
        id_number="110105199001011232",
        phone="13912345678",
        email="wang@example.com",
        language="en",
        residence_region_id="110105",
        arrival_date=day + timedelta(days=2),
        commuter=True,
        home_quarantine_possible=False,
        last_contact_date=None,
        nat_result="negative",
        nat_sampled_at=MOMENT - timedelta(hours=5),
        attested_at=MOMENT,
        outcome="postponed",
        entry_allowed_from=day + timedelta(days=9),
        result={"outcome": "postponed", "reasons": [{"text": "广陵区 \"引号\" \\ 反斜杠"}]},
        policy_version=PolicyVersion.objects.published().first(),
        **extra,
    )


def test_rows_written_together_store_what_save_stores():
    declaration_ids, evaluation_ids = reserve_ids([Declaration, Evaluation], 1)
    together = _unsaved_declaration(id=declaration_ids and declaration_ids[0])
    evaluation = Evaluation(
        id=evaluation_ids and evaluation_ids[0],
        declaration=together,
        trigger="submitted",
        outcome="postponed",
        policy_version=together.policy_version,
        result=together.result,
    )
    leg = Leg(
        declaration=together,
        position=0,
        region_id="321002",
        start_date=timezone.localdate() - timedelta(days=4),
        end_date=None,
    )
    insert_together([[together], [leg], [evaluation]])
    saved = _unsaved_declaration()
    saved.save()

    stored = Declaration.objects.get(pk=together.pk)
    assert _declaration_fields(stored) == _declaration_fields(Declaration.objects.get(pk=saved.pk))
    # Encrypted at rest, and matched by the keyed hash, as save() does it.
    assert stored.id_number.reveal() == "110105199001011232"
    assert Declaration.objects.with_phone("13912345678").count() == 2
    assert stored.created_at == together.created_at and stored.updated_at == together.updated_at
    [stored_leg] = stored.legs.all()
    assert (stored_leg.position, stored_leg.region_id, stored_leg.end_date) == (0, "321002", None)
    assert Evaluation.objects.get(declaration=stored).result == saved.result


def test_a_refused_write_together_stores_nothing_and_leaves_the_transaction_usable():
    first = _unsaved_declaration(reference="AAAAA22222")
    insert_together([[first]])
    [clash_id] = reserve_ids([Declaration], 1)[0] or [None]
    clash = _unsaved_declaration(id=clash_id, reference="AAAAA22222")
    leg = Leg(declaration=clash, position=0, region_id="321002", start_date=timezone.localdate())
    before = (Declaration.objects.count(), Leg.objects.count())
    with pytest.raises(IntegrityError):
        insert_together([[clash], [leg]])
    # The test runs in a transaction: the failed write was a savepoint, so it goes on.
    assert (Declaration.objects.count(), Leg.objects.count()) == before


def test_the_row_beside_the_reserved_keys_is_read_in_the_same_call():
    row, (declarations, notices) = reserve_ids_beside(
        data_stamp_query(), [Declaration, Notice], 3
    )
    assert row == data_stamp()
    if connection.vendor == "postgresql":
        assert len(set(declarations)) == len(set(notices)) == 3
    else:
        assert declarations is notices is None
    missing, _ids = reserve_ids_beside(f"{data_stamp_query()} AND FALSE", [Declaration], 1)
    assert missing is None
