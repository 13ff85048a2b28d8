"""SQL failover group status and failover plans, through the real SDK against the in-memory simulator."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mcctl.adapters.clients import AzureSession
from mcctl.domain.estate import Estate
from mcctl.domain.observed import FailoverGroupPartner, FailoverGroupState
from mcctl.domain.plan import Plan
from mcctl.domain.sqlfailover import FailoverRequest, plan_failover, step_mode
from mcctl.domain.sqlfailover_status import MemberRead as _MemberRead
from mcctl.domain.sqlfailover_status import judge
from mcctl.errors import AzureRequestError, PartiallyApplied, UsageError
from mcctl.ops import mutation
from mcctl.ops.inventory import read_inventory
from mcctl.ops.journal import Journal
from mcctl.ops.registry import current_registry
from mcctl.ops.sqlfailover import read_preflight, read_status
from mcctl.ops.steps import executor
from mcctl.sim.app import Sim
from mcctl.sim.providers.sql import lost_writes, set_link_state, sql_state

ALL_CAUGHT_UP = {"CATCH_UP"}


def _plan(session: AzureSession, estate: Estate, **request) -> Plan:
    return plan_failover(estate, read_preflight(session, estate), FailoverRequest(**request))


def _evaluate(session: AzureSession, estate: Estate, plan: Plan, allow_data_loss: bool = False):
    registry = current_registry().rule_registry()  # the built-in rules and the plugins'
    before = read_inventory(session, estate).snapshot()
    return mutation.evaluate(plan, before, estate.safety, {}, allow_data_loss, registry=registry)


def _apply(session: AzureSession, estate: Estate, plan: Plan, tmp_path: Path, timeout: float = 600):
    ctx = mutation.ApplyContext(
        session=session,
        estate=estate,
        journal=Journal(tmp_path / "journal.jsonl"),
        lease=None,
        command="test",
        timeout=timeout,
    )
    evaluation = mutation.Evaluation(plan, (), {})
    return mutation.apply(ctx, evaluation, plan.kind)


def _primary(sim: Sim) -> str:
    return sql_state(sim)["groups"]["fg-mc-demo"]["primary"].rsplit("/", 1)[-1]


# -- status ----------------------------------------------------------------------------------------
def test_status_of_the_seeded_group(session, demo_estate) -> None:
    status = read_status(session, demo_estate)
    data = status.to_dict()

    assert (data["primary_region"], data["primary_server"]) == ("westeurope", "sql-mc-weu")
    assert data["read_write_endpoint"] == {"failover_policy": "Automatic", "grace_period_minutes": 60}
    assert data["databases"] == ["orders", "catalog"]
    assert [(s["region"], s["role"], s["state"]) for s in data["servers"]] == [
        ("westeurope", "Primary", "Ready"),
        ("northeurope", "Secondary", "Ready"),
        ("eastus2", "Secondary", "Ready"),
    ]
    # every link once, read from the primary's end
    assert sorted((link["database"], link["server"], link["partner_server"]) for link in data["links"]) == [
        ("catalog", "sql-mc-weu", "sql-mc-eus2"),
        ("catalog", "sql-mc-weu", "sql-mc-neu"),
        ("orders", "sql-mc-weu", "sql-mc-eus2"),
        ("orders", "sql-mc-weu", "sql-mc-neu"),
    ]
    assert {link["replication_state"] for link in data["links"]} == ALL_CAUGHT_UP
    assert {(link["role"], link["partner_role"], link["replication_mode"]) for link in data["links"]} == {
        ("Primary", "Secondary", "ASYNC")
    }
    assert (data["verdict"], data["failover_ready"], data["problems"]) == ("ready", True, [])


@pytest.mark.parametrize("state", ["SEEDING", "SUSPENDED", "PENDING"])
def test_a_link_not_caught_up_makes_the_group_not_ready(session, sim, demo_estate, state) -> None:
    set_link_state(sim, "eastus2", state, database="catalog", percent_complete=40)

    status = read_status(session, demo_estate)

    assert status.verdict == "not_ready"
    assert [p.message for p in status.problems] == [f"replication link catalog sql-mc-weu → sql-mc-eus2: {state} (40%)"]


def test_an_unknown_link_state_is_degraded(session, sim, demo_estate) -> None:
    set_link_state(sim, "northeurope", "Reseeding", database="orders", percent_complete=100)

    status = read_status(session, demo_estate)

    assert status.verdict == "degraded"
    assert "state not known to mcctl" in status.problems[0].message


def test_a_secondary_region_down_is_reported_and_degraded(session, sim, demo_estate) -> None:
    # issue 15: the primary is fine and northeurope can still take a planned failover: degraded,
    # not "not ready" (its links are SUSPENDED because eastus2 is down, not the group)
    sim.set_outage("eastus2", True)

    status = read_status(session, demo_estate)

    eus2 = status.server_in("eastus2")
    assert eus2 is not None and eus2.error is not None and "GatewayTimeout" in eus2.error
    assert eus2.role == "Secondary"  # known from the other members' views
    assert {p.severity for p in status.problems} == {"degraded"}
    assert status.verdict == "degraded"
    assert status.planned_targets == ("northeurope",)
    assert status.primary_region == "westeurope"


def test_the_primary_region_down_is_not_ready_and_read_from_a_secondary(session, sim, demo_estate) -> None:
    sim.set_outage("westeurope", True)

    status = read_status(session, demo_estate)

    assert status.primary_region == "westeurope" and status.read_from == "sql-mc-neu"
    assert status.primary is not None and status.primary.error is not None
    assert "the primary sql-mc-weu (westeurope) did not answer" in status.problems[0].message
    assert {link.replication_state for link in status.links} == {"SUSPENDED"}
    assert {link.server for link in status.links} == {"sql-mc-neu", "sql-mc-eus2"}


def test_no_member_answering_raises_the_azure_error(session, sim, demo_estate) -> None:
    sim.add_fault({"kind": "error", "method": "GET", "path": "/failoverGroups/", "status": 500, "count": 100})

    with pytest.raises(AzureRequestError):
        read_status(session, demo_estate)


def _view(server: str, primary: str) -> FailoverGroupState:
    regions = {"sql-mc-weu": "West Europe", "sql-mc-neu": "North Europe"}
    return FailoverGroupState(
        id=f"/x/servers/{server}/failoverGroups/fg-mc-demo",
        name="fg-mc-demo",
        server=server,
        location=regions[server],
        role="Primary" if server == primary else "Secondary",
        replication_state="CATCH_UP",
        failover_policy="Manual",
        grace_period_minutes=None,
        partners=tuple(
            FailoverGroupPartner(f"/x/servers/{s}", s, loc, "Primary" if s == primary else "Secondary")
            for s, loc in regions.items()
            if s != server
        ),
        databases=(),
    )


def test_members_that_disagree_about_the_primary_are_not_ready(demo_estate) -> None:
    assert demo_estate.sql is not None
    weu, neu, _ = demo_estate.sql.servers
    reads = [
        _MemberRead(weu, view=_view("sql-mc-weu", "sql-mc-weu"), info={"state": "Ready"}),
        _MemberRead(neu, view=_view("sql-mc-neu", "sql-mc-neu"), info={"state": "Ready"}),
    ]
    sql = dataclasses.replace(demo_estate.sql, servers=(weu, neu))

    status = judge(sql, reads)

    assert status.verdict == "not_ready"
    assert "the members disagree about the primary: westeurope says westeurope, northeurope says northeurope" in (
        status.problems[0].message
    )


# -- planning --------------------------------------------------------------------------------------
def test_planned_failover_plan(session, demo_estate) -> None:
    plan = _plan(session, demo_estate, to="North Europe")

    [step] = plan.steps
    assert plan.summary == (
        "planned failover of SQL failover group fg-mc-demo: westeurope (sql-mc-weu) → northeurope (sql-mc-neu)"
    )
    assert (step.kind, step.before, step.after) == (
        "sql_failover",
        {"primary_region": "westeurope"},
        {"primary_region": "northeurope"},
    )
    assert step.resource_id.endswith("/servers/sql-mc-neu/failoverGroups/fg-mc-demo")
    assert (step.params["mode"], step.params["to_server"], step.params["primary_reachable"]) == (
        "planned",
        "sql-mc-neu",
        True,
    )
    assert len(step.params["links"]) == 4 and step.expected_seconds == 60
    assert (plan.data_loss, plan.confirm_name) == (False, "fg-mc-demo")
    assert "replication links: all 4 CATCH_UP" in plan.notes
    assert any(n.startswith("Front Door in northeurope: origin-neu-1 enabled") for n in plan.notes)
    assert any(n.startswith("Redis in northeurope: linked") for n in plan.notes)
    assert "rollback fails back to westeurope with a planned failover" in plan.notes


@pytest.mark.parametrize("mode", ["forced", "try-planned"])
def test_data_loss_modes_need_the_flag_and_ask_for_the_group_name(session, sim, demo_estate, mode) -> None:
    with pytest.raises(UsageError, match="--allow-data-loss"):
        FailoverRequest("eastus2", mode).validate(demo_estate)
    plan = _plan(session, demo_estate, to="eastus2", mode=mode, allow_data_loss=True)
    assert (plan.data_loss, plan.confirm_name) == (True, "fg-mc-demo")
    assert sim.requests and not [r for r in sim.requests if r.method == "POST"]


def test_the_target_must_be_named_when_there_are_two_secondaries(session, demo_estate) -> None:
    with pytest.raises(UsageError) as info:
        _plan(session, demo_estate)
    assert "has 2 secondaries; name one: northeurope (sql-mc-neu), eastus2 (sql-mc-eus2)" in info.value.message


def test_the_only_secondary_is_the_default_target(session, sim, demo_estate) -> None:
    assert demo_estate.sql is not None
    weu, neu, _ = demo_estate.sql.servers
    # a two-member group: the third server left it (the simulator's group keeps the first two)
    with sim.store.transaction():
        group = sql_state(sim)["groups"]["fg-mc-demo"]
        group["servers"] = group["servers"][:2]
        group["links"] = [e for e in group["links"] if e["secondary"].lower() == neu.ref.id.lower()]
    estate = dataclasses.replace(demo_estate, sql=dataclasses.replace(demo_estate.sql, servers=(weu, neu)))

    plan = _plan(session, estate)

    assert plan.steps[0].after == {"primary_region": "northeurope"}


def test_already_primary_is_an_empty_plan(session, demo_estate) -> None:
    plan = _plan(session, demo_estate, to="westeurope")
    assert plan.empty and plan.summary == "westeurope (sql-mc-weu) is already the primary of fg-mc-demo"


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"to": "westus", "mode": "planned"}, "--to: failover group fg-mc-demo has no server in 'westus'"),
        ({"to": "eastus2", "mode": "hot"}, "--mode: must be one of planned, forced, try-planned"),
        ({"to": "eastus2", "mode": "forced"}, "--mode forced: a forced failover can lose"),
    ],
)
def test_bad_requests_fail_before_any_azure_call(sim, demo_estate, request_, message) -> None:
    with pytest.raises(UsageError, match=message):
        FailoverRequest(**request_).validate(demo_estate)
    assert sim.requests == []


def test_an_estate_without_sql(session, demo_estate) -> None:
    with pytest.raises(UsageError, match="has no SQL failover group"):
        read_status(session, dataclasses.replace(demo_estate, sql=None))


# -- the pre-flight rule ---------------------------------------------------------------------------
def test_links_rule_refuses_a_planned_failover_while_a_link_is_seeding(session, sim, demo_estate) -> None:
    set_link_state(sim, "eastus2", "SEEDING", database="catalog")
    plan = _plan(session, demo_estate, to="northeurope")

    evaluation = _evaluate(session, demo_estate, plan)

    [refused] = evaluation.refused
    assert refused.rule == "sql_links_ready" and "cannot be overridden" in refused.message
    assert "catalog sql-mc-weu → sql-mc-eus2: SEEDING (0%)" in refused.message
    assert "--mode try-planned" in refused.message
    assert "replication links not caught up: catalog sql-mc-weu → sql-mc-eus2: SEEDING (0%)" in plan.notes


def test_links_rule_refuses_any_failover_to_a_seeding_secondary_but_not_to_another(session, sim, demo_estate) -> None:
    set_link_state(sim, "eastus2", "SEEDING", database="catalog")

    to_seeding = _plan(session, demo_estate, to="eastus2", mode="forced", allow_data_loss=True)
    to_other = _plan(session, demo_estate, to="northeurope", mode="forced", allow_data_loss=True)

    refused = _evaluate(session, demo_estate, to_seeding, allow_data_loss=True).refused
    assert [r.rule for r in refused] == ["sql_links_ready"] and "holds no consistent copy" in refused[0].message
    assert _evaluate(session, demo_estate, to_other, allow_data_loss=True).refused == ()


def test_links_rule_passes_a_healthy_plan_and_ignores_a_rollback(session, demo_estate) -> None:
    plan = _plan(session, demo_estate, to="northeurope")
    results = {r.rule: r for r in _evaluate(session, demo_estate, plan).results}
    assert (
        results["sql_links_ready"].passed and results["sql_links_ready"].message == "all 4 replication link(s) CATCH_UP"
    )

    inverse = plan.inverse([0], "roll back")
    assert "sql_links_ready" not in {r.rule for r in _evaluate(session, demo_estate, inverse).results}


def test_target_without_serving_stamps_is_refused_by_the_builtin_rule(session, sim, demo_estate) -> None:
    for stamp in demo_estate.stamps_in("northeurope"):
        with sim.store.transaction():
            origin = sim.store.require(demo_estate.frontdoor.origin_id(stamp.origin))
            origin["properties"]["enabledState"] = "Disabled"
    plan = _plan(session, demo_estate, to="northeurope")

    [refused] = _evaluate(session, demo_estate, plan).refused

    assert refused.rule == "sql_failover_target_serving"
    assert any("origin-neu-1 disabled" in note and "not serving" in note for note in plan.notes)


# -- applying: the sql_failover step kind ----------------------------------------------------------
def test_planned_failover_applies_verifies_and_rolls_back_with_a_planned_failover(
    session, sim, demo_estate, tmp_path
) -> None:
    plan = _plan(session, demo_estate, to="northeurope")

    result = _apply(session, demo_estate, plan, tmp_path)

    assert result.status == "succeeded" and result.outcomes[0].status == "succeeded"
    assert _primary(sim) == "sql-mc-neu"
    assert executor(plan.steps[0]).read(session, demo_estate, plan.steps[0]) == {"primary_region": "northeurope"}
    rollback = plan.inverse([0], "roll back")
    assert _apply(session, demo_estate, rollback, tmp_path).status == "succeeded"
    assert _primary(sim) == "sql-mc-weu"
    assert [(f["to_server"], f["mode"]) for f in sql_state(sim)["failovers"]] == [
        ("sql-mc-neu", "planned"),
        ("sql-mc-weu", "planned"),
    ]


def test_a_forced_failover_fails_back_planned(session, sim, demo_estate, tmp_path) -> None:
    plan = _plan(session, demo_estate, to="eastus2", mode="forced", allow_data_loss=True)
    _apply(session, demo_estate, plan, tmp_path)
    rollback = Plan.from_dict(plan.to_dict()).inverse([0], "roll back")  # as the journal gives it back

    assert (step_mode(plan.steps[0]), step_mode(rollback.steps[0])) == ("forced", "planned")
    assert _apply(session, demo_estate, rollback, tmp_path).status == "succeeded"
    assert [f["mode"] for f in sql_state(sim)["failovers"]] == ["forced", "planned"]
    assert len(lost_writes(sim)) == 1 and _primary(sim) == "sql-mc-weu"


def test_primary_region_down_planned_fails_in_azure_forced_works(session, sim, demo_estate, tmp_path) -> None:
    planned = _plan(session, demo_estate, to="northeurope")
    sim.set_outage("westeurope", True)

    with pytest.raises(AzureRequestError, match="PlannedFailoverTimedOut"):  # what ARM says if the rule is bypassed
        _apply(session, demo_estate, planned, tmp_path)
    assert _primary(sim) == "sql-mc-weu"
    forced = _plan(session, demo_estate, to="northeurope", mode="forced", allow_data_loss=True)
    assert forced.steps[0].params["primary_reachable"] is False

    assert _apply(session, demo_estate, forced, tmp_path).status == "succeeded"
    assert _primary(sim) == "sql-mc-neu"
    assert [w["seconds_of_lag"] for w in lost_writes(sim)] == [30]


def test_try_planned_is_planned_when_it_can_be(session, sim, demo_estate, tmp_path) -> None:
    plan = _plan(session, demo_estate, to="northeurope", mode="try-planned", allow_data_loss=True)
    _apply(session, demo_estate, plan, tmp_path)
    assert [f["mode"] for f in sql_state(sim)["failovers"]] == ["planned"] and lost_writes(sim) == []


def test_verification_needs_both_ends_to_agree(session, sim, demo_estate, tmp_path, monkeypatch) -> None:
    """If the old primary still says it is primary after the operation, the step is not verified."""
    from mcctl.adapters import sql as sqladapter

    plan = _plan(session, demo_estate, to="northeurope")
    real = sqladapter.get_failover_group_from

    def stale_old_primary(session, group, server):
        view = real(session, group, server)
        if server.region == "westeurope" and _primary(sim) == "sql-mc-neu":
            return _view("sql-mc-weu", "sql-mc-weu")
        return view

    monkeypatch.setattr(sqladapter, "get_failover_group_from", stale_old_primary)
    # the failover was sent and ran: an unverified step counts as applied (exit 7), never "nothing changed"
    with pytest.raises(PartiallyApplied, match="verification failed") as info:
        _apply(session, demo_estate, plan, tmp_path)
    assert "members_disagree" in info.value.message
