"""Typed tables handed over between steps: the library's own "wctable" format (Parquet only as an export format).

wctable is a stream of record batches, so writers and readers can work chunk by chunk. Version 2 (written now):
``b"WCTABLE2"``, then per batch an 8-byte little-endian header length, a UTF-8 JSON header
``{"rows", "columns": [column meta], "buffers": [[name, dtype, offset, count]], "length"}``, zero padding to a multiple
of 64 bytes from the start of the file, and the raw little-endian buffers (each 64-byte aligned, offsets relative to the
first). Readers memory-map the file: numeric columns are views of the mapping (copy-on-write, never written back), and a
read of some columns touches only their buffers. Per column ``c<i>`` holds the values, ``m<i>`` a null mask when the
column has nulls, and text columns are dictionary-encoded (``c<i>`` UTF-8 of the distinct texts, ``l<i>`` their lengths,
``k<i>`` one int32 code per row). Buffers are plain numbers: nothing is ever unpickled.
Version 1 (``b"WCTABLE1"``, one ``.npz`` archive per batch with the same arrays and ``__schema__``) is still read, and
so is Parquet written as a hand-over by earlier versions where pyarrow is installed.

Inside a fused group a table is handed over in memory instead (`MemoryTable`): `normalised` gives a batch exactly the
column types a write and a read give it, so a step sees the same data either way.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import mmap
import os
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
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

MAGIC = b"WCTABLE2"
MAGIC_V1 = b"WCTABLE1"
ALIGNMENT = 64
# The hand-over format on every worker, so the tests here exercise what production runs; Parquet is an export format.
DEFAULT_FORMAT = "wctable"
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
        sample = _first_present(series, 1000)
        if len(sample) and all(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in sample):
            return "date"
        if len(sample) and all(isinstance(v, (bool, np.bool_)) for v in sample):
            return "boolean"
    return "string"


def _first_present(series: pd.Series, count: int) -> pd.Series:
    """The first `count` values that are not missing, without looking further into a long column than needed."""
    head = series.iloc[:count * 4].dropna()
    if len(head) >= count or len(series) <= count * 4:
        return head.iloc[:count]
    return series.dropna().iloc[:count]


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
        arrays[f"c{index}"] = series.to_numpy(dtype=target, na_value=target(0)) if mask.any() \
            else series.to_numpy(dtype=target)
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
        try:
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
        except TypeError:  # unhashable values (lists and objects from JSON) are stored as their JSON text
            codes, uniques = pd.factorize(series.map(lambda v: _to_text(v) if isinstance(v, (dict, list)) else v),
                                          use_na_sentinel=True)
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
        values = data.view("datetime64[ns]")
        if mask is not None:
            values = values.copy()
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


# ---- the same column types in memory -----------------------------------------------------------------------

_AS_READ = frozenset({np.dtype(np.int64), np.dtype(np.float64), np.dtype(np.bool_), np.dtype("datetime64[ns]")})


def _as_read(series: pd.Series) -> pd.Series | None:
    """The column unchanged when decoding its encoding would give it back as it is (no work), else None.

    Text columns qualify when every value is a str or missing; missing values become None, as the decoder makes them.
    """
    dtype = series.dtype
    if dtype in _AS_READ or isinstance(dtype, (pd.Int64Dtype, pd.BooleanDtype)):
        return series
    if dtype == object and pd.api.types.infer_dtype(series, skipna=False) == "string":
        return series  # only text, nothing missing
    if dtype == object and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        mask = series.isna().to_numpy()
        values = series.to_numpy(copy=True)
        values[mask] = None
        return pd.Series(values, name=series.name, dtype=object)
    return None


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    """What every batch becomes before it is stored: rows numbered from 0, column names as text (a shallow copy:
    reset_index would copy every column)."""
    frame = frame.copy(deep=False)
    frame.index = pd.RangeIndex(len(frame))
    frame.columns = [str(c) for c in frame.columns]
    return frame


def _frame(columns: Sequence[pd.Series]) -> pd.DataFrame:
    """A batch from its columns, without copying them (pandas would otherwise consolidate same-typed columns)."""
    names = [series.name for series in columns]
    if not columns:
        return pd.DataFrame()
    if len(set(names)) < len(names):
        return pd.concat(columns, axis=1)
    return pd.DataFrame(dict(zip(names, columns)), copy=False)


def normalised(frame: pd.DataFrame) -> pd.DataFrame:
    """The batch exactly as writing it to a wctable file and reading it back returns it, without encoding what is
    already in that form (int64, float64, bool, Int64, boolean, naive timestamps, text)."""
    frame = _prepared(frame)
    columns = []
    for index in range(frame.shape[1]):
        series = frame.iloc[:, index]
        same = _as_read(series)
        if same is None:
            arrays: dict[str, np.ndarray] = {}
            same = _decode_column(_encode_column(series, 0, arrays), 0, arrays)
        columns.append(same)
    return _frame(columns)


@dataclass
class MemoryTable:
    """A table handed over in memory inside a fused group: the batches a read of its file would give."""

    batches: list[pd.DataFrame]
    rows: int
    schema: list[dict[str, str]]


# ---- writing ----------------------------------------------------------------------------------------------

def _aligned(position: int) -> int:
    return -(-position // ALIGNMENT) * ALIGNMENT


class TableWriter:
    """Writes a table chunk by chunk, to its file, in memory (`table`), or both; close() returns (rows, schema)."""

    def __init__(self, path: Path, fmt: str = DEFAULT_FORMAT, *, to_file: bool = True, in_memory: bool = False) -> None:
        if in_memory and fmt != "wctable":
            raise ValueError("only wctable tables are handed over in memory")
        self.path = path
        self.format = fmt
        self.rows = 0
        self.schema: list[dict[str, str]] | None = None
        self.batches: list[pd.DataFrame] | None = [] if in_memory else None
        self.to_file = to_file
        self._tmp = path.with_name(f".{path.name}.partial")
        self._file: Any = None
        self._position = 0
        if to_file:
            path.parent.mkdir(parents=True, exist_ok=True)
            if fmt == "wctable":
                self._file = open(self._tmp, "wb")
                self._write(MAGIC)
        self._parquet: Any = None
        self._arrow_schema: Any = None

    @property
    def in_memory(self) -> bool:
        return self.batches is not None

    @property
    def table(self) -> MemoryTable:
        if self.batches is None:
            raise ValueError("this writer keeps no table in memory")
        return MemoryTable(self.batches, self.rows, self.schema or [])

    def write(self, frame: pd.DataFrame) -> None:
        frame = _prepared(frame)
        if self.schema is None:
            self.schema = schema_of(frame)
        elif len(frame) == 0:
            return
        self.rows += len(frame)
        if self.batches is not None:
            self.batches.append(normalised(frame))
        if not self.to_file:
            return
        if self.format == "parquet":
            table = pa.Table.from_pandas(frame, preserve_index=False, schema=self._arrow_schema)
            if self._parquet is None:
                self._arrow_schema = table.schema
                self._parquet = pq.ParquetWriter(str(self._tmp), table.schema)
            self._parquet.write_table(table)
            return
        arrays: dict[str, np.ndarray] = {}
        columns = [_encode_column(frame.iloc[:, i], i, arrays) for i in range(frame.shape[1])]
        buffers, offset = [], 0
        for name, array in arrays.items():
            arrays[name] = np.ascontiguousarray(array)
            buffers.append([name, arrays[name].dtype.str, offset, int(arrays[name].size)])
            offset = _aligned(offset + arrays[name].nbytes)
        header = json.dumps({"rows": len(frame), "columns": columns, "buffers": buffers, "length": offset}).encode()
        self._write(struct.pack("<Q", len(header)) + header)
        self._pad()
        start = self._position
        for array in arrays.values():
            self._write(array.data.cast("B") if array.size else b"")
            self._pad(start)
        self._pad(start, offset)

    def _write(self, data: Any) -> None:
        self._file.write(data)
        self._position += len(data)

    def _pad(self, start: int = 0, length: int | None = None) -> None:
        """Zeros up to the next aligned position (relative to start), or up to start + length."""
        end = start + length if length is not None else start + _aligned(self._position - start)
        self._write(bytes(end - self._position))

    def close(self) -> tuple[int, list[dict[str, str]]]:
        if self.schema is None:
            self.write(pd.DataFrame())
        if self._file is not None:
            self._file.close()
        if self.format == "parquet" and self.to_file:
            if self._parquet is None:
                pq.write_table(pa.Table.from_pandas(pd.DataFrame(), preserve_index=False), str(self._tmp))
            else:
                self._parquet.close()
        if self.to_file:
            os.replace(self._tmp, self.path)
        return self.rows, self.schema or []

    def abort(self) -> None:
        if self._file is not None:
            self._file.close()
        if self._parquet is not None:
            self._parquet.close()
        self._tmp.unlink(missing_ok=True)
        self.batches = None if self.batches is None else []


def write_table(frame: pd.DataFrame, path: Path, fmt: str = DEFAULT_FORMAT) -> tuple[int, list[dict[str, str]]]:
    writer = TableWriter(path, fmt)
    try:
        writer.write(frame)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


# ---- reading ----------------------------------------------------------------------------------------------

Source = Path | MemoryTable


def format_of(path: Path) -> str:
    return "parquet" if path.suffix == ".parquet" else "wctable"


def iter_table(source: Source, limit: int | None = None,
               columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
    """Yield the table's batches in order (at most `limit` rows in total).

    `columns` reads only those columns, in that order; names the table does not have are left out, so a step checks
    its column names against `table_schema` first to say which are missing.
    """
    if isinstance(source, MemoryTable):
        batches: Iterable[pd.DataFrame] = (_memory_batch(batch, columns) for batch in source.batches)
    elif not source.is_file():
        raise InputError(f"upstream result {source.name} does not exist (did the upstream task run?)")
    elif format_of(source) == "parquet":
        batches = _iter_parquet(source, columns)
    else:
        batches = _iter_wctable(source, columns)
    remaining = limit if limit is not None else -1
    for frame in batches:
        if remaining == 0:
            return
        if remaining > 0:
            frame = frame.iloc[:remaining]
            remaining -= len(frame)
        yield frame


def read_table(source: Source, limit: int | None = None, columns: Sequence[str] | None = None) -> pd.DataFrame:
    frames = list(iter_table(source, limit, columns))
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def table_schema(source: Source) -> list[dict[str, str]]:
    """Names and logical types of the table's columns (of its first batch, as the result's schema), without its data."""
    if isinstance(source, MemoryTable):
        return source.schema
    if not source.is_file():
        raise InputError(f"upstream result {source.name} does not exist (did the upstream task run?)")
    if format_of(source) == "parquet":
        return schema_of(next(_iter_parquet(source, None)).iloc[:0])
    for columns, _arrays in _wctable_batches(source, limit_batches=1):
        return [{key: value for key, value in meta.items() if key in ("name", "type", "timezone")} for meta in columns]
    return []


def _memory_batch(batch: pd.DataFrame, columns: Sequence[str] | None) -> pd.DataFrame:
    # A shallow copy: a step that assigns a column changes its own frame, never the table another step reads.
    if columns is None:
        return batch.copy(deep=False)
    return _frame([batch[name] for name in columns if name in batch.columns])


def _selected(metas: Sequence[Mapping[str, Any]], columns: Sequence[str] | None) -> list[int]:
    if columns is None:
        return list(range(len(metas)))
    position = {meta["name"]: index for index, meta in reversed(list(enumerate(metas)))}
    return [position[name] for name in columns if name in position]


def _iter_parquet(path: Path, columns: Sequence[str] | None) -> Iterator[pd.DataFrame]:  # pragma: no cover - pyarrow
    if pq is None:
        raise InputError("this result is Parquet but pyarrow is not installed")
    parquet = pq.ParquetFile(str(path))
    names = None if columns is None else [c for c in columns if c in parquet.schema_arrow.names]
    for group in range(parquet.num_row_groups):
        yield parquet.read_row_group(group, columns=names).to_pandas()
    if parquet.num_row_groups == 0:
        yield parquet.schema_arrow.empty_table().to_pandas()


def _iter_wctable(path: Path, columns: Sequence[str] | None) -> Iterator[pd.DataFrame]:
    for metas, arrays in _wctable_batches(path, columns):
        yield _frame([_decode_column(metas[index], index, arrays) for index in _selected(metas, columns)])


_BUFFER_TYPES = frozenset({"<i8", "<i4", "<f8", "|b1", "|u1"})


def _wctable_batches(path: Path, columns: Sequence[str] | None = None,
                     limit_batches: int | None = None) -> Iterator[tuple[list[dict[str, Any]], Mapping[str, np.ndarray]]]:
    """Each batch's column metadata and the arrays of the selected columns (views of a private memory map)."""
    with open(path, "rb") as handle:
        magic = handle.read(len(MAGIC))
        if magic == MAGIC_V1:
            yield from _v1_batches(handle, columns, limit_batches)
            return
        if magic != MAGIC:
            raise InputError(f"{path.name} is not a WorkflowControl table")
        size = os.fstat(handle.fileno()).st_size
        if size == len(MAGIC):
            return
        # ACCESS_COPY: arrays are writable like any pandas column, and nothing ever reaches the file.
        view = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
    position, count = len(MAGIC), 0
    while position < size and (limit_batches is None or count < limit_batches):
        try:
            (length,) = struct.unpack_from("<Q", view, position)
            header = json.loads(bytes(view[position + 8:position + 8 + length]).decode("utf-8"))
            start = _aligned(position + 8 + length)
            wanted = {f"{kind}{index}" for index in _selected(header["columns"], columns) for kind in "cmkl"}
            arrays = {name: _buffer(view, dtype, start + offset, number, start + header["length"])
                      for name, dtype, offset, number in header["buffers"] if name in wanted}
        except (struct.error, ValueError, KeyError, TypeError) as error:
            raise InputError(f"{path.name} is damaged ({type(error).__name__})") from None
        yield header["columns"], arrays
        position, count = start + header["length"], count + 1


def _buffer(view: mmap.mmap, dtype: str, offset: int, count: int, end: int) -> np.ndarray:
    if dtype not in _BUFFER_TYPES:
        raise ValueError(f"buffer type {dtype}")
    if offset + count * np.dtype(dtype).itemsize > min(end, len(view)):
        raise ValueError("buffer beyond its batch")
    return np.frombuffer(view, dtype=dtype, count=count, offset=offset)


def _v1_batches(handle: Any, columns: Sequence[str] | None,
                limit_batches: int | None) -> Iterator[tuple[list[dict[str, Any]], Mapping[str, np.ndarray]]]:
    count = 0
    while (limit_batches is None or count < limit_batches) and (header := handle.read(8)):
        (length,) = struct.unpack("<Q", header)
        with np.load(io.BytesIO(handle.read(length)), allow_pickle=False) as archive:
            metas = json.loads(archive["__schema__"].tobytes().decode("utf-8"))
            wanted = {f"{kind}{index}" for index in _selected(metas, columns) for kind in "cmkl"}
            arrays = {key: archive[key] for key in archive.files if key in wanted}
        yield metas, arrays
        count += 1
