"""Fused execution: several steps in one Airflow task, run inside the strict Airflow double of each generation.

Each DAG file here is shaped as the renderer writes it and runs task by task as Airflow would (XComs through JSON).
"""
from __future__ import annotations

import json
import logging
import re
import shutil
import types
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from strict_airflow.check_dags import TaskInstance, import_file, run_dag

RUN = {"run_id": "manual__2024-05-01T06:00:00+00:00", "logical_date": "2024-05-01T06:00:00+00:00", "conf": {}}

ORDERS = """order_id,customer,amount,region,placed,note,vip,due
1, 10 ,12.5, eu ,2024-01-02T10:00:00Z,=SUM(A1),yes,2024-02-01
2,11,,us,2024-01-03T11:30:00+02:00,plain,no,
3,10,99.0,eu,2024-02-01T00:00:00Z,"with ""quotes"", and comma",,2024-03-01
4,12,5.25,EU ,2024-02-02T08:15:00Z,,yes,
5,,40,eu,2024-03-01T09:00:00Z,-negative,no,2024-04-01
6,13,0.1,apac,2024-03-02T09:00:00Z,ü€😀,yes,2024-04-02
7,10,1e3,eu,2024-03-03T09:00:00Z,+plus,no,
8,12,7,eu,2024-03-04T09:00:00Z,@at,,2024-04-04
9,14,3.5,us,2024-03-05T09:00:00Z,x,yes,2024-04-05
10,,2.5, eu,2024-03-06T09:00:00Z,y,no,2024-04-06
"""
CUSTOMERS = """customer,segment,since
10,retail,2020-01-01
11,b2b,2021-06-30
12,retail,
14,public,2019-12-31
"""

STEPS: dict[str, dict[str, Any]] = {
    "orders": {"type": "extract.csv", "inputs": [],
               "config": {"source": "orders.csv", "types": {"placed": "timestamp"}}},
    "customers": {"type": "extract.csv", "inputs": [], "config": {"source": "customers.csv", "types": {"since": "date"}}},
    "cleaned": {"type": "transform.clean", "inputs": ["orders"],
                "config": {"trim": True, "case": "lower", "case_columns": ["region"],
                           "types": {"vip": "boolean", "due": "date"},
                           # dates and text in one column: the hand-over stores them as text
                           "null_action": "fill", "null_columns": ["due"], "fill_value": "not yet"}},
    "eu_only": {"type": "transform.filter", "inputs": ["cleaned"],
                "config": {"conditions": [{"column": "region", "operator": "eq", "value": "eu"}]}},
    "joined": {"type": "transform.join", "inputs": ["eu_only", "customers"],
               "config": {"left_keys": ["customer"], "how": "left"}},
    "export_csv": {"type": "load.file", "inputs": ["joined"], "config": {"path": "out/orders.csv", "format": "csv"}},
    "export_json": {"type": "load.file", "inputs": ["joined"], "config": {"path": "out/orders.json", "format": "json"}},
    "eu_export": {"type": "load.file", "inputs": ["eu_only"], "config": {"path": "out/eu.jsonl", "format": "jsonl"}},
}
CLASSES = {"extract": "ExtractStep", "transform": "TransformStep", "load": "LoadStep"}
EXPORTS = ["out/orders.csv", "out/orders.json", "out/eu.jsonl"]
# The groups a renderer could choose for the same steps: each is (task id, steps, kept steps); one step alone is a
# per-step task.
GROUPINGS = {
    "two groups": [("orders__to__eu_only", ["orders", "cleaned", "eu_only"], {"eu_only"}), ("customers", ["customers"], set()),
                   ("joined__to__export_json", ["joined", "export_csv", "export_json"], set()),
                   ("eu_export", ["eu_export"], set())],
    "one group": [("orders__to__eu_export", ["orders", "customers", "cleaned", "eu_only", "joined", "export_csv",
                                             "export_json", "eu_export"], set())],
}


