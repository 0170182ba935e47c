"""Typed tables between tasks: Parquet when pyarrow is importable, else the library's own "wctable" format.

wctable is a stream of record batches, so writers and readers can work chunk by chunk:
``b"WCTABLE1"`` then per batch an 8-byte little-endian length and an ``.npz`` archive (never pickled) holding
``__schema__`` (UTF-8 JSON) and per column ``c<i>`` values and, when the column has nulls, ``m<i>`` a null mask.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import os
import struct
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError

try:  # pragma: no cover - depends on the environment
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:  # pragma: no cover
    pa = None
    pq = None

MAGIC = b"WCTABLE1"
DEFAULT_FORMAT = "parquet" if pq is not None else "wctable"
EXTENSIONS = {"parquet": "parquet", "wctable": "wct"}


def logical_type(series: pd.Series) -> str:
    """The type name shown to analysts and stored in XCom: integer, number, boolean, date, timestamp, string."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if isinstance(dtype, pd.DatetimeTZDtype):
        return "timestamp"
    if pd.api.types.is_datetime64_dtype(dtype):
        return "timestamp"
    if dtype == object:
        sample = series.dropna()
        if len(sample) and all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in sample.iloc[:1000]):
            return "date"
        if len(sample) and all(isinstance(v, (bool, np.bool_)) for v in sample.iloc[:1000]):
            return "boolean"
    return "string"


def schema_of(frame: pd.DataFrame) -> list[dict[str, str]]:
    schema = []
    for name in frame.columns:
        entry = {"name": str(name), "type": logical_type(frame[name])}
        dtype = frame[name].dtype
        if isinstance(dtype, pd.DatetimeTZDtype):
            entry["timezone"] = str(dtype.tz)
        schema.append(entry)
    return schema


# ---- wctable encoding -------------------------------------------------------------------------------------

def _encode_column(series: pd.Series, index: int, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    kind = logical_type(series)
    mask = series.isna().to_numpy()
    meta: dict[str, Any] = {"name": str(series.name), "type": kind, "dtype": str(series.dtype)}
    if kind in ("integer", "boolean"):
        target = np.int64 if kind == "integer" else np.bool_
        values = series.to_numpy(dtype=object if mask.any() else None)
        if mask.any():
            values = np.where(mask, 0, values)
        arrays[f"c{index}"] = np.asarray(values, dtype=target)
    elif kind == "number":
        arrays[f"c{index}"] = series.to_numpy(dtype=np.float64, na_value=np.nan)
        mask = np.zeros(0, dtype=bool)  # NaN is the null
    elif kind == "timestamp":
        values = series.dt.tz_convert("UTC") if isinstance(series.dtype, pd.DatetimeTZDtype) else series
        arrays[f"c{index}"] = values.dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64) \
            if isinstance(series.dtype, pd.DatetimeTZDtype) else values.to_numpy("datetime64[ns]").view(np.int64)
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            meta["timezone"] = str(series.dtype.tz)
    elif kind == "date":
        epoch = dt.date(1970, 1, 1)
        arrays[f"c{index}"] = np.fromiter(((v - epoch).days if v is not None and v == v else 0 for v in series),
                                          dtype=np.int64, count=len(series))
    else:
        # Dictionary encoding: distinct texts once, then one int32 code per row (-1 = null). Analysts' text
        # columns are mostly low-cardinality (regions, segments, codes), and this avoids per-row Python work.
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        texts = [v if isinstance(v, str) else _to_text(v) for v in uniques]
        arrays[f"c{index}"] = np.frombuffer("".join(texts).encode("utf-8"), dtype=np.uint8)
        arrays[f"l{index}"] = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        arrays[f"k{index}"] = codes.astype(np.int32)
        mask = codes < 0
    if mask.any():
        arrays[f"m{index}"] = mask
    return meta


def _to_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


def _decode_column(meta: Mapping[str, Any], index: int, archive: Mapping[str, np.ndarray]) -> pd.Series:
    kind, name = meta["type"], meta["name"]
    data = archive[f"c{index}"]
    mask = archive.get(f"m{index}")
    if kind == "integer":
        if mask is not None or meta.get("dtype") == "Int64":
            return pd.Series(pd.arrays.IntegerArray(data, mask if mask is not None else np.zeros(len(data), bool)),
                             name=name)
        return pd.Series(data, name=name)
    if kind == "boolean":
        if mask is not None or meta.get("dtype") == "boolean":
            return pd.Series(pd.arrays.BooleanArray(data, mask if mask is not None else np.zeros(len(data), bool)),
                             name=name)
        return pd.Series(data, name=name)
    if kind == "number":
        return pd.Series(data, name=name, dtype=np.float64)
    if kind == "timestamp":
        values = data.view("datetime64[ns]").copy()
        if mask is not None:
            values[mask] = np.datetime64("NaT")
        series = pd.Series(values, name=name)
        if meta.get("timezone"):
            series = series.dt.tz_localize("UTC").dt.tz_convert(meta["timezone"])
        return series
    if kind == "date":
        epoch = dt.date(1970, 1, 1)
        values = [None if mask is not None and m else epoch + dt.timedelta(days=int(d))
                  for d, m in zip(data.tolist(), mask.tolist() if mask is not None else [False] * len(data))]
        return pd.Series(values, name=name, dtype=object)
    text = data.tobytes().decode("utf-8")
    ends = np.cumsum(archive[f"l{index}"]).tolist()
    uniques = np.array([None, *(text[a:b] for a, b in zip([0, *ends[:-1]], ends))], dtype=object)
    return pd.Series(uniques[archive[f"k{index}"].astype(np.int64) + 1], name=name, dtype=object)


