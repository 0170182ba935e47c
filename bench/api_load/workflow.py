"""Prints a valid workflow document with N chained tasks, for the API load benchmark."""
import json
import sys

count = int(sys.argv[1])
name = sys.argv[2] if len(sys.argv) > 2 else "Benchmark workflow"
tasks = [{"id": "extract", "type": "extract.csv", "config": {"source": "sales.csv"}, "dependsOn": []}]
for i in range(1, count):
    tasks.append({"id": f"clean_{i}", "type": "transform.clean", "config": {}, "dependsOn": [tasks[-1]["id"]]})
print(json.dumps({
    "apiVersion": "workflowcontrol.io/v1", "kind": "Workflow",
    "metadata": {"name": name, "description": "Load test", "tags": ["bench"]},
    "spec": {"schedule": "@daily", "timezone": "UTC", "tasks": tasks},
    "layout": {"nodes": {t["id"]: {"x": i * 220, "y": 100} for i, t in enumerate(tasks)}},
}))
