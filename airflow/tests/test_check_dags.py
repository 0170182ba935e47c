"""check_dags.py imports a DAG file as Airflow's DagBag does and records a failure as Airflow's import error."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHECK_DAGS = REPO / "airflow" / "strict_airflow" / "check_dags.py"
RECORDED = REPO / "tests" / "WorkflowControl.Airflow.Tests" / "contract" / "recorded-2.10.0"


def _check(generation: str, *files: Path) -> list[dict]:
    done = subprocess.run([sys.executable, str(CHECK_DAGS), "--airflow", generation, *map(str, files)],
                          capture_output=True, text=True, check=False)
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_broken_file_gets_the_stack_trace_airflow_2_10_recorded_for_it(tmp_path: Path) -> None:
    # rec_broken.py of the recording (its README shows the file), in a dags folder of our own.
    broken = tmp_path / "rec_broken.py"
    broken.write_text("from airflow import DAG\nimport this_module_does_not_exist_for_recording\n", encoding="utf-8")
    recorded = json.loads((RECORDED / "10-import-errors-list.json").read_text(encoding="utf-8"))
    expected = recorded["response"]["body"]["import_errors"][0]["stack_trace"].replace("<DAGS_FOLDER>", str(tmp_path))

    [result] = _check("2.10", broken)

    assert (result["ok"], result["line"]) == (False, 2)
    assert result["stack_trace"] == expected
    assert result["error"] == "ModuleNotFoundError: No module named 'this_module_does_not_exist_for_recording'"


@pytest.mark.parametrize("generation", ["2.10", "3.2"])
def test_a_syntax_error_and_a_read_only_property_name_the_file_and_line(tmp_path: Path, generation: str) -> None:
    syntax = tmp_path / "syntax.py"
    syntax.write_text("from airflow import DAG\nx = = 1\n", encoding="utf-8")
    read_only = tmp_path / "read_only.py"
    module = "airflow.sdk" if generation.startswith("3.") else "airflow.models.baseoperator"
    read_only.write_text(f"from {module} import BaseOperator\nop = BaseOperator(task_id='a')\nop.task_type = 'Other'\n",
                         encoding="utf-8")

    by_name = {Path(r["file"]).name: r for r in _check(generation, syntax, read_only)}

    assert by_name["syntax.py"]["line"] == 2
    assert by_name["syntax.py"]["stack_trace"].endswith(f'File "{syntax}", line 2\n    x = = 1\n        ^\nSyntaxError: invalid syntax\n')
    assert by_name["read_only.py"]["line"] == 3
    assert f'File "{read_only}", line 3, in <module>' in by_name["read_only.py"]["stack_trace"]
    assert by_name["read_only.py"]["stack_trace"].endswith(
        "AttributeError: property 'task_type' of 'BaseOperator' object has no setter\n")


def test_a_file_that_imports_has_no_stack_trace_and_leaves_no_bytecode_beside_it(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text("from airflow import DAG\n", encoding="utf-8")

    [result] = _check("2.10", good)

    assert (result["ok"], result["stack_trace"]) == (True, None)
    assert not (tmp_path / "__pycache__").exists()
