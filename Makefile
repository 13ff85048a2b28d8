# The two commands a newcomer runs: `make demo` and `make test`. Both set up .venv first.
# `setup` installs the package with its `dev` extra (pytest, ruff, mypy + stubs, import-linter); it reruns
# whenever pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck setup clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# mcctl's main job on the simulated estate: a region fails, it is evacuated as one planned and
# verified operation, then reinstated once it is back.
demo: setup
	$(BIN)/mcctl --sim sim reset
	$(BIN)/mcctl --sim stamps list
	$(BIN)/mcctl --sim sim outage start eastus2
	$(BIN)/mcctl --sim evacuate eastus2 --yes
	$(BIN)/mcctl --sim sim outage end eastus2
	$(BIN)/mcctl --sim reinstate eastus2 --yes
	$(BIN)/mcctl --sim stamps list

# Style and the design rules (typecheck), so `make test` refuses a tree that breaks either.
lint: setup typecheck
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The design rules: types (mypy, config in pyproject) and layers (import-linter contracts in pyproject).
typecheck: setup
	$(BIN)/mypy
	$(BIN)/lint-imports

test: setup lint
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) build *.egg-info
