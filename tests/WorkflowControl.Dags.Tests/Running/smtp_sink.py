"""A local SMTP server for tests: prints its port, writes each message to OUT_DIR as NNN.eml, stops when stdin closes.

Usage: smtp_sink.py OUT_DIR
"""
from __future__ import annotations

import socket
import sys
from pathlib import Path

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.count += 1
        (self.folder / f"{self.count:03d}.eml").write_bytes(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


def main() -> None:
    folder = Path(sys.argv[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()  # returns once the server accepts connections
    print(port, flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
