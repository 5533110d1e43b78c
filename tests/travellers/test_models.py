import uuid
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import isolate_apps

from policies.engine.types import Measure, Result
from policies.models import PolicyVersion, Region
from travellers import pii
from travellers.models import (
    AppendOnlyError,
    Community,
    Declaration,
    Evaluation,
    Leg,
    Notice,
    compute_live_until,
    longest_lookback_days,
)
from travellers.references import ALPHABET

ID_NUMBER = "110105199001011234"
PHONE = "13912345678"


@pytest.fixture
def district(db):
    region, _ = Region.objects.update_or_create(
        code="110105",
        defaults={"name": "朝阳区", "full_name": "北京市朝阳区", "level": "county"},
    )
    return region


@pytest.fixture
def policy(db):
    return PolicyVersion.objects.create(
        code="TEST-1", title="test", effective_from=date(2021, 8, 7), status="published"
    )


@pytest.fixture
def make_declaration(district, policy):
    def make(**overrides):
        fields = {
            "kind": "arrival_report",
            "full_name": "张三丰",
            "id_type": "resident_id",
            "id_number": ID_NUMBER,
            "phone": PHONE,
            "email": "zhang@example.com",
            "residence_region": district,
            "arrival_date": date(2021, 8, 2),
            "attested_at": "2021-08-08T09:00:00+08:00",
            "outcome": "allowed",
            "policy_version": policy,
            "result": {"outcome": "allowed"},
        }
        fields.update(overrides)
        return Declaration.objects.create(**fields)

    return make


def evaluation_for(declaration):
    return Evaluation.objects.create(
        declaration=declaration,
        trigger="submitted",
        outcome=declaration.outcome,
        policy_version=declaration.policy_version,
        result=declaration.result,
    )


def test_the_stored_row_holds_no_plaintext_identity_or_phone_number(make_declaration):
    declaration = make_declaration()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, phone, id_number_hash, phone_hash FROM travellers_declaration "
            "WHERE id = %s",
            [declaration.pk],
        )
        id_token, phone_token, id_hash, phone_hash = cursor.fetchone()
    assert ID_NUMBER not in id_token and ID_NUMBER[-6:] not in id_token
    assert PHONE not in phone_token and PHONE[-4:] not in phone_token
    assert pii.decrypt(id_token) == ID_NUMBER
    assert pii.decrypt(phone_token) == PHONE
    assert id_hash == pii.keyed_hash(ID_NUMBER)
    assert phone_hash == pii.keyed_hash(PHONE)


def test_values_queries_return_sealed_ciphertext(make_declaration):
    make_declaration()
    (row,) = Declaration.objects.values("id_number", "phone")
    assert isinstance(row["id_number"], pii.Sealed)
    assert ID_NUMBER not in row["id_number"].token
    assert ID_NUMBER not in repr(row)
    assert row["id_number"].reveal() == ID_NUMBER


def test_a_saved_declaration_keeps_no_plaintext_in_memory_or_in_its_repr(make_declaration):
    declaration = make_declaration()
    assert isinstance(declaration.id_number, pii.Sealed)
    assert isinstance(declaration.phone, pii.Sealed)
    for shown in (repr(declaration), str(declaration), repr(vars(declaration))):
        assert ID_NUMBER not in shown
        assert PHONE not in shown


def test_a_loaded_declaration_reveals_only_on_request(make_declaration):
    declaration = Declaration.objects.get(pk=make_declaration().pk)
    assert declaration.id_number.reveal() == ID_NUMBER
    assert declaration.masked_id_number == "1101**********1234"
    assert declaration.masked_phone == "139****5678"
    assert declaration.masked_name == "张*丰"


def test_saving_an_unchanged_declaration_keeps_its_token(make_declaration):
    declaration = Declaration.objects.get(pk=make_declaration().pk)
    token = declaration.id_number.token
    declaration.email = "other@example.com"
    declaration.save()
    assert Declaration.objects.values_list("id_number", flat=True).get().token == token


def test_changing_the_number_updates_its_hash(make_declaration):
    declaration = make_declaration()
    declaration.phone = "13800000000"
    declaration.save()
    assert Declaration.objects.with_phone("13800000000").get() == declaration
    assert not Declaration.objects.with_phone(PHONE).exists()


