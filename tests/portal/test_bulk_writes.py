"""portal.bulk_writes: COPY and UPDATE ... FROM on PostgreSQL, the ORM's bulk calls elsewhere.

The suite runs on SQLite and again on PostgreSQL in CI, so both paths are exercised.
"""

import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from portal.bulk_writes import JsonText, insert_rows, reserve_ids, update_rows
from tests.travellers.test_reevaluation import make_declaration
from travellers.models import Declaration, DeclarationEvent, EventKind, Notice

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
