"""The `appconfig` health signal, read through the real SDK client from the simulator: healthy,
degraded (a replica), the section's impact (the store failed or missing), unknown (unreadable), and
only for the stamps that depend on the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from appconfig_testing import estate_text, load

from mcctl.bootstrap import simulated_session
from mcctl.domain.estate import Estate
from mcctl.domain.health import EstateHealth
from mcctl.ops.health import assess
from mcctl.ops.registry import Registry
from mcctl.sim.app import Sim
from mcctl.sim.runtime import open_simulator
from mcctl_appconfig.settings import AppConfigSettings, Impact, settings_of
from mcctl_appconfig.simulated import AppConfigProvider
from mcctl_appconfig.verdict import Replica, StoreReading, Verdict, judge

STAMPS = ["weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"]


def _assess(sim: Sim, estate: Estate, registry: Registry) -> EstateHealth:
    session = simulated_session(estate, sim)
    try:
        return assess(session, estate, registry=registry)
    finally:
        session.close()


def _signals(sim: Sim, estate: Estate, registry: Registry) -> dict[str, tuple[str, str] | None]:
    """stamp -> (status, reason) of its appconfig signal (None: it has none), read as `mcctl health` does."""
    found: dict[str, tuple[str, str] | None] = {}
    for name, stamp in _assess(sim, estate, registry).stamps.items():
        signal = stamp.signal("appconfig")
        found[name] = (signal.status, signal.reason) if signal else None
    return found


def test_a_succeeded_store_and_replicas_are_healthy_for_every_stamp(sim, estate, registry) -> None:
    found = _signals(sim, estate, registry)
    assert found == {name: ("healthy", "store appcs-mc-demo and its 2 replicas succeeded") for name in STAMPS}


def test_a_failed_replica_degrades_every_dependent_stamp(sim, estate, registry) -> None:
    AppConfigProvider().set_dependency(sim, "appconfig", "degraded")
    found = _signals(sim, estate, registry)
    reason = "store appcs-mc-demo: replica northeurope (northeurope) Failed"
    assert found == {name: ("degraded", reason) for name in STAMPS}


def test_a_failed_store_is_the_impact_degraded_by_default(sim, estate, registry) -> None:
    AppConfigProvider().set_dependency(sim, "appconfig", "down")
    found = _signals(sim, estate, registry)
    assert found == {name: ("degraded", "store appcs-mc-demo is Failed") for name in STAMPS}


def test_impact_unhealthy_makes_every_dependent_stamp_unhealthy(registry, tmp_path: Path) -> None:
    section = "plugins:\n  appconfig: {store: appcs-mc-demo, resource_group: rg-mc-global, impact: unhealthy}\n"
    estate = load(estate_text(section), registry, tmp_path / "e.yaml")
    sim, _ = open_simulator(estate, "t", persist=False, providers=registry.sim_providers)
    AppConfigProvider().set_dependency(sim, "appconfig", "fail")

    health = _assess(sim, estate, registry)

    assert {name: s.status for name, s in health.stamps.items()} == dict.fromkeys(STAMPS, "unhealthy")
    assert health.status == "unhealthy"


def test_a_missing_store_is_the_impact(sim, estate, registry) -> None:
    settings = settings_of(estate)
    assert settings is not None
    with sim.store.transaction():
        store_id = next(k for k, b in sim.store.resources.items() if b["name"] == "appcs-mc-demo")
        sim.store.delete(store_id)
    found = _signals(sim, estate, registry)
    assert found["weu-1"] == ("degraded", "store appcs-mc-demo not found in resource group rg-mc-global")


def test_an_unreadable_store_is_unknown_and_its_error_is_listed(sim, estate, registry) -> None:
    sim.add_fault({"kind": "error", "method": "GET", "path": "configurationStores", "count": 100, "status": 500})
    health = _assess(sim, estate, registry)
    signals = {name: s.signal("appconfig") for name, s in health.stamps.items()}
    assert {name: (s.status, s.reason) for name, s in signals.items() if s} == {
        name: ("unknown", "store appcs-mc-demo could not be read") for name in STAMPS
    }
    assert any(e.startswith("reading App Configuration store appcs-mc-demo") for e in health.errors), health.errors


def test_only_the_stamps_that_depend_on_the_store_get_the_signal(registry, tmp_path: Path) -> None:
    section = "plugins:\n  appconfig: {store: appcs-mc-demo, resource_group: rg-mc-global, stamps: [weu-1, neu-2]}\n"
    estate = load(estate_text(section), registry, tmp_path / "e.yaml")
    sim, _ = open_simulator(estate, "t", persist=False, providers=registry.sim_providers)
    AppConfigProvider().set_dependency(sim, "appconfig", "down")

    found = _signals(sim, estate, registry)

    assert {n for n, s in found.items() if s is not None} == {"weu-1", "neu-2"}
    assert found["weu-1"] == ("degraded", "store appcs-mc-demo is Failed")


def test_an_estate_without_the_section_has_no_signal_and_no_store(registry, tmp_path: Path) -> None:
    estate = load(estate_text(""), registry, tmp_path / "e.yaml")
    sim, _ = open_simulator(estate, "t", persist=False, providers=registry.sim_providers)
    assert not [b for b in sim.store.resources.values() if "appconfiguration" in b["type"].lower()]
    assert set(_signals(sim, estate, registry).values()) == {None}
    with pytest.raises(ValueError, match=r"^NAME: no App Configuration store"):
        AppConfigProvider().set_dependency(sim, "appconfig", "down")


# -- the judge alone ---------------------------------------------------------------------------------
SETTINGS = AppConfigSettings("s1", "rg")


def _reading(store: str = "Succeeded", *replicas: str, found: bool = True) -> StoreReading:
    return StoreReading(
        "s1",
        "rg",
        "sub",
        found,
        provisioning_state=store,
        replicas=tuple(Replica(f"r{i}", "eastus", state, None) for i, state in enumerate(replicas)),
    )


@pytest.mark.parametrize(
    ("reading", "impact", "expected"),
    [
        (_reading("Succeeded", "Succeeded", "Succeeded"), Impact.DEGRADED, Verdict.HEALTHY),
        (_reading("Succeeded"), Impact.UNHEALTHY, Verdict.HEALTHY),
        (_reading("Succeeded", "Succeeded", "Creating"), Impact.UNHEALTHY, Verdict.DEGRADED),
        (_reading("Succeeded", "Failed"), Impact.DEGRADED, Verdict.DEGRADED),
        (_reading("Failed", "Succeeded"), Impact.DEGRADED, Verdict.DEGRADED),
        (_reading("Updating"), Impact.UNHEALTHY, Verdict.UNHEALTHY),
        (_reading(found=False), Impact.UNHEALTHY, Verdict.UNHEALTHY),
        (None, Impact.UNHEALTHY, Verdict.UNKNOWN),
    ],
)
def test_the_judge(reading, impact, expected) -> None:
    settings = AppConfigSettings("s1", "rg", impact=impact)
    assert judge(reading, settings)[0] is expected
