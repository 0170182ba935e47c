"""Where data lives under the shared data root, and confinement of user-given relative paths."""
from __future__ import annotations

import hashlib
import os
import re
import uuid
from pathlib import Path, PurePosixPath

from .errors import UnsafeTargetError

DEFAULT_ROOT = "/opt/airflow/shared_data"
_UNSAFE_RUN_CHARS = re.compile(r"[^A-Za-z0-9_.-]")


def data_root() -> Path:
    return Path(os.environ.get("WORKFLOWCONTROL_SHARED_DATA", DEFAULT_ROOT))


def share_with_group() -> None:
    """Let every task process that shares the data root add to what this one creates there.

    Airflow's images run each process with an arbitrary uid and group 0 (uid 50000 by default), and remote workers
    may run under other uids: a run folder the first task creates must stay writable for the next task's uid. So
    folders and files are created group-writable (the umask's group bits cleared), whatever umask Airflow started with.
    """
    current = os.umask(0)
    os.umask(current & ~0o070)


def check_uuid(value: str, field: str) -> str:
    """Owner and workflow ids become folder names, so they must be UUIDs and nothing else."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise UnsafeTargetError(f"'{value}' is not a UUID", field=field) from None


def safe_run_id(run_id: str) -> str:
    """A folder name for an Airflow run id; distinct run ids stay distinct (hash suffix when changed)."""
    cleaned = _UNSAFE_RUN_CHARS.sub("_", run_id).strip(".") or "run"
    if cleaned != run_id:
        digest = hashlib.sha256(run_id.encode("utf-8")).hexdigest()[:8]
        cleaned = f"{cleaned[:180]}_{digest}"
    return cleaned


def owner_dir(owner_id: str) -> Path:
    return data_root() / check_uuid(owner_id, "owner_id")


def run_dir(owner_id: str, workflow_id: str, run_id: str) -> Path:
    return owner_dir(owner_id) / check_uuid(workflow_id, "workflow_id") / safe_run_id(run_id)


def confined(base: Path, relative: str, field: str) -> Path:
    """Resolve a user-given relative path inside base; '..', absolute paths and symlinks are refused."""
    if not relative or "\x00" in relative:
        raise UnsafeTargetError("must be a non-empty relative path", field=field)
    pure = PurePosixPath(relative.replace("\\", "/"))
    if pure.is_absolute() or re.match(r"^[A-Za-z]:", relative):
        raise UnsafeTargetError("absolute paths are not allowed; give a path inside your data folder", field=field)
    if any(part == ".." for part in pure.parts):
        raise UnsafeTargetError("'..' is not allowed in paths", field=field)
    target = base.joinpath(*pure.parts)
    current = base
    for part in pure.parts:
        current = current / part
        if current.is_symlink():
            raise UnsafeTargetError("symbolic links are not allowed in paths", field=field)
    if base.exists() and not str(target.resolve()).startswith(str(base.resolve()) + os.sep):
        raise UnsafeTargetError("path leaves your data folder", field=field)
    return target
