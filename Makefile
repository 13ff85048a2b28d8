# The two commands a newcomer runs: `make demo` and `make test`. Both set up .venv first.
# `setup` installs the package with its `dev` extra (pytest, ruff, mypy + stubs, import-linter) and the
# first-party plugins from plugins/ (their tests run in `make test`); it reruns whenever a pyproject.toml
# changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PLUGINS := plugins/mcctl-maintenance-window plugins/mcctl-appconfig

# `make interop`: the real Azure CLI (pinned, in a venv of its own, cached across runs) against
# `mcctl sim serve`: tests/interop/ signs az in, drives it and checks that mcctl and az see each
# other's changes. The cache lives outside the checkout so a fresh clone reuses it.
AZ_CLI_VERSION ?= 2.91.0
INTEROP_CACHE  ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mcctl/interop
AZ_VENV        := $(INTEROP_CACHE)/azure-cli-$(AZ_CLI_VERSION)

.PHONY: demo test lint typecheck setup completions clean interop

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

$(AZ_VENV)/.installed:
	$(PYTHON) -m venv $(AZ_VENV)
	$(AZ_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AZ_VENV)/bin/python -m pip install --quiet 'azure-cli==$(AZ_CLI_VERSION)'
	touch $@

interop: setup $(AZ_VENV)/.installed
	MCCTL_INTEROP_AZ=$(AZ_VENV)/bin/az $(BIN)/python -m pytest tests/interop

clean:
	rm -rf $(VENV) build *.egg-info
