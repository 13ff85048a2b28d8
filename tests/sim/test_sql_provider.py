"""The simulated Microsoft.Sql provider, driven through the real azure-mgmt-sql client."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mcctl.adapters import sql
from mcctl.adapters.clients import AzureSession
from mcctl.adapters.lro import WaitOptions
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import demo_source
from mcctl.domain.estate import Estate, SqlFailoverGroup
from mcctl.errors import AzureRequestError, WaitTimeout
from mcctl.sim.app import Sim
from mcctl.sim.providers.sql import lost_writes, set_link_state, set_replication_lag, sql_state
from mcctl.sim.runtime import open_simulator

NO_WAIT = WaitOptions(wait=False)


@pytest.fixture
def group(demo_estate: Estate) -> SqlFailoverGroup:
    assert demo_estate.sql is not None
    return demo_estate.sql


def _roles(session: AzureSession, group: SqlFailoverGroup) -> dict[str, dict[str, str]]:
    """Every member's own view of who is primary, keyed by the member's region."""
    return {s.region: sql.get_failover_group_from(session, group, s).role_by_region() for s in group.servers}


def _link_roles(session: AzureSession, group: SqlFailoverGroup, database: str = "orders") -> set[tuple[str, ...]]:
    """(server, role, partner, partner role) for every link of `database`, read from every member."""
    return {
        (s.ref.name, link.role, link.partner_server, link.partner_role)
        for s in group.servers
        for link in sql.list_replication_links(session, s, database)
    }


def _failover_ops(sim: Sim) -> list[dict]:
    return [op for op in sim.store.data["operations"].values() if op["kind"].startswith("sql.failover.")]


def _location_headers(session: AzureSession, group: SqlFailoverGroup, target, method: str) -> list[str]:
    """Send one failover POST without waiting; return the Location header(s) the simulator answered."""
    seen: list[str] = []
    operations = session.sql(target.ref.subscription).failover_groups
    getattr(operations, method)(
        target.ref.resource_group,
        target.ref.name,
        group.name,
        polling=False,
        raw_response_hook=lambda r: seen.append(r.http_response.headers.get("Location")),
    )
    return seen


WEU_PRIMARY = {"westeurope": "Primary", "northeurope": "Secondary", "eastus2": "Secondary"}
NEU_PRIMARY = {"westeurope": "Secondary", "northeurope": "Primary", "eastus2": "Secondary"}


# -- seeding ---------------------------------------------------------------------------------------
def test_seed_gives_every_member_a_consistent_view_with_the_first_server_primary(session, group) -> None:
    assert _roles(session, group) == {region: WEU_PRIMARY for region in ("westeurope", "northeurope", "eastus2")}
    weu, neu, eus2 = group.servers
    assert _link_roles(session, group) == {
        (weu.ref.name, "Primary", neu.ref.name, "Secondary"),
        (weu.ref.name, "Primary", eus2.ref.name, "Secondary"),
        (neu.ref.name, "Secondary", weu.ref.name, "Primary"),
        (eus2.ref.name, "Secondary", weu.ref.name, "Primary"),
    }


def test_seed_creates_servers_and_databases_in_every_region(session, group) -> None:
    client = session.sql(group.servers[0].ref.subscription)
    rg = group.servers[0].ref.resource_group

    servers = {s.name: s.location for s in client.servers.list_by_resource_group(rg)}
    databases = [d.name for d in client.databases.list_by_server(rg, group.servers[1].ref.name)]
    groups = [g.name for g in client.failover_groups.list_by_server(rg, group.servers[2].ref.name)]
    orders = client.databases.get(rg, group.servers[1].ref.name, "orders")

    assert servers == {s.ref.name: s.region for s in group.servers}
    assert databases == list(group.databases)
    assert groups == [group.name]
    assert orders.properties.status == "Online"
    assert orders.properties.failover_group_id.endswith(f"/{group.servers[1].ref.name}/failoverGroups/{group.name}")


def test_nothing_is_seeded_without_sql_in_the_estate(demo_estate: Estate) -> None:
    estate = dataclasses.replace(demo_estate, sql=None)

    sim, _ = open_simulator(estate, demo_source().fingerprint, persist=False)

    assert not [k for k in sim.store.resources if "/providers/microsoft.sql/" in k]
    assert not sim.store.data.get("sql", {}).get("groups")


# -- planned failover ------------------------------------------------------------------------------
def test_planned_failover_swaps_roles_on_every_member_and_link_after_a_minute(session, sim, group) -> None:
    weu, neu, eus2 = group.servers
    started = sim.now()

    assert sql.failover(session, group, neu, "planned", NO_WAIT) is None
    assert _roles(session, group)["eastus2"] == WEU_PRIMARY  # nothing changes while it runs
    state = sql.failover(session, group, neu, "planned", WaitOptions())

    assert state.role == "Primary" and state.server == neu.ref.name
    assert sim.now() - started >= 60
    assert _roles(session, group) == {region: NEU_PRIMARY for region in ("westeurope", "northeurope", "eastus2")}
    assert _link_roles(session, group) == {
        (neu.ref.name, "Primary", weu.ref.name, "Secondary"),
        (neu.ref.name, "Primary", eus2.ref.name, "Secondary"),
        (weu.ref.name, "Secondary", neu.ref.name, "Primary"),
        (eus2.ref.name, "Secondary", neu.ref.name, "Primary"),
    }
    assert lost_writes(sim) == []
    assert [(f["to_server"], f["mode"]) for f in sql_state(sim)["failovers"]] == [(neu.ref.name, "planned")]


def test_failover_requested_on_the_primary_is_refused_and_changes_nothing(session, sim, group) -> None:
    for mode in ("planned", "forced", "try-planned"):
        with pytest.raises(AzureRequestError) as info:
            sql.failover(session, group, group.servers[0], mode, WaitOptions())

        assert (info.value.status, info.value.code) == (400, "FailoverGroupFailoverRequestOnPrimary")
        assert "secondary server" in info.value.message
    assert _failover_ops(sim) == []
    assert _roles(session, group)["northeurope"] == WEU_PRIMARY


def test_planned_failover_fails_while_a_link_is_seeding(session, sim, group) -> None:
    assert set_link_state(sim, "eastus2", "SEEDING", database="catalog") == 1

    with pytest.raises(AzureRequestError) as info:
        sql.failover(session, group, group.servers[1], "planned", WaitOptions())

    assert (info.value.status, info.value.code) == (400, "IncorrectReplicationLinkState")
    assert "catalog" in info.value.message and "SEEDING" in info.value.message
    assert _roles(session, group)["westeurope"] == WEU_PRIMARY
    [op] = _failover_ops(sim)
    assert op["status"] == "Failed"
    seeding = [link for link in sql.list_replication_links(session, group.servers[2], "catalog")]
    assert [(link.replication_state, link.percent_complete) for link in seeding] == [("SEEDING", 0)]


def test_set_link_state_on_the_primary_changes_all_its_links(sim, group) -> None:
    assert set_link_state(sim, group.servers[0].ref.name, "SUSPENDED") == 4
    assert set_link_state(sim, "nowhere", "SEEDING") == 0
    assert {e["state"] for e in sql_state(sim)["groups"][group.name.lower()]["links"]} == {"SUSPENDED"}


# -- regional outage -------------------------------------------------------------------------------
def test_reads_of_a_server_in_a_region_that_is_down_time_out(session, sim, group) -> None:
    sim.set_outage("westeurope", True)

    with pytest.raises(AzureRequestError) as info:
        sql.get_server(session, group.servers[0])
    state = sql.get_failover_group(session, group)  # the next member answers

    assert (info.value.status, info.value.code) == (504, "GatewayTimeout")
    assert (state.server, state.role, state.replication_state) == (group.servers[1].ref.name, "Secondary", "SUSPENDED")
    assert state.role_by_region() == WEU_PRIMARY


def test_primary_outage_planned_fails_forced_succeeds_and_loses_writes(session, sim, group) -> None:
    weu, neu, eus2 = group.servers
    sim.set_outage("westeurope", True)

    with pytest.raises(AzureRequestError) as info:
        sql.failover(session, group, neu, "planned", WaitOptions())
    assert info.value.code == "PlannedFailoverTimedOut"
    assert sql.get_failover_group_from(session, group, neu).role_by_region() == WEU_PRIMARY

    state = sql.failover(session, group, neu, "forced", WaitOptions())

    assert state.role_by_region() == NEU_PRIMARY
    assert sql.get_failover_group_from(session, group, eus2).role_by_region() == NEU_PRIMARY
    [loss] = lost_writes(sim)
    assert (loss["group"], loss["from_server"], loss["to_server"]) == (group.name, weu.ref.name, neu.ref.name)
    assert loss["seconds_of_lag"] == 30  # a failing region falls further behind than the usual 5 s
    # The old primary replicates again once its region is back, now as a secondary.
    assert {link.replication_state for link in sql.list_replication_links(session, neu, "orders")} == {
        "SUSPENDED",
        "CATCH_UP",
    }
    sim.set_outage("westeurope", False)
    assert _roles(session, group)["westeurope"] == NEU_PRIMARY
    assert {link.replication_state for link in sql.list_replication_links(session, weu, "orders")} == {"CATCH_UP"}


def test_forced_failover_without_outage_loses_the_configured_lag(session, sim, group) -> None:
    set_replication_lag(sim, 12)

    sql.failover(session, group, group.servers[2], "forced", WaitOptions())

    assert [w["seconds_of_lag"] for w in lost_writes(sim)] == [12]
    assert [f["mode"] for f in sql_state(sim)["failovers"]] == ["forced"]


def test_forced_failover_to_a_seeding_secondary_fails(session, sim, group) -> None:
    set_link_state(sim, "northeurope", "SEEDING")

    with pytest.raises(AzureRequestError) as info:
        sql.failover(session, group, group.servers[1], "forced", WaitOptions())

    assert info.value.code == "InvalidDatabaseStateForOperation"
    assert lost_writes(sim) == []
    assert _roles(session, group)["westeurope"] == WEU_PRIMARY


# -- try planned, then forced ----------------------------------------------------------------------
def test_try_planned_is_planned_when_possible(session, sim, group) -> None:
    state = sql.failover(session, group, group.servers[1], "try-planned", WaitOptions())

    assert state.role_by_region() == NEU_PRIMARY
    assert lost_writes(sim) == []
    assert [f["mode"] for f in sql_state(sim)["failovers"]] == ["planned"]


def test_try_planned_forces_when_the_primary_region_is_down(session, sim, group) -> None:
    sim.set_outage("westeurope", True)

    state = sql.failover(session, group, group.servers[1], "try-planned", WaitOptions())

    assert state.role_by_region() == NEU_PRIMARY
    assert [f["mode"] for f in sql_state(sim)["failovers"]] == ["forced"]
    assert len(lost_writes(sim)) == 1


# -- LRO behaviour ---------------------------------------------------------------------------------
def test_throttled_failover_post_is_retried_without_starting_two_failovers(session, sim, group) -> None:
    sim.add_fault({"kind": "throttle", "method": "POST", "path": "/failovergroups/", "retry_after": 2})

    state = sql.failover(session, group, group.servers[1], "planned", WaitOptions())

    assert state.role == "Primary"
    posts = [r.status for r in sim.requests if r.method == "POST"]
    assert posts == [429, 202]
    assert len(_failover_ops(sim)) == 1


def test_repeated_failover_post_returns_the_same_operation(session, sim, group) -> None:
    target = group.servers[1]

    first = _location_headers(session, group, target, "begin_failover")
    again = _location_headers(session, group, target, "begin_failover")

    assert first == again and "/failoverGroupOperationResults/" in first[0]
    assert len(_failover_ops(sim)) == 1
    with pytest.raises(AzureRequestError) as info:  # another action meanwhile: the group is busy
        sql.failover(session, group, target, "forced", NO_WAIT)
    assert (info.value.status, info.value.code) == (409, "FailoverGroupBusy")

    sim.advance(60)
    assert _location_headers(session, group, target, "begin_failover") == first  # a late retry, not a 400
    assert len(_failover_ops(sim)) == 1
    assert _roles(session, group)["eastus2"] == NEU_PRIMARY


def test_injected_lro_failure_fails_the_failover_and_changes_nothing(session, sim, group) -> None:
    sim.add_fault(
        {
            "kind": "lro_failure",
            "operation": "sql.failover.*",
            "code": "OperationTimedOut",
            "message": "The operation timed out and automatically rolled back.",
            "status": 500,
        }
    )

    with pytest.raises(AzureRequestError) as info:
        sql.failover(session, group, group.servers[1], "planned", WaitOptions())

    assert (info.value.status, info.value.code) == (500, "OperationTimedOut")
    assert _roles(session, group)["northeurope"] == WEU_PRIMARY


def test_wait_timeout_leaves_the_failover_running(session, sim, group) -> None:
    with pytest.raises(WaitTimeout) as info:
        sql.failover(session, group, group.servers[1], "planned", WaitOptions(timeout=5))

    assert "failoverGroupOperationResults" in info.value.message
    [op] = _failover_ops(sim)
    assert op["status"] == "InProgress"
    sim.advance(60)
    assert op["status"] == "Succeeded"
    assert _roles(session, group)["westeurope"] == NEU_PRIMARY


def test_failover_state_survives_a_restart_of_the_simulator(demo_estate: Estate, group, tmp_path: Path) -> None:
    path = tmp_path / "sim.json"
    first, _ = open_simulator(demo_estate, demo_source().fingerprint, path=path)
    sql.failover(simulated_session(demo_estate, first), group, group.servers[2], "forced", NO_WAIT)

    second, reason = open_simulator(demo_estate, demo_source().fingerprint, path=path)
    second.advance(60)

    assert reason is None
    assert _roles(simulated_session(demo_estate, second), group)["northeurope"] == {
        "westeurope": "Secondary",
        "northeurope": "Secondary",
        "eastus2": "Primary",
    }
    assert len(lost_writes(second)) == 1


# -- replication links -----------------------------------------------------------------------------
def test_replication_links_are_paged(session, sim, group) -> None:
    sim.settings["page_size"] = 1
    primary = group.servers[0]
    client = session.sql(primary.ref.subscription).replication_links

    by_server = list(client.list_by_server(primary.ref.resource_group, primary.ref.name))
    by_database = sql.list_replication_links(session, primary, "catalog")

    assert len(by_server) == 4
    assert sorted({link.id.split("/databases/")[1].split("/")[0] for link in by_server}) == ["catalog", "orders"]
    assert len(by_database) == 2 and {link.database for link in by_database} == {"catalog"}
    pages = [r for r in sim.requests if r.path.lower().endswith("/replicationlinks")]
    assert len(pages) == 4 + 2


def test_replication_link_get_by_name(session, group) -> None:
    secondary = group.servers[1]
    [listed] = sql.list_replication_links(session, secondary, "orders")
    client = session.sql(secondary.ref.subscription).replication_links

    link = client.get(secondary.ref.resource_group, secondary.ref.name, "orders", listed.name)

    assert link.id == listed.id
    assert (link.properties.role, link.properties.partner_server) == ("Secondary", group.servers[0].ref.name)
