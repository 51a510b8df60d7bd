# Verb-named targets; each is a thin wrapper over tools that also run alone.
# Installs come from the committed lock (uv.lock): a fresh clone gets exactly what main was tested with.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
UV     ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
# pytest-xdist processes for `make test`: one per core (auto); 0 runs the suite in this process
TEST_WORKERS ?= auto
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Byte-compile on install, as pip does: without .pyc files (PYTHONDONTWRITEBYTECODE is set on
# some machines) every `engage` command re-compiles its imports, about 1.5 s per start.
export UV_COMPILE_BYTECODE := 1

.PHONY: serve test lint format bench install install-dev upgrade clean

$(UV):
	$(PYTHON) -m pip install -q --user uv || $(PYTHON) -m pip install -q uv

$(VENV)/.runtime: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --no-dev --inexact -q
	$(BIN)/python -m compileall -q src >/dev/null
	touch $@

$(VENV)/.dev: $(VENV)/.runtime pyproject.toml uv.lock
	$(UV) sync --frozen --extra dev -q
	$(BIN)/python -m compileall -q src tests >/dev/null
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## serve: set up, migrate the SQLite database, load the demo and serve the portal
# links in mail and the demo's sign-in line point where this server listens (unless set)
serve: export ENGAGE_BASE_URL ?= http://$(HOST):$(PORT)
serve: install
	$(BIN)/engage db upgrade
	$(BIN)/engage demo
	$(BIN)/engage serve --host $(HOST) --port $(PORT)

## test: install dev dependencies and Chromium, check style and layering, run the whole suite
test: install-dev
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-axe.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## lint: formatting, lint rules, layering contracts, strict typing
lint: install-dev
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

## upgrade: move the lock to the newest versions the ranges allow, then run the tests on them
upgrade: | $(UV)
	$(UV) lock --upgrade
	$(UV) sync --frozen --extra dev
	$(MAKE) --no-print-directory test

bench: install-dev
	$(BIN)/python benchmarks/cases_api.py
	$(BIN)/python benchmarks/redact.py
	$(BIN)/python benchmarks/analyze.py
	$(BIN)/python benchmarks/jobs.py
	$(BIN)/python benchmarks/collect.py
	$(BIN)/python benchmarks/slots.py

clean:
	rm -rf $(VENV) engage.db engage-data .pytest_cache .hypothesis
