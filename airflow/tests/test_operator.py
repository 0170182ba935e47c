"""The operator, imported and run inside the strict Airflow double of each generation (2.10 and 3.2)."""
from __future__ import annotations

import json
import logging
import subprocess
import sys
import types
import uuid
from pathlib import Path

import pandas as pd
import pytest

from strict_airflow import OVERRIDABLE
from strict_airflow.check_dags import TaskInstance

SRC = Path(__file__).resolve().parents[1] / "src"
STEP_CLASSES = ["WorkflowTaskOperator", "ExtractStep", "TransformStep", "LoadStep", "AnalyzeStep", "UtilityStep"]


def _context(ti: TaskInstance) -> dict:
    return {"ti": ti, "run_id": "scheduled__2024-05-01T06:00:00+00:00", "ds": "2024-05-01",
            "ts": "2024-05-01T06:00:00+00:00", "params": {"minimum": "2"}}


def _operator(airflow: types.ModuleType, harness, **kwargs):
    from workflowcontrol_tasks.operator import WorkflowTaskOperator

    with airflow.DAG(dag_id="wf_test", schedule=None):
        return WorkflowTaskOperator(workflow_id=harness.workflow_id, owner_id=harness.owner_id, **kwargs)


def test_execute_reads_upstreams_in_order_and_writes_under_the_run_folder(airflow, harness) -> None:
    left = harness.table(pd.DataFrame({"id": [1, 2, 3], "v": ["a", "b", "c"]}), "left_task")
    right = harness.table(pd.DataFrame({"id": [2, 3, 4], "w": [20, 30, 40]}), "right_task")
    operator = _operator(airflow, harness, task_id="joined", step_type="transform.join",
                         inputs=["left_task", "right_task"], config={"left_keys": ["id"], "how": "left"})
    ref = operator.execute(_context(TaskInstance("joined", {"left_task": left, "right_task": right})))
    path = Path(ref["path"])
    assert path.parent.parent == harness.root / harness.owner_id / harness.workflow_id
    assert path.stem == "joined" and ":" not in path.parent.name
    assert set(ref) >= {"path", "rows", "schema", "format"} and ref["rows"] == 3
    assert harness.read(ref)["w"].isna().tolist() == [True, False, False]


def test_params_macro_reaches_the_config(airflow, harness) -> None:
    source = harness.table(pd.DataFrame({"n": [1, 2, 3]}), "numbers")
    operator = _operator(airflow, harness, task_id="big", step_type="transform.filter", inputs=["numbers"],
                         config={"conditions": [{"column": "n", "operator": "ge", "value": "{{ params.minimum }}"}]})
    ref = operator.execute(_context(TaskInstance("big", {"numbers": source})))
    assert harness.read(ref)["n"].tolist() == [2, 3]


def test_a_failure_is_explained_in_one_line_before_airflows_traceback(airflow, harness, caplog) -> None:
    from workflowcontrol_tasks.compat import AirflowException

    missing = _operator(airflow, harness, task_id="clean", step_type="transform.clean", inputs=["missing"], config={})
    with pytest.raises(AirflowException, match="task clean.*field 'dependsOn'"):
        missing.execute(_context(TaskInstance("clean", {})))
    bad = _operator(airflow, harness, task_id="shout", step_type="transform.clean", config={"case": "shout"})
    caplog.clear()
    with caplog.at_level(logging.ERROR), pytest.raises(AirflowException, match="field 'case'.*'shout' is not one of"):
        bad.execute(_context(TaskInstance("shout", {})))
    first = caplog.records[0]
    assert first.levelno == logging.ERROR and first.getMessage().startswith("Step failed: task shout")
    assert "field 'case'" in first.getMessage() and "\n" not in first.getMessage()
    record_file, = (Path(harness.root) / harness.owner_id / harness.workflow_id).glob("scheduled__*/_steps/shout.json")
    record = json.loads(record_file.read_text())
    assert record["steps"]["shout"]["state"] == "failed" and "'shout' is not one of" in record["steps"]["shout"]["error"]


def test_ids_that_are_not_uuids_are_refused(airflow) -> None:
    from workflowcontrol_tasks.operator import WorkflowTaskOperator

    with airflow.DAG(dag_id="wf_test", schedule=None), pytest.raises(Exception, match="not a UUID"):
        WorkflowTaskOperator(task_id="x", step_type="transform.clean", workflow_id="../../x",
                             owner_id=str(uuid.uuid4()))


STEP_ARGUMENTS = {"step_type": "transform.clean", "inputs": ["a"], "config": {"case": "lower"},
                  "external": {"a": "a__to__b"}}
FUSED_ARGUMENTS = {"task_display_name": "a → b", "external": {"x": "x__to__y"}, "steps": [
    {"id": "a", "type": "transform.clean", "inputs": ["x"], "config": {"case": "lower"}, "keep": True},
    {"id": "b", "type": "load.file", "inputs": ["a"], "config": {"path": "b.csv"}, "keep": False}]}
OWN_STATE = {"workflow_uuid", "owner_uuid", "external_tasks", "rendered_version"}


@pytest.mark.parametrize(("class_name", "arguments", "own_names"), [
    *((name, STEP_ARGUMENTS, OWN_STATE | {"step_type", "upstream_steps", "step_config"}) for name in STEP_CLASSES),
    ("FusedSteps", FUSED_ARGUMENTS, OWN_STATE | {"fused_steps"}),
])
def test_the_operator_keeps_its_state_under_names_airflow_does_not_use(airflow, class_name: str, arguments: dict,
                                                                        own_names: set[str]) -> None:
    from workflowcontrol_tasks import operator as module

    gen = airflow.strict_double
    with airflow.DAG(dag_id="wf_test", schedule=None, default_args={"owner": "Ada", "retries": 1}):
        plain = airflow.models.BaseOperator(task_id="plain")
        step = getattr(module, class_name)(task_id="step", workflow_id=str(uuid.uuid4()), owner_id=str(uuid.uuid4()),
                                           doc_md="**Clean**", **arguments)
    own = set(vars(step)) - set(vars(plain))
    assert own == own_names
    assert not own & gen.reserved, f"instance attributes Airflow {gen.name} reserves"
    for klass in type(step).__mro__[: type(step).__mro__.index(module.BaseOperator)]:
        declared = {name for name in vars(klass) if not name.startswith("__")}
        assert not (declared & gen.reserved) - OVERRIDABLE, f"{klass.__name__} redefines a name Airflow {gen.name} owns"
    assert step.task_type == class_name and step.owner == "Ada" and step.retries == 1
    assert step.doc_md == "**Clean**" and step.template_fields == ()


def test_each_category_has_its_own_colour(airflow) -> None:
    from workflowcontrol_tasks import operator as module

    colours = {getattr(module, name).ui_color for name in [*STEP_CLASSES, "FusedSteps"]}
    assert len(colours) == len(STEP_CLASSES) + 1


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"})


def test_outside_airflow_the_operator_module_refuses_to_import_with_a_clear_message() -> None:
    result = _python("import workflowcontrol_tasks.operator")
    assert result.returncode != 0
    assert "ImportError: workflowcontrol_tasks.operator runs inside Apache Airflow 2.10 or 3.x" in result.stderr


def test_outside_airflow_the_tasks_runner_preview_and_storage_import() -> None:
    result = _python("import sys; import workflowcontrol_tasks.runner, workflowcontrol_tasks.preview, "
                     "workflowcontrol_tasks.storage, workflowcontrol_tasks.tasks; "
                     "assert not any(m == 'airflow' or m.startswith('airflow.') for m in sys.modules)")
    assert result.returncode == 0, result.stderr
