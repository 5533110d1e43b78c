"""A local SMTP sink for the benchmarks: accepts every message and counts recipients.

    .venv/bin/python tests/benchmarks/smtp_sink.py PORT COUNTS_FILE

It stands in for the mail relay, which in production runs on other machines: it runs in
its own process and speaks only the SMTP a client needs to hand over a message (EHLO,
MAIL, RCPT, DATA, RSET, NOOP, QUIT), reading the data without parsing it, so that the
little CPU it takes from the two cores goes to the code being measured. (aiosmtpd, the
test suite's server, spent about 0.6 ms per message.) On SIGTERM it writes
``{address: messages}`` as JSON to COUNTS_FILE and exits.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter

delivered: Counter = Counter()


async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    recipients: list[str] = []
    writer.write(b"220 sink ESMTP\r\n")
    while line := await reader.readline():
        verb = line[:4].upper()
        if verb in (b"EHLO", b"HELO"):
            writer.write(b"250-sink\r\n250 8BITMIME\r\n")
        elif verb == b"MAIL":
            recipients = []
            writer.write(b"250 OK\r\n")
        elif verb == b"RCPT":
            address = line.split(b":", 1)[1].strip().strip(b"<>").split(b">")[0]
            recipients.append(address.decode())
            writer.write(b"250 OK\r\n")
        elif verb == b"DATA":
            writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
            await writer.drain()
            await reader.readuntil(b"\r\n.\r\n")
            delivered.update(recipients)
            recipients = []
            writer.write(b"250 OK\r\n")
        elif verb == b"QUIT":
            writer.write(b"221 Bye\r\n")
            break
        else:  # RSET, NOOP
            writer.write(b"250 OK\r\n")
        await writer.drain()
    await writer.drain()
    writer.close()


async def serve(port: int, counts_file: str) -> None:
    server = await asyncio.start_server(session, "127.0.0.1", port, limit=1 << 20)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    server.close()
    with open(counts_file, "w", encoding="utf-8") as handle:
        json.dump(dict(delivered), handle)


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2]))
