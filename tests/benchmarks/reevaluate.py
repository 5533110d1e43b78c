"""Benchmark of the re-evaluation pipeline on PostgreSQL, Redis and real Celery workers.

    .venv/bin/python tests/benchmarks/reevaluate.py [--sizes 200000,1000000]
        [--pg postgres://postgres@127.0.0.1:5432] [--broker redis://127.0.0.1:6379/8]
        [--notices 5000]

For each size it creates a database of its own (dropped at the end), migrates it,
writes the declarations (1 to 5 legs each, answered "allowed") with COPY, starts one
``celery worker -c 2`` (two worker processes), warms it up with a first run (another
city, as a worker in service has run tasks before), designates a case city whose
counties about a tenth of the declarations visited, and prints:

- the time from the staff save's commit to the run completed: every changed answer
  saved and every notice queued; declarations per second;
- the peak memory of the worker (sum of the RSS of its processes, sampled);
- the raw database path: the same new values COPYed into a temporary table and
  written with one UPDATE ... FROM, rows per second, and the pipeline's ratio to it;
- (first size only) notices sent per second to a local SMTP server (``smtp_sink.py``,
  its own process) against a no-op task's rate on the same worker, with duplicates and
  missing counted: once as the pipeline sends them (``send_notices`` tasks of
  NOTICE_BATCH_SIZE) and once one task per notice (the retry path), for comparison.

Targets (issue 5): >= 10,000 affected declarations/s, >= 0.3 of the raw path's rows/s,
peak worker memory < 500 MB at both sizes, notices >= 0.5 of the no-op rate, zero
duplicates and zero missing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_PREFECTURE = "321000"  # 扬州市: the designated case city
WARM_UP_PREFECTURE = "330100"  # 杭州市: the warm-up run's city, about 3,000 visitors
JURISDICTION_PREFIX = "11"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="200000")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--notices", type=int, default=5000)
    parser.add_argument("--touched", type=float, default=0.1)
    return parser.parse_args()


def admin_sql(pg: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(sql)


# -- memory --------------------------------------------------------------------------


def group_rss_mb(pgid: int) -> float:
    """Sum of VmRSS of the processes in a process group (the worker and its children)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # field 5: pgrp
                continue
            with open(f"/proc/{entry}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
    return total / 1024


class PeakSampler(threading.Thread):
    def __init__(self, pgid: int):
        super().__init__(daemon=True)
        self.pgid = pgid
        self.peak = 0.0
        self.running = True

    def run(self):
        while self.running:
            self.peak = max(self.peak, group_rss_mb(self.pgid))
            time.sleep(0.1)

    def stop(self) -> float:
        self.running = False
        self.join()
        return self.peak


# -- data ------------------------------------------------------------------------------


def generate(size: int, touched: float, seed: int = 7) -> int:
    """COPY ``size`` declarations and their legs; returns how many visited the city."""
    from django.db import connection
    from django.utils import timezone

    from policies.models import Region
    from policies.snapshots import policy_in_force
    from travellers.evaluation import policy_version_id
    from travellers.models import Declaration, Leg

    rng = random.Random(seed)
    today = timezone.localdate()
    now = timezone.now()
    counties = list(
        Region.objects.filter(county_level=True, retired=False)
        .exclude(code__startswith=JURISDICTION_PREFIX)
        .exclude(code__startswith=TARGET_PREFECTURE[:4])
        .values_list("code", flat=True)
    )
    targets = list(
        Region.objects.filter(
            county_level=True, retired=False, code__startswith=TARGET_PREFECTURE[:4]
        ).values_list("code", flat=True)
    )
    version = policy_version_id(policy_in_force(today).code)
    arrival = today - timedelta(days=1)
    result = (
        '{"outcome": "allowed", "entry_allowed_from": null, "measures": [], "conditions": [],'
        ' "reasons": [], "next_review_on": null}'
    )
    defaults = {
        "idempotency_key": None,
        "idempotency_fingerprint": "",
        "lead_id": None,
        "kind": "arrival_report",
        "full_name": "基准测试",
        "id_type": "resident_id",
        "id_number": "bench",
        "phone": "",
        "phone_hash": "",
        "language": "zh-hans",
        "residence_region_id": "110105",
        "community_id": None,
        "arrival_date": arrival,
        "health_code": "green",
        "commuter": False,
        "home_quarantine_possible": True,
        "contact_status": "none",
        "last_contact_date": None,
        "international_entry_date": None,
        "nat_result": "",
        "nat_sampled_at": None,
        "attested_at": now,
        "outcome": "allowed",
        "entry_allowed_from": None,
        "next_review_on": None,
        "live_until": arrival + timedelta(days=21),
        "policy_version_id": version,
        "result": result,
        "evaluated_at": now,
        "follow_up_status": "not_contacted",
        "follow_up_note": "",
        "follow_up_by_id": None,
        "follow_up_at": None,
        "created_at": now,
        "updated_at": now,
    }
    columns = [f.column for f in Declaration._meta.concrete_fields]
    missing = [
        c
        for c in columns
        if c not in defaults and c not in ("id", "reference", "id_number_hash", "email")
    ]
    if missing:
        raise SystemExit(f"benchmark does not know how to fill {missing}")
    leg_columns = ["declaration_id", "position", "region_id", "start_date", "end_date"]
    visited = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY travellers_declaration ({', '.join(columns)}) FROM STDIN") as copy:
            for n in range(1, size + 1):
                row = dict(defaults)
                row.update(
                    id=n,
                    reference=f"B{n:09d}",
                    id_number_hash=f"{n:064x}",
                    email=f"t{n}@bench.invalid",
                )
                copy.write_row([row[c] for c in columns])
        with raw.copy(f"COPY travellers_leg ({', '.join(leg_columns)}) FROM STDIN") as copy:
            for n in range(1, size + 1):
                legs = rng.randint(1, 5)
                end = today - timedelta(days=2 + rng.randint(0, 8))
                hit = rng.random() < touched
                visited += hit
                spans = []
                for position in range(legs, 0, -1):
                    start = end - timedelta(days=rng.randint(1, 3))
                    # The most recent leg is the city's, so its visitors' answers change.
                    county = (
                        rng.choice(targets) if hit and position == legs else rng.choice(counties)
                    )
                    spans.append((n, position, county, start, end))
                    end = start
                for span in spans:
                    copy.write_row(span)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('travellers_declaration', 'id'), %s)", [size]
        )
        # As autovacuum would have long before a real change arrives: statistics, hint
        # bits and the visibility map set, and the load's WAL checkpointed, so that none of
        # it lands inside the measured phase.
        cursor.execute("VACUUM (ANALYZE) travellers_declaration, travellers_leg")
        cursor.execute("CHECKPOINT")
    assert Leg.objects.count() > 0
    return visited


