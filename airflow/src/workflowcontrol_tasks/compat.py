"""The only place that knows Airflow versions: BaseOperator and AirflowException for 3.x, 2.10, or none."""
from __future__ import annotations

import logging
from typing import Any

AIRFLOW_MAJOR: int | None
try:  # Airflow 3.x: the task SDK is the public authoring interface
    from airflow.sdk import BaseOperator

    AIRFLOW_MAJOR = 3
except ImportError:
    try:  # Airflow 2.10
        from airflow.models.baseoperator import BaseOperator  # type: ignore[no-redef]

        AIRFLOW_MAJOR = 2
    except ImportError:
        AIRFLOW_MAJOR = None

        class BaseOperator:  # type: ignore[no-redef]
            """Minimal stand-in so the library and its tests import where Airflow is not installed."""

            template_fields: tuple[str, ...] = ()

            def __init__(self, *, task_id: str, **kwargs: Any) -> None:
                self.task_id = task_id
                self.kwargs = kwargs
                self.downstream: list[BaseOperator] = []
                self.log = logging.getLogger(f"airflow.task.operators.{type(self).__name__}")

            def __rshift__(self, other: BaseOperator) -> BaseOperator:
                self.downstream.append(other)
                return other

try:
    from airflow.exceptions import AirflowException
except ImportError:
    class AirflowException(Exception):  # type: ignore[no-redef]
        """Stand-in for Airflow's task failure exception."""

__all__ = ["AIRFLOW_MAJOR", "AirflowException", "BaseOperator"]
