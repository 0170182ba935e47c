"""run_task: the whole life of one task (render, validate, map inputs, run), independent of Airflow."""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from .catalog import load_catalog
from .config import Config
from .context import Inputs, TaskContext, TaskInput
from .errors import ConfigError, InputError, TaskError
from .macros import render
from .storage import MemoryTable
from .tasks import load_implementations

log = logging.getLogger("workflowcontrol_tasks")


def map_inputs(ports: Sequence[Mapping[str, Any]], refs: Sequence[Mapping[str, Any]],
               limit: int | None, tables: Mapping[str, MemoryTable] | None = None) -> Inputs:
    """Fill ports in order: one upstream per port, a "many" port takes all the remaining ones.

    An upstream table found in `tables` (by its path) is read from memory instead of its file.
    """
    mapped: dict[str, list[TaskInput]] = {}
    remaining = [TaskInput(dict(ref), limit, (tables or {}).get(str(ref.get("path")))) for ref in refs]
    for port in ports:
        if port.get("many"):
            mapped[port["name"]], remaining = remaining, []
        elif remaining:
            mapped[port["name"]] = [remaining.pop(0)]
        else:
            raise InputError(f"input '{port['name']}' needs an upstream task", field="dependsOn")
    if remaining:
        raise InputError(f"takes {len(ports)} upstream task(s) but {len(refs)} were connected", field="dependsOn")
    return Inputs(mapped)


def run_task(task_type: str, config: Mapping[str, Any] | None, inputs: Sequence[Mapping[str, Any]],
             context: TaskContext) -> dict[str, Any]:
    """Run one catalog task; returns the small XCom reference {path, rows, schema, format}."""
    label = f"{context.task_id} ({task_type})"
    try:
        catalog = load_catalog()
        implementations = load_implementations()
        if task_type not in catalog or task_type not in implementations:
            raise ConfigError(f"unknown task type '{task_type}'", field="type")
        entry = catalog[task_type]
        macros = {"ds": context.ds, "ts": context.ts, "run_id": context.run_id, "params": context.params}
        cfg = Config.validated(render(dict(config or {}), macros), entry["configSchema"])
        ports = map_inputs(entry["inputs"], inputs, context.preview_limit, context.memory)
        log.info("Running task %s with %d upstream result(s)", label, len(inputs))
        result = implementations[task_type](context, cfg, ports)
        log.info("Task %s finished: %s rows", label, result.get("rows"))
        return result
    except TaskError as error:
        error.task = error.task or label
        raise