# -- phases ---------------------------------------------------------------------------------


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


def run_pipeline(worker) -> dict:
    from django.utils import timezone

    from policies import services
    from travellers.models import Notice, NoticeStatus, ReevaluationRun, RunStatus

    sampler = PeakSampler(worker.process.pid)
    sampler.start()
    today = timezone.localdate()
    # Warm-up, as a worker in service is: a first run (another city) loads the code,
    # the region table and the policy in both worker processes before the measured one.
    services.designation_create(
        kind="case_city", region=WARM_UP_PREFECTURE, valid_from=today - timedelta(days=20)
    )
    wait_for(
        lambda: ReevaluationRun.objects.filter(status=RunStatus.COMPLETED).exists(),
        600,
        "the warm-up run",
    )
    wait_for(
        lambda: not Notice.objects.filter(status=NoticeStatus.PENDING).exists(),
        600,
        "the warm-up notices",
    )
    services.designation_create(
        kind="case_city", region=TARGET_PREFECTURE, valid_from=today - timedelta(days=20)
    )
    committed = time.monotonic()
    committed_at = timezone.now()
    run = wait_for(
        lambda: ReevaluationRun.objects.filter(
            status=RunStatus.COMPLETED, change__region_codes=[TARGET_PREFECTURE]
        ).first(),
        3600,
        "the run",
    )
    elapsed = time.monotonic() - committed
    # Let the worker also deliver (to the dummy backend) what it queued, so the SMTP
    # phase below starts on an empty queue.
    wait_for(
        lambda: not Notice.objects.filter(status=NoticeStatus.PENDING).exists(),
        3600,
        "the queued notices",
    )
    drained = time.monotonic() - committed
    peak = sampler.stop()
    return {
        "run": run,
        "seconds": elapsed,
        "drained": drained,
        "peak_mb": peak,
        "timeline": timeline(run, committed_at),
    }


def timeline(run, committed_at) -> str:
    """Where the time went: seconds after the commit of the run's start, of the first and
    last chunk's claim (a chunk is claimed when a worker starts it) and of its end."""
    from django.db.models import Max, Min

    chunks = run.chunks.aggregate(first=Min("done_at"), last=Max("done_at"))

    def after(moment) -> str:
        return f"{(moment - committed_at).total_seconds():.2f}"

    return (
        f"run started {after(run.started_at)} s, first chunk {after(chunks['first'])} s, "
        f"last chunk {after(chunks['last'])} s, finished {after(run.finished_at)} s "
        f"({run.chunks.count()} chunks)"
    )


