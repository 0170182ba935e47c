"""Machine learning, charts, statistics, reports, notifications and cohorts on real data and servers."""
from __future__ import annotations

import json
from email.header import decode_header, make_header
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from workflowcontrol_tasks.errors import ConfigError, TaskError, UnsafeTargetError


@pytest.fixture()
def iris_like(harness) -> dict:
    rng = np.random.default_rng(0)
    n = 120
    species = np.array(["a", "b", "c"])[np.arange(n) % 3]
    width = np.where(species == "a", 1.0, np.where(species == "b", 3.0, 5.0)) + rng.normal(0, 0.3, n)
    return harness.table(pd.DataFrame({"width": width, "colour": np.where(species == "c", "red", "blue"),
                                       "species": species, "size": width * 2 + rng.normal(0, 0.1, n)}), "flowers")


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


def test_email_notification_names_results(harness, smtp_server, iris_like) -> None:
    harness.secret("mail", f"smtp://127.0.0.1:{smtp_server.port}")
    harness.run("utility.notify", {"channel": "email", "smtp_secret": "mail", "to": ["team@example.com"],
                                   "subject": "Run {{ run_id }} done",
                                   "message": "Loaded {{ results.flowers.rows }} rows. {{ conn.x.password }}"},
                [{**iris_like, "task_id": "flowers"}])
    (recipients, message), = smtp_server.messages
    assert recipients == ["team@example.com"]
    assert message["Subject"] == f"Run {harness.run_id} done"
    body = message.get_payload()
    assert "Loaded 120 rows." in body and "{{ conn.x.password }}" in body and "- flowers: 120 rows" in body



def test_email_notification_names_files_without_worker_paths_or_none(harness, smtp_server, iris_like) -> None:
    harness.secret("mail", f"smtp://127.0.0.1:{smtp_server.port}")
    flowers = {**iris_like, "task_id": "flowers"}
    report = harness.run("analyze.report", {"title": "Weekly"}, [flowers], task_id="report")
    export = harness.run("load.file", {"path": "exports/flowers.csv"}, [flowers], task_id="export")
    harness.run("utility.notify", {"channel": "email", "smtp_secret": "mail", "to": ["team@example.com"],
                                   "subject": "Report {{ results.report.path }} is ready",
                                   "message": "Report: {{ results.report.path }}, {{ results.report.rows }} rows. "
                                              "Export: {{ results.export.path }}."},
                [{**report, "task_id": "report"}, {**export, "task_id": "export"}, flowers], task_id="mail")
    (_, message), = smtp_server.messages
    subject, body = str(make_header(decode_header(message["Subject"]))), message.get_payload()
    assert subject == "Report report.html is ready"
    assert "Report: report.html, unknown rows. Export: exports/flowers.csv." in body
    assert "- report: report.html (html)" in body and "- flowers: 120 rows" in body
    for text in (subject, body):
        assert str(harness.root) not in text and "None" not in text

def test_slack_and_webhook_notifications(harness, http_server, allow_localhost) -> None:
    http_server.routes["/hook/T0KEN"] = lambda h: (200, {}, b"ok")
    harness.secret("slack_hook", http_server.url("/hook/T0KEN"))
    harness.run("utility.notify", {"channel": "slack", "webhook_secret": "slack_hook", "message": "hi"})
    harness.run("utility.notify", {"channel": "webhook", "webhook_secret": "slack_hook", "message": "hi"},
                task_id="generic")
    slack, generic = (json.loads(r["body"]) for r in http_server.requests)
    assert slack["text"].endswith("\nhi") and generic["message"] == "hi" and generic["task_id"] == "generic"


def test_webhook_to_a_private_address_is_refused_and_the_secret_url_never_shown(harness) -> None:
    harness.secret("hook", "http://169.254.169.254/hooks/SECRET-TOKEN")
    with pytest.raises(UnsafeTargetError) as error:
        harness.run("utility.notify", {"channel": "webhook", "webhook_secret": "hook"})
    assert "SECRET-TOKEN" not in str(error.value)


