"""E-mail through the SMTP server a secret names: smtp://user:password@host:port[?starttls=true] or smtps://..."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from ..errors import TaskError


def send(server_uri: str, message: EmailMessage, timeout: float, field: str) -> None:
    """Deliver one message; failures name the kind of error only (the URI holds the password)."""
    uri = urlsplit(server_uri)
    if uri.scheme not in ("smtp", "smtps"):
        raise TaskError("the SMTP secret must be an smtp:// or smtps:// address", field=field)
    options = parse_qs(uri.query)
    try:
        smtp_class = smtplib.SMTP_SSL if uri.scheme == "smtps" else smtplib.SMTP
        with smtp_class(uri.hostname or "", uri.port or (465 if uri.scheme == "smtps" else 25), timeout=timeout) as smtp:
            if options.get("starttls", ["false"])[0] == "true":
                smtp.starttls(context=ssl.create_default_context())
            if uri.username:
                smtp.login(unquote(uri.username), unquote(uri.password or ""))
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise TaskError(f"sending e-mail failed: {type(exc).__name__}", field=field) from None
