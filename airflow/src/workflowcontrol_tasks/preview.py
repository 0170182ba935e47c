"""Preview entry point: run one task on a sample and print {rows, schema} as JSON.

Request on stdin: {"taskType", "config", "inputs": {port: path or [paths]}, "limit", "ownerId", "params"}.
Input paths must lie inside the owner's folder of the shared data root. Instead of "inputs", a task that reads
other tasks' results can name them: "dependsOn": [ids] and "upstream": [{"id", "taskType", "config", "dependsOn"}]
listing its ancestors in an order where each comes after its own dependencies; they are previewed first, on the
same sample, and their results feed the task. Errors are printed as
{"error": {"task", "field", "problem"}} with exit status 2.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
import shutil
import sys
import uuid
from pathlib import Path
from typing import Any

from . import paths, storage
from .catalog import load_catalog
from .context import TaskContext
from .errors import ConfigError, InputError, TaskError
from .runner import run_task

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000


def _jsonable(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    if value.__class__.__name__ in ("NAType", "NaTType"):
        return None
    return value


def _input_refs(request: dict[str, Any], owner_id: str) -> list[dict[str, Any]]:
    entry = load_catalog()[request["taskType"]]
    given = request.get("inputs") or {}
    unknown = set(given) - {port["name"] for port in entry["inputs"]}
    if unknown:
        raise InputError(f"unknown input(s) {sorted(unknown)}", field="inputs")
    base = paths.owner_dir(owner_id).resolve()
    refs = []
    for port in entry["inputs"]:
        value = given.get(port["name"], [])
        for item in value if isinstance(value, list) else [value]:
            path = Path(item).resolve()
            if not str(path).startswith(str(base) + "/"):
                raise InputError("input files must be results inside your own data folder", field=f"inputs.{port['name']}")
            refs.append({"path": str(path), "task_id": path.stem})
    return refs


def _check_previewable(task_type: Any, field: str, task: str | None = None) -> str:
    if task_type not in load_catalog():
        raise ConfigError(f"unknown task type '{task_type}'", field=field, task=task)
    if not load_catalog()[task_type]["preview"]:
        raise ConfigError("this task type has no data preview", field=field, task=task)
    return str(task_type)


def _context(request: dict[str, Any], task_id: str, task_type: str, owner_id: str, limit: int) -> TaskContext:
    context = TaskContext(task_id=task_id, task_type=task_type, owner_id=owner_id,
                          workflow_id=str(uuid.UUID(int=0)), run_id="preview", params=request.get("params") or {},
                          ts=dt.datetime.now(dt.timezone.utc).isoformat(), preview_limit=limit)
    context.ds = context.ts[:10] if context.ts else None
    return context


def _refs_of(depends_on: Any, results: dict[str, dict[str, Any]], task: str) -> list[dict[str, Any]]:
    refs = []
    for upstream in depends_on or []:
        if upstream not in results:
            raise InputError(f"upstream task '{upstream}' was not previewed first", field="dependsOn", task=task)
        refs.append({**results[upstream], "task_id": upstream})
    return refs


def preview(request: dict[str, Any]) -> dict[str, Any]:
    task_type = _check_previewable(request.get("taskType"), "taskType")
    limit = max(1, min(int(request.get("limit") or DEFAULT_LIMIT), MAX_LIMIT))
    owner_id = paths.check_uuid(request.get("ownerId") or "", "ownerId")
    contexts: list[TaskContext] = []
    try:
        # Ancestors run on the same sample, each into its own temporary folder, so the task sees real upstream data.
        results: dict[str, dict[str, Any]] = {}
        for step in request.get("upstream") or []:
            step_id = str(step.get("id"))
            step_type = _check_previewable(step.get("taskType"), "type", task=step_id)
            contexts.append(_context(request, step_id, step_type, owner_id, limit))
            results[step_id] = run_task(step_type, step.get("config") or {},
                                        _refs_of(step.get("dependsOn"), results, step_id), contexts[-1])
        refs = (_refs_of(request.get("dependsOn"), results, "preview") if "dependsOn" in request
                else _input_refs(request, owner_id))
        contexts.append(_context(request, "preview", task_type, owner_id, limit))
        result = run_task(task_type, request.get("config") or {}, refs, contexts[-1])
        frame = storage.read_table(Path(result["path"]), limit)
        rows = [{str(k): _jsonable(v) for k, v in record.items()} for record in frame.to_dict(orient="records")]
        return {"rows": rows, "schema": storage.schema_of(frame)}
    finally:
        for context in contexts:
            if context.output_dir is not None:
                shutil.rmtree(context.output_dir, ignore_errors=True)


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        request = json.loads(sys.stdin.read())
        if not isinstance(request, dict):
            raise ValueError
    except ValueError:
        print(json.dumps({"error": {"task": None, "field": None, "problem": "the request is not a JSON object"}}))
        return 2
    try:
        print(json.dumps(preview(request), allow_nan=False))
        return 0
    except TaskError as error:
        print(json.dumps({"error": error.to_dict()}))
        return 2


if __name__ == "__main__":
    sys.exit(main())
