"""The one place that records a change to the data the engine reads.

Every service write calls :func:`record_change` inside its own atomic block, so
the object and its ``RiskDataChange`` row commit together or not at all. After
the commit each registered listener is called with the change id; the
re-evaluation pipeline (in ``travellers``) registers itself there, which keeps
the import arrow pointing from ``travellers`` to ``policies`` only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from django.db import transaction
from django.utils import timezone

from policies.models import RiskDataChange

logger = logging.getLogger(__name__)

# Callables f(change_id: int), run after the transaction that wrote the change commits.
CHANGE_LISTENERS: list[Callable[[int], object]] = []

# The changes gathered by ``recorded_as_one`` while it is open, else None.
_gathered: ContextVar[list[RiskDataChange] | None] = ContextVar("gathered", default=None)
# The saved change rows ``changes_saved`` hands back while it is open, else None.
_saved: ContextVar[list[RiskDataChange] | None] = ContextVar("saved", default=None)


@contextmanager
def changes_saved() -> Iterator[list[RiskDataChange]]:
    """The change rows saved inside, in order: the admin names the re-evaluation each
    one starts without the services returning their change rows."""
    saved: list[RiskDataChange] = []
    token = _saved.set(saved)
    try:
        yield saved
    finally:
        _saved.reset(token)


@contextmanager
def recorded_as_one(*, kind: str, summary: str, actor=None) -> Iterator[None]:
    """Record every change made inside as one change row of ``kind``: one re-evaluation
    run for all of them, so the hold threshold weighs the whole (a bulk import of many
    areas, each below it alone) and each traveller gets one answer and one email.

    The row names the union of the regions, the earliest day any part matters, and
    each part's kind, before and after in ``after["parts"]``. Nothing is recorded when
    nothing inside changed. Use it inside the transaction of the writes.
    """
    parts: list[RiskDataChange] = []
    token = _gathered.set(parts)
    try:
        yield
    finally:
        _gathered.reset(token)
    if parts:
        record_change(
            kind=kind,
            summary=summary,
            region_codes=[code for part in parts for code in part.region_codes],
            after={
                "parts": [
                    {"kind": part.kind, "before": part.before, "after": part.after}
                    for part in parts
                ]
            },
            effective_on=min(part.effective_on for part in parts),
            actor=actor,
        )


def record_change(
    *,
    kind: str,
    summary: str,
    region_codes: Iterable[str] = (),
    all_regions: bool = False,
    object_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    effective_on: date | None = None,
    actor=None,
) -> RiskDataChange:
    codes = sorted(set(region_codes))
    if not codes and not all_regions:
        raise ValueError("A change must name its regions or concern all regions.")
    today = timezone.localdate()
    change = RiskDataChange(
        kind=kind,
        region_codes=codes,
        all_regions=all_regions,
        summary=summary[:300],
        object_id=object_id,
        before=before,
        after=after,
        # A date in the past cannot be re-lived: the change matters from today at the earliest.
        effective_on=max(effective_on or today, today),
        actor=actor if actor is not None and actor.is_authenticated else None,
    )
    # The model field refuses an empty list, which is exactly what all_regions means.
    change.full_clean(exclude=["region_codes"])
    gathered = _gathered.get()
    if gathered is not None:
        gathered.append(change)  # part of the one row recorded_as_one writes
        return change
    change.save()
    saved = _saved.get()
    if saved is not None:
        saved.append(change)
    change_id = change.id
    transaction.on_commit(lambda: notify_listeners(change_id))
    return change


def notify_listeners(change_id: int) -> None:
    # The staff save has already committed: a broken listener must not turn it into an
    # error page. The unprocessed row stays in the outbox for the periodic sweep.
    for listener in list(CHANGE_LISTENERS):
        try:
            listener(change_id)
        except Exception:
            logger.exception("Change listener %r failed for change %s", listener, change_id)


def first_day_differs(*, before, after, days: Iterable[date | None], today: date) -> date:
    """The first day from ``today`` on which ``before(day) != after(day)``; ``today`` if none.

    ``before`` and ``after`` map a day to what the engine would see on it. Their
    values can only change on the given ``days`` (designation or lifting dates),
    so checking today and every later one of those days is exhaustive.
    """
    candidates = sorted({today} | {d for d in days if d is not None and d > today})
    for day in candidates:
        if before(day) != after(day):
            return day
    return today
