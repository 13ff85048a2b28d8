"""`scale --to-carry` in an incident (issue 13): the load is the region's plans' capacity, drained or not;
only serving stamps carry; the split, the factor and the plans' maximums; refusal with the numbers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mcctl.config.loader import demo_source, load_estate
from mcctl.config.paths import sim_state_path
from mcctl.sim.app import Sim
from mcctl.sim.runtime import open_simulator

CARRY = ("--sim", "-o", "json", "scale", "--region", "northeurope", "--to-carry", "westeurope")
NEU = ("neu-1", "neu-2")


def _instances(mcctl) -> dict[str, int]:
    result = mcctl("--sim", "-o", "json", "stamps", "list")
    assert result.exit_code == 0, result.stderr
    return {r["name"]: r["instances"] for r in json.loads(result.stdout)}


def _journal(mcctl) -> list[dict]:
    return json.loads(mcctl("--sim", "-o", "json", "journal", "list").stdout)


def _edit(mcctl, change: Callable[[Sim, dict[str, Any]], None], *stamps: str) -> None:
    """Change the persisted simulator's resources of `stamps` (as Azure would have them)."""
    assert mcctl("sim", "status").exit_code == 0  # seeded
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    with sim.store.transaction():
        for name in stamps:
            stamp = estate.stamp(name)
            assert stamp is not None
            change(sim, {"plan": sim.store.require(stamp.plan_ref.id), "app": sim.store.require(stamp.app_ref.id)})


def _maximum(value: int) -> Callable[[Sim, dict[str, Any]], None]:
    def change(sim: Sim, resources: dict[str, Any]) -> None:
        resources["plan"]["properties"]["maximumNumberOfWorkers"] = value
        sim.store.put(resources["plan"])

    return change


def _stop_app(sim: Sim, resources: dict[str, Any]) -> None:
    resources["app"]["properties"]["state"] = "Stopped"
    sim.store.put(resources["app"])


def _drain(mcctl, *target: str) -> str:
    result = mcctl("--sim", "-o", "json", "frontdoor", "drain", *target, "--yes")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["operation"]


def _targets(result) -> dict[str, int]:
    assert result.exit_code == 0, result.stderr
    steps = json.loads(result.stdout)["plan"]["steps"]
    return {s["params"]["stamp"]: s["after"]["capacity"] for s in steps}


# -- the region to carry is drained ---------------------------------------------------------------------
def test_a_drained_region_is_carried_by_its_plans_capacity_and_names_the_drain(mcctl) -> None:
    drain = _drain(mcctl, "westeurope")
    table = mcctl(*CARRY[:1], *CARRY[3:], "--dry-run")  # the table output an operator sees
    assert table.exit_code == 0, table.stderr
    assert "nothing to do" not in table.stdout + table.stderr
    assert "neu-1 3→6, neu-2 3→6" in table.stdout
    assert f"sized to carry westeurope: westeurope serves 0 now; 6 before operation {drain}" in table.stdout
    dry = mcctl(*CARRY, "--dry-run")
    assert _targets(dry) == {"neu-1": 6, "neu-2": 6}
    plan = json.loads(dry.stdout)["plan"]
    assert plan["notes"][:2] == [
        f"sized to carry westeurope: westeurope serves 0 now; 6 before operation {drain}",
        "needed ⌈(6 serving on the carriers + 6) × 1⌉ = 12 instances",
    ]
    assert plan["steps"][0]["params"]["carry"] == {
        "region": "westeurope",
        "needed": 12,
        "planned": 12,
        "source": f"westeurope serves 0 now; 6 before operation {drain}",
        "factor": 1.0,
    }
    assert _instances(mcctl)["neu-1"] == 3 and len(_journal(mcctl)) == 1  # a dry run changes nothing

    applied = mcctl(*CARRY, "--yes")
    assert applied.exit_code == 0, applied.stderr
    assert {n: c for n, c in _instances(mcctl).items() if n in NEU} == {"neu-1": 6, "neu-2": 6}
    shown = json.loads(mcctl("--sim", "-o", "json", "journal", "show", json.loads(applied.stdout)["operation"]).stdout)
    rule = next(r for r in shown["rules"] if r["rule"] == "survivors_can_carry")
    assert rule["passed"] is True and rule["numbers"]["needed"] == 12


