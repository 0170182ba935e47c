"""SFTP connections that check the server's host key before any credential is sent.

A man in the middle who is allowed to finish authentication has the password, whatever is compared afterwards;
so the key exchange runs first, the presented key is compared with the keys known for the host, and only a
known key (or, where an administrator enabled it, a first-seen one) is followed by the password.
"""
from __future__ import annotations

import base64
import binascii
import fnmatch
import hashlib
import logging
import os
import posixpath
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import TaskError, UnsafeTargetError
from .ftp import Retrieve

log = logging.getLogger(__name__)

TRUST_ON_FIRST_USE_ENV = "WORKFLOWCONTROL_SFTP_TRUST_ON_FIRST_USE"
KNOWN_HOSTS_SECRET = "known_hosts"
_ENABLED = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class HostKey:
    """A public host key as OpenSSH writes it: type and base64 data."""

    kind: str
    data: str

    @classmethod
    def parse(cls, text: str) -> HostKey | None:
        """'ssh-ed25519 AAAA... [comment]' to a key; None when it is not one."""
        fields = text.split()
        if len(fields) < 2:
            return None
        try:
            base64.b64decode(fields[1], validate=True)
        except (binascii.Error, ValueError):
            return None
        return cls(fields[0], fields[1])

    def fingerprint(self) -> str:
        digest = hashlib.sha256(base64.b64decode(self.data)).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")

    def __str__(self) -> str:
        return f"{self.kind} {self.data}"


def host_names(host: str, address: str, port: int) -> list[str]:
    """The names a known_hosts line may use for this server: the configured name and the address it resolved to."""
    plain = [host.strip("[]").rstrip(".").lower(), address]
    return list(dict.fromkeys(name if port == 22 else f"[{name}]:{port}" for name in plain))


def _name_matches(pattern: str, names: Sequence[str]) -> bool:
    import paramiko

    if pattern.startswith("|1|"):  # hashed entry (ssh-keygen -H): HMAC of the name with the entry's salt
        return any(paramiko.HostKeys.hash_host(name, pattern) == pattern for name in names)
    return pattern.lower() in names


def known_keys(known_hosts: str, names: Sequence[str]) -> list[HostKey]:
    """Keys that an OpenSSH known_hosts text lists for any of names (markers such as @revoked are skipped)."""
    keys = []
    for line in known_hosts.splitlines():
        fields = line.split()
        if len(fields) < 3 or fields[0].startswith(("#", "@")):
            continue
        key = HostKey.parse(" ".join(fields[1:3]))
        if key is not None and any(_name_matches(p, names) for p in fields[0].split(",")):
            keys.append(key)
    return keys


def trust_on_first_use() -> bool:
    return os.environ.get(TRUST_ON_FIRST_USE_ENV, "").strip().lower() in _ENABLED


@dataclass
class HostKeyCheck:
    """Where the keys a server may present come from, most specific first."""

    names: list[str]
    pinned: str = ""
    known_hosts: str = ""
    learned_file: Path | None = None  # trust on first use: keys seen first, per owner

    def expected(self) -> tuple[list[HostKey], str]:
        if self.pinned.strip():
            key = HostKey.parse(self.pinned)
            if key is None:
                raise UnsafeTargetError("is not a public key ('ssh-ed25519 AAAA...')", field="host_key")
            return [key], "the host key pinned in this step"
        known = known_keys(self.known_hosts, self.names)
        if known:
            return known, f"your '{KNOWN_HOSTS_SECRET}' secret"
        if self.learned_file is not None and self.learned_file.is_file():
            return known_keys(self.learned_file.read_text(encoding="utf-8"), self.names), \
                "the key this server presented when it was first used"
        return [], ""

    def verify(self, presented: HostKey) -> bool:
        """Accept or refuse the presented key before authentication; True when it is to be learned."""
        expected, source = self.expected()
        shown = f"{presented.kind} {presented.fingerprint()}"
        if expected:
            if presented in expected:
                return False
            raise UnsafeTargetError(f"the server's host key ({shown}) does not match {source}; no credentials "
                                    "were sent", field="host_key")
        if self.learned_file is not None:
            return True
        log.info("Unknown SFTP host key presented: %s", presented)
        raise UnsafeTargetError(f"the server's host key ({shown}) is not known; pin it in host_key or add it to your "
                                f"'{KNOWN_HOSTS_SECRET}' secret after checking it with the server's administrator; "
                                "no credentials were sent", field="host_key")

    def learn(self, presented: HostKey) -> None:
        assert self.learned_file is not None
        self.learned_file.parent.mkdir(parents=True, exist_ok=True)
        existing = self.learned_file.read_text(encoding="utf-8") if self.learned_file.is_file() else ""
        temporary = self.learned_file.with_suffix(".partial")
        temporary.write_text(existing + f"{self.names[0]} {presented}\n", encoding="utf-8")
        os.replace(temporary, self.learned_file)
        log.warning("Trusting SFTP host key %s of %s on first use", presented.fingerprint(), self.names[0])


def connect(address: str, port: int, username: str, password: str, check: HostKeyCheck, timeout: float) -> Any:
    """An authenticated paramiko Transport: key exchange, host key verified, then (only then) the password."""
    import paramiko

    try:
        sock = socket.create_connection((address, port), timeout=timeout)
    except OSError as exc:
        raise TaskError(f"SFTP failed: could not connect ({type(exc).__name__})", field="host") from None
    transport = paramiko.Transport(sock)
    transport.banner_timeout = transport.auth_timeout = timeout
    try:
        transport.start_client(timeout=timeout)  # key exchange only: nothing about the user is sent yet
        key = transport.get_remote_server_key()
        presented = HostKey(key.get_name(), key.get_base64())
        learn = check.verify(presented)
        transport.auth_password(username, password)
        if learn:
            check.learn(presented)
        return transport
    except paramiko.AuthenticationException:
        transport.close()
        raise TaskError("SFTP login failed: check the user name and the password secret", field="username") from None
    except BaseException:
        transport.close()
        raise


def matching_files(address: str, port: int, username: str, password: str, check: HostKeyCheck, directory: str,
                   pattern: str, timeout: float) -> Iterator[tuple[str, Retrieve]]:
    """(name, retrieve) per file of `directory` matching `pattern`, sorted, as the FTP client gives them."""
    import paramiko

    transport = None
    try:
        transport = connect(address, port, username, password, check, timeout)
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None
        sftp.get_channel().settimeout(timeout)
        names = sorted(n for n in sftp.listdir(directory) if fnmatch.fnmatch(n, pattern))
        for name in names:
            remote = posixpath.join(directory, name)
            yield name, lambda sink, remote=remote: _copy(sftp, remote, sink)
    except (paramiko.SSHException, OSError) as exc:
        raise TaskError(f"SFTP failed: {type(exc).__name__}: {str(exc)[:200]}", field="host") from None
    finally:
        if transport is not None:
            transport.close()


def _copy(sftp: Any, remote: str, sink: Any) -> None:
    with sftp.open(remote, "rb") as handle:
        while chunk := handle.read(65536):
            sink(chunk)
