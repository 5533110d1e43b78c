"""Re-evaluating saved declarations when risk data, the policy or the calendar moves on.

The flow (tasks in ``travellers.tasks.reevaluation`` only call these functions):

1. ``policies`` writes a ``RiskDataChange`` row with every risk-data write and, after
   commit, calls :func:`enqueue_change` (registered in ``TravellersConfig.ready``).
   A broker that is down is logged, never raised: the every-minute :func:`sweep`
   enqueues whatever is still unprocessed, so an outage delays, never loses.
2. :func:`process_change` claims the row once (``processed_at``), creates a run and
   selects the candidates set-wise (:func:`candidate_ids`), split into ``RunChunk``
   rows of ``REEVALUATION_CHUNK_SIZE`` ids, each fanned out as one task.
3. :func:`process_chunk` claims its chunk (``done_at``) in the same transaction as its
   writes, so a redelivered task writes nothing. It evaluates the chunk with one
   policy and one risk snapshot and writes only the answers that changed: evaluation
   rows, the declarations' current fields, one notice each, the run's counters.
4. Safety valve. Only runs with more candidates than ``REEVALUATION_HOLD_THRESHOLD``
   can exceed it, so those (and only those) run a *stage* phase first: every chunk
   evaluates and counts, writing nothing a citizen sees. When the stage is done the
   run is held if more answers would change than the threshold (a staff member then
   approves or discards it in the admin), or else applied at once. Applying, after a
   stage or an approval, re-evaluates the staged declarations with the data of that
   day, so an approval given days later never writes a stale answer.
5. :func:`daily_review` (00:05 Asia/Shanghai) re-evaluates declarations whose
   ``next_review_on`` has come, and records one ``dates_passed`` change for counties
   whose risk areas or designations start or stop mattering today, leaving out those
   a change row of today already covers (each county is processed once a day).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from policies.engine import evaluate
from policies.engine.types import DeclarationFacts, NatTest
from policies.engine.types import Leg as EngineLeg
from policies.models import ChangeKind, Designation, RiskArea, RiskDataChange
from policies.regions import region_table
from policies.services.changes import record_change
from policies.snapshots import (
    NoPolicyInForce,
    data_stamp,
    local_date,
    risk_snapshot,
)
from portal.bulk_writes import (
    JsonText,
    commit_without_flush,
    insert_rows,
    reserve_ids,
    update_rows,
)
from travellers import evaluation
from travellers.models import (
    ChunkPhase,
    Declaration,
    Evaluation,
    EvaluationTrigger,
    Leg,
    Notice,
    NoticeKind,
    NoticeStatus,
    ReevaluationRun,
    RunChunk,
    RunStatus,
    RunTrigger,
    compute_live_until,
    longest_lookback_days,
)
from travellers.notices import CLAIM_TIMEOUT

logger = logging.getLogger(__name__)

# Runs a staff member may hold back; the daily review only lets time pass.
HOLDABLE_TRIGGERS = (RunTrigger.CHANGE, RunTrigger.POLICY)
# Chunks whose task has not finished after this long are enqueued again by the sweep.
DEFAULT_REQUEUE_AFTER = timedelta(minutes=10)


def hold_threshold() -> int:
    return settings.REEVALUATION_HOLD_THRESHOLD


def chunk_size() -> int:
    return max(1, settings.REEVALUATION_CHUNK_SIZE)


# -- triggers ---------------------------------------------------------------------


def enqueue_change(change_id: int) -> None:
    """The ``CHANGE_LISTENERS`` entry: runs after the staff save committed."""
    from travellers.tasks.reevaluation import process_change as task

    _enqueue(task, change_id, what=f"change {change_id}")


def _enqueue(task, *args, what: str) -> bool:
    try:
        task.delay(*args)
    except Exception:
        # The broker settings give up within seconds; the row stays for the sweep.
        logger.exception("Could not enqueue %s; the sweep will enqueue it again", what)
        return False
    return True


def _enqueue_chunks_on_commit(chunk_ids: Sequence[int]) -> None:
    from travellers.tasks.reevaluation import reevaluate_chunk

    def send():
        for chunk_id in chunk_ids:
            _enqueue(reevaluate_chunk, chunk_id, what=f"chunk {chunk_id}")

    if chunk_ids:
        transaction.on_commit(send)


# -- candidates -------------------------------------------------------------------


def leg_region_codes(codes: Iterable[str]) -> list[str]:
    """The region codes a leg in ``codes`` can carry: a county itself, every code of a
    prefecture or province (retired ones included), from the in-process region table.

    Spelled out rather than matched by prefix so that the leg index (region, end_date)
    serves the search: a LIKE on the code cannot use it.
    """
    table = region_table()
    found: set[str] = set()
    for code in codes:
        if code.endswith("0000") or code.endswith("00"):
            found.update(other for other in table if _contains(code, other))
        else:
            found.add(code)
    return sorted(found)


def _contains(outer: str, inner: str) -> bool:
    if outer.endswith("0000"):
        return inner.startswith(outer[:2])
    if outer.endswith("00"):
        return inner.startswith(outer[:4])
    return inner == outer


def lookback_days(on: date) -> int:
    """The longest look-back of the policy in force on ``on`` (0 before any): from the
    process's copy while the engine data stamp stands."""
    try:
        policy, _version_id = evaluation.policy_for(on, stamp=data_stamp())
    except NoPolicyInForce:
        return 0
    return longest_lookback_days(rule.params for rule in policy.rules)


