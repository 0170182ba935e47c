"""Fused execution: the steps of one Airflow task run in order in one process, tables handed over in memory.

A generated DAG file lists the steps in run order (`id`, `type`, `inputs`, `config`, `keep`). Each step runs through
`run_task` like a step of its own; a table a later step of the group reads stays in memory (`TaskContext.memory`),
in exactly the column types its file would give, and is dropped once its last reader has run. A step marked `keep`
(another Airflow task reads it) is also written to `<run folder>/<step id>.wct`, as per-step execution writes it; a
table no one reads is only counted.

The group's record, `{"steps": {<step id>: {state, rows, columns, seconds, error, result}}}`, is the task's XCom
return value. It is also written to `<run folder>/_steps/<task id>.json` (atomically) before and after every step,
so the control plane shows each step's state while the group runs and after it failed. A step that is its own task
writes the same record of itself (`write_record`), so a run's results show rows and columns in both modes.
"""
from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from .context import TaskContext
from .errors import TaskError, explain
from .runner import run_task
from .storage import MemoryTable

log = logging.getLogger("workflowcontrol_tasks")

STEP_KEYS = ("id", "type", "inputs", "config", "keep")
# Step ids name result files (`<id>.wct`), so they are held to what Airflow allows in task ids: no path separators.
_STEP_ID = re.compile(r"^[\w.-]{1,250}$")
TABLE_FORMATS = ("wctable", "parquet")


class GroupDefinitionError(ValueError):
    """The steps given to a fused group cannot run as written (a DAG file the renderer got wrong)."""


def checked_steps(steps: Any, external: Mapping[str, str]) -> list[dict[str, Any]]:
    """The group's steps as plain dicts, each reading only earlier steps of the group or steps named in `external`."""
    if not isinstance(steps, (list, tuple)) or not steps:
        raise GroupDefinitionError("steps must be a non-empty list, in the order the steps run")
    checked: list[dict[str, Any]] = []
    for position, step in enumerate(steps):
        where = f"steps[{position}]"
        if not isinstance(step, Mapping) or set(step) != set(STEP_KEYS):
            raise GroupDefinitionError(f"{where} must have exactly the keys {', '.join(STEP_KEYS)}")
        step_id, inputs = step["id"], step["inputs"]
        if not isinstance(step_id, str) or not _STEP_ID.match(step_id) or step_id in ("", ".", ".."):
            raise GroupDefinitionError(f"{where}: id {step_id!r} must be letters, digits, '_', '-' or '.'")
        if any(step_id == earlier["id"] for earlier in checked):
            raise GroupDefinitionError(f"{where}: step '{step_id}' is listed twice")
        if step_id in external:
            raise GroupDefinitionError(f"{where}: step '{step_id}' runs in this group, so external cannot name it")
        if not isinstance(step["type"], str) or not isinstance(step["config"], Mapping) \
                or not isinstance(step["keep"], bool) or not isinstance(inputs, (list, tuple)):
            raise GroupDefinitionError(f"{where}: type is text, inputs a list, config an object and keep true or false")
        for name in inputs:
            if not any(name == earlier["id"] for earlier in checked) and name not in external:
                raise GroupDefinitionError(f"{where}: step '{step_id}' reads '{name}', which is neither an earlier step "
                                           "of this group nor named in external")
        checked.append({"id": step_id, "type": step["type"], "inputs": list(inputs), "config": dict(step["config"]),
                        "keep": step["keep"]})
    return checked


def _entry(state: str) -> dict[str, Any]:
    return {"state": state, "rows": None, "columns": None, "seconds": 0.0, "error": None, "result": None}


def finished_entry(ref: Mapping[str, Any], started: float, keep: bool) -> dict[str, Any]:
    """A step's entry once it succeeded; `started` is its `time.perf_counter()` at the start."""
    return {**_entry("success"), "rows": ref.get("rows"), "columns": _columns(ref),
            "seconds": round(time.perf_counter() - started, 3), "result": dict(ref) if keep else None}


def failed_entry(explanation: str, started: float) -> dict[str, Any]:
    return {**_entry("failed"), "seconds": round(time.perf_counter() - started, 3), "error": explanation}


def write_record(run_folder: Path, task_id: str, record: Mapping[str, Any]) -> None:
    """Writes a task's record to `<run folder>/_steps/<task id>.json` at once: a reader never sees half of it."""
    path = run_folder / "_steps" / f"{task_id}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(json.dumps(record), encoding="utf-8")
    os.replace(temporary, path)


def _columns(ref: Mapping[str, Any]) -> int | None:
    schema = ref.get("schema")
    return len(schema) if ref.get("format") in TABLE_FORMATS and isinstance(schema, list) and schema else None


def _outcome(rows: int | None, columns: int | None) -> str:
    if columns is not None:
        return f"{rows} rows, {columns} columns"
    return "done" if rows is None else f"{rows} rows"


class GroupRun:
    """One run of a fused group; `record` holds every step's state, also after a failure."""

    def __init__(self, task_id: str, steps: Sequence[Mapping[str, Any]], pull: Callable[[str], dict[str, Any]],
                 base: TaskContext) -> None:
        self.steps = list(steps)
        self.pull = pull
        self.base = base
        self.record: dict[str, Any] = {"steps": {step["id"]: _entry("queued") for step in self.steps}}
        self.task_id = task_id
        self.failure: str | None = None

    def run(self) -> dict[str, Any]:
        memory: dict[str, MemoryTable] = {}
        refs: dict[str, dict[str, Any]] = {}
        held: dict[str, list[str]] = {}  # step id -> paths of the tables it left in memory
        last_reader = {step["id"]: index for index, step in enumerate(self.steps)}
        for index, step in enumerate(self.steps):
            for name in step["inputs"]:
                if name in last_reader:
                    last_reader[name] = index
        self._save()
        for index, step in enumerate(self.steps):
            entry = self.record["steps"][step["id"]]
            label = f"{step['id']} ({step['type']})"
            entry["state"] = "running"
            self._save()
            log.info("Step %s started", label)
            started = time.perf_counter()
            before = set(memory)
            try:
                for name in step["inputs"]:
                    if name not in refs:  # a step of another task, pulled once
                        refs[name] = self.pull(name)
                inputs = [refs[name] for name in step["inputs"]]
                context = replace(self.base, task_id=step["id"], task_type=step["type"], memory=memory,
                                  hand_on=last_reader[step["id"]] > index, persist=step["keep"])
                ref = run_task(step["type"], step["config"], inputs, context)
            except Exception as error:
                if isinstance(error, TaskError):
                    error.task = error.task or label
                self.failure = explain(error, label)
                entry.update(failed_entry(self.failure, started))
                for later in self.steps[index + 1:]:
                    self.record["steps"][later["id"]]["state"] = "upstream_failed"
                self._save()
                raise
            refs[step["id"]] = {**ref, "task_id": step["id"]}
            held[step["id"]] = sorted(set(memory) - before)
            entry.update(finished_entry(ref, started, step["keep"]))
            log.info("Step %s: %s in %.2f s", label, _outcome(entry["rows"], entry["columns"]), entry["seconds"])
            for done in [name for name in held if last_reader[name] <= index]:
                for path in held.pop(done):
                    memory.pop(path, None)
            self._save()
        return self.record

    def _save(self) -> None:
        write_record(self.base.run_folder(), self.task_id, self.record)
