"""Writes of the citizen side: submit, amend and look up declarations.

Views, the API and tests call these with validated data
(``travellers.serializers``); every write runs in one transaction, and emails are
enqueued only after it commits (``transaction.on_commit``), by notice id.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from policies.engine import evaluate
from policies.snapshots import (
    NoPolicyInForce,
    data_stamp_query,
    declaration_facts_from_dict,
    risk_snapshot,
)
from portal.bulk_writes import insert_together, reserve_ids_beside
from travellers import pii
from travellers.evaluation import (
    RESULT_FIELDS,
    answer_changed,
    apply_result,
    facts_for,
    lookback_days_for,
    policy_for,
)
from travellers.models import (
    Declaration,
    DeclarationEvent,
    Evaluation,
    EvaluationTrigger,
    EventKind,
    Leg,
    Notice,
    NoticeKind,
)
from travellers.references import new_reference, normalise_reference

__all__ = [
    "IdempotencyKeyReused",
    "NoPolicyInForce",
    "declaration_amend",
    "declaration_lookup",
    "declaration_submit",
    "enqueue_notices",
]

# The facts a companion takes from the lead's form, and those of their own.
_SHARED_FACTS = (
    "kind",
    "arrival_date",
    "legs",
    "commuter",
    "home_quarantine_possible",
    "international_entry_date",
)
# What an amendment sets on a declaration: the shared travel facts, which an amended
# lead passes on to its companions (the legs go with them, as rows of their own), and
# each person's own health facts, which a companion keeps.
_SHARED_AMENDABLE = tuple(name for name in _SHARED_FACTS if name not in ("kind", "legs"))
_OWN_AMENDABLE = (
    "health_code",
    "contact_status",
    "last_contact_date",
    "nat_result",
    "nat_sampled_at",
)
_AMENDABLE_FIELDS = (*_SHARED_AMENDABLE, *_OWN_AMENDABLE)
_REFERENCE_ATTEMPTS = 3


def enqueue_notices(notice_ids: list[int]) -> None:
    """Send these notices once the current transaction commits. The request does not
    wait for the broker: ``notice_publisher`` publishes them from a background thread,
    a family's, or a busy moment's, together (``portal.batched_publish``)."""
    from travellers.tasks.notices import notice_publisher

    if notice_ids:
        ids = list(notice_ids)
        transaction.on_commit(lambda: notice_publisher.add(ids))


def _people(data: Mapping) -> list[dict]:
    """The lead's data, then each companion's: shared travel facts plus their own."""
    lead = dict(data)
    people = [lead]
    for companion in data.get("companions") or ():
        person = {key: lead.get(key) for key in _SHARED_FACTS}
        person.update(
            full_name=companion["full_name"],
            id_type=companion["id_type"],
            id_number=companion["id_number"],
            health_code=companion.get("health_code") or lead.get("health_code", "green"),
            nat_test=companion.get("nat_test"),
        )
        if companion.get("contact_status"):
            person["contact_status"] = companion["contact_status"]
            person["last_contact_date"] = companion.get("last_contact_date")
        else:
            person["contact_status"] = lead.get("contact_status", "none")
            person["last_contact_date"] = lead.get("last_contact_date")
        people.append(person)
    return people


def _nat_fields(person: Mapping) -> dict:
    nat = person.get("nat_test")
    if not nat:
        return {"nat_result": "", "nat_sampled_at": None}
    return {"nat_result": nat["result"], "nat_sampled_at": nat["sampled_at"]}


def _region_code(value) -> str:
    return getattr(value, "code", value)


class IdempotencyKeyReused(Exception):
    """The key names a declaration submitted with other contents."""


def _fingerprint(data: Mapping) -> str:
    """A keyed hash of the validated submission (no personal data leaves it readable)."""
    # Not the date it is evaluated for: a retry on the next day is the same submission.
    submitted = {name: value for name, value in data.items() if name != "as_of"}
    canonical = orjson.dumps(
        submitted,
        option=orjson.OPT_SORT_KEYS,
        default=lambda value: getattr(value, "pk", str(value)),
    )
    return pii.keyed_hash(canonical.decode())


def _by_key(key: uuid.UUID, fingerprint: str) -> Declaration | None:
    found = Declaration.objects.filter(idempotency_key=key).first()
    if found is not None:
        if found.idempotency_fingerprint not in ("", fingerprint):
            raise IdempotencyKeyReused(key)
        found.replayed = True
        found.saved_companions = list(found.companions.order_by("id"))
    return found


def _as_uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


_LOOKBACK: dict[tuple[int, str], int] = {}


def _lookback_days(policy, version_id: int) -> int:
    # Published versions are immutable: their longest look-back is computed once.
    key = (version_id, policy.code)
    if key not in _LOOKBACK:
        _LOOKBACK[key] = lookback_days_for(policy)
    return _LOOKBACK[key]


def declaration_submit(*, data: Mapping, idempotency_key, today: date | None = None) -> Declaration:
    """Save a declaration (and its companions), each evaluated with the policy in force.

    ``data``: ``DeclarationSerializer.validated_data``. ``idempotency_key``: a UUID (or
    its text) identifying the form; submitting the same key again returns the lead
    saved the first time and creates and sends nothing, also when two requests race:
    the unique key decides, the loser returns the winner. Returns the lead, with
    ``replayed`` True when an earlier request saved it, and ``saved_companions``.
    Raises ``NoPolicyInForce`` when no version is in force today, and
    ``IdempotencyKeyReused`` when the key was used before for other contents.

    Two round trips on PostgreSQL: one read (the engine data stamp and the new rows'
    keys), then one statement that writes every row (``insert_together``); inside an
    outer transaction that write is a savepoint.
    """
    key = _as_uuid(idempotency_key)
    fingerprint = _fingerprint(data)
    today = today or timezone.localdate()
    people = _people(data)
    facts = [declaration_facts_from_dict(person) for person in people]
    # The stamp says whether the policy and risk rows this process holds for today are
    # still those in the database (they are read again only when not); the keys let
    # every row be written in one statement, children naming their parents.
    stamp, keys = reserve_ids_beside(
        data_stamp_query(), [Declaration, Evaluation, Notice], len(people)
    )
    policy, version_id = policy_for(today, stamp=stamp)
    counties = {leg.region for one in facts for leg in one.legs}
    risk = risk_snapshot(on=today, counties=counties, stamp=stamp)
    results = [evaluate(one, policy, risk, today) for one in facts]
    lookback = _lookback_days(policy, version_id)

    # No look-up of the key first: the unique constraint answers a repeat in the same
    # statement that saves a new declaration, which is the common case.
    for attempt in range(_REFERENCE_ATTEMPTS):
        try:
            declarations = _save_people(
                data=data,
                people=people,
                results=results,
                key=key,
                fingerprint=fingerprint,
                keys=keys,
                today=today,
                version_id=version_id,
                lookback=lookback,
            )
        except IntegrityError:
            winner = _by_key(key, fingerprint)
            if winner is not None:
                return winner
            # Otherwise a drawn reference was taken already: draw again.
            if attempt == _REFERENCE_ATTEMPTS - 1:
                raise
        else:
            lead = declarations[0]
            lead.replayed = False
            lead.saved_companions = declarations[1:]
            return lead
    raise AssertionError("unreachable")


def _save_people(
    *, data, people, results, key, fingerprint, keys, today, version_id, lookback
) -> list[Declaration]:
    """Build every row of the submit and write them as one (``insert_together``).

    ``keys``: reserved primary keys of declarations, evaluations and notices, one per
    person (PostgreSQL), or Nones where the database assigns them.
    """
    now = timezone.now()
    declaration_ids, evaluation_ids, notice_ids = (
        ids or [None] * len(people) for ids in keys
    )
    shared = {
        "phone": data["phone"],
        "email": data["email"],
        "language": data.get("language") or settings.LANGUAGE_CODE,
        "residence_region_id": _region_code(data["residence_region"]),
        "community": data.get("community"),
        "attested_at": now,
    }
    declarations: list[Declaration] = []
    evaluations: list[Evaluation] = []
    lead = None
    for person, result, declaration_id, evaluation_id in zip(
        people, results, declaration_ids, evaluation_ids, strict=True
    ):
        declaration = Declaration(
            id=declaration_id,
            reference=new_reference(),
            idempotency_key=key if lead is None else None,
            idempotency_fingerprint=fingerprint if lead is None else "",
            lead=lead,
            kind=person["kind"],
            full_name=person["full_name"],
            id_type=person["id_type"],
            id_number=person["id_number"],
            arrival_date=person["arrival_date"],
            health_code=person.get("health_code") or "green",
            commuter=bool(person.get("commuter")),
            home_quarantine_possible=person.get("home_quarantine_possible", True),
            contact_status=person.get("contact_status") or "none",
            last_contact_date=person.get("last_contact_date"),
            international_entry_date=person.get("international_entry_date"),
            **_nat_fields(person),
            **shared,
        )
        evaluation = apply_result(
            declaration,
            result,
            as_of=today,
            trigger=EvaluationTrigger.SUBMITTED,
            save=False,
            version_id=version_id,
            lookback_days=lookback,
            now=now,
        )
        evaluation.id = evaluation_id
        lead = lead or declaration
        declarations.append(declaration)
        evaluations.append(evaluation)
    legs = [
        Leg(
            declaration=declaration,
            position=position,
            region_id=_region_code(leg["region"]),
            start_date=leg["start_date"],
            end_date=leg.get("end_date"),
        )
        for declaration, person in zip(declarations, people, strict=True)
        for position, leg in enumerate(person.get("legs") or ())
    ]
    events = [
        DeclarationEvent(
            declaration=declaration,
            kind=EventKind.SUBMITTED,
            created_at=now,
            data={
                "outcome": declaration.outcome,
                "policy_version": result.policy_code,
                "lead": None if declaration is lead else lead.reference,
            },
        )
        for declaration, result in zip(declarations, results, strict=True)
    ]
    notices = [
        Notice(
            id=notice_id,
            declaration=declaration,
            evaluation=evaluation,
            kind=NoticeKind.CONFIRMATION,
            created_at=now,
        )
        for declaration, evaluation, notice_id in zip(
            declarations, evaluations, notice_ids, strict=True
        )
        if declaration.email
    ]
    # The lead before its companions, which refer to it (elsewhere than on PostgreSQL
    # the database gives the lead its key first).
    insert_together([[lead], declarations[1:], legs, evaluations, events, notices])
    enqueue_notices([notice.pk for notice in notices])
    return declarations


def _legs_from(data: Mapping) -> list[dict]:
    return list(data.get("legs") or ())


def _amended_fields(data: Mapping) -> dict:
    """The declaration's field values an amendment gives (``_AMENDABLE_FIELDS``)."""
    return {
        "arrival_date": data["arrival_date"],
        "commuter": bool(data.get("commuter")),
        "home_quarantine_possible": data.get("home_quarantine_possible", True),
        "international_entry_date": data.get("international_entry_date"),
        "health_code": data.get("health_code") or "green",
        "contact_status": data.get("contact_status") or "none",
        "last_contact_date": data.get("last_contact_date"),
        **_nat_fields(data),
    }


