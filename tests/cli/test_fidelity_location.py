"""Declared vs live location (issue 15 item 4): a stamp whose live web app or plan is in another region
than the estate file declares shows it as a problem in `stamps show` (typed `location_mismatches`)."""

from __future__ import annotations

import json

from mcctl.config.loader import demo_source, load_estate
from mcctl.config.paths import sim_state_path
from mcctl.sim.runtime import open_simulator


def _move(mcctl, stamp_name: str, location: str, *, plan_too: bool = False) -> None:
    """Put the stamp's live web app (and plan) in `location`, as if created in another region."""
    assert mcctl("sim", "status").exit_code == 0  # seeded
    estate = load_estate(demo_source())
    stamp = estate.stamp(stamp_name)
    assert stamp is not None
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    with sim.store.transaction():
        for ref in (stamp.app_ref, stamp.plan_ref) if plan_too else (stamp.app_ref,):
            resource = sim.store.require(ref.id)
            resource["location"] = location
            sim.store.put(resource)


def _show(mcctl, name: str) -> dict:
    result = mcctl("--sim", "-o", "json", "stamps", "show", name)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_matching_locations_show_no_mismatch(mcctl) -> None:
    shown = _show(mcctl, "weu-1")
    assert shown["location_mismatches"] == [] and shown["problems"] == []


def test_a_web_app_in_another_region_is_a_problem_of_the_stamp(mcctl) -> None:
    _move(mcctl, "weu-1", "North Europe")
    shown = _show(mcctl, "weu-1")
    assert shown["region"] == "westeurope"
    assert shown["location_mismatches"] == [
        {"resource": "web_app", "name": "app-mc-weu-1", "declared": "westeurope", "live": "northeurope"}
    ]
    assert "web app 'app-mc-weu-1' is in northeurope, the estate file declares westeurope" in shown["problems"]
    assert _show(mcctl, "weu-2")["location_mismatches"] == []  # only the moved stamp


def test_the_plan_is_compared_too_and_display_names_are_normalised(mcctl) -> None:
    _move(mcctl, "neu-1", "eastus2", plan_too=True)
    shown = _show(mcctl, "neu-1")
    assert {(m["resource"], m["live"]) for m in shown["location_mismatches"]} == {
        ("web_app", "eastus2"),
        ("app_service_plan", "eastus2"),
    }
    _move(mcctl, "neu-2", "North Europe")  # the display name of the declared region: no mismatch
    assert _show(mcctl, "neu-2")["location_mismatches"] == []
