"""Community follow-up of a declaration: the only write staff make to a declaration,
and what staff need to do it (the number to call, whether the answer has changed since,
until when the measures run)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from policies.models import ChangeKind
from portal import rate_counts
from travellers import pii
from travellers.causes import change_cause, change_places
from travellers.models import (
    Declaration,
    DeclarationEvent,
    Evaluation,
    EvaluationTrigger,
    EventKind,
    FollowUpNote,
    FollowUpStatus,
    RunTrigger,
)
from travellers.presentation import present

logger = logging.getLogger(__name__)

NOTE_MAX_LENGTH = 2000
# A note in the same words by the same person within this time is the same submit sent
# twice; later, or by a colleague, it is another attempt ("电话无人接听" again) and kept.
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=2)


@transaction.atomic
def declaration_follow_up(
    *, declaration: Declaration, status: str | None, note: str, actor
) -> Declaration:
    """Record a follow-up step: the status, a new note if any, who did it and when.

    ``status`` None keeps the status as it is when the row is locked (a note alone must
    not write back a status read before a colleague changed it).

    A note is added to the earlier ones (``FollowUpNote``), never written over them,
    so a colleague's note survives a form opened before it was saved. Saving the same
    status with no note, or with the note the same person just recorded (within
    ``DOUBLE_SUBMIT_WINDOW``), records nothing: a double submit leaves one note and one
    event. Notes stay out of events: staff may write
    personal details in them, and events hold none.
    """
    if status is not None and status not in FollowUpStatus.values:
        raise ValidationError({"follow_up_status": _("未知的跟进状态。")})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"follow_up_note": _("跟进备注不能超过 %(n)s 个字符。") % {"n": NOTE_MAX_LENGTH}}
        )

    # Locked so two workers saving at once each see the other's status as "previous".
    stored = Declaration.objects.select_for_update().get(pk=declaration.pk)
    now = timezone.now()
    if note and _just_recorded(stored, note, actor, now):
        note = ""
    previous = stored.follow_up_status
    if status is None:
        status = previous
    # Saving after the answer changed is the worker's word that they acted on the new
    # one, even with the status as it was: it clears "待重新跟进".
    if status == previous and not note and not _answer_changed_since(stored):
        return stored

    stored.follow_up_status = status
    stored.follow_up_by = actor
    stored.follow_up_at = now
    changed = ["follow_up_status", "follow_up_by", "follow_up_at", "updated_at"]
    if note:
        stored.follow_up_note = note
        changed.append("follow_up_note")
        FollowUpNote.objects.create(
            declaration=stored, text=note, status=status, author=actor, created_at=now
        )
    stored.save(update_fields=changed)
    DeclarationEvent.objects.create(
        declaration=stored,
        kind=EventKind.FOLLOW_UP,
        data={"status": status, "previous_status": previous, "note_added": bool(note)},
        actor=actor,
        created_at=now,
    )
    return stored


def _just_recorded(declaration: Declaration, note: str, actor, now) -> bool:
    """The latest note is this one, by the same person, moments ago (a double submit)."""
    latest = (
        FollowUpNote.objects.filter(declaration=declaration)
        .order_by("-created_at", "-id")
        .values("text", "author_id", "created_at")
        .first()
    )
    return (
        latest is not None
        and latest["text"] == note
        and latest["author_id"] == getattr(actor, "pk", None)
        and latest["created_at"] > now - DOUBLE_SUBMIT_WINDOW
    )


def answer_changed_since_follow_up() -> Exists:
    """True for a declaration whose answer a re-evaluation changed after its last
    follow-up step: the community acted on instructions that no longer hold.

    Every re-evaluation's history row is a changed answer (``apply_result``); a
    declaration never followed up has nothing to be outdated (its status says so).
    Cleared by the next step, which moves ``follow_up_at`` past it.
    """
    return Exists(
        Evaluation.objects.filter(
            declaration=OuterRef("pk"),
            trigger=EvaluationTrigger.REEVALUATED,
            created_at__gt=OuterRef("follow_up_at"),
        )
    )


def _answer_changed_since(declaration: Declaration) -> bool:
    if declaration.follow_up_at is None:
        return False
    return Evaluation.objects.filter(
        declaration=declaration,
        trigger=EvaluationTrigger.REEVALUATED,
        created_at__gt=declaration.follow_up_at,
    ).exists()


def current_measures_end(result: dict | None, *, on: date) -> date | None:
    """The last day of the measures still running or yet to come on ``on``; None when
    none is (no measure, or all ended)."""
    ends = [date.fromisoformat(m["end"]) for m in (result or {}).get("measures") or ()]
    return max((end for end in ends if end >= on), default=None)


def evaluation_cause(evaluation: Evaluation, previous_result: dict | None = None) -> str:
    """Why this answer was given, for staff: the cause the citizen's change mail names
    (``travellers.causes``), the places it concerns, or what ran the re-evaluation.

    ``previous_result``: the answer before, which names the places of an import or of
    dates that came (the mail reads them from it too)."""
    change = evaluation.change
    if change is not None:
        cause = change_cause(evaluation, evaluation.declaration).rstrip("。.")
        language = translation.get_language() or "zh-hans"
        needs_answers = change.kind in (ChangeKind.RISK_AREAS_IMPORTED, ChangeKind.DATES_PASSED)
        old = present(previous_result, language) if needs_answers and previous_result else None
        new = present(evaluation.result, language) if needs_answers else None
        counties, areas = change_places(change, old, new, language)
        places = _("、").join(counties + areas)
        return _("%(cause)s：%(places)s") % {"cause": cause, "places": places} if places else cause
    if evaluation.trigger == EvaluationTrigger.AMENDED:
        if evaluation.declaration.lead_id is not None:
            return _("填表人修改了申报内容。")
        return _("申报人修改了申报内容。")
    if evaluation.trigger == EvaluationTrigger.REEVALUATED:
        run_trigger = evaluation.run.trigger if evaluation.run is not None else None
        if run_trigger == RunTrigger.POLICY:
            return _("新的政策版本生效。")
        if run_trigger == RunTrigger.MANUAL:
            return _("工作人员发起的重新评估。")
        return _("管控期限等日期已到，系统按当天的情况重新评估。")
    return ""


# -- the full mobile number ----------------------------------------------------------

REVEAL_SCOPE = "reveal_contact"


def reveal_wait_seconds(actor) -> int | None:
    """Count one reveal of ``actor``; the seconds to wait once their allowance
    (``THROTTLE_RATES["reveal_contact"]``) is used up, else None."""
    limit = rate_counts.limit(REVEAL_SCOPE)
    if limit is None:
        return None
    allowed, period = limit
    ident = f"user:{actor.pk}"
    try:
        if rate_counts.take(REVEAL_SCOPE, ident, period) <= allowed:
            return None
        return rate_counts.seconds_left(REVEAL_SCOPE, ident, period)
    except Exception as exc:
        # Each reveal is recorded whatever the cache does: a worker who must call is
        # not stopped by it being down.
        logger.warning("Reveal limit could not count (%s): let through", type(exc).__name__)
        return None


@sensitive_variables("phone")
def reveal_phone(*, declaration: Declaration, actor) -> str:
    """The declaration's full mobile number, for a staff member to call; "" when none.

    Each reveal is recorded as an event naming who looked (never the number): the
    masks hold everywhere else, and the events say who saw more.
    """
    phone = pii.plaintext(declaration.phone)
    if phone:
        DeclarationEvent.objects.create(
            declaration=declaration, kind=EventKind.CONTACT_REVEALED, actor=actor, data={}
        )
    return phone
