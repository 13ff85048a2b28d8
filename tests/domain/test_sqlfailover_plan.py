"""SQL failover planning and judging on hand-built values (pure domain: no simulator, no session)."""

from __future__ import annotations

import dataclasses

import pytest

from mcctl.domain.estate import (
    Cloud,
    Estate,
    FrontDoor,
    ResourceRef,
    SafetySettings,
    SqlFailoverGroup,
    SqlServer,
    Stamp,
)
from mcctl.domain.observed import FailoverGroupPartner, FailoverGroupState, OriginState, ReplicationLinkState
from mcctl.domain.plan import Plan
from mcctl.domain.safety import RuleContext
from mcctl.domain.snapshot import EstateSnapshot
from mcctl.domain.sqlfailover import FailoverObserved, FailoverRequest, links_ready, plan_failover, step_mode
from mcctl.domain.sqlfailover_status import (
    FailoverGroupStatus,
    LinkStatus,
    MemberRead,
    ServerStatus,
    judge,
)
from mcctl.domain.stampview import StampView
from mcctl.errors import UsageError

SUB = "00000000-0000-0000-0000-000000000001"
SERVERS = {"westeurope": "sql-weu", "northeurope": "sql-neu", "eastus2": "sql-eus2"}
LOCATIONS = {"westeurope": "West Europe", "northeurope": "North Europe", "eastus2": "East US 2"}
SQL = SqlFailoverGroup(
    "fg-demo",
    tuple(SqlServer(r, ResourceRef(SUB, "rg-sql", "Microsoft.Sql/servers", name)) for r, name in SERVERS.items()),
)
NEU_STAMP = Stamp("neu-1", "northeurope", SUB, "rg-neu-1", "asp-neu-1", "app-neu-1", "origin-neu-1", "https://neu")
ESTATE = Estate(
    name="demo",
    subscription=SUB,
    cloud=Cloud(),
    credential="default",
    frontdoor=FrontDoor(SUB, "rg-afd", "afd", "og", "demo.azurefd.net"),
    sql=SQL,
    redis=None,
    stamps=(
        Stamp("weu-1", "westeurope", SUB, "rg-weu-1", "asp-weu-1", "app-weu-1", "origin-weu-1", "https://weu"),
        NEU_STAMP,
    ),
)
ORIGIN = OriginState("/o/origin-neu-1", "origin-neu-1", "neu", "Enabled", 1000, 1, "Succeeded", "Succeeded")
VIEWS = (StampView(NEU_STAMP, plan=None, app=None, origin=ORIGIN, redis=None, sql_role="Secondary"),)


def _link(secondary: str, state: str = "CATCH_UP", database: str = "orders") -> LinkStatus:
    return LinkStatus(
        database=database,
        server="sql-weu",
        region="westeurope",
        role="Primary",
        partner_server=SERVERS[secondary],
        partner_region=secondary,
        partner_role="Secondary",
        replication_state=state,
        percent_complete=None if state == "CATCH_UP" else 0,
        replication_mode="ASYNC",
        link_type="GEO",
    )


def _status(
    *, links: tuple[LinkStatus, ...] | None = None, regions: tuple[str, ...] = tuple(SERVERS)
) -> FailoverGroupStatus:
    """The group as judged: westeurope primary, the other regions secondaries, every link caught up."""
    return FailoverGroupStatus(
        name="fg-demo",
        resource_group="rg-sql",
        primary_region="westeurope",
        failover_policy="Manual",
        grace_period_minutes=None,
        replication_state="CATCH_UP",
        databases=("orders",),
        servers=tuple(
            ServerStatus(r, SERVERS[r], "Primary" if r == "westeurope" else "Secondary", "Ready") for r in regions
        ),
        links=tuple(_link(r) for r in regions if r != "westeurope") if links is None else links,
    )


def _plan(
    status: FailoverGroupStatus | None = None,
    to: str | None = None,
    mode: str = "planned",
    allow_data_loss: bool = False,
) -> Plan:
    observed = FailoverObserved(status or _status(), VIEWS)
    return plan_failover(ESTATE, observed, FailoverRequest(to, mode, allow_data_loss))


