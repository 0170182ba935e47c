"""Serves one golden workflow's network sources from local servers, for the .NET test that runs every golden case.

Usage: source_servers.py CASE_RUN_DIR

CASE_RUN_DIR/run.json names the servers under "servers" (each optional):
  "http": {"/<path>?<query>": "<file under CASE_RUN_DIR>", ...}   answered by path and exact query, else 404
  "sftp": {"root": "<folder under CASE_RUN_DIR>", "username": "...", "password": "..."}
  "ftp":  {"root": "<folder under CASE_RUN_DIR>", "username": "...", "password": "..."}
  "smtp": true
Once every server accepts connections the script prints one JSON line: {"http": "http://127.0.0.1:PORT",
"sftp_port", "sftp_host_key" ("ssh-rsa AAAA..."), "ftp_port", "smtp_port"} (only those started). Then, for each line
"mail" on stdin it prints a JSON list of the messages received since the last such line; it stops when stdin closes.
"""
from __future__ import annotations

import json
import mimetypes
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import serving_ftp, serving_http, serving_sftp, serving_smtp  # noqa: E402


def _route(folder: Path, answers: dict[str, str]) -> Any:
    def answer(handler: Any) -> tuple[int, dict[str, str], bytes]:
        name = answers.get(handler.path)
        if name is None:
            return 404, {}, b"not found"
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return 200, {"Content-Type": kind}, (folder / name).read_bytes()

    return answer


def main(argv: list[str]) -> int:
    folder = Path(argv[0]).resolve()
    servers = json.loads((folder / "run.json").read_text(encoding="utf-8")).get("servers", {})
    ready: dict[str, Any] = {}
    with ExitStack() as stack:
        if "http" in servers:
            http = stack.enter_context(serving_http())
            by_path: dict[str, dict[str, str]] = {}
            for target, name in servers["http"].items():
                by_path.setdefault(target.split("?")[0], {})[target] = name
            http.routes.update({path: _route(folder, answers) for path, answers in by_path.items()})
            ready["http"] = http.url("")
        if "sftp" in servers:
            sftp = stack.enter_context(serving_sftp(folder / servers["sftp"]["root"], servers["sftp"]["username"],
                                                    servers["sftp"]["password"]))
            ready.update(sftp_port=sftp.port, sftp_host_key=sftp.host_key)
        if "ftp" in servers:
            ftp = stack.enter_context(serving_ftp(folder / servers["ftp"]["root"], servers["ftp"]["username"],
                                                  servers["ftp"]["password"]))
            ready["ftp_port"] = ftp.port
        smtp = stack.enter_context(serving_smtp()) if servers.get("smtp") else None
        if smtp is not None:
            ready["smtp_port"] = smtp.port
        print(json.dumps(ready), flush=True)
        for line in sys.stdin:
            if line.strip() == "mail":
                received = [{"to": list(to), "message": message.as_string()} for to, message in
                            (smtp.messages if smtp else [])]
                if smtp:
                    smtp.messages.clear()
                print(json.dumps(received), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
