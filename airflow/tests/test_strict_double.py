"""The strict Airflow double behaves as the authoring data and Airflow's source say, for both generations."""
from __future__ import annotations

import datetime
import json
import warnings
from pathlib import Path

import pytest

from strict_airflow import AUTHORING, AirflowException, generation, installed

SHARED = Path(__file__).resolve().parents[3] / "shared" / "airflow-contract" / "authoring"


@pytest.mark.parametrize("name", ["baseoperator-2.10.0.json", "baseoperator-3.2.json", "dag-and-param-2.10.0.json",
                                  "dag-and-param-3.2.json"])
def test_the_data_files_are_the_shared_contracts_copies(name: str) -> None:
    if not SHARED.is_dir():
        pytest.skip("shared/airflow-contract is not beside this checkout")
    assert json.loads((AUTHORING / name).read_text()) == json.loads((SHARED / name).read_text())


def _subclass(airflow, body: dict):
    return type("Bad", (airflow.models.BaseOperator,), body)


@pytest.mark.parametrize("gen_name", ["2.10", "3.2"])
def test_assigning_any_read_only_property_fails_like_airflow(gen_name: str) -> None:
    gen = generation(gen_name)
    assert "task_type" in gen.read_only_properties
    with installed(gen_name) as airflow:
        for name in sorted(gen.read_only_properties):
            def init(self, _name=name, **kwargs):
                super(type(self), self).__init__(**kwargs)
                setattr(self, _name, "mine")

            with pytest.raises(AttributeError) as caught:
                _subclass(airflow, {"__init__": init})(task_id="t")
            assert str(caught.value) == f"property '{name}' of 'Bad' object has no setter"


def test_the_old_operator_that_set_task_type_fails_to_import_in_both_generations() -> None:
    for gen_name in ("2.10", "3.2"):
        with installed(gen_name) as airflow:
            class Old(airflow.models.BaseOperator):
                def __init__(self, *, task_type: str, **kwargs):
                    super().__init__(**kwargs)
                    self.task_type = task_type

            with airflow.DAG(dag_id="wf"), pytest.raises(AttributeError, match="property 'task_type' of '.*Old' object has no setter"):
                Old(task_id="t", task_type="extract.csv")


def test_unknown_operator_keywords_fail_as_in_each_generation() -> None:
    with installed("2.10") as airflow, pytest.raises(AirflowException,
                                                    match=r"Invalid arguments were passed to BaseOperator \(task_id: t\)"):
        airflow.models.BaseOperator(task_id="t", colour="red")
    with installed("3.2") as airflow, pytest.raises(TypeError, match="Invalid arguments were passed to BaseOperator"):
        airflow.sdk.BaseOperator(task_id="t", colour="red")
    with installed("3.2") as airflow, pytest.raises(TypeError):
        airflow.sdk.BaseOperator(task_id="t", task_concurrency=2)  # removed in 3.x
    with installed("2.10") as airflow:
        assert airflow.models.BaseOperator(task_id="t", task_concurrency=2).task_id == "t"


@pytest.mark.parametrize(("keyword", "in_2_10", "in_3_2"), [
    ("schedule_interval", True, False), ("timetable", True, False), ("concurrency", True, False),
    ("fail_stop", True, False), ("fail_fast", False, True), ("dag_display_name", True, True), ("colour", False, False),
])
def test_dag_keywords_are_those_of_the_generation(keyword: str, in_2_10: bool, in_3_2: bool) -> None:
    for gen_name, accepted in (("2.10", in_2_10), ("3.2", in_3_2)):
        with installed(gen_name) as airflow:
            if accepted:
                airflow.DAG(dag_id="wf", **{keyword: None})
            else:
                with pytest.raises(TypeError, match=f"unexpected keyword argument '{keyword}'"):
                    airflow.DAG(dag_id="wf", **{keyword: None})


def test_task_ids_are_validated_as_airflow_does() -> None:
    with installed("2.10") as airflow:
        with pytest.raises(AirflowException, match="has to be made of alphanumeric characters"):
            airflow.models.BaseOperator(task_id="not valid!")
        with pytest.raises(AirflowException, match="has to be less than 250 characters"):
            airflow.models.BaseOperator(task_id="x" * 251)
    with installed("3.2") as airflow:
        with pytest.raises(ValueError, match="dots, and underscores exclusively"):
            airflow.sdk.BaseOperator(task_id="not valid!")
        with pytest.raises(ValueError, match="less than 250 characters, not 251"):
            airflow.sdk.DAG(dag_id="x" * 251)


