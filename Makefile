# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA ?= var/demo
SEED ?= 42
export PYTHONUNBUFFERED := 1

.PHONY: run test test-slow venv install install-dev data validate train serve lint bench clean

$(BIN)/uv:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.installed: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install, generate and validate the demo world, train, register, promote, serve.
run: install
	@mkdir -p var
	$(BIN)/guidance demo-data --out $(DATA) --seed $(SEED) --scale demo
	$(BIN)/guidance validate $(DATA)
	$(BIN)/guidance train --data $(DATA)
	$(BIN)/guidance promote

## make test: install the dev extra and run the default (fast) test suite.
test: install-dev
	$(BIN)/python -m pytest

## make test-slow: the heavy checks (national scale and the like).
test-slow: install-dev
	$(BIN)/python -m pytest -m slow

lint: install-dev
	$(BIN)/ruff check src training tests benchmarks

clean:
	rm -rf var .pytest_cache
