"""Imports generated DAG files the way Airflow's DagBag does, against the strict double of one Airflow generation.

Usage:
  check_dags.py --airflow 2.10|3.2 FILE...                 import each file; one JSON line per file
  check_dags.py --airflow 2.10|3.2 --run RUN.json FILE     import, then execute every task in dependency order

Import line: {"file", "ok", "error" (the exception's last line, or null), "line" (line of FILE where it failed),
"stack_trace" (null, or what Airflow 2.10's DagBag records as the file's import error: the traceback of its last
`[core] dagbag_import_error_traceback_depth` = 2 frames, ending in the exception's last line), "dags": [{"dag_id", "kwargs", "params", "tasks": [{"task_id", "task_type", "step_type", "upstream", "downstream",
"owner", "retries", "doc_md", "ui_color"}]}]}.
Run line: the import line plus "run": {"tasks": [{"task_id", "state", "result" | "error", "log"}]}. RUN.json holds
{"run_id", "logical_date" (ISO 8601), "conf"}; tasks get an Airflow-shaped context (ti.xcom_pull, params, run_id, ds,
ts, logical_date, dag_run.conf) and their return value passes through JSON like an XCom. A task whose upstream did not
succeed is "upstream_failed", as Airflow's default trigger rule makes it.
Exit status: 0 when every file imported (and every task succeeded with --run), 1 otherwise.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import logging
import re
import sys
import traceback
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for entry in (HERE.parent, HERE.parent / "src"):  # the double's package and the task library
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from strict_airflow import NOTSET, installed  # noqa: E402


# DagBag's default `[core] dagbag_import_error_traceback_depth`: its import errors keep the last two frames.
TRACEBACK_DEPTH = 2


def _failure(error: BaseException, path: str) -> tuple[str, int | None, str]:
    """The exception's last line (what Airflow's import error ends with), the deepest line of `path` in the trace,
    and the stack trace Airflow records: `traceback.format_exc(limit=-dagbag_import_error_traceback_depth)`."""
    last = traceback.format_exception_only(type(error), error)[-1].strip()
    lines = [frame.lineno for frame in traceback.extract_tb(error.__traceback__) if frame.filename == path]
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__, limit=-TRACEBACK_DEPTH))
    return last, (lines[-1] if lines else getattr(error, "lineno", None)), trace


def _module_name(path: str) -> str:
    """Airflow's get_unique_dag_module_name: unusual_prefix_{sha1 of the path}_{the file's stem}."""
    digest = hashlib.sha1(path.encode("utf-8"), usedforsecurity=False).hexdigest()
    return f"unusual_prefix_{digest}_{re.sub(r'[.-]', '_', Path(path).stem)}"


def _exec_like_dagbag(path: str) -> None:
    """DagBag._load_modules_from_file: a SourceFileLoader under the unique name, executed as a module (so a failure's
    trace has importlib's frames exactly as in Airflow's import errors); forgotten afterwards."""
    name = _module_name(path)
    loader = importlib.machinery.SourceFileLoader(name, path)
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    try:
        loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)


def _plain(value: Any) -> Any:
    """A JSON view of a DAG or operator argument (datetimes and Params as text)."""
    try:
        return json.loads(json.dumps(value, default=lambda v: repr(v)))
    except (TypeError, ValueError):
        return repr(value)


def _task_view(task: Any) -> dict[str, Any]:
    return {
        "task_id": task.task_id, "task_type": task.task_type, "step_type": getattr(task, "step_type", None),
        "steps": [step["id"] for step in getattr(task, "fused_steps", [])],
        "upstream": sorted(task.upstream_task_ids), "downstream": sorted(task.downstream_task_ids),
        "owner": task.owner, "retries": task.retries, "doc_md": task.doc_md, "ui_color": task.ui_color,
    }


def _dag_view(dag: Any) -> dict[str, Any]:
    return {
        "dag_id": dag.dag_id,
        "kwargs": {k: _plain(v) for k, v in dag.kwargs.items() if k != "params"},
        "params": {name: {"default": _plain(None if p.value is NOTSET else p.value), "schema": _plain(p.schema),
                          "description": p.description} for name, p in dag.params.items()},
        "tasks": [_task_view(t) for t in dag.topological_tasks()],
    }


def import_file(path: str, airflow: Any) -> tuple[dict[str, Any], list[Any]]:
    """Runs the file as DagBag does (as a module under an unusual name), then validates each DAG as DagBag does."""
    result: dict[str, Any] = {"file": path, "ok": False, "error": None, "line": None, "stack_trace": None, "dags": []}
    airflow.registry.dags.clear()
    try:
        with warnings.catch_warnings():
            # A deprecated import in a generated file warns on every parse in Airflow: treat it as a failure here.
            warnings.simplefilter("error", DeprecationWarning)
            _exec_like_dagbag(path)
        dags = list(airflow.registry.dags)
        for dag in dags:
            dag.validate()
        result["dags"] = [_dag_view(d) for d in dags]
    except Exception as error:  # anything a DAG file raises is an import error in Airflow
        result["error"], result["line"], result["stack_trace"] = _failure(error, path)
        return result, []
    result["ok"] = True
    return result, dags


class TaskInstance:
    """The part of Airflow's TaskInstance a task uses at run time: xcom_pull of upstream return values."""

    def __init__(self, task_id: str, xcoms: Mapping[str, Any]) -> None:
        self.task_id = task_id
        self._xcoms = xcoms

    def xcom_pull(self, task_ids: str | list[str] | None = None, dag_id: str | None = None,
                  key: str = "return_value", include_prior_dates: bool = False, *, map_indexes: Any = None,
                  default: Any = None, run_id: str | None = None) -> Any:
        if key != "return_value" or task_ids is None:
            raise NotImplementedError("the double keeps return values only, pulled by task id")
        if isinstance(task_ids, str):
            return self._xcoms.get(task_ids, default)
        return [self._xcoms.get(t, default) for t in task_ids]


