"""WorkflowControl task library: one operator and the catalog's task types, run inside Apache Airflow."""
from __future__ import annotations

__version__ = "0.1.0"


def get_provider_info() -> dict[str, object]:
    """Airflow provider metadata, so the package shows up under Admin -> Providers."""
    return {
        "package-name": "workflowcontrol-tasks",
        "name": "WorkflowControl task library",
        "description": "Runs WorkflowControl catalog tasks inside Airflow.",
        "versions": [__version__],
    }
