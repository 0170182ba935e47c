"""Shared data for remote workers: task processes of different users and working directories on one shared root.

Airflow's images run every process with group 0 and an arbitrary uid (50000 by default); Celery workers on other
machines mount the same shared root. Two task processes of one run, started here as two users of group 0 (when the
tests run as root; otherwise as the current user, and only the working directories differ), each in its own working
directory: the first writes a table and records the run's version, the second reads it and writes its own result
into the run folder the first created.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
USERS = (50000, 50001)

TASK = """
import json, sys
import pandas as pd
from workflowcontrol_tasks.context import TaskContext
from workflowcontrol_tasks.paths import run_dir, share_with_group
from workflowcontrol_tasks.run_version import check_run_version
from workflowcontrol_tasks.runner import run_task

owner, workflow, run_id, step, upstream = sys.argv[1:6]
share_with_group()  # what the operator does first in every task
check_run_version(run_dir(owner, workflow, run_id), 1)
context = TaskContext(task_id=step, task_type="", owner_id=owner, workflow_id=workflow, run_id=run_id)
if upstream == "-":
    ref = context.write_table(pd.DataFrame({"n": [3, 1, 2]}))
else:
    ref = run_task("transform.clean", {}, [json.loads(upstream)], context)
print(json.dumps({**ref, "task_id": step}))
"""


def _as_user(uid: int):
    def switch() -> None:
        os.setgid(0)
        os.setgroups([0])
        os.setuid(uid)
    return switch if os.geteuid() == 0 else None


def _task(root: Path, cwd: Path, uid: int, *args: str) -> dict:
    cwd.mkdir(mode=0o777)
    home = cwd.with_name(cwd.name + "-home")  # libraries may cache below HOME; that is not the working directory
    home.mkdir(mode=0o777)
    result = subprocess.run([sys.executable, "-c", TASK, *args], cwd=cwd, capture_output=True, text=True, check=False,
                            preexec_fn=_as_user(uid), umask=0o022,  # a umask that would shut the other user out
                            env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin", "HOME": str(home),
                                 "WORKFLOWCONTROL_SHARED_DATA": str(root)})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture()
def machine() -> Iterator[Path]:
    """A folder the other users can reach (pytest's own temporary folders are private to the user running it)."""
    with tempfile.TemporaryDirectory(prefix="wfc-shared-") as folder:
        Path(folder).chmod(0o755)
        yield Path(folder)


def test_two_task_processes_of_different_users_and_folders_share_one_run(machine: Path) -> None:
    tmp_path = machine
    root = tmp_path / "shared_data"
    root.mkdir()
    # What an administrator prepares (docs/task-library.md): the root belongs to group 0 and is group-writable.
    os.chown(root, -1, 0) if os.geteuid() == 0 else None
    root.chmod(0o2775)
    owner, workflow, run_id = str(uuid.uuid4()), str(uuid.uuid4()), "scheduled__2024-05-01T06:00:00+00:00"

    first = _task(root, tmp_path / "worker-a", USERS[0], owner, workflow, run_id, "numbers", "-")
    second = _task(root, tmp_path / "worker-b", USERS[1], owner, workflow, run_id, "cleaned", json.dumps(first))

    assert Path(first["path"]).parent == Path(second["path"]).parent, "both tasks write into one run folder"
    assert second["rows"] == 3
    if os.geteuid() == 0:
        assert {Path(first["path"]).stat().st_uid, Path(second["path"]).stat().st_uid} == set(USERS)
    assert [p.name for folder in ("worker-a", "worker-b") for p in (tmp_path / folder).iterdir()] == [], \
        "nothing is written relative to a worker's working directory"
