"""Notices: the confirmation and change emails, rendered and delivered exactly once.

``notice_send`` claims a pending notice with a conditional UPDATE before talking to
the mail server, so two workers (a redelivered task, a retry racing the admin's
"retry") never both send it. While an attempt is in flight the notice stays
``pending`` with ``sent_at`` holding the claim time; a claim older than
``CLAIM_TIMEOUT`` is considered abandoned (its worker died) and may be taken again,
so a crash delays a notice but never loses it.

Emails hold the reference, the answer and the status link; never an identity or
phone number, and the name only masked.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Count, F, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from policies.api.results import is_english
from policies.regions import region_display_name
from portal.bulk_writes import insert_rows
from travellers.causes import change_cause, change_places
from travellers.evaluation import answer_changed
from travellers.models import (
    Declaration,
    DeclarationEvent,
    Evaluation,
    EvaluationTrigger,
    EventKind,
    Notice,
    NoticeKind,
    NoticeStatus,
    ReevaluationRun,
)
from travellers.presentation import declared_test, format_day, present
from travellers.references import format_reference

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
CLAIM_TIMEOUT = timedelta(minutes=10)
STATUS_PATH = "/status/"


class TemporaryDeliveryError(Exception):
    """The mail server could not take the message now; try again later."""


class ServerUnavailableError(TemporaryDeliveryError):
    """The mail server did not answer at all (refused, timed out, hung up): every
    other message would meet the same, so a batch stops there."""


class PermanentDeliveryError(Exception):
    """The message cannot be delivered (refused address, no address)."""


def status_url(language: str | None = None) -> str:
    """The status page's address; with ``language``, the page opens in it."""
    url = settings.PORTAL_BASE_URL + STATUS_PATH
    return f"{url}?lang={language}" if language else url


def _previous_results(notices: Sequence[Notice]) -> dict[int, dict | None]:
    """Per change notice, the answer it tells the change from: the last one the citizen
    was sent (a replaced notice's answer never reached them), else the answer just
    before. Two queries for a batch."""
    wanted = [notice for notice in notices if notice.kind == NoticeKind.CHANGE]
    if not wanted:
        return {}
    declarations = {n.declaration_id for n in wanted}
    told = set(
        Notice.objects.filter(
            declaration_id__in=declarations, status=NoticeStatus.SENT
        ).values_list("evaluation_id", flat=True)
    )
    history: dict[int, list[tuple]] = {}
    for declaration_id, created_at, pk, result in (
        Evaluation.objects.filter(declaration_id__in=declarations)
        .order_by("declaration_id", "created_at", "id")
        .values_list("declaration_id", "created_at", "id", "result")
    ):
        history.setdefault(declaration_id, []).append(((created_at, pk), result))
    previous: dict[int, dict | None] = {}
    for notice in wanted:
        mark = (notice.evaluation.created_at, notice.evaluation_id)
        earlier = [
            (key, result) for key, result in history.get(notice.declaration_id, ()) if key < mark
        ]
        sent = [result for key, result in earlier if key[1] in told]
        previous[notice.pk] = sent[-1] if sent else (earlier[-1][1] if earlier else None)
    return previous


def _companions_of(notices: Sequence[Notice]) -> dict[int, list[Declaration]]:
    """Per lead of a confirmation among ``notices``, its companions in order: one query
    for a batch, kept on the declaration so that rendering asks no more."""
    leads = {
        notice.declaration_id: notice.declaration
        for notice in notices
        if notice.kind == NoticeKind.CONFIRMATION and notice.declaration.lead_id is None
    }
    missing = [pk for pk, lead in leads.items() if not hasattr(lead, "loaded_companions")]
    if missing:
        found: dict[int, list[Declaration]] = {pk: [] for pk in missing}
        for person in (
            Declaration.objects.filter(lead_id__in=missing)
            .defer("id_number", "phone")
            .order_by("id")
        ):
            found[person.lead_id].append(person)
        for pk in missing:
            leads[pk].loaded_companions = found[pk]
    return {pk: lead.loaded_companions for pk, lead in leads.items()}


def _trip(declaration: Declaration, language: str) -> dict:
    """The trip as amended, for the mail that answers the amendment: the citizen sees
    what the new answer is for (the legs as they now stand, and the arrival day)."""
    legs = [
        {
            # 江苏省扬州市广陵区, the whole name as on the form; English readers get the
            # English one with the Chinese beside it.
            "place": region_display_name(leg.region_id, language)
            if is_english(language)
            else leg.region.full_name,
            "start": format_day(leg.start_date, language),
            "end": format_day(leg.end_date, language) if leg.end_date else "",
        }
        for leg in declaration.legs.select_related("region").order_by("position")
    ]
    return {"arrival": format_day(declaration.arrival_date, language), "legs": legs}


