import threading
import uuid
from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from tests.travellers.api.payloads import (
    CHILD_ID,
    HIGH_RISK_COUNTY,
    LEAD_ID,
    OTHER_COUNTY,
    companion,
    declaration_payload,
    high_risk_area,
)
from travellers import pii, services
from travellers.models import Declaration, DeclarationEvent, Evaluation, Leg, Notice
from travellers.notices import notice_render
from travellers.serializers import AmendmentSerializer, DeclarationSerializer
from travellers.services import (
    IdempotencyKeyReused,
    NoPolicyInForce,
    declaration_amend,
    declaration_lookup,
    declaration_submit,
)

TODAY = date(2021, 8, 8)
SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def validated(payload, today=TODAY):
    serializer = DeclarationSerializer(data=payload, context={"today": today})
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data


def amendment(declaration, payload, today=TODAY):
    serializer = AmendmentSerializer(
        data=payload, context={"declaration": declaration, "today": today}
    )
    assert serializer.is_valid(), serializer.errors
    return serializer.validated_data


@pytest.fixture
def guangling_high():
    return high_risk_area(designated_on=date(2021, 7, 28))


@pytest.fixture
def queued():
    """Notice ids handed to the send tasks after commit (the tasks themselves not run)."""
    sent: list[int] = []
    with (
        mock.patch("travellers.tasks.notices.send_notice.delay", side_effect=sent.append),
        mock.patch("travellers.tasks.notices.send_notices.delay", side_effect=sent.extend),
    ):
        yield sent


