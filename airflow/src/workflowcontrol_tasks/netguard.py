"""Outbound network guard: only public addresses (checked after DNS, at connect time and on every redirect)
unless an administrator allows a host in WORKFLOWCONTROL_ALLOWED_HOSTS (comma-separated names, IPs or CIDRs)."""
from __future__ import annotations

import ipaddress
import logging
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .errors import LimitExceededError, TaskError, UnsafeTargetError

log = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_REDIRECTS = 5


def _allow_list() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    names: set[str] = set()
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for item in os.environ.get("WORKFLOWCONTROL_ALLOWED_HOSTS", "").split(","):
        item = item.strip().lower()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            names.add(item.rstrip("."))
    return names, networks


def allowed_name(name: str) -> bool:
    """Whether the administrator's allow-list names this host (or local socket path) itself."""
    return name.strip().rstrip(".").lower() in _allow_list()[0]


def _public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def resolve_allowed(host: str, port: int, field: str) -> str:
    """Resolve host and return an address it is safe to connect to, or refuse with UnsafeTargetError."""
    if not host:
        raise UnsafeTargetError("the address has no host", field=field)
    host = host.strip("[]").rstrip(".").lower()
    names, networks = _allow_list()
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise TaskError(f"host '{host}' could not be resolved", field=field) from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    for address in addresses:
        if host in names or any(address in net for net in networks) or _public(address):
            continue
        raise UnsafeTargetError(
            f"host '{host}' resolves to a non-public address ({address}); "
            "an administrator must allow it in WORKFLOWCONTROL_ALLOWED_HOSTS", field=field)
    return str(addresses[0])


class _GuardedConnectionMixin:
    """Checks the address at connect time, so DNS rebinding between check and connect cannot slip through."""

    _dns_host: str
    port: int

    def _new_conn(self) -> socket.socket:
        self._dns_host = resolve_allowed(self._dns_host, self.port, "url")
        return super()._new_conn()  # type: ignore[misc]


class _GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class _GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


@dataclass
class Limits:
    """Caps on one download."""

    max_bytes: int = 50 * 1024 * 1024
    timeout_seconds: float = 60.0


@dataclass
class Fetched:
    """A completed response, body already read within the caps."""

    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    links: dict[str, str] = field(default_factory=dict)

    def json(self, field_name: str = "url") -> Any:
        try:
            import json

            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise TaskError(f"the response from {self.url} is not JSON", field=field_name) from None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def check_url(url: str, field: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeTargetError("only http and https addresses are allowed", field=field)
    if parts.username or parts.password:
        raise UnsafeTargetError("credentials in the address are not allowed; use a named secret", field=field)
    resolve_allowed(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80), field)


def new_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies or .netrc from the worker's environment
    adapter = _GuardedAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def fetch(session: requests.Session, method: str, url: str, *, field: str = "url", limits: Limits | None = None,
          **kwargs: Any) -> Fetched:
    """One request with manual redirects (each target checked), a total time cap and a size cap."""
    limits = limits or Limits()
    deadline = time.monotonic() + limits.timeout_seconds
    for _ in range(MAX_REDIRECTS + 1):
        check_url(url, field)
        remaining = max(0.1, deadline - time.monotonic())
        try:
            response = session.request(method, url, allow_redirects=False, stream=True,
                                       timeout=(min(10.0, remaining), remaining), **kwargs)
        except requests.Timeout:
            raise LimitExceededError(f"{url} did not answer within {limits.timeout_seconds:g} s", field=field) from None
        except requests.RequestException as exc:
            raise TaskError(f"request to {url} failed: {type(exc).__name__}", field=field) from None
        with response:
            if response.is_redirect and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                if response.status_code in (301, 302, 303) and method != "HEAD":
                    method, kwargs = "GET", {k: v for k, v in kwargs.items() if k not in ("json", "data")}
                continue
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise LimitExceededError(f"{url} is larger than the {limits.max_bytes} byte limit", field=field)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_content(65536):
                size += len(chunk)
                if size > limits.max_bytes:
                    raise LimitExceededError(f"{url} is larger than the {limits.max_bytes} byte limit", field=field)
                if time.monotonic() > deadline:
                    raise LimitExceededError(f"{url} took longer than {limits.timeout_seconds:g} s", field=field)
                chunks.append(chunk)
            if response.status_code >= 400:
                raise TaskError(f"{url} answered HTTP {response.status_code}", field=field)
            links = {rel: info["url"] for rel, info in response.links.items() if "url" in info}
            log.info("Fetched %s (%d bytes, HTTP %d)", url, size, response.status_code)
            return Fetched(url, response.status_code, dict(response.headers), b"".join(chunks), links)
    raise TaskError(f"more than {MAX_REDIRECTS} redirects", field=field)
