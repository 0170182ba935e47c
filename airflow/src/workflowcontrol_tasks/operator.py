"""WorkflowTaskOperator: runs one catalog task inside Airflow 2.10 or 3.x."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .compat import AirflowException, BaseOperator
from .errors import InputError, TaskError
from .paths import check_uuid
from .registry import TaskContext
from .runner import run_task


class WorkflowTaskOperator(BaseOperator):
    """Runs the catalog task `task_type` with a plain-literal config; no Airflow templating at all."""

    template_fields: Sequence[str] = ()
    template_ext: Sequence[str] = ()
    ui_color = "#e8f0fe"

    def __init__(self, *, task_type: str, workflow_id: str, owner_id: str, inputs: Sequence[str] | None = None,
                 config: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.task_type = task_type
        self.workflow_id = check_uuid(workflow_id, "workflow_id")
        self.owner_id = check_uuid(owner_id, "owner_id")
        self.inputs = list(inputs or [])
        self.config = dict(config or {})

    def execute(self, context: Mapping[str, Any]) -> dict[str, Any]:
        ti = context["ti"]
        refs = []
        for upstream in self.inputs:
            ref = ti.xcom_pull(task_ids=upstream)
            if not isinstance(ref, Mapping) or "path" not in ref:
                raise AirflowException(str(InputError(f"upstream task '{upstream}' left no result",
                                                      field="dependsOn", task=self.task_id)))
            refs.append({**ref, "task_id": upstream})
        params = context.get("params") or {}
        task_context = TaskContext(
            task_id=self.task_id, task_type=self.task_type, owner_id=self.owner_id, workflow_id=self.workflow_id,
            run_id=str(context["run_id"]), ds=context.get("ds"), ts=context.get("ts"), params=dict(params))
        try:
            return run_task(self.task_type, self.config, refs, task_context)
        except TaskError as error:
            # The message names task, field and problem; the chained traceback would add nothing for an analyst.
            raise AirflowException(str(error)) from None
