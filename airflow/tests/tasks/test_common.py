"""Steps that name their columns read only those, yet judge names against the whole table, and row-by-row steps
stream their input batch by batch."""
from __future__ import annotations

import pandas as pd
import pytest

from workflowcontrol_tasks.errors import TaskError
from workflowcontrol_tasks.storage import TableWriter, iter_table

OLD = [{"name": "old", "conditions": [{"column": "age", "operator": "ge", "value": 65}]}]


@pytest.mark.parametrize(("task_type", "config", "field"), [
    ("transform.pivot", {"mode": "pivot", "index": ["site"], "columns": "sex", "values": ["bmii"], "aggregation": "mean"}, "values"),
    ("transform.pivot", {"mode": "unpivot", "id_columns": ["site"], "value_columns": ["bmii"]}, "value_columns"),
    ("transform.clean", {"drop_columns": ["bmii"]}, "drop_columns"),
    ("analyze.describe", {"columns": ["bmii"]}, "columns"),
    ("analyze.chart", {"kind": "histogram", "y": ["bmii"]}, "y"),
    ("utility.cohort", {"cohorts": OLD, "output": "compare", "compare_columns": ["bmii"]}, "compare_columns"),
    ("utility.cohort", {"cohorts": [{"name": "x", "conditions": [{"column": "bmii", "operator": "is_null"}]}],
                        "output": "sizes"}, "cohorts[0].conditions[0]"),
])
def test_a_misspelt_column_is_named_with_every_column_of_the_table(harness, task_type: str, config: dict,
                                                                   field: str) -> None:
    source = harness.table(pd.DataFrame({"site": ["a", "b"], "sex": ["f", "m"], "age": [30, 70], "bmi": [21.0, 27.5]}))
    with pytest.raises(TaskError) as error:
        harness.run(task_type, config, [source])
    assert error.value.field == field
    assert error.value.problem == "column(s) 'bmii' not found; available: site, sex, age, bmi"


def test_steps_that_read_some_columns_give_what_they_gave_reading_all(harness) -> None:
    source = harness.table(pd.DataFrame({"site": ["a", "a", "b"], "sex": ["f", "m", "f"], "note": ["x", "y", "z"],
                                         "age": [30, 70, 80], "bmi": [21.0, 27.5, 30.0]}))
    pivot = harness.read(harness.run("transform.pivot", {"mode": "pivot", "index": ["site"], "columns": "sex",
                                                         "values": ["bmi"], "aggregation": "mean"}, [source],
                                     task_id="pivot"))
    assert pivot.fillna(-1).to_dict("list") == {"site": ["a", "b"], "f": [21.0, 30.0], "m": [27.5, -1.0]}
    sizes = harness.read(harness.run("utility.cohort", {"cohorts": OLD, "output": "sizes"}, [source], task_id="sizes"))
    assert sizes.to_dict("list") == {"assigned_cohort": ["old"], "rows": [2], "share": [2 / 3]}
    cleaned = harness.read(harness.run("transform.clean", {"drop_columns": ["note", "sex"]}, [source], task_id="c"))
    assert cleaned.columns.tolist() == ["site", "age", "bmi"]


def test_cohort_labels_flow_through_a_table_batch_by_batch(harness) -> None:
    writer = TableWriter(harness.context("people").output_path("wct"))
    for start in range(0, 9, 3):
        writer.write(pd.DataFrame({"age": [20 + 10 * n for n in range(start, start + 3)]}))
    source = {**harness.context("people").table_ref(writer), "task_id": "people"}
    ref = harness.run("utility.cohort", {"cohorts": OLD, "otherwise": "younger"}, [source])
    batches = list(iter_table(harness.context().output_path("wct")))
    assert [len(batch) for batch in batches] == [3, 3, 3] and ref["rows"] == 9
    assert harness.read(ref)["assigned_cohort"].tolist() == ["younger"] * 5 + ["old"] * 4
