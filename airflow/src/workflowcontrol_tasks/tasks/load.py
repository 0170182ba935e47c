"""Loading tasks: file export, PostgreSQL load, batch load and incremental load."""
from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from typing import Any

import numpy as np
import pandas as pd

from .. import storage
from ..clients.postgres import pg_connect, pg_message
from ..config import Config
from ..context import Inputs, TaskContext
from ..errors import ConfigError, InputError, TaskError, UnsafeTargetError
from ..paths import confined
from . import task_type
from .common import each_text, require_columns

log = logging.getLogger(__name__)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXTENSION = {"csv": ".csv", "json": ".json", "jsonl": ".jsonl", "excel": ".xlsx", "parquet": ".parquet"}


# ---- file export --------------------------------------------------------------------------------------------

def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a single quote."""
    frame = frame.copy(deep=False)  # columns are replaced, never changed in place
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = each_text(frame[column], lambda text: "'" + text if text.startswith(FORMULA_PREFIXES)
                                      else text)
    return frame


def _plain_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel cannot store time zones: timestamps become UTC wall-clock time."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return frame


# The oldest time a zip entry can carry: entries stamped with it make a workbook's bytes depend on its data only.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _logical_time(ctx: TaskContext) -> dt.datetime:
    """The run's logical time (naive UTC, as Excel stores it), so the same run writes the same workbook."""
    if not ctx.ts:
        return dt.datetime(*_ZIP_EPOCH)
    stamp = dt.datetime.fromisoformat(ctx.ts)
    return stamp.astimezone(dt.timezone.utc).replace(tzinfo=None) if stamp.tzinfo else stamp


def write_excel(frame: pd.DataFrame, path: Path, stamp: dt.datetime) -> None:
    """An .xlsx whose bytes depend on the data and `stamp` only: created and modified are `stamp` (openpyxl would
    write the clock) and every zip entry carries one fixed time, so re-running a step gives the same file."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False)
        writer.book.properties.created = writer.book.properties.modified = stamp
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
            fixed.compress_type, fixed.external_attr = info.compress_type, info.external_attr
            archive.writestr(fixed, data)


@task_type("load.file")
def load_file(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    fmt = cfg["format"]
    relative = cfg["path"]
    if not relative.lower().endswith(EXTENSION[fmt]):
        relative += EXTENSION[fmt]
    target = confined(ctx.owner_folder() / "files", relative, "path")
    if target.exists() and not cfg["overwrite"]:
        raise TaskError(f"'{relative}' already exists and overwrite is off", field="path")
    if fmt == "parquet" and storage.pq is None:
        raise ConfigError("Parquet export needs pyarrow, which is not installed on this worker", field="format")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.partial")
    source = inputs.one("data")
    rows = 0
    try:
        if fmt in ("csv", "jsonl"):
            with open(temporary, "w", encoding="utf-8", newline="") as handle:
                for number, chunk in enumerate(source.chunks()):
                    rows += len(chunk)
                    if fmt == "csv":
                        escape_formulas(chunk).to_csv(handle, index=False, sep=cfg["delimiter"],
                                                      header=number == 0, date_format=None)
                    else:
                        chunk.to_json(handle, orient="records", lines=True, date_format="iso", force_ascii=False)
        else:
            frame = source.frame()
            rows = len(frame)
            if fmt == "json":
                frame.to_json(temporary, orient="records", date_format="iso", force_ascii=False, indent=1)
            elif fmt == "excel":
                write_excel(_plain_dates(escape_formulas(frame)), temporary, _logical_time(ctx))
            else:
                storage.write_table(frame, temporary, "parquet")
        if target.is_symlink():
            raise UnsafeTargetError("symbolic links are not allowed in paths", field="path")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    log.info("Exported %d rows to %s", rows, relative)
    return ctx.file_ref(target, fmt, rows, schema=[])


# ---- PostgreSQL ---------------------------------------------------------------------------------------------

_SQL_TYPES = {"integer": "bigint", "number": "double precision", "boolean": "boolean", "date": "date",
              "string": "text"}


def _sql_type(column: dict[str, str]) -> str:
    if column["type"] == "timestamp":
        return "timestamp with time zone" if column.get("timezone") else "timestamp without time zone"
    return _SQL_TYPES[column["type"]]


def plain_value(value: Any) -> Any:
    """One cell as a value the driver can bind: NumPy and pandas scalars unwrapped, every kind of missing None.

    pandas' nullable columns (Int64, boolean) hand out NumPy scalars and pd.NA, which psycopg2 cannot adapt.
    Nested values become JSON text, as the wctable format stores them, so Parquet and wctable inputs load alike.
    """
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.timedelta64):
        value = pd.Timedelta(value)
    elif isinstance(value, np.ndarray):
        value = value.tolist()
    elif isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, pd.Timedelta):
        return value.to_pytimedelta()
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return value


def _check_bindable(name: str, values: Sequence[Any]) -> None:
    """Name the column and the value type the driver refuses, instead of a bare "can't adapt" at insert time."""
    from psycopg2 import ProgrammingError
    from psycopg2.extensions import adapt

    for kind, sample in {type(v): v for v in values if v is not None}.items():
        try:
            adapt(sample)
        except ProgrammingError:
            raise InputError(f"column '{name}' holds {kind.__module__}.{kind.__qualname__} values, which cannot be "
                             "stored in PostgreSQL; convert the column with a cleaning task first") from None


def bindable_rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows of plain Python values, column by column; a value the driver cannot bind is an error naming its column."""
    columns = []
    for name in frame.columns:
        values = [plain_value(v) for v in frame[name].tolist()]
        _check_bindable(str(name), values)
        columns.append(values)
    return list(zip(*columns))


