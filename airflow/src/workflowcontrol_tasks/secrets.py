"""Named secrets, resolved per owner from ${WORKFLOWCONTROL_SECRETS_DIR}/<owner_id>/<name>."""
from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import SecretError
from .paths import check_uuid

DEFAULT_SECRETS_DIR = "/opt/airflow/secrets"
SECRET_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def secrets_dir() -> Path:
    return Path(os.environ.get("WORKFLOWCONTROL_SECRETS_DIR", DEFAULT_SECRETS_DIR))


def resolve_secret(owner_id: str, name: str, field: str) -> str:
    """Return the secret's value (surrounding whitespace stripped); the value never appears in errors."""
    if not isinstance(name, str) or not SECRET_NAME.fullmatch(name):
        raise SecretError("a secret name is lower-case letters, digits and '_', starting with a letter", field=field)
    path = secrets_dir() / check_uuid(owner_id, "owner_id") / name
    if path.is_symlink() or not path.is_file():
        raise SecretError(f"secret '{name}' does not exist for this owner", field=field)
    return path.read_text(encoding="utf-8").strip()
