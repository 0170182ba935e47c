"""Real local servers for the tests: PostgreSQL, HTTP, SFTP, FTP and SMTP, each started by a fixture.

HTTP, SFTP, FTP and SMTP are context managers first (`serving_http()`, ...), so a script outside pytest can start them
too (`source_servers.py`, which serves the golden workflows' sources to the .NET run tests); the fixtures wrap them."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---- PostgreSQL ---------------------------------------------------------------------------------------------

@dataclass
class Postgres:
    port: int

    def dsn(self, password: str = "") -> str:
        credentials = f"postgres:{password}" if password else "postgres"
        return f"postgresql://{credentials}@127.0.0.1:{self.port}/postgres"

    def query(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        import psycopg2

        with psycopg2.connect(self.dsn()) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall() if cursor.description else []
        connection.close()
        return rows


def _as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip("PostgreSQL 15 server binaries are not installed")
    folder = Path(tempfile.mkdtemp(prefix="wfc-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    port = free_port()
    subprocess.run(_as_postgres([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                 "--no-sync"]), check=True, capture_output=True)
    subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
                                 f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]),
                   check=True, capture_output=True)
    try:
        yield Postgres(port)
    finally:
        subprocess.run(_as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


# ---- HTTP ---------------------------------------------------------------------------------------------------

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


@dataclass
class HttpServer:
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def serving_http() -> Iterator[HttpServer]:
    """An HTTP server on a free loopback port answering from `routes` (path without query → handler)."""
    state = HttpServer(0)

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            path = self.path.split("?")[0]
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            state.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                   "body": body})
            route = state.routes.get(path)
            status, headers, payload = route(self) if route else (404, {}, b"not found")
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _serve

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture()
def http_server() -> Iterator[HttpServer]:
    with serving_http() as state:
        yield state


def _empty_folder(path: Path) -> Path:
    path.mkdir()
    return path


# ---- SFTP ---------------------------------------------------------------------------------------------------

@dataclass
class FileServer:
    port: int
    root: Path
    username: str
    password: str
    host_key: str = ""
    auth_attempts: list[str] = field(default_factory=list)  # SFTP: every authentication request, by method
    keys: list[Any] = field(default_factory=list)  # SFTP: the host key presented to new connections is the last
    handler: Any = None  # FTP: pyftpdlib's handler class, whose settings apply to new sessions

    def replace_host_key(self) -> None:
        """Present another host key from now on, as a man in the middle (or a reinstalled server) would."""
        import paramiko

        key = paramiko.RSAKey.generate(2048)
        self.keys.append(key)
        self.host_key = f"{key.get_name()} {key.get_base64()}"


@contextmanager
def serving_sftp(root: Path, username: str = "analyst", password: str = "s3cret-pw") -> Iterator[FileServer]:
    """An SFTP server (password login only) serving the files under `root`, with a fresh RSA host key."""
    import paramiko

    state = FileServer(0, root, username, password)
    state.replace_host_key()

    class Server(paramiko.ServerInterface):
        def check_auth_none(self, username: str) -> int:
            state.auth_attempts.append("none")
            return paramiko.AUTH_FAILED

        def check_auth_publickey(self, username: str, key: Any) -> int:
            state.auth_attempts.append("publickey")
            return paramiko.AUTH_FAILED

        def check_auth_password(self, username: str, password: str) -> int:
            state.auth_attempts.append("password")
            ok = username == state.username and password == state.password
            return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

        def get_allowed_auths(self, username: str) -> str:
            return "password"

        def check_channel_request(self, kind: str, chanid: int) -> int:
            return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    class Handle(paramiko.SFTPHandle):
        pass

    class Files(paramiko.SFTPServerInterface):
        def _local(self, path: str) -> Path:
            return root / path.lstrip("/")

        def list_folder(self, path: str) -> Any:
            items = []
            for child in sorted(self._local(path).iterdir()):
                attrs = paramiko.SFTPAttributes.from_stat(child.stat())
                attrs.filename = child.name
                items.append(attrs)
            return items

        def stat(self, path: str) -> Any:
            return paramiko.SFTPAttributes.from_stat(self._local(path).stat())

        lstat = stat

        def open(self, path: str, flags: int, attr: Any) -> Any:
            handle = Handle(flags)
            handle.readfile = open(self._local(path), "rb")  # noqa: SIM115 - closed by paramiko
            return handle

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    state.port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        transports = []
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                continue
            transport = paramiko.Transport(client)
            transport.add_server_key(state.keys[-1])
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, Files)
            transports.append(transport)
            try:
                transport.start_server(server=Server())
            except (paramiko.SSHException, OSError):
                continue  # a client that hung up after the key exchange (an unknown host key) is not an error
        for transport in transports:
            transport.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


@pytest.fixture()
def sftp_server(tmp_path: Path) -> Iterator[FileServer]:
    with serving_sftp(_empty_folder(tmp_path / "sftp_root")) as state:
        yield state


# ---- FTP ----------------------------------------------------------------------------------------------------

@contextmanager
def serving_ftp(root: Path, username: str = "analyst", password: str = "ftp-pw") -> Iterator[FileServer]:
    """An FTP server (read-only login) serving the files under `root`."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    authorizer = DummyAuthorizer()
    authorizer.add_user(username, password, str(root), perm="elr")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer, "log_prefix": ""})
    server = ThreadedFTPServer(("127.0.0.1", 0), handler)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.2}, daemon=True)
    thread.start()
    try:
        yield FileServer(port, root, username, password, handler=handler)
    finally:
        server.close_all()
        thread.join(timeout=5)


@pytest.fixture()
def ftp_server(tmp_path: Path) -> Iterator[FileServer]:
    with serving_ftp(_empty_folder(tmp_path / "ftp_root")) as state:
        yield state


# ---- SMTP ---------------------------------------------------------------------------------------------------

@dataclass
class SmtpServer:
    port: int
    messages: list[Any] = field(default_factory=list)


@contextmanager
def serving_smtp() -> Iterator[SmtpServer]:
    """An SMTP server on a free loopback port keeping (recipients, message) of everything it receives."""
    from aiosmtpd.controller import Controller

    state = SmtpServer(free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            from email import message_from_bytes

            state.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
            return "250 OK"

    # A guard against a hang, not a measurement: on a loaded machine the server's thread may take seconds to start.
    controller = Controller(Handler(), hostname="127.0.0.1", port=state.port, ready_timeout=60)
    controller.start()  # returns once the server answers a connection
    try:
        yield state
    finally:
        controller.stop()


@pytest.fixture()
def smtp_server() -> Iterator[SmtpServer]:
    with serving_smtp() as state:
        yield state
