"""Cleaning, joins, filters, pivots and cohort harmonization on real tables."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from workflowcontrol_tasks.errors import ConfigError, TaskError
from workflowcontrol_tasks.storage import read_table


def test_clean_trims_cases_fills_dedupes_converts_renames_and_drops(harness) -> None:
    source = harness.table(pd.DataFrame({"name": [" Ann ", "bob", "bob", None], "age": ["30", "41", "41", None],
                                         "junk": [1, 2, 3, 4]}))
    ref = harness.run("transform.clean", {"trim": True, "case": "title", "deduplicate": True,
                                          "types": {"age": "integer"}, "null_action": "fill", "null_columns": ["name"],
                                          "fill_value": "unknown", "rename": {"name": "person"},
                                          "drop_columns": ["junk"]}, [source])
    frame = harness.read(ref)
    assert frame["person"].tolist() == ["Ann", "Bob", "unknown"]
    assert frame["age"].tolist()[:2] == [30, 41] and frame["age"].isna().tolist()[2]
    assert list(frame.columns) == ["person", "age"]


def test_clean_refuses_a_rename_onto_a_name_that_stays_and_allows_a_swap(harness) -> None:
    source = harness.table(pd.DataFrame({"amt": [1.5], "amount": [2.5], "note": ["x"]}))
    with pytest.raises(ConfigError) as error:
        harness.run("transform.clean", {"rename": {"amt": "amount"}}, [source])
    assert error.value.field == "rename" and "two columns named 'amount'" in error.value.problem
    swapped = harness.read(harness.run("transform.clean", {"rename": {"amt": "amount", "amount": "amt"}}, [source]))
    assert list(swapped.columns) == ["amount", "amt", "note"] and swapped["amt"].tolist() == [2.5]


def test_clean_drops_rows_with_missing_values_and_reports_bad_types(harness) -> None:
    source = harness.table(pd.DataFrame({"a": [1.0, None, 3.0], "b": ["x", "y", ""]}))
    ref = harness.run("transform.clean", {"null_action": "drop", "empty_strings_as_null": True}, [source])
    assert harness.read(ref)["a"].tolist() == [1.0]
    with pytest.raises(TaskError) as error:
        harness.run("transform.clean", {"types": {"b": "integer"}}, [source])
    assert error.value.field == "types.b" and "cannot be read as integer" in error.value.problem


@pytest.mark.parametrize("how,ids", [("inner", [2, 3]), ("left", [1, 2, 3]), ("right", [2, 3, 4]),
                                     ("outer", [1, 2, 3, 4])])
def test_join_types(harness, how: str, ids: list[int]) -> None:
    left = harness.table(pd.DataFrame({"id": [1, 2, 3], "v": ["a", "b", "c"]}), "left")
    right = harness.table(pd.DataFrame({"key": [2, 3, 4], "v": [20, 30, 40]}), "right")
    ref = harness.run("transform.join", {"how": how, "left_keys": ["id"], "right_keys": ["key"],
                                         "left_suffix": "_l", "right_suffix": "_r"}, [left, right])
    frame = harness.read(ref)
    assert sorted(frame["id"].fillna(frame["key"]).astype(int).tolist()) == ids
    assert {"v_l", "v_r"} <= set(frame.columns)


@pytest.mark.parametrize("right_keys", [[10, 12], [10.0, 12.0]], ids=["integers", "numbers"])
def test_join_matches_a_key_with_gaps_against_one_without(harness, right_keys: list) -> None:
    left = harness.table(pd.DataFrame({"customer": pd.array([10, None, 12], dtype="Int64"), "v": [1, 2, 3]}), "left")
    right = harness.table(pd.DataFrame({"customer": right_keys, "segment": ["retail", "b2b"]}), "right")
    for how, pair, segments in (("left", [left, right], ["retail", None, "b2b"]),
                                ("inner", [right, left], ["retail", "b2b"])):
        frame = harness.read(harness.run("transform.join", {"left_keys": ["customer"], "how": how}, pair))
        assert frame.sort_values("v")["segment"].tolist() == segments


def test_join_on_two_keys_and_refuses_mismatched_key_types(harness) -> None:
    left = harness.table(pd.DataFrame({"a": [1, 1], "b": ["x", "y"], "v": [1, 2]}), "left")
    right = harness.table(pd.DataFrame({"a": [1, 1], "b": ["y", "z"], "w": [3, 4]}), "right")
    frame = harness.read(harness.run("transform.join", {"left_keys": ["a", "b"]}, [left, right]))
    assert frame[["v", "w"]].values.tolist() == [[2, 3]]
    text = harness.table(pd.DataFrame({"a": ["1"], "b": ["y"]}), "text")
    with pytest.raises(TaskError, match="integer on the left but 'a' is string"):
        harness.run("transform.join", {"left_keys": ["a"]}, [left, text])


def test_filter_combines_conditions_without_eval(harness) -> None:
    frame = pd.DataFrame({"n": [1, 5, 10, None], "s": ["apple", "banana", "=cmd()", None],
                          "d": [dt.date(2024, 1, i) for i in (1, 2, 3)] + [None]})
    source = harness.table(frame)
    ref = harness.run("transform.filter", {"conditions": [{"column": "n", "operator": "ge", "value": 5},
                                                          {"column": "s", "operator": "starts_with", "value": "a"}],
                                           "combine": "or"}, [source])
    assert harness.read(ref)["s"].tolist() == ["apple", "banana", "=cmd()"]
    ref = harness.run("transform.filter", {"conditions": [{"column": "d", "operator": "lt", "value": "2024-01-03"},
                                                          {"column": "s", "operator": "in",
                                                           "value": ["banana", "x"]}]}, [source])
    assert harness.read(ref)["n"].tolist() == [5]
    hostile = "__import__('os').system('touch /tmp/pwned')"
    ref = harness.run("transform.filter", {"conditions": [{"column": "s", "operator": "eq", "value": hostile}]},
                      [source])
    assert ref["rows"] == 0
    ref = harness.run("transform.filter", {"conditions": [{"column": "n", "operator": "is_null"}],
                                           "keep": "non_matching"}, [source])
    assert ref["rows"] == 3


def test_pivot_and_unpivot(harness) -> None:
    source = harness.table(pd.DataFrame({"region": ["eu", "eu", "us", "eu"], "month": ["jan", "feb", "jan", "jan"],
                                         "amount": [1.0, 2.0, 3.0, 4.0]}))
    wide = harness.read(harness.run("transform.pivot", {"mode": "pivot", "index": ["region"], "columns": "month",
                                                        "values": ["amount"], "aggregation": "sum",
                                                        "fill_value": 0}, [source]))
    assert wide.set_index("region").to_dict("index") == {"eu": {"feb": 2.0, "jan": 5.0}, "us": {"feb": 0.0, "jan": 3.0}}
    counts = harness.read(harness.run("transform.pivot", {"mode": "pivot", "index": ["region"], "columns": "month",
                                                          "aggregation": "count"}, [source]))
    assert counts.set_index("region")["jan"].to_dict() == {"eu": 2, "us": 1}
    wide_ref = harness.table(wide, "wide")
    long = harness.read(harness.run("transform.pivot", {"mode": "unpivot", "id_columns": ["region"],
                                                        "variable_name": "month", "value_name": "amount"},
                                    [wide_ref]))
    assert len(long) == 4 and set(long.columns) == {"region", "month", "amount"}


def test_harmonize_maps_columns_values_units_and_reports_unmapped(harness) -> None:
    first = harness.table(pd.DataFrame({"pid": [1, 2], "sex": ["M", "F"], "weight_lb": [220.0, 110.0]}), "site_a")
    second = harness.table(pd.DataFrame({"id": [7], "gender": ["X"], "kg": [70.0]}), "site_b")
    config = {
        "target_columns": [{"name": "patient", "type": "integer"}, {"name": "sex", "type": "string"},
                           {"name": "weight_kg", "type": "number"}, {"name": "height_cm", "type": "number"}],
        "sources": [{"cohort": "A", "columns": {"patient": "pid", "weight_kg": "weight_lb"},
                     "conversions": {"weight_kg": {"unit": "lb_to_kg"}}},
                    {"cohort": "B", "columns": {"patient": "id", "sex": "gender", "weight_kg": "kg"}}],
        "value_maps": {"sex": {"M": "male", "F": "female"}}, "unmapped": "null", "cohort_column": "source",
    }
    ref = harness.run("transform.harmonize", config, [first, second])
    frame = harness.read(ref)
    assert frame["source"].tolist() == ["A", "A", "B"]
    assert frame["sex"].tolist() == ["male", "female", None]
    assert frame["weight_kg"].round(2).tolist() == [99.79, 49.9, 70.0]
    assert frame["height_cm"].isna().all()
    assert ref["unmapped"]["values"] == 1
    unmapped = read_table(Path(ref["unmapped"]["path"]))
    assert unmapped.to_dict("records") == [{"cohort": "B", "column": "sex", "value": "X", "rows": 1}]
    with pytest.raises(ConfigError, match="2 connected, 1 described"):
        harness.run("transform.harmonize", {**config, "sources": config["sources"][:1]}, [first, second])
