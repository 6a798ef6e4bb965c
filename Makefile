# The two set-up commands of the README. Both work on a fresh machine with Python >= 3.11.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint clean

# GitHub's published API descriptions (package.json), read by the GitHub stand-in's tests (the demo needs
# none: the GraphQL schema ships as package data).
NPM_STAMP := node_modules/.package-lock.json

demo: $(VENV)/.assay-installed
	$(BIN)/assay demo --org $(or $(ORG),aurora-dynamics) --out assay-out

test: $(VENV)/.assay-test-installed $(NPM_STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(VENV)/.assay-test-installed
	$(BIN)/ruff check assay tests benchmarks
	$(BIN)/ruff format --check assay tests benchmarks

$(VENV)/.assay-installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[sandbox]'
	touch $@

$(VENV)/.assay-test-installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(VENV)/.assay-installed $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --silent --no-audit --no-fund

clean:
	rm -rf assay-out .pytest_cache
