"""Front Door planners against hand-built observed values: no simulator, no session, no journal file."""

from __future__ import annotations

from typing import Any

import pytest

from mcctl.domain.estate import Estate
from mcctl.domain.frontdoor import (
    DRAIN,
    RESTORE,
    FrontDoorObserved,
    OriginChange,
    PastOperation,
    Prior,
    RevertRequest,
    ShiftRequest,
    Target,
    leaving_stamps,
    plan_drain,
    plan_restore,
    plan_revert,
    prior_from_history,
)
from mcctl.domain.frontdoor_status import traffic_shares
from mcctl.domain.frontdoor_verify import Probe, Verification
from mcctl.domain.observed import OriginState, WebAppState
from mcctl.domain.plan import Plan
from mcctl.domain.stampview import StampView
from mcctl.errors import UsageError


def _origin(name: str, *, enabled: bool = True, weight: int | None = 1000, priority: int | None = 1) -> OriginState:
    return OriginState(
        id=f"/origins/{name}",
        name=name,
        host_name=f"{name}.example.net",
        enabled_state="Enabled" if enabled else "Disabled",
        weight=weight,
        priority=priority,
        provisioning_state="Succeeded",
        deployment_status="Succeeded",
    )


def _observed(
    estate: Estate,
    origins: dict[str, OriginState | None] | None = None,
    priors: dict[str, Prior] | None = None,
    sql_primary: str | None = None,
) -> FrontDoorObserved:
    """Every stamp of the estate, serving at the defaults unless `origins` (by stamp name) says otherwise."""
    origins = origins or {}
    views = []
    for stamp in estate.stamps:
        app = WebAppState(f"/sites/{stamp.web_app}", stamp.web_app, stamp.region, "Running", True, "Normal", None, None)
        origin = origins[stamp.name] if stamp.name in origins else _origin(stamp.origin)
        views.append(StampView(stamp, None, app, origin, None, None))
    return FrontDoorObserved(tuple(views), priors or {}, sql_primary)


def _changes(plan: Plan) -> list[tuple[str, int, dict[str, Any], dict[str, Any]]]:
    return [(s.params["stamp"], s.group, s.before, s.after) for s in plan.steps]


def test_gradual_drain_chains_weights_from_the_journaled_prior(demo_estate) -> None:
    # a stopped gradual drain (op-1) left neu-1 at 500; its prior says it had 800 at priority 2
    observed = _observed(
        demo_estate,
        {"neu-1": _origin("origin-neu-1", weight=500)},
        {"origin-neu-1": Prior(800, 2, "op-1")},
    )

    plan = plan_drain(demo_estate, observed, ShiftRequest(Target(stamp="neu-1"), (50, 90, 100), 120))

    assert plan.kind == DRAIN and plan.gate == "health" and plan.interval == 120
    assert _changes(plan) == [
        ("neu-1", 0, {"weight": 500}, {"weight": 400}),  # 50% of the prior 800, from where it is now
        ("neu-1", 1, {"weight": 400}, {"weight": 80}),
        ("neu-1", 2, {"enabled": True}, {"enabled": False}),
    ]
    assert all(s.params["prior"] == {"weight": 800, "priority": 2} for s in plan.steps)
    assert plan.summary == "drain stamp neu-1: disable origin-neu-1 in steps of 50/90/100%"
    assert leaving_stamps(plan) == frozenset({"neu-1"})


def test_drain_at_once_is_one_ungated_group_and_warns_about_the_sql_primary(demo_estate) -> None:
    plan = plan_drain(demo_estate, _observed(demo_estate, sql_primary="westeurope"), ShiftRequest(Target("westeurope")))

    assert [(s.params["stamp"], s.group) for s in plan.steps] == [("weu-1", 0), ("weu-2", 0)]
    assert plan.gate is None and plan.interval == 0.0
    assert plan.notes[0].startswith("westeurope holds the SQL primary of failover group fg-mc-demo")


def test_restore_uses_the_journaled_prior(demo_estate) -> None:
    observed = _observed(
        demo_estate,
        {"eus2-1": _origin("origin-eus2-1", enabled=False, weight=300)},
        {"origin-eus2-1": Prior(700, 2, "op-1")},
    )

    plan = plan_restore(demo_estate, observed, ShiftRequest(Target("eastus2")))

    assert plan.kind == RESTORE
    assert _changes(plan) == [
        ("eus2-1", 0, {"enabled": False, "weight": 300, "priority": 1}, {"enabled": True, "weight": 700, "priority": 2})
    ]  # eus2-2 serves as configured and has no journaled drain: left alone
    assert plan.notes == ("origin-eus2-1 (eus2-1): weight 700, priority 2 from operation op-1",)