def candidate_ids(*, region_codes: Iterable[str], on: date, lookback: int) -> list[int]:
    """Live declarations with a leg in the regions that ended within ``lookback`` days.

    Runs on the leg index (region, end_date) joined to the live declarations: never a
    scan of every declaration. Ids come back sorted and distinct.
    """
    codes = list(region_codes)
    if not codes:
        return []
    legs = (
        Leg.objects.filter(region_id__any_of=leg_region_codes(codes))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on - timedelta(days=lookback)))
        .filter(Q(declaration__live_until__isnull=True) | Q(declaration__live_until__gte=on))
    )
    return list(legs.order_by("declaration_id").values_list("declaration_id", flat=True).distinct())


def live_ids(*, on: date) -> list[int]:
    return list(Declaration.objects.live(on=on).order_by("id").values_list("id", flat=True))


def due_for_review_ids(*, on: date) -> list[int]:
    return list(
        Declaration.objects.filter(next_review_on__lte=on)
        .order_by("id")
        .values_list("id", flat=True)
    )


# -- runs -------------------------------------------------------------------------


def process_change(*, change_id: int) -> ReevaluationRun | None:
    """Claim a due change row once and start its run; None when there is nothing to do."""
    today = timezone.localdate()
    with transaction.atomic():
        change = RiskDataChange.objects.filter(id=change_id).first()
        if change is None or change.processed_at is not None or change.effective_on > today:
            # Not due yet: the sweep enqueues it again on its day.
            return None
        now = timezone.now()
        # The claim: a second delivery (or the sweep racing the save) updates nothing.
        if not RiskDataChange.objects.filter(id=change_id, processed_at=None).update(
            processed_at=now
        ):
            return None
        trigger = (
            RunTrigger.POLICY if change.kind == ChangeKind.POLICY_PUBLISHED else RunTrigger.CHANGE
        )
        run = ReevaluationRun.objects.create(
            trigger=trigger,
            change=change,
            as_of=today,
            status=RunStatus.RUNNING,
            hold_threshold=hold_threshold(),
            started_at=now,
        )
        try:
            if change.all_regions:
                ids = live_ids(on=today)
            else:
                ids = candidate_ids(
                    region_codes=change.region_codes, on=today, lookback=lookback_days(today)
                )
        except DatabaseError:
            raise  # rolls the claim back: the task retries
        except Exception as exc:
            # Record why on the run; the change stays claimed so it is not retried blindly.
            run.status = RunStatus.FAILED
            run.error = f"{type(exc).__name__}: {exc}"
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "error", "finished_at"])
            logger.exception("Run %s failed selecting candidates", run.pk)
            return run
        phase = ChunkPhase.STAGE if len(ids) > run.hold_threshold else ChunkPhase.APPLY
        _plan(run, ids, phase=phase)
    return run


def start_run(
    *, trigger: str, ids: Sequence[int], on: date | None = None, change=None
) -> ReevaluationRun:
    """A run over explicit declaration ids (the daily review, a manual run)."""
    today = on or timezone.localdate()
    with transaction.atomic():
        run = ReevaluationRun.objects.create(
            trigger=trigger,
            change=change,
            as_of=today,
            status=RunStatus.RUNNING,
            hold_threshold=hold_threshold() if trigger in HOLDABLE_TRIGGERS else None,
            started_at=timezone.now(),
        )
        holdable = run.hold_threshold is not None and len(ids) > run.hold_threshold
        _plan(run, ids, phase=ChunkPhase.STAGE if holdable else ChunkPhase.APPLY)
    return run


