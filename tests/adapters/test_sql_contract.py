"""Contract tests for mcctl.adapters.sql.

Each adapter function runs through the real azure-mgmt-sql client twice: against the spec example
replayed verbatim (what Azure documents) and against the simulator (what `--sim` answers). Both must
give the domain values the ops layer relies on.
"""

from __future__ import annotations

import pytest

from mcctl.adapters import sql
from mcctl.adapters.lro import WaitOptions
from mcctl.domain.estate import Estate, ResourceRef, SqlFailoverGroup, SqlServer
from mcctl.domain.observed import FailoverGroupPartner
from mcctl.errors import AzureRequestError
from tests.replay import Canned, ReplayTransport, example, from_example, replay_session

SDK_API_VERSION = "api-version=2025-01-01"
SUB = "00000000-1111-2222-3333-444444444444"
PREFIX = f"/subscriptions/{SUB}/resourceGroups/Default/providers/Microsoft.Sql/servers"


def _server(region: str, name: str, rg: str = "Default") -> SqlServer:
    return SqlServer(region, ResourceRef(SUB, rg, "Microsoft.Sql/servers", name))


# The estate entries the spec examples describe (their path parameters). FailoverGroupGet.json and
# the try-planned example use one spelling of the names, FailoverGroupFailover.json another.
EX_PRIMARY = _server("japanwest", "failovergroupprimaryserver")
EX_SECONDARY = _server("japaneast", "failovergroupsecondaryserver")
EX_GROUP = SqlFailoverGroup("failovergrouptest3", (EX_PRIMARY, EX_SECONDARY))
EX_DASHED_SECONDARY = _server("japanwest", "failover-group-secondary-server")
EX_DASHED_GROUP = SqlFailoverGroup(
    "failover-group-test-3", (_server("japaneast", "failover-group-primary-server"), EX_DASHED_SECONDARY)
)
MONITOR = "/locations/japanwest/failoverGroupOperationResults/11111111-1111-1111-1111-111111111111"


def _replay(estate: Estate, *canned: Canned) -> tuple[ReplayTransport, object]:
    transport = ReplayTransport(list(canned))
    return transport, replay_session(estate, transport)


def _urls(transport: ReplayTransport, method: str | None = None) -> list[str]:
    return [url for m, url, _ in transport.requests if method is None or m == method]


# -- failover group get ----------------------------------------------------------------------------
def test_get_failover_group_from_spec_example(demo_estate: Estate) -> None:
    ex = example("sql/FailoverGroupGet.json")
    transport, session = _replay(demo_estate, from_example(ex, "GET", "/failoverGroups/failovergrouptest3"))

    state = sql.get_failover_group_from(session, EX_GROUP, EX_PRIMARY)

    assert (state.name, state.server, state.location, state.role) == (
        "failovergrouptest3",
        "failovergroupprimaryserver",
        "Japan West",
        "Primary",
    )
    assert (state.replication_state, state.failover_policy) == ("CATCH_UP", "Automatic")
    assert state.grace_period_minutes == 120
    assert state.partners == (
        FailoverGroupPartner(
            f"{PREFIX}/failovergroupsecondaryserver", "failovergroupsecondaryserver", "Japan East", "Secondary"
        ),
    )
    assert state.databases == (
        f"{PREFIX}/failovergroupprimaryserver/databases/testdb1",
        f"{PREFIX}/failovergroupprimaryserver/databases/testdb2",
    )
    assert state.role_by_region() == {"japanwest": "Primary", "japaneast": "Secondary"}
    [url] = _urls(transport)
    assert f"{PREFIX}/failovergroupprimaryserver/failoverGroups/failovergrouptest3?" in url
    assert SDK_API_VERSION in url


def test_get_failover_group_asks_the_next_member_when_one_does_not_answer(demo_estate: Estate) -> None:
    timeout = {"error": {"code": "GatewayTimeout", "message": "no response from Microsoft.Sql"}}
    ex = example("sql/FailoverGroupGet.json")
    transport, session = _replay(
        demo_estate,
        Canned("GET", "/servers/failovergroupprimaryserver/", 504, timeout),
        from_example(ex, "GET", "/servers/failovergroupsecondaryserver/failoverGroups/failovergrouptest3"),
    )

    state = sql.get_failover_group(session, EX_GROUP)

    assert state.role == "Primary" and state.partners[0].role == "Secondary"
    asked = _urls(transport)
    assert any("/failovergroupprimaryserver/" in u for u in asked)
    assert "/failovergroupsecondaryserver/" in asked[-1]


def test_get_failover_group_raises_the_last_error_when_no_member_answers(demo_estate: Estate) -> None:
    timeout = {"error": {"code": "GatewayTimeout", "message": "no response from Microsoft.Sql"}}
    _, session = _replay(demo_estate, Canned("GET", "/failoverGroups/", 504, timeout))

    with pytest.raises(AzureRequestError) as info:
        sql.get_failover_group(session, EX_GROUP)

    assert (info.value.status, info.value.code) == (504, "GatewayTimeout")
    assert "failovergroupsecondaryserver" in info.value.message


