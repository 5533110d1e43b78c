"""Community follow-up of a declaration: the only write staff make to a declaration."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from travellers.models import (
    Declaration,
    DeclarationEvent,
    EventKind,
    FollowUpNote,
    FollowUpStatus,
)

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
    if status == previous and not note:
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