@dataclass
class _Amended:
    """One declaration amended in memory, its rows not yet written."""

    declaration: Declaration
    legs: list[Leg]
    evaluation: Evaluation
    changed: bool


def _amend_one(
    declaration: Declaration,
    fields: Mapping,
    legs: list[dict],
    *,
    policy,
    risk,
    version_id: int,
    lookback: int,
    today: date,
    now,
) -> _Amended:
    """Give ``declaration`` these field values and legs and evaluate it again.

    Nothing is written: the caller saves the family's rows together. ``risk`` must
    cover the counties of ``legs``.
    """
    old_result = declaration.result or {}
    for field, value in fields.items():
        setattr(declaration, field, value)
    rows = [
        Leg(
            declaration=declaration,
            position=position,
            region_id=_region_code(leg["region"]),
            start_date=leg["start_date"],
            end_date=leg.get("end_date"),
        )
        for position, leg in enumerate(legs)
    ]
    result = evaluate(facts_for(declaration, legs=rows), policy, risk, today)
    evaluation = apply_result(
        declaration,
        result,
        as_of=today,
        trigger=EvaluationTrigger.AMENDED,
        save=False,
        version_id=version_id,
        lookback_days=lookback,
        now=now,
    )
    return _Amended(declaration, rows, evaluation, answer_changed(old_result, declaration.result))


