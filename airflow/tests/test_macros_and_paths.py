"""Only the allow-listed macros render; ids and paths are made safe."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflowcontrol_tasks.errors import UnsafeTargetError
from workflowcontrol_tasks.macros import render
from workflowcontrol_tasks.paths import check_uuid, confined, safe_run_id

VALUES = {"ds": "2024-05-01", "ts": "2024-05-01T06:00:00+00:00", "run_id": "manual__1", "params": {"region": "eu"}}


def test_allow_listed_macros_render_in_nested_config() -> None:
    config = {"path": "out/{{ ds }}/{{params.region}}.csv", "list": ["{{ run_id }}", 3], "n": 5}
    assert render(config, VALUES) == {"path": "out/2024-05-01/eu.csv", "list": ["manual__1", 3], "n": 5}


@pytest.mark.parametrize("text", ["{{ conn.x.password }}", "{{ var.value.secret }}", "{{ params.missing }}",
                                  "{{ ds.__class__ }}", "{% for x in y %}", "{{ ''.__class__ }}"])
def test_anything_else_stays_literal(text: str) -> None:
    assert render({"v": text}, VALUES) == {"v": text}


def test_run_ids_become_distinct_safe_folder_names() -> None:
    first = safe_run_id("manual__2024-01-01T00:00:00+00:00")
    second = safe_run_id("manual__2024-01-01T00_00_00_00_00")
    assert "/" not in first and ":" not in first and "+" not in first
    assert first != second
    assert safe_run_id("../../etc") not in ("..", ".") and "/" not in safe_run_id("../../etc")


SAFE_RUN_IDS = json.loads((Path(__file__).parents[2] / "tests" / "fixtures" / "safe-run-ids.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", SAFE_RUN_IDS["cases"], ids=lambda case: case["runId"][:40])
def test_run_folders_match_the_shared_vectors_the_api_reads_them_by(case: dict[str, str]) -> None:
    assert safe_run_id(case["runId"]) == case["folder"]


def test_owner_ids_must_be_uuids() -> None:
    with pytest.raises(UnsafeTargetError):
        check_uuid("../other-user", "owner_id")


def test_a_parameter_without_a_value_renders_as_nothing_not_as_none() -> None:
    assert render({"label": "batch {{ params.label }}!"}, {**VALUES, "params": {"label": None}}) == {"label": "batch !"}


STEP_RULES = json.loads((Path(__file__).parents[2] / "tests" / "fixtures" / "step-rules.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", STEP_RULES["paths"], ids=lambda case: repr(case["path"]))
def test_paths_the_editor_and_the_api_refuse_are_the_paths_the_library_refuses(case: dict[str, str | None],
                                                                               tmp_path: Path) -> None:
    if case["problem"] is None:
        assert confined(tmp_path, case["path"], "source").is_relative_to(tmp_path)
    else:
        with pytest.raises(UnsafeTargetError):
            confined(tmp_path, case["path"], "source")
