"""Writes cases/010-two-hundred-tasks.workflow.json: a 200-task workflow for the golden tests.

Run once with /usr/bin/python3 generate_large_case.py; the output is committed, so the golden file is stable.
Shape: 40 regional CSV extracts, each cleaned, filtered and loaded to a file (160 tasks), joined pairwise (20),
unpivoted (10), described (5), charted (2), reported (1), notified (1) and loaded to PostgreSQL (1).
"""
from __future__ import annotations

import json
from pathlib import Path

tasks = []


def add(task_id, task_type, config, depends_on=()):
    tasks.append({"id": task_id, "type": task_type, "config": config, "dependsOn": list(depends_on)})
    return task_id


regions = [f"r{i:02d}" for i in range(40)]
filtered = []
for region in regions:
    src = add(f"extract_{region}", "extract.csv", {"source": f"sales/{region}/{{{{ ds }}}}.csv", "delimiter": ";"})
    clean = add(f"clean_{region}", "transform.clean", {"trim": True, "deduplicate": True}, [src])
    keep = add(
        f"filter_{region}",
        "transform.filter",
        {"conditions": [{"column": "amount", "operator": "gt", "value": 0}], "combine": "and"},
        [clean],
    )
    add(f"save_{region}", "load.file", {"path": f"out/{region}.parquet", "format": "parquet"}, [keep])
    filtered.append(keep)

joined = [
    add(f"join_{i:02d}", "transform.join", {"how": "outer", "left_keys": ["sku", "month"]}, [filtered[2 * i], filtered[2 * i + 1]])
    for i in range(20)
]
pivots = [
    # Two regions side by side (amount_left, amount_right) back to one row per region: what describe and chart read.
    add(f"pivot_{i:02d}", "transform.pivot", {"mode": "unpivot", "id_columns": ["sku", "month"], "value_columns": ["amount_left", "amount_right"],
                                             "variable_name": "side", "value_name": "amount"}, [joined[2 * i]])
    for i in range(10)
]
stats = [add(f"describe_{i}", "analyze.describe", {"columns": ["amount"]}, [pivots[2 * i]]) for i in range(5)]
charts = [add(f"chart_{i}", "analyze.chart", {"kind": "line", "x": "month", "y": ["amount"]}, [pivots[i]]) for i in range(2)]
report = add("report", "analyze.report", {"title": "All regions"}, stats + charts)
add("notify", "utility.notify", {"channel": "webhook", "webhook_secret": "ops_hook", "message": "Report {{ ds }} ready"}, [report])
add("load_pivots", "load.postgres", {"connection_secret": "warehouse", "table": "pivots", "mode": "replace"}, [pivots[9]])
assert len(tasks) == 200, len(tasks)

document = {
    "apiVersion": "workflowcontrol.io/v1",
    "kind": "Workflow",
    "metadata": {"name": "Two hundred tasks", "description": "Forty regions, cleaned, filtered, joined and reported.", "tags": ["large"]},
    "spec": {
        "schedule": "15 3 * * *",
        "timezone": "Europe/Paris",
        "maxActiveRuns": 2,
        "defaults": {"retries": 3, "retryDelaySeconds": 600},
        "tasks": tasks,
    },
}
out = Path(__file__).parent / "cases" / "010-two-hundred-tasks.workflow.json"
out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
print(out)