class DagRun:
    def __init__(self, run_id: str, conf: Mapping[str, Any], logical_date: dt.datetime) -> None:
        self.run_id = run_id
        self.conf = dict(conf)
        self.logical_date = logical_date


def run_dag(dag: Any, run: Mapping[str, Any]) -> dict[str, Any]:
    """Executes every task in dependency order, with XComs passed through JSON as Airflow stores them."""
    logical_date = dt.datetime.fromisoformat(run["logical_date"])
    params = dag.resolve_params(run.get("conf"))
    xcoms: dict[str, Any] = {}
    states: dict[str, str] = {}
    tasks = []
    for task in dag.topological_tasks():
        entry: dict[str, Any] = {"task_id": task.task_id}
        if any(states.get(u) != "success" for u in task.upstream_task_ids):
            states[task.task_id] = entry["state"] = "upstream_failed"
            tasks.append(entry)
            continue
        context = {
            "ti": TaskInstance(task.task_id, xcoms), "task": task, "dag": dag, "params": dict(params),
            "run_id": run["run_id"], "ds": logical_date.strftime("%Y-%m-%d"), "ts": logical_date.isoformat(),
            "logical_date": logical_date, "dag_run": DagRun(run["run_id"], run.get("conf") or {}, logical_date),
        }
        log = io.StringIO()
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            xcoms[task.task_id] = entry["result"] = json.loads(json.dumps(task.execute(context)))
            states[task.task_id] = entry["state"] = "success"
        except Exception as error:
            states[task.task_id] = entry["state"] = "failed"
            entry["error"] = traceback.format_exception_only(type(error), error)[-1].strip()
            log.write("".join(traceback.format_exception(error)))
        finally:
            root.removeHandler(handler)
        entry["log"] = log.getvalue()
        tasks.append(entry)
    return {"tasks": tasks}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--airflow", required=True, choices=["2.10", "3.2"])
    parser.add_argument("--run", help="a JSON file with run_id, logical_date and conf; executes the DAG of one FILE")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    if args.run and len(args.files) != 1:
        parser.error("--run takes exactly one FILE")
    sys.setrecursionlimit(10000)
    sys.dont_write_bytecode = True  # never a __pycache__ beside the DAG files
    ok = True
    with installed(args.airflow) as airflow:
        for path in args.files:
            result, dags = import_file(str(Path(path).resolve()), airflow)
            result["file"] = path
            if args.run and result["ok"]:
                if len(dags) != 1:
                    result["ok"], result["error"] = False, f"expected one DAG in the file, found {len(dags)}"
                else:
                    result["run"] = run_dag(dags[0], json.loads(Path(args.run).read_text(encoding="utf-8")))
                    ok = ok and all(t["state"] == "success" for t in result["run"]["tasks"])
            ok = ok and result["ok"]
            sys.stdout.write(json.dumps(result, ensure_ascii=True) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