def dag_source(harness: Any, groups: list[tuple[str, list[str], set[str]]], steps: dict[str, dict[str, Any]] = STEPS,
               dag_id: str = "wf_test") -> str:
    """A DAG file as the renderer writes it: one operator call per group (a single step runs per step)."""
    task_of = {step: task for task, members, _ in groups for step in members}
    lines = ["from airflow import DAG", "from workflowcontrol_tasks.operator import ExtractStep, FusedSteps, LoadStep, "
             "TransformStep", "", f"with DAG(dag_id={dag_id!r}, schedule=None, default_args={{'owner': 'Ada'}}):"]
    edges = []
    for task, members, kept in groups:
        external = {i: task_of[i] for m in members for i in steps[m]["inputs"] if task_of[i] != task}
        edges += sorted({f"    t_{upstream} >> t_{task}" for upstream in external.values()})
        common = f"workflow_id={harness.workflow_id!r}, owner_id={harness.owner_id!r}, external={external!r}"
        if len(members) == 1 and not kept:
            step = steps[members[0]]
            lines.append(f"    t_{task} = {CLASSES[step['type'].split('.')[0]]}(task_id={task!r}, "
                         f"step_type={step['type']!r}, inputs={step['inputs']!r}, config={step['config']!r}, {common})")
            continue
        listed = [{"id": m, "type": steps[m]["type"], "inputs": steps[m]["inputs"], "config": steps[m]["config"],
                   "keep": m in kept} for m in members]
        lines.append(f"    t_{task} = FusedSteps(task_id={task!r}, task_display_name={' → '.join(members)!r}, "
                     f"doc_md='**Fused**', steps={listed!r}, {common})")
    return "\n".join(lines + edges) + "\n"


def run_file(airflow: types.ModuleType, tmp_path: Path, source: str) -> dict[str, dict[str, Any]]:
    path = tmp_path / "wf_dag.py"
    path.write_text(source, encoding="utf-8")
    result, dags = import_file(str(path), airflow)
    assert result["ok"], result["error"]
    return {task["task_id"]: task for task in run_dag(dags[0], RUN)["tasks"]}