_LOOK_UP = object()


def notice_render(notice: Notice, previous=_LOOK_UP) -> EmailMultiAlternatives:
    """The email for ``notice`` in its declaration's language, text and HTML.

    ``previous``: for a change notice, the result it replaced, when already loaded.
    """
    declaration = notice.declaration
    evaluation = notice.evaluation
    language = declaration.language or settings.LANGUAGE_CODE
    with translation.override(language):
        shown = present(
            evaluation.result,
            language,
            kind=declaration.kind,
            arrival_date=declaration.arrival_date,
            test=declared_test(declaration),
        )
        context = {
            "language": language,
            "name": declaration.masked_name,
            # A companion's mail reaches the lead's address: it says whose answer it is.
            "companion": declaration.lead_id is not None,
            "reference": format_reference(declaration.reference),
            "shown": shown,
            "status_url": status_url(language),
        }
        if notice.kind == NoticeKind.CHANGE:
            old = _previous_results([notice]).get(notice.pk) if previous is _LOOK_UP else previous
            # The answer replaced was for the same arrival day unless this is an
            # amendment, which may have moved it (the day before is not kept).
            old_shown = (
                present(
                    old,
                    language,
                    kind=declaration.kind,
                    arrival_date=None
                    if evaluation.trigger == EvaluationTrigger.AMENDED
                    else declaration.arrival_date,
                )
                if old
                else None
            )
            counties, risk_areas = change_places(evaluation.change, old_shown, shown, language)
            separator = ", " if is_english(language) else "、"
            context.update(
                old=old_shown,
                # "May travel" before and after an amendment is the same answer, though
                # only the new one names its day: the mail says what else changed.
                headline_changed=old_shown is not None
                and old_shown.headline != shown.headline
                and not (
                    declaration.kind == "pre_travel"
                    and old_shown.outcome == shown.outcome == "allowed"
                ),
                cause=change_cause(evaluation, declaration),
                counties=separator.join(counties),
                risk_areas=separator.join(risk_areas),
                trip=_trip(declaration, language) if evaluation.trigger == "amended" else None,
            )
            subject = _("进返京申报结果已更新（查询码 %(reference)s）") % context
            template = "travellers/email/change"
        else:
            subject = _("进返京申报已提交（查询码 %(reference)s）") % context
            template = "travellers/email/confirmation"
            # A family's mails all reach one address: the lead's says whose the others are.
            context["companions"] = (
                [
                    {"name": person.masked_name, "reference": format_reference(person.reference)}
                    for person in _companions_of([notice])[declaration.pk]
                ]
                if declaration.lead_id is None
                else []
            )
        context["subject"] = subject
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[declaration.email],
        headers={"Content-Language": language},
    )
    message.attach_alternative(html, "text/html")
    return message


