# One entry point for everything: `make test` and `make demo` set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test lint pytest demo lock clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

## test: set up everything and run every check and test
test: setup lint pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

pytest: setup
	$(BIN)/pytest

## demo: assess every built-in demo patient, then run the service against the sandbox EHR
demo: setup
	$(BIN)/noms-cds demo
	$(BIN)/python -m sandbox.demo

## lock: refresh constraints.txt from the current environment
lock: setup
	{ echo "# Exact versions the project is tested with; 'make setup' installs with these as constraints."; \
	  echo "# Refresh: make lock"; $(BIN)/pip freeze --exclude-editable; } > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