def _plan(run: ReevaluationRun, ids: Sequence[int], *, phase: str) -> list[int]:
    """Split ``ids`` into chunk rows and enqueue them after commit (inside an atomic)."""
    size = chunk_size()
    now = timezone.now()
    chunks = RunChunk.objects.bulk_create(
        RunChunk(
            run=run,
            phase=phase,
            number=number,
            declaration_ids=list(ids[start : start + size]),
            enqueued_at=now,
        )
        for number, start in enumerate(range(0, len(ids), size))
    )
    if phase == ChunkPhase.STAGE or not run.chunks.filter(phase=ChunkPhase.STAGE).exists():
        # After a stage the candidates stay those of the stage; progress restarts.
        run.candidates = len(ids)
    run.processed = 0
    run.changed = 0
    if not ids:
        run.status = RunStatus.COMPLETED
        run.finished_at = now
    run.save(update_fields=["candidates", "processed", "changed", "status", "finished_at"])
    chunk_ids = [chunk.pk for chunk in chunks]
    if chunk_ids and chunk_ids[0] is None:
        # Databases that do not return ids from bulk inserts.
        chunk_ids = list(
            RunChunk.objects.filter(run=run, phase=phase)
            .order_by("number")
            .values_list("id", flat=True)
        )
    _enqueue_chunks_on_commit(chunk_ids)
    return chunk_ids


def process_chunk(*, chunk_id: int) -> int:
    """Re-evaluate one chunk exactly once; returns how many answers changed (0 if done)."""
    notice_ids: list[int] = []
    with transaction.atomic():
        chunk = RunChunk.objects.filter(id=chunk_id).select_related("run").first()
        if chunk is None:
            return 0
        now = timezone.now()
        if not RunChunk.objects.filter(id=chunk_id, done_at=None).update(done_at=now):
            return 0
        run = chunk.run
        if run.status not in (RunStatus.RUNNING, RunStatus.APPROVED):
            return 0
        commit_without_flush()
        changed, moved, refreshed, version_id = _evaluate(run, chunk.declaration_ids)
        # After the rows' locks: an amendment the chunk waited for is older than its answer.
        now = timezone.now()
        if chunk.phase == ChunkPhase.APPLY:
            notice_ids = _apply(run, changed, moved, refreshed, version_id=version_id, now=now)
        else:
            # Staging writes no changed answer, but an answer that stands for other
            # reasons (or under a new version) is rewritten now: it tells the citizen
            # nothing new, and a held run, which may wait or be discarded, would leave the
            # pages naming a lifted area meanwhile. Review dates wait for the apply phase.
            _apply(run, [], [], refreshed, version_id=version_id, now=now)
        changes = [[a.declaration_id, a.old_outcome, a.outcome] for a in changed]
        if chunk.phase == ChunkPhase.STAGE:
            # What a held run shows and applies; an applied chunk's answers are its
            # evaluation rows.
            RunChunk.objects.filter(id=chunk_id).update(changes=changes)
        # The run row's lock serialises the chunks' ends: the last one sees all done.
        ReevaluationRun.objects.filter(pk=run.pk).update(
            processed=F("processed") + len(chunk.declaration_ids),
            changed=F("changed") + len(changes),
            rewritten=F("rewritten") + len(refreshed),
            notices_queued=F("notices_queued") + len(notice_ids),
        )
        _finish_phase_if_done(run.pk, chunk.phase)
        _send_notices_on_commit(notice_ids)
    return len(changes)


@dataclass(slots=True)
class Answer:
    """A chunk's new answer for one declaration, before it is written."""

    declaration_id: int
    language: str
    old_outcome: str
    outcome: str
    entry_allowed_from: date | None
    next_review_on: date | None
    live_until: date | None
    # The stored result (``evaluation.stored_result``): built for changed answers only.
    result: dict | None = None


