"""Webhook deliveries (Slack and generic JSON) through the outbound guard."""
from __future__ import annotations

from typing import Any

from .. import netguard
from ..errors import TaskError


def post(url: str, payload: dict[str, Any], timeout: float, field: str) -> None:
    """POST the payload as JSON; errors never show the address, which is a secret (Slack puts the token in it)."""
    limits = netguard.Limits(max_bytes=1024 * 1024, timeout_seconds=timeout)
    try:
        netguard.fetch(netguard.new_session(), "POST", url, field=field, limits=limits, json=payload)
    except TaskError as error:
        raise type(error)(error.problem.replace(url, "the webhook address"), field=field) from None