def test_cohorts_label_size_and_compare(harness) -> None:
    source = harness.table(pd.DataFrame({"age": [20, 35, 50, 70, 80], "bmi": [20.0, 22.0, 30.0, 28.0, 26.0]}))
    cohorts = [{"name": "young", "conditions": [{"column": "age", "operator": "lt", "value": 40}]},
               {"name": "old", "conditions": [{"column": "age", "operator": "ge", "value": 65}]}]
    labels = harness.read(harness.run("utility.cohort", {"cohorts": cohorts, "otherwise": "middle"}, [source]))
    assert labels["assigned_cohort"].tolist() == ["young", "young", "middle", "old", "old"]
    sizes = harness.read(harness.run("utility.cohort", {"cohorts": cohorts, "output": "sizes"}, [source],
                                     task_id="sizes"))
    assert sizes[["assigned_cohort", "rows"]].values.tolist() == [["young", 2], ["old", 2]]
    compare = harness.read(harness.run("utility.cohort", {"cohorts": cohorts, "output": "compare",
                                                          "compare_columns": ["bmi"]}, [source], task_id="cmp"))
    assert compare.set_index("assigned_cohort")["mean"].to_dict() == {"young": 21.0, "old": 27.0}
    assert compare.set_index("assigned_cohort")["difference_from_mean_of_cohorts"].to_dict() == {"young": -3.0, "old": 3.0}


def test_cohorts_of_harmonized_data_keep_the_source_cohort_column(harness) -> None:
    site_a = harness.table(pd.DataFrame({"pid": [1, 2], "age": [30, 70]}), "site_a")
    site_b = harness.table(pd.DataFrame({"id": [7], "age": [80]}), "site_b")
    harmonized = harness.run("transform.harmonize", {
        "target_columns": [{"name": "patient", "type": "integer"}, {"name": "age", "type": "integer"}],
        "sources": [{"cohort": "A", "columns": {"patient": "pid"}}, {"cohort": "B", "columns": {"patient": "id"}}]},
        [site_a, site_b], task_id="harmonized")
    cohorts = [{"name": "old", "conditions": [{"column": "age", "operator": "ge", "value": 65}]}]
    labelled = harness.read(harness.run("utility.cohort", {"cohorts": cohorts, "otherwise": "younger"},
                                        [{**harmonized, "task_id": "harmonized"}]))
    assert labelled["source_cohort"].tolist() == ["A", "A", "B"]
    assert labelled["assigned_cohort"].tolist() == ["younger", "old", "old"]


@pytest.mark.parametrize("config", [
    {"cohort_column": "age"},
    {"cohort_column": "bmi", "output": "compare", "compare_columns": ["bmi"]},
    {"cohort_column": "rows", "output": "sizes"},
])
def test_a_cohort_column_that_would_overwrite_a_column_the_step_reads_is_refused(harness, config) -> None:
    source = harness.table(pd.DataFrame({"age": [20, 70], "bmi": [20.0, 30.0]}))
    cohorts = [{"name": "old", "conditions": [{"column": "age", "operator": "ge", "value": 65}]}]
    with pytest.raises(ConfigError) as error:
        harness.run("utility.cohort", {"cohorts": cohorts, **config}, [source])
    assert error.value.field == "cohort_column" and f"'{config['cohort_column']}'" in error.value.problem


def test_a_harmonize_cohort_column_named_like_a_target_column_is_refused(harness) -> None:
    site = harness.table(pd.DataFrame({"pid": [1]}), "site")
    with pytest.raises(ConfigError) as error:
        harness.run("transform.harmonize", {"target_columns": [{"name": "patient"}], "cohort_column": "patient",
                                            "sources": [{"cohort": "A", "columns": {"patient": "pid"}}]}, [site])
    assert error.value.field == "cohort_column" and "'patient'" in error.value.problem