def committed():
    """Run the on-commit callbacks of the block, as a real commit would."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def submit(payload, key=None, today=TODAY):
    data = validated(payload, today)
    with committed():
        return declaration_submit(data=data, idempotency_key=key or uuid.uuid4(), today=today)


def test_submit_saves_the_evaluated_declaration_with_legs_history_event_and_notice(
    guangling_high, queued
):
    payload = declaration_payload(today=TODAY)
    lead = submit(payload)

    assert lead.replayed is False
    lead.refresh_from_db()
    # Left Guangling on 08-01, the high-risk county: postponed until 08-15.
    assert lead.outcome == "postponed"
    assert lead.entry_allowed_from == date(2021, 8, 15)
    assert lead.policy_version.code == "BJ-2021-08-07"
    assert pii.plaintext(lead.id_number) == LEAD_ID
    assert [leg.region_id for leg in lead.legs.all()] == [HIGH_RISK_COUNTY, OTHER_COUNTY]
    [evaluation] = lead.evaluations.all()
    assert evaluation.trigger == "submitted"
    assert evaluation.outcome == "postponed"
    assert lead.events.get().kind == "submitted"
    [notice] = lead.notices.all()
    assert notice.kind == "confirmation"
    assert notice.evaluation == evaluation
    assert queued == [notice.pk]


def test_the_event_data_holds_no_personal_data(guangling_high, queued):
    submit(declaration_payload(today=TODAY))
    text = str(list(DeclarationEvent.objects.values_list("data", flat=True)))
    assert LEAD_ID not in text and "13912345678" not in text and "张三丰" not in text


def test_companions_get_their_own_declaration_and_answer(guangling_high, queued):
    payload = declaration_payload(
        today=TODAY,
        companions=[
            companion(),
            companion(
                full_name="王五",
                id_type="passport",
                id_number="E7654321",
                contact_status="close_contact",
                last_contact_date="2021-08-05",
            ),
        ],
    )
    payload["legs"] = [
        {"region": OTHER_COUNTY, "start_date": "2021-07-30", "end_date": "2021-08-06"}
    ]
    lead = submit(payload)

    assert Declaration.objects.count() == 3
    child, contact = lead.companions.order_by("id")
    assert lead.outcome == "allowed"
    assert child.outcome == "allowed"
    assert pii.plaintext(child.id_number) == CHILD_ID
    # A close contact: central observation from the last contact, so postponed.
    assert contact.outcome == "postponed"
    for person in (child, contact):
        assert person.idempotency_key is None
        assert person.reference != lead.reference
        assert [leg.region_id for leg in person.legs.all()] == [OTHER_COUNTY]
        assert person.arrival_date == lead.arrival_date
        assert person.phone_last4_matches("5678")
        assert person.evaluations.count() == 1
    assert Notice.objects.count() == 3
    assert len(queued) == 3


def test_the_same_idempotency_key_returns_the_first_lead_and_creates_nothing(
    guangling_high, queued
):
    key = uuid.uuid4()
    payload = declaration_payload(today=TODAY, companions=[companion()])
    first = submit(payload, key=key)
    counts = (Declaration.objects.count(), Evaluation.objects.count(), Notice.objects.count())

    again = submit(payload, key=str(key))

    assert again.pk == first.pk
    assert again.replayed is True
    assert counts == (
        Declaration.objects.count(),
        Evaluation.objects.count(),
        Notice.objects.count(),
    )
    assert len(queued) == 2  # the two confirmations of the first submit only


def test_the_same_key_with_other_contents_is_refused_and_creates_nothing(guangling_high, queued):
    key = uuid.uuid4()
    submit(declaration_payload(today=TODAY), key=key)
    counts = (Declaration.objects.count(), Evaluation.objects.count(), Notice.objects.count())

    with pytest.raises(IdempotencyKeyReused):
        submit(declaration_payload(today=TODAY, full_name="另一个人"), key=key)

    assert counts == (
        Declaration.objects.count(),
        Evaluation.objects.count(),
        Notice.objects.count(),
    )
    assert len(queued) == 1


def test_the_same_submission_retried_on_the_next_day_is_still_a_repeat(guangling_high, queued):
    key = uuid.uuid4()
    payload = declaration_payload(today=TODAY)
    first = submit(payload, key=key)
    again = submit(payload, key=key, today=TODAY + timedelta(days=1))
    assert again.pk == first.pk and again.replayed is True


def test_a_repeated_key_is_answered_by_the_unique_constraint(guangling_high, queued):
    key = uuid.uuid4()
    data = validated(declaration_payload(today=TODAY))
    with committed():
        winner = declaration_submit(data=data, idempotency_key=key, today=TODAY)
    with committed():
        again = declaration_submit(data=data, idempotency_key=key, today=TODAY)
    assert again.pk == winner.pk
    assert again.replayed is True
    assert again.saved_companions == []
    assert Declaration.objects.count() == 1
    assert len(queued) == 1


def test_a_reference_collision_draws_a_new_reference(guangling_high, queued):
    taken = submit(declaration_payload(today=TODAY)).reference
    drawn = iter([taken, "ABCDE23456"])
    with mock.patch("travellers.services.new_reference", side_effect=lambda: next(drawn)):
        lead = submit(declaration_payload(today=TODAY))
    assert lead.reference == "ABCDE23456"
    assert Declaration.objects.count() == 2


def test_repeated_collisions_give_up_with_the_integrity_error(guangling_high, queued):
    taken = submit(declaration_payload(today=TODAY)).reference
    with (
        mock.patch("travellers.services.new_reference", return_value=taken),
        pytest.raises(IntegrityError),
    ):
        submit(declaration_payload(today=TODAY))
    assert Declaration.objects.count() == 1


def test_no_policy_in_force_raises_and_stores_nothing(queued):
    early = date(2021, 1, 10)
    payload = declaration_payload(today=early)
    with pytest.raises(NoPolicyInForce):
        submit(payload, today=early)
    assert Declaration.objects.count() == 0


def test_amend_replaces_legs_reevaluates_and_notifies_a_changed_answer(guangling_high, queued):
    lead = submit(declaration_payload(today=TODAY))
    assert lead.outcome == "postponed"
    queued.clear()

    changes = amendment(
        lead,
        {
            "arrival_date": "2021-08-10",
            "health_code": "green",
            "legs": [
                {"region": OTHER_COUNTY, "start_date": "2021-07-25", "end_date": "2021-08-06"}
            ],
        },
    )
    with committed():
        amended = declaration_amend(declaration=lead, data=changes, today=TODAY)

    assert amended.outcome == "allowed"
    assert [leg.region_id for leg in amended.legs.all()] == [OTHER_COUNTY]
    assert Leg.objects.filter(region_id=HIGH_RISK_COUNTY).count() == 0
    history = list(amended.evaluations.order_by("id").values_list("trigger", "outcome"))
    assert history == [("submitted", "postponed"), ("amended", "allowed")]
    assert amended.events.filter(kind="amended").get().data["answer_changed"] is True
    notice = amended.notices.get(kind="change")
    assert queued == [notice.pk]


def test_amend_without_a_new_answer_keeps_history_but_sends_nothing(guangling_high, queued):
    lead = submit(declaration_payload(today=TODAY))
    queued.clear()
    sampled = datetime(2021, 8, 8, 8, tzinfo=SHANGHAI)
    payload = declaration_payload(today=TODAY)
    changes = amendment(
        lead,
        {
            "arrival_date": payload["arrival_date"],
            "legs": payload["legs"],
            "nat_test": {"result": "negative", "sampled_at": sampled.isoformat()},
        },
    )
    with committed():
        amended = declaration_amend(declaration=lead, data=changes, today=TODAY)
    assert amended.nat_result == "negative"
    assert amended.evaluations.count() == 2
    assert not amended.notices.filter(kind="change").exists()
    assert queued == []


CONTACT = {
    "full_name": "王五",
    "id_type": "passport",
    "id_number": "E7654321",
    "health_code": "yellow",
    "contact_status": "close_contact",
    "last_contact_date": "2021-08-05",
}
# The family's amendment: the risk-county leg removed, a later arrival, and a test
# result of the lead's own.
WITHOUT_THE_RISK_LEG = {
    "arrival_date": "2021-08-12",
    "health_code": "green",
    "nat_test": {"result": "negative", "sampled_at": "2021-08-08T08:00:00+08:00"},
    "legs": [{"region": OTHER_COUNTY, "start_date": "2021-07-25", "end_date": "2021-08-06"}],
}


def submit_family():
    """A lead with a child (the lead's health facts) and a close contact of their own;
    all three stayed in the high-risk county, so all three are postponed."""
    lead = submit(declaration_payload(today=TODAY, companions=[companion(), companion(**CONTACT)]))
    child, contact = lead.saved_companions
    return lead, child, contact


def amend(declaration, payload):
    changes = amendment(declaration, payload)
    with committed():
        return declaration_amend(declaration=declaration, data=changes, today=TODAY)


def test_amending_a_lead_moves_its_companions_itinerary_and_answers(guangling_high, queued):
    lead, child, contact = submit_family()
    assert [lead.outcome, child.outcome, contact.outcome] == ["postponed"] * 3
    contact_answer = (contact.entry_allowed_from, contact.result["measures"])

    amended = amend(lead, WITHOUT_THE_RISK_LEG)

    assert [person.pk for person in amended.amended_companions] == [child.pk, contact.pk]
    for person in (lead, child, contact):
        person.refresh_from_db()
        assert person.arrival_date == date(2021, 8, 12)
        assert [leg.region_id for leg in person.legs.all()] == [OTHER_COUNTY]
    assert not Leg.objects.filter(region_id=HIGH_RISK_COUNTY).exists()
    assert lead.outcome == child.outcome == "allowed"
    # Still a close contact: central observation from the last contact, whatever the legs.
    assert contact.outcome == "postponed"
    assert (contact.entry_allowed_from, contact.result["measures"]) == contact_answer


def test_amending_a_lead_keeps_each_companions_own_health_facts(guangling_high, queued):
    lead, child, contact = submit_family()

    amend(lead, WITHOUT_THE_RISK_LEG)

    lead.refresh_from_db()
    child.refresh_from_db()
    contact.refresh_from_db()
    assert lead.nat_result == "negative"
    assert (child.health_code, child.contact_status, child.nat_result) == ("green", "none", "")
    assert child.nat_sampled_at is None
    assert (contact.health_code, contact.contact_status) == ("yellow", "close_contact")
    assert contact.last_contact_date == date(2021, 8, 5)
    assert contact.nat_result == ""


def test_amending_a_lead_records_an_evaluation_and_an_event_for_each_of_the_family(
    guangling_high, queued
):
    lead, child, contact = submit_family()

    with (
        mock.patch("travellers.services.policy_for", wraps=services.policy_for) as policy,
        mock.patch("travellers.services.risk_snapshot", wraps=services.risk_snapshot) as risk,
    ):
        amend(lead, WITHOUT_THE_RISK_LEG)

    # One policy and one risk snapshot for the whole family.
    policy.assert_called_once()
    risk.assert_called_once()
    changed = {lead.pk: True, child.pk: True, contact.pk: False}
    for person in (lead, child, contact):
        history = list(person.evaluations.order_by("id").values_list("trigger", "outcome"))
        assert [trigger for trigger, _outcome in history] == ["submitted", "amended"]
        amended = person.evaluations.get(trigger="amended")
        event = person.events.get(kind="amended")
        assert event.data == {
            "evaluation": amended.pk,
            "outcome": amended.outcome,
            "answer_changed": changed[person.pk],
            "legs": 1,
        }


def test_amending_a_lead_notifies_only_those_whose_answer_changed_in_one_task(
    guangling_high, queued
):
    lead, child, _contact = submit_family()

    with (
        mock.patch("travellers.tasks.notices.send_notices.delay") as batch,
        mock.patch("travellers.tasks.notices.send_notice.delay") as single,
    ):
        amend(lead, WITHOUT_THE_RISK_LEG)

    notices = Notice.objects.filter(kind="change")
    assert sorted(notices.values_list("declaration_id", flat=True)) == [lead.pk, child.pk]
    assert all(notice.evaluation.trigger == "amended" for notice in notices)
    batch.assert_called_once()
    assert sorted(batch.call_args.args[0]) == sorted(notice.pk for notice in notices)
    single.assert_not_called()


def test_amending_a_companion_changes_that_companion_alone(guangling_high, queued):
    lead, child, contact = submit_family()
    before = {
        person.pk: (person.arrival_date, person.outcome, person.result) for person in (lead, child)
    }
    queued.clear()

    amended = amend(
        contact,
        {
            **WITHOUT_THE_RISK_LEG,
            "health_code": "green",
            "contact_status": "none",
        },
    )

    assert amended.pk == contact.pk
    assert amended.amended_companions == []
    contact.refresh_from_db()
    assert (contact.outcome, contact.contact_status, contact.health_code) == (
        "allowed",
        "none",
        "green",
    )
    for person in (lead, child):
        person.refresh_from_db()
        assert (person.arrival_date, person.outcome, person.result) == before[person.pk]
        assert [leg.region_id for leg in person.legs.all()] == [HIGH_RISK_COUNTY, OTHER_COUNTY]
        assert list(person.evaluations.values_list("trigger", flat=True)) == ["submitted"]
        assert not person.events.filter(kind="amended").exists()
    assert queued == [Notice.objects.get(kind="change").pk]
    assert Notice.objects.get(kind="change").declaration_id == contact.pk


def test_amending_a_family_takes_as_many_queries_as_amending_one_person(guangling_high, queued):
    alone = submit(declaration_payload(today=TODAY, id_number="110105199003071239"))
    lead, _child, _contact = submit_family()

    counts = []
    for declaration in (alone, lead):
        changes = amendment(declaration, WITHOUT_THE_RISK_LEG)
        with CaptureQueriesContext(connection) as queries, committed():
            declaration_amend(declaration=declaration, data=changes, today=TODAY)
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_lookup_finds_the_declaration_with_the_right_phone_digits(guangling_high, queued):
    lead = submit(declaration_payload(today=TODAY))
    spaced = f"{lead.reference[:5].lower()}-{lead.reference[5:]}"
    assert declaration_lookup(reference=spaced, phone_last4="5678") == lead
    assert declaration_lookup(reference=lead.reference, phone_last4="5679") is None
    assert declaration_lookup(reference=lead.reference, phone_last4="") is None
    assert declaration_lookup(reference="ZZZZZ22222", phone_last4="5678") is None
    assert declaration_lookup(reference="O0O0", phone_last4="5678") is None


def test_lookup_of_an_unknown_reference_still_compares_a_phone(guangling_high, queued):
    submit(declaration_payload(today=TODAY))
    with mock.patch.object(
        Declaration, "phone_last4_matches", autospec=True, return_value=False
    ) as compare:
        declaration_lookup(reference="ZZZZZ22222", phone_last4="5678")
    assert compare.call_count == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_submits_with_one_key_store_one_declaration():
    if connection.vendor == "sqlite":
        pytest.skip("needs concurrent writers (PostgreSQL); the repeated-key test covers the logic")
    high_risk_area(designated_on=date(2021, 7, 28))
    key = uuid.uuid4()
    data = validated(declaration_payload(today=TODAY))
    barrier = threading.Barrier(2)
    leads = []

    def run():
        barrier.wait()
        with mock.patch("travellers.tasks.notices.send_notice.delay"):
            leads.append(declaration_submit(data=data, idempotency_key=key, today=TODAY).pk)
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(leads)) == 1
    assert Declaration.objects.count() == 1


def test_a_companions_change_email_does_not_say_they_changed_it_themselves(guangling_high, queued):
    lead, child, _contact = submit_family()
    amend(lead, WITHOUT_THE_RISK_LEG)

    by_person = {
        notice.declaration_id: notice_render(notice)
        for notice in Notice.objects.filter(kind="change")
    }
    assert "您修改了申报内容。" in by_person[lead.pk].body
    assert "您修改了申报内容。" not in by_person[child.pk].body
    # The mail reaches the lead's address: whose declaration it is, and who changed what.
    assert "申报人修改了共同的行程或抵京日期。" in by_person[child.pk].body
    assert f"同行人{child.masked_name}的申报" in by_person[child.pk].body
    assert "您好，" not in by_person[child.pk].body and "您好！" in by_person[child.pk].body
    # Everyone is asked to report, in the change mail as in the confirmation.
    assert "温馨提示（所有进返京人员）" in by_person[lead.pk].body


def test_a_companion_amended_under_its_own_reference_is_not_said_to_be_the_leads_change(
    guangling_high, queued
):
    _lead, child, _contact = submit_family()
    amend(child, WITHOUT_THE_RISK_LEG)

    [notice] = Notice.objects.filter(kind="change", declaration=child)
    body = notice_render(notice).body
    assert "已用同行人的查询码修改了申报内容。" in body
    assert "申报人修改了" not in body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_amendment_made_while_a_chunk_runs_is_not_undone_by_the_chunk():
    if connection.vendor == "sqlite":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    from policies.models import RiskArea
    from travellers import reevaluation
    from travellers.models import RunChunk, RunTrigger

    with mock.patch("travellers.services.enqueue_notices"):
        lead = submit(declaration_payload(today=TODAY))
    assert lead.outcome == "allowed"
    # Designated since: the run will postpone the trip as submitted.
    RiskArea.objects.create(
        region_id=HIGH_RISK_COUNTY, name="某小区", level="high", designated_on=date(2021, 7, 28)
    )
    with mock.patch.object(reevaluation, "_enqueue_chunks_on_commit"):
        run = reevaluation.start_run(trigger=RunTrigger.MANUAL, ids=[lead.pk], on=TODAY)
    chunk_id = RunChunk.objects.get(run=run).pk
    loaded, proceed = threading.Event(), threading.Event()
    real_load = reevaluation._load_facts

    def load_then_wait(ids):
        facts = real_load(ids)
        loaded.set()
        proceed.wait(timeout=5)
        return facts

    def run_chunk():
        with (
            mock.patch.object(reevaluation, "_load_facts", load_then_wait),
            mock.patch.object(reevaluation, "_send_notices_on_commit"),
        ):
            reevaluation.process_chunk(chunk_id=chunk_id)
        connection.close()

    def amend_trip():
        changes = amendment(lead, WITHOUT_THE_RISK_LEG)
        with mock.patch("travellers.services.enqueue_notices"):
            declaration_amend(declaration=lead, data=changes, today=TODAY)
        connection.close()

    chunk = threading.Thread(target=run_chunk)
    chunk.start()
    assert loaded.wait(timeout=10)
    citizen = threading.Thread(target=amend_trip)
    citizen.start()
    # Unlocked, the amendment committed here, and the chunk then wrote its answer for
    # the trip as it was before.
    citizen.join(timeout=1)
    proceed.set()
    chunk.join()
    citizen.join()
    lead.refresh_from_db()
    assert [leg.region_id for leg in lead.legs.all()] == [OTHER_COUNTY]
    assert lead.outcome == "allowed"


def test_the_mail_answering_an_amendment_says_what_the_trip_now_is(guangling_high, queued):
    lead = submit(declaration_payload(today=TODAY))
    amend(lead, WITHOUT_THE_RISK_LEG)
    notice = Notice.objects.get(declaration=lead, kind="change")
    message = notice_render(notice)
    for body in (message.body, message.alternatives[0][0]):
        assert "修改后的抵京日期：2021年8月12日" in body
        assert "湖北省武汉市江夏区" in body and "江苏省扬州市广陵区" not in body
