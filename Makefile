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

# mcctl's main job on the simulated estate: a practice failover drill. The standard drill
# (`drill plan`) takes westeurope down (a simulated outage), evacuates it to northeurope under one
# lease — every step planned, rule-checked, journaled — while synthetic probes hit the Front Door
# endpoint, holds, fails back, and writes a report with the measured RTO and RPO (the path is printed).
demo: setup
	$(BIN)/mcctl --sim sim reset
	$(BIN)/mcctl --sim status
	@mkdir -p build
	$(BIN)/mcctl --sim drill plan --from westeurope --to northeurope --outage --failback --hold 2m \
		> build/practice-drill.yaml
	$(BIN)/mcctl --sim drill run build/practice-drill.yaml --yes --approve all --allow-data-loss --pace 120
	$(BIN)/mcctl --sim drill list
	$(BIN)/mcctl --sim status

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