# What the engine needs of a declaration, what it answered last time, and its language.
_FACT_FIELDS = (
    "id",
    "kind",
    "arrival_date",
    "health_code",
    "commuter",
    "home_quarantine_possible",
    "contact_status",
    "last_contact_date",
    "international_entry_date",
    "nat_result",
    "nat_sampled_at",
    "language",
    "outcome",
    "entry_allowed_from",
    "next_review_on",
    "live_until",
    "result__measures",
    "result__conditions",
    "result__reasons",
    "policy_version",
)


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _load_facts(ids: Sequence[int]) -> list[tuple[tuple, DeclarationFacts]]:
    """(stored row, engine facts) per declaration, in id order: two queries, no models.

    Only travel facts and the last answer are read: never the encrypted identity or
    phone, and not the whole stored result.
    """
    # Locked first, in id order as an amendment locks its family: an amendment made
    # while the chunk runs waits for it, or the chunk waits and reads the amended facts;
    # unlocked, the chunk's write of its answer silently undid the amendment.
    rows = list(
        Declaration.objects.select_for_update()
        .filter(id__any_of=ids)
        .order_by("id")
        .values_list(*_FACT_FIELDS)
    )
    legs: dict[int, list[EngineLeg]] = defaultdict(list)
    for declaration_id, region, start, end in (
        Leg.objects.filter(declaration_id__any_of=ids)
        .order_by("declaration_id", "start_date", "position")
        .values_list("declaration_id", "region_id", "start_date", "end_date")
    ):
        legs[declaration_id].append(EngineLeg(region, start, end))
    loaded = []
    for row in rows:
        nat_test = NatTest(row[9], local_date(row[10])) if row[9] and row[10] else None
        facts = DeclarationFacts(
            kind=row[1],
            arrival_date=row[2],
            health_code=row[3],
            commuter=row[4],
            home_quarantine_possible=row[5],
            contact_status=row[6],
            last_contact_date=row[7],
            international_entry_date=row[8],
            nat_test=nat_test,
            legs=tuple(legs.get(row[0], ())),
        )
        loaded.append((row, facts))
    return loaded


def _evaluate(
    run: ReevaluationRun, ids: Sequence[int]
) -> tuple[list[Answer], list[Answer], int | None]:
    """Evaluate with one policy and one risk snapshot; nothing is saved here.

    Returns the changed answers, the unchanged ones whose next review or live window
    moved, and the unchanged ones whose reasons or policy version did (these two are
    written without telling anyone), and the policy version's row id.
    """
    loaded = _load_facts(ids)
    if not loaded:
        return [], [], [], None
    as_of = run.as_of
    # Chunks in a row read the policy and the day's risk rows once while the stamp
    # stands (any write to them moves it); raises NoPolicyInForce before its day.
    stamp = data_stamp()
    policy, version_id = evaluation.policy_for(as_of, stamp=stamp)
    counties = {leg.region for _row, facts in loaded for leg in facts.legs}
    risk = risk_snapshot(on=as_of, counties=counties, stamp=stamp)
    lookback = evaluation.lookback_days_for(policy)
    changed: list[Answer] = []
    moved: list[Answer] = []
    refreshed: list[Answer] = []
    for row, facts in loaded:
        result = evaluate(facts, policy, risk, as_of)
        answer = Answer(
            declaration_id=row[0],
            language=row[11],
            old_outcome=row[12],
            outcome=result.outcome,
            entry_allowed_from=result.entry_allowed_from,
            next_review_on=result.next_review_on,
            live_until=compute_live_until(
                arrival_date=facts.arrival_date, result=result, lookback_days=lookback
            ),
        )
        old = None
        if row[16] is not None:  # a stored result always lists its measures
            old = {
                "outcome": row[12],
                "entry_allowed_from": _iso(row[13]),
                "measures": row[16],
                "conditions": row[17] or [],
            }
        new = {
            "outcome": result.outcome,
            "entry_allowed_from": _iso(result.entry_allowed_from),
            "measures": [
                {"kind": m.kind, "start": m.start.isoformat(), "end": m.end.isoformat()}
                for m in result.measures
            ],
            "conditions": [{"code": c.code, "met": c.met} for c in result.conditions],
        }
        if evaluation.answer_changed(old, new):
            changed.append(answer)
        elif row[19] != version_id or evaluation.reasons_changed(row[18], result):
            # The same answer for other reasons (one of two areas lifted) or under a new
            # version: the page must not go on naming what no longer holds.
            refreshed.append(answer)
        elif (answer.next_review_on, answer.live_until) != (row[14], row[15]):
            moved.append(answer)
            continue
        else:
            continue
        answer.result = evaluation.stored_result(result, answer.language)
        answer.result["as_of"] = as_of.isoformat()
    return changed, moved, refreshed, version_id