class PgTable:
    """One target table, named by validated identifiers; every value goes through bound parameters."""

    def __init__(self, schema: str, table: str) -> None:
        from psycopg2 import sql

        self.sql = sql
        self.identifier = sql.Identifier(schema, table)
        self.schema, self.table = schema, table

    def exists(self, cursor: Any) -> bool:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (f'"{self.schema}"."{self.table}"',))
        return bool(cursor.fetchone()[0])

    def create(self, cursor: Any, columns: Sequence[dict[str, str]], keys: Sequence[str], if_missing: bool) -> None:
        sql = self.sql
        parts = [sql.SQL("{} {}").format(sql.Identifier(c["name"]), sql.SQL(_sql_type(c))) for c in columns]
        if keys:
            parts.append(sql.SQL("PRIMARY KEY ({})").format(sql.SQL(", ").join(map(sql.Identifier, keys))))
        statement = sql.SQL("CREATE TABLE {}{} ({})").format(
            sql.SQL("IF NOT EXISTS ") if if_missing else sql.SQL(""), self.identifier, sql.SQL(", ").join(parts))
        cursor.execute(statement)

    def drop(self, cursor: Any) -> None:
        cursor.execute(self.sql.SQL("DROP TABLE IF EXISTS {}").format(self.identifier))

    def insert(self, cursor: Any, frame: pd.DataFrame, upsert_keys: Sequence[str] = ()) -> None:
        from psycopg2.extras import execute_values

        sql = self.sql
        names = [str(c) for c in frame.columns]
        statement = sql.SQL("INSERT INTO {} ({}) VALUES %s").format(
            self.identifier, sql.SQL(", ").join(map(sql.Identifier, names)))
        if upsert_keys:
            updates = [sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(n)) for n in names if n not in upsert_keys]
            statement += sql.SQL(" ON CONFLICT ({}) DO {}").format(
                sql.SQL(", ").join(map(sql.Identifier, upsert_keys)),
                sql.SQL("UPDATE SET ") + sql.SQL(", ").join(updates) if updates else sql.SQL("NOTHING"))
        execute_values(cursor, statement.as_string(cursor), bindable_rows(frame), page_size=1000)


def _prepare(cursor: Any, target: PgTable, mode: str, columns: Sequence[dict[str, str]], keys: Sequence[str]) -> None:
    if mode == "create":
        if target.exists(cursor):
            raise TaskError(f"table {target.schema}.{target.table} already exists; choose append, replace or upsert",
                            field="mode")
        target.create(cursor, columns, keys, if_missing=False)
    elif mode == "replace":
        target.drop(cursor)
        target.create(cursor, columns, keys, if_missing=False)
    else:
        target.create(cursor, columns, keys if mode == "upsert" else (), if_missing=True)


def _check_keys(cfg: Config, mode: str, columns: Iterable[str]) -> list[str]:
    keys = list(cfg["keys"] or [])
    if mode == "upsert" and not keys:
        raise ConfigError("upsert needs the key column(s) that identify a row", field="keys")
    missing = [k for k in keys if k not in columns]
    if missing:
        raise TaskError(f"key column(s) {missing} are not in the data", field="keys")
    return keys


def _pg_errors() -> type[Exception]:
    import psycopg2

    return psycopg2.Error


