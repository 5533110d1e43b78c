"""Publish ids to the broker in batches, from a background thread of the web process.

A citizen's submit used to publish its confirmation task itself, after commit: half a
millisecond of kombu per request (a fifth of the submit's CPU), and a broker that was
down turned an already saved declaration into an error page. The rows are the outbox
(a pending notice is sent by whoever claims it, and the beat sweep enqueues the pending
notices nobody took), so the publish need not happen in the request: ids handed in
over a short window go out together, as one task per ``max_batch`` ids, from a daemon
thread. A publish that fails is logged and its notices wait for the sweep.

With a window of 0, or while Celery runs tasks eagerly (development, the test suite),
ids are published at once in the caller, as before. Ids still waiting when the process
exits normally are published by an ``atexit`` hook; a killed process leaves them to the
sweep.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable

logger = logging.getLogger(__name__)


class BatchedPublisher:
    """Collects ids and hands them to ``publish`` in lists of at most ``max_batch``.

    ``publish(ids)`` enqueues the task(s) for one list; ``window`` (seconds) is how long
    the thread waits after the first id for more; ``inline()`` says whether to publish
    in the caller instead (read on every call: tests switch Celery's eager mode).
    """

    def __init__(
        self,
        publish: Callable[[list[int]], None],
        *,
        window: Callable[[], float],
        inline: Callable[[], bool],
        max_batch: int = 50,
        name: str = "batched-publish",
    ):
        self._publish = publish
        self._window = window
        self._inline = inline
        self._max_batch = max_batch
        self._name = name
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending: list[int] = []
        self._thread: threading.Thread | None = None
        atexit.register(self.flush)
        # A forked child (a gunicorn worker) starts with the parent's ids and no thread.
        os.register_at_fork(after_in_child=self._forget)

    def add(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if not ids:
            return
        if self._inline() or self._window() <= 0:
            self._publish_batches(ids)
            return
        with self._lock:
            self._pending.extend(ids)
            self._ensure_thread()
        self._wake.set()

    def flush(self) -> int:
        """Publish every waiting id now; returns how many there were."""
        with self._lock:
            ids, self._pending = self._pending, []
        self._publish_batches(ids)
        return len(ids)

    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def _publish_batches(self, ids: list[int]) -> None:
        for start in range(0, len(ids), self._max_batch):
            batch = ids[start : start + self._max_batch]
            try:
                self._publish(batch)
            except Exception:
                # Never raised into a request whose rows have committed: the sweep
                # enqueues pending notices that nobody took.
                logger.exception(
                    "Could not publish %d id(s) from %s; the sweep will pick them up",
                    len(batch),
                    self._name,
                )

    def _ensure_thread(self) -> None:
        # Called with the lock held.
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            # Ids that come in while this waits go out with the first one.
            time.sleep(self._window())
            self._wake.clear()
            self.flush()

    def _forget(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._pending = []
        self._thread = None
