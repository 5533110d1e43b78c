import smtplib
import socket
import time
import uuid
from datetime import date, timedelta
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import TestCase
from django.utils import timezone

from policies.models import RiskDataChange
from tests.travellers.api.payloads import (
    CHILD_ID,
    COMPANION_ID,
    LEAD_ID,
    PHONE,
    companion,
    declaration_payload,
    high_risk_area,
)
from travellers.evaluation import apply_result, evaluate_saved
from travellers.models import Notice, ReevaluationRun
from travellers.notices import (
    CLAIM_TIMEOUT,
    TemporaryDeliveryError,
    notice_render,
    notice_send,
)
from travellers.references import format_reference
from travellers.serializers import DeclarationSerializer
from travellers.services import declaration_submit
from travellers.tasks.notices import retry_countdown, retry_notice, send_notice

TODAY = date(2021, 8, 8)

pytestmark = pytest.mark.django_db


class FlakyBackend(BaseEmailBackend):
    """Fails as told by ``FlakyBackend.failures`` (consumed one per send), then delivers."""

    failures: list[Exception] = []

    def send_messages(self, messages):
        if FlakyBackend.failures:
            raise FlakyBackend.failures.pop(0)
        mail.outbox.extend(messages)
        return len(messages)


def smtp_to(settings, port: int) -> None:
    """Django's SMTP backend, plain and without login, to a server on 127.0.0.1:port."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""


@pytest.fixture
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PORTAL_BASE_URL = "https://portal.example"
    mail.outbox = []
    return mail.outbox


@pytest.fixture
def flaky(settings, locmem):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures = []
    yield FlakyBackend.failures
    FlakyBackend.failures = []


def submitted(*, language="zh-hans", **overrides):
    """A saved declaration and its pending confirmation (the send task not yet run)."""
    high_risk_area(designated_on=date(2021, 7, 28))
    payload = declaration_payload(today=TODAY, language=language, **overrides)
    serializer = DeclarationSerializer(data=payload, context={"today": TODAY})
    assert serializer.is_valid(), serializer.errors
    lead = declaration_submit(
        data=serializer.validated_data, idempotency_key=uuid.uuid4(), today=TODAY
    )
    return lead, Notice.objects.get(declaration=lead)


def all_text(message) -> str:
    return message.subject + message.body + "".join(str(a[0]) for a in message.alternatives)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_confirmation_has_reference_answer_and_link_but_no_identity_or_phone(locmem, language):
    lead, notice = submitted(language=language, companions=[companion()])
    assert notice_send(notice_id=notice.pk) == "sent"

    [message] = locmem
    text = all_text(message)
    assert message.to == ["traveller@example.com"]
    assert lead.reference[:5] in text and lead.reference[5:] in text
    # The link opens the status page in the mail's language.
    assert f"https://portal.example/status/?lang={language}" in message.body
    assert f'href="https://portal.example/status/?lang={language}"' in message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html"
    for secret in (LEAD_ID, CHILD_ID, PHONE, PHONE[-4:], "张三丰"):
        assert secret not in text
    if language == "en":
        assert "15 August 2021" in text
        assert message.extra_headers["Content-Language"] == "en"
    else:
        assert "暂缓进返京，可于2021年8月15日起进京" in text
        # What to do about it, in the text and the HTML part alike.
        assert message.body.count("改为2021年8月15日或之后") == 1
        assert message.alternatives[0][0].count("改为2021年8月15日或之后") == 1


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh-hans", "输入查询码和申报表上填写的手机号码后四位"),
        ("en", "the last 4 digits of the mobile number given on the declaration form"),
    ],
)
def test_a_companions_mail_says_whose_mobile_number_opens_their_declaration(locmem, language, said):
    from travellers.services import declaration_lookup

    lead, _ = submitted(language=language, companions=[companion()])
    [child] = lead.companions.all()
    # Everyone on the form is looked up with the one number the form gave.
    assert declaration_lookup(reference=child.reference, phone_last4=PHONE[-4:]) == child
    message = notice_render(Notice.objects.get(declaration=child))
    for part in (message.body, message.alternatives[0][0]):
        # "Your mobile number" sent a companion (or a parent, for a child) to their own.
        assert said in part
        assert "your mobile number" not in part and "和手机号后四位" not in part


def test_sending_marks_the_notice_sent_and_records_an_event(locmem):
    lead, notice = submitted()
    notice_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.last_error) == ("sent", 1, "")
    assert notice.sent_at is not None
    assert lead.events.filter(kind="notice_sent").count() == 1


def test_a_notice_is_sent_once_even_when_asked_twice(locmem):
    _, notice = submitted()
    assert notice_send(notice_id=notice.pk) == "sent"
    assert notice_send(notice_id=notice.pk) == "sent"
    assert len(locmem) == 1


def test_a_notice_claimed_by_another_worker_is_left_alone(locmem):
    _, notice = submitted()
    Notice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
    assert notice_send(notice_id=notice.pk) == "pending"
    assert locmem == []


def test_an_abandoned_claim_is_taken_again(locmem):
    _, notice = submitted()
    Notice.objects.filter(pk=notice.pk).update(
        sent_at=timezone.now() - CLAIM_TIMEOUT - timedelta(seconds=1), attempts=1
    )
    assert notice_send(notice_id=notice.pk) == "sent"
    assert len(locmem) == 1


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPServerDisconnected("gone"),
        ConnectionRefusedError("refused"),
        smtplib.SMTPDataError(451, b"try later"),
        smtplib.SMTPRecipientsRefused({"traveller@example.com": (452, b"mailbox full")}),
    ],
)
def test_temporary_failures_record_the_attempt_and_raise(flaky, error):
    _, notice = submitted()
    flaky.append(error)
    with pytest.raises(TemporaryDeliveryError):
        notice_send(notice_id=notice.pk)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts, notice.sent_at) == ("pending", 1, None)
    assert type(error).__name__ in notice.last_error
    # The next attempt goes through.
    assert notice_send(notice_id=notice.pk) == "sent"
    assert len(flaky) == 0


def test_a_notice_whose_retry_was_lost_is_sent_by_the_sweep_once_its_retries_are_over(
    flaky, settings
):
    from travellers import reevaluation
    from travellers.tasks.notices import retries_window

    settings.CELERY_TASK_ALWAYS_EAGER = True
    _, notice = submitted()
    flaky.append(smtplib.SMTPDataError(451, b"greylisted"))
    with pytest.raises(TemporaryDeliveryError):
        notice_send(notice_id=notice.pk)
    # The retry's message never arrives. While it still could, the sweep leaves it.
    soon = timezone.now() + timedelta(minutes=30)
    assert reevaluation.sweep(now=soon)["notices"] == 0
    later = timezone.now() + retries_window() + timedelta(minutes=1)
    assert reevaluation.sweep(now=later)["notices"] == 1
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 2)
    assert len(flaky) == 0 and len(mail.outbox) == 1


def test_the_sweep_queues_a_lost_retry_once_not_on_every_pass(settings):
    from travellers import reevaluation
    from travellers.tasks.notices import retries_window

    _, notice = submitted()
    # Created long ago (a backlog), then a temporary failure just now: a retry is due.
    long_ago = timezone.now() - 3 * retries_window()
    Notice.objects.filter(pk=notice.pk).update(
        created_at=long_ago, attempts=1, last_attempt_at=timezone.now(), last_error="451"
    )
    with mock.patch("travellers.tasks.notices.send_notice.delay") as queued:
        assert reevaluation.sweep()["notices"] == 0
        later = timezone.now() + retries_window() + timedelta(minutes=1)
        assert reevaluation.sweep(now=later)["notices"] == 1
        # The next pass a minute later leaves it to the task just queued.
        assert reevaluation.sweep(now=later + timedelta(minutes=1))["notices"] == 0
    assert queued.call_count == 1


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPDataError(554, b"rejected"),
        smtplib.SMTPRecipientsRefused({"traveller@example.com": (550, b"no such user")}),
        ValueError("bad address"),
    ],
)
def test_permanent_failures_fail_the_notice_at_once(flaky, error):
    _, notice = submitted()
    flaky.append(error)
    assert notice_send(notice_id=notice.pk) == "failed"
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("failed", 1)
    assert notice.last_error
    assert "traveller@example.com" not in notice.last_error


def test_temporary_failures_fail_the_notice_after_the_last_attempt(flaky):
    _, notice = submitted()
    flaky.extend(smtplib.SMTPServerDisconnected("gone") for _ in range(3))
    for _ in range(2):
        with pytest.raises(TemporaryDeliveryError):
            notice_send(notice_id=notice.pk, max_attempts=3)
    assert notice_send(notice_id=notice.pk, max_attempts=3) == "failed"
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("failed", 3)


def test_the_task_retries_temporary_failures_then_sends(flaky, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    _, notice = submitted()
    flaky.extend([smtplib.SMTPServerDisconnected("gone"), smtplib.SMTPDataError(421, b"busy")])
    send_notice.apply(args=[notice.pk])
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 3)
    assert flaky == []


def test_the_task_gives_up_after_six_attempts(flaky):
    _, notice = submitted()
    flaky.extend(smtplib.SMTPServerDisconnected("gone") for _ in range(10))
    send_notice.apply(args=[notice.pk])
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("failed", 6)


def test_the_backoff_doubles_and_stays_below_the_visibility_timeout(settings):
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT = 3600
    delays = [retry_countdown(n) for n in range(8)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) <= 600 < 3600
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT = 300
    assert max(retry_countdown(n) for n in range(8)) <= 75


def test_retry_notice_resets_a_failed_notice_and_sends_it(flaky):
    _, notice = submitted()
    flaky.append(smtplib.SMTPDataError(554, b"rejected"))
    notice_send(notice_id=notice.pk)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert retry_notice(notice.pk) is True
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 1)
    assert retry_notice(notice.pk) is False


def test_an_amended_trip_still_allowed_names_its_day_without_calling_it_a_new_answer(locmem):
    lead, _ = submitted(arrival_date="2021-08-16")
    assert lead.outcome == "allowed"
    lead.arrival_date = date(2021, 8, 20)
    lead.save(update_fields=["arrival_date"])
    [result] = evaluate_saved([lead], as_of=TODAY)
    evaluation = apply_result(lead, result, as_of=TODAY, trigger="amended")
    notice = Notice.objects.create(declaration=lead, evaluation=evaluation, kind="change")

    message = notice_render(notice)
    for part in (message.body, message.alternatives[0][0]):
        # The day the answer is for; the one before named none (the day it was given
        # for is not kept), which is no other answer.
        assert "可以进返京，于2021年8月20日抵京" in part
        assert "原结果" not in part and "结论不变" in part


def test_the_change_notice_says_old_and_new_answer_and_why(locmem):
    lead, _ = submitted()
    area = high_risk_area(designated_on=date(2021, 7, 28))
    # The areas are lifted two days later: the postponement ends.
    area.__class__.objects.update(lifted_on=date(2021, 8, 10))
    later = date(2021, 8, 10)
    run = ReevaluationRun.objects.create(trigger="change", as_of=later)
    [result] = evaluate_saved([lead], as_of=later)
    evaluation = apply_result(lead, result, as_of=later, trigger="reevaluated", run=run)
    notice = Notice.objects.create(declaration=lead, evaluation=evaluation, kind="change")

    message = notice_render(notice)
    text = all_text(message)
    assert "暂缓进返京，可于2021年8月15日起进京" in message.body  # the old answer
    assert "可以进返京，于2021年8月10日抵京" in message.body  # the new one, for its day
    assert "BJ-2021-08-07" in message.body
    assert "https://portal.example/status/" in message.body
    assert LEAD_ID not in text and PHONE not in text

    assert notice_send(notice_id=notice.pk) == "sent"
    run.refresh_from_db()
    assert run.notices_sent == 1


def test_a_change_of_measures_alone_does_not_show_the_same_headline_twice(locmem):
    lead, _ = submitted()
    first = lead.evaluations.get()
    # The same headline, but the monitoring after arrival is gone from the new answer.
    before = {
        **first.result,
        "measures": [{"kind": "health_monitoring", "start": "2021-08-15", "end": "2021-08-21"}],
    }
    type(first).objects.filter(pk=first.pk).update(result=before)
    evaluation = type(first).objects.create(
        declaration=lead,
        trigger="reevaluated",
        outcome=first.outcome,
        entry_allowed_from=first.entry_allowed_from,
        policy_version_id=first.policy_version_id,
        result={**first.result, "measures": []},
    )
    notice = Notice.objects.create(declaration=lead, evaluation=evaluation, kind="change")
    message = notice_render(notice)
    assert "原结果" not in message.body and "结论不变" in message.body
    assert "结论不变" in message.alternatives[0][0]


def test_the_change_notice_names_the_county_and_risk_area(locmem):
    high_risk_area(designated_on=date(2021, 7, 28), name="某某花园")
    lead, _ = submitted()
    # Submitted before anything was known: then the area's designation reaches back.
    lead.result = {}
    [result] = evaluate_saved([lead], as_of=TODAY)
    evaluation = apply_result(lead, result, as_of=TODAY, trigger="reevaluated")
    notice = Notice.objects.create(declaration=lead, evaluation=evaluation, kind="change")
    body = notice_render(notice).body
    assert "广陵区" in body
    assert "某某花园" in body


def test_english_notices_name_the_county_in_english_with_the_chinese_beside_it(locmem):
    from policies.services.risk_data import risk_area_create

    risk_area_create(
        region="321002", name="某某花园", level="high", designated_on=date(2021, 7, 28)
    )
    lead, confirmation = submitted(language="en")
    lead.result = {}
    [result] = evaluate_saved([lead], as_of=TODAY)
    evaluation = apply_result(
        lead, result, as_of=TODAY, trigger="reevaluated", change=RiskDataChange.objects.get()
    )
    change = Notice.objects.create(declaration=lead, evaluation=evaluation, kind="change")

    for notice in (confirmation, change):
        message = notice_render(notice)
        for body in (message.body, message.alternatives[0][0]):
            # The engine's own reason sentence, with the county named for English readers.
            assert "you stayed in Guangling District, Yangzhou, Jiangsu (广陵区);" in body
            assert "you stayed in 广陵区" not in body
            assert "某某花园" in body
    change_body = notice_render(change).body
    assert "Places concerned: Guangling District (广陵区)" in change_body


@pytest.mark.parametrize(
    "language, names",
    [
        ("zh-hans", ["变化原因：解除风险地区", "涉及地区：广陵区", "涉及风险地区：测试小区"]),
        ("en", ["Places concerned: Guangling District (广陵区)", "Risk areas concerned: 测试小区"]),
    ],
)
def test_a_lift_names_the_area_lifted_though_the_new_answer_no_longer_has_it(
    locmem, language, names
):
    from policies.models import RiskArea
    from policies.services.risk_data import risk_area_lift

    lead, _ = submitted(language=language)
    later = date(2021, 8, 10)
    risk_area_lift(risk_area=RiskArea.objects.get(), lifted_on=later)
    [result] = evaluate_saved([lead], as_of=later)
    assert not result.reasons or all(not r.risk_areas for r in result.reasons)
    evaluation = apply_result(
        lead, result, as_of=later, trigger="reevaluated", change=RiskDataChange.objects.get()
    )
    notice = Notice.objects.create(declaration=lead, evaluation=evaluation, kind="change")
    message = notice_render(notice)
    for name in names:
        assert name in message.body
    assert names[-1].split("：")[-1].split(": ")[-1] in message.alternatives[0][0]


def test_a_measure_ending_says_so_and_names_no_places(locmem):
    lead, _ = submitted()
    first = lead.evaluations.get()
    evaluation = type(first).objects.create(
        declaration=lead,
        trigger="reevaluated",
        outcome="allowed",
        entry_allowed_from=None,
        policy_version_id=first.policy_version_id,
        result={**first.result, "outcome": "allowed", "measures": []},
    )
    notice = Notice.objects.create(declaration=lead, evaluation=evaluation, kind="change")
    body = notice_render(notice).body
    assert "变化原因：管控期限等日期已到" in body
    assert "涉及地区" not in body and "涉及风险地区" not in body


def test_chinese_notices_name_the_county_as_before(locmem):
    _lead, notice = submitted()
    body = notice_render(notice).body
    assert "抵京前14天内到过广陵区，" in body
    assert "Guangling" not in body


class _Recorder:
    def __init__(self, codes):
        self.codes = list(codes)
        self.delivered = []

    async def handle_DATA(self, server, session, envelope):
        if self.codes:
            return self.codes.pop(0)
        self.delivered.append(envelope.content)
        return "250 OK"


def test_a_real_smtp_server_that_fails_first_is_retried_then_delivers(settings):
    handler = _Recorder(["451 4.3.0 try again later"])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp_to(settings, port)
        _, notice = submitted()
        with pytest.raises(TemporaryDeliveryError):
            notice_send(notice_id=notice.pk)
        assert notice_send(notice_id=notice.pk) == "sent"
    finally:
        controller.stop()
    assert len(handler.delivered) == 1
    assert LEAD_ID.encode() not in handler.delivered[0]


def test_a_mail_server_that_never_answers_fails_the_attempt_instead_of_holding_the_worker(
    settings,
):
    from travellers.notices import drop_mail_connection

    # Without a timeout a relay that took the connection and never answered held the
    # worker process for good, and every task queued behind it.
    assert settings.EMAIL_TIMEOUT is not None and 0 < settings.EMAIL_TIMEOUT <= 60
    settings.EMAIL_TIMEOUT = 1
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections are queued, never greeted
        smtp_to(settings, silent.getsockname()[1])
        _, notice = submitted()
        started = time.monotonic()
        try:
            with pytest.raises(TemporaryDeliveryError):
                notice_send(notice_id=notice.pk)
        finally:
            drop_mail_connection()
    assert time.monotonic() - started < 10
    notice.refresh_from_db()
    assert notice.status == "pending" and notice.attempts == 1


class _SessionCounter(_Recorder):
    def __init__(self):
        super().__init__([])
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses


@pytest.fixture
def smtp_server(settings):
    from travellers.notices import drop_mail_connection

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = _SessionCounter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    smtp_to(settings, port)
    yield handler, controller
    drop_mail_connection()
    controller.stop()


def test_one_worker_sends_its_notices_over_one_smtp_connection(smtp_server):
    handler, _controller = smtp_server
    notices = [submitted(phone=f"1391234{n:04d}")[1] for n in range(3)]

    assert [notice_send(notice_id=n.pk) for n in notices] == ["sent"] * 3
    assert len(handler.delivered) == 3
    assert handler.sessions == 1


def test_a_connection_the_server_closed_is_opened_again_without_losing_the_notice(smtp_server):
    from travellers.notices import _smtp_connections

    handler, _controller = smtp_server
    first, second = (submitted(phone=f"1391234{n:04d}")[1] for n in range(2))
    assert notice_send(notice_id=first.pk) == "sent"

    # As when the server times out an idle connection: the socket is gone.
    (backend,) = _smtp_connections.values()
    backend.connection.close()

    assert notice_send(notice_id=second.pk) == "sent"
    assert len(handler.delivered) == 2
    assert handler.sessions == 2


def test_a_batch_sends_each_notice_once_and_hands_temporary_failures_to_single_retries(
    flaky, settings, monkeypatch
):
    from travellers.tasks import notices as notice_tasks

    _, first_notice = submitted()
    second, second_notice = submitted(id_number=CHILD_ID)
    retried: list[tuple] = []
    monkeypatch.setattr(
        notice_tasks.send_notice,
        "apply_async",
        lambda args, countdown: retried.append((*args, countdown)),
    )
    flaky.append(smtplib.SMTPDataError(451, b"try later"))

    assert notice_tasks.send_notices.apply(args=[[first_notice.pk, second_notice.pk]]).get() == 1

    first_notice.refresh_from_db()
    second_notice.refresh_from_db()
    assert (first_notice.status, first_notice.attempts, first_notice.sent_at) == (
        "pending",
        1,
        None,
    )
    assert (second_notice.status, second_notice.attempts) == ("sent", 1)
    assert retried == [(first_notice.pk, retry_countdown(0))]
    assert second.events.filter(kind="notice_sent").count() == 1
    assert not first_notice.declaration.events.filter(kind="notice_sent").exists()
    assert len(mail.outbox) == 1 and second.reference[:5] in mail.outbox[0].subject

    # The same batch delivered again sends nothing twice.
    notice_tasks.send_notices.apply(args=[[second_notice.pk]])
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_text_part_shows_names_as_typed_and_the_html_part_escapes_them(locmem, language):
    high_risk_area(designated_on=date(2021, 7, 28), name='A&B<"花园">\'')
    lead, _ = submitted(language=language)
    lead.result = {}
    [result] = evaluate_saved([lead], as_of=TODAY)
    evaluation = apply_result(lead, result, as_of=TODAY, trigger="reevaluated")
    change = Notice.objects.create(declaration=lead, evaluation=evaluation, kind="change")
    message = notice_render(change)
    assert 'A&B<"花园">\'' in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body
    html = message.alternatives[0][0]
    assert "A&amp;B&lt;&quot;花园&quot;&gt;&#x27;" in html and '<"花园">' not in html


def later_answer(lead, *, lifted_on=date(2021, 8, 10)):
    """The areas lifted: a new answer on ``lifted_on`` and its change notice."""
    from policies.models import RiskArea

    RiskArea.objects.update(lifted_on=lifted_on)
    [result] = evaluate_saved([lead], as_of=lifted_on)
    evaluation = apply_result(lead, result, as_of=lifted_on, trigger="reevaluated")
    return Notice.objects.create(declaration=lead, evaluation=evaluation, kind="change")


def test_a_notice_of_an_older_answer_is_not_sent_after_the_newer_one(locmem):
    lead, confirmation = submitted()
    change = later_answer(lead)
    assert notice_send(notice_id=change.pk) == "sent"
    # The confirmation's retry comes late: its "postponed" would be the last word.
    assert notice_send(notice_id=confirmation.pk) == "replaced"
    assert len(locmem) == 1 and "可以进返京" in locmem[0].body
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.sent_at) == ("replaced", None)


def test_a_batch_sends_only_the_latest_answer_of_each_declaration(locmem):
    from travellers.notices import notices_send

    lead, confirmation = submitted()
    change = later_answer(lead)
    _other, other_confirmation = submitted(id_number=CHILD_ID)
    assert notices_send(notice_ids=[confirmation.pk, change.pk, other_confirmation.pk]) == ([], [])
    statuses = dict(Notice.objects.values_list("id", "status"))
    assert statuses == {
        confirmation.pk: "replaced",
        change.pk: "sent",
        other_confirmation.pk: "sent",
    }
    assert len(locmem) == 2


def test_an_arrival_reports_email_says_which_measure_is_in_progress(locmem):
    _lead, notice = submitted(
        kind="arrival_report", arrival_date=(TODAY - timedelta(days=1)).isoformat()
    )
    message = notice_render(notice)
    for body in (message.body, message.alternatives[0][0]):
        assert "（进行中）" in body
    # Before travel no measure has begun: the dates alone say when each applies.
    _pre, pre_notice = submitted(id_number=CHILD_ID)
    assert "（进行中）" not in notice_render(pre_notice).body


def test_an_english_emails_html_marks_the_chinese_citation_as_chinese(locmem):
    _lead, notice = submitted(language="en")
    html = notice_render(notice).alternatives[0][0]
    assert 'Basis (official notice, in Chinese): <span lang="zh-Hans">' in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_leads_confirmation_names_the_companions_references(locmem, language):
    lead, notice = submitted(language=language, companions=[companion()])
    [child] = lead.saved_companions
    message = notice_render(notice)
    for body in (message.body, message.alternatives[0][0]):
        assert child.reference[:5] in body and child.masked_name in body
        assert CHILD_ID not in body
    separator = ": " if language == "en" else "："
    shown = format_reference(child.reference)
    assert f"- {child.masked_name}{separator}{shown}" in message.body
    # The companion's own mail is about them alone.
    own = Notice.objects.get(declaration=child)
    assert lead.reference[:5] not in notice_render(own).body


@pytest.mark.parametrize(
    ("language", "hello", "named", "whose"),
    [
        ("zh-hans", "您好！", "您好，", "以下是同行人{name}的申报结果（查询码 {reference}）。"),
        (
            "en",
            "Hello,",
            "Dear ",
            "Below is the result for your companion {name} (reference code {reference}).",
        ),
    ],
)
def test_mails_greet_neutrally_and_a_companions_says_whose_declaration_it_is(
    locmem, language, hello, named, whose
):
    lead, notice = submitted(language=language, companions=[companion()])
    [child] = lead.saved_companions
    own = notice_render(Notice.objects.get(declaration=child))
    for message in (notice_render(notice), own):
        for body in (message.body, message.alternatives[0][0]):
            # A masked name in the greeting ("您好，张*：") read as a bug.
            assert hello in body and named not in body
    # The child's mail reaches the lead's address: it does not say "your declaration".
    expected = whose.format(name=child.masked_name, reference=format_reference(child.reference))
    assert expected in own.body and expected in own.alternatives[0][0]
    assert "您的进返京申报已提交" not in own.body
    assert "Your declaration for travel" not in own.body


def test_a_runs_figures_count_its_replaced_notices(locmem):
    lead, _confirmation = submitted()
    later = date(2021, 8, 10)
    run = ReevaluationRun.objects.create(trigger="change", as_of=later)
    from policies.models import RiskArea

    RiskArea.objects.update(lifted_on=later)
    [result] = evaluate_saved([lead], as_of=later)
    evaluation = apply_result(lead, result, as_of=later, trigger="reevaluated", run=run)
    older = Notice.objects.create(declaration=lead, evaluation=evaluation, kind="change")
    # The lift is undone the next day: a newer answer, with its own notice.
    RiskArea.objects.update(lifted_on=None)
    [again] = evaluate_saved([lead], as_of=date(2021, 8, 11))
    newest = apply_result(lead, again, as_of=date(2021, 8, 11), trigger="reevaluated")
    Notice.objects.create(declaration=lead, evaluation=newest, kind="change")
    assert notice_send(notice_id=older.pk) == "replaced"
    run.refresh_from_db()
    assert (run.notices_sent, run.notices_failed, run.notices_replaced) == (0, 0, 1)


def test_a_change_mail_compares_with_the_last_answer_sent_not_a_replaced_one(locmem):
    from policies.models import RiskArea

    lead, confirmation = submitted()  # postponed
    assert notice_send(notice_id=confirmation.pk) == "sent"
    replaced = later_answer(lead)  # allowed: its notice will be overtaken
    RiskArea.objects.update(lifted_on=None)
    [again] = evaluate_saved([lead], as_of=date(2021, 8, 11))
    third = apply_result(lead, again, as_of=date(2021, 8, 11), trigger="reevaluated")
    newest = Notice.objects.create(declaration=lead, evaluation=third, kind="change")
    assert notice_send(notice_id=replaced.pk) == "replaced"
    body = notice_render(newest).body
    # The citizen was only ever told "postponed": no "原结果：可以进返京".
    assert "原结果：可以进返京" not in body
    # And "postponed" again is nothing new: the mail is not sent at all.
    sent_before = len(locmem)
    assert notice_send(notice_id=newest.pk) == "same"
    assert len(locmem) == sent_before


def test_a_batch_reads_its_leads_companions_once(locmem):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from travellers.notices import notices_send

    leads = [
        submitted(id_number=number, companions=[companion(id_number=child)])[0]
        for number, child in ((LEAD_ID, CHILD_ID), (COMPANION_ID, CHILD_ID))
    ]
    ids = list(Notice.objects.filter(declaration__in=leads).values_list("id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        assert notices_send(notice_ids=ids) == ([], [])
    companion_reads = [q for q in queries if '"lead_id" IN' in q["sql"]]
    assert len(companion_reads) == 1
    bodies = " ".join(message.body for message in locmem)
    assert all(lead.saved_companions[0].reference[:5] in bodies for lead in leads)


@pytest.fixture
def refusing_server(settings):
    """Real SMTP settings pointing at a port where nothing listens (refused at once)."""
    from travellers.notices import drop_mail_connection

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp_to(settings, port)
    yield
    drop_mail_connection()


def _three_confirmations() -> list[int]:
    for number in (LEAD_ID, COMPANION_ID, CHILD_ID):
        submitted(id_number=number)
    return list(Notice.objects.order_by("id").values_list("id", flat=True))


def test_a_batch_stops_at_a_server_that_does_not_answer_and_leaves_the_rest_untried(
    refusing_server,
):
    from travellers.notices import notices_send

    first, *rest = _three_confirmations()

    left = notices_send(notice_ids=[first, *rest])

    assert left == ([first], rest)
    notices = {n.pk: n for n in Notice.objects.all()}
    assert (notices[first].status, notices[first].attempts) == ("pending", 1)
    for notice_id in rest:
        # No attempt counted against them, but dated: the sweep leaves them to the batch.
        assert notices[notice_id].attempts == 0 and notices[notice_id].status == "pending"
        assert notices[notice_id].last_attempt_at is not None


def test_the_untried_rest_of_a_batch_is_queued_again_together_and_later_each_round(
    refusing_server,
):
    from travellers.tasks.notices import send_notices

    first, *rest = _three_confirmations()
    with (
        mock.patch("travellers.tasks.notices.send_notice.apply_async") as single,
        mock.patch("travellers.tasks.notices.send_notices.apply_async") as batch,
    ):
        assert send_notices.run([first, *rest], 2) == 0

    single.assert_called_once_with((first,), countdown=retry_countdown(0))
    batch.assert_called_once_with((rest, 3), countdown=retry_countdown(2))


def test_the_sweep_leaves_an_untried_rest_to_its_batch_and_queues_a_lost_one_once(
    refusing_server, settings
):
    from travellers import reevaluation
    from travellers.notices import notices_send

    settings.REEVALUATION_REQUEUE_AFTER = 600
    first, *rest = _three_confirmations()
    long_ago = timezone.now() - timedelta(hours=1)
    Notice.objects.update(created_at=long_ago)
    notices_send(notice_ids=[first, *rest])
    with mock.patch("travellers.tasks.notices.send_notice.delay") as queued:
        # The batch's retry is due within its backoff: the sweep leaves the rest to it.
        assert reevaluation.sweep(now=timezone.now() + timedelta(minutes=5))["notices"] == 0
        # That retry was lost: the sweep queues each once, not again on the next pass.
        later = timezone.now() + timedelta(minutes=11)
        assert reevaluation.sweep(now=later)["notices"] == len(rest)
        assert reevaluation.sweep(now=later + timedelta(minutes=1))["notices"] == 0
    assert sorted(call.args[0] for call in queued.call_args_list) == rest


def test_after_many_rounds_the_batchs_retry_is_due_before_the_sweep_calls_its_rest_lost(
    refusing_server, settings
):
    from travellers import reevaluation
    from travellers.tasks.notices import send_notices

    # The defaults: the sweep takes a never-tried notice for lost after 600 s, and the
    # backoff reaches its 600 s cap at the sixth round of a server that stays down.
    settings.REEVALUATION_REQUEUE_AFTER = 600
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT = 3600
    first, *rest = _three_confirmations()
    Notice.objects.update(created_at=timezone.now() - timedelta(hours=1))
    with (
        mock.patch("travellers.tasks.notices.send_notice.apply_async"),
        mock.patch("travellers.tasks.notices.send_notices.apply_async") as batch,
    ):
        send_notices.run([first, *rest], 5)
    countdown = batch.call_args.kwargs["countdown"]
    with mock.patch("travellers.tasks.notices.send_notice.delay") as queued:
        # The batch's retry came due and waits a little for a worker: its rest is not
        # queued one by one as well (each would wait out the timeout on its own).
        due = timezone.now() + timedelta(seconds=countdown + 30)
        assert reevaluation.sweep(now=due)["notices"] == 0
    queued.assert_not_called()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("zh-hans", "进京后，请及时主动向所在社区和工作单位报告"),
        ("en", "Once in Beijing, report without delay to your residential community and your"),
    ],
)
def test_the_confirmation_asks_everyone_to_report_to_their_community(locmem, language, said):
    # Seed 003: whoever comes to Beijing reports to their community and employer, whatever
    # the answer; a postponed traveller reads it for the day they do come.
    _lead, notice = submitted(language=language)
    assert notice_send(notice_id=notice.pk) == "sent"
    [message] = locmem
    assert message.body.count(said) == 1
    assert message.alternatives[0][0].count(said) == 1
