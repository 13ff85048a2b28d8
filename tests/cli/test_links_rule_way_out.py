"""`sql_links_ready` names the way out that works for the plan it judges (a rollback has no --mode),
and `--override` of a rule that cannot be overridden is bad input (exit 2), before anything is journaled."""

from __future__ import annotations

import json

from mcctl.config.loader import demo_source, load_estate
from mcctl.plugins import registry
from mcctl.sim.app import Sim
from mcctl.sim.providers.sql import set_link_state, sql_state
from mcctl.sim.runtime import open_simulator, sim_state_path

SIM_JSON = ("--sim", "-o", "json")


def _sim() -> Sim:
    estate = load_estate(demo_source())
    providers = registry().sim_providers  # as the CLI opens it (else it would seed the state afresh)
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"), providers=providers)
    return sim


def _journal(mcctl) -> list[dict]:
    return json.loads(mcctl(*SIM_JSON, "journal", "list").stdout)


def _failed_over_then_seeding(mcctl) -> str:
    failover = mcctl(*SIM_JSON, "sql", "failover", "--to", "northeurope", "--yes")
    assert failover.exit_code == 0, failover.stderr
    assert set_link_state(_sim(), "eastus2", "SEEDING", database="catalog", percent_complete=30) > 0
    return str(json.loads(failover.stdout)["operation"])


def test_a_refused_rollback_names_the_sql_failover_command_not_a_flag_rollback_lacks(mcctl) -> None:
    op = _failed_over_then_seeding(mcctl)

    rolled = mcctl(*SIM_JSON, "rollback", op, "--yes")

    assert rolled.exit_code == 5, rolled.stderr
    doc = json.loads(rolled.stdout)
    message = next(r for r in doc["rules"] if r["rule"] == "sql_links_ready")["message"]
    assert "`mcctl sql failover --to westeurope --mode forced --allow-data-loss`" in message
    assert "fail over with data loss: --mode forced" not in message
    assert "`mcctl sql failover --to westeurope --mode forced --allow-data-loss`" in " ".join(rolled.stderr.split())


def test_the_sql_failover_command_itself_still_names_its_own_flags(mcctl) -> None:
    assert mcctl("sim", "status").exit_code == 0  # the persisted simulator exists before it is changed
    assert set_link_state(_sim(), "eastus2", "SEEDING", database="catalog", percent_complete=30) > 0
    refused = mcctl(*SIM_JSON, "sql", "failover", "--to", "northeurope", "--yes")
    assert refused.exit_code == 5
    message = next(r for r in json.loads(refused.stdout)["rules"] if r["rule"] == "sql_links_ready")["message"]
    assert "--mode forced --allow-data-loss" in message and "mcctl sql failover --to" not in message


def test_overriding_a_rule_that_cannot_be_overridden_is_exit_2_before_anything_is_journaled(mcctl) -> None:
    op = _failed_over_then_seeding(mcctl)
    records_before = json.loads(mcctl(*SIM_JSON, "journal", "show", op).stdout)["records"]

    result = mcctl(*SIM_JSON, "rollback", op, "--yes", "--override", "sql_links_ready", "--reason", "x")

    assert result.exit_code == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("mcctl: error")]
    assert len(errors) == 1 and "sql_links_ready" in errors[0] and "cannot be overridden" in errors[0]
    assert [o["id"] for o in _journal(mcctl)] == [op]
    assert json.loads(mcctl(*SIM_JSON, "journal", "show", op).stdout)["records"] == records_before
    assert sql_state(_sim())["groups"]["fg-mc-demo"]["primary"].rsplit("/", 1)[-1] == "sql-mc-neu"


def test_overriding_data_loss_acknowledged_is_exit_2_too(mcctl) -> None:
    overriding = ("--override", "data_loss_acknowledged", "--reason", "x")
    result = mcctl(*SIM_JSON, "scale", "weu-1", "--instances", "4", "--yes", *overriding)
    assert result.exit_code == 2, result.stderr
    assert "data_loss_acknowledged" in result.stderr and "cannot be overridden" in result.stderr
    assert _journal(mcctl) == []