@pytest.fixture()
def sources(harness: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from workflowcontrol_tasks.tasks import extract

    monkeypatch.setattr(extract, "CHUNK_ROWS", 4)  # several batches, and a gap in a later one (nullable integers)
    (harness.files() / "orders.csv").write_text(ORDERS, encoding="utf-8")
    (harness.files() / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    return harness


def run_folder(harness: Any) -> Path:
    from workflowcontrol_tasks.paths import run_dir

    return run_dir(harness.owner_id, harness.workflow_id, RUN["run_id"])


@pytest.mark.parametrize("grouping", sorted(GROUPINGS))
def test_a_fused_run_exports_the_same_bytes_and_keeps_the_same_results_as_a_per_step_run(
        airflow: types.ModuleType, sources: Any, tmp_path: Path, grouping: str) -> None:
    per_step = run_file(airflow, tmp_path, dag_source(sources, [(s, [s], set()) for s in STEPS]))
    assert all(task["state"] == "success" for task in per_step.values()), per_step
    exported = {name: (sources.files() / name).read_bytes() for name in EXPORTS}
    eu_only_file = (run_folder(sources) / "eu_only.wct").read_bytes()
    assert b"'=SUM(A1)" in exported["out/orders.csv"] and b"retail" in exported["out/orders.csv"]
    assert b'"due":"2024-02-01"' in exported["out/orders.json"] and b'"due":"not yet"' in exported["out/orders.json"]
    for name in EXPORTS:
        (sources.files() / name).unlink()
    per_step_records = {path.stem: json.loads(path.read_text()) for path in (run_folder(sources) / "_steps").iterdir()}
    assert per_step_records["eu_only"]["steps"]["eu_only"]["columns"] == 8, "a step of its own keeps a record too"
    assert all(record["steps"][task]["rows"] == per_step[task]["result"]["rows"]
               for task, record in per_step_records.items()), per_step_records
    shutil.rmtree(run_folder(sources))

    fused = run_file(airflow, tmp_path, dag_source(sources, GROUPINGS[grouping]))

    assert all(task["state"] == "success" for task in fused.values()), fused
    for name in EXPORTS:
        assert (sources.files() / name).read_bytes() == exported[name], name
    records = {step: entry for task in fused.values() if "steps" in task["result"]
               for step, entry in task["result"]["steps"].items()}
    kept = {step for _, members, keep in GROUPINGS[grouping] for step in keep}
    for step, entry in records.items():
        assert entry["state"] == "success" and entry["error"] is None
        assert entry["result"] == (per_step[step]["result"] if step in kept else None), step
        assert entry["rows"] == per_step[step]["result"]["rows"]
    assert records["eu_only"]["columns"] == len(per_step["eu_only"]["result"]["schema"]) == 8
    written = {path.name for path in run_folder(sources).iterdir() if path.is_file()}
    assert written == {f"{step}.wct" for step in kept | ({"customers"} if grouping == "two groups" else set())}
    if kept:
        assert (run_folder(sources) / "eu_only.wct").read_bytes() == eu_only_file



def _group(task_id: str, members: list[str], kept: set[str] | None = None) -> list[tuple[str, list[str], set[str]]]:
    return [(task_id, members, kept or set())]


def test_the_log_names_each_step_as_it_starts_and_ends(airflow: types.ModuleType, sources: Any,
                                                       tmp_path: Path) -> None:
    tasks = run_file(airflow, tmp_path, dag_source(sources, _group("orders__to__export_csv", [
        "orders", "customers", "cleaned", "eu_only", "joined", "export_csv"])))
    log = tasks["orders__to__export_csv"]["log"]
    assert log.index("Step orders (extract.csv) started") < log.index("Step cleaned (transform.clean) started")
    assert re.search(r"Step eu_only \(transform\.filter\): 7 rows, 8 columns in \d+\.\d\d s", log)
    assert re.search(r"Step export_csv \(load\.file\): 7 rows in \d+\.\d\d s", log)
    assert "Kept 7 rows in memory" in log


def test_a_failed_step_is_explained_first_recorded_and_the_steps_after_it_do_not_run(
        airflow: types.ModuleType, sources: Any, tmp_path: Path) -> None:
    steps = {**STEPS, "eu_only": {**STEPS["eu_only"], "config": {
        "conditions": [{"column": "nope", "operator": "eq", "value": "eu"}]}}}
    tasks = run_file(airflow, tmp_path, dag_source(sources, _group("orders__to__export_csv", [
        "orders", "cleaned", "eu_only", "customers", "joined", "export_csv"], {"cleaned"}), steps))

    task = tasks["orders__to__export_csv"]
    explanation = "task eu_only (transform.filter), field 'conditions[0]': column(s) 'nope' not found; available: "
    assert task["state"] == "failed" and task["error"].endswith(f"AirflowException: {explanation}order_id, customer, amount, region, placed, note, vip, due")
    first_error = next(line for line in task["log"].splitlines() if line.startswith("ERROR"))
    assert first_error.startswith(f"ERROR - Step failed: {explanation}")
    record = json.loads((run_folder(sources) / "_steps" / "orders__to__export_csv.json").read_text())
    states = {step: entry["state"] for step, entry in record["steps"].items()}
    assert states == {"orders": "success", "cleaned": "success", "eu_only": "failed", "customers": "upstream_failed",
                      "joined": "upstream_failed", "export_csv": "upstream_failed"}
    failed = record["steps"]["eu_only"]
    assert failed["error"].startswith(explanation) and failed["rows"] is None and failed["result"] is None
    assert record["steps"]["cleaned"]["result"]["rows"] == 10 and record["steps"]["orders"]["result"] is None
    assert sorted(p.name for p in run_folder(sources).iterdir() if p.is_file()) == ["cleaned.wct"]
    assert not (sources.files() / "out" / "orders.csv").exists()


def test_the_record_shows_each_steps_state_while_the_group_runs(airflow: types.ModuleType, sources: Any,
                                                                 tmp_path: Path) -> None:
    seen: dict[str, dict[str, str]] = {}
    record = run_folder(sources) / "_steps" / "orders__to__eu_only.json"

    class Snapshot(logging.Handler):
        def emit(self, entry: logging.LogRecord) -> None:
            message = entry.getMessage()
            if message.startswith("Step ") and message.endswith(" started"):
                steps = json.loads(record.read_text())["steps"]
                seen[message.split()[1]] = {step: value["state"] for step, value in steps.items()}

    handler = Snapshot()
    logging.getLogger("workflowcontrol_tasks").addHandler(handler)
    try:
        run_file(airflow, tmp_path, dag_source(sources, _group("orders__to__eu_only", ["orders", "cleaned", "eu_only"])))
    finally:
        logging.getLogger("workflowcontrol_tasks").removeHandler(handler)
    assert seen["orders"] == {"orders": "running", "cleaned": "queued", "eu_only": "queued"}
    assert seen["eu_only"] == {"orders": "success", "cleaned": "success", "eu_only": "running"}
    final = json.loads(record.read_text())["steps"]
    assert [entry["state"] for entry in final.values()] == ["success"] * 3
    assert all(isinstance(entry["seconds"], float) and entry["seconds"] >= 0 for entry in final.values())


def _fused(airflow: types.ModuleType, harness: Any, **kwargs: Any) -> Any:
    from workflowcontrol_tasks.operator import FusedSteps

    with airflow.DAG(dag_id="wf_test", schedule=None):
        return FusedSteps(workflow_id=harness.workflow_id, owner_id=harness.owner_id, **kwargs)


def _context(ti: TaskInstance) -> dict[str, Any]:
    return {"ti": ti, "run_id": RUN["run_id"], "ds": "2024-05-01", "ts": RUN["logical_date"], "params": {}}


def test_an_input_from_a_group_that_did_not_keep_it_names_the_group_and_the_step(
        airflow: types.ModuleType, harness: Any) -> None:
    from workflowcontrol_tasks.compat import AirflowException
    from workflowcontrol_tasks.operator import WorkflowTaskOperator

    record = {"steps": {"eu_only": {"state": "success", "rows": 3, "columns": 2, "seconds": 0.1, "error": None,
                                    "result": None}}}
    ti = TaskInstance("x", {"orders__to__eu_only": record})
    message = "task export, field 'dependsOn': upstream task 'orders__to__eu_only' kept no result of step 'eu_only'"
    with airflow.DAG(dag_id="wf_test", schedule=None):
        single = WorkflowTaskOperator(task_id="export", step_type="load.file", workflow_id=harness.workflow_id,
                                      owner_id=harness.owner_id, inputs=["eu_only"], config={"path": "x.csv"},
                                      external={"eu_only": "orders__to__eu_only"})
    with pytest.raises(AirflowException, match=re.escape(message)):
        single.execute(_context(ti))
    group = _fused(airflow, harness, task_id="export__to__x", external={"eu_only": "orders__to__eu_only"}, steps=[
        {"id": "export", "type": "load.file", "inputs": ["eu_only"], "config": {"path": "x.csv"}, "keep": False}])
    with pytest.raises(AirflowException, match=re.escape(message.replace("task export,", "task export (load.file),"))):
        group.execute(_context(ti))


def test_an_input_from_a_group_record_is_that_steps_kept_result(airflow: types.ModuleType, harness: Any) -> None:
    kept = harness.table(pd.DataFrame({"region": ["eu", "us"], "n": [1, 2]}), "eu_only")
    record = {"steps": {"orders": {"state": "success", "result": None},
                        "eu_only": {"state": "success", "result": {k: v for k, v in kept.items() if k != "task_id"}}}}
    ti = TaskInstance("x", {"orders__to__eu_only": record})
    group = _fused(airflow, harness, task_id="big__to__export", external={"eu_only": "orders__to__eu_only"}, steps=[
        {"id": "big", "type": "transform.filter", "inputs": ["eu_only"], "keep": True,
         "config": {"conditions": [{"column": "n", "operator": "ge", "value": 2}]}}])
    result = group.execute(_context(ti))["steps"]["big"]
    assert result["state"] == "success" and (result["rows"], result["columns"]) == (1, 2)
    assert harness.read(result["result"])["region"].tolist() == ["us"]
    json.dumps(result)


@pytest.mark.parametrize(("steps", "problem"), [
    ([], "steps must be a non-empty list"),
    ([{"id": "../escape", "type": "extract.csv", "inputs": [], "config": {}, "keep": False}],
     "id '../escape' must be letters, digits"),
    ([{"id": "a", "type": "extract.csv", "inputs": [], "config": {}}], "must have exactly the keys"),
    ([{"id": "a", "type": "extract.csv", "inputs": [], "config": {}, "keep": False}] * 2, "step 'a' is listed twice"),
    ([{"id": "a", "type": "transform.clean", "inputs": ["b"], "config": {}, "keep": False},
      {"id": "b", "type": "extract.csv", "inputs": [], "config": {}, "keep": False}],
     "step 'a' reads 'b', which is neither an earlier step of this group nor named in external"),
    ([{"id": "a", "type": "extract.csv", "inputs": [], "config": {}, "keep": "yes"}], "keep true or false"),
])
def test_a_group_that_cannot_run_as_written_fails_the_import(airflow: types.ModuleType, harness: Any,
                                                             tmp_path: Path, steps: list, problem: str) -> None:
    path = tmp_path / "wf_bad.py"
    path.write_text("from airflow import DAG\nfrom workflowcontrol_tasks.operator import FusedSteps\n"
                    "with DAG(dag_id='wf_bad', schedule=None):\n"
                    f"    FusedSteps(task_id='g', workflow_id={harness.workflow_id!r}, owner_id={harness.owner_id!r}, "
                    f"steps={steps!r})\n", encoding="utf-8")
    result, _ = import_file(str(path), airflow)
    assert not result["ok"] and result["error"].startswith("workflowcontrol_tasks.fused.GroupDefinitionError: ")
    assert problem in result["error"]
    assert result["line"] == 4


def test_a_table_no_task_reads_leaves_no_file_but_is_counted(airflow: types.ModuleType, sources: Any,
                                                              tmp_path: Path) -> None:
    tasks = run_file(airflow, tmp_path, dag_source(sources, _group("orders__to__eu_only", [
        "orders", "cleaned", "eu_only"])))
    steps = tasks["orders__to__eu_only"]["result"]["steps"]
    assert [(steps[s]["rows"], steps[s]["columns"], steps[s]["result"]) for s in steps] == [(10, 8, None)] * 2 + [
        (7, 8, None)]
    assert [path.name for path in run_folder(sources).iterdir()] == ["_steps"]