def test_a_null_weight_is_planned_as_afd_default_1000(demo_estate) -> None:
    observed = _observed(demo_estate, {"neu-2": _origin("origin-neu-2", weight=None, priority=None)})

    plan = plan_drain(demo_estate, observed, ShiftRequest(Target(stamp="neu-2"), (50, 100)))

    assert _changes(plan)[0] == ("neu-2", 0, {"weight": 1000}, {"weight": 500})
    assert plan.steps[0].params["prior"] == {"weight": None, "priority": None}
    assert "origin-neu-2 (neu-2) has no weight in the API (null): AFD uses 1000" in plan.notes

    disabled = _observed(demo_estate, {"neu-2": _origin("origin-neu-2", enabled=False, weight=None, priority=None)})
    restored = plan_restore(demo_estate, disabled, ShiftRequest(Target(stamp="neu-2")))
    assert [s.after for s in restored.steps] == [{"enabled": True}]  # null reads back as 1000/1: already there
    assert "weight 1000, priority 1 from the estate defaults" in restored.notes[0]


def test_revert_restores_the_values_from_before_the_operation(demo_estate) -> None:
    changes = [
        OriginChange("origin-eus2-1", {"weight": 1000}, {"weight": 500}),
        OriginChange("origin-eus2-1", {"weight": 500}, {"weight": 100}),
        OriginChange("origin-eus2-1", {"enabled": True}, {"enabled": False}),
        OriginChange("origin-eus2-2", {"weight": 1000}, {"weight": 500}),
    ]
    request = RevertRequest.of("op-9", DRAIN, "drain region eastus2: disable ...", changes)
    assert request.starts == (
        ("origin-eus2-1", {"weight": 1000, "enabled": True}),
        ("origin-eus2-2", {"weight": 1000}),
    )
    observed = _observed(demo_estate, {"eus2-1": _origin("origin-eus2-1", enabled=False, weight=100)})

    plan = plan_revert(demo_estate, observed, request)

    assert plan.kind == "rollback:frontdoor-drain" and plan.summary == "revert op-9: drain region eastus2: disable ..."
    assert _changes(plan) == [("eus2-1", 0, {"weight": 100, "enabled": False}, {"weight": 1000, "enabled": True})]


def test_plans_refuse_what_they_cannot_read_or_select(demo_estate) -> None:
    unread = _observed(demo_estate, {"neu-1": None})
    with pytest.raises(UsageError, match="stamp neu-1: its Front Door origin 'origin-neu-1' could not be read"):
        plan_drain(demo_estate, unread, ShiftRequest(Target("northeurope")))
    with pytest.raises(UsageError, match="origin origin-neu-1: not in the estate file or could not be read"):
        plan_revert(demo_estate, unread, RevertRequest("op-1", DRAIN, "", (("origin-neu-1", {"weight": 5}),)))
    with pytest.raises(UsageError, match="^REGION or --stamp: give exactly one$"):
        plan_restore(demo_estate, unread, ShiftRequest(Target()))


def test_prior_from_history_is_the_newest_drain_not_undone_since() -> None:
    origin = "origin-weu-1"
    drained = PastOperation(
        "d1", DRAIN, "succeeded", (OriginChange(origin, {}, {"enabled": False}, {"weight": 700, "priority": 3}),)
    )
    restored = PastOperation("r1", RESTORE, "succeeded", (OriginChange(origin, {"enabled": False}, {"enabled": True}),))
    failed = PastOperation("d2", DRAIN, "failed", (OriginChange(origin, {}, {"enabled": False}, {"weight": 1}),))
    foreign = PastOperation("f1", "other", "stopped", (OriginChange(origin, {"weight": 40}, {"enabled": False}),))

    assert prior_from_history([drained, failed], origin) == Prior(700, 3, "d1")
    assert prior_from_history([drained, restored], origin) is None
    assert prior_from_history([drained, restored, foreign], origin) == Prior(40, None, "f1")
    assert prior_from_history([drained], "origin-weu-2") is None


def test_traffic_shares_and_the_away_verdict() -> None:
    shares = traffic_shares([_origin("a", weight=None), _origin("b", weight=3000), _origin("c", priority=2), None])
    assert shares == [0.25, 0.75, 0.0, None]

    check = Verification("away", "https://fd/", ("eus2-1",), count=2, timeout=60)
    for stamp in ("eus2-1", "weu-1", "eus2-1", "weu-1", "neu-1"):
        check.add(Probe.answer(0.0, 200, {"X-Mcctl-Served-By": f"{stamp}/somewhere"}))
    assert check.passed and check.best_streak == 2 and check.served_by["stamps"] == ["weu-1", "neu-1"]
