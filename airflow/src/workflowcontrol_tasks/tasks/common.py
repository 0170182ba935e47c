"""Helpers shared by several task types: typed coercion, row conditions, batch-wise steps."""
from __future__ import annotations

import datetime as dt
import operator as op
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..context import TaskContext, TaskInput
from ..errors import ConfigError, TaskError

TYPE_NAMES = ("string", "integer", "number", "boolean", "date", "timestamp")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def coerce(series: pd.Series, type_name: str, field: str) -> pd.Series:
    """Convert a column to one of the catalog's types; values that do not fit are an error naming the column."""
    try:
        if type_name == "string":
            return series.map(lambda v: v if v is None or isinstance(v, str) or v != v else str(v)).astype(object)
        if type_name == "integer":
            numbers = pd.to_numeric(series, errors="raise")
            if (numbers.dropna() % 1 != 0).any():
                raise ValueError("has fractional values")
            return numbers.astype("Int64") if numbers.isna().any() or series.dtype == object else numbers.astype("int64")
        if type_name == "number":
            return pd.to_numeric(series, errors="raise").astype("float64")
        if type_name == "boolean":
            return series.map(_to_bool).astype("boolean")
        if type_name == "date":
            parsed = pd.to_datetime(series, errors="raise")
            return pd.Series([None if v is pd.NaT else v.date() for v in parsed], index=series.index, dtype=object)
        if type_name == "timestamp":
            return pd.to_datetime(series, errors="raise", utc=True)
    except (ValueError, TypeError) as exc:
        raise TaskError(f"column '{series.name}' cannot be read as {type_name}: {_short(exc)}", field=field) from None
    raise ConfigError(f"unknown type '{type_name}'", field=field)


def _to_bool(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return pd.NA
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text == "":
        return pd.NA
    raise ValueError(f"'{value}' is not a yes/no value")


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def each_text(series: pd.Series, function: Callable[[str], Any]) -> pd.Series:
    """`function` applied to every text value of a column, other values kept as they are.

    A column of text only is worked on once per distinct value (analysts' text columns repeat a few values many
    times); the column comes back unchanged, as the same object, when no value changes.
    """
    if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        return series.map(lambda value: function(value) if isinstance(value, str) else value)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    changed = [function(value) for value in uniques]
    if all(isinstance(new, str) and new == old for new, old in zip(changed, uniques)):
        return series
    values = np.array([*changed, None], dtype=object)[codes]  # code -1 (missing) takes the last entry
    missing = codes < 0
    if missing.any():  # the missing value as it was (None or NaN)
        values[missing] = series.to_numpy()[missing]
    return pd.Series(values, index=series.index, name=series.name, dtype=object)


def require_columns(frame: pd.DataFrame | Sequence[str], columns: Sequence[str], field: str) -> None:
    """Each of `columns` is a column of the frame (or of a table, by its column names), else an error naming both."""
    available = list(frame.columns) if isinstance(frame, pd.DataFrame) else list(frame)
    missing = [c for c in columns if c not in available]
    if missing:
        raise TaskError(f"column(s) {', '.join(map(repr, missing))} not found; available: "
                        f"{', '.join(map(str, available))}", field=field)


def distinct(*groups: Sequence[str]) -> list[str]:
    """The names of several lists once each, in order: the columns a step reads."""
    return list(dict.fromkeys(name for group in groups for name in group))


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "eq": op.eq, "ne": op.ne, "lt": op.lt, "le": op.le, "gt": op.gt, "ge": op.ge,
}


def _comparable(series: pd.Series, value: Any) -> Any:
    """Compare dates and timestamps with ISO strings from the form, numbers with numbers (a rendered
    {{ params.X }} is text, so numeric text is read as a number for numeric columns)."""
    if isinstance(value, str) and pd.api.types.is_numeric_dtype(series.dtype) \
            and not pd.api.types.is_bool_dtype(series.dtype):
        try:
            return float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:
            return value
    if isinstance(value, str) and pd.api.types.is_datetime64_any_dtype(series.dtype):
        stamp = pd.Timestamp(value)
        if isinstance(series.dtype, pd.DatetimeTZDtype) and stamp.tzinfo is None:
            stamp = stamp.tz_localize(series.dtype.tz)
        return stamp
    if isinstance(value, str) and series.dtype == object and len(series.dropna()) and \
            isinstance(series.dropna().iloc[0], dt.date):
        return dt.date.fromisoformat(value)
    return value


def condition_mask(frame: pd.DataFrame, condition: Mapping[str, Any], field: str) -> pd.Series:
    """Evaluate one {column, operator, value} condition to a boolean mask; never eval."""
    column, operator_name = condition["column"], condition["operator"]
    require_columns(frame, [column], field)
    series = frame[column]
    value = condition.get("value")
    if operator_name == "is_null":
        return series.isna()
    if operator_name == "not_null":
        return series.notna()
    if operator_name in ("in", "not_in"):
        values = value if isinstance(value, list) else [value]
        mask = series.isin([_comparable(series, v) for v in values])
        return ~mask if operator_name == "not_in" else mask
    if operator_name in ("contains", "starts_with", "ends_with"):
        text = series.astype("string")
        method = {"contains": lambda s: s.str.contains(str(value), regex=False),
                  "starts_with": lambda s: s.str.startswith(str(value)),
                  "ends_with": lambda s: s.str.endswith(str(value))}[operator_name]
        return method(text).fillna(False).astype(bool)
    if operator_name in _COMPARE:
        try:
            result = _COMPARE[operator_name](series, _comparable(series, value))
        except TypeError:
            raise TaskError(f"cannot compare column '{column}' with {value!r}", field=field) from None
        return pd.Series(result, index=frame.index).fillna(False).astype(bool)
    raise ConfigError(f"unknown operator '{operator_name}'", field=field)


def combined_mask(frame: pd.DataFrame, conditions: Sequence[Mapping[str, Any]], combine: str,
                  field: str) -> pd.Series:
    if not conditions:
        return pd.Series(True, index=frame.index)
    masks = [condition_mask(frame, c, f"{field}[{i}]") for i, c in enumerate(conditions)]
    result = masks[0]
    for mask in masks[1:]:
        result = (result & mask) if combine == "and" else (result | mask)
    return result


def stream_map(ctx: TaskContext, source: TaskInput, step: Callable[[pd.DataFrame], pd.DataFrame],
               columns: Sequence[str] | None = None) -> dict[str, Any]:
    """Apply a row-local step batch by batch (to `columns` only, when given), so inputs larger than memory flow
    through."""
    writer = ctx.table_writer()
    try:
        for chunk in source.chunks(columns):
            writer.write(step(chunk))
    except BaseException:
        writer.abort()
        raise
    return ctx.table_ref(writer)
