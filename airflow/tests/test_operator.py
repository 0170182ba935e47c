"""The operator pulls upstream references from XCom, renders macros, and writes under the run folder."""
from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd
import pytest

from workflowcontrol_tasks.compat import AirflowException
from workflowcontrol_tasks.operator import WorkflowTaskOperator


class FakeTaskInstance:
    def __init__(self, xcoms: dict) -> None:
        self.xcoms = xcoms
        self.pulled: list[str] = []

    def xcom_pull(self, task_ids: str) -> object:
        self.pulled.append(task_ids)
        return self.xcoms.get(task_ids)


def _context(ti: FakeTaskInstance) -> dict:
    return {"ti": ti, "run_id": "scheduled__2024-05-01T06:00:00+00:00", "ds": "2024-05-01",
            "ts": "2024-05-01T06:00:00+00:00", "params": {"minimum": "2"}}


def test_execute_reads_upstreams_in_order_and_writes_under_the_run_folder(harness) -> None:
    left = harness.table(pd.DataFrame({"id": [1, 2, 3], "v": ["a", "b", "c"]}), "left_task")
    right = harness.table(pd.DataFrame({"id": [2, 3, 4], "w": [20, 30, 40]}), "right_task")
    operator = WorkflowTaskOperator(task_id="joined", task_type="transform.join", workflow_id=harness.workflow_id,
                                    owner_id=harness.owner_id, inputs=["left_task", "right_task"],
                                    config={"left_keys": ["id"], "how": "left"})
    ti = FakeTaskInstance({"left_task": left, "right_task": right})
    ref = operator.execute(_context(ti))
    assert ti.pulled == ["left_task", "right_task"]
    path = Path(ref["path"])
    assert path.parent.parent == harness.root / harness.owner_id / harness.workflow_id
    assert path.stem == "joined" and ":" not in path.parent.name
    assert set(ref) >= {"path", "rows", "schema", "format"} and ref["rows"] == 3
    assert harness.read(ref)["w"].isna().tolist() == [True, False, False]


def test_params_macro_reaches_the_config(harness) -> None:
    source = harness.table(pd.DataFrame({"n": [1, 2, 3]}), "numbers")
    operator = WorkflowTaskOperator(task_id="big", task_type="transform.filter", workflow_id=harness.workflow_id,
                                    owner_id=harness.owner_id, inputs=["numbers"],
                                    config={"conditions": [{"column": "n", "operator": "ge",
                                                            "value": "{{ params.minimum }}"}]})
    ref = operator.execute(_context(FakeTaskInstance({"numbers": source})))
    assert harness.read(ref)["n"].tolist() == [2, 3]


def test_no_templated_fields_and_errors_name_task_and_field(harness) -> None:
    assert WorkflowTaskOperator.template_fields == ()
    operator = WorkflowTaskOperator(task_id="clean", task_type="transform.clean", workflow_id=harness.workflow_id,
                                    owner_id=harness.owner_id, inputs=["missing"], config={})
    with pytest.raises(AirflowException, match="task clean.*field 'dependsOn'"):
        operator.execute(_context(FakeTaskInstance({})))
    bad = WorkflowTaskOperator(task_id="clean", task_type="transform.clean", workflow_id=harness.workflow_id,
                               owner_id=harness.owner_id, inputs=[], config={"case": "shout"})
    with pytest.raises(AirflowException, match="field 'case'.*'shout' is not one of"):
        bad.execute(_context(FakeTaskInstance({})))


def test_ids_that_are_not_uuids_are_refused() -> None:
    with pytest.raises(Exception, match="not a UUID"):
        WorkflowTaskOperator(task_id="x", task_type="transform.clean", workflow_id="../../x",
                             owner_id=str(uuid.uuid4()))