def test_a_region_disabled_outside_the_journal_still_counts_its_plans(mcctl) -> None:
    estate = load_estate(demo_source())
    assert mcctl("sim", "status").exit_code == 0
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    with sim.store.transaction():
        for name in ("origin-weu-1", "origin-weu-2"):
            origin = sim.store.require(estate.frontdoor.origin_id(name))
            origin["properties"]["enabledState"] = "Disabled"
            sim.store.put(origin)
    dry = mcctl(*CARRY, "--dry-run")
    assert _targets(dry) == {"neu-1": 6, "neu-2": 6}
    assert (
        "sized to carry westeurope: westeurope serves 0 now; 6 in its plans (weu-1, weu-2 not serving)"
        in json.loads(dry.stdout)["plan"]["notes"]
    )


def test_a_restored_region_is_counted_as_serving_again(mcctl) -> None:
    _drain(mcctl, "westeurope")
    assert mcctl("--sim", "frontdoor", "restore", "westeurope", "--yes").exit_code == 0
    dry = mcctl(*CARRY, "--dry-run")
    assert _targets(dry) == {"neu-1": 6, "neu-2": 6}
    assert json.loads(dry.stdout)["plan"]["notes"][0] == "sized to carry westeurope: westeurope serves 6 now"


# -- the carrying side ----------------------------------------------------------------------------------
def test_a_stopped_carrier_is_not_capacity_and_gets_no_instances(mcctl) -> None:
    _drain(mcctl, "westeurope")
    _edit(mcctl, _stop_app, "neu-2")
    dry = mcctl(*CARRY, "--dry-run")
    assert _targets(dry) == {"neu-1": 9}  # neu-1 alone: its own 3 and westeurope's 6
    assert "neu-2 not counted: its web app is Stopped" in json.loads(dry.stdout)["plan"]["notes"]


def test_a_drained_carrier_is_not_capacity_and_gets_no_instances(mcctl) -> None:
    _drain(mcctl, "--stamp", "neu-2")
    table = mcctl(*CARRY[:1], *CARRY[3:], "--dry-run")
    assert table.exit_code == 0, table.stderr
    assert "neu-2 not counted: its origin is disabled" in table.stdout
    assert _targets(mcctl(*CARRY, "--dry-run")) == {"neu-1": 9}


def test_a_carrying_region_that_serves_nothing_is_refused_not_nothing_to_do(mcctl) -> None:
    _drain(mcctl, "westeurope")
    _drain(mcctl, "northeurope")
    result = mcctl(*CARRY[:1], *CARRY[3:], "--dry-run")
    assert result.exit_code == 5
    assert "refused by safety rule survivors_can_carry: survivors can carry 0 of the 6 instances needed" in (
        result.stderr
    )
    assert "nothing to do" not in result.stdout
    data = json.loads(mcctl("-o", "json", *CARRY[:1], *CARRY[3:], "--dry-run").stdout)  # issue 15: a script reads it
    assert data["status"] == "refused" and data["refused"] == ["survivors_can_carry"]
    assert data["rules"][0]["numbers"]["needed"] == 6 and data["rules"][0]["override"] is not None


# -- survivors that cannot carry ---------------------------------------------------------------------------
def test_survivors_that_cannot_carry_are_refused_with_the_numbers(mcctl) -> None:
    drain = _drain(mcctl, "westeurope")
    _edit(mcctl, _maximum(5), *NEU)
    refused = mcctl(*CARRY, "--yes")
    assert refused.exit_code == 5
    assert (
        "refused by safety rule survivors_can_carry: survivors can carry 10 of the 12 instances needed "
        f"(westeurope serves 0 now; 6 before operation {drain}; factor 1)" in refused.stderr
    )
    assert "--override survivors_can_carry --reason" in refused.stderr
    assert {n: c for n, c in _instances(mcctl).items() if n in NEU} == {"neu-1": 3, "neu-2": 3}
    assert _journal(mcctl)[-1]["status"] == "refused"
    assert mcctl(*CARRY, "--dry-run").exit_code == 5

    overridden = mcctl(*CARRY, "--yes", "--override", "survivors_can_carry", "--reason", "carry what we can")
    assert overridden.exit_code == 0, overridden.stderr
    assert "overridden (journaled): carry what we can" in overridden.stderr
    assert {n: c for n, c in _instances(mcctl).items() if n in NEU} == {"neu-1": 5, "neu-2": 5}
    shown = json.loads(mcctl("--sim", "-o", "json", "journal", "show", "latest").stdout)
    rule = next(r for r in shown["rules"] if r["rule"] == "survivors_can_carry")
    assert rule["overridden"] is True and rule["numbers"]["shortfall"] == 2


