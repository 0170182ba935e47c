"""Machine learning, charts, statistics and reports on real data."""
from __future__ import annotations

from pathlib import Path

import joblib
import pandas as pd
import pytest

from workflowcontrol_tasks.errors import TaskError


@pytest.mark.parametrize("model", ["linear", "random_forest", "gradient_boosting", "knn"])
def test_ml_classification_saves_model_metrics_and_predictions(harness, iris_like, model: str) -> None:
    ref = harness.run("analyze.ml", {"target": "species", "features": ["width", "colour"], "model": model},
                      [iris_like])
    assert ref["metrics"]["accuracy"] > 0.8 and ref["metrics"]["test_rows"] == 30
    frame = harness.read(ref)
    assert set(frame["split"]) == {"train", "test"} and "prediction" in frame.columns
    pipeline = joblib.load(ref["model"])
    assert pipeline.predict(pd.DataFrame({"width": [5.0], "colour": ["red"]}))[0] == "c"


def test_ml_regression_reports_r2(harness, iris_like) -> None:
    ref = harness.run("analyze.ml", {"target": "size", "features": ["width"], "problem": "regression",
                                     "model": "linear"}, [iris_like])
    assert ref["metrics"]["r2"] > 0.95 and ref["metrics"]["rmse"] < 0.5


def test_ml_names_a_missing_target(harness, iris_like) -> None:
    with pytest.raises(TaskError) as error:
        harness.run("analyze.ml", {"target": "nope"}, [iris_like])
    assert error.value.field == "target"


@pytest.mark.parametrize("kind,config", [("bar", {"x": "colour", "y": ["width"]}), ("line", {"x": "width", "y": ["size"]}),
                                         ("scatter", {"x": "width", "y": ["size"]}), ("histogram", {"y": ["width"]}),
                                         ("box", {"y": ["width"], "group_by": "species"})])
def test_charts_render_png_and_svg(harness, iris_like, kind: str, config: dict) -> None:
    ref = harness.run("analyze.chart", {"kind": kind, "title": f"{kind} <chart>", **config}, [iris_like])
    png, svg = Path(ref["files"]["png"]), Path(ref["files"]["svg"])
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert b"<svg" in svg.read_bytes()[:500] and b"&lt;chart&gt;" in svg.read_bytes()


def test_a_chart_drawn_twice_gives_the_same_bytes(harness, iris_like) -> None:
    config = {"kind": "scatter", "x": "width", "y": ["size"], "format": "both"}
    first = harness.run("analyze.chart", config, [iris_like], task_id="first")["files"]
    second = harness.run("analyze.chart", config, [iris_like], task_id="second")["files"]
    for fmt in ("png", "svg"):
        assert Path(first[fmt]).read_bytes() == Path(second[fmt]).read_bytes(), fmt
    assert b"<dc:date>" not in Path(first["svg"]).read_bytes()


def test_describe_per_column_and_grouped(harness, iris_like) -> None:
    stats = harness.read(harness.run("analyze.describe", {"columns": ["width", "colour"]}, [iris_like]))
    width = stats.set_index("column").loc["width"]
    assert width["count"] == 120 and width["min"] < width["median"] < width["max"]
    assert stats.set_index("column").loc["colour"]["top"] == "blue"
    grouped = harness.read(harness.run("analyze.describe", {"columns": ["width"], "group_by": ["species"]},
                                       [iris_like], task_id="grouped"))
    assert grouped["species"].tolist() == ["a", "b", "c"] and grouped["count"].tolist() == [40, 40, 40]


def test_report_embeds_tables_statistics_and_charts_escaped(harness, iris_like) -> None:
    chart = harness.run("analyze.chart", {"kind": "histogram", "y": ["width"], "format": "png"}, [iris_like],
                        task_id="hist")
    hostile = harness.table(pd.DataFrame({"x": ["<script>alert(1)</script>"]}), "hostile")
    ref = harness.run("analyze.report", {"title": "Weekly <b>report</b>", "introduction": "Hello & welcome"},
                      [{**iris_like, "task_id": "flowers"}, {**chart, "task_id": "hist"}, hostile], task_id="report")
    page = Path(ref["path"]).read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Weekly &lt;b&gt;report&lt;/b&gt;" in page and "data:image/png;base64," in page
    assert "<h2>flowers</h2>" in page and "Statistics" in page and "120 rows" in page
