"""Errors an analyst can act on: each names the task, the field and the problem."""
from __future__ import annotations


class TaskError(Exception):
    """A task failed for a reason that the analyst can act on."""

    def __init__(self, problem: str, *, field: str | None = None, task: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.field = field
        self.task = task

    def to_dict(self) -> dict[str, str | None]:
        return {"task": self.task, "field": self.field, "problem": self.problem}

    def __str__(self) -> str:
        where = f"task {self.task}" if self.task else "task"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.problem}"


class ConfigError(TaskError):
    """The task configuration does not match the catalog schema."""


class UnsafeTargetError(TaskError):
    """A host, address or path was refused by a safety rule."""


class SecretError(TaskError):
    """A named secret is invalid or missing."""


class InputError(TaskError):
    """The task's upstream data is missing or unusable."""


class LimitExceededError(TaskError):
    """A download or response exceeded its size or time cap."""


def explain(error: BaseException, label: str) -> str:
    """The one line a failed step's log starts with: the TaskError as the analyst reads it, else what went wrong."""
    if isinstance(error, TaskError):
        return str(error)
    return f"task {label}: unexpected {type(error).__name__}: {error}"
