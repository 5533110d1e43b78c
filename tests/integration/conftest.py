"""Real services for the integration tests: PostgreSQL, a Redis broker and a Celery
worker started as a separate process, as in production.

Without the services these tests skip, except when REQUIRE_SERVICES=1 (CI's services
run), where a missing service is a failure.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from kombu import pools as kombu_pools

from portal.celery import app as celery_app
from tests.conftest import services_required

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / "var" / "integration"
DEAD_BROKER = "redis://127.0.0.1:6390/0"  # nothing listens there


def unavailable(reason: str):
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1: the services run must not skip)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def broker_url():
    url = os.environ.get("INTEGRATION_BROKER_URL", "")
    if not url:
        unavailable("INTEGRATION_BROKER_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {url} is unreachable: {exc}")
    return url


@pytest.fixture
def postgres(transactional_db):
    """The test database, committed for real so that another process sees the rows."""
    if connection.vendor != "postgresql":
        unavailable("the integration tests need DATABASE_URL pointing at PostgreSQL")
    return connection.settings_dict


def database_url(settings_dict) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{settings_dict['NAME']}"


def reset_connections():
    """Drop pooled broker connections so the next publish uses the current broker_url."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # kombu keeps its pools in a global registry keyed by broker URL: forget the closed
    # ones, or the next test (and control.ping) acquires from a closed pool.
    kombu_pools.reset()


@pytest.fixture
def celery_broker(broker_url, settings):
    """Make this process publish to the real broker instead of running tasks eagerly."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.CELERY_BROKER_URL = broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.conf.update(broker_url=broker_url, task_always_eager=False)
    reset_connections()
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    yield broker_url
    celery_app.conf.update(**saved)
    reset_connections()


class Worker:
    """A `celery worker` process of the project, with the test database and broker."""

    def __init__(self, *, env: dict, concurrency: int = 2):
        self.env = env
        self.concurrency = concurrency
        self.process = None
        self.name = f"itest-{uuid.uuid4().hex[:8]}@localhost"
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = LOG_DIR / f"{self.name.split('@')[0]}.log"

    def start(self, timeout: float = 30.0):
        log = open(self.log_path, "ab")  # noqa: SIM115 (closed by the child's exit)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "worker",
                "--pool=prefork",
                f"--concurrency={self.concurrency}",
                "--loglevel=INFO",
                "-n",
                self.name,
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()[-3000:]}")
            replies = celery_app.control.ping(destination=[self.name], timeout=0.5)
            if replies:
                return self
        raise RuntimeError(f"worker not ready in {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def kill(self):
        """SIGKILL the whole process group: the worker dies mid-task, as on a crash."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self, timeout: float = 20.0):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_env(postgres, celery_broker):
    env = {
        **os.environ,
        "DATABASE_URL": database_url(postgres),
        "CELERY_BROKER_URL": celery_broker,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    env.pop("REQUIRE_SERVICES", None)
    return env


@pytest.fixture
def start_worker(worker_env):
    """Start (and on teardown stop) worker processes; pass env overrides as keywords."""
    workers = []

    def start(concurrency: int = 2, **env_overrides):
        worker = Worker(env={**worker_env, **env_overrides}, concurrency=concurrency)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


def wait_until(predicate, *, timeout: float = 30.0, interval: float = 0.2, message: str = ""):
    """Poll until predicate() is truthy; fail with the message when time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(message or f"condition not met within {timeout}s")


class Inbox:
    """An aiosmtpd handler: fails the first DATA commands, refuses some recipients."""

    def __init__(self, *, fail_first: int = 0, refuse: tuple[str, ...] = ()):
        self.fail_first = fail_first
        self.refuse = set(refuse)
        self.attempts = 0
        self.delivered: list[str] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.attempts += 1
            if self.attempts <= self.fail_first:
                return "451 4.3.0 try again later"
            self.delivered.extend(envelope.rcpt_tos)
        return "250 Message accepted"

    def count(self) -> Counter:
        with self.lock:
            return Counter(self.delivered)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    """Start an SMTP server; returns (inbox, EMAIL_URL for the worker)."""
    controllers = []

    def start(**options):
        inbox = Inbox(**options)
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        controllers.append(controller)
        return inbox, f"smtp://127.0.0.1:{port}"

    yield start
    for controller in controllers:
        controller.stop()
