"""`mcctl status --check` (issue 15 item 2: the --check contracts side by side) and the estate's
problems in `status` (issue 15 item 4: a stamp's live location is not the declared one)."""

from __future__ import annotations

import json

from mcctl.config.loader import demo_source, load_estate
from mcctl.config.paths import sim_state_path
from mcctl.sim.runtime import open_simulator


def _check(mcctl, *args: str):
    result = mcctl("--sim", "-o", "json", "status", "--check", *args)
    return result, json.loads(result.stdout)


def test_a_healthy_estate_passes(mcctl) -> None:
    result, data = _check(mcctl)
    assert result.exit_code == 0, result.stderr
    assert data["check"] == {"exit_code": 0, "reasons": []} and data["problems"] == []


def test_a_region_down_is_10_with_its_reasons(mcctl) -> None:
    assert mcctl("--sim", "sim", "outage", "start", "eastus2").exit_code == 0
    result, data = _check(mcctl)
    assert result.exit_code == 10 and data["check"]["exit_code"] == 10
    assert "estate degraded" in data["check"]["reasons"] and "SQL degraded" in data["check"]["reasons"]
    assert "status check:" in result.stderr and "(exit 10)" in result.stderr


def test_the_sql_primary_down_is_11(mcctl) -> None:
    assert mcctl("--sim", "sim", "outage", "start", "westeurope").exit_code == 0
    result, data = _check(mcctl)
    assert result.exit_code == 11 and "estate unhealthy" in data["check"]["reasons"]


def test_a_drained_region_passes(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes").exit_code == 0
    result, data = _check(mcctl)
    assert result.exit_code == 0, data["check"]


def test_without_check_the_exit_is_0_and_with_watch_it_is_refused(mcctl) -> None:
    assert mcctl("--sim", "sim", "outage", "start", "eastus2").exit_code == 0
    assert mcctl("--sim", "-o", "json", "status").exit_code == 0
    refused = mcctl("--sim", "status", "--check", "--watch")
    assert refused.exit_code == 2 and "--check" in refused.stderr


def test_a_stamp_in_another_region_than_declared_is_a_problem_in_status(mcctl) -> None:
    assert mcctl("sim", "status").exit_code == 0  # seeded
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    with sim.store.transaction():
        app = sim.store.require(estate.stamps[0].app_ref.id)
        app["location"] = "North Europe"
        sim.store.put(app)
    data = json.loads(mcctl("--sim", "-o", "json", "status").stdout)
    assert data["problems"] == [
        "stamp weu-1: web app 'app-mc-weu-1' is in northeurope, the estate file declares westeurope"
    ]
    table = mcctl("--sim", "status")
    assert "problem: stamp weu-1: web app 'app-mc-weu-1' is in northeurope" in " ".join(table.stdout.split())
