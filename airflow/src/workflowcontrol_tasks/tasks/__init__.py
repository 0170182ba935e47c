"""Implementations of the catalog's task types, one module per category, registered by catalog id.

The category modules register themselves with `@task_type` when imported; `load_implementations` imports them by
name, so this package depends on none of them and they depend only on this registry and the modules below it.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

from ..context import TaskFunction

CATEGORIES = ("extract", "transform", "load", "analyze", "utility")
REGISTRY: dict[str, TaskFunction] = {}


def task_type(type_id: str) -> Callable[[TaskFunction], TaskFunction]:
    """Register the implementation of one catalog task type."""

    def register(function: TaskFunction) -> TaskFunction:
        if type_id in REGISTRY:
            raise ValueError(f"task type {type_id} registered twice")
        REGISTRY[type_id] = function
        return function

    return register


def load_implementations() -> dict[str, TaskFunction]:
    """Every catalog task type's implementation by id (importing a category module registers its types)."""
    for category in CATEGORIES:
        importlib.import_module(f"{__name__}.{category}")
    return REGISTRY
