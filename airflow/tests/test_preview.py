"""The preview entry point as the API calls it: a subprocess with PYTHONPATH=airflow/src."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

SRC = Path(__file__).resolve().parents[1] / "src"


def _preview(request: dict) -> tuple[int, dict]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run([sys.executable, "-m", "workflowcontrol_tasks.preview"], input=json.dumps(request),
                            capture_output=True, text=True, env=env, timeout=60)
    return result.returncode, json.loads(result.stdout)


def test_preview_runs_a_task_on_the_first_rows_of_its_input(harness) -> None:
    ref = harness.table(pd.DataFrame({"n": range(500), "day": pd.date_range("2024-01-01", periods=500, tz="UTC")}))
    code, answer = _preview({"taskType": "transform.filter", "ownerId": harness.owner_id, "limit": 10,
                             "inputs": {"data": ref["path"]},
                             "config": {"conditions": [{"column": "n", "operator": "ge", "value": 5}]}})
    assert code == 0, answer
    assert [row["n"] for row in answer["rows"]] == [5, 6, 7, 8, 9]
    assert answer["rows"][0]["day"] == "2024-01-06T00:00:00+00:00"
    assert answer["schema"] == [{"name": "n", "type": "integer"}, {"name": "day", "type": "timestamp",
                                                                   "timezone": "UTC"}]
    assert not list((harness.root / harness.owner_id).glob("00000000-*"))  # preview leaves no results behind


def test_preview_errors_name_task_field_and_problem(harness) -> None:
    ref = harness.table(pd.DataFrame({"n": [1]}))
    code, answer = _preview({"taskType": "transform.filter", "ownerId": harness.owner_id,
                             "inputs": {"data": ref["path"]},
                             "config": {"conditions": [{"column": "nope", "operator": "eq", "value": 1}]}})
    assert code == 2
    assert answer["error"]["field"] == "conditions[0]" and "'nope' not found" in answer["error"]["problem"]
    assert "transform.filter" in answer["error"]["task"]


def test_preview_refuses_inputs_outside_the_owners_folder(harness, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.wct"
    other.write_bytes(b"WCTABLE1")
    code, answer = _preview({"taskType": "transform.clean", "ownerId": harness.owner_id,
                             "inputs": {"data": str(other)}, "config": {}})
    assert code == 2 and answer["error"]["field"] == "inputs.data"


def test_side_effect_tasks_have_no_preview(harness) -> None:
    code, answer = _preview({"taskType": "load.postgres", "ownerId": harness.owner_id, "config": {}})
    assert code == 2 and "no data preview" in answer["error"]["problem"]


def test_preview_of_a_downstream_task_runs_its_ancestors_on_the_same_sample(harness) -> None:
    files = harness.root / harness.owner_id / "files"
    files.mkdir(parents=True, exist_ok=True)
    (files / "sales.csv").write_text("region,amount\nnorth,5\nsouth,12\nnorth,30\n", encoding="utf-8")
    code, answer = _preview({"taskType": "transform.filter", "ownerId": harness.owner_id, "limit": 10,
                             "dependsOn": ["extract"],
                             "upstream": [{"id": "extract", "taskType": "extract.csv",
                                           "config": {"source": "sales.csv"}, "dependsOn": []}],
                             "config": {"conditions": [{"column": "amount", "operator": "ge", "value": 10}]}})
    assert code == 0, answer
    assert answer["rows"] == [{"region": "south", "amount": 12}, {"region": "north", "amount": 30}]


def test_preview_names_the_upstream_task_that_has_no_preview(harness) -> None:
    code, answer = _preview({"taskType": "transform.clean", "ownerId": harness.owner_id, "dependsOn": ["load"],
                             "upstream": [{"id": "load", "taskType": "load.postgres", "config": {}, "dependsOn": []}],
                             "config": {}})
    assert code == 2 and answer["error"]["task"] == "load" and "no data preview" in answer["error"]["problem"]
