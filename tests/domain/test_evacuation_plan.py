"""Evacuate and reinstate planners on hand-built observed values (pure: no simulator, no journal file):
group order and kinds, summary, notes, refusals, the health pre-flight rules, and the rollback order."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from mcctl.domain.capacity import SplitPolicy
from mcctl.domain.estate import Estate, SafetySettings
from mcctl.domain.evacuation import (
    PREFLIGHT,
    EvacuateRequest,
    EvacuationKind,
    EvacuationObserved,
    HealthVerdict,
    plan_evacuation,
)
from mcctl.domain.evacuation_history import PastEvacuation, PastRun, evacuation_in_effect
from mcctl.domain.evacuation_reinstate import ReinstateObserved, ReinstateRequest, plan_reinstatement
from mcctl.domain.evacuation_rules import RULES, region_healthy, survivors_healthy
from mcctl.domain.frontdoor import FrontDoorObserved, Prior
from mcctl.domain.observed import AppServicePlanState, LinkedDatabase, OriginState, RedisDatabaseState, WebAppState
from mcctl.domain.plan import Plan
from mcctl.domain.redisgeo import RedisObserved
from mcctl.domain.safety import RuleContext, RuleRegistry
from mcctl.domain.snapshot import EstateSnapshot
from mcctl.domain.sqlfailover import links_ready
from mcctl.domain.sqlfailover_status import FailoverGroupStatus, LinkStatus, ServerStatus
from mcctl.domain.stampview import StampView
from mcctl.errors import UsageError

SERVERS = {"westeurope": "sql-mc-weu", "northeurope": "sql-mc-neu", "eastus2": "sql-mc-eus2"}
OP = "20261201-101500-ab12"


# -- hand-built observations -----------------------------------------------------------------------
def _view(estate: Estate, name: str, capacity: int = 3, *, enabled: bool = True, weight: int = 1000) -> StampView:
    stamp = estate.stamp(name)
    assert stamp is not None
    plan = AppServicePlanState(
        f"/p/{name}", stamp.app_service_plan, stamp.region, "P1v3", "PremiumV3", capacity, capacity, 30, "Ready", None
    )
    app = WebAppState(f"/a/{name}", stamp.web_app, stamp.region, "Running", True, "Normal", None, None)
    state = "Enabled" if enabled else "Disabled"
    origin = OriginState(f"/o/{name}", stamp.origin, None, state, weight, 1, "Succeeded", None)
    return StampView(stamp, plan, app, origin, None, None)


def _views(estate: Estate, capacity: dict[str, int] | None = None, disabled: tuple[str, ...] = ()) -> tuple:
    capacity = capacity or {}
    return tuple(_view(estate, s.name, capacity.get(s.name, 3), enabled=s.name not in disabled) for s in estate.stamps)


def _sql(primary: str = "westeurope", *, reachable: bool = True) -> FailoverGroupStatus:
    servers = tuple(
        ServerStatus(
            region,
            name,
            "Primary" if region == primary else "Secondary",
            error=None if reachable or region != primary else "HTTP 504 GatewayTimeout",
        )
        for region, name in SERVERS.items()
    )
    links = tuple(
        LinkStatus(
            "orders", SERVERS[primary], primary, "Primary", name, region, "Secondary", "CATCH_UP", None, "ASYNC", None
        )
        for region, name in SERVERS.items()
        if region != primary
    )
    return FailoverGroupStatus(
        "fg-mc-demo", "rg-mc-data", primary, "Automatic", 60, "CATCH_UP", ("orders",), servers, links
    )


def _health(estate: Estate, **status: str) -> dict[str, HealthVerdict]:
    return {
        s.name: HealthVerdict(status.get(s.name.replace("-", "_"), "healthy"), ("health endpoint: HTTP 503",))
        for s in estate.stamps
    }


def _observed(estate: Estate, views: tuple | None = None, **kwargs: Any) -> EvacuationObserved:
    views = views if views is not None else _views(estate)
    priors = kwargs.pop("priors", {})
    frontdoor = FrontDoorObserved(
        views, priors, kwargs.get("sql", _sql()).primary_region if kwargs.get("sql") else None
    )
    kwargs.setdefault("sql", _sql())
    kwargs.setdefault("health", _health(estate))
    return EvacuationObserved(views, frontdoor, **kwargs)


def _layout(plan: Plan) -> list[tuple[int, str, str]]:
    return [(s.group, s.kind, s.params.get("stamp") or s.after.get("primary_region") or "") for s in plan.steps]


def _context(plan: Plan, views: tuple) -> RuleContext:
    before = EstateSnapshot.from_views(list(views), "westeurope")
    return RuleContext(plan, before, plan.project(before), SafetySettings())


# -- evacuate --------------------------------------------------------------------------------------
def test_a_secondary_region_scales_the_survivors_then_drains_gradually(demo_estate) -> None:
    plan = plan_evacuation(demo_estate, _observed(demo_estate), EvacuateRequest("EastUS2", interval=120))

    assert plan.kind == EvacuationKind.EVACUATE == "evacuate"
    assert plan.summary == "evacuate eastus2: scale 4 stamps, drain 2 origins in 2 steps"
    assert _layout(plan) == [
        (0, "scale_plan", "weu-1"),
        (0, "scale_plan", "weu-2"),
        (0, "scale_plan", "neu-1"),
        (0, "scale_plan", "neu-2"),
        (1, "set_origin", "eus2-1"),
        (1, "set_origin", "eus2-2"),
        (2, "set_origin", "eus2-1"),
        (2, "set_origin", "eus2-2"),
    ]
    # 12 serving on the carriers + the region's 6 = 18, proportional to 3/3/3/3
    assert sum(s.after["capacity"] for s in plan.steps if s.kind == "scale_plan") == 18
    assert [s.after for s in plan.steps[4:]] == [{"weight": 500}] * 2 + [{"enabled": False}] * 2
    assert (plan.gate, plan.interval, plan.data_loss) == ("health", 120, False)
    assert "rollback undoes it last first: traffic back on eastus2 first, then the SQL primary back" in plan.notes[0]
    assert "SQL: the primary of fg-mc-demo is in westeurope, not eastus2: no failover" in plan.notes
    assert not any("--verify" in note for note in plan.notes)  # evacuate verifies by itself
    assert plan.steps[0].params[PREFLIGHT] == {
        "rule": "survivors_healthy",
        "region": "eastus2",
        "checked": ["weu-1", "weu-2", "neu-1", "neu-2"],
        "unhealthy": {},
        "unread": [],
    }
    assert plan.traffic[-1] == {"westeurope": 0.5, "northeurope": 0.5, "eastus2": 0.0}
    assert len(plan.traffic) == 3


def test_the_sql_primary_region_fails_over_planned_in_the_middle_to_the_best_survivor(demo_estate) -> None:
    # eastus2 is the bigger survivor: once carried it serves the most instances, so it gets the primary
    views = _views(demo_estate, {"eus2-1": 6, "eus2-2": 6})

    plan = plan_evacuation(demo_estate, _observed(demo_estate, views), EvacuateRequest("westeurope"))

    assert [(g, k) for g, k, _ in _layout(plan)] == [(0, "scale_plan")] * 4 + [(1, "sql_failover")] + [
        (2, "set_origin"),
        (2, "set_origin"),
        (3, "set_origin"),
        (3, "set_origin"),
    ]
    failover = plan.steps[4]
    assert (failover.before, failover.after, failover.params["mode"]) == (
        {"primary_region": "westeurope"},
        {"primary_region": "eastus2"},
        "planned",
    )
    assert plan.summary == (
        "evacuate westeurope: scale 4 stamps, fail SQL over westeurope → eastus2, drain 2 origins in 2 steps"
    )
    assert any(n.startswith("SQL: planned failover westeurope → eastus2 (the secondary whose") for n in plan.notes)
    assert not any("holds the SQL primary" in n for n in plan.notes)  # the drain's warning no longer applies

    chosen = plan_evacuation(
        demo_estate, _observed(demo_estate, views), EvacuateRequest("westeurope", to="northeurope")
    )
    assert chosen.steps[4].after == {"primary_region": "northeurope"}


def test_a_primary_that_does_not_answer_is_refused_without_allow_data_loss_and_forced_with_it(demo_estate) -> None:
    observed = _observed(demo_estate, sql=_sql(reachable=False))

    # not refused by the planner: the plan keeps a planned failover, which the registered rule
    # sql_links_ready refuses (so the refusal is journaled and named in the result like any other)
    planned = plan_evacuation(demo_estate, observed, EvacuateRequest("westeurope"))
    step = next(s for s in planned.steps if s.kind == "sql_failover")
    assert (step.params["mode"], step.params["primary_reachable"], planned.data_loss) == ("planned", False, False)
    passed, message, numbers = links_ready(_context(planned, observed.views)) or (True, "", {})
    assert not passed and numbers["primary_reachable"] is False
    assert "pass --allow-data-loss" in message and "--mode" not in message

    plan = plan_evacuation(demo_estate, observed, EvacuateRequest("westeurope", allow_data_loss=True))
    failover = next(s for s in plan.steps if s.kind == "sql_failover")
    assert failover.params["mode"] == "forced" and failover.params["rollback_mode"] == "planned"
    assert (plan.data_loss, plan.confirm_name) == (True, "fg-mc-demo")
    assert "fail SQL over westeurope → northeurope (forced)" in plan.summary


def test_a_region_drained_by_hand_is_carried_from_its_plans_and_the_note_names_the_drain(demo_estate) -> None:
    views = _views(demo_estate, disabled=("eus2-1", "eus2-2"))
    observed = _observed(demo_estate, views, drained_by={"eus2-1": OP, "eus2-2": OP})

    plan = plan_evacuation(demo_estate, observed, EvacuateRequest("eastus2"))

    assert plan.summary == "evacuate eastus2: scale 4 stamps"
    assert {k for _, k, _ in _layout(plan)} == {"scale_plan"}
    assert sum(s.after["capacity"] for s in plan.steps) == 18  # never "nothing to do" for a drained region
    assert any(f"eastus2 serves 0 now; 6 before operation {OP}" in n for n in plan.notes)
    assert "origin-eus2-1 (eus2-1) is already disabled" in plan.notes


def test_survivors_that_cannot_carry_leave_a_shortfall_for_the_rule(demo_estate) -> None:
    plan = plan_evacuation(demo_estate, _observed(demo_estate), EvacuateRequest("eastus2", factor=10))
    carry = plan.steps[0].params["carry"]
    assert (carry["needed"], carry["planned"]) == (180, 120)  # 4 survivors at their maximum of 30


def test_an_earlier_evacuation_in_effect_sizes_from_before_it(demo_estate) -> None:
    views = _views(demo_estate, {"weu-1": 5, "weu-2": 5, "neu-1": 4, "neu-2": 4}, disabled=("eus2-1", "eus2-2"))
    previous = PastEvacuation(OP, "stopped", "eastus2", {"weu-1": 3, "weu-2": 3, "neu-1": 3, "neu-2": 3})

    again = plan_evacuation(demo_estate, _observed(demo_estate, views, previous=previous), EvacuateRequest("eastus2"))
    assert again.empty and again.summary == "evacuate eastus2: already evacuated"

    more = plan_evacuation(
        demo_estate, _observed(demo_estate, views, previous=previous), EvacuateRequest("eastus2", factor=1.2)
    )
    assert [(s.before, s.after) for s in more.steps] == [
        ({"capacity": 5}, {"capacity": 6}),
        ({"capacity": 5}, {"capacity": 6}),
        ({"capacity": 4}, {"capacity": 5}),
        ({"capacity": 4}, {"capacity": 5}),
    ]
    assert any(n.startswith(f"sized from before operation {OP}") for n in more.notes)


def test_unlink_redis_is_the_last_group_and_needs_the_data_loss_flow(demo_estate) -> None:
    redis = demo_estate.redis
    ids = [m.database_id(redis.database) for m in redis.members]
    databases = {
        m.region: RedisDatabaseState(
            ids[i],
            "default",
            m.ref.name,
            "Succeeded",
            "Running",
            "mc-demo-geo",
            tuple(LinkedDatabase(d, "Linked") for d in ids),
        )
        for i, m in enumerate(redis.members)
    }
    observed = _observed(demo_estate, redis=RedisObserved(databases))

    plan = plan_evacuation(demo_estate, observed, EvacuateRequest("eastus2", unlink_redis=True))

    assert plan.steps[-1].kind == "redis_unlink" and plan.steps[-1].group == 3
    assert (plan.data_loss, plan.confirm_name) == (True, "amr-mc-eus2")
    assert plan.summary.endswith("drain 2 origins in 2 steps, unlink Redis")
    assert any(n.startswith("rollback is refused once eastus2's Redis database is unlinked") for n in plan.notes)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (EvacuateRequest("mars"), "REGION: 'mars' has no stamps"),
        (EvacuateRequest("eastus2", factor=0), "--factor: must be greater than 0"),
        (EvacuateRequest("westeurope", to="westeurope"), "--to: must name another region"),
        (EvacuateRequest("westeurope", to="uksouth"), "--to: failover group fg-mc-demo has no server in 'uksouth'"),
    ],
)
def test_bad_requests_name_the_option(demo_estate, request_, message) -> None:
    with pytest.raises(UsageError, match=message):
        plan_evacuation(demo_estate, _observed(demo_estate), request_)


def test_split_even_levels_the_survivors(demo_estate) -> None:
    views = _views(demo_estate, {"weu-1": 1, "weu-2": 5})
    plan = plan_evacuation(
        demo_estate, _observed(demo_estate, views), EvacuateRequest("eastus2", split=SplitPolicy.EVEN)
    )
    assert {s.params["stamp"]: s.after["capacity"] for s in plan.steps if s.kind == "scale_plan"} == {
        "weu-1": 5,  # weu-2 has 5 already: no step
        "neu-1": 4,
        "neu-2": 4,
    }


def test_rolling_back_an_evacuation_restores_traffic_then_sql_and_scales_in_last(demo_estate) -> None:
    plan = plan_evacuation(demo_estate, _observed(demo_estate), EvacuateRequest("westeurope"))
    inverse = plan.inverse(list(range(len(plan.steps))), "roll back")
    assert [k for _, k, _ in _layout(inverse)] == ["set_origin"] * 4 + ["sql_failover"] + ["scale_plan"] * 4
    assert inverse.steps[0].after == {"enabled": True} and inverse.steps[4].after == {"primary_region": "westeurope"}
    assert [s.group for s in inverse.steps] == [0, 0, 1, 1, 2, 3, 3, 3, 3]


# -- the health pre-flight rules -------------------------------------------------------------------
def test_an_unhealthy_survivor_is_refused_by_a_rule_that_can_be_overridden(demo_estate) -> None:
    views = _views(demo_estate)
    observed = _observed(demo_estate, views, health=_health(demo_estate, neu_2="unhealthy", eus2_1="unhealthy"))
    plan = plan_evacuation(demo_estate, observed, EvacuateRequest("eastus2"))

    passed, message, numbers = survivors_healthy(_context(plan, views))
    assert not passed
    assert message.startswith("1 of 4 surviving stamp(s) unhealthy (neu-2: health endpoint: HTTP 503)")
    assert numbers == {"region": "eastus2", "checked": 4, "unhealthy": 1}  # eus2-1 is leaving: not a survivor
    results = {r.rule: r for r in RuleRegistry(RULES).evaluate(_context(plan, views), {"survivors_healthy": "why"})}
    assert results["survivors_healthy"].overridden and "region_healthy" not in results

    rollback = dataclasses.replace(plan, kind="rollback:evacuate")
    assert survivors_healthy(_context(rollback, views)) is None


# -- reinstate -------------------------------------------------------------------------------------
def _reinstate_observed(estate: Estate, *, sql: str = "northeurope", **kwargs: Any) -> ReinstateObserved:
    views = _views(estate, {"neu-1": 5, "neu-2": 5, "eus2-1": 4, "eus2-2": 4}, disabled=("weu-1", "weu-2"))
    priors = {"origin-weu-1": Prior(800, 2, OP), "origin-weu-2": Prior(1000, 1, OP)}
    kwargs.setdefault("health", _health(estate))
    past = PastEvacuation(
        OP, "succeeded", "westeurope", {"neu-1": 3, "neu-2": 3, "eus2-1": 3, "eus2-2": 3}, "westeurope"
    )
    kwargs.setdefault("evacuation", past)
    return ReinstateObserved(views, FrontDoorObserved(views, priors, sql), _sql(sql), **kwargs)


def test_reinstate_restores_traffic_then_fails_sql_back_then_scales_the_survivors_back(demo_estate) -> None:
    plan = plan_reinstatement(demo_estate, _reinstate_observed(demo_estate), ReinstateRequest("westeurope", sql=True))

    assert plan.kind == EvacuationKind.REINSTATE == "reinstate"
    assert plan.summary == (
        "reinstate westeurope: restore 2 origins in 2 steps, fail SQL back northeurope → westeurope, "
        "scale 4 stamps back"
    )
    assert [(g, k) for g, k, _ in _layout(plan)] == [(0, "set_origin")] * 2 + [(1, "set_origin")] * 2 + [
        (2, "sql_failover")
    ] + [(3, "scale_plan")] * 4
    assert plan.steps[0].after == {"enabled": True, "weight": 400, "priority": 2}  # 50% of the prior 800
    assert plan.steps[2].after == {"weight": 800}  # the priority is back since the first step
    assert plan.steps[4].params["mode"] == "planned"
    assert {s.params["stamp"]: (s.before["capacity"], s.after["capacity"]) for s in plan.steps[5:]} == {
        "neu-1": (5, 3),
        "neu-2": (5, 3),
        "eus2-1": (4, 3),
        "eus2-2": (4, 3),
    }
    assert plan.gate == "health"
    assert any(n.startswith(f"capacities from before operation {OP} (succeeded)") for n in plan.notes)


def test_reinstate_without_sql_leaves_the_primary_and_says_how_to_move_it(demo_estate) -> None:
    plan = plan_reinstatement(demo_estate, _reinstate_observed(demo_estate), ReinstateRequest("westeurope"))
    assert "sql_failover" not in {s.kind for s in plan.steps}
    assert any("--sql fails it back to westeurope" in n for n in plan.notes)


def test_reinstate_with_no_evacuation_journaled_scales_nothing(demo_estate) -> None:
    observed = _reinstate_observed(demo_estate, evacuation=None)
    plan = plan_reinstatement(demo_estate, observed, ReinstateRequest("westeurope", percentages=(100,)))
    assert {s.kind for s in plan.steps} == {"set_origin"} and plan.gate is None
    assert "no evacuation of westeurope in the journal" in " ".join(plan.notes)


def test_an_unhealthy_region_is_refused_by_region_healthy(demo_estate) -> None:
    observed = _reinstate_observed(demo_estate, health=_health(demo_estate, weu_1="unhealthy"))
    plan = plan_reinstatement(demo_estate, observed, ReinstateRequest("westeurope"))
    passed, message, numbers = region_healthy(_context(plan, observed.views))
    assert not passed and numbers == {"region": "westeurope", "checked": 2, "unhealthy": 1}
    assert "reinstating sends traffic back to westeurope" in message
    assert survivors_healthy(_context(plan, observed.views)) is None  # the other command's rule


def test_sql_fail_back_needs_a_group(demo_estate) -> None:
    without = dataclasses.replace(demo_estate, sql=None)
    with pytest.raises(UsageError, match="--sql: estate 'demo' has no SQL failover group"):
        plan_reinstatement(without, _reinstate_observed(demo_estate), ReinstateRequest("westeurope", sql=True))


# -- the journal's evacuations ---------------------------------------------------------------------
def test_the_evacuation_in_effect_merges_reruns_and_ends_with_a_reinstate_or_a_rollback() -> None:
    first = PastRun("op-1", EvacuationKind.EVACUATE, "stopped", "eastus2", {"weu-1": 3}, None)
    second = PastRun("op-2", EvacuationKind.EVACUATE, "succeeded", "eastus2", {"weu-1": 5, "neu-1": 3}, None)
    back = PastRun("op-3", EvacuationKind.REINSTATE, "succeeded", "eastus2")
    stopped_back = PastRun("op-4", EvacuationKind.REINSTATE, "stopped", "eastus2")

    found = evacuation_in_effect((first, second), "eastus2")
    assert found == PastEvacuation("op-1", "stopped", "eastus2", {"weu-1": 3, "neu-1": 3}, None)
    assert evacuation_in_effect((first, second, stopped_back), "eastus2") == found
    assert evacuation_in_effect((first, second, back), "eastus2") is None
    assert evacuation_in_effect((first,), "westeurope") is None
    undone = dataclasses.replace(first, undone=True)
    assert evacuation_in_effect((undone,), "eastus2") is None