@transaction.atomic
def declaration_amend(
    *, declaration: Declaration, data: Mapping, today: date | None = None
) -> Declaration:
    """Replace the itinerary and health facts, evaluate again and keep the history.

    ``data``: ``AmendmentSerializer.validated_data``. A lead's companions travel with
    it: they take the new shared travel facts (arrival date, legs, commuter, home
    quarantine, international entry date) and keep their own health code, test and
    contact status. Amending a companion (by its own reference) changes that
    companion alone. Each person amended is evaluated again with the same policy and
    risk snapshot and gets an Evaluation (trigger ``amended``) and an event; a change
    notice is queued, after commit, for each whose answer differs from the one before.

    Returns the declaration, with ``amended_companions`` (empty for a companion).
    A family is a handful of people: every table is written with one statement for
    all of them.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    # The declaration and, when it is a lead, its companions, locked together; nobody
    # has a companion's id as lead, so a companion comes alone.
    family = list(
        Declaration.objects.select_for_update()
        .filter(Q(pk=declaration.pk) | Q(lead_id=declaration.pk))
        .order_by("id")
    )
    current = next(person for person in family if person.pk == declaration.pk)
    companions = [person for person in family if person is not current]

    fields = _amended_fields(data)
    shared = {name: fields[name] for name in _SHARED_AMENDABLE}
    legs = _legs_from(data)
    policy, version_id = policy_for(today)
    risk = risk_snapshot(on=today, counties={_region_code(leg["region"]) for leg in legs})
    lookback = _lookback_days(policy, version_id)
    amended = [
        _amend_one(
            person,
            fields if person is current else shared,
            legs,
            policy=policy,
            risk=risk,
            version_id=version_id,
            lookback=lookback,
            today=today,
            now=now,
        )
        for person in [current, *companions]
    ]

    Leg.objects.filter(declaration_id__in=[person.pk for person in family]).delete()
    Leg.objects.bulk_create([leg for one in amended for leg in one.legs])
    Declaration.objects.bulk_update(family, [*_AMENDABLE_FIELDS, *RESULT_FIELDS])
    # Primary keys come back from the insert (PostgreSQL, SQLite 3.35+): the events name them.
    Evaluation.objects.bulk_create([one.evaluation for one in amended])
    DeclarationEvent.objects.bulk_create(
        DeclarationEvent(
            declaration=one.declaration,
            kind=EventKind.AMENDED,
            created_at=now,
            data={
                "evaluation": one.evaluation.pk,
                "outcome": one.declaration.outcome,
                "answer_changed": one.changed,
                "legs": len(one.legs),
            },
        )
        for one in amended
    )
    notices = Notice.objects.bulk_create(
        Notice(
            declaration=one.declaration,
            evaluation=one.evaluation,
            kind=NoticeKind.CHANGE,
            created_at=now,
        )
        for one in amended
        if one.changed and one.declaration.email
    )
    # A family's emails in one task.
    enqueue_notices([notice.pk for notice in notices])
    current.amended_companions = companions
    return current


@lru_cache(maxsize=4)
def _decoy_token(key_material: tuple) -> str:
    return pii.encrypt("10000000000")


def _decoy_phone_check(phone_last4: str) -> None:
    # Decrypt and compare as a real match would, so an unknown reference takes as long.
    decoy = Declaration(
        phone=pii.Sealed(
            _decoy_token((settings.SECRET_KEY, getattr(settings, "PII_ENCRYPTION_KEY", "")))
        )
    )
    decoy.phone_last4_matches(phone_last4)


def declaration_lookup(*, reference: str, phone_last4: str) -> Declaration | None:
    """The declaration with this reference when the phone's last four digits match.

    The reference is normalised as typed ("abcde-23456"); a wrong pair, a malformed
    and an unknown reference all give None, after the same work.
    """
    try:
        normalised = normalise_reference(reference)
    except ValidationError:
        normalised = None
    declaration = (
        Declaration.objects.select_related("policy_version").filter(reference=normalised).first()
        if normalised
        else None
    )
    if declaration is None:
        _decoy_phone_check(phone_last4)
        return None
    return declaration if declaration.phone_last4_matches(phone_last4) else None