def test_survivors_already_at_their_maximum_are_refused_though_no_step_is_left(mcctl) -> None:
    _drain(mcctl, "westeurope")
    _edit(mcctl, _maximum(3), *NEU)
    refused = mcctl(*CARRY[:1], *CARRY[3:], "--yes")
    assert refused.exit_code == 5
    assert "survivors can carry 6 of the 12 instances needed" in refused.stderr
    overridden = mcctl(*CARRY[:1], *CARRY[3:], "--yes", "--override", "survivors_can_carry", "--reason", "r")
    assert overridden.exit_code == 0, overridden.stderr
    assert "nothing to do" in overridden.stdout
    assert "survivors can carry 6 of the 12 instances needed (short by 6)" in overridden.stderr


def test_a_carrier_at_its_maximum_passes_the_rest_to_the_others(mcctl) -> None:
    _drain(mcctl, "westeurope")
    _edit(mcctl, _maximum(4), "neu-1")
    dry = mcctl(*CARRY, "--dry-run")
    assert _targets(dry) == {"neu-1": 4, "neu-2": 8}
    notes = json.loads(dry.stdout)["plan"]["notes"]
    assert "neu-1 capped at its plan's maximum of 4 workers (the split gave it 6)" in notes


# -- --split and --factor -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("split", "expected"),
    [
        ((), {"neu-1": 4, "neu-2": 10}),  # default: proportional to 2 and 6 (3.5, 10.5; the first on ties)
        (("--split", "proportional"), {"neu-1": 4, "neu-2": 10}),
        (("--split", "even"), {"neu-1": 7, "neu-2": 7}),
        (("--split", "EVEN"), {"neu-1": 7, "neu-2": 7}),
    ],
)
def test_split_even_or_proportional(mcctl, split, expected) -> None:
    assert mcctl("--sim", "scale", "neu-1", "--instances", "2", "--yes").exit_code == 0
    assert mcctl("--sim", "scale", "neu-2", "--instances", "6", "--yes").exit_code == 0
    _drain(mcctl, "westeurope")
    assert _targets(mcctl(*CARRY, *split, "--dry-run")) == expected  # 8 + 6 = 14 instances


def test_factor_adds_head_room_rounded_up(mcctl) -> None:
    drain = _drain(mcctl, "westeurope")
    dry = mcctl(*CARRY, "--factor", "1.2", "--dry-run")
    assert _targets(dry) == {"neu-1": 8, "neu-2": 7}  # ⌈12 × 1.2⌉ = 15
    plan = json.loads(dry.stdout)["plan"]
    assert plan["notes"][1] == "needed ⌈(6 serving on the carriers + 6) × 1.2⌉ = 15 instances"
    _edit(mcctl, _maximum(7), *NEU)
    refused = mcctl(*CARRY, "--factor", "1.2", "--dry-run")
    assert refused.exit_code == 5
    assert (
        f"survivors can carry 14 of the 15 instances needed (westeurope serves 0 now; 6 before operation {drain}; "
        "factor 1.2)" in refused.stderr
    )


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--split", "odd"), "--split: must be one of even, proportional, got 'odd'"),
        (("--split", ""), "--split: must be one of even, proportional, got ''"),
    ],
)
def test_a_bad_split_is_a_usage_error_before_any_azure_call(mcctl, tmp_path, args, says) -> None:
    result = mcctl(*CARRY, *args, "--yes")
    assert result.exit_code == 2 and says in result.stderr
    assert not sim_state_path("demo").exists()  # the simulator was never opened


def test_split_without_to_carry_is_a_usage_error(mcctl) -> None:
    result = mcctl("--sim", "scale", "--region", "northeurope", "--by", "+1", "--split", "even", "--yes")
    assert result.exit_code == 2 and "--split: only used with --to-carry" in result.stderr
