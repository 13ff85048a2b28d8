"""`scale --to-carry` counts only serving stamps as carrying capacity (issue 15 item 4): a carrier whose
Front Door origin is disabled (by mcctl or outside it) neither counts nor gets instances."""

from __future__ import annotations

import json

from mcctl.config.loader import demo_source, load_estate
from mcctl.config.paths import sim_state_path
from mcctl.sim.runtime import open_simulator

CARRY = ("--sim", "-o", "json", "scale", "--region", "northeurope", "--to-carry", "westeurope")


def _disable_origin(mcctl, *names: str) -> None:
    """Disable origins in the simulator directly: as an operator in the portal would (no journal)."""
    assert mcctl("sim", "status").exit_code == 0  # seeded
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    with sim.store.transaction():
        for name in names:
            origin = sim.store.require(estate.frontdoor.origin_id(name))
            origin["properties"]["enabledState"] = "Disabled"
            sim.store.put(origin)


def _instances(mcctl) -> dict[str, int]:
    result = mcctl("--sim", "-o", "json", "stamps", "list")
    assert result.exit_code == 0, result.stderr
    return {r["name"]: r["instances"] for r in json.loads(result.stdout)}


def test_a_carrier_with_a_disabled_origin_is_not_capacity(mcctl) -> None:
    _disable_origin(mcctl, "origin-neu-2")
    applied = mcctl(*CARRY, "--yes")
    assert applied.exit_code == 0, applied.stderr
    # neu-1 alone carries its own 3 and westeurope's 6; neu-2 (no traffic) is left as it was
    assert {k: v for k, v in _instances(mcctl).items() if k.startswith("neu")} == {"neu-1": 9, "neu-2": 3}
    notes = " ".join(json.loads(applied.stdout)["plan"]["notes"])
    assert "neu-2 not counted: its origin is disabled" in notes
    assert "needed ⌈(3 serving on the carriers + 6) × 1⌉ = 9 instances" in notes


def test_with_every_carrier_disabled_the_plan_is_refused_not_sized_on_disabled_capacity(mcctl) -> None:
    _disable_origin(mcctl, "origin-neu-1", "origin-neu-2")
    refused = mcctl(*CARRY, "--yes")
    assert refused.exit_code == 5
    assert "survivors_can_carry" in refused.stderr
    assert {k: v for k, v in _instances(mcctl).items() if k.startswith("neu")} == {"neu-1": 3, "neu-2": 3}


def test_the_same_region_all_enabled_counts_both_carriers(mcctl) -> None:
    applied = mcctl(*CARRY, "--yes")  # the control: 3 + 3 serving carry 6 more → 6 each
    assert applied.exit_code == 0, applied.stderr
    assert {k: v for k, v in _instances(mcctl).items() if k.startswith("neu")} == {"neu-1": 6, "neu-2": 6}
