"""The operators a generated DAG file uses: one per step category, each running one catalog step in Airflow 2.10 or 3.x.

Airflow's BaseOperator owns many attribute names (read-only properties such as `task_type`, settable ones such as
`dag`, and everything its __init__ sets, such as `owner` and `params`). The operator keeps its own state under names
none of them use (`step_type`, `workflow_uuid`, `owner_uuid`, `upstream_steps`, `step_config`); a test holds every
name it sets against the lists taken from both Airflow generations.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .compat import AirflowException, BaseOperator, Param
from .errors import InputError, TaskError
from .paths import check_uuid
from .registry import TaskContext
from .runner import run_task

__all__ = ["AnalyzeStep", "ExtractStep", "LoadStep", "Param", "TransformStep", "UtilityStep", "WorkflowTaskOperator"]


class WorkflowTaskOperator(BaseOperator):
    """Runs the catalog step `step_type` with a plain-literal config; no Airflow templating at all."""

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()
    ui_color = "#e8f0fe"

    def __init__(self, *, step_type: str, workflow_id: str, owner_id: str, inputs: Sequence[str] | None = None,
                 config: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.step_type = step_type
        self.workflow_uuid = check_uuid(workflow_id, "workflow_id")
        self.owner_uuid = check_uuid(owner_id, "owner_id")
        self.upstream_steps = list(inputs or [])
        self.step_config = dict(config or {})

    def execute(self, context: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return run_task(self.step_type, self.step_config, self._upstream_results(context["ti"]),
                            self._task_context(context))
        except TaskError as error:
            # The line an analyst needs comes first in the log; Airflow prints its traceback below it. The chained
            # library traceback would add nothing for them.
            self.log.error("Step failed: %s", error)
            raise AirflowException(str(error)) from None
        except Exception as error:
            self.log.error("Step failed: task %s (%s): unexpected %s: %s", self.task_id, self.step_type,
                           type(error).__name__, error)
            raise

    def _upstream_results(self, ti: Any) -> list[dict[str, Any]]:
        refs = []
        for upstream in self.upstream_steps:
            ref = ti.xcom_pull(task_ids=upstream)
            if not isinstance(ref, Mapping) or "path" not in ref:
                raise InputError(f"upstream task '{upstream}' left no result", field="dependsOn", task=self.task_id)
            refs.append({**ref, "task_id": upstream})
        return refs

    def _task_context(self, context: Mapping[str, Any]) -> TaskContext:
        return TaskContext(
            task_id=self.task_id, task_type=self.step_type, owner_id=self.owner_uuid, workflow_id=self.workflow_uuid,
            run_id=str(context["run_id"]), ds=context.get("ds"), ts=context.get("ts"),
            params=dict(context.get("params") or {}))


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
