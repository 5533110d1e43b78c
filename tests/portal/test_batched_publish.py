"""portal.batched_publish: ids handed in over a window go out together, from a thread."""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest

from portal.batched_publish import BatchedPublisher


class Recorder:
    """Stands in for the broker: records each published list, optionally failing."""

    def __init__(self, *, fail_times: int = 0):
        self.batches: list[list[int]] = []
        self.threads: list[str] = []
        self.fail_times = fail_times
        self.published = threading.Event()

    def __call__(self, ids):
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("broker unreachable")
        self.batches.append(list(ids))
        self.threads.append(threading.current_thread().name)
        self.published.set()


def publisher(recorder, *, window=0.05, inline=False, max_batch=50):
    return BatchedPublisher(
        recorder, window=lambda: window, inline=lambda: inline, max_batch=max_batch, name="test"
    )


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_ids_added_within_the_window_go_out_together_from_the_thread():
    recorder = Recorder()
    batched = publisher(recorder, window=0.2)
    batched.add([1])
    batched.add([2, 3])
    batched.add([4])
    assert recorder.batches == []  # the caller did not wait for the broker

    assert wait_for(lambda: recorder.batches)
    assert recorder.batches == [[1, 2, 3, 4]]
    assert recorder.threads == ["test"]
    assert batched.pending() == 0


def test_a_later_id_starts_a_new_batch():
    recorder = Recorder()
    batched = publisher(recorder, window=0.02)
    batched.add([1])
    assert wait_for(lambda: len(recorder.batches) == 1)
    batched.add([2])
    assert wait_for(lambda: len(recorder.batches) == 2)
    assert recorder.batches == [[1], [2]]


def test_a_batch_holds_at_most_max_batch_ids():
    recorder = Recorder()
    batched = publisher(recorder, window=60, max_batch=3)
    batched.add(range(1, 8))
    assert batched.flush() == 7
    assert recorder.batches == [[1, 2, 3], [4, 5, 6], [7]]


@pytest.mark.parametrize("options", [{"inline": True}, {"window": 0}])
def test_inline_or_without_a_window_the_caller_publishes_at_once(options):
    recorder = Recorder()
    batched = publisher(recorder, **options)
    batched.add([5, 6])
    assert recorder.batches == [[5, 6]]
    assert recorder.threads == [threading.current_thread().name]


def test_a_failed_publish_is_logged_not_raised_and_the_rest_still_go(caplog):
    recorder = Recorder(fail_times=1)
    batched = publisher(recorder, inline=True, max_batch=2)
    with caplog.at_level(logging.ERROR, logger="portal.batched_publish"):
        batched.add([1, 2, 3])
    assert recorder.batches == [[3]]
    assert "Could not publish 2 id(s) from test; the sweep will pick them up" in caplog.text


def test_flush_publishes_what_waits_and_nothing_twice():
    recorder = Recorder()
    batched = publisher(recorder, window=60)  # the thread would wait a minute
    batched.add([7, 8])
    assert batched.pending() == 2
    assert batched.flush() == 2
    assert batched.flush() == 0
    assert recorder.batches == [[7, 8]]


def test_a_forked_child_forgets_the_parents_ids():
    recorder = Recorder()
    batched = publisher(recorder, window=60)
    batched.add([9])
    child = os.fork()
    if child == 0:  # a gunicorn worker forked from a parent holding ids
        os._exit(0 if batched.pending() == 0 and batched.flush() == 0 else 1)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert batched.pending() == 1  # the parent still publishes its own
