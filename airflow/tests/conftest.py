"""Shared fixtures: the library's source on sys.path, a per-test shared data root and owner ids."""
from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from typing import TYPE_CHECKING
import uuid
from pathlib import Path

import pytest

if TYPE_CHECKING:
    import pandas as pd

    from workflowcontrol_tasks.context import TaskContext

SRC = Path(__file__).resolve().parents[1] / "src"
DOUBLE = Path(__file__).resolve().parents[1]  # holds strict_airflow, the test double of Airflow's authoring interface
for entry in (SRC, DOUBLE):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

pytest_plugins = ["servers"]


@pytest.fixture()
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "shared_data"
    root.mkdir()
    monkeypatch.setenv("WORKFLOWCONTROL_SHARED_DATA", str(root))
    monkeypatch.setenv("WORKFLOWCONTROL_SECRETS_DIR", str(tmp_path / "secrets"))
    monkeypatch.delenv("WORKFLOWCONTROL_ALLOWED_HOSTS", raising=False)
    return root


@pytest.fixture()
def owner_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture()
def allow_localhost(data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The administrator's allow-list for the local test servers (after data_root, which clears it)."""
    monkeypatch.setenv("WORKFLOWCONTROL_ALLOWED_HOSTS", "127.0.0.1")


class Harness:
    """Runs tasks the way the operator does, for one owner and workflow under a temporary data root."""

    def __init__(self, root: Path, owner: str, secrets_root: Path) -> None:
        self.root = root
        self.owner_id = owner
        self.workflow_id = str(uuid.uuid4())
        self.secrets_root = secrets_root
        self.run_id = "manual__2024-05-01T06:00:00+00:00"

    def context(self, task_id: str = "task", **kwargs: object) -> "TaskContext":
        from workflowcontrol_tasks.context import TaskContext

        values = {"ds": "2024-05-01", "ts": "2024-05-01T06:00:00+00:00", "run_id": self.run_id, **kwargs}
        return TaskContext(task_id=task_id, task_type="", owner_id=self.owner_id, workflow_id=self.workflow_id,
                           **values)  # type: ignore[arg-type]

    def run(self, task_type: str, config: dict, inputs: list | tuple = (), task_id: str = "task",
            **kwargs: object) -> dict:
        from workflowcontrol_tasks.runner import run_task

        return run_task(task_type, config, list(inputs), self.context(task_id, **kwargs))

    def table(self, frame: "pd.DataFrame", task_id: str = "upstream") -> dict:
        return {**self.context(task_id).write_table(frame), "task_id": task_id}

    def read(self, ref: dict) -> "pd.DataFrame":
        from workflowcontrol_tasks.storage import read_table

        return read_table(Path(ref["path"]))

    def secret(self, name: str, value: str) -> None:
        folder = self.secrets_root / self.owner_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(value + "\n", encoding="utf-8")

    def files(self) -> Path:
        folder = self.root / self.owner_id / "files"
        folder.mkdir(parents=True, exist_ok=True)
        return folder


@pytest.fixture()
def harness(data_root: Path, owner_id: str, tmp_path: Path) -> Harness:
    return Harness(data_root, owner_id, tmp_path / "secrets")


@pytest.fixture(params=["2.10", "3.2"], ids=lambda g: f"airflow-{g}")
def airflow(request: pytest.FixtureRequest) -> Iterator[types.ModuleType]:
    """The strict double of one Airflow generation, importable as `airflow` for the test (and the operator with it)."""
    from strict_airflow import installed

    with installed(request.param) as module:
        yield module
