"""Folder delivery: a run never mixes workflow versions silently (the tasks of one run on two rendered versions)."""
from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd
import pytest

from strict_airflow.check_dags import TaskInstance

RUN_ID = "manual__2024-05-01T06:00:00+00:00"


def _context(ti: TaskInstance, run_id: str = RUN_ID) -> dict:
    return {"ti": ti, "run_id": run_id, "ds": "2024-05-01", "ts": "2024-05-01T06:00:00+00:00", "params": {}}


def _step(airflow, harness, version: int | None, task_id: str, **kwargs):
    from workflowcontrol_tasks.operator import WorkflowTaskOperator

    with airflow.DAG(dag_id="wf_test", schedule=None):
        return WorkflowTaskOperator(task_id=task_id, workflow_id=harness.workflow_id, owner_id=harness.owner_id,
                                    workflow_version=version, **kwargs)


def test_a_task_rendered_from_a_newer_version_fails_and_names_both_versions(airflow, harness) -> None:
    from workflowcontrol_tasks.compat import AirflowException

    source = harness.table(pd.DataFrame({"n": [1, 2]}), "numbers")
    first = _step(airflow, harness, 1, "clean", step_type="transform.clean", inputs=["numbers"], config={})
    first.execute(_context(TaskInstance("clean", {"numbers": source})))
    # Version 2 is deployed: the DAG file Airflow parses for the run's remaining tasks is the new one.
    later = _step(airflow, harness, 2, "export", step_type="transform.clean", inputs=["numbers"], config={})
    with pytest.raises(AirflowException) as raised:
        later.execute(_context(TaskInstance("export", {"numbers": source})))
    assert "the workflow was redeployed during this run (v1 → v2); start a new run" in str(raised.value)
    # A new run starts on version 2 and runs.
    ref = later.execute(_context(TaskInstance("export", {"numbers": source}), run_id="manual__2024-05-02"))
    assert ref["rows"] == 2


def test_the_fused_task_checks_too(airflow, harness) -> None:
    from workflowcontrol_tasks.compat import AirflowException
    from workflowcontrol_tasks.operator import FusedSteps

    source = harness.table(pd.DataFrame({"n": [1, 2]}), "numbers")
    _step(airflow, harness, 3, "first", step_type="transform.clean", inputs=["numbers"], config={}).execute(
        _context(TaskInstance("first", {"numbers": source})))
    with airflow.DAG(dag_id="wf_test", schedule=None):
        group = FusedSteps(task_id="group", workflow_id=harness.workflow_id, owner_id=harness.owner_id,
                           workflow_version=4, external={"numbers": "numbers"},
                           steps=[{"id": "a", "type": "transform.clean", "inputs": ["numbers"], "config": {},
                                   "keep": True}])
    with pytest.raises(AirflowException, match="redeployed during this run \\(v3 → v4\\)"):
        group.execute(_context(TaskInstance("group", {"numbers": source})))


def test_files_rendered_before_the_check_existed_still_run(airflow, harness) -> None:
    source = harness.table(pd.DataFrame({"n": [1]}), "numbers")
    _step(airflow, harness, 5, "first", step_type="transform.clean", inputs=["numbers"], config={}).execute(
        _context(TaskInstance("first", {"numbers": source})))
    old = _step(airflow, harness, None, "old", step_type="transform.clean", inputs=["numbers"], config={})
    assert old.execute(_context(TaskInstance("old", {"numbers": source})))["rows"] == 1


def test_first_tasks_starting_together_agree_on_one_version(tmp_path: Path) -> None:
    from workflowcontrol_tasks.run_version import run_version

    folder = tmp_path / "run"
    barrier = threading.Barrier(8)
    seen: list[int] = []

    def first_task(version: int) -> None:
        barrier.wait()
        seen.append(run_version(folder, version))

    threads = [threading.Thread(target=first_task, args=(1 + n % 2,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and seen[0] in (1, 2)
    assert [p.name for p in folder.iterdir()] == ["_version"], "no temporary record is left behind"