def _classify(exc: Exception) -> type[Exception]:
    """Temporary (try again) or permanent (give up) for an exception from the backend."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return (
            TemporaryDeliveryError
            if codes and all(400 <= c < 500 for c in codes)
            else (PermanentDeliveryError)
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return TemporaryDeliveryError if not 500 <= exc.smtp_code < 600 else PermanentDeliveryError
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | socket.timeout | OSError):
        return ServerUnavailableError
    return PermanentDeliveryError


def _describe(exc: Exception) -> str:
    # The class and SMTP code only: a server's message may quote the recipient address.
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}" + (f" {code}" if code else "")


# One open SMTP connection per worker process: a new connection (TCP, EHLO, STARTTLS,
# AUTH) for every email costs more than the email. Other backends (files, console,
# memory) are cheap to open, so they keep one connection per message.
_smtp_connections: dict[tuple, object] = {}


def _reuses_connection() -> bool:
    return settings.EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"


def _smtp_connection():
    key = (settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER)
    smtp = _smtp_connections.get(key)
    if smtp is None:
        drop_mail_connection()
        smtp = get_connection()
        smtp.open()
        _smtp_connections[key] = smtp
    return smtp


def drop_mail_connection() -> None:
    """Close the reused connection (after an error, or when a worker shuts down)."""
    for smtp in _smtp_connections.values():
        # A broken connection is being thrown away anyway.
        with contextlib.suppress(Exception):
            smtp.close()
    _smtp_connections.clear()


def _deliver(message: EmailMultiAlternatives) -> None:
    if not _reuses_connection():
        message.connection = get_connection()
        message.send(fail_silently=False)
        return
    reused = bool(_smtp_connections)
    try:
        message.connection = _smtp_connection()
        message.send(fail_silently=False)
    except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
        drop_mail_connection()
        if not reused:
            raise
        # The server closed an idle connection: one fresh try before calling it a failure.
        logger.info("SMTP connection was closed (%s); reconnecting", type(exc).__name__)
        message.connection = _smtp_connection()
        message.send(fail_silently=False)
    except Exception:
        # After a refusal the session state is unknown: start clean next time.
        drop_mail_connection()
        raise


# The claim and the record of a sent notice run once per email: plain SQL, as building
# the ORM's statements cost more than executing them.
_NOTICES = Notice._meta.db_table
_EVENTS = DeclarationEvent._meta.db_table


def _timestamp(moment):
    return connection.ops.adapt_datetimefield_value(moment)


_CLAIM = (
    f"UPDATE {_NOTICES} SET sent_at = %s, attempts = attempts + 1 "
    "WHERE id = %s AND status = %s AND (sent_at IS NULL OR sent_at < %s)"
)
_MARK = f"UPDATE {_NOTICES} SET status = %s, sent_at = %s, last_error = '' WHERE id = %s"


def _claim(notice_id: int, now, *, mark: Notice | None = None) -> bool:
    """Take a pending notice for this attempt; False when sent, failed or taken.

    ``mark``: a notice just delivered, marked sent in the same commit (one round trip
    and one wait for the disk on PostgreSQL, where both statements go in one message
    and run as one transaction).
    """
    claim = [_timestamp(now), notice_id, NoticeStatus.PENDING, _timestamp(now - CLAIM_TIMEOUT)]
    with connection.cursor() as cursor:
        if mark is None:
            cursor.execute(_CLAIM, claim)
            return cursor.rowcount == 1
        mark.sent_at = timezone.now()
        marked = [NoticeStatus.SENT, _timestamp(mark.sent_at), mark.pk]
        if connection.vendor == "postgresql":
            cursor.execute(f"{_MARK}; {_CLAIM}", marked + claim)
            cursor.nextset()
            return cursor.rowcount == 1
        with transaction.atomic():
            cursor.execute(_MARK, marked)
            cursor.execute(_CLAIM, claim)
            return cursor.rowcount == 1


def _mark_sent(notice: Notice) -> None:
    """Record the delivery on the notice itself: one statement, committed at once, so
    that a worker dying after the email leaves as little as possible unrecorded."""
    notice.sent_at = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_MARK, [NoticeStatus.SENT, _timestamp(notice.sent_at), notice.pk])


def _add_sent_events(notices: Sequence[Notice]) -> None:
    """The declarations' "notice sent" events, for a whole batch in one insert."""
    insert_rows(
        DeclarationEvent,
        ("declaration", "kind", "data", "created_at"),
        (
            (
                notice.declaration_id,
                EventKind.NOTICE_SENT,
                {"notice": notice.pk, "kind": notice.kind, "attempts": notice.attempts},
                notice.sent_at,
            )
            for notice in notices
        ),
    )


def _load(notice_ids: Sequence[int]) -> list[Notice]:
    return list(
        Notice.objects.filter(id__in=notice_ids)
        .select_related("declaration", "evaluation", "evaluation__change")
        # Emails never hold the identity or phone number: not even decrypted for them.
        .defer("declaration__id_number", "declaration__phone")
        .order_by("id")
    )


_COUNTERS = {
    NoticeStatus.SENT: "notices_sent",
    NoticeStatus.FAILED: "notices_failed",
    NoticeStatus.REPLACED: "notices_replaced",
    NoticeStatus.SAME: "notices_replaced",
}


def count_on_runs(outcomes: Iterable[tuple[int | None, str]]) -> None:
    """Add (run, status) outcomes to the runs' sent and failed figures.

    Added as they happen; a run whose notices have all settled is then counted from its
    notices once, so the figures end exact even after a sender died between an email and
    its bookkeeping.
    """
    # By figure: two statuses (replaced, same) add to one.
    tally: Counter = Counter(
        (run_id, _COUNTERS[status]) for run_id, status in outcomes if run_id and status in _COUNTERS
    )
    runs = {run_id for run_id, _field in tally}
    for run_id in runs:
        added = {
            field: F(field) + tally[(run_id, field)]
            for field in set(_COUNTERS.values())
            if tally[(run_id, field)]
        }
        if added:
            ReevaluationRun.objects.filter(id=run_id).update(**added)
        if not Notice.objects.filter(
            evaluation__run_id=run_id, status=NoticeStatus.PENDING
        ).exists():
            recount_runs([run_id])


