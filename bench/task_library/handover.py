"""Cost of one hand-over between separate tasks: wctable (the library's format) against pickle, and in memory.

Usage: /usr/bin/python3 bench/task_library/handover.py [--rows 5000000] [--repeat 3]

One table of the benchmark pipeline's shape (two integer columns, a number, two low-cardinality text columns and a
timestamp) in 500,000-row batches. Figures: writing it, reading it whole, reading one numeric column (a step that
names its columns), and normalising it for an in-memory hand-over inside a fused group; best of `repeat`, CPU seconds
beside wall seconds.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "airflow" / "src"))

from workflowcontrol_tasks import storage  # noqa: E402

BATCH = 500_000


def table(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"order_id": np.arange(rows), "customer": rng.integers(0, 1000, rows),
                          "amount": rng.integers(0, 10000, rows) / 100,
                          "region": rng.choice(["eu", "us", "apac"], rows), "segment": rng.choice(["a", "b"], rows),
                          "placed": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, rows), "s")})
    for column in ("region", "segment"):  # plain Python strings, as read_csv gives them
        frame[column] = [str(value) for value in frame[column]]
    return frame


def best(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("command: /usr/bin/python3 bench/task_library/handover.py " + " ".join(sys.argv[1:]))
    folder = Path(tempfile.mkdtemp(prefix="wfc-handover-"))
    try:
        frame = table(args.rows)
        batches = [frame.iloc[start:start + BATCH] for start in range(0, len(frame), BATCH)]
        print(f"rows={args.rows} batches={len(batches)} repeat={args.repeat} load={os.getloadavg()[0]:.1f}")

        def write_wctable() -> None:
            writer = storage.TableWriter(folder / "t.wct")
            for batch in batches:
                writer.write(batch)
            writer.close()

        figures = {
            "wctable write": best(write_wctable, args.repeat),
            "wctable read all": best(lambda: storage.read_table(folder / "t.wct"), args.repeat),
            "wctable read 1 column": best(lambda: storage.read_table(folder / "t.wct", columns=["amount"]), args.repeat),
            "pickle write": best(lambda: frame.to_pickle(folder / "t.pkl"), args.repeat),
            "pickle read all": best(lambda: pd.read_pickle(folder / "t.pkl"), args.repeat),
            "in memory (normalise)": best(lambda: [storage.normalised(batch) for batch in batches], args.repeat),
        }
        sizes = {"wctable": (folder / "t.wct").stat().st_size, "pickle": (folder / "t.pkl").stat().st_size}
        for name, (wall, cpu) in figures.items():
            print(f"  {name:24s} wall {wall:6.2f} s  cpu {cpu:6.2f} s")
        print("  file size: " + ", ".join(f"{name} {size / 2**20:.0f} MiB" for name, size in sizes.items()))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