def test_get_failover_group_from_simulator(session, demo_estate: Estate) -> None:
    group = demo_estate.sql
    primary, *secondaries = group.servers

    state = sql.get_failover_group(session, group)
    secondary_view = sql.get_failover_group_from(session, group, secondaries[0])

    assert (state.name, state.server, state.role, state.location) == (
        group.name,
        primary.ref.name,
        "Primary",
        "West Europe",
    )
    assert (state.replication_state, state.failover_policy, state.grace_period_minutes) == ("CATCH_UP", "Automatic", 60)
    assert [(p.name, p.role) for p in state.partners] == [(s.ref.name, "Secondary") for s in secondaries]
    assert [d.rsplit("/", 1)[1] for d in state.databases] == list(group.databases)
    assert (secondary_view.server, secondary_view.role) == (secondaries[0].ref.name, "Secondary")
    assert (
        secondary_view.role_by_region()
        == state.role_by_region()
        == {
            "westeurope": "Primary",
            "northeurope": "Secondary",
            "eastus2": "Secondary",
        }
    )


# -- server get ------------------------------------------------------------------------------------
def test_get_server_from_spec_example(demo_estate: Estate) -> None:
    ex = example("sql/ServerGet.json")
    transport, session = _replay(demo_estate, from_example(ex, "GET", "/servers/sqlcrudtest-4645"))

    server = sql.get_server(session, _server("japaneast", "sqlcrudtest-4645", rg="sqlcrudtest-7398"))

    assert server == {
        "name": "sqlcrudtest-4645",
        "state": "Ready",
        "fqdn": "sqlcrudtest-4645.database.windows.net",
        "version": "12.0",
        "location": "japaneast",
    }
    [url] = _urls(transport)
    assert "/resourceGroups/sqlcrudtest-7398/providers/Microsoft.Sql/servers/sqlcrudtest-4645?" in url
    assert SDK_API_VERSION in url


def test_get_server_from_simulator(session, demo_estate: Estate) -> None:
    server = demo_estate.sql.servers[2]

    assert sql.get_server(session, server) == {
        "name": server.ref.name,
        "state": "Ready",
        "fqdn": f"{server.ref.name}.database.windows.net",
        "version": "12.0",
        "location": "eastus2",
    }


# -- replication links -----------------------------------------------------------------------------
def test_list_replication_links_from_spec_example(demo_estate: Estate) -> None:
    ex = example("sql/ReplicationLinkListByDatabase.json")
    transport, session = _replay(demo_estate, from_example(ex, "GET", "/databases/tetha-db/replicationLinks"))

    links = sql.list_replication_links(session, _server("japaneast", "sourcesvr"), "tetha-db")

    assert [(link.name, link.partner_server) for link in links] == [
        ("fb92de60-eb87-4a58-b250-3362d0cfdf26", "testsvr"),
        ("6ad1eefc-18a2-4fcb-94f3-4b654ba788d7", "targetsvr"),
    ]
    first = links[0]
    assert (first.database, first.role, first.partner_role, first.partner_database, first.partner_location) == (
        "tetha-db",
        "Primary",
        "Secondary",
        "tetha-db",
        "Japan East",
    )
    assert (first.replication_state, first.percent_complete, first.replication_mode, first.link_type) == (
        "CATCH_UP",
        100,
        "ASYNC",
        "GEO",
    )
    [url] = _urls(transport)
    assert f"{PREFIX}/sourcesvr/databases/tetha-db/replicationLinks?" in url
    assert SDK_API_VERSION in url


def test_list_replication_links_from_simulator(session, demo_estate: Estate) -> None:
    primary, neu, eus2 = demo_estate.sql.servers

    on_primary = sql.list_replication_links(session, primary, "orders")
    on_secondary = sql.list_replication_links(session, neu, "orders")

    assert sorted((link.partner_server, link.role, link.partner_role) for link in on_primary) == [
        (eus2.ref.name, "Primary", "Secondary"),
        (neu.ref.name, "Primary", "Secondary"),
    ]
    assert [(link.partner_server, link.role, link.partner_role, link.partner_location) for link in on_secondary] == [
        (primary.ref.name, "Secondary", "Primary", "West Europe"),
    ]
    for link in on_primary + on_secondary:
        assert (link.database, link.replication_state, link.percent_complete) == ("orders", "CATCH_UP", 100)
        assert (link.replication_mode, link.link_type) == ("ASYNC", "GEO")
    # Both ends of a link name it the same way.
    assert on_secondary[0].name in {link.name for link in on_primary}


