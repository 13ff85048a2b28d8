"""`mcctl sql status|failover` on the persisted simulator, through the real SDK, asserting simulator state."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.app import Sim
from mcctl.sim.providers.sql import lost_writes, set_link_state, sql_state
from mcctl.sim.runtime import open_simulator, sim_state_path


def _sim() -> Sim:
    """The simulator state the CLI uses (opened fresh: every CLI run persists to it)."""
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    return sim


def _seeded(mcctl) -> Sim:
    assert mcctl("sim", "status").exit_code == 0
    return _sim()


def _status(mcctl, *extra: str) -> dict[str, Any]:
    result = mcctl("--sim", "-o", "json", "sql", "status", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _primary(mcctl) -> str:
    return _status(mcctl)["primary_region"]


def _sim_primary() -> str:
    return sql_state(_sim())["groups"]["fg-mc-demo"]["primary"].rsplit("/", 1)[-1]


def _failovers() -> list[tuple[str, str]]:
    return [(f["to_server"], f["mode"]) for f in sql_state(_sim())["failovers"]]


def _failover_operations() -> list[dict]:
    return [op for op in _sim().store.data["operations"].values() if op["kind"].startswith("sql.failover.")]


def _journal(mcctl) -> list[dict]:
    return json.loads(mcctl("--sim", "-o", "json", "journal", "list").stdout)


# -- status ----------------------------------------------------------------------------------------
def test_status_shows_the_demo_group_with_westeurope_primary(mcctl) -> None:
    result = mcctl("--sim", "sql", "status")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "fg-mc-demo (rg-mc-data)" in out and "westeurope (sql-mc-weu)" in out
    assert "failover policy Automatic, grace period 60 min" in out and "orders, catalog" in out
    assert "ready for a planned failover" in out
    assert out.count("CATCH_UP") == 4 and out.count("ASYNC") == 4

    data = _status(mcctl)
    assert data["primary_region"] == "westeurope" and data["primary_server"] == "sql-mc-weu"
    assert [(s["region"], s["server"], s["role"]) for s in data["servers"]] == [
        ("westeurope", "sql-mc-weu", "Primary"),
        ("northeurope", "sql-mc-neu", "Secondary"),
        ("eastus2", "sql-mc-eus2", "Secondary"),
    ]
    assert set(data["links"][0]) == {
        "database", "server", "region", "role", "partner_server", "partner_region", "partner_role",
        "replication_state", "percent_complete", "replication_mode", "link_type", "ready",
    }  # fmt: skip
    assert (data["verdict"], data["failover_ready"]) == ("ready", True)
    query = mcctl("--sim", "-o", "json", "sql", "status", "--query", "links[?database=='orders'].partner_server")
    assert json.loads(query.stdout) == ["sql-mc-neu", "sql-mc-eus2"]


def test_status_check_exit_codes(mcctl) -> None:
    sim = _seeded(mcctl)
    assert mcctl("--sim", "sql", "status", "--check").exit_code == 0
    set_link_state(sim, "northeurope", "Reseeding", database="orders", percent_complete=100)
    degraded = mcctl("--sim", "sql", "status", "--check")
    assert degraded.exit_code == 10 and "degraded: replication link orders" in degraded.stderr
    set_link_state(sim, "eastus2", "SEEDING", database="catalog", percent_complete=35)
    seeding = mcctl("--sim", "sql", "status", "--check")
    assert seeding.exit_code == 11
    assert "not ready: replication link catalog sql-mc-weu → sql-mc-eus2: SEEDING (35%)" in seeding.stderr
    assert "NOT ready for a planned failover" in seeding.stdout
    assert mcctl("--sim", "sql", "status").exit_code == 0  # without --check a finding is not a failure


def test_status_without_sql_in_the_estate(mcctl, tmp_path) -> None:
    data = yaml.safe_load(demo_source().text)
    del data["sql"]
    path = tmp_path / "nosql.yaml"
    path.write_text(yaml.safe_dump(data))
    result = mcctl("--sim", "--estate", str(path), "sql", "status")
    assert result.exit_code == 2 and "has no SQL failover group" in result.stderr


# -- planned failover and rollback -----------------------------------------------------------------
def test_planned_failover_then_rollback(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "sql", "failover", "--to", "northeurope", "--yes")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "applied"
    assert data["plan"]["steps"][0]["change"] == "primary_region: westeurope → northeurope"
    assert "SQL failover group fg-mc-demo: InProgress" in result.stderr  # progress while it runs
    assert _sim_primary() == "sql-mc-neu" and _primary(mcctl) == "northeurope"
    assert {s["region"]: s["role"] for s in _status(mcctl)["servers"]}["westeurope"] == "Secondary"
    assert _failovers() == [("sql-mc-neu", "planned")] and lost_writes(_sim()) == []

    rollback = mcctl("--sim", "-o", "json", "rollback", data["operation"], "--yes")
    assert rollback.exit_code == 0, rollback.stderr
    assert _primary(mcctl) == "westeurope"
    assert _failovers() == [("sql-mc-neu", "planned"), ("sql-mc-weu", "planned")]
    ops = _journal(mcctl)
    assert [o["status"] for o in ops] == ["succeeded", "succeeded"] and ops[1]["parent"] == data["operation"]


def test_dry_run_shows_the_preflight_and_changes_nothing(mcctl) -> None:
    result = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--dry-run")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "planned failover of SQL failover group fg-mc-demo: westeurope (sql-mc-weu) → northeurope" in out
    assert "Front Door in northeurope: origin-neu-1 enabled" in out and "Redis in northeurope: linked" in out
    assert "sql_failover_target_serving" in out
    assert _failover_operations() == [] and _journal(mcctl) == []


def test_the_target_region_is_required_with_two_secondaries(mcctl) -> None:
    result = mcctl("--sim", "sql", "failover", "--yes")
    assert result.exit_code == 2
    assert "name one: northeurope (sql-mc-neu), eastus2 (sql-mc-eus2)" in result.stderr
    unknown = mcctl("--sim", "sql", "failover", "--to", "westus", "--yes")
    assert unknown.exit_code == 2 and "regions: westeurope, northeurope, eastus2" in unknown.stderr
    mode = mcctl("--sim", "sql", "failover", "--to", "eastus2", "--mode", "hot", "--yes")
    assert mode.exit_code == 2 and "--mode: must be one of planned, forced, try-planned" in mode.stderr
    assert _failover_operations() == []


def test_the_only_secondary_is_the_default(mcctl, tmp_path) -> None:
    data = yaml.safe_load(demo_source().text)
    del data["sql"]["servers"]["eastus2"]
    data["name"] = "duo"
    path = tmp_path / "duo.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))  # the first server is seeded primary
    result = mcctl("--sim", "--estate", str(path), "-o", "json", "sql", "failover", "--yes")
    assert result.exit_code == 0, result.stderr
    after = mcctl("--sim", "--estate", str(path), "-o", "json", "sql", "status")
    assert json.loads(after.stdout)["primary_region"] == "northeurope"


def test_already_primary_is_nothing_to_do(mcctl) -> None:
    result = mcctl("--sim", "sql", "failover", "--to", "westeurope", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "nothing to do" in result.stdout and "already the primary of fg-mc-demo" in result.stderr
    assert _failover_operations() == [] and _journal(mcctl) == []


def test_non_interactive_without_yes_is_refused(mcctl) -> None:
    result = mcctl("--sim", "sql", "failover", "--to", "northeurope")
    assert result.exit_code == 2 and "pass --yes" in result.stderr
    assert _failover_operations() == [] and _primary(mcctl) == "westeurope"


# -- forced and try-planned ------------------------------------------------------------------------
@pytest.mark.parametrize("interactive", [False, True])
def test_forced_without_allow_data_loss_exits_2_and_changes_nothing(mcctl, monkeypatch, interactive) -> None:
    monkeypatch.setattr("mcctl.cli.mutate.is_interactive", lambda: interactive)
    result = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--mode", "forced", "--yes", input="fg-mc-demo\n")
    assert result.exit_code == 2
    assert "add --allow-data-loss" in result.stderr and "nothing was changed" in result.stderr
    assert _failover_operations() == [] and _primary(mcctl) == "westeurope" and _journal(mcctl) == []


def test_forced_non_interactive_needs_yes_and_allow_data_loss(mcctl) -> None:
    no_yes = mcctl("--sim", "sql", "failover", "--to", "eastus2", "--mode", "forced", "--allow-data-loss")
    assert no_yes.exit_code == 2 and "needs --yes together with --allow-data-loss" in no_yes.stderr
    assert _failover_operations() == []

    result = mcctl("--sim", "sql", "failover", "--to", "eastus2", "--mode", "forced", "--allow-data-loss", "--yes")
    assert result.exit_code == 0, result.stderr
    assert "THIS PLAN CAN LOSE DATA" in result.stderr
    assert _failovers() == [("sql-mc-eus2", "forced")] and _primary(mcctl) == "eastus2"
    [loss] = lost_writes(_sim())
    assert (loss["from_server"], loss["to_server"], loss["seconds_of_lag"]) == ("sql-mc-weu", "sql-mc-eus2", 5)


def test_forced_interactive_needs_the_group_name_typed(mcctl, monkeypatch) -> None:
    monkeypatch.setattr("mcctl.cli.mutate.is_interactive", lambda: True)
    args = ("--sim", "sql", "failover", "--to", "northeurope", "--mode", "forced", "--allow-data-loss")
    wrong = mcctl(*args, input="yes\n")
    assert wrong.exit_code == 130 and "confirmation did not match 'fg-mc-demo'" in wrong.stderr
    assert "Type 'fg-mc-demo' to confirm" in wrong.stderr
    assert _failover_operations() == [] and _primary(mcctl) == "westeurope"

    typed = mcctl(*args, input="fg-mc-demo\n")
    assert typed.exit_code == 0, typed.stderr
    assert _failovers() == [("sql-mc-neu", "forced")] and len(lost_writes(_sim())) == 1


def test_try_planned_needs_allow_data_loss_and_is_planned_when_possible(mcctl) -> None:
    refused = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--mode", "try-planned", "--yes")
    assert refused.exit_code == 2 and "--allow-data-loss" in refused.stderr
    args = ("--sim", "sql", "failover", "--to", "northeurope", "--mode", "try-planned", "--allow-data-loss", "--yes")
    result = mcctl(*args)
    assert result.exit_code == 0, result.stderr
    assert _failovers() == [("sql-mc-neu", "planned")] and lost_writes(_sim()) == []


def test_forced_failover_rolls_back_with_a_planned_failover(mcctl) -> None:
    args = ("--sim", "-o", "json", "sql", "failover", "--to", "eastus2", "--mode", "forced", "--allow-data-loss")
    op = json.loads(mcctl(*args, "--yes").stdout)["operation"]
    rollback = mcctl("--sim", "rollback", op, "--yes")  # no data loss on the way back: no extra flag
    assert rollback.exit_code == 0, rollback.stderr
    assert _failovers() == [("sql-mc-eus2", "forced"), ("sql-mc-weu", "planned")]
    assert _primary(mcctl) == "westeurope"


# -- pre-flight refusals ---------------------------------------------------------------------------
def test_target_region_without_serving_stamps_is_refused(mcctl) -> None:
    sim = _seeded(mcctl)
    estate = load_estate(demo_source())
    with sim.store.transaction():
        for stamp in estate.stamps_in("northeurope"):
            origin = sim.store.require(estate.frontdoor.origin_id(stamp.origin))
            origin["properties"]["enabledState"] = "Disabled"
            sim.store.put(origin)
    result = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--yes")
    assert result.exit_code == 5
    assert "refused by safety rule sql_failover_target_serving: northeurope has no serving stamp" in result.stderr
    assert "origin-neu-1 disabled" in result.stderr  # the Front Door context is in the plan
    assert _failover_operations() == [] and _primary(mcctl) == "westeurope"
    assert [o["status"] for o in _journal(mcctl)] == ["refused"]


def test_links_seeding_refuses_a_planned_failover_with_the_reason(mcctl) -> None:
    set_link_state(_seeded(mcctl), "eastus2", "SEEDING", database="catalog", percent_complete=40)
    result = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--yes")
    assert result.exit_code == 5
    message = " ".join(result.stderr.split())
    assert (
        "refused by safety rule sql_links_ready: planned failover needs every replication link CATCH_UP: "
        "catalog sql-mc-weu → sql-mc-eus2: SEEDING (40%)"
    ) in message
    assert "--mode try-planned" in message and "nothing was changed" in message
    assert _failover_operations() == [] and _primary(mcctl) == "westeurope"
    assert [o["status"] for o in _journal(mcctl)] == ["refused"]
    dry = mcctl("--sim", "-o", "json", "sql", "failover", "--to", "northeurope", "--dry-run")
    assert dry.exit_code == 5 and json.loads(dry.stdout)["refused"] == ["sql_links_ready"]
    override = mcctl(
        "--sim", "sql", "failover", "--to", "northeurope", "--yes", "--override", "sql_links_ready", "--reason", "x"
    )
    # a rule that cannot be overridden: --override is bad input (exit 2), before anything is journaled
    assert override.exit_code == 2 and "cannot be overridden" in override.stderr
    assert _failover_operations() == [] and [o["status"] for o in _journal(mcctl)] == ["refused"]


def test_primary_region_outage_planned_refused_forced_works(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "westeurope").exit_code == 0
    status = mcctl("--sim", "-o", "json", "sql", "status", "--check")
    assert status.exit_code == 11 and json.loads(status.stdout)["servers"][0]["reachable"] is False
    planned = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--yes")
    assert planned.exit_code == 5
    assert "planned failover needs the primary sql-mc-weu (westeurope), which did not answer" in " ".join(
        planned.stderr.split()
    )
    assert _failover_operations() == []

    forced = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--mode", "forced", "--allow-data-loss", "--yes")
    assert forced.exit_code == 0, forced.stderr
    assert _failovers() == [("sql-mc-neu", "forced")] and _primary(mcctl) == "northeurope"
    assert [w["seconds_of_lag"] for w in lost_writes(_sim())] == [30]


# -- Azure failures, waiting -----------------------------------------------------------------------
def test_lro_failure_exits_4_and_changes_nothing(mcctl) -> None:
    assert mcctl("sim", "fault", "add", "lro_failure", "--operation", "sql.failover.*").exit_code == 0
    result = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--yes")
    assert result.exit_code == 4, result.stderr
    assert "failed, nothing was changed" in result.stderr and "planned failover of failover group" in result.stderr
    assert _primary(mcctl) == "westeurope" and _journal(mcctl)[-1]["status"] == "failed"
    assert [op["status"] for op in _failover_operations()] == ["Failed"]


def test_timeout_exits_6_and_says_how_to_check(mcctl) -> None:
    result = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--timeout", "20s", "--yes")
    assert result.exit_code == 6, result.stderr
    message = " ".join(result.stderr.split())
    assert "timed out after 20s" in message and "failoverGroupOperationResults" in message
    assert "mcctl resume" in message and "`mcctl sql status` shows which server is primary now" in message
    assert [op["status"] for op in _failover_operations()] == ["InProgress"]
    op = _journal(mcctl)[-1]
    assert op["status"] == "timeout"
    mcctl("sim", "advance", "120")
    assert _primary(mcctl) == "northeurope"  # it went on in "Azure"
    resumed = mcctl("--sim", "-o", "json", "resume", op["id"], "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert json.loads(resumed.stdout)["plan"]["steps"][0]["status"] == "skipped"  # verified, not sent again
    assert len(_failover_operations()) == 1


def test_throttled_post_is_retried_and_fails_over_once(mcctl) -> None:
    added = mcctl(
        "sim", "fault", "add", "throttle", "--method", "POST", "--path", "/failoverGroups/", "--retry-after", "2"
    )
    assert added.exit_code == 0, added.stderr
    result = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--yes")
    assert result.exit_code == 0, result.stderr
    assert _sim().faults == []  # the 429 was served
    assert len(_failover_operations()) == 1 and _failovers() == [("sql-mc-neu", "planned")]


def test_no_wait_submits_and_the_failover_completes_on_its_own(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "sql", "failover", "--to", "northeurope", "--no-wait", "--yes")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["operation_status"] == "submitted"
    assert _primary(mcctl) == "westeurope"
    mcctl("sim", "advance", "120")
    assert _primary(mcctl) == "northeurope"
