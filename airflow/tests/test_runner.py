"""run_task: upstream results fill the catalog's input ports in order, macros render before validation, and every
error names the task that failed."""
from __future__ import annotations

import pandas as pd
import pytest

from workflowcontrol_tasks.errors import ConfigError, InputError, TaskError
from workflowcontrol_tasks.runner import map_inputs

ONE = [{"name": "data", "title": "Data", "many": False}]
LEFT_RIGHT = [{"name": "left", "title": "Left", "many": False}, {"name": "right", "title": "Right", "many": False}]
RESULTS = [{"name": "results", "title": "Results", "many": True}]


def _refs(*names: str) -> list[dict]:
    return [{"path": f"/data/{name}.wct", "task_id": name} for name in names]


def test_ports_take_one_upstream_each_in_order() -> None:
    inputs = map_inputs(LEFT_RIGHT, _refs("a", "b"), None)
    assert inputs.one("left").task_id == "a" and inputs.one("right").task_id == "b"


def test_a_many_port_takes_every_remaining_upstream() -> None:
    inputs = map_inputs(RESULTS, _refs("a", "b", "c"), limit=5)
    assert [item.task_id for item in inputs.many("results")] == ["a", "b", "c"]
    assert {item.limit for item in inputs.all()} == {5}


def test_a_missing_upstream_names_the_port() -> None:
    with pytest.raises(InputError, match="input 'right' needs an upstream task") as error:
        map_inputs(LEFT_RIGHT, _refs("a"), None)
    assert error.value.field == "dependsOn"


def test_too_many_upstreams_are_refused() -> None:
    with pytest.raises(InputError, match="takes 1 upstream task\\(s\\) but 2 were connected"):
        map_inputs(ONE, _refs("a", "b"), None)


def test_an_unknown_task_type_is_a_configuration_error_naming_the_task(harness) -> None:
    with pytest.raises(ConfigError, match="unknown task type 'extract.nothing'") as error:
        harness.run("extract.nothing", {}, task_id="fetch")
    assert error.value.field == "type" and error.value.task == "fetch (extract.nothing)"


def test_params_render_before_the_configuration_is_validated(harness) -> None:
    source = harness.table(pd.DataFrame({"region": ["eu", "us"], "n": [1, 2]}))
    ref = harness.run("transform.filter", {"conditions": [{"column": "region", "operator": "eq",
                                                            "value": "{{ params.region }}"}]},
                      [source], params={"region": "us"})
    assert harness.read(ref).to_dict("list") == {"region": ["us"], "n": [2]}


def test_a_task_error_is_labelled_with_the_task_and_its_type(harness) -> None:
    source = harness.table(pd.DataFrame({"a": [1]}))
    with pytest.raises(TaskError) as error:
        harness.run("transform.clean", {"drop_columns": ["b"]}, [source], task_id="tidy")
    assert error.value.task == "tidy (transform.clean)" and error.value.field == "drop_columns"
