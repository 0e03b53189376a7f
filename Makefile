# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= var/demo
EXPORT ?= var/export
SEED ?= 42
HOST ?= 127.0.0.1
PORT ?= 8000
export PYTHONUNBUFFERED := 1
# CI runs schemathesis with at least 100 examples per operation.
export GUIDANCE_SCHEMATHESIS_EXAMPLES ?= 100

.PHONY: run test test-slow venv install install-dev browser lint clean

$(BIN)/uv:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# Bytecode is compiled once at install (libraries) and before each run (our sources): where
# PYTHONDONTWRITEBYTECODE is set, or the tree is read-only, every process would otherwise
# compile scikit-learn, pandas and MLflow from source again (seconds per command, per server
# worker, per test subprocess).
$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $@ $(VENV)/.installed

COMPILE := $(BIN)/python -m compileall -q -j 0 src training

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install, generate and validate the demo world, load its catalogue (for serving)
## and its outcomes as tracer submissions into the database, export the database to a
## contract directory, train on the export and register it (train does not promote), run the
## promotion gate once (a refusal keeps the current champion and the demo goes on), serve.
run: install
	@$(COMPILE) >/dev/null
	@mkdir -p var
	$(BIN)/guidance demo-data --out $(DATA) --seed $(SEED) --scale demo
	$(BIN)/guidance validate $(DATA)
	$(BIN)/guidance db upgrade
	$(BIN)/guidance db load $(DATA)
	$(BIN)/guidance tracer load-demo $(DATA) --no-catalogue
	$(BIN)/guidance tracer export --out $(EXPORT)
	$(BIN)/guidance train --data $(EXPORT) --no-promote
	$(BIN)/guidance promote || [ $$? -eq 1 ]
	@if [ ! -f var/.keys-issued ]; then \
	  echo "== API keys (shown once; stored hashed):"; \
	  echo "   admin:      $$($(BIN)/guidance keys create --name demo-admin --role admin 2>/dev/null)"; \
	  echo "   counsellor: $$($(BIN)/guidance keys create --name demo-counsellor --role counsellor 2>/dev/null)"; \
	  echo "   institution I0001 (page /institution): $$($(BIN)/guidance keys create --name demo-institution --role institution --institution I0001 2>/dev/null)"; \
	  touch var/.keys-issued; \
	fi
	@echo "== serving on http://$(HOST):$(PORT)  (learner form: /, statistics: /stats, API docs: /docs)"
	$(BIN)/guidance serve --host $(HOST) --port $(PORT)

## Debian's Chromium for the browser tests (installed once; needs root and the Debian registry).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "could not install chromium: run 'apt-get install chromium' as root"; exit 1; }; \
	fi

## make test: install the dev extra and run the default (fast) test suite, with line coverage of
## guidance and training (config in pyproject.toml) and a floor: today's total rounded down; the
## 15 slowest tests are named at the end (where the suite's time goes). The tests run in
## TEST_WORKERS processes (pytest-xdist; each PostgreSQL test has its own schema, each server
## its own free port, each store its own temporary directory); TEST_WORKERS=0 runs them in one.
COV_FLOOR ?= 92
TEST_WORKERS ?= 2
test: install-dev browser
	@$(COMPILE) >/dev/null
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --durations=15 --cov=guidance --cov=training \
	  --cov-report=term:skip-covered --cov-fail-under=$(COV_FLOOR)

## make test-slow: the heavy checks (national scale and the like).
test-slow: install-dev
	$(BIN)/python -m pytest -m slow

## make lint: formatting, lint and types (config in pyproject.toml); CI runs it before the tests.
LINT_PATHS := src training tests benchmarks
lint: install-dev
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/mypy

clean:
	rm -rf var .pytest_cache