@pytest.mark.parametrize("gen_name", ["2.10", "3.2"])
def test_rshift_records_relationships_and_returns_the_right_side(gen_name: str) -> None:
    with installed(gen_name) as airflow:
        with airflow.DAG(dag_id="wf") as dag:
            a, b, c = (airflow.models.BaseOperator(task_id=t) for t in "abc")
            assert (a >> b) is b
            a >> [c]
        assert a.downstream_task_ids == {"b", "c"} and c.upstream_task_ids == {"a"}
        assert [t.task_id for t in dag.topological_tasks()] == ["a", "b", "c"]
        with airflow.DAG(dag_id="other"):
            stranger = airflow.models.BaseOperator(task_id="s")
        with pytest.raises(AirflowException, match="more than one DAG"):
            a >> stranger
        with pytest.raises(AirflowException, match="Relationships can only be set between Operators"):
            a >> "b"
        c >> a
        with pytest.raises(AirflowException, match="Cycle detected in DAG: wf"):
            dag.check_cycle()


@pytest.mark.parametrize("gen_name", ["2.10", "3.2"])
def test_a_task_id_used_twice_in_a_dag_is_refused(gen_name: str) -> None:
    with installed(gen_name) as airflow, airflow.DAG(dag_id="wf"):
        airflow.models.BaseOperator(task_id="same")
        with pytest.raises(AirflowException, match="Task id 'same' has already been added to the DAG"):
            airflow.models.BaseOperator(task_id="same")


@pytest.mark.parametrize("gen_name", ["2.10", "3.2"])
def test_default_args_fill_the_operators_keywords_and_ignore_the_rest(gen_name: str) -> None:
    with installed(gen_name) as airflow:
        with airflow.DAG(dag_id="wf", default_args={"owner": "Ada", "retries": 2, "not_a_keyword": 1}):
            task = airflow.models.BaseOperator(task_id="t")
        assert (task.owner, task.retries, task.dag_id) == ("Ada", 2, "wf")


def test_the_generations_expose_their_own_import_paths() -> None:
    with installed("2.10"):
        with pytest.raises(ImportError):
            import airflow.sdk  # noqa: F401
        from airflow.models.param import Param  # noqa: F401
    with installed("3.2"):
        from airflow.sdk import BaseOperator, Param  # noqa: F401
        with pytest.raises(ImportError):
            import airflow.models.baseoperator  # noqa: F401
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            from airflow.models.param import Param as Old  # noqa: F401
        assert any(issubclass(w.category, DeprecationWarning) for w in caught)


@pytest.mark.parametrize("gen_name", ["2.10", "3.2"])
def test_params_resolve_conf_over_defaults_with_their_schema(gen_name: str) -> None:
    with installed(gen_name) as airflow:
        Param = airflow.models.param.Param if gen_name == "2.10" else airflow.sdk.Param
        dag = airflow.DAG(dag_id="wf", params={"n": Param(3, type="integer"), "label": Param(None, type=["string", "null"])})
        assert dag.resolve_params() == {"n": 3, "label": None}
        assert dag.resolve_params({"n": 5, "label": "x"}) == {"n": 5, "label": "x"}
        with pytest.raises(airflow.exceptions.ParamValidationError):
            dag.resolve_params({"n": "five"})


def test_nothing_of_the_double_stays_importable_afterwards() -> None:
    import sys

    with installed("3.2"):
        import workflowcontrol_tasks.operator  # noqa: F401
    assert not any(name == "airflow" or name.startswith("airflow.") for name in sys.modules)
    assert "workflowcontrol_tasks.operator" not in sys.modules


@pytest.mark.parametrize("gen_name", ["2.10", "3.2"])
def test_dagbag_refuses_a_param_default_its_schema_refuses_and_required_params_on_a_schedule(gen_name: str) -> None:
    with installed(gen_name) as airflow:
        Param = airflow.models.param.Param if gen_name == "2.10" else airflow.sdk.Param
        start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
        airflow.DAG(dag_id="ok", schedule="@daily", start_date=start,
                    params={"n": Param(None, type=["integer", "null"])}).validate()
        with pytest.raises(airflow.exceptions.ParamValidationError, match="int_param"):
            airflow.DAG(dag_id="bad", params={"int_param": Param("banana", type="integer")}).validate()
        with pytest.raises(AirflowException, match="required params without default values"):
            airflow.DAG(dag_id="required", schedule="@daily", start_date=start, params={"n": Param(type="integer")}).validate()
