"""Column types survive the trip through the shared data folder."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from workflowcontrol_tasks import storage


def test_every_column_type_round_trips(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "int": [1, 2, 3], "nullable_int": pd.array([1, None, 3], dtype="Int64"), "float": [1.5, np.nan, -3.0],
        "text": ["a", None, "ü€😀"], "empty_text": ["", "x", ""], "flag": [True, False, True],
        "nullable_flag": pd.array([True, None, False], dtype="boolean"),
        "day": [dt.date(2024, 1, 2), None, dt.date(1960, 5, 6)],
        "stamp_tz": pd.to_datetime(["2024-01-01T10:00+01:00", None, "2024-06-01T00:00+02:00"], utc=True)
        .tz_convert("Europe/Berlin"),
        "stamp": pd.to_datetime(["2024-01-01", None, "2024-01-03"]),
    })
    rows, schema = storage.write_table(frame, tmp_path / "t.wct")
    back = storage.read_table(tmp_path / "t.wct")
    pd.testing.assert_frame_equal(frame, back)
    assert rows == 3
    assert {c["name"]: c["type"] for c in schema} == {
        "int": "integer", "nullable_int": "integer", "float": "number", "text": "string", "empty_text": "string",
        "flag": "boolean", "nullable_flag": "boolean", "day": "date", "stamp_tz": "timestamp", "stamp": "timestamp"}
    assert next(c for c in schema if c["name"] == "stamp_tz")["timezone"] == "Europe/Berlin"


def test_chunks_are_read_back_in_order_and_limited(tmp_path: Path) -> None:
    writer = storage.TableWriter(tmp_path / "c.wct", "wctable")
    for start in range(0, 30, 10):
        writer.write(pd.DataFrame({"n": range(start, start + 10)}))
    assert writer.close()[0] == 30
    assert [len(c) for c in storage.iter_table(tmp_path / "c.wct")] == [10, 10, 10]
    assert storage.read_table(tmp_path / "c.wct", limit=15)["n"].tolist() == list(range(15))


def test_a_failed_write_leaves_no_result(tmp_path: Path) -> None:
    writer = storage.TableWriter(tmp_path / "x.wct", "wctable")
    writer.write(pd.DataFrame({"n": [1]}))
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_files_are_never_unpickled(tmp_path: Path) -> None:
    import io
    import struct

    payload = io.BytesIO()
    np.savez(payload, __schema__=np.frombuffer(b'[{"name":"x","type":"string"}]', dtype=np.uint8),
             c0=np.array([object()], dtype=object), l0=np.array([1]))
    path = tmp_path / "evil.wct"
    path.write_bytes(storage.MAGIC + struct.pack("<Q", len(payload.getvalue())) + payload.getvalue())
    try:
        storage.read_table(path)
    except ValueError as error:
        assert "pickle" in str(error).lower()
    else:
        raise AssertionError("an object array was loaded")