def raw_path(run) -> dict:
    """The same new values written by the database alone: COPY + one UPDATE ... FROM."""
    from django.db import connection, transaction

    from travellers.models import Declaration

    rows = list(
        Declaration.objects.filter(evaluations__run=run).values_list(
            "id",
            "outcome",
            "entry_allowed_from",
            "next_review_on",
            "live_until",
            "policy_version_id",
            "result",
            "evaluated_at",
        )
    )
    import json

    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE new_answers (id bigint, outcome varchar(24), entry date, "
            "review date, live date, version bigint, result jsonb, at timestamptz) "
            "ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY new_answers FROM STDIN") as copy:
            for row in rows:
                copy.write_row([*row[:6], json.dumps(row[6]), row[7]])
        cursor.execute(
            "UPDATE travellers_declaration AS d SET outcome = n.outcome, "
            "entry_allowed_from = n.entry, next_review_on = n.review, live_until = n.live, "
            "policy_version_id = n.version, result = n.result, evaluated_at = n.at, "
            "updated_at = n.at FROM new_answers AS n WHERE d.id = n.id"
        )
    seconds = time.monotonic() - started
    return {"rows": len(rows), "seconds": seconds}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def queue_drained(broker: str) -> bool:
    import redis

    client = redis.Redis.from_url(broker)
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


class SmtpSink:
    """``smtp_sink.py`` in its own process, as a mail server would be."""

    def __init__(self):
        self.port = free_port()
        self.counts = Path(tempfile.mkstemp(suffix=".json")[1])
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).with_name("smtp_sink.py")),
                str(self.port),
                str(self.counts),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit("the SMTP sink did not start")

    def stop(self) -> Counter:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        delivered = Counter(json.loads(self.counts.read_text(encoding="utf-8")))
        self.counts.unlink()
        return delivered


def _reset(ids) -> None:
    from travellers.models import Notice, NoticeStatus

    Notice.objects.filter(id__in=ids).update(status=NoticeStatus.PENDING, attempts=0, sent_at=None)


def _deliver(ids, enqueue) -> float:
    from travellers.models import Notice, NoticeStatus

    if Notice.objects.filter(status=NoticeStatus.PENDING).exclude(id__any_of=ids).exists():
        raise SystemExit("other notices are pending: the poll below would wait for them")
    started = time.monotonic()
    enqueue()
    # The cheapest poll there is (the status index, the first row): the measuring
    # process and its database connection share the two cores with the workers, and
    # asking after 2,000 ids every 50 ms took half a core.
    wait_for(
        lambda: not Notice.objects.filter(status=NoticeStatus.PENDING).exists(),
        1800,
        "notices",
    )
    seconds = time.monotonic() - started
    sent = Notice.objects.filter(id__any_of=ids, status=NoticeStatus.SENT).count()
    if sent != len(ids):
        raise SystemExit(f"{len(ids) - sent} notices were not sent")
    return seconds


def notice_rates(start_worker, count: int, broker: str) -> dict:
    """Notices to a local SMTP server, as the pipeline sends them (``send_notices`` tasks
    of NOTICE_BATCH_SIZE) and one task per notice, against a no-op task's rate."""
    from django.conf import settings

    from portal.tasks import noop
    from travellers.models import Notice, ReevaluationRun
    from travellers.tasks.notices import send_notice, send_notices

    sink = SmtpSink()
    worker = start_worker({"EMAIL_URL": f"smtp://127.0.0.1:{sink.port}"})
    try:
        # The measured run's notices: a declaration the warm-up run also changed has an
        # older notice, which the senders now leave unsent (replaced by the newer one).
        measured = ReevaluationRun.objects.order_by("-id").values_list("id", flat=True)[:1]
        ids = list(
            Notice.objects.filter(kind="change", evaluation__run_id__in=list(measured))
            .order_by("id")
            .values_list("id", flat=True)[:count]
        )
        size = settings.NOTICE_BATCH_SIZE

        def batched():
            for start in range(0, len(ids), size):
                send_notices.delay(ids[start : start + size])

        _reset(ids)
        batch_seconds = _deliver(ids, batched)
        _reset(ids)
        single_seconds = _deliver(ids, lambda: [send_notice.delay(i) for i in ids])

        started = time.monotonic()
        for token in range(len(ids)):
            noop.delay(token)
        wait_for(lambda: queue_drained(broker), 600, "no-op tasks")
        noop_seconds = time.monotonic() - started
    finally:
        worker.stop()
        delivered = sink.stop()
    emails = Counter(Notice.objects.filter(id__in=ids).values_list("declaration__email", flat=True))
    # Each notice was sent twice on purpose (batched, then one task each).
    expected = Counter({address: 2 * n for address, n in emails.items()})
    return {
        "notices": len(ids),
        "batch": size,
        "notices_per_s": len(ids) / batch_seconds,
        "single_per_s": len(ids) / single_seconds,
        "noop_per_s": len(ids) / noop_seconds,
        "duplicates": sum(max(0, delivered[a] - expected[a]) for a in delivered),
        "missing": sum(max(0, expected[a] - delivered[a]) for a in expected),
    }