def test_declarations_are_found_by_keyed_hash(make_declaration):
    declaration = make_declaration()
    make_declaration(id_number="E12345678", id_type="passport", phone="13800000000")
    assert list(Declaration.objects.with_id_number(ID_NUMBER)) == [declaration]
    assert list(Declaration.objects.with_phone(PHONE)) == [declaration]


def test_bulk_create_encrypts_and_hashes_too(district, policy):
    rows = [
        Declaration(
            kind="pre_travel",
            full_name=f"Person {n}",
            id_type="passport",
            id_number=f"E0000000{n}",
            phone=PHONE,
            residence_region=district,
            arrival_date=date(2021, 8, 10),
            attested_at="2021-08-08T09:00:00+08:00",
            outcome="allowed",
            policy_version=policy,
        )
        for n in range(3)
    ]
    Declaration.objects.bulk_create(rows)
    stored = Declaration.objects.order_by("full_name")
    assert [d.id_number.reveal() for d in stored] == ["E00000000", "E00000001", "E00000002"]
    assert Declaration.objects.with_id_number("E00000001").get().full_name == "Person 1"


def test_an_empty_phone_stays_empty(make_declaration):
    declaration = make_declaration(phone="")
    assert Declaration.objects.values_list("phone", "phone_hash").get(pk=declaration.pk) == (
        "",
        "",
    )
    assert declaration.masked_phone == ""
    assert not declaration.phone_last4_matches("")


def test_phone_last4_matches_only_the_right_digits(make_declaration):
    declaration = Declaration.objects.get(pk=make_declaration().pk)
    assert declaration.phone_last4_matches("5678")
    assert declaration.phone_last4_matches(" 5678 ")
    for wrong in ("5679", "678", "45678", "", "abcd"):
        assert not declaration.phone_last4_matches(wrong)


def test_a_new_declaration_gets_a_valid_unique_reference(make_declaration):
    first, second = make_declaration(), make_declaration()
    assert len(first.reference) == 10 and set(first.reference) <= set(ALPHABET)
    assert first.reference != second.reference
    with pytest.raises(IntegrityError), transaction.atomic():
        make_declaration(reference=first.reference)


def test_a_duplicate_idempotency_key_is_refused_by_the_database(make_declaration):
    key = uuid.uuid4()
    make_declaration(idempotency_key=key)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_declaration(idempotency_key=key)
    assert Declaration.objects.count() == 1


def test_companions_share_the_form_without_a_key_of_their_own(make_declaration):
    lead = make_declaration(idempotency_key=uuid.uuid4())
    first = make_declaration(lead=lead, full_name="张小明")
    second = make_declaration(lead=lead, full_name="张小红")
    assert set(lead.companions.all()) == {first, second}
    with pytest.raises(IntegrityError), transaction.atomic():
        make_declaration(lead=lead, idempotency_key=uuid.uuid4())


def test_legs_keep_their_order_and_positions_are_unique(make_declaration, district):
    declaration = make_declaration()
    Leg.objects.create(
        declaration=declaration, position=2, region=district, start_date=date(2021, 7, 28)
    )
    Leg.objects.create(
        declaration=declaration,
        position=1,
        region=district,
        start_date=date(2021, 7, 20),
        end_date=date(2021, 7, 28),
    )
    assert [leg.position for leg in declaration.legs.all()] == [1, 2]
    with pytest.raises(IntegrityError), transaction.atomic():
        Leg.objects.create(
            declaration=declaration, position=1, region=district, start_date=date(2021, 7, 20)
        )


def test_a_leg_cannot_end_before_it_starts(make_declaration, district):
    with pytest.raises(IntegrityError), transaction.atomic():
        Leg.objects.create(
            declaration=make_declaration(),
            position=1,
            region=district,
            start_date=date(2021, 7, 28),
            end_date=date(2021, 7, 27),
        )


def test_one_notice_per_declaration_evaluation_and_kind(make_declaration):
    declaration = make_declaration()
    evaluation = evaluation_for(declaration)
    Notice.objects.create(declaration=declaration, evaluation=evaluation, kind="confirmation")
    Notice.objects.create(declaration=declaration, evaluation=evaluation, kind="change")
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(declaration=declaration, evaluation=evaluation, kind="change")
    later = evaluation_for(declaration)
    Notice.objects.create(declaration=declaration, evaluation=later, kind="change")
    assert declaration.notices.count() == 3


