"""The Redis cache backend production uses for throttle counters (``CACHE_URL=rediscache://``)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_a_rediscache_url_selects_the_backend_that_keeps_its_client():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "CACHE_URL": "rediscache://127.0.0.1:6379/1",
    }
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed == "portal.redis_cache.RedisCache"


def test_the_counters_work_through_one_client_for_every_operation(redis_cache):
    assert redis_cache.add("counter", 0, 60) is True
    assert redis_cache.add("counter", 5, 60) is False
    assert redis_cache.incr("counter") == 1
    redis_cache.set("history", [1.5, 2.5], 60)
    assert redis_cache.get("history") == [1.5, 2.5]
    assert redis_cache.get_many(["counter", "history"]) == {"counter": 1, "history": [1.5, 2.5]}
    assert redis_cache.delete("history") is True
    assert redis_cache.get("history") is None

    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client


def test_a_forked_worker_uses_its_own_connections(redis_cache):
    # Gunicorn forks workers from a parent that may have used the cache already: the kept
    # client must not hand a child the parent's socket.
    redis_cache.set("forked", "parent", 60)
    pid = os.fork()
    if pid == 0:  # the child: exit code 0 only if it read and wrote through the cache
        ok = False
        try:
            ok = redis_cache.get("forked") == "parent"
            redis_cache.set("forked", "child", 60)
        finally:
            os._exit(0 if ok else 1)
    # Polled, not waited on: a child stuck on a lock another thread held at the fork
    # must fail the test, not hang the run.
    deadline = time.monotonic() + 30
    while (waited := os.waitpid(pid, os.WNOHANG))[0] == 0:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child did not finish within 30 s")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(waited[1]) == 0
    assert redis_cache.get("forked") == "child"
