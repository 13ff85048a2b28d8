"""`mcctl sql status --check` (issue 15 item 2): 0 ready, 10 degraded (a planned failover can still
run to some secondary), 11 not failover-ready; and the planned failover the verdict promises runs."""

from __future__ import annotations

import json

from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.app import Sim
from mcctl.sim.providers.sql import set_link_state, sql_state
from mcctl.sim.runtime import open_simulator, sim_state_path


def _sim(mcctl) -> Sim:
    assert mcctl("sim", "status").exit_code == 0
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    return sim


def _check(mcctl) -> tuple[int, dict]:
    result = mcctl("--sim", "-o", "json", "sql", "status", "--check")
    return result.exit_code, json.loads(result.stdout)


def _sim_primary(mcctl) -> str:
    return sql_state(_sim(mcctl))["groups"]["fg-mc-demo"]["primary"].rsplit("/", 1)[-1]


def test_ready_exits_0_and_names_every_secondary_as_a_target(mcctl) -> None:
    code, data = _check(mcctl)
    assert code == 0 and data["verdict"] == "ready" and data["failover_ready"] is True
    assert data["planned_failover_targets"] == ["northeurope", "eastus2"]


def test_a_secondary_down_is_degraded_10_not_11(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    code, data = _check(mcctl)
    assert code == 10, data["problems"]
    assert data["verdict"] == "degraded" and data["failover_ready"] is True
    assert data["planned_failover_targets"] == ["northeurope"]
    assert all(p["severity"] == "degraded" for p in data["problems"])
    assert any("sql-mc-eus2 (eastus2) did not answer" in p["message"] for p in data["problems"])
    table = mcctl("--sim", "sql", "status")
    assert "planned failover to  northeurope" in table.stdout


def test_the_degraded_verdict_is_kept_a_planned_failover_to_the_other_secondary_runs(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    result = mcctl("--sim", "-o", "json", "sql", "failover", "--to", "northeurope", "--yes")
    assert result.exit_code == 0, result.stderr
    assert _sim_primary(mcctl) == "sql-mc-neu"


def test_a_planned_failover_to_the_secondary_that_is_down_is_refused_naming_forced_mode(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    result = mcctl("--sim", "sql", "failover", "--to", "eastus2", "--yes")
    assert result.exit_code == 5
    assert "refused by safety rule sql_links_ready" in result.stderr
    assert "--mode forced --allow-data-loss" in result.stderr
    assert _sim_primary(mcctl) == "sql-mc-weu"


def test_the_primary_down_is_11_and_the_refusal_names_forced_mode(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "westeurope").exit_code == 0
    code, data = _check(mcctl)
    assert code == 11 and data["verdict"] == "not_ready" and data["failover_ready"] is False
    assert data["planned_failover_targets"] == []
    result = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--yes")
    assert result.exit_code == 5
    assert "if its region is lost, fail over with --mode forced --allow-data-loss" in result.stderr
    assert _sim_primary(mcctl) == "sql-mc-weu"


def test_every_secondary_down_is_11(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    assert mcctl("sim", "outage", "start", "northeurope").exit_code == 0
    code, data = _check(mcctl)
    assert code == 11 and data["verdict"] == "not_ready"
    assert any("no secondary answered" in p["message"] for p in data["problems"])


def test_a_link_still_seeding_to_a_secondary_that_answers_is_11(mcctl) -> None:
    sim = _sim(mcctl)
    assert set_link_state(sim, "northeurope", "SEEDING", database="orders", percent_complete=40) == 1
    code, data = _check(mcctl)
    assert code == 11 and data["verdict"] == "not_ready"
    assert data["planned_failover_targets"] == []
    refused = mcctl("--sim", "sql", "failover", "--to", "eastus2", "--yes")
    assert refused.exit_code == 5
    assert "wait for them to catch up" in refused.stderr and "--mode forced --allow-data-loss" in refused.stderr


def test_a_target_serving_nothing_is_refused_naming_restore_as_the_way_out(mcctl) -> None:
    estate = load_estate(demo_source())
    sim = _sim(mcctl)
    with sim.store.transaction():
        for stamp in estate.stamps_in("northeurope"):
            origin = sim.store.require(estate.frontdoor.origin_id(stamp.origin))
            origin["properties"]["enabledState"] = "Disabled"
            sim.store.put(origin)
    result = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--yes")
    assert result.exit_code == 5
    assert "sql_failover_target_serving" in result.stderr
    assert "restore it first (`mcctl frontdoor restore northeurope`" in " ".join(result.stderr.split())
    assert _sim_primary(mcctl) == "sql-mc-weu"