def _apply(
    run: ReevaluationRun,
    changed: list[Answer],
    moved: list[Answer],
    refreshed: list[Answer] = (),
    *,
    version_id,
    now,
) -> list[int]:
    """Write the changed answers, their history rows and notices; return notice ids.
    The refreshed ones (the same answer, other reasons) are written as the current
    answer only: no history row, no notice.

    The evaluation row is the record of a re-evaluation (trigger, run, change): no
    declaration event repeats it.
    """
    # Each result is stored twice (the declaration's current one and its history row).
    # orjson: a chunk's thousand results encode in a tenth of the time json takes.
    results = [JsonText(orjson.dumps(a.result).decode()) for a in changed]
    rewritten = [*zip(changed, results, strict=True)] + [
        (a, JsonText(orjson.dumps(a.result).decode())) for a in refreshed
    ]
    if rewritten:
        update_rows(
            Declaration,
            evaluation.RESULT_FIELDS,
            (
                (
                    a.declaration_id,
                    a.outcome,
                    a.entry_allowed_from,
                    a.next_review_on,
                    a.live_until,
                    version_id,
                    result,
                    now,
                    now,
                )
                for a, result in rewritten
            ),
        )
    # The same answer: keep the declaration out of tomorrow's review, tell nobody.
    update_rows(
        Declaration,
        ("next_review_on", "live_until"),
        ((a.declaration_id, a.next_review_on, a.live_until) for a in moved),
    )
    if not changed:
        return []
    evaluation_ids, notice_ids = reserve_ids([Evaluation, Notice], len(changed))
    evaluation_ids = insert_rows(
        Evaluation,
        EVALUATION_COLUMNS,
        (
            (
                a.declaration_id,
                now,
                EvaluationTrigger.REEVALUATED,
                run.change_id,
                run.pk,
                a.outcome,
                a.entry_allowed_from,
                a.next_review_on,
                version_id,
                result,
            )
            for a, result in zip(changed, results, strict=True)
        ),
        ids=evaluation_ids,
    )
    # Fresh evaluations: the (declaration, evaluation, kind) constraint cannot clash here;
    # it guards every other way a notice is made.
    return insert_rows(
        Notice,
        ("declaration", "evaluation", "kind", "status", "attempts", "last_error", "created_at"),
        (
            (a.declaration_id, evaluation_id, NoticeKind.CHANGE, NoticeStatus.PENDING, 0, "", now)
            for a, evaluation_id in zip(changed, evaluation_ids, strict=True)
        ),
        ids=notice_ids,
    )


EVALUATION_COLUMNS = (
    "declaration",
    "created_at",
    "trigger",
    "change",
    "run",
    "outcome",
    "entry_allowed_from",
    "next_review_on",
    "policy_version",
    "result",
)


def notice_batch_size() -> int:
    return max(1, settings.NOTICE_BATCH_SIZE)


def _send_notices_on_commit(notice_ids: Sequence[int]) -> None:
    if not notice_ids:
        return
    from travellers.tasks.notices import send_notices

    size = notice_batch_size()

    def send():
        for start in range(0, len(notice_ids), size):
            batch = list(notice_ids[start : start + size])
            # Notices left pending by a lost message are found again by the sweep.
            _enqueue(send_notices, batch, what=f"{len(batch)} notices from {batch[0]}")

    transaction.on_commit(send)


def _finish_phase_if_done(run_id: int, phase: str) -> None:
    """Close a phase once its last chunk is done: hold, apply or complete the run."""
    run = ReevaluationRun.objects.select_for_update().get(pk=run_id)
    if RunChunk.objects.filter(run_id=run_id, phase=phase, done_at=None).exists():
        return
    if run.status not in (RunStatus.RUNNING, RunStatus.APPROVED):
        return
    if phase == ChunkPhase.APPLY:
        run.status = RunStatus.COMPLETED
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "finished_at"])
        return
    if RunChunk.objects.filter(run_id=run_id, phase=ChunkPhase.APPLY).exists():
        return
    staged = staged_ids(run)
    if run.hold_threshold is not None and len(staged) > run.hold_threshold:
        run.status = RunStatus.HELD
        run.save(update_fields=["status"])
        logger.warning(
            "Run %s held: %s answers would change (threshold %s)",
            run.pk,
            len(staged),
            run.hold_threshold,
        )
        return
    _plan(run, staged, phase=ChunkPhase.APPLY)


