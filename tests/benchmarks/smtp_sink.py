"""A local SMTP server for the benchmarks: accepts every message and counts recipients.

    .venv/bin/python tests/benchmarks/smtp_sink.py PORT COUNTS_FILE

Runs in its own process, as a real mail server would, so that its work does not share
the measuring process's interpreter. On SIGTERM it writes ``{address: messages}`` as
JSON to COUNTS_FILE and exits.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections import Counter

from aiosmtpd.controller import Controller


class Counting:
    def __init__(self):
        self.delivered: Counter = Counter()

    async def handle_DATA(self, server, session, envelope):
        self.delivered.update(envelope.rcpt_tos)
        return "250 OK"


def main() -> None:
    port, counts_file = int(sys.argv[1]), sys.argv[2]
    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    controller.stop()
    with open(counts_file, "w", encoding="utf-8") as handle:
        json.dump(dict(handler.delivered), handle)


if __name__ == "__main__":
    main()