@task_type("load.postgres")
def load_postgres(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    frame = inputs.one("data").frame()
    mode = cfg["mode"]
    keys = _check_keys(cfg, mode, frame.columns)
    target = PgTable(cfg["schema"], cfg["table"])
    connection = pg_connect(ctx.secret(cfg["connection_secret"], "connection_secret"), cfg["timeout_seconds"],
                            "connection_secret")
    try:
        with connection, connection.cursor() as cursor:  # one transaction: all rows or none
            _prepare(cursor, target, mode, storage.schema_of(frame), keys)
            target.insert(cursor, frame, keys if mode == "upsert" else ())
    except _pg_errors() as exc:
        raise TaskError(f"loading into {cfg['schema']}.{cfg['table']} failed: {pg_message(exc)}", field="table") from None
    finally:
        connection.close()
    log.info("Loaded %d rows into %s.%s (%s)", len(frame), cfg["schema"], cfg["table"], mode)
    return ctx.file_ref(inputs.one("data").path, "postgres", len(frame), table=f"{cfg['schema']}.{cfg['table']}")


@task_type("load.batch")
def load_batch(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    source = inputs.one("data")
    total = source.ref.get("rows")
    mode, size = cfg["mode"], int(cfg["batch_size"])
    target = PgTable(cfg["schema"], cfg["table"])
    connection = pg_connect(ctx.secret(cfg["connection_secret"], "connection_secret"), cfg["timeout_seconds"],
                            "connection_secret")
    loaded, batch_number, keys = 0, 0, []
    try:
        for chunk in source.chunks():
            if batch_number == 0:
                keys = _check_keys(cfg, mode, chunk.columns)
                with connection, connection.cursor() as cursor:
                    _prepare(cursor, target, mode, storage.schema_of(chunk), keys)
            for start in range(0, len(chunk), size):
                batch = chunk.iloc[start:start + size]
                with connection, connection.cursor() as cursor:  # commits this batch, or rolls it back
                    target.insert(cursor, batch, keys if mode == "upsert" else ())
                batch_number += 1
                loaded += len(batch)
                log.info("Batch %d committed: %d/%s rows loaded", batch_number, loaded, total if total is not None else "?")
    except _pg_errors() as exc:
        raise TaskError(f"batch {batch_number + 1} failed after {loaded} rows were committed: {pg_message(exc)}",
                        field="table") from None
    finally:
        connection.close()
    return ctx.file_ref(source.path, "postgres", loaded, table=f"{cfg['schema']}.{cfg['table']}", batches=batch_number)


# ---- incremental --------------------------------------------------------------------------------------------

def _watermark_value(series: pd.Series, stored: Any) -> Any:
    if stored is None:
        return None
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamp = pd.Timestamp(stored)
        if isinstance(series.dtype, pd.DatetimeTZDtype) and stamp.tzinfo is None:
            stamp = stamp.tz_localize("UTC")
        return stamp
    if storage.logical_type(series) == "date":
        return dt.date.fromisoformat(str(stored))
    return stored


def _jsonable(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


@task_type("load.incremental")
def load_incremental(ctx: TaskContext, cfg: Config, inputs: Inputs) -> dict[str, Any]:
    frame = inputs.one("data").frame()
    column = cfg["watermark_column"]
    require_columns(frame, [column], "watermark_column")
    state_path = ctx.workflow_state_folder() / f"{ctx.task_id}.json"
    state = json.loads(state_path.read_text(encoding="utf-8")) if state_path.is_file() else {}
    previous = _watermark_value(frame[column], state.get("watermark", cfg["initial_watermark"]))
    fresh = frame if previous is None else frame[frame[column].notna() & (frame[column] > previous)]
    log.info("Watermark %s: %d of %d rows are new or changed", previous, len(fresh), len(frame))
    mode = "upsert" if cfg["keys"] else "append"
    keys = _check_keys(cfg, mode, frame.columns)
    if len(fresh) and not ctx.preview:
        target = PgTable(cfg["schema"], cfg["table"])
        connection = pg_connect(ctx.secret(cfg["connection_secret"], "connection_secret"), cfg["timeout_seconds"],
                                "connection_secret")
        try:
            with connection, connection.cursor() as cursor:
                _prepare(cursor, target, mode, storage.schema_of(fresh), keys)
                target.insert(cursor, fresh, keys)
        except _pg_errors() as exc:
            raise TaskError(f"incremental load failed: {pg_message(exc)}", field="table") from None
        finally:
            connection.close()
        newest = fresh[column].max()
        state = {"watermark": _jsonable(newest), "column": column, "run_id": ctx.run_id}
        temporary = state_path.with_suffix(".partial")
        temporary.write_text(json.dumps(state), encoding="utf-8")
        os.replace(temporary, state_path)  # saved only after the rows are committed
    return {**ctx.write_table(fresh), "watermark": state.get("watermark")}


