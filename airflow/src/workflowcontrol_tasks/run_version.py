"""One run, one workflow version, with folder delivery.

A deployment replaces the workflow's DAG file in place (Airflow 2.10, or Airflow 3 without a versioned bundle), so the
tasks of a run that started on version 1 and have not started yet would run version 2's code and config after the
redeployment: a run that mixes versions while the product reports it as version 1. Instead, the first task of a run
records the version it was rendered from in the run's folder (`<run folder>/_version`), and every task compares its own
version with it and fails, naming both, when they differ. The folder sits on the shared data volume, so tasks on
different workers see the same record; it is created with O_EXCL semantics (link of a complete temporary file), so two
first tasks starting at once agree on one version.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from .errors import TaskError

RECORD = "_version"


class RedeployedError(TaskError):
    """The workflow was deployed again while this run was going on; its remaining tasks would run another version."""


def run_version(run_folder: Path, version: int) -> int:
    """The version the run started with: the recorded one, or `version`, recorded now by the run's first task."""
    record = run_folder / RECORD
    if not record.exists():
        run_folder.mkdir(parents=True, exist_ok=True)
        # Written in full under a private name, then linked into place: a reader never sees half a number, and link()
        # fails when another task got there first, like O_EXCL, also on NFS.
        temporary = run_folder / f".{RECORD}.{uuid.uuid4().hex}"
        temporary.write_text(f"{version}\n", encoding="utf-8")
        try:
            os.link(temporary, record)
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    text = record.read_text(encoding="utf-8").strip()
    try:
        return int(text)
    except ValueError:
        raise TaskError(f"the run's version record {record.name} holds '{text[:20]}', not a version") from None


def check_run_version(run_folder: Path, version: int) -> None:
    """Fails when the run started with another version than the one this task was rendered from."""
    started = run_version(run_folder, version)
    if started != version:
        raise RedeployedError(f"the workflow was redeployed during this run (v{started} → v{version}); "
                              "start a new run")