def runs_admin_url(change_id: int) -> str:
    """The admin list of the runs a change row starts (``policies.hooks.RUNS_URL``): it
    exists before the run does, which starts only after the staff save commits."""
    from django.urls import reverse

    return f"{reverse('admin:travellers_reevaluationrun_changelist')}?change__id__exact={change_id}"


def staged_ids(run: ReevaluationRun) -> list[int]:
    """The declarations whose answer the stage phase found would change."""
    ids: set[int] = set()
    for changes in RunChunk.objects.filter(run=run, phase=ChunkPhase.STAGE).values_list(
        "changes", flat=True
    ):
        ids.update(item[0] for item in changes)
    return sorted(ids)


def staged_summary(run: ReevaluationRun) -> dict[tuple[str, str], int]:
    """(old outcome, new outcome) -> count, for the staff member deciding on a held run."""
    summary: dict[tuple[str, str], int] = {}
    for changes in RunChunk.objects.filter(run=run, phase=ChunkPhase.STAGE).values_list(
        "changes", flat=True
    ):
        for _pk, old, new in changes:
            summary[(old, new)] = summary.get((old, new), 0) + 1
    return summary


@transaction.atomic
def run_approve(*, run: ReevaluationRun, actor) -> ReevaluationRun:
    """Release a held run: its staged declarations are re-evaluated today and notified."""
    stored = ReevaluationRun.objects.select_for_update().get(pk=run.pk)
    if stored.status != RunStatus.HELD:
        raise ValidationError(_("只有待审批的批次可以批准。"))
    stored.status = RunStatus.APPROVED
    stored.decided_by = actor
    stored.decided_at = timezone.now()
    # Applied with the data of the day of approval, not of the day it was held.
    stored.as_of = timezone.localdate()
    stored.save(update_fields=["status", "decided_by", "decided_at", "as_of"])
    _plan(stored, staged_ids(stored), phase=ChunkPhase.APPLY)
    return stored


