"""A failover another client (az, the portal, another machine) started: mcctl sees it, never adopts it.

The other client is a POST with another caller's bearer token, sent straight to the persisted
simulator the CLI uses; then mcctl's commands run through the CLI.
"""

from __future__ import annotations

import json
from typing import Any

from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.app import Sim
from mcctl.sim.providers.sql import failover_in_progress, sql_state
from mcctl.sim.runtime import open_simulator, sim_state_path
from tests.foreign_client import foreign_failover


def _sim() -> Sim:
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    return sim


def _az_fails_over_to(mcctl, region: str) -> None:
    """`az sql failover-group set-primary` against the simulator: it starts and keeps running."""
    assert mcctl("sim", "status").exit_code == 0
    response = foreign_failover(_sim(), load_estate(demo_source()), region)
    assert response.status == 202, response.body


def _failover_ops() -> list[dict[str, Any]]:
    return [op for op in _sim().store.data["operations"].values() if op["kind"].startswith("sql.failover.")]


def _journal(mcctl) -> list[dict[str, Any]]:
    result = mcctl("--sim", "-o", "json", "journal", "list")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_sql_status_says_a_failover_is_in_progress_not_ready(mcctl) -> None:
    _az_fails_over_to(mcctl, "northeurope")

    result = mcctl("--sim", "-o", "json", "sql", "status", "--check")

    assert result.exit_code == 11, result.stderr  # no failover can start until it ends: not failover-ready
    data = json.loads(result.stdout)
    assert data["failover_in_progress"] is True and data["replication_state"] == "PENDING"
    assert (data["verdict"], data["failover_ready"], data["planned_failover_targets"]) == ("not_ready", False, [])
    assert any("failover of the group is in progress" in p["message"] for p in data["problems"])
    assert data["primary_region"] == "westeurope"  # roles swap when it completes
    table = mcctl("--sim", "sql", "status")
    assert "failover in progress" in table.stdout and "ready for a planned failover" not in table.stdout


def test_sql_status_is_ready_again_once_it_completed(mcctl) -> None:
    _az_fails_over_to(mcctl, "northeurope")
    assert mcctl("--sim", "sim", "advance", "61").exit_code == 0

    data = json.loads(mcctl("--sim", "-o", "json", "sql", "status").stdout)

    assert (data["failover_in_progress"], data["verdict"], data["primary_region"]) == (False, "ready", "northeurope")


def test_status_lists_it_in_flight_as_started_outside_mcctl(mcctl) -> None:
    _az_fails_over_to(mcctl, "northeurope")

    result = mcctl("--sim", "-o", "json", "status", "--check")

    data = json.loads(result.stdout)
    assert data["operations"] == []  # not an mcctl operation
    [line] = data["in_flight"]
    assert "fg-mc-demo" in line and "failover" in line and "outside mcctl" in line
    assert (data["sql"]["verdict"], data["sql"]["failover_ready"]) == ("not_ready", False)
    assert any("failover of the group is in progress" in p for p in data["sql"]["problems"])
    assert result.exit_code == 10 and data["check"]["exit_code"] == 10
    table = mcctl("--sim", "status")
    assert "outside mcctl" in table.stdout


def test_status_lists_nothing_in_flight_when_nothing_runs(mcctl) -> None:
    assert mcctl("sim", "status").exit_code == 0
    data = json.loads(mcctl("--sim", "-o", "json", "status").stdout)
    assert data["in_flight"] == [] and data["sql"]["verdict"] == "ready"


def test_a_failover_planned_while_it_runs_is_refused_naming_it(mcctl) -> None:
    _az_fails_over_to(mcctl, "northeurope")

    result = mcctl("--sim", "-o", "json", "sql", "failover", "--to", "northeurope", "--yes")

    assert result.exit_code == 5, result.stderr
    doc = json.loads(result.stdout)
    assert doc["refused"] == ["sql_links_ready"]
    [rule] = [r for r in doc["rules"] if r["rule"] == "sql_links_ready"]
    assert "already in progress" in rule["message"] and "not started by mcctl" in rule["message"]
    assert len(_failover_ops()) == 1 and _failover_ops()[0]["caller"] != "11111111-2222-4333-8444-555555555555"
    [op] = _journal(mcctl)
    assert op["status"] == "refused"


def test_a_forced_failover_to_another_region_is_refused_too(mcctl) -> None:
    _az_fails_over_to(mcctl, "northeurope")

    result = mcctl(
        "--sim", "-o", "json", "sql", "failover", "--to", "eastus2", "--mode", "forced", "--allow-data-loss", "--yes"
    )

    assert result.exit_code == 5, result.stderr
    assert json.loads(result.stdout)["refused"] == ["sql_links_ready"]
    assert len(_failover_ops()) == 1


def test_after_it_completed_mcctl_plans_from_the_new_primary(mcctl) -> None:
    _az_fails_over_to(mcctl, "northeurope")
    assert mcctl("--sim", "sim", "advance", "61").exit_code == 0

    result = mcctl("--sim", "-o", "json", "sql", "failover", "--to", "northeurope", "--yes")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "nothing_to_do"
    assert _journal(mcctl) == [] and len(_failover_ops()) == 1
    assert sql_state(_sim())["groups"]["fg-mc-demo"]["primary"].endswith("/sql-mc-neu")
    assert not failover_in_progress(_sim(), "fg-mc-demo")
