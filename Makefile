# WorkflowControl: the commands a newcomer, a developer and CI use. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= /usr/bin/python3
DOTNET ?= dotnet
API_URL ?= http://127.0.0.1:8000

.DEFAULT_GOAL := help
.PHONY: help deps build run wfctl test test-dotnet test-python test-web rerender-dags bench-api bench-dags bench-airflow bench-tasks bench-tasks-fused bench-tasks-per-step bench-web bench-collab bench-task-count compose-config

help: ## List the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-22s %s\n", $$1, $$2}'

deps: ## Install what building, running and testing need (Debian packages, NuGet, npm)
	bash backend/scripts/install-deps.sh

build: ## Build the .NET solution
	$(DOTNET) build WorkflowControl.sln -c Release

run: deps ## Install what is missing, start PostgreSQL, the API on :8000 and the web app on :3000
	bash backend/scripts/run-native.sh

wfctl: ## Pack the wfctl command-line tool into .wfctl-pack/ (then: dotnet tool install --global --add-source .wfctl-pack WorkflowControl.Cli)
	$(DOTNET) pack backend/WorkflowControl.Cli -c Release -o .wfctl-pack

test: deps ## Install what is missing, then run every test suite
	$(MAKE) test-dotnet test-python test-web compose-config

test-dotnet: ## .NET tests (API, DAG rendering, Airflow client) against a throwaway PostgreSQL
	$(DOTNET) test WorkflowControl.sln -c Release --logger "console;verbosity=minimal"

test-python: ## Task library tests (real PostgreSQL, HTTP, SFTP, FTP and SMTP servers started by fixtures)
	cd airflow && $(PYTHON) -m pytest -q

rerender-dags: ## Re-render the deployed version of every workflow after a template change
	$(DOTNET) run --project backend/WorkflowControl.Api -c Release -- rerender-dags

bench-api: ## Load-test GET, list and update of workflows (needs wrk)
	bash bench/api_load/run.sh

compose-config: ## Check docker-compose.yaml (both Airflow generations; observability and celery profiles, git-bundle override)
	docker-compose -f docker-compose.yaml config -q
	AIRFLOW_IMAGE=apache/airflow:2.10.4-python3.12 docker-compose -f docker-compose.yaml config -q
	docker-compose -f docker-compose.yaml --profile observability config -q
	AIRFLOW_IMAGE=apache/airflow:2.10.4-python3.12 docker-compose -f docker-compose.yaml --profile observability config -q
	AIRFLOW_EXECUTOR=CeleryExecutor docker-compose -f docker-compose.yaml --profile celery config -q
	AIRFLOW_EXECUTOR=CeleryExecutor AIRFLOW_IMAGE=apache/airflow:2.10.4-python3.12 docker-compose -f docker-compose.yaml --profile celery config -q
	docker-compose -f docker-compose.yaml -f docker-compose.git-bundle.yaml config -q
	$(PYTHON) tests/compose/check_scaling.py
	AIRFLOW_IMAGE=apache/airflow:2.10.4-python3.12 $(PYTHON) tests/compose/check_scaling.py

test-web: ## Web editor: lint, type check, Vitest, and the end-to-end scenario in headless Chromium against the real API
	cd frontend && npm run lint && npm run type-check && npm test && npm run e2e

bench-dags: ## Render and write 10,000 workflows of 20 tasks, and one of 500 tasks
	$(DOTNET) run -c Release --project bench/dag_rendering -- --workflows 10000 --tasks 20 --large 500

bench-airflow: ## Track 5,000 active runs against a stub Airflow: requests per poll, CPU, memory, notification delay
	$(DOTNET) run -c Release --project bench/airflow_tracking -- runs=5000 dags=50 watched=20 cycles=10 seconds=30 interval=2

bench-tasks: ## Task library overhead over plain pandas on 5 million rows, fused and per step (ROWS=, REPEAT= to change)
	$(PYTHON) bench/task_library/overhead.py --mode all --rows $(or $(ROWS),5000000) --repeat $(or $(REPEAT),2)

bench-tasks-fused: ## Fused group (tables in memory) against plain pandas in memory
	$(PYTHON) bench/task_library/overhead.py --mode fused --rows $(or $(ROWS),5000000) --repeat $(or $(REPEAT),2)

bench-tasks-per-step: ## One task per step (wctable files) against pandas handing over through pickle files
	$(PYTHON) bench/task_library/overhead.py --mode per-step --rows $(or $(ROWS),5000000) --repeat $(or $(REPEAT),2)

bench-collab: ## Collaboration hub: 50 editors on one workflow, 500 connections across 50 workflows
	bash bench/collab_hub/run.sh 15

bench-task-count: ## Airflow task instances per run of each golden workflow, per step and fused
	$(DOTNET) run -c Release --project bench/task_count

bench-web: ## Open and pan a 500-node workflow in Chromium
	cd frontend && RUNS=5 bash bench/run.sh
