"""Overhead of the task library over plain pandas on one pipeline: read CSV -> clean -> filter -> join -> export CSV.

Usage: /usr/bin/python3 bench/task_library/overhead.py [--mode fused|per-step|all] [--rows 5000000] [--repeat 2]

Both sides read the same generated CSV (orders: id, customer, amount, region with stray spaces and capitals), trim and
lower-case the region, keep rows with amount >= 50, join a 1,000-row customer table read from a second CSV on the
customer id, and write a CSV.
- fused: the library runs the six steps as one fused group (as one Airflow task does, tables handed over in memory);
  plain pandas keeps everything in memory. Aim: within 10 %.
- per-step: the library runs each step as its own task, handing results over through wctable files in the shared
  data folder (as separate Airflow tasks do); plain pandas hands each result over through to_pickle/read_pickle, the
  same five hand-overs. Aim: within 25 %.
The library also escapes spreadsheet formulas in the export and types every batch; plain pandas does neither.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "airflow" / "src"))

STEPS: list[dict[str, Any]] = [
    {"id": "orders", "type": "extract.csv", "inputs": [], "config": {"source": "orders.csv"}},
    {"id": "customers", "type": "extract.csv", "inputs": [], "config": {"source": "customers.csv"}},
    {"id": "cleaned", "type": "transform.clean", "inputs": ["orders"],
     "config": {"trim": True, "case": "lower", "case_columns": ["region"]}},
    {"id": "kept", "type": "transform.filter", "inputs": ["cleaned"],
     "config": {"conditions": [{"column": "amount", "operator": "ge", "value": 50}]}},
    {"id": "joined", "type": "transform.join", "inputs": ["kept", "customers"], "config": {"left_keys": ["customer"]}},
    {"id": "export", "type": "load.file", "inputs": ["joined"], "config": {"path": "library_out.csv"}},
]


def generate(folder: Path, rows: int) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"order_id": np.arange(rows), "customer": rng.integers(0, 1000, rows),
                          "amount": rng.integers(0, 10000, rows) / 100,
                          "region": rng.choice([" EU", "us ", "Apac", "eu"], rows)})
    frame.to_csv(folder / "orders.csv", index=False)
    pd.DataFrame({"customer": np.arange(1000), "segment": [f"seg-{i % 7}" for i in range(1000)]}).to_csv(
        folder / "customers.csv", index=False)


Stages = dict[str, float]


class Clock:
    """Wall and CPU seconds of each stage of one run (CPU time is what a busy shared machine distorts least)."""

    def __init__(self) -> None:
        self.wall: Stages = {}
        self.cpu: Stages = {}
        self._started = (time.perf_counter(), time.process_time())

    def lap(self, stage: str) -> None:
        now = (time.perf_counter(), time.process_time())
        self.wall[stage] = self.wall.get(stage, 0.0) + now[0] - self._started[0]
        self.cpu[stage] = self.cpu.get(stage, 0.0) + now[1] - self._started[1]
        self._started = now


def plain_pandas(folder: Path, handover: Path | None = None) -> Clock:
    """The pipeline as an analyst writes it in pandas; with `handover`, each result goes through a pickle file."""
    clock = Clock()

    def hand_over(frame: pd.DataFrame, name: str, stage: str) -> pd.DataFrame:
        clock.lap(stage)
        if handover is None:
            return frame
        frame.to_pickle(handover / f"{name}.pkl")
        frame = pd.read_pickle(handover / f"{name}.pkl")
        clock.lap("hand-over")
        return frame

    orders = hand_over(pd.read_csv(folder / "orders.csv"), "orders", "orders")
    customers = hand_over(pd.read_csv(folder / "customers.csv"), "customers", "customers")
    orders["region"] = orders["region"].str.strip().str.lower()
    cleaned = hand_over(orders, "cleaned", "cleaned")
    kept = hand_over(cleaned[cleaned["amount"] >= 50], "kept", "kept")
    joined = hand_over(kept.merge(customers, on="customer", how="inner"), "joined", "joined")
    joined.to_csv(folder / "pandas_out.csv", index=False)
    clock.lap("export")
    return clock


def _context(owner: str, workflow: str, task_id: str, task_type: str) -> Any:
    from workflowcontrol_tasks.context import TaskContext

    return TaskContext(task_id=task_id, task_type=task_type, owner_id=owner, workflow_id=workflow, run_id="bench")


def library_per_step(owner: str) -> Clock:
    from workflowcontrol_tasks.runner import run_task

    clock = Clock()
    workflow = str(uuid.uuid4())
    refs: dict[str, dict[str, Any]] = {}
    for step in STEPS:
        inputs = [{**refs[name], "task_id": name} for name in step["inputs"]]
        refs[step["id"]] = run_task(step["type"], step["config"], inputs,
                                    _context(owner, workflow, step["id"], step["type"]))
        clock.lap(step["id"])
    return clock


def library_fused(owner: str) -> Clock:
    from workflowcontrol_tasks.fused import GroupRun

    clock = Clock()
    steps = [{**step, "keep": False} for step in STEPS]
    record = GroupRun("orders__to__export", steps, lambda name: {}, _context(owner, str(uuid.uuid4()), "g", "fused")).run()
    clock.lap("total")
    clock.wall = {step: entry["seconds"] for step, entry in record["steps"].items()}  # the group's own timing
    return clock


def same_rows(files: Path) -> bool:
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(files / name).sort_values("order_id").reset_index(drop=True)

    return read("pandas_out.csv").equals(read("library_out.csv"))


def measure(label: str, runs: dict[str, Callable[[], Clock]], repeat: int, files: Path, aim: float) -> None:
    """Runs each side `repeat` times, alternating; reports the best wall and CPU time of each and the overhead."""
    clocks: dict[str, list[Clock]] = {name: [] for name in runs}
    walls: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.perf_counter()
            clocks[name].append(run())
            walls[name].append(time.perf_counter() - started)
    cpus = {name: [sum(c.cpu.values()) for c in values] for name, values in clocks.items()}
    print(f"[{label}] identical_rows={same_rows(files)}")
    for name in runs:
        fastest = clocks[name][walls[name].index(min(walls[name]))]
        print(f"  {name:18s} wall best {min(walls[name]):6.2f} s (runs {', '.join(f'{v:.2f}' for v in walls[name])})"
              f"  cpu best {min(cpus[name]):6.2f} s")
        for kind, stages in (("wall", fastest.wall), ("cpu", fastest.cpu)):
            if len(stages) > 1:
                listed = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in stages.items())
                print(f"  {'':18s} stages of the fastest run ({kind} s): {listed}")
    baseline, library = list(runs)
    for kind, values in (("wall", walls), ("cpu", cpus)):
        print(f"  overhead ({kind}) {100 * (min(values[library]) / min(values[baseline]) - 1):+.1f} % "
              f"(aim: within {aim:.0f} %)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["fused", "per-step", "all"], default="all")
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print("command: /usr/bin/python3 bench/task_library/overhead.py " + " ".join(sys.argv[1:]))
    root = Path(tempfile.mkdtemp(prefix="wfc-bench-"))
    owner = str(uuid.uuid4())
    files = root / owner / "files"
    files.mkdir(parents=True)
    handover = root / "pickles"
    handover.mkdir()
    os.environ["WORKFLOWCONTROL_SHARED_DATA"] = str(root)
    try:
        generate(files, args.rows)
        print(f"rows={args.rows} repeat={args.repeat} pandas={pd.__version__} cpus={os.cpu_count()} "
              f"load={os.getloadavg()[0]:.1f}")
        if args.mode in ("fused", "all"):
            measure("fused", {"pandas in memory": lambda: plain_pandas(files),
                              "library fused": lambda: library_fused(owner)}, args.repeat, files, 10)
        if args.mode in ("per-step", "all"):
            measure("per-step", {"pandas via pickle": lambda: plain_pandas(files, handover),
                                 "library per step": lambda: library_per_step(owner)}, args.repeat, files, 25)
        print(f"load after={os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