@transaction.atomic
def run_discard(*, run: ReevaluationRun, actor, reason: str) -> ReevaluationRun:
    """Drop a held run: no answer changes and nobody is notified (answers that stood for
    other reasons were rewritten while it was staged: they tell nobody anything new)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"decision_reason": _("放弃批次时必须说明理由。")})
    stored = ReevaluationRun.objects.select_for_update().get(pk=run.pk)
    if stored.status != RunStatus.HELD:
        raise ValidationError(_("只有待审批的批次可以放弃。"))
    stored.status = RunStatus.DISCARDED
    stored.decided_by = actor
    stored.decided_at = timezone.now()
    stored.decision_reason = reason
    stored.finished_at = stored.decided_at
    stored.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "finished_at"]
    )
    return stored


# -- periodic work ------------------------------------------------------------------


def requeue_after() -> timedelta:
    return timedelta(
        seconds=getattr(
            settings, "REEVALUATION_REQUEUE_AFTER", DEFAULT_REQUEUE_AFTER.total_seconds()
        )
    )


def sweep(*, now=None) -> dict[str, int]:
    """Enqueue what a lost message or a dead broker left behind; safe to run any time."""
    from travellers.tasks.notices import retries_window, send_notice
    from travellers.tasks.reevaluation import process_change as change_task
    from travellers.tasks.reevaluation import reevaluate_chunk

    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"changes": 0, "chunks": 0, "notices": 0, "runs_finished": 0}

    due = (
        RiskDataChange.objects.unprocessed()
        .filter(effective_on__lte=today)
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:1000]
    )
    for change_id in due:
        counts["changes"] += _enqueue(change_task, change_id, what=f"change {change_id}")

    stale = before(now)
    stale_chunks = list(
        RunChunk.objects.filter(
            done_at=None,
            enqueued_at__lt=stale,
            run__status__in=[RunStatus.RUNNING, RunStatus.APPROVED],
        )
        .order_by("id")
        .values_list("id", flat=True)[:1000]
    )
    for chunk_id in stale_chunks:
        if _enqueue(reevaluate_chunk, chunk_id, what=f"chunk {chunk_id}"):
            RunChunk.objects.filter(id=chunk_id).update(enqueued_at=now)
            counts["chunks"] += 1

    # Pending notices whose message was lost, whose sender died mid-attempt (the claim
    # in travellers.notices lets a stale attempt be taken again), or whose retry after a
    # temporary failure never came (its message lost, or never published): older than
    # every retry's backoff together, a retry would have settled them.
    stale_notices = list(
        Notice.objects.filter(status=NoticeStatus.PENDING)
        .filter(
            Q(attempts=0, sent_at__isnull=True, created_at__lt=stale)
            & (Q(last_attempt_at__isnull=True) | Q(last_attempt_at__lt=stale))
            | Q(sent_at__lt=now - CLAIM_TIMEOUT)
            | Q(attempts__gt=0, sent_at__isnull=True)
            & (
                Q(last_attempt_at__lt=now - retries_window())
                # Failed before attempts were timed: from its creation.
                | Q(last_attempt_at__isnull=True, created_at__lt=now - retries_window())
            )
        )
        .order_by("id")
        .values_list("id", flat=True)[:1000]
    )
    for notice_id in stale_notices:
        counts["notices"] += _enqueue(send_notice, notice_id, what=f"notice {notice_id}")
    # Their window starts again: one sweep a minute must not queue the same notice anew
    # while the task it queued waits for a worker (never attempted ones included).
    Notice.objects.filter(id__in=stale_notices, sent_at__isnull=True).update(last_attempt_at=now)

    # A run whose last chunk committed but whose finishing step was lost.
    for run_id in (
        ReevaluationRun.objects.filter(
            status__in=[RunStatus.RUNNING, RunStatus.APPROVED], chunks__isnull=False
        )
        .values_list("id", flat=True)
        .distinct()
    ):
        with transaction.atomic():
            for phase in (ChunkPhase.STAGE, ChunkPhase.APPLY):
                if RunChunk.objects.filter(run_id=run_id, phase=phase).exists():
                    before_status = ReevaluationRun.objects.get(pk=run_id).status
                    _finish_phase_if_done(run_id, phase)
                    after_status = ReevaluationRun.objects.get(pk=run_id).status
                    counts["runs_finished"] += before_status != after_status
    return counts


def before(now):
    return now - requeue_after()


def boundary_region_codes(*, on: date) -> set[str]:
    """Regions whose risk areas or designations start or stop mattering on ``on``."""
    codes = set(
        RiskArea.objects.filter(Q(designated_on=on) | Q(lifted_on=on)).values_list(
            "region_id", flat=True
        )
    )
    # valid_until is inclusive: a designation stops mattering the day after.
    codes |= set(
        Designation.objects.filter(
            Q(valid_from=on) | Q(valid_until=on - timedelta(days=1))
        ).values_list("region_id", flat=True)
    )
    return codes


def daily_review(*, on: date | None = None) -> ReevaluationRun | None:
    """Once a day: declarations due for review, and the risk data whose dates came."""
    today = on or timezone.localdate()
    with transaction.atomic():
        _lock("travellers.daily_review")
        if ReevaluationRun.objects.filter(trigger=RunTrigger.DAILY, as_of=today).exists():
            return None
        run = start_run(trigger=RunTrigger.DAILY, ids=due_for_review_ids(on=today), on=today)
        codes = _uncovered(boundary_region_codes(on=today), on=today)
        if codes:
            record_change(
                kind=ChangeKind.DATES_PASSED,
                summary=f"日期到达：{today.isoformat()} 起风险地区或地区认定变化",
                region_codes=codes,
                effective_on=today,
            )
    return run


def _uncovered(codes: set[str], *, on: date) -> set[str]:
    """Leave out regions a change row of the same day already re-evaluates."""
    if not codes:
        return codes
    covered: list[str] = []
    for all_regions, region_codes in (
        RiskDataChange.objects.filter(effective_on=on)
        .exclude(kind=ChangeKind.DATES_PASSED)
        .values_list("all_regions", "region_codes")
    ):
        if all_regions:
            return set()
        covered.extend(region_codes)
    return {code for code in codes if not any(_contains(outer, code) for outer in covered)}


def _lock(name: str) -> None:
    """A transaction-scoped lock on PostgreSQL; SQLite serialises writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])


def record_chunk_error(*, chunk_id: int, error: Exception) -> None:
    """Show a chunk's failure on its run in the admin (no personal data in the text)."""
    run_id = RunChunk.objects.filter(id=chunk_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return
    logger.error("Chunk %s of run %s failed: %s", chunk_id, run_id, type(error).__name__)
    ReevaluationRun.objects.filter(pk=run_id).update(
        error=f"chunk {chunk_id}: {type(error).__name__}: {error}"[:2000]
    )
