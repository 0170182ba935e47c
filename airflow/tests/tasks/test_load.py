"""File export, PostgreSQL load, batch load and incremental load against a real PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json
import logging
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from workflowcontrol_tasks.errors import InputError, TaskError, UnsafeTargetError


@pytest.fixture()
def typed(harness) -> dict:
    return harness.table(pd.DataFrame({
        "id": [1, 2, 3], "name": ["=HYPERLINK(\"http://x\")", "+1", "plain"], "amount": [1.5, None, -2.0],
        "day": [dt.date(2024, 1, 1), None, dt.date(2024, 1, 3)],
        "at": pd.to_datetime(["2024-01-01T10:00Z", None, "2024-01-03T00:00Z"], utc=True),
        "note": ["@SUM(A1)", "\tx", "-3"]}))


def test_csv_export_escapes_formula_cells(harness, typed) -> None:
    ref = harness.run("load.file", {"path": "exports/out", "format": "csv"}, [typed])
    path = harness.files() / "exports" / "out.csv"
    assert ref["path"] == str(path) and ref["rows"] == 3
    frame = pd.read_csv(path, keep_default_na=False)
    assert frame["name"].tolist() == ["'=HYPERLINK(\"http://x\")", "'+1", "plain"]
    assert frame["note"].tolist() == ["'@SUM(A1)", "'\tx", "'-3"]
    assert frame["amount"].tolist()[2] == "-2.0"  # numbers are not text cells: never prefixed


def test_excel_json_and_jsonl_exports(harness, typed) -> None:
    harness.run("load.file", {"path": "r.xlsx", "format": "excel"}, [typed])
    sheet = openpyxl.load_workbook(harness.files() / "r.xlsx").active
    assert sheet["B2"].value == "'=HYPERLINK(\"http://x\")" and sheet["B2"].data_type == "s"
    harness.run("load.file", {"path": "r", "format": "json"}, [typed])
    records = json.loads((harness.files() / "r.json").read_text())
    assert records[0]["day"].startswith("2024-01-01") and records[1]["amount"] is None
    harness.run("load.file", {"path": "r", "format": "jsonl"}, [typed])
    assert len((harness.files() / "r.jsonl").read_text().splitlines()) == 3


def test_an_excel_export_depends_on_the_data_and_the_runs_logical_time_only(harness, typed) -> None:
    harness.run("load.file", {"path": "first.xlsx", "format": "excel"}, [typed])
    harness.run("load.file", {"path": "second.xlsx", "format": "excel"}, [typed], task_id="again")
    first = harness.files() / "first.xlsx"
    assert first.read_bytes() == (harness.files() / "second.xlsx").read_bytes()
    properties = openpyxl.load_workbook(first).properties
    assert properties.created == properties.modified == dt.datetime(2024, 5, 1, 6, 0)  # the run's ts, not the clock
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("path", ["../escape.csv", "/tmp/abs.csv", "a/../../b.csv"])
def test_export_paths_stay_inside_the_data_folder(harness, typed, path: str) -> None:
    with pytest.raises(UnsafeTargetError) as error:
        harness.run("load.file", {"path": path}, [typed])
    assert error.value.field == "path"


def test_export_refuses_symlinks_and_respects_overwrite(harness, typed, tmp_path: Path) -> None:
    (harness.files() / "linked").symlink_to(tmp_path)
    with pytest.raises(UnsafeTargetError, match="symbolic links"):
        harness.run("load.file", {"path": "linked/out.csv"}, [typed])
    harness.run("load.file", {"path": "once.csv"}, [typed])
    with pytest.raises(TaskError, match="already exists"):
        harness.run("load.file", {"path": "once.csv", "overwrite": False}, [typed])


@pytest.fixture()
def db(postgres, harness, allow_localhost):
    harness.secret("warehouse", postgres.dsn())
    postgres.query("DROP TABLE IF EXISTS public.target, public.batched, public.inc")
    return postgres


def test_postgres_create_append_replace_upsert(harness, db, typed) -> None:
    config = {"connection_secret": "warehouse", "table": "target", "mode": "create", "keys": ["id"]}
    harness.run("load.postgres", config, [typed])
    assert db.query("SELECT id, amount, day, at FROM target ORDER BY id")[0] == (
        1, 1.5, dt.date(2024, 1, 1), dt.datetime(2024, 1, 1, 10, tzinfo=dt.timezone.utc))
    with pytest.raises(TaskError, match="already exists"):
        harness.run("load.postgres", config, [typed])
    changed = harness.table(pd.DataFrame({"id": [3, 4], "name": ["new", "four"], "amount": [9.0, 4.0],
                                          "day": [None, None], "at": pd.to_datetime([None, None], utc=True),
                                          "note": ["", ""]}), "changed")
    harness.run("load.postgres", {**config, "mode": "upsert"}, [changed])
    assert db.query("SELECT id, name FROM target ORDER BY id") == [(1, '=HYPERLINK("http://x")'), (2, "+1"),
                                                                   (3, "new"), (4, "four")]
    harness.run("load.postgres", {**config, "mode": "replace", "keys": []}, [changed])
    assert db.query("SELECT count(*) FROM target") == [(2,)]
    harness.run("load.postgres", {**config, "mode": "append", "keys": []}, [typed])
    assert db.query("SELECT count(*) FROM target") == [(5,)]


def test_postgres_refuses_injection_in_table_names(harness, db, typed) -> None:
    with pytest.raises(TaskError) as error:
        harness.run("load.postgres", {"connection_secret": "warehouse", "table": "t; DROP TABLE x"}, [typed])
    assert error.value.field == "table"


def test_column_names_are_quoted_identifiers(harness, db) -> None:
    hostile = harness.table(pd.DataFrame({'a"); DROP TABLE target; --': [1]}), "hostile")
    harness.run("load.postgres", {"connection_secret": "warehouse", "table": "target", "mode": "create"}, [hostile])
    assert db.query("SELECT count(*) FROM target") == [(1,)]


def test_batch_load_commits_each_batch_and_logs_progress(harness, db, caplog) -> None:
    source = harness.table(pd.DataFrame({"id": range(25), "v": ["x"] * 24 + [None]}))
    caplog.set_level(logging.INFO)
    ref = harness.run("load.batch", {"connection_secret": "warehouse", "table": "batched", "batch_size": 10},
                      [source])
    assert ref["rows"] == 25 and ref["batches"] == 3
    assert "Batch 3 committed: 25/25 rows loaded" in caplog.text
    db.query("ALTER TABLE batched ADD CONSTRAINT small CHECK (id < 40)")
    more = harness.table(pd.DataFrame({"id": range(25, 45), "v": ["y"] * 20}), "more")
    with pytest.raises(TaskError, match="batch 2 failed after 10 rows were committed"):
        harness.run("load.batch", {"connection_secret": "warehouse", "table": "batched", "batch_size": 10}, [more])
    assert db.query("SELECT count(*) FROM batched") == [(35,)]


def test_incremental_load_keeps_a_watermark_between_runs(harness, db) -> None:
    config = {"connection_secret": "warehouse", "table": "inc", "watermark_column": "updated", "keys": ["id"]}
    first = harness.table(pd.DataFrame({"id": [1, 2], "v": ["a", "b"],
                                        "updated": pd.to_datetime(["2024-01-01", "2024-01-02"], utc=True)}), "s1")
    assert harness.run("load.incremental", config, [first])["rows"] == 2
    second = harness.table(pd.DataFrame({"id": [1, 2, 3], "v": ["a", "b2", "c"],
                                         "updated": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-06"],
                                                                   utc=True)}), "s2")
    ref = harness.run("load.incremental", config, [second])
    assert ref["rows"] == 2 and ref["watermark"].startswith("2024-01-06")
    assert db.query("SELECT id, v FROM inc ORDER BY id") == [(1, "a"), (2, "b2"), (3, "c")]
    assert harness.run("load.incremental", config, [second])["rows"] == 0


@pytest.fixture()
def visits(db, harness) -> dict:
    """Nullable integer and boolean columns read by extract.database: pandas gives NumPy scalars and pd.NA."""
    db.query("DROP TABLE IF EXISTS visits, v_all, v_batched, v_inc; "
             "CREATE TABLE visits (id bigint, patient int, score smallint, seen boolean, at timestamptz); "
             "INSERT INTO visits VALUES (1, 10, 3, true, '2024-01-01 10:00+00'), (2, NULL, NULL, NULL, NULL), "
             "(3, 30, -1, false, '2024-01-03 00:00+00')")
    return harness.run("extract.database", {"connection_secret": "warehouse",
                                            "query": "SELECT * FROM visits ORDER BY id"}, task_id="visits")


VISIT_ROWS = [(1, 10, 3, True, dt.datetime(2024, 1, 1, 10, tzinfo=dt.timezone.utc)), (2, None, None, None, None),
              (3, 30, -1, False, dt.datetime(2024, 1, 3, tzinfo=dt.timezone.utc))]


@pytest.mark.parametrize("task_type,table,extra", [
    ("load.postgres", "v_all", {}),
    ("load.batch", "v_batched", {"batch_size": 2}),
    ("load.incremental", "v_inc", {"watermark_column": "id", "keys": ["id"]}),
])
def test_nullable_integers_from_a_database_query_load_into_postgres(harness, db, visits, task_type, table,
                                                                    extra) -> None:
    ref = harness.run(task_type, {"connection_secret": "warehouse", "table": table, **extra}, [visits])
    assert ref["rows"] == 3
    assert db.query(f"SELECT id, patient, score, seen, at FROM {table} ORDER BY id") == VISIT_ROWS
    assert db.query("SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = "
                    "'patient'", (table,)) == [("bigint",)]



def test_rows_for_postgres_are_plain_python_values() -> None:
    from workflowcontrol_tasks.tasks.load import bindable_rows

    frame = pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "ok": pd.array([None, True], dtype="boolean"),
                          "x": [float("nan"), 2.5], "at": pd.to_datetime([None, "2024-01-01T00:00Z"], utc=True),
                          "tags": [np.array(["a", "b"], dtype=object), {"k": 1}]})
    rows = bindable_rows(frame)
    assert rows == [(1, None, None, None, '["a", "b"]'),
                    (None, True, 2.5, dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), '{"k": 1}')]
    assert [type(v) for v in rows[0][:1] + rows[1][1:3]] == [int, bool, float]


def test_a_value_postgres_cannot_store_is_named_by_column_and_type() -> None:
    from workflowcontrol_tasks.tasks.load import bindable_rows

    with pytest.raises(InputError) as error:
        bindable_rows(pd.DataFrame({"id": [1, 2], "signal": [1 + 2j, None]}))
    assert "column 'signal'" in error.value.problem and "complex" in error.value.problem
    assert error.value.field != "table"


@pytest.mark.parametrize("task_type,extra", [("load.postgres", {}), ("load.batch", {}),
                                             ("load.incremental", {"watermark_column": "id"})])
def test_loads_to_a_loopback_database_are_refused_without_the_allow_list(harness, postgres, typed, task_type,
                                                                        extra) -> None:
    harness.secret("warehouse", postgres.dsn("hunter2-password"))
    with pytest.raises(UnsafeTargetError) as error:
        harness.run(task_type, {"connection_secret": "warehouse", "table": "refused", **extra}, [typed])
    assert error.value.field == "connection_secret" and "WORKFLOWCONTROL_ALLOWED_HOSTS" in error.value.problem
    assert "hunter2" not in str(error.value)
    assert postgres.query("SELECT to_regclass('public.refused') IS NULL") == [(True,)]