# -- planning --------------------------------------------------------------------------------------
def test_a_planned_failover_is_one_step_from_the_primary_to_the_target() -> None:
    plan = _plan(to="North Europe")

    [step] = plan.steps
    assert (
        plan.summary == "planned failover of SQL failover group fg-demo: westeurope (sql-weu) → northeurope (sql-neu)"
    )
    assert (step.kind, step.before, step.after) == (
        "sql_failover",
        {"primary_region": "westeurope"},
        {"primary_region": "northeurope"},
    )
    assert step.resource_id == f"{SQL.servers[1].ref.id}/failoverGroups/fg-demo"  # sent to the target, not the primary
    params = {k: v for k, v in step.params.items() if k != "links"}
    assert params == {
        "mode": "planned",
        "rollback_mode": "planned",
        "to_region": "northeurope",
        "to_server": "sql-neu",
        "from_region": "westeurope",
        "from_server": "sql-weu",
        "primary_reachable": True,
    }
    assert [link["text"] for link in step.params["links"]] == [
        "orders sql-weu → sql-neu: CATCH_UP",
        "orders sql-weu → sql-eus2: CATCH_UP",
    ]
    assert (step.expected_seconds, plan.data_loss, plan.confirm_name, step_mode(step)) == (
        60,
        False,
        "fg-demo",
        "planned",
    )
    assert plan.notes == (
        "replication links: all 2 CATCH_UP",
        "Front Door in northeurope: origin-neu-1 enabled (weight 1000, priority 1, serving unknown)",
        "read-write endpoint failover policy: Manual",
        "rollback fails back to westeurope with a planned failover",
    )


def test_a_forced_failover_may_lose_data_and_fails_back_planned() -> None:
    plan = _plan(to="eastus2", mode="forced", allow_data_loss=True)

    [step] = plan.steps
    assert (plan.data_loss, step.params["mode"], step.expected_seconds) == (True, "forced", 30)
    assert plan.notes[0] == (
        "forced: does not wait for sql-eus2 to catch up; writes not yet replicated from sql-weu are lost "
        "(replication is asynchronous)"
    )
    assert "eastus2 has no stamps in this estate: the new primary would be far from every app" in plan.notes
    rollback = plan.inverse([0], "roll back")
    assert (step_mode(step), step_mode(rollback.steps[0])) == ("forced", "planned")


def test_a_data_loss_mode_without_the_flag_is_refused() -> None:
    with pytest.raises(UsageError, match="--mode try-planned: a try-planned \\(it may force\\) can lose"):
        _plan(to="eastus2", mode="try-planned")


def test_already_the_primary_is_an_empty_plan() -> None:
    plan = _plan(to="westeurope")

    assert plan.empty and plan.steps == ()
    assert plan.summary == "westeurope (sql-weu) is already the primary of fg-demo"
    assert (plan.data_loss, plan.confirm_name) == (False, "fg-demo")


def test_several_secondaries_without_to_is_a_usage_error_naming_to() -> None:
    with pytest.raises(UsageError) as info:
        _plan()

    assert info.value.message == (
        "--to: failover group fg-demo has 2 secondaries; name one: northeurope (sql-neu), eastus2 (sql-eus2)"
    )
    assert info.value.hint == "e.g. mcctl sql failover --to northeurope"


def test_the_only_secondary_is_the_default_target() -> None:
    plan = _plan(_status(regions=("westeurope", "northeurope")))
    assert plan.steps[0].after == {"primary_region": "northeurope"}


def test_no_single_primary_cannot_be_planned() -> None:
    with pytest.raises(UsageError, match="no single primary could be determined"):
        _plan(dataclasses.replace(_status(), primary_region=None), to="northeurope")


def test_an_unreachable_primary_is_noted_and_carried_for_the_rule() -> None:
    status = _status()
    down = dataclasses.replace(status.servers[0], error="GatewayTimeout")
    plan = _plan(dataclasses.replace(status, servers=(down, *status.servers[1:])), to="northeurope")

    assert plan.steps[0].params["primary_reachable"] is False
    assert "the primary sql-weu (westeurope) did not answer: GatewayTimeout" in plan.notes


# -- the pre-flight rule's check -------------------------------------------------------------------
def _rule(plan: Plan) -> tuple[bool, str] | None:
    snapshot = EstateSnapshot((), sql_primary="westeurope")
    verdict = links_ready(RuleContext(plan, snapshot, snapshot, SafetySettings()))
    return None if verdict is None else verdict[:2]


def test_links_rule_refuses_a_planned_failover_while_a_link_is_seeding() -> None:
    seeding = _status(links=(_link("northeurope"), _link("eastus2", "SEEDING")))

    verdict = _rule(_plan(seeding, to="northeurope"))

    assert verdict is not None and not verdict[0]
    message = verdict[1]
    assert message.startswith(
        "planned failover needs every replication link CATCH_UP: orders sql-weu → sql-eus2: SEEDING (0%)"
    )