def test_evaluations_are_append_only(make_declaration):
    evaluation = evaluation_for(make_declaration())
    evaluation.outcome = "postponed"
    with pytest.raises(AppendOnlyError):
        evaluation.save()
    assert Evaluation.objects.get().outcome == "allowed"


def test_live_declarations_include_open_ended_ones(make_declaration):
    open_ended = make_declaration(live_until=None)
    current = make_declaration(live_until=date(2021, 8, 20))
    make_declaration(live_until=date(2021, 8, 19))
    assert set(Declaration.objects.live(on=date(2021, 8, 20))) == {open_ended, current}


def test_communities_belong_to_a_district(make_declaration, district):
    community = Community.objects.create(code="110105001001", name="某某社区", district=district)
    declaration = make_declaration(community=community)
    assert list(district.communities.all()) == [community]
    assert list(community.declarations.all()) == [declaration]


POLICY_PARAMS = [
    {"levels": ["high", "medium"], "days": 14, "applies_to": "pre_travel", "measures": []},
    {
        "levels": ["high"],
        "days": 14,
        "applies_to": "arrival_report",
        "measures": [
            {"kind": "central_observation", "days": 14},
            {"kind": "health_monitoring", "days": 7},
        ],
    },
    {"days": 21, "measures": [{"kind": "health_monitoring", "days": 21}], "conditions": []},
    {
        "close_contact": {
            "measures": [
                {"kind": "central_observation", "days": 14},
                {"kind": "health_monitoring", "days": 7},
                {"kind": "health_monitoring", "days": 3},
            ]
        }
    },
    {"hours": 48, "exempt_commuters": True},
]


def test_the_longest_lookback_spans_the_longest_rule_or_measure_chain():
    assert longest_lookback_days(POLICY_PARAMS[:2]) == 21
    assert longest_lookback_days(POLICY_PARAMS) == 24
    assert longest_lookback_days([{"days": 30, "measures": []}]) == 30
    assert longest_lookback_days([{"hours": 48}]) == 0
    assert longest_lookback_days([]) == 0


def result(outcome, entry_allowed_from=None, measures=()):
    return Result(
        outcome=outcome,
        entry_allowed_from=entry_allowed_from,
        measures=tuple(measures),
        conditions=(),
        reasons=(),
        policy_code="TEST-1",
        policy_effective_from=date(2021, 8, 7),
        next_review_on=None,
    )


def test_live_until_runs_from_the_last_measure_end():
    measures = [
        Measure("central_observation", date(2021, 8, 1), date(2021, 8, 14)),
        Measure("health_monitoring", date(2021, 8, 15), date(2021, 8, 21)),
    ]
    got = compute_live_until(
        arrival_date=date(2021, 8, 2),
        result=result("central_observation", measures=measures),
        lookback_days=21,
    )
    assert got == date(2021, 8, 21) + timedelta(days=21)


def test_live_until_runs_from_the_arrival_or_the_end_of_a_postponement():
    arrival = date(2021, 8, 10)
    allowed = compute_live_until(arrival_date=arrival, result=result("allowed"), lookback_days=14)
    assert allowed == date(2021, 8, 24)
    postponed = compute_live_until(
        arrival_date=arrival,
        result=result("postponed", entry_allowed_from=date(2021, 8, 15)),
        lookback_days=14,
    )
    assert postponed == date(2021, 8, 29)


def test_a_postponement_without_a_date_stays_live():
    got = compute_live_until(
        arrival_date=date(2021, 8, 10), result=result("postponed"), lookback_days=14
    )
    assert got is None


def test_the_migration_matches_the_models(db):
    call_command("makemigrations", "travellers", "--check", "--dry-run", verbosity=0)


@isolate_apps("travellers")
def test_a_hash_field_declared_before_its_encrypted_field_is_reported():
    class Misordered(models.Model):  # noqa: DJ008 (a throwaway model for the check)
        number_hash = models.CharField(max_length=64)
        number = pii.EncryptedTextField(hash_field="number_hash")

        class Meta:
            app_label = "travellers"

    class Ordered(models.Model):  # noqa: DJ008
        number = pii.EncryptedTextField(hash_field="number_hash")
        number_hash = models.CharField(max_length=64)

        class Meta:
            app_label = "travellers"

    errors = Misordered._meta.get_field("number").check()
    assert [e.id for e in errors] == ["travellers.E001"]
    assert Ordered._meta.get_field("number").check() == []
