# The two commands a newcomer runs: `make demo` and `make test`. Both set up .venv first.
# `setup` installs the package with its `dev` extra (pytest, ruff, mypy + stubs, import-linter) and the
# first-party plugins from plugins/ (their tests run in `make test`); it reruns whenever a pyproject.toml
# changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PLUGINS := plugins/mcctl-maintenance-window plugins/mcctl-appconfig

.PHONY: demo test lint typecheck setup completions clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' $(addprefix -e ,$(PLUGINS))
	touch $@

# The shell completion scripts committed in completions/ (tests/cli/test_completion.py fails when stale).
completions: setup
	$(BIN)/mcctl completion generate --shell bash > completions/mcctl.bash
	$(BIN)/mcctl completion generate --shell zsh > completions/_mcctl
	$(BIN)/mcctl completion generate --shell fish > completions/mcctl.fish
	$(BIN)/mcctl completion generate --shell powershell > completions/mcctl.ps1

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