# -- failover actions ------------------------------------------------------------------------------
def test_planned_failover_from_spec_example(demo_estate: Estate) -> None:
    ex = example("sql/FailoverGroupFailover.json")
    transport, session = _replay(
        demo_estate,
        from_example(ex, "POST", "/failoverGroups/failover-group-test-3/failover", "202"),
        Canned("GET", MONITOR, 202, None, {"Retry-After": "1"}, once=True),
        from_example(ex, "GET", MONITOR, "200"),
    )

    state = sql.failover(session, EX_DASHED_GROUP, EX_DASHED_SECONDARY, "planned", WaitOptions())

    assert (state.server, state.role, state.location) == ("failover-group-secondary-server", "Primary", "Japan West")
    assert state.partners[0].name == "failover-group-primary-server"
    assert state.role_by_region() == {"japanwest": "Primary", "japaneast": "Secondary"}
    posts = _urls(transport, "POST")
    assert len(posts) == 1
    assert f"{PREFIX}/failover-group-secondary-server/failoverGroups/failover-group-test-3/failover?" in posts[0]
    assert SDK_API_VERSION in posts[0]
    assert [MONITOR.lower() in u.lower() for u in _urls(transport, "GET")] == [True, True]


def test_failover_that_fails_at_the_monitor_raises_the_arm_error(demo_estate: Estate) -> None:
    ex = example("sql/FailoverGroupFailover.json")
    error = {"error": {"code": "PlannedFailoverTimedOut", "message": "timed out contacting the partner"}}
    _, session = _replay(
        demo_estate,
        from_example(ex, "POST", "/failover", "202"),
        Canned("GET", MONITOR, 400, error),
    )

    with pytest.raises(AzureRequestError) as info:
        sql.failover(session, EX_DASHED_GROUP, EX_DASHED_SECONDARY, "planned", WaitOptions())

    assert (info.value.status, info.value.code) == (400, "PlannedFailoverTimedOut")
    assert "failover-group-test-3" in info.value.message


def test_planned_failover_without_waiting_sends_only_the_request(demo_estate: Estate) -> None:
    ex = example("sql/FailoverGroupFailover.json")
    transport, session = _replay(demo_estate, from_example(ex, "POST", "/failover", "202"))

    assert sql.failover(session, EX_DASHED_GROUP, EX_DASHED_SECONDARY, "planned", WaitOptions(wait=False)) is None
    assert [m for m, _, _ in transport.requests] == ["POST"]


def test_forced_failover_from_spec_example(demo_estate: Estate) -> None:
    ex = example("sql/FailoverGroupForceFailoverAllowDataLoss.json")
    transport, session = _replay(demo_estate, from_example(ex, "POST", "/forceFailoverAllowDataLoss", "200"))

    state = sql.failover(session, EX_DASHED_GROUP, EX_DASHED_SECONDARY, "forced", WaitOptions())

    assert (state.server, state.role, state.grace_period_minutes) == ("failover-group-secondary-server", "Primary", 120)
    [post] = _urls(transport, "POST")
    assert f"{PREFIX}/failover-group-secondary-server/failoverGroups/failover-group-test-3/" in post
    assert "/forceFailoverAllowDataLoss?" in post


def test_forced_failover_answered_202_without_a_monitor_reads_the_group(demo_estate: Estate) -> None:
    """The example's bare 202 completes at once with no body: the adapter then reads the target's view."""
    ex = example("sql/FailoverGroupForceFailoverAllowDataLoss.json")
    transport, session = _replay(
        demo_estate,
        from_example(ex, "POST", "/forceFailoverAllowDataLoss", "202"),
        from_example(ex, "GET", "/servers/failover-group-secondary-server/failoverGroups/failover-group-test-3", "200"),
    )

    state = sql.failover(session, EX_DASHED_GROUP, EX_DASHED_SECONDARY, "forced", WaitOptions())

    assert (state.server, state.role) == ("failover-group-secondary-server", "Primary")
    assert [m for m, _, _ in transport.requests] == ["POST", "GET"]


def test_try_planned_failover_from_spec_example(demo_estate: Estate) -> None:
    ex = example("sql/FailoverGroupTryPlannedBeforeForcedFailover.json")
    transport, session = _replay(
        demo_estate,
        from_example(ex, "POST", "/tryPlannedBeforeForcedFailover", "202"),
        Canned("GET", MONITOR, 202, None, {"Retry-After": "1"}, once=True),
        from_example(ex, "GET", MONITOR, "200"),
    )

    state = sql.failover(session, EX_GROUP, EX_SECONDARY, "try-planned", WaitOptions())

    assert (state.server, state.role, state.location) == ("failovergroupsecondaryserver", "Primary", "Japan West")
    assert [(p.name, p.role) for p in state.partners] == [("failovergroupprimaryserver", "Secondary")]
    [post] = _urls(transport, "POST")
    assert f"{PREFIX}/failovergroupsecondaryserver/failoverGroups/failovergrouptest3/" in post
    assert "/tryPlannedBeforeForcedFailover?" in post


@pytest.mark.parametrize("mode", ["planned", "forced", "try-planned"])
def test_failover_on_simulator(session, demo_estate: Estate, mode: str) -> None:
    group = demo_estate.sql
    target = group.servers[1]

    state = sql.failover(session, group, target, mode, WaitOptions())

    assert (state.server, state.role, state.location) == (target.ref.name, "Primary", "North Europe")
    assert state.role_by_region() == {"westeurope": "Secondary", "northeurope": "Primary", "eastus2": "Secondary"}
    assert sql.get_failover_group(session, group).role == "Secondary"  # the old primary agrees
