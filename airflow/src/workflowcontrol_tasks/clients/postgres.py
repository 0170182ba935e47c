"""PostgreSQL connections from a secret's URI: every host through the outbound guard, errors without the URI."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import netguard
from ..errors import TaskError, UnsafeTargetError


def pg_host_addresses(params: Mapping[str, str], field: str) -> str:
    """Each host of a parsed connection string through the outbound guard, as libpq's hostaddr list.

    Connecting to the checked addresses (libpq still uses the host names for TLS) leaves no DNS rebinding window.
    Unix sockets and service files would bypass the check, so they need the administrator's allow-list or are
    refused.
    """
    if "service" in params:
        raise UnsafeTargetError("connection service files are not allowed; name the host in the URI", field=field)
    hosts = [h.strip() for h in params.get("host", "").split(",")]
    given = [a.strip() for a in params["hostaddr"].split(",")] if params.get("hostaddr") else [""] * len(hosts)
    ports = [p.strip() for p in params.get("port", "").split(",")]
    ports = ports * len(hosts) if len(ports) == 1 else ports
    if len(given) != len(hosts) or len(ports) != len(hosts):
        raise TaskError("the connection URI lists hosts, addresses and ports in different numbers", field=field)
    addresses = []
    for host, address, port in zip(hosts, given, ports):
        number = int(port) if port.isdigit() else 5432
        if address:
            addresses.append(netguard.resolve_allowed(address, number, field))
        elif not host:
            raise UnsafeTargetError("the connection URI names no host", field=field)
        elif host.startswith("/"):
            if not netguard.allowed_name(host):
                raise UnsafeTargetError(f"local socket '{host}' is refused; an administrator must allow it in "
                                        "WORKFLOWCONTROL_ALLOWED_HOSTS", field=field)
            addresses.append("")
        else:
            addresses.append(netguard.resolve_allowed(host, number, field))
    return ",".join(addresses)


def pg_connect(dsn: str, timeout_seconds: int, field: str) -> Any:
    """Open a PostgreSQL connection from a secret's URI with a statement time-out; errors never echo the URI."""
    import psycopg2
    from psycopg2.extensions import parse_dsn

    try:
        params = parse_dsn(dsn)
    except psycopg2.Error:
        raise TaskError("is not a valid PostgreSQL connection URI", field=field) from None
    addresses = pg_host_addresses(params, field)
    pinned = {"hostaddr": addresses} if addresses.strip(",") else {}
    try:
        return psycopg2.connect(dsn, connect_timeout=10, application_name="workflowcontrol",
                                options=f"-c statement_timeout={int(timeout_seconds) * 1000}", **pinned)
    except psycopg2.Error as exc:
        raise TaskError(f"could not connect to the database: {pg_message(exc)}", field=field) from None


def pg_message(exc: Exception) -> str:
    """The server's primary message only (no SQL text, no connection string)."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        return str(primary)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text.split("postgresql://")[0].split("password=")[0].strip() or type(exc).__name__
