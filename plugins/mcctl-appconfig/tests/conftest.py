"""Fixtures of mcctl-appconfig's tests: an estate file with a store, the simulator playing it (with
this plugin's provider) and real SDK clients talking to it. Self-contained: the plugin is its own
distribution, so nothing here comes from mcctl's own test suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from appconfig_testing import SECTION, estate_text, load

import mcctl_appconfig.plugin
from mcctl.adapters.clients import AzureSession
from mcctl.bootstrap import simulated_session
from mcctl.domain.estate import Estate
from mcctl.ops.registry import Registry
from mcctl.plugins import build_registry, forget
from mcctl.sim.app import Sim
from mcctl.sim.runtime import open_simulator
from tests.cli.conftest import mcctl  # noqa: F401  (the project's CLI runner fixture)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the real user dirs, holds a real token or sees the caller's plugin filter."""
    monkeypatch.setenv("MCCTL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MCCTL_CONFIG_DIR", str(tmp_path / "config"))
    for var in ("MCCTL_ESTATE", "MCCTL_SIM", "MCCTL_ACCESS_TOKEN", "MCCTL_OUTPUT", "MCCTL_PLUGINS"):
        monkeypatch.delenv(var, raising=False)
    forget()
    yield
    forget()


@pytest.fixture
def write_estate(tmp_path: Path) -> Callable[..., Path]:
    def write(section: str = SECTION, name: str = "estate.yaml") -> Path:
        path = tmp_path / name
        path.write_text(estate_text(section), encoding="utf-8")
        return path

    return write


@pytest.fixture
def estate_file(write_estate: Callable[..., Path]) -> Path:
    return write_estate()


@pytest.fixture
def registry() -> Registry:
    """The built-in plugins and this one, registered in process (not through its entry point)."""
    return build_registry(extra=[mcctl_appconfig.plugin], entry_points=False).registry


@pytest.fixture
def estate(registry: Registry, tmp_path: Path) -> Estate:
    return load(estate_text(), registry, tmp_path / "estate.yaml")


@pytest.fixture
def sim(estate: Estate, registry: Registry) -> Sim:
    simulator, _ = open_simulator(estate, "test", persist=False, providers=registry.sim_providers)
    return simulator


@pytest.fixture
def session(estate: Estate, sim: Sim) -> Iterator[AzureSession]:
    s = simulated_session(estate, sim)
    yield s
    s.close()
