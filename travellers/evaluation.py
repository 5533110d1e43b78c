"""Evaluating saved declarations: the bridge between ``Declaration`` rows and the engine.

Used on submit and amendment (``travellers.services``) and by the re-evaluation
pipeline, which evaluates thousands of rows with one policy and one risk snapshot:
nothing here runs a query per declaration when the legs are prefetched and the
snapshots and policy version id are passed in.

The stored result (``Declaration.result``, ``Evaluation.result``) is the evaluate
contract's dict (``policies.api.results.result_to_dict``) in the declaration's
language, with each reason also carrying ``text_zh`` and ``text_en`` so that a page
can show it in the language the reader switched to, and ``as_of``, the date it was
evaluated for; ``api_result`` strips those extras.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.utils import timezone

from policies.api.results import is_english, result_to_dict, with_english_place_names
from policies.engine import evaluate
from policies.engine.types import (
    DeclarationFacts,
    Leg,
    NatTest,
    PolicySnapshot,
    Result,
    RiskSnapshot,
)
from policies.models import PolicyRule, PolicyVersion
from policies.snapshots import NoPolicyInForce, local_date, policy_in_force, risk_snapshot
from travellers.models import (
    Declaration,
    Evaluation,
    EvaluationTrigger,
    compute_live_until,
    longest_lookback_days,
)

# The fields apply_result sets: for ``save(update_fields=...)`` and ``bulk_update``.
RESULT_FIELDS = (
    "outcome",
    "entry_allowed_from",
    "next_review_on",
    "live_until",
    "policy_version",
    "result",
    "evaluated_at",
    "updated_at",
)

# Only these define "the answer": a notice is owed when one of them changes.
_ANSWER_KEYS = ("outcome", "entry_allowed_from")


def facts_for(declaration: Declaration, legs: Iterable | None = None) -> DeclarationFacts:
    """The engine's view of a saved declaration.

    ``legs``: the declaration's ``Leg`` rows (or engine ``Leg``s) when already at hand;
    otherwise ``declaration.legs.all()``, which uses a ``prefetch_related("legs")``
    cache when there is one.
    """
    rows = declaration.legs.all() if legs is None else legs
    engine_legs = []
    for leg in sorted(rows, key=lambda row: (row.start_date, getattr(row, "position", 0))):
        if isinstance(leg, Leg):
            engine_legs.append(leg)
        else:
            engine_legs.append(Leg(leg.region_id, leg.start_date, leg.end_date))
    nat_test = None
    if declaration.nat_result and declaration.nat_sampled_at:
        nat_test = NatTest(declaration.nat_result, local_date(declaration.nat_sampled_at))
    return DeclarationFacts(
        kind=declaration.kind,
        arrival_date=declaration.arrival_date,
        health_code=declaration.health_code,
        commuter=declaration.commuter,
        home_quarantine_possible=declaration.home_quarantine_possible,
        contact_status=declaration.contact_status,
        last_contact_date=declaration.last_contact_date,
        international_entry_date=declaration.international_entry_date,
        nat_test=nat_test,
        legs=tuple(engine_legs),
    )


_SNAPSHOTS: dict[tuple, PolicySnapshot] = {}
# (date, engine data stamp) -> the answer of policy_for.
_IN_FORCE: dict[tuple, tuple[PolicySnapshot, int]] = {}


def policy_for(on: date, *, stamp: tuple[int, int] | None = None) -> tuple[PolicySnapshot, int]:
    """The version in force on ``on``, as a snapshot and its row id: one query when seen
    before in this process, none when ``stamp`` (``policies.snapshots.data_stamp()``) is
    the one under which this process last answered for ``on``.

    Published versions are immutable (their rules refuse changes), so a snapshot built
    once stays right, and reusing the same object lets the engine reuse its compiled
    form. Which version is in force is asked every time, unless the stamp says that no
    policy version or rule changed since.
    """
    if stamp is not None:
        found = _IN_FORCE.get((on, stamp))
        if found is None:
            found = _policy_for(on)
            if len(_IN_FORCE) >= 16:
                _IN_FORCE.clear()
            _IN_FORCE[(on, stamp)] = found
        return found
    return _policy_for(on)


def _policy_for(on: date) -> tuple[PolicySnapshot, int]:
    row = (
        PolicyVersion.objects.published()
        .filter(effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("id", "code", "effective_from")
        .first()
    )
    if row is None:
        raise NoPolicyInForce(on)
    snapshot = _SNAPSHOTS.get(row)
    if snapshot is None:
        snapshot = policy_in_force(on)
        if snapshot is None:
            raise NoPolicyInForce(on)
        if snapshot.code != row[1]:  # another version published in between: use, do not keep
            return snapshot, policy_version_id(snapshot.code)
        if len(_SNAPSHOTS) >= 16:
            _SNAPSHOTS.clear()
        _SNAPSHOTS[row] = snapshot
    return snapshot, row[0]


def snapshots_for(
    facts: Sequence[DeclarationFacts], *, as_of: date
) -> tuple[PolicySnapshot, RiskSnapshot]:
    """The policy in force on ``as_of`` and the risk data of the counties in ``facts``.

    Raises ``NoPolicyInForce`` when no published version has taken effect.
    """
    policy, _ = policy_for(as_of)
    counties = {leg.region for one in facts for leg in one.legs}
    return policy, risk_snapshot(on=as_of, counties=counties)


def evaluate_saved(
    declarations: Iterable[Declaration],
    *,
    as_of: date,
    policy: PolicySnapshot | None = None,
    risk: RiskSnapshot | None = None,
) -> list[Result]:
    """Evaluate saved declarations with one policy and one risk snapshot for the batch.

    Snapshots not given are built once for the whole batch (risk data limited to the
    batch's counties). Prefetch ``legs`` for a batch of more than a few.
    """
    facts = [facts_for(declaration) for declaration in declarations]
    if policy is None or risk is None:
        found_policy, found_risk = snapshots_for(facts, as_of=as_of) if facts else (None, None)
        policy = policy or found_policy
        risk = risk or found_risk
    return [evaluate(one, policy, risk, as_of) for one in facts]


def stored_result(result: Result, language: str) -> dict:
    """The result as stored on a declaration: the evaluate contract plus both reason texts."""
    data = result_to_dict(result, language)
    for reason_dict, reason in zip(data["reasons"], result.reasons, strict=True):
        reason_dict["text_zh"] = reason.text_zh
        reason_dict["text_en"] = reason.text_en
    return data


def api_result(stored: dict, language: str | None = None) -> dict:
    """A stored result in the evaluate contract's shape (for the API responses), its
    reason texts in ``language`` when given (else as stored: the declaration's)."""
    data = {key: value for key, value in stored.items() if key != "as_of"}
    english = is_english(language)
    data["reasons"] = [
        {
            **{key: value for key, value in reason.items() if key not in ("text_zh", "text_en")},
            **_reason_text_in(reason, language, english),
        }
        for reason in stored.get("reasons", ())
    ]
    return with_english_place_names(data) if english else data


def _reason_text_in(reason: dict, language: str | None, english: bool) -> dict:
    if not language:
        return {}
    text = reason.get("text_en") if english else reason.get("text_zh")
    return {"text": text} if text else {}


def _measures(result: dict) -> list[tuple]:
    return [(m["kind"], m["start"], m["end"]) for m in result.get("measures") or ()]


def _conditions(result: dict) -> list[str]:
    return [c["code"] for c in result.get("conditions") or ()]


def answer_changed(old_result: dict | None, new_result: dict) -> bool:
    """True when the citizen's answer differs: the headline, the entry date, any dated
    measure, or which conditions apply (a new one, such as a test on arrival for a city
    with cases, is something more to do). Whether a condition is met yet, the reasons
    and ``next_review_on`` alone do not make a new answer: the traveller's own test
    meeting one is no news to them."""
    if not old_result:
        return True
    if any(old_result.get(key) != new_result.get(key) for key in _ANSWER_KEYS):
        return True
    if _measures(old_result) != _measures(new_result):
        return True
    return _conditions(old_result) != _conditions(new_result)


def _reason_key(rule, region, risk_areas, designation, citation) -> tuple:
    return (rule, region, tuple(risk_areas or ()), designation or None, citation or "")


def reasons_changed(old_reasons: list[dict] | None, result: Result) -> bool:
    """True when ``result`` gives other reasons than the stored ones: another rule,
    county, risk area, designation or citation (the texts follow from these)."""
    old = [
        _reason_key(
            r.get("rule"),
            r.get("region"),
            r.get("risk_areas"),
            r.get("designation"),
            r.get("citation"),
        )
        for r in old_reasons or ()
    ]
    new = [
        _reason_key(r.rule, r.region, r.risk_areas, r.designation, r.citation)
        for r in result.reasons
    ]
    return old != new


def policy_version_id(code: str) -> int:
    return PolicyVersion.objects.values_list("id", flat=True).get(code=code)


def lookback_days_for(
    policy: PolicySnapshot | None = None, *, version_id: int | None = None
) -> int:
    """The longest look-back of a policy, from its snapshot or (one query) its rows."""
    if policy is not None:
        return longest_lookback_days(spec.params for spec in policy.rules)
    params = PolicyRule.objects.filter(version_id=version_id).values_list("params", flat=True)
    return longest_lookback_days(params)


def apply_result(
    declaration: Declaration,
    result: Result,
    *,
    as_of: date,
    trigger: str,
    change=None,
    run=None,
    save: bool = True,
    policy: PolicySnapshot | None = None,
    version_id: int | None = None,
    lookback_days: int | None = None,
    now=None,
) -> Evaluation | None:
    """Make ``result`` the declaration's current answer; return the history row it needs.

    An ``Evaluation`` is appended on submit and amendment, and otherwise only when the
    answer changed (``answer_changed``); None when nothing new is to be recorded.
    ``save=False`` leaves both unsaved for the caller to ``bulk_update`` the
    declarations (``RESULT_FIELDS``) and ``bulk_create`` the evaluations. Pass
    ``version_id`` and ``lookback_days`` (or ``policy``) in batches to save the queries
    that look them up. ``as_of`` is the evaluation date the result was computed for.
    """
    now = now or timezone.now()
    language = declaration.language
    new = stored_result(result, language)
    new["as_of"] = as_of.isoformat()
    old = declaration.result or {}
    if version_id is None:
        version_id = policy_version_id(result.policy_code)
    if lookback_days is None:
        lookback_days = lookback_days_for(policy, version_id=version_id)

    declaration.outcome = result.outcome
    declaration.entry_allowed_from = result.entry_allowed_from
    declaration.next_review_on = result.next_review_on
    declaration.live_until = compute_live_until(
        arrival_date=declaration.arrival_date, result=result, lookback_days=lookback_days
    )
    declaration.policy_version_id = version_id
    declaration.result = new
    declaration.evaluated_at = now
    declaration.updated_at = now

    evaluation = None
    always = trigger in (EvaluationTrigger.SUBMITTED, EvaluationTrigger.AMENDED)
    if always or answer_changed(old, new):
        evaluation = Evaluation(
            declaration=declaration,
            created_at=now,
            trigger=trigger,
            change=change,
            run=run,
            outcome=result.outcome,
            entry_allowed_from=result.entry_allowed_from,
            next_review_on=result.next_review_on,
            policy_version_id=version_id,
            result=new,
        )
    if save:
        declaration.save(update_fields=RESULT_FIELDS)
        if evaluation is not None:
            evaluation.save()
    return evaluation