def test_links_rule_refuses_a_forced_failover_to_a_seeding_secondary_only() -> None:
    seeding = _status(links=(_link("northeurope"), _link("eastus2", "SEEDING")))

    to_seeding = _rule(_plan(seeding, to="eastus2", mode="forced", allow_data_loss=True))
    to_other = _rule(_plan(seeding, to="northeurope", mode="forced", allow_data_loss=True))

    assert to_seeding is not None and not to_seeding[0] and "sql-eus2 holds no consistent copy yet" in to_seeding[1]
    assert to_other == (True, "sql-neu holds a consistent copy of every database")


def test_links_rule_ignores_a_rollback_and_other_plans() -> None:
    plan = _plan(to="northeurope")
    assert _rule(plan) == (True, "all 2 replication link(s) CATCH_UP")
    assert _rule(plan.inverse([0], "roll back")) is None


# -- judging the members' reads --------------------------------------------------------------------
def _view(region: str, primary: str = "westeurope") -> FailoverGroupState:
    return FailoverGroupState(
        id=f"/x/servers/{SERVERS[region]}/failoverGroups/fg-demo",
        name="fg-demo",
        server=SERVERS[region],
        location=LOCATIONS[region],
        role="Primary" if region == primary else "Secondary",
        replication_state="CATCH_UP",
        failover_policy="Manual",
        grace_period_minutes=None,
        partners=tuple(
            FailoverGroupPartner(f"/x/servers/{s}", s, LOCATIONS[r], "Primary" if r == primary else "Secondary")
            for r, s in SERVERS.items()
            if r != region
        ),
        databases=("/x/databases/orders",),
    )


def _raw_link(partner_region: str, role: str, partner_role: str, state: str = "CATCH_UP") -> ReplicationLinkState:
    return ReplicationLinkState(
        id="/x/link",
        name="link",
        database="orders",
        role=role,
        partner_role=partner_role,
        partner_server=SERVERS[partner_region],
        partner_database="orders",
        partner_location=LOCATIONS[partner_region],
        replication_state=state,
        percent_complete=100,
        replication_mode="ASYNC",
        link_type="GEO",
    )


def _reads(eus2_links: bool = True) -> list[MemberRead]:
    weu, neu, eus2 = SQL.servers
    primary_links = [_raw_link("northeurope", "Primary", "Secondary")]
    if eus2_links:
        primary_links.append(_raw_link("eastus2", "Primary", "Secondary"))
    return [
        MemberRead(weu, _view("westeurope"), {"state": "Ready"}, tuple(primary_links)),
        MemberRead(neu, _view("northeurope"), {"state": "Ready"}, (_raw_link("westeurope", "Secondary", "Primary"),)),
        MemberRead(eus2, _view("eastus2"), {"state": "Ready"}, ()),
    ]


def test_judge_a_healthy_group_is_ready_with_each_link_once() -> None:
    status = judge(SQL, _reads())

    assert (status.verdict, status.problems, status.primary_region, status.read_from) == (
        "ready",
        (),
        "westeurope",
        "sql-weu",
    )
    assert [(link.server, link.partner_server, link.partner_region) for link in status.links] == [
        ("sql-weu", "sql-neu", "northeurope"),
        ("sql-weu", "sql-eus2", "eastus2"),
    ]


def test_judge_a_missing_link_is_degraded_but_still_failover_ready() -> None:
    status = judge(SQL, _reads(eus2_links=False))

    assert status.verdict == "degraded" and status.to_dict()["failover_ready"] is True
    assert [p.to_dict() for p in status.problems] == [
        {"severity": "degraded", "message": "database orders has no replication link from sql-weu to sql-eus2"}
    ]


def test_judge_a_seeding_link_is_not_ready() -> None:
    reads = _reads()
    weu = dataclasses.replace(
        reads[0],
        links=(
            _raw_link("northeurope", "Primary", "Secondary"),
            _raw_link("eastus2", "Primary", "Secondary", "SEEDING"),
        ),
    )

    status = judge(SQL, [weu, *reads[1:]])

    assert status.verdict == "not_ready"
    assert [p.message for p in status.problems] == ["replication link orders sql-weu → sql-eus2: SEEDING (100%)"]
