"""Checks what the scale-out compose configurations render to, for one Airflow generation.

    python3 tests/compose/check_scaling.py            # Airflow 3.x (the compose file's default image)
    AIRFLOW_IMAGE=apache/airflow:2.10.4-python3.12 python3 tests/compose/check_scaling.py

`docker-compose config` only proves the file is well-formed; this asserts what a user relies on when scaling out:
with AIRFLOW_EXECUTOR=CeleryExecutor and `--profile celery`, every Airflow process uses Celery with Redis as broker and
the result backend on PostgreSQL, and the workers see the same dags, shared-data and secrets volumes as the scheduler;
without the profile nothing of it starts. On Airflow 3 the git-bundle override points every Airflow process at the one
repository the API commits to.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
AIRFLOW_SERVICES = ("airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
SHARED_MOUNTS = ("/opt/airflow/dags", "/opt/airflow/shared_data", "/opt/airflow/secrets")


def rendered(*args: str, **env: str) -> dict:
    out = subprocess.run(["docker-compose", "-f", "docker-compose.yaml", *args, "config"], cwd=ROOT, check=True,
                         capture_output=True, text=True, env={**os.environ, **env}).stdout
    return yaml.safe_load(out)


def mounts(service: dict) -> dict[str, str]:
    """Target path → volume name of a service's named volumes (docker-compose renders them as long syntax)."""
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume.get("source"), volume.get("target")
        found[target] = source
    return found


def check(condition: bool, message: str) -> None:
    if not condition:
        sys.exit(f"check_scaling: {message}")


def check_default() -> None:
    services = rendered()["services"]
    # docker-compose 1.x renders every service and keeps its profiles; Compose v2 leaves inactive ones out.
    for name in ("airflow-worker", "redis"):
        check(name not in services or services[name].get("profiles") == ["celery"],
              f"{name} must only start with --profile celery")
    check(services["airflow-scheduler"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor",
          "the default executor must stay LocalExecutor")


def check_celery() -> None:
    services = rendered("--profile", "celery", AIRFLOW_EXECUTOR="CeleryExecutor")["services"]
    check("airflow-worker" in services and "redis" in services, "--profile celery must add airflow-worker and redis")
    for name in (*AIRFLOW_SERVICES, "airflow-worker"):
        env = services[name]["environment"]
        check(env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", f"{name} must run CeleryExecutor")
        check(env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://") and "@redis:6379" in
              env["AIRFLOW__CELERY__BROKER_URL"], f"{name}: Celery's broker must be the redis service")
        check(env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://") and "@postgres/airflow" in
              env["AIRFLOW__CELERY__RESULT_BACKEND"], f"{name}: Celery's result backend must be Airflow's database")
    worker, scheduler = services["airflow-worker"], services["airflow-scheduler"]
    check(worker["command"] in (["celery", "worker"], "celery worker"), "airflow-worker must run `celery worker`")
    for target in SHARED_MOUNTS:
        check(target in mounts(worker) and mounts(worker)[target] == mounts(scheduler).get(target),
              f"airflow-worker must mount the scheduler's volume at {target}")
    check(worker["environment"].get("WORKFLOWCONTROL_SHARED_DATA") == "/opt/airflow/shared_data",
          "tasks on the workers must find the shared data root")
    # --scale airflow-worker=N needs N containers that do not collide on a name or a host port.
    check("container_name" not in worker and not worker.get("ports"), "airflow-worker must be scalable")
    check("redis" in worker.get("depends_on", {}), "airflow-worker must wait for redis")


def check_git_bundle() -> None:
    services = rendered("-f", "docker-compose.git-bundle.yaml", "--profile", "celery",
                        AIRFLOW_EXECUTOR="CeleryExecutor")["services"]
    api = services["api"]["environment"]
    check(services["airflow-worker"].get("profiles") == ["celery"], "the override must not start workers by itself")
    check(api["Dags__Delivery"] == "GitBundle", "the git-bundle override must set Dags__Delivery=GitBundle")
    for name in (*AIRFLOW_SERVICES, "airflow-worker"):
        bundles = json.loads(services[name]["environment"]["AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST"])
        check(len(bundles) == 1 and bundles[0]["classpath"] == "airflow.providers.git.bundles.git.GitDagBundle",
              f"{name} must read exactly one GitDagBundle")
        kwargs = bundles[0]["kwargs"]
        check(kwargs["repo_url"] == api["Dags__Root"], f"{name} must read the repository the API commits to")
        check(kwargs["tracking_ref"] == "main", f"{name} must track the branch the API commits to (main)")
        check(mounts(services[name]).get("/opt/airflow/dags") == mounts(services["api"]).get("/opt/airflow/dags"),
              f"{name} must mount the volume that holds the repository")


if __name__ == "__main__":
    check_default()
    check_celery()
    if not os.environ.get("AIRFLOW_IMAGE", "").startswith("apache/airflow:2."):
        check_git_bundle()  # Airflow 2.10 has no DAG bundles
    print("check_scaling: ok")
