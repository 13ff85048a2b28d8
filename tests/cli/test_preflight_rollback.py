"""`mcctl rollback` of a SQL failover runs `sql failover`'s replication-link pre-flight (issue 15 item 4)."""

from __future__ import annotations

import json

from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.app import Sim
from mcctl.sim.providers.sql import set_link_state, sql_state
from mcctl.sim.runtime import open_simulator, sim_state_path

# The engine side is general (StepKind.observe, mcctl.ops.preflight); the SQL kind's `observe` is
# mcctl.ops.sqlpreflight.observe_failover, registered with the step kind by mcctl.ops.sqlfailover.


def _sim() -> Sim:
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    return sim


def test_rollback_of_a_failover_is_refused_while_a_database_link_is_seeding(mcctl) -> None:
    failover = mcctl("--sim", "-o", "json", "sql", "failover", "--to", "northeurope", "--yes")
    assert failover.exit_code == 0, failover.stderr
    op = json.loads(failover.stdout)["operation"]
    assert set_link_state(_sim(), "eastus2", "SEEDING", database="catalog", percent_complete=30) > 0

    rolled = mcctl("--sim", "-o", "json", "rollback", op, "--yes")

    assert rolled.exit_code == 5, rolled.stderr
    doc = json.loads(rolled.stdout)
    assert (doc["status"], doc["refused"]) == ("refused", ["sql_links_ready"])
    assert "refused by safety rule sql_links_ready" in " ".join(rolled.stderr.split())
    state = sql_state(_sim())
    assert state["groups"]["fg-mc-demo"]["primary"].rsplit("/", 1)[-1] == "sql-mc-neu"  # unchanged
    assert [f["to_server"] for f in state["failovers"]] == ["sql-mc-neu"]  # no failover was sent back
