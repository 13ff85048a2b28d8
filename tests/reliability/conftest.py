"""Fixtures of the reliability suite (generic: any test under tests/reliability can use them).

Every test already runs on its own state dir (tests/conftest.py): the simulator state, the journal
and the lease of the simulated estate live there, shared by in-process runs and subprocesses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability import harness


@pytest.fixture
def mcctl() -> harness.Cli:
    """Run mcctl in process: `mcctl("--sim", "-o", "json", "stamps", "list")` → click Result."""
    return harness.in_process_cli()


@pytest.fixture
def state_dir() -> Path:
    """The state dir every mcctl run of this test uses (MCCTL_STATE_DIR)."""
    return harness.state_dir()


@pytest.fixture
def use_state(monkeypatch: pytest.MonkeyPatch):
    """Switch this test's mcctl runs (in process and subprocesses) to another state dir."""

    def switch(path: Path) -> Path:
        monkeypatch.setenv("MCCTL_STATE_DIR", str(path))
        return path

    return switch
