# Verb-named targets; each is a thin wrapper over tools that also run alone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: serve test lint bench install install-dev clean

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime pyproject.toml
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## serve: set up, migrate the SQLite database, load the demo and serve the portal
serve: install
	$(BIN)/engage db upgrade
	$(BIN)/engage demo
	$(BIN)/engage serve --host $(HOST) --port $(PORT)

## test: install dev dependencies and Chromium, check layering, run the whole suite
test: install-dev
	bash scripts/ensure-chromium.sh
	$(BIN)/lint-imports
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python benchmarks/cases_api.py
	$(BIN)/python benchmarks/redact.py
	$(BIN)/python benchmarks/analyze.py
	$(BIN)/python benchmarks/collect.py
	$(BIN)/python benchmarks/slots.py

clean:
	rm -rf $(VENV) engage.db engage-data .pytest_cache .hypothesis
