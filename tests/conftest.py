"""Shared fixtures: the demo estate, an in-memory simulator, and an SDK session bound to it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mcctl.adapters.clients import AzureSession
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.domain.estate import Estate
from mcctl.ops.registry import Registry
from mcctl.sim.app import Sim
from mcctl.sim.runtime import open_simulator

# tests/interop/ drives the real Azure CLI: `make interop` installs it and says where (MCCTL_INTEROP_AZ).
collect_ignore = [] if os.environ.get("MCCTL_INTEROP_AZ") else ["interop"]


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user dirs or holds a real token."""
    monkeypatch.setenv("MCCTL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MCCTL_CONFIG_DIR", str(tmp_path / "config"))
    for var in ("MCCTL_ESTATE", "MCCTL_SIM", "MCCTL_ACCESS_TOKEN", "MCCTL_OUTPUT", "MCCTL_PLUGINS"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def registry() -> Registry:
    """A fresh registry of the built-in plugins only: a test adds to it without touching the process's."""
    from mcctl.plugins import build_registry

    return build_registry(entry_points=False).registry


@pytest.fixture
def demo_estate() -> Estate:
    return load_estate(demo_source())


@pytest.fixture
def sim(demo_estate: Estate) -> Sim:
    """The demo estate's simulator, in memory (no file)."""
    simulator, _ = open_simulator(demo_estate, demo_source().fingerprint, persist=False)
    return simulator


@pytest.fixture
def session(demo_estate: Estate, sim: Sim) -> AzureSession:
    """Real SDK clients talking to the in-memory simulator."""
    s = simulated_session(demo_estate, sim)
    yield s
    s.close()


def estate_from_text(text: str, tmp_path: Path, name: str = "estate.yaml") -> Estate:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_estate(EstateSource(str(path), text))
