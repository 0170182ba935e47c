"""Peak memory of extract.csv on a large file: the library streams it in batches under an address-space cap.

Usage: /usr/bin/python3 bench/task_library/streaming_memory.py [--rows 10000000] [--cap-mb 1000]
Writes a CSV of --rows rows with unique text keys (~1.3 GB once parsed whole by pandas), then runs extract.csv in a
child process whose address space is capped at --cap-mb; prints rows, peak resident memory and seconds. Reading the
file whole would not fit under the cap: finishing at all shows the streaming; the peak shows by how much.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "airflow" / "src"
CHILD = textwrap.dedent("""
    import json, resource, sys, uuid
    sys.path.insert(0, sys.argv[1])
    cap = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from workflowcontrol_tasks.context import TaskContext
    from workflowcontrol_tasks.runner import run_task
    ctx = TaskContext(task_id="big", task_type="", owner_id=sys.argv[3], workflow_id=str(uuid.uuid4()),
                      run_id="scheduled__big")
    ref = run_task("extract.csv", {"source": "big.csv"}, [], ctx)
    print(json.dumps({"rows": ref["rows"], "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
""")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--cap-mb", type=int, default=1000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="wfc-stream-"))
    owner = str(uuid.uuid4())
    files = root / owner / "files"
    files.mkdir(parents=True)
    try:
        with open(files / "big.csv", "wb") as handle:
            handle.write(b"id,value,key\n")
            for start in range(0, args.rows, 100_000):
                handle.write("".join(f"{i},{i % 97}.25,customer-{i:09d}\n"
                                     for i in range(start, min(start + 100_000, args.rows))).encode())
        size_mb = (files / "big.csv").stat().st_size / 2**20
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "WORKFLOWCONTROL_SHARED_DATA": str(root)}
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", CHILD, str(SRC), str(args.cap_mb * 2**20), owner],
                                capture_output=True, text=True, env=env, check=False)
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(f"extract.csv failed under a {args.cap_mb} MB cap:\n{result.stderr[-2000:]}")
        report = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"| rows | file | address-space cap | peak resident | seconds |\n| ---: | ---: | ---: | ---: | ---: |\n"
              f"| {report['rows']:,} | {size_mb:,.0f} MB | {args.cap_mb} MB | {report['maxrss_kb'] / 1024:,.0f} MB "
              f"| {seconds:.1f} |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