def recount_runs(run_ids: Iterable[int]) -> None:
    """Set the runs' sent and failed figures from their notices (one count each)."""
    for run_id in set(run_ids) - {None}:
        notices = Notice.objects.filter(evaluation__run_id=run_id)
        ReevaluationRun.objects.filter(id=run_id).update(
            notices_sent=_count(notices, NoticeStatus.SENT),
            notices_failed=_count(notices, NoticeStatus.FAILED),
            notices_replaced=_count(notices, NoticeStatus.REPLACED)
            + _count(notices, NoticeStatus.SAME),
        )


def _count(notices, status: str) -> Coalesce:
    counted = (
        notices.filter(status=status)
        .order_by()
        .values("evaluation__run_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted), 0)


def _attempt(notice: Notice, *, max_attempts: int, previous=_LOOK_UP, mark=True) -> str:
    """Render and deliver a claimed notice, then record the outcome (a delivery only
    with ``mark``; else the caller marks it sent).

    Raises ``TemporaryDeliveryError`` when the caller should try again later.
    """
    try:
        if not notice.declaration.email:
            raise PermanentDeliveryError("no address")
        _deliver(notice_render(notice, previous))
    except Exception as exc:
        kind = exc.__class__ if isinstance(exc, PermanentDeliveryError) else _classify(exc)
        error = str(exc) if isinstance(exc, PermanentDeliveryError) else _describe(exc)
        if issubclass(kind, TemporaryDeliveryError) and notice.attempts < max_attempts:
            Notice.objects.filter(id=notice.pk).update(
                sent_at=None, last_error=error, last_attempt_at=timezone.now()
            )
            logger.warning("notice %s: temporary delivery failure (%s)", notice.pk, error)
            raise kind(error) from exc
        Notice.objects.filter(id=notice.pk).update(
            status=NoticeStatus.FAILED, sent_at=None, last_error=error
        )
        logger.warning("notice %s: delivery failed (%s)", notice.pk, error)
        return NoticeStatus.FAILED

    if mark:
        _mark_sent(notice)
    return NoticeStatus.SENT


def _superseded(notices: Sequence[Notice]) -> set[int]:
    """Those of ``notices`` that a notice of a later answer to the same declaration
    replaces (one query for a batch). Sent after it, say by a retry, an older answer
    would be the last word the citizen got, and a wrong one."""
    if not notices:
        return set()
    latest: dict[int, tuple] = {}
    for declaration_id, created_at, evaluation_id in Notice.objects.filter(
        declaration_id__in={notice.declaration_id for notice in notices}
    ).values_list("declaration_id", "evaluation__created_at", "evaluation_id"):
        mark = (created_at, evaluation_id)
        if declaration_id not in latest or mark > latest[declaration_id]:
            latest[declaration_id] = mark
    return {
        notice.pk
        for notice in notices
        if (notice.evaluation.created_at, notice.evaluation_id) < latest[notice.declaration_id]
    }


def _set_unsent(notice: Notice, status: str = NoticeStatus.REPLACED) -> str:
    """Settle a claimed notice without sending it (replaced, or nothing new)."""
    Notice.objects.filter(id=notice.pk).update(status=status, sent_at=None, last_error="")
    logger.info("notice %s: not sent (%s)", notice.pk, status)
    return status


def _unsendable(notice: Notice, superseded: set[int], previous) -> str | None:
    """Why a claimed notice is not to be sent: replaced by a newer one, or (a change
    notice) its answer is the one last sent. None when it is to be sent."""
    if notice.pk in superseded:
        return NoticeStatus.REPLACED
    if (
        notice.kind == NoticeKind.CHANGE
        and previous is not None
        and not answer_changed(previous, notice.evaluation.result)
    ):
        return NoticeStatus.SAME
    return None


def notice_send(*, notice_id: int, max_attempts: int = MAX_ATTEMPTS) -> str:
    """Deliver one notice; returns its status afterwards (``sent``, ``failed``,
    ``pending``, ``replaced``).

    A notice already sent, failed or being sent by another worker is left alone; one
    that a notice of a later answer replaces is not sent (``_superseded``).
    Temporary failures (connection errors, SMTP 4xx) record the attempt and raise
    ``TemporaryDeliveryError`` for the task to retry, until ``max_attempts`` is
    reached, then the notice is failed; permanent ones (5xx, a refused or missing
    address) fail it at once.
    """
    if not _claim(notice_id, timezone.now()):
        return Notice.objects.filter(id=notice_id).values_list("status", flat=True).first() or ""
    (notice,) = _load([notice_id])
    previous = _previous_results([notice]).get(notice.pk)
    unsent = _unsendable(notice, _superseded([notice]), previous)
    if unsent:
        status = _set_unsent(notice, unsent)
    else:
        status = _attempt(notice, max_attempts=max_attempts, previous=previous)
    if status == NoticeStatus.SENT:
        _add_sent_events([notice])
    count_on_runs([(notice.evaluation.run_id, status)])
    return status


class BatchLeft(NamedTuple):
    """What a batch did not deliver and should be tried again."""

    failed_temporarily: list[int]  # attempted: each retried on its own backoff
    not_tried: list[int]  # the server stopped answering first: retried together


def notices_send(*, notice_ids: Sequence[int], max_attempts: int = MAX_ATTEMPTS) -> BatchLeft:
    """Deliver several notices one after the other over the worker's one connection.

    The batch is read with two queries; each notice is then claimed, sent and marked
    on its own, as by ``notice_send``, so a batch run twice sends nothing twice and a
    worker dying mid-batch leaves at most one notice waiting for its claim to go stale.
    The events and the runs' figures follow for the batch at the end (a batch cut
    short loses only events; the figures are counted again once a run has settled).
    When the server does not answer at all the batch stops: the rest are left unclaimed
    (no attempt counted), rather than each waiting out the same timeout.
    """
    notices = [n for n in _load(notice_ids) if n.status == NoticeStatus.PENDING]
    previous = _previous_results(notices)
    _companions_of(notices)
    superseded = _superseded(notices)
    temporary: list[int] = []
    sent: list[Notice] = []
    outcomes: list[tuple[int | None, str]] = []
    unmarked: Notice | None = None  # delivered, to be marked with the next claim
    not_tried: list[int] = []
    for position, notice in enumerate(notices):
        # The previous delivery is marked in the same commit as this notice's claim:
        # one wait for the disk per email instead of two, and no later than before.
        claimed = _claim(notice.pk, timezone.now(), mark=unmarked)
        unmarked = None
        if not claimed:
            continue
        notice.attempts += 1  # as the claim counted it
        unsent = _unsendable(notice, superseded, previous.get(notice.pk))
        if unsent:
            outcomes.append((notice.evaluation.run_id, _set_unsent(notice, unsent)))
            continue
        try:
            status = _attempt(
                notice, max_attempts=max_attempts, previous=previous.get(notice.pk), mark=False
            )
        except ServerUnavailableError:
            temporary.append(notice.pk)
            not_tried = [later.pk for later in notices[position + 1 :]]
            # Tried on their behalf: the sweep leaves them to the batch's own retry.
            Notice.objects.filter(id__in=not_tried).update(last_attempt_at=timezone.now())
            break
        except TemporaryDeliveryError:
            temporary.append(notice.pk)
            continue
        outcomes.append((notice.evaluation.run_id, status))
        if status == NoticeStatus.SENT:
            unmarked = notice
            sent.append(notice)
    if unmarked is not None:
        _mark_sent(unmarked)
    _add_sent_events(sent)
    count_on_runs(outcomes)
    return BatchLeft(temporary, not_tried)


def notices_replace_outdated(*, notice_ids: Sequence[int]) -> set[int]:
    """Mark "replaced" those of these notices that a newer notice to the same
    declaration has overtaken (the admin's retry asks first); returns their ids."""
    notices = _load(notice_ids)
    outdated = _superseded(notices)
    for notice in notices:
        if notice.pk in outdated:
            _set_unsent(notice)
    recount_runs(notice.evaluation.run_id for notice in notices if notice.pk in outdated)
    return outdated


def notice_retry(*, notice_id: int) -> bool:
    """Put a failed notice back to pending with fresh attempts (the admin's "retry").

    Returns False when the notice was not failed. The caller enqueues the task.
    """
    return (
        Notice.objects.filter(id=notice_id, status=NoticeStatus.FAILED).update(
            status=NoticeStatus.PENDING, attempts=0, sent_at=None
        )
        == 1
    )
