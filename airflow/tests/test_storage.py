"""Column types survive the trip through the shared data folder."""
from __future__ import annotations

import datetime as dt
import io
import json
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workflowcontrol_tasks import storage
from workflowcontrol_tasks.errors import InputError


V1_FILE = Path(__file__).resolve().parent / "data" / "written-by-v1.wct"  # by the wctable writer of version 1


def _all_types() -> pd.DataFrame:
    return pd.DataFrame({
        "int": [1, 2, 3], "nullable_int": pd.array([1, None, 3], dtype="Int64"), "float": [1.5, np.nan, -3.0],
        "text": ["a", None, "ü€😀"], "empty_text": ["", "x", ""], "flag": [True, False, True],
        "nullable_flag": pd.array([True, None, False], dtype="boolean"),
        "day": [dt.date(2024, 1, 2), None, dt.date(1960, 5, 6)],
        "stamp_tz": pd.to_datetime(["2024-01-01T10:00+01:00", None, "2024-06-01T00:00+02:00"], utc=True)
        .tz_convert("Europe/Berlin"),
        "stamp": pd.to_datetime(["2024-01-01", None, "2024-01-03"]),
    })


def test_every_column_type_round_trips(tmp_path: Path) -> None:
    frame = _all_types()
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
    payload = io.BytesIO()
    np.savez(payload, __schema__=np.frombuffer(b'[{"name":"x","type":"string"}]', dtype=np.uint8),
             c0=np.array([object()], dtype=object), l0=np.array([1]))
    path = tmp_path / "evil.wct"
    path.write_bytes(storage.MAGIC_V1 + struct.pack("<Q", len(payload.getvalue())) + payload.getvalue())
    with pytest.raises(ValueError, match="(?i)pickle"):
        storage.read_table(path)
    header = json.dumps({"rows": 1, "columns": [{"name": "x", "type": "number"}], "buffers": [["c0", "|O", 0, 1]],
                         "length": 64}).encode()
    path.write_bytes(storage.MAGIC + struct.pack("<Q", len(header)) + header + bytes(200))
    with pytest.raises(InputError, match="evil.wct is damaged"):
        storage.read_table(path)


def test_a_truncated_file_is_named_as_damaged(tmp_path: Path) -> None:
    storage.write_table(pd.DataFrame({"n": range(100)}), tmp_path / "t.wct")
    data = (tmp_path / "t.wct").read_bytes()
    (tmp_path / "t.wct").write_bytes(data[:-300])
    with pytest.raises(InputError, match="t.wct is damaged"):
        storage.read_table(tmp_path / "t.wct")


def test_tables_written_by_the_previous_version_still_read() -> None:
    back = list(storage.iter_table(V1_FILE))
    expected = _all_types().drop(columns=["empty_text"])
    pd.testing.assert_frame_equal(back[0], expected)
    pd.testing.assert_frame_equal(back[1], expected.iloc[[0, 2]].reset_index(drop=True))
    assert storage.read_table(V1_FILE, columns=["text", "int"]).columns.tolist() == ["text", "int"]
    assert [c["name"] for c in storage.table_schema(V1_FILE)][:3] == ["int", "nullable_int", "float"]


def test_a_step_reads_only_the_columns_it_names_in_its_order(tmp_path: Path) -> None:
    frame = _all_types()
    storage.write_table(frame, tmp_path / "t.wct")
    part = storage.read_table(tmp_path / "t.wct", columns=["stamp_tz", "text", "not_there", "int"])
    pd.testing.assert_frame_equal(part, frame[["stamp_tz", "text", "int"]])
    assert storage.table_schema(tmp_path / "t.wct") == storage.schema_of(frame)


def test_changing_a_table_read_from_a_file_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    storage.write_table(pd.DataFrame({"n": [1, 2, 3], "x": [0.5, 1.5, 2.5]}), tmp_path / "t.wct")
    first = storage.read_table(tmp_path / "t.wct")
    first.loc[0, "n"] = 99
    first["x"].to_numpy()[1] = -1.0
    again = storage.read_table(tmp_path / "t.wct")
    assert again["n"].tolist() == [1, 2, 3] and again["x"].tolist() == [0.5, 1.5, 2.5]


AWKWARD = {
    "int32": pd.Series([1, 2, 3], dtype="int32"), "uint8": pd.Series([1, 2, 255], dtype="uint8"),
    "float32": pd.Series([1.5, None, 2.25], dtype="float32"), "Int32": pd.array([1, None, 3], dtype="Int32"),
    "Int64_no_nulls": pd.array([1, 2, 3], dtype="Int64"), "Float64": pd.array([0.5, None, 1.0], dtype="Float64"),
    "category": pd.Categorical(["a", "b", None]), "string": pd.array(["a", None, "c"], dtype="string"),
    "mixed": ["a", 1, 2.5], "nan_and_none": ["a", np.nan, None], "bool_objects": [True, None, False],
    "dates_with_nan": [dt.date(2024, 1, 1), np.nan, dt.date(2024, 1, 3)], "nested": [[1, 2], {"a": 1}, None],
    "delta": pd.to_timedelta([1, 2, None], unit="s"), "all_null": [None, None, None],
    "utc": pd.to_datetime(["2024-01-01", None, "2024-01-03"], utc=True),
    "stamps_as_objects": [pd.Timestamp("2024-01-01"), None, pd.Timestamp("2024-01-03")],
}


@pytest.mark.parametrize("name", sorted(AWKWARD))
def test_a_table_handed_over_in_memory_has_the_column_types_a_file_gives(tmp_path: Path, name: str) -> None:
    frame = pd.DataFrame({name: AWKWARD[name]}, index=[5, 6, 7])
    for part, path in ((frame, tmp_path / "t.wct"), (frame.iloc[:0], tmp_path / "empty.wct")):
        storage.write_table(part, path)
        pd.testing.assert_frame_equal(storage.normalised(part), storage.read_table(path), check_exact=True)


def test_a_memory_table_holds_the_batches_its_file_would_hold(tmp_path: Path) -> None:
    chunks = [pd.DataFrame({"n": pd.Series([], dtype="int64"), "t": pd.Series([], dtype=object)}),
              pd.DataFrame({"n": [1, 2], "t": ["a", None]}), pd.DataFrame({"n": [], "t": []}),
              pd.DataFrame({"n": pd.array([3, None], dtype="Int64"), "t": ["b", 7]})]
    both = storage.TableWriter(tmp_path / "b.wct", to_file=True, in_memory=True)
    memory_only = storage.TableWriter(tmp_path / "m.wct", to_file=False, in_memory=True)
    for writer in (both, memory_only):
        for chunk in chunks:
            writer.write(chunk)
        assert writer.close() == (4, [{"name": "n", "type": "integer"}, {"name": "t", "type": "string"}])
    assert not (tmp_path / "m.wct").exists()
    from_file = list(storage.iter_table(tmp_path / "b.wct"))
    for table in (both.table, memory_only.table):
        batches = list(storage.iter_table(table))
        assert len(batches) == len(from_file) == 3
        for mine, theirs in zip(batches, from_file):
            pd.testing.assert_frame_equal(mine, theirs, check_exact=True)
        pd.testing.assert_frame_equal(storage.read_table(table, limit=3, columns=["t"]),
                                      storage.read_table(tmp_path / "b.wct", limit=3, columns=["t"]))
        assert storage.table_schema(table) == storage.table_schema(tmp_path / "b.wct")
