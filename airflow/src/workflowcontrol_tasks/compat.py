"""The only place that knows Airflow generations: the authoring classes of 3.x (task SDK) or 2.10.

There is deliberately no stand-in: outside Airflow, importing this module (and so the operator) fails with a message
that says so. The parts that do not need Airflow (tasks, runner, preview, storage) never import it.
"""
from __future__ import annotations

AIRFLOW_MAJOR: int
try:  # Airflow 3.x: the task SDK is the public authoring interface
    from airflow.sdk import BaseOperator, Param

    AIRFLOW_MAJOR = 3
except ImportError:
    try:  # Airflow 2.10
        from airflow.models.baseoperator import BaseOperator  # type: ignore[no-redef,assignment]
        from airflow.models.param import Param  # type: ignore[no-redef,assignment]

        AIRFLOW_MAJOR = 2
    except ImportError as error:
        raise ImportError(
            "workflowcontrol_tasks.operator runs inside Apache Airflow 2.10 or 3.x, and neither is installed here "
            "(no airflow.sdk, no airflow.models.baseoperator). Outside Airflow use workflowcontrol_tasks.runner "
            "or workflowcontrol_tasks.preview, which need no Airflow."
        ) from error

from airflow.exceptions import AirflowException

__all__ = ["AIRFLOW_MAJOR", "AirflowException", "BaseOperator", "Param"]
