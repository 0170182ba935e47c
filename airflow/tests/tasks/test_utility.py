"""Notifications (against real SMTP and HTTP servers) and cohorts."""
from __future__ import annotations

import json
from email.header import decode_header, make_header

import pandas as pd
import pytest

from workflowcontrol_tasks.errors import ConfigError, UnsafeTargetError


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
