# WorkflowControl: the commands a newcomer, a developer and CI use. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= /usr/bin/python3
DOTNET ?= dotnet
API_URL ?= http://127.0.0.1:8000

.DEFAULT_GOAL := help
.PHONY: help deps build run test test-dotnet test-python rerender-dags bench-api compose-config

help: ## List the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-16s %s\n", $$1, $$2}'

deps: ## Install what building, running and testing need (Debian packages, NuGet, npm)
	bash backend/scripts/install-deps.sh

build: ## Build the .NET solution
	$(DOTNET) build WorkflowControl.sln -c Release

run: ## Start PostgreSQL (installed when missing) and the API on :8000
	bash backend/scripts/run-native.sh

test: test-dotnet test-python ## Run every test suite

test-dotnet: ## .NET tests (API, DAG rendering, Airflow client) against a throwaway PostgreSQL
	$(DOTNET) test WorkflowControl.sln -c Release --logger "console;verbosity=normal"

test-python: ## Task library tests (real PostgreSQL, HTTP, SFTP, FTP and SMTP servers started by fixtures)
	cd airflow && $(PYTHON) -m pytest -q

rerender-dags: ## Re-render the deployed version of every workflow after a template change
	$(DOTNET) run --project backend/WorkflowControl.Api -c Release -- rerender-dags

bench-api: ## Load-test GET, list and update of workflows (needs wrk)
	bash bench/api_load/run.sh
