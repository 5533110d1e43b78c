"""Community follow-up of a declaration: the only write staff make to a declaration."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from travellers.models import Declaration, DeclarationEvent, EventKind, FollowUpStatus

NOTE_MAX_LENGTH = 2000


@transaction.atomic
def declaration_follow_up(
    *, declaration: Declaration, status: str, note: str, actor
) -> Declaration:
    """Record a follow-up step: the status, a note, who did it and when, and an event.

    Saving the same status and note again records nothing, so a double submit
    leaves one event. The note stays on the declaration only: staff may write
    personal details in it, and events hold none.
    """
    if status not in FollowUpStatus.values:
        raise ValidationError({"follow_up_status": _("未知的跟进状态。")})
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"follow_up_note": _("跟进备注不能超过 %(n)s 个字符。") % {"n": NOTE_MAX_LENGTH}}
        )

    # Locked so two workers saving at once each see the other's status as "previous".
    stored = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if stored.follow_up_status == status and stored.follow_up_note == note:
        return stored

    previous, previous_note = stored.follow_up_status, stored.follow_up_note
    now = timezone.now()
    stored.follow_up_status = status
    stored.follow_up_note = note
    stored.follow_up_by = actor
    stored.follow_up_at = now
    stored.save(
        update_fields=[
            "follow_up_status",
            "follow_up_note",
            "follow_up_by",
            "follow_up_at",
            "updated_at",
        ]
    )
    DeclarationEvent.objects.create(
        declaration=stored,
        kind=EventKind.FOLLOW_UP,
        data={
            "status": status,
            "previous_status": previous,
            "note_changed": note != previous_note,
        },
        actor=actor,
        created_at=now,
    )
    return stored