def bench(size: int, args, first: bool) -> None:
    name = f"bench_reevaluate_{os.getpid()}_{size}"
    admin_sql(args.pg, f'DROP DATABASE IF EXISTS "{name}"')
    admin_sql(args.pg, f'CREATE DATABASE "{name}"')
    try:
        _bench_in(name, size, args, first)
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _bench_in(name: str, size: int, args, first: bool) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from portal.celery import app as celery_app
    from tests.integration.conftest import Worker, reset_connections

    connections.close_all()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    call_command("migrate", verbosity=0, skip_checks=True)

    started = time.monotonic()
    visited = generate(size, args.touched)
    generated = time.monotonic() - started
    print(
        f"\n== {size:,} declarations ({visited:,} visited {TARGET_PREFECTURE}), "
        f"generated with COPY in {generated:.1f} s"
    )

    celery_app.conf.update(broker_url=args.broker, task_always_eager=False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    reset_connections()
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")

    env = {
        **os.environ,
        "DATABASE_URL": f"{args.pg}/{name}",
        "CELERY_BROKER_URL": args.broker,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "EMAIL_URL": "dummymail://",
        "REEVALUATION_HOLD_THRESHOLD": str(10**9),
        "LOG_LEVEL": "WARNING",
    }

    def start_worker(overrides):
        return Worker(env={**env, **overrides}, concurrency=2).start(timeout=60)

    worker = start_worker({})
    try:
        figures = run_pipeline(worker)
    finally:
        worker.stop()
    run = figures["run"]
    rate = run.changed / figures["seconds"]
    raw = raw_path(run)
    raw_rate = raw["rows"] / raw["seconds"]
    print(
        f"candidates {run.candidates:,}, changed {run.changed:,}, "
        f"notices queued {run.notices_queued:,}"
    )
    print(
        f"commit -> all answers saved and notices queued: {figures['seconds']:.2f} s "
        f"= {rate:,.0f} changed declarations/s ({run.candidates / figures['seconds']:,.0f} "
        f"candidates/s)  [target >= 10,000]"
    )
    print(f"  timeline after the commit: {figures['timeline']}")
    print(f"... and every notice delivered (dummy email backend): {figures['drained']:.2f} s")
    print(
        f"peak worker memory (main + 2 children, RSS): {figures['peak_mb']:.0f} MB  [target < 500]"
    )
    print(
        f"raw path (COPY + one UPDATE ... FROM): {raw['rows']:,} rows in "
        f"{raw['seconds']:.2f} s = {raw_rate:,.0f} rows/s; pipeline/raw = "
        f"{rate / raw_rate:.2f}  [target >= 0.3]"
    )
    if first and args.notices:
        n = notice_rates(start_worker, args.notices, args.broker)
        print(
            f"notices to a local SMTP server (own process): {n['notices']:,} in tasks of "
            f"{n['batch']} as the pipeline sends them: {n['notices_per_s']:,.0f}/s; "
            f"no-op task: {n['noop_per_s']:,.0f}/s; ratio "
            f"{n['notices_per_s'] / n['noop_per_s']:.2f} [target >= 0.5]"
        )
        print(
            f"  (one task per notice: {n['single_per_s']:,.0f}/s, ratio "
            f"{n['single_per_s'] / n['noop_per_s']:.2f}); duplicates {n['duplicates']}, "
            f"missing {n['missing']} over both passes"
        )


def main():
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ["DATABASE_URL"] = f"{args.pg}/postgres"
    os.environ["CELERY_BROKER_URL"] = args.broker
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    import logging

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    for index, size in enumerate(sizes):
        bench(size, args, first=index == 0)


if __name__ == "__main__":
    main()
