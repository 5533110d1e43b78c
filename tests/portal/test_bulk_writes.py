"""portal.bulk_writes: COPY and UPDATE ... FROM on PostgreSQL, the ORM's bulk calls elsewhere.

The suite runs on SQLite and again on PostgreSQL in CI, so both paths are exercised.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from portal.bulk_writes import insert_rows, update_rows
from tests.travellers.test_reevaluation import make_declaration
from travellers.models import Declaration, DeclarationEvent, EventKind

pytestmark = pytest.mark.django_db


def test_inserted_rows_get_the_primary_keys_the_database_holds():
    declaration = make_declaration()
    now = timezone.now()
    events = insert_rows(
        DeclarationEvent,
        (
            DeclarationEvent(
                declaration=declaration,
                kind=EventKind.EVALUATED,
                data={"to": "居家观察", "n": n, "nested": [1, None]},
                created_at=now,
            )
            for n in range(3)
        ),
    )
    assert len({event.pk for event in events}) == 3
    for n, event in enumerate(events):
        stored = DeclarationEvent.objects.get(pk=event.pk)
        assert stored.data == {"to": "居家观察", "n": n, "nested": [1, None]}
        assert (stored.kind, stored.created_at) == ("evaluated", now)
    assert insert_rows(DeclarationEvent, []) == []


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
