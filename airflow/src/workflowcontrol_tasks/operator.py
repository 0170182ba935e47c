"""The operators a generated DAG file uses: one per step category, each running one catalog step in Airflow 2.10 or
3.x, and `FusedSteps`, which runs several steps in one task with their tables handed over in memory.

Airflow's BaseOperator owns many attribute names (read-only properties such as `task_type`, settable ones such as
`dag`, and everything its __init__ sets, such as `owner` and `params`). The operators keep their own state under names
none of them use (`step_type`, `workflow_uuid`, `owner_uuid`, `upstream_steps`, `step_config`, `external_tasks`,
`fused_steps`, `rendered_version`); a test holds every name they set against the lists taken from both Airflow generations.
"""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from .compat import AirflowException, BaseOperator, Param
from .context import TaskContext
from .errors import InputError, TaskError, explain
from .fused import GroupRun, checked_steps, failed_entry, finished_entry, write_record
from .paths import check_uuid, run_dir, share_with_group
from .run_version import check_run_version
from .runner import run_task

__all__ = ["AnalyzeStep", "ExtractStep", "FusedSteps", "LoadStep", "Param", "TransformStep", "UtilityStep",
           "WorkflowTaskOperator"]


def pull_result(ti: Any, step_id: str, external: Mapping[str, str], task: str | None) -> dict[str, Any]:
    """The reference a step of another Airflow task left: its own return value, or its entry of a group's record."""
    source = external.get(step_id, step_id)
    pulled = ti.xcom_pull(task_ids=source)
    if isinstance(pulled, Mapping) and isinstance(pulled.get("steps"), Mapping):
        entry = pulled["steps"].get(step_id)
        pulled = entry.get("result") if isinstance(entry, Mapping) else None
        if not isinstance(pulled, Mapping):
            raise InputError(f"upstream task '{source}' kept no result of step '{step_id}'", field="dependsOn",
                             task=task)
    if not isinstance(pulled, Mapping) or "path" not in pulled:
        raise InputError(f"upstream task '{source}' left no result", field="dependsOn", task=task)
    return {**pulled, "task_id": step_id}


class _LibraryOperator(BaseOperator):
    """What both kinds of task share: no Airflow templating at all, the owner's and workflow's ids, the run context,
    and the check that the run has not been redeployed under it (`workflow_version`, the version the file was rendered
    from; files rendered before the check existed pass None and are not checked)."""

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()

    def __init__(self, *, workflow_id: str, owner_id: str, external: Mapping[str, str] | None = None,
                 workflow_version: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.workflow_uuid = check_uuid(workflow_id, "workflow_id")
        self.owner_uuid = check_uuid(owner_id, "owner_id")
        self.external_tasks = {str(step): str(task) for step, task in dict(external or {}).items()}
        self.rendered_version = workflow_version

    def _check_version(self, context: Mapping[str, Any]) -> None:
        share_with_group()
        if self.rendered_version is not None:
            check_run_version(run_dir(self.owner_uuid, self.workflow_uuid, str(context["run_id"])),
                              self.rendered_version)

    def _task_context(self, context: Mapping[str, Any], task_type: str) -> TaskContext:
        return TaskContext(
            task_id=self.task_id, task_type=task_type, owner_id=self.owner_uuid, workflow_id=self.workflow_uuid,
            run_id=str(context["run_id"]), ds=context.get("ds"), ts=context.get("ts"),
            params=dict(context.get("params") or {}))

    def _failed(self, error: Exception, explanation: str) -> NoReturn:
        # The line an analyst needs comes first in the log; Airflow prints its traceback below it. The chained
        # library traceback would add nothing for them, but an unexpected error keeps its own.
        self.log.error("Step failed: %s", explanation)
        if isinstance(error, TaskError):
            raise AirflowException(explanation) from None
        raise error


class WorkflowTaskOperator(_LibraryOperator):
    """Runs the catalog step `step_type` with a plain-literal config; `external` names the Airflow task of an input
    step that runs inside a fused group (`{step id: task id}`)."""

    ui_color = "#e8f0fe"

    def __init__(self, *, step_type: str, inputs: Sequence[str] | None = None,
                 config: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.step_type = step_type
        self.upstream_steps = list(inputs or [])
        self.step_config = dict(config or {})

    def execute(self, context: Mapping[str, Any]) -> dict[str, Any]:
        # The step's record, as a fused group keeps one: the run's results list its rows and columns from it.
        task_context = self._task_context(context, self.step_type)
        started = time.perf_counter()
        try:
            self._check_version(context)
            refs = [pull_result(context["ti"], step, self.external_tasks, self.task_id) for step in self.upstream_steps]
            ref = run_task(self.step_type, self.step_config, refs, task_context)
        except Exception as error:
            explanation = explain(error, f"{self.task_id} ({self.step_type})")
            self._record(task_context, failed_entry(explanation, started))
            self._failed(error, explanation)
        self._record(task_context, finished_entry(ref, started, keep=True))
        return ref

    def _record(self, task_context: TaskContext, entry: dict[str, Any]) -> None:
        try:
            write_record(task_context.run_folder(), self.task_id, {"steps": {self.task_id: entry}})
        except OSError as error:  # the step's own outcome matters more than its summary
            self.log.warning("Could not write the step's record: %s", error)


class FusedSteps(_LibraryOperator):
    """Runs several catalog steps in order in one task, handing their tables over in memory.

    `steps` lists them in run order (`id`, `type`, `inputs`, `config`, `keep`); `external` maps each input step of
    another Airflow task to that task's id. A kept step's result is written as per-step execution writes it. The return
    value is the group's record, `{"steps": {<id>: {state, rows, columns, seconds, error, result}}}`.
    """

    ui_color = "#ccfbf1"

    def __init__(self, *, steps: Sequence[Mapping[str, Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fused_steps = checked_steps(steps, self.external_tasks)

    def execute(self, context: Mapping[str, Any]) -> dict[str, Any]:
        ti = context["ti"]
        group = GroupRun(self.task_id, self.fused_steps,
                         lambda step: pull_result(ti, step, self.external_tasks, None),
                         self._task_context(context, "fused"))
        try:
            self._check_version(context)
            return group.run()
        except Exception as error:
            self._failed(error, group.failure or explain(error, f"{self.task_id} (fused)"))


# One class per catalog category, so Airflow's graph shows each kind of step in its own colour and by its own name.
class ExtractStep(WorkflowTaskOperator):
    """Reads data into the workflow (CSV, REST, database, web page, FTP/SFTP)."""

    ui_color = "#dbeafe"


class TransformStep(WorkflowTaskOperator):
    """Cleans, filters, joins, pivots or harmonizes tables."""

    ui_color = "#ede9fe"


class LoadStep(WorkflowTaskOperator):
    """Writes results to files or PostgreSQL."""

    ui_color = "#dcfce7"


class AnalyzeStep(WorkflowTaskOperator):
    """Describes, charts, models or reports on data."""

    ui_color = "#fef3c7"


class UtilityStep(WorkflowTaskOperator):
    """Cohorts and notifications."""

    ui_color = "#f3f4f6"