class TableWriter:
    """Writes a table chunk by chunk; close() returns (rows, schema)."""

    def __init__(self, path: Path, fmt: str = DEFAULT_FORMAT) -> None:
        self.path = path
        self.format = fmt
        self.rows = 0
        self.schema: list[dict[str, str]] | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = path.with_name(f".{path.name}.partial")
        self._file = open(self._tmp, "wb") if fmt == "wctable" else None
        if self._file is not None:
            self._file.write(MAGIC)
        self._parquet: Any = None
        self._arrow_schema: Any = None

    def write(self, frame: pd.DataFrame) -> None:
        frame = frame.reset_index(drop=True)
        frame.columns = [str(c) for c in frame.columns]
        if self.schema is None:
            self.schema = schema_of(frame)
        elif len(frame) == 0:
            return
        self.rows += len(frame)
        if self.format == "parquet":
            table = pa.Table.from_pandas(frame, preserve_index=False, schema=self._arrow_schema)
            if self._parquet is None:
                self._arrow_schema = table.schema
                self._parquet = pq.ParquetWriter(str(self._tmp), table.schema)
            self._parquet.write_table(table)
            return
        arrays: dict[str, np.ndarray] = {}
        columns = [_encode_column(frame[name], i, arrays) for i, name in enumerate(frame.columns)]
        arrays["__schema__"] = np.frombuffer(json.dumps(columns).encode("utf-8"), dtype=np.uint8)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        payload = buffer.getvalue()
        assert self._file is not None
        self._file.write(struct.pack("<Q", len(payload)))
        self._file.write(payload)

    def close(self) -> tuple[int, list[dict[str, str]]]:
        if self.schema is None:
            self.write(pd.DataFrame())
        if self._file is not None:
            self._file.close()
        if self.format == "parquet":
            if self._parquet is None:
                pq.write_table(pa.Table.from_pandas(pd.DataFrame(), preserve_index=False), str(self._tmp))
            else:
                self._parquet.close()
        os.replace(self._tmp, self.path)
        return self.rows, self.schema or []

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._parquet is not None:
            self._parquet.close()
        self._tmp.unlink(missing_ok=True)


def write_table(frame: pd.DataFrame, path: Path, fmt: str = DEFAULT_FORMAT) -> tuple[int, list[dict[str, str]]]:
    writer = TableWriter(path, fmt)
    try:
        writer.write(frame)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def format_of(path: Path) -> str:
    return "parquet" if path.suffix == ".parquet" else "wctable"


def iter_table(path: Path, limit: int | None = None) -> Iterator[pd.DataFrame]:
    """Yield the table's batches in order (at most `limit` rows in total)."""
    if not path.is_file():
        raise InputError(f"upstream result {path.name} does not exist (did the upstream task run?)")
    remaining = limit if limit is not None else -1
    for frame in (_iter_parquet(path) if format_of(path) == "parquet" else _iter_wctable(path)):
        if remaining == 0:
            return
        if remaining > 0:
            frame = frame.iloc[:remaining]
            remaining -= len(frame)
        yield frame


def _iter_parquet(path: Path) -> Iterator[pd.DataFrame]:  # pragma: no cover - needs pyarrow
    if pq is None:
        raise InputError("this result is Parquet but pyarrow is not installed")
    parquet = pq.ParquetFile(str(path))
    for group in range(parquet.num_row_groups):
        yield parquet.read_row_group(group).to_pandas()
    if parquet.num_row_groups == 0:
        yield parquet.schema_arrow.empty_table().to_pandas()


def _iter_wctable(path: Path) -> Iterator[pd.DataFrame]:
    with open(path, "rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise InputError(f"{path.name} is not a WorkflowControl table")
        while header := handle.read(8):
            (length,) = struct.unpack("<Q", header)
            with np.load(io.BytesIO(handle.read(length)), allow_pickle=False) as archive:
                arrays = {key: archive[key] for key in archive.files}
            columns = json.loads(arrays["__schema__"].tobytes().decode("utf-8"))
            series = [_decode_column(meta, i, arrays) for i, meta in enumerate(columns)]
            yield pd.concat(series, axis=1) if series else pd.DataFrame()


def read_table(path: Path, limit: int | None = None) -> pd.DataFrame:
    frames = list(iter_table(path, limit))
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)
