"""Overhead of the task library over plain pandas: read CSV -> filter -> join -> export CSV.

Usage: /usr/bin/python3 bench/task_library/overhead.py [--rows 5000000] [--repeat 2]
Both pipelines read the same generated CSV, keep rows with amount >= 50, join a 1,000-row lookup table
on customer id and write a CSV. The library runs each step as a task writing its typed result to the
shared data folder, as it does inside Airflow; plain pandas keeps everything in memory.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "airflow" / "src"))


def generate(folder: Path, rows: int) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"order_id": np.arange(rows), "customer": rng.integers(0, 1000, rows),
                          "amount": rng.integers(0, 10000, rows) / 100,
                          "region": rng.choice(["eu", "us", "apac"], rows)})
    frame.to_csv(folder / "orders.csv", index=False)
    pd.DataFrame({"customer": np.arange(1000), "segment": [f"seg-{i % 7}" for i in range(1000)]}).to_csv(
        folder / "customers.csv", index=False)


def plain_pandas(folder: Path, out: Path) -> None:
    orders = pd.read_csv(folder / "orders.csv")
    customers = pd.read_csv(folder / "customers.csv")
    kept = orders[orders["amount"] >= 50]
    kept.merge(customers, on="customer", how="inner").to_csv(out, index=False)


def library(root: Path, owner: str) -> None:
    from workflowcontrol_tasks.registry import TaskContext
    from workflowcontrol_tasks.runner import run_task

    workflow, run_id = str(uuid.uuid4()), "bench"

    def run(task_id: str, task_type: str, config: dict, inputs: list) -> dict:
        context = TaskContext(task_id=task_id, task_type=task_type, owner_id=owner, workflow_id=workflow,
                              run_id=run_id)
        return {**run_task(task_type, config, inputs, context), "task_id": task_id}

    orders = run("orders", "extract.csv", {"source": "orders.csv"}, [])
    customers = run("customers", "extract.csv", {"source": "customers.csv"}, [])
    kept = run("kept", "transform.filter", {"conditions": [{"column": "amount", "operator": "ge", "value": 50}]},
               [orders])
    joined = run("joined", "transform.join", {"left_keys": ["customer"]}, [kept, customers])
    run("export", "load.file", {"path": "library_out.csv"}, [joined])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wfc-bench-"))
    owner = str(uuid.uuid4())
    files = root / owner / "files"
    files.mkdir(parents=True)
    os.environ["WORKFLOWCONTROL_SHARED_DATA"] = str(root)
    try:
        generate(files, args.rows)
        timings: dict[str, list[float]] = {"pandas": [], "library": []}
        for _ in range(args.repeat):
            started = time.perf_counter()
            plain_pandas(files, files / "pandas_out.csv")
            timings["pandas"].append(time.perf_counter() - started)
            started = time.perf_counter()
            library(root, owner)
            timings["library"].append(time.perf_counter() - started)
        same = pd.read_csv(files / "pandas_out.csv").sort_values("order_id").reset_index(drop=True).equals(
            pd.read_csv(files / "library_out.csv").sort_values("order_id").reset_index(drop=True))
        best = {name: min(values) for name, values in timings.items()}
        print(f"rows={args.rows} repeat={args.repeat} identical_output={same}")
        for name, values in timings.items():
            print(f"{name:8s} best {best[name]:.2f} s  runs {', '.join(f'{v:.2f}' for v in values)}")
        print(f"overhead {100 * (best['library'] / best['pandas'] - 1):+.1f} %")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
