"""What a task implementation works with: its context (ids, output location, secrets) and its upstream inputs."""
from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import paths, storage
from .config import Config
from .errors import InputError
from .secrets import resolve_secret

log = logging.getLogger("workflowcontrol_tasks")


@dataclass
class TaskInput:
    """One upstream result, read lazily (whole, limited, in chunks, or some columns).

    Inside a fused group a table comes from memory (`table`) instead of its file, with the same batches and column
    types, so a task reads it the same way. A task never changes an input frame in place (it may assign columns).
    """

    ref: dict[str, Any]
    limit: int | None = None
    table: storage.MemoryTable | None = None

    @property
    def path(self) -> Path:
        return Path(self.ref["path"])

    @property
    def task_id(self) -> str:
        return str(self.ref.get("task_id") or self.path.stem)

    @property
    def is_table(self) -> bool:
        return self.table is not None or self.path.suffix in (".parquet", ".wct")

    def frame(self, columns: Sequence[str] | None = None, limit: int | None = None) -> pd.DataFrame:
        """The whole table, or its first `limit` rows; `columns` reads only those (names it lacks are left out)."""
        self._require_table()
        return storage.read_table(self._source(), _smaller(self.limit, limit), columns)

    def chunks(self, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
        self._require_table()
        return storage.iter_table(self._source(), self.limit, columns)

    def schema(self) -> list[dict[str, str]]:
        """Column names and logical types, without reading the data (to check names before reading some columns)."""
        self._require_table()
        return storage.table_schema(self._source())

    def column_names(self) -> list[str]:
        return [column["name"] for column in self.schema()]

    def _source(self) -> storage.Source:
        return self.table if self.table is not None else self.path

    def _require_table(self) -> None:
        if not self.is_table:
            raise InputError(f"upstream '{self.task_id}' produced a {self.path.suffix or 'non-table'} file, not a table")


def _smaller(first: int | None, second: int | None) -> int | None:
    return second if first is None else first if second is None else min(first, second)


@dataclass
class Inputs:
    """Upstream results grouped by the catalog's input ports."""

    ports: dict[str, list[TaskInput]]

    def one(self, name: str = "data") -> TaskInput:
        return self.ports[name][0]

    def many(self, name: str = "data") -> list[TaskInput]:
        return self.ports.get(name, [])

    def all(self) -> list[TaskInput]:
        return [item for items in self.ports.values() for item in items]


@dataclass
class TaskContext:
    """Everything a task implementation may touch: ids, run macros, output location, secrets and data root."""

    task_id: str
    task_type: str
    owner_id: str
    workflow_id: str
    run_id: str
    ds: str | None = None
    ts: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    preview_limit: int | None = None
    output_dir: Path | None = None
    # Fused groups: `memory` holds the tables of earlier steps by path (inputs found there are read from it);
    # `hand_on` keeps this step's tables there for later steps; `persist` writes them to the run folder (per step: only).
    memory: dict[str, storage.MemoryTable] | None = None
    hand_on: bool = False
    persist: bool = True

    @property
    def preview(self) -> bool:
        return self.preview_limit is not None

    def run_folder(self) -> Path:
        if self.output_dir is None:
            self.output_dir = (Path(tempfile.mkdtemp(prefix="wfc-preview-")) if self.preview
                               else paths.run_dir(self.owner_id, self.workflow_id, self.run_id))
        self.output_dir.mkdir(parents=True, exist_ok=True)
        return self.output_dir

    def output_path(self, ext: str, suffix: str = "") -> Path:
        return self.run_folder() / f"{self.task_id}{suffix}.{ext}"

    def owner_folder(self) -> Path:
        return paths.owner_dir(self.owner_id)

    def workflow_state_folder(self) -> Path:
        folder = paths.owner_dir(self.owner_id) / paths.check_uuid(self.workflow_id, "workflow_id") / "_state"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def secret(self, name: str, field_name: str) -> str:
        return resolve_secret(self.owner_id, name, field_name)

    def table_writer(self) -> storage.TableWriter:
        return storage.TableWriter(self.output_path(storage.EXTENSIONS[storage.DEFAULT_FORMAT]),
                                   to_file=self.persist, in_memory=self.hand_on)

    def write_table(self, frame: pd.DataFrame, **extra: Any) -> dict[str, Any]:
        writer = self.table_writer()
        try:
            writer.write(frame)
        except BaseException:
            writer.abort()
            raise
        return self.table_ref(writer, **extra)

    def table_ref(self, writer: storage.TableWriter, **extra: Any) -> dict[str, Any]:
        rows, schema = writer.close()
        if self.memory is not None and writer.in_memory:
            self.memory[str(writer.path)] = writer.table
        if writer.to_file:
            log.info("Wrote %d rows to %s", rows, writer.path)
        elif writer.in_memory:
            log.info("Kept %d rows in memory", rows)
        return {"path": str(writer.path), "rows": rows, "schema": schema, "format": writer.format, **extra}

    def file_ref(self, path: Path, fmt: str, rows: int | None = None, **extra: Any) -> dict[str, Any]:
        return {"path": str(path), "rows": rows, "schema": [], "format": fmt, **extra}


TaskFunction = Callable[[TaskContext, Config, Inputs], dict[str, Any]]
