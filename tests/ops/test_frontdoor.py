"""Front Door planning (drain, restore, gradual steps, revert), journaled priors, the health gate,
the propagation check and the status document — against the in-memory simulator."""

from __future__ import annotations

from typing import Any

import pytest

from mcctl.adapters import frontdoor as adapter
from mcctl.adapters.clients import WebResponse
from mcctl.adapters.lro import WaitOptions
from mcctl.domain.frontdoor import Prior, ShiftRequest, Target, parse_steps, plan_drain, plan_restore, plan_revert
from mcctl.domain.plan import Plan
from mcctl.errors import UsageError
from mcctl.ops import frontdoor as ops
from mcctl.ops.frontdoor import journaled_prior, observe, revert_request
from mcctl.ops.inventory import read_inventory
from mcctl.ops.journal import OperationRecord
from mcctl.ops.mutation import GateFailed
from mcctl.sim.providers.cdn import PROPAGATION_SECONDS

EUS2 = Target(region="eastus2")


def _changes(plan: Plan) -> list[tuple[str, int, dict, dict]]:
    return [(s.params["stamp"], s.group, s.before, s.after) for s in plan.steps]


def _patch(session, estate, stamp: str, **changes: Any) -> None:
    adapter.update_origin(session, estate.frontdoor, estate.stamp(stamp).origin, options=WaitOptions(), **changes)


def _record(op: str, kind: str, status: str, steps: list[dict]) -> OperationRecord:
    return OperationRecord(op, {"kind": kind, "plan": {"steps": steps}}, end={"status": status})


def _step(origin: str, before: dict, after: dict, **params: Any) -> dict:
    return {"kind": "set_origin", "before": before, "after": after, "params": {"origin": origin, **params}}


# -- arguments -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "expected"), [("100", (100,)), ("50,90,100", (50, 90, 100)), ("10, 100", (10, 100))])
def test_parse_steps(text, expected) -> None:
    assert parse_steps(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("50,90", "last step must be 100"), ("90,50,100", "must increase"), ("0,100", "from 1 to 100"), ("x", "like")],
)
def test_bad_steps(text, message) -> None:
    with pytest.raises(UsageError, match=message):
        parse_steps(text)


def test_target_needs_exactly_one_known_region_or_stamp(demo_estate) -> None:
    for bad, message in [
        (Target(), "exactly one"),
        (Target("eastus2", "weu-1"), "exactly one"),
        (Target("mars"), "has no stamps"),
        (Target(stamp="x"), "unknown stamp"),
    ]:
        with pytest.raises(UsageError, match=message):
            bad.validate(demo_estate)
    assert [s.name for s in Target("East US 2").stamps(demo_estate)] == ["eus2-1", "eus2-2"]


# -- drain -----------------------------------------------------------------------------------------
def test_drain_region_disables_its_origins_in_one_parallel_group(session, demo_estate) -> None:
    plan = plan_drain(demo_estate, observe(read_inventory(session, demo_estate)), ShiftRequest(EUS2))

    assert plan.kind == "frontdoor-drain" and len(plan.groups) == 1
    assert _changes(plan) == [
        ("eus2-1", 0, {"enabled": True}, {"enabled": False}),
        ("eus2-2", 0, {"enabled": True}, {"enabled": False}),
    ]
    assert plan.steps[0].params["prior"] == {"weight": 1000, "priority": 1}
    assert plan.summary == "drain region eastus2: disable origin-eus2-1, origin-eus2-2"
    assert not any("SQL primary" in n for n in plan.notes)  # eastus2 is a secondary


def test_draining_the_sql_primary_region_warns(session, demo_estate) -> None:
    plan = plan_drain(demo_estate, observe(read_inventory(session, demo_estate)), ShiftRequest(Target("westeurope")))
    assert "westeurope holds the SQL primary of failover group fg-mc-demo" in plan.notes[0]


def test_gradual_drain_lowers_weights_group_by_group_then_disables(session, demo_estate) -> None:
    plan = plan_drain(
        demo_estate,
        observe(read_inventory(session, demo_estate)),
        ShiftRequest(Target(stamp="neu-1"), (50, 90, 100), 60),
    )

    assert _changes(plan) == [
        ("neu-1", 0, {"weight": 1000}, {"weight": 500}),
        ("neu-1", 1, {"weight": 500}, {"weight": 100}),  # each step starts where the previous one left it
        ("neu-1", 2, {"enabled": True}, {"enabled": False}),
    ]
    assert [s.target for s in plan.steps][-1] == "stamp neu-1 origin origin-neu-1 (100%)"
    assert any("wait 60s" in n for n in plan.notes)


def test_gradual_weights_never_go_below_1(session, demo_estate) -> None:
    _patch(session, demo_estate, "neu-1", weight=3)
    plan = plan_drain(
        demo_estate,
        observe(read_inventory(session, demo_estate)),
        ShiftRequest(Target(stamp="neu-1"), (50, 90, 99, 100)),
    )

    assert [s.after for s in plan.steps] == [{"weight": 2}, {"weight": 1}, {"enabled": False}]
    assert [s.group for s in plan.steps] == [0, 1, 2]  # the step that would not lower the weight is gone


def test_draining_a_drained_region_is_an_empty_plan(session, demo_estate) -> None:
    for stamp in ("eus2-1", "eus2-2"):
        _patch(session, demo_estate, stamp, enabled=False)
    plan = plan_drain(demo_estate, observe(read_inventory(session, demo_estate)), ShiftRequest(EUS2, (50, 100)))

    assert plan.empty and plan.summary == "drain region eastus2: already drained"
    assert "origin-eus2-1 (eus2-1) is already disabled" in plan.notes


def test_null_weight_from_the_api_is_planned_as_afd_default(session, sim, demo_estate) -> None:
    sim.store.require(demo_estate.frontdoor.origin_id("origin-neu-2"))["properties"].update(weight=None, priority=None)
    inventory = read_inventory(session, demo_estate)
    assert next(v.origin for v in inventory.views if v.stamp.name == "neu-2").weight is None

    plan = plan_drain(demo_estate, observe(inventory), ShiftRequest(Target(stamp="neu-2"), (50, 100)))

    assert _changes(plan)[0] == ("neu-2", 0, {"weight": 1000}, {"weight": 500})  # null = AFD's default
    assert plan.steps[0].params["prior"] == {"weight": None, "priority": None}
    assert any("no weight in the API (null)" in n for n in plan.notes)


# -- journaled priors ------------------------------------------------------------------------------
def test_journaled_prior_is_the_newest_drain_not_undone_since() -> None:
    origin = "origin-eus2-1"
    drain = _record(
        "d1", ops.DRAIN, "succeeded", [_step(origin, {"enabled": True}, {"enabled": False}, prior={"weight": 700})]
    )
    restore = _record("r1", ops.RESTORE, "succeeded", [_step(origin, {"enabled": False}, {"enabled": True})])
    refused = _record(
        "d2", ops.DRAIN, "refused", [_step(origin, {"enabled": True}, {"enabled": False}, prior={"weight": 1})]
    )
    stopped = _record(
        "d3", ops.DRAIN, "stopped", [_step(origin, {"weight": 900}, {"weight": 450}, prior={"weight": 900})]
    )
    other = _record("x", "scale", "succeeded", [])
    foreign = _record(
        "f", "other-tool", "succeeded", [_step(origin, {"enabled": True, "weight": 5}, {"enabled": False})]
    )

    assert journaled_prior([drain], origin) == Prior(700, None, "d1")
    assert journaled_prior([drain, refused, other], origin) == Prior(700, None, "d1")
    assert journaled_prior([drain, restore], origin) is None
    assert journaled_prior([drain, restore, stopped], origin) == Prior(900, None, "d3")
    assert journaled_prior([foreign], origin) == Prior(5, None, "f")
    assert journaled_prior([drain], "origin-weu-1") is None


# -- restore ---------------------------------------------------------------------------------------
def test_restore_uses_the_weights_from_before_the_drain(session, demo_estate) -> None:
    _patch(session, demo_estate, "eus2-1", enabled=False, weight=300)
    drain = _record(
        "op-1",
        ops.DRAIN,
        "succeeded",
        [_step("origin-eus2-1", {}, {"enabled": False}, prior={"weight": 700, "priority": 2})],
    )
    plan = plan_restore(demo_estate, observe(read_inventory(session, demo_estate), [drain]), ShiftRequest(EUS2))

    assert _changes(plan) == [
        ("eus2-1", 0, {"enabled": False, "weight": 300, "priority": 1}, {"enabled": True, "weight": 700, "priority": 2})
    ]  # eus2-2 serves as configured: left alone
    assert "origin-eus2-1 (eus2-1): weight 700, priority 2 from operation op-1" in plan.notes


def test_restore_without_a_journaled_drain_falls_back_to_the_defaults(session, demo_estate) -> None:
    _patch(session, demo_estate, "eus2-2", enabled=False, weight=300, priority=3)
    plan = plan_restore(demo_estate, observe(read_inventory(session, demo_estate)), ShiftRequest(EUS2))

    assert [s.after for s in plan.steps] == [{"enabled": True, "weight": 1000, "priority": 1}]
    assert "from the estate defaults" in plan.notes[0]


def test_restoring_a_serving_region_is_an_empty_plan(session, demo_estate) -> None:
    plan = plan_restore(demo_estate, observe(read_inventory(session, demo_estate)), ShiftRequest(EUS2, (10, 100)))
    assert plan.empty and plan.summary == "restore region eastus2: already serving"


def test_gradual_restore_enables_at_a_small_share_then_raises(session, demo_estate) -> None:
    _patch(session, demo_estate, "neu-1", enabled=False)
    plan = plan_restore(
        demo_estate, observe(read_inventory(session, demo_estate)), ShiftRequest(Target(stamp="neu-1"), (10, 50, 100))
    )

    assert _changes(plan) == [
        ("neu-1", 0, {"enabled": False, "weight": 1000}, {"enabled": True, "weight": 100}),
        ("neu-1", 1, {"weight": 100}, {"weight": 500}),
        ("neu-1", 2, {"weight": 500}, {"weight": 1000}),
    ]


def test_restore_after_a_stopped_gradual_drain_raises_the_weight_back(session, demo_estate) -> None:
    _patch(session, demo_estate, "neu-1", weight=500)
    stopped = _record(
        "op-2",
        ops.DRAIN,
        "stopped",
        [_step("origin-neu-1", {"weight": 1000}, {"weight": 500}, prior={"weight": 1000, "priority": 1})],
    )

    plan = plan_restore(
        demo_estate, observe(read_inventory(session, demo_estate), [stopped]), ShiftRequest(Target(stamp="neu-1"))
    )

    assert _changes(plan) == [("neu-1", 0, {"weight": 500}, {"weight": 1000})]


def test_revert_puts_every_touched_origin_back_in_one_group(session, demo_estate) -> None:
    _patch(session, demo_estate, "eus2-1", weight=100)
    record = _record(
        "op-3",
        ops.DRAIN,
        "stopped",
        [
            _step("origin-eus2-1", {"weight": 1000}, {"weight": 500}, stamp="eus2-1"),
            _step("origin-eus2-1", {"weight": 1000}, {"weight": 100}, stamp="eus2-1"),
            _step("origin-eus2-1", {"enabled": True}, {"enabled": False}, stamp="eus2-1"),
            _step("origin-eus2-2", {"weight": 1000}, {"weight": 500}, stamp="eus2-2"),
        ],
    )
    plan = plan_revert(demo_estate, observe(read_inventory(session, demo_estate)), revert_request(record))

    assert plan.kind == "rollback:frontdoor-drain"
    assert _changes(plan) == [("eus2-1", 0, {"weight": 100}, {"weight": 1000})]  # eus2-2 never changed


# -- the health gate -------------------------------------------------------------------------------
def _gate(session, demo_estate, monkeypatch, verdicts: dict[str, str], **kwargs: Any) -> ops.HealthGate:
    inventory = read_inventory(session, demo_estate)
    plan = plan_drain(demo_estate, observe(inventory), ShiftRequest(EUS2, (50, 90, 100)))
    monkeypatch.setattr(
        ops, "stamp_health", lambda s, e: {name: (status, [f"{name} is {status}"]) for name, status in verdicts.items()}
    )
    return ops.HealthGate(session, demo_estate, plan, inventory.snapshot(), ops.leaving_stamps(plan), **kwargs)


def test_gate_passes_when_serving_stamps_are_not_unhealthy(session, sim, demo_estate, monkeypatch) -> None:
    events: list[str] = []
    verdicts = {"weu-1": "degraded", "neu-1": "unknown", "eus2-1": "unhealthy"}  # eus2 is leaving: not watched
    gate = _gate(session, demo_estate, monkeypatch, verdicts, on_event=events.append)

    gate(0)

    assert gate.watched(0) == ["weu-1", "weu-2", "neu-1", "neu-2"]
    assert events[-1].startswith("health gate before step group 2 of 3: passed")


def test_gate_fails_when_a_stamp_that_keeps_serving_is_unhealthy(session, demo_estate, monkeypatch) -> None:
    gate = _gate(session, demo_estate, monkeypatch, {"neu-2": "unhealthy"})
    with pytest.raises(GateFailed, match=r"before step group 3 of 3: 1 serving stamp\(s\) unhealthy \(neu-2: neu-2 is"):
        gate(1)


def test_gate_fails_when_health_cannot_be_assessed(session, demo_estate, monkeypatch) -> None:
    gate = _gate(session, demo_estate, monkeypatch, {})

    def broken(session, estate):
        raise UsageError("no")

    monkeypatch.setattr(ops, "stamp_health", broken)
    with pytest.raises(GateFailed, match="could not be assessed: no"):
        gate(0)


def test_restore_gate_watches_the_stamps_coming_back(session, demo_estate, monkeypatch) -> None:
    for stamp in ("eus2-1", "eus2-2"):
        _patch(session, demo_estate, stamp, enabled=False)
    inventory = read_inventory(session, demo_estate)
    plan = plan_restore(demo_estate, observe(inventory), ShiftRequest(EUS2, (10, 100)))
    gate = ops.HealthGate(session, demo_estate, plan, inventory.snapshot(), ops.leaving_stamps(plan))

    assert "eus2-1" in gate.watched(0)
    monkeypatch.setattr(ops, "stamp_health", lambda s, e: {"eus2-1": ("unhealthy", ["HTTP 503"])})
    with pytest.raises(GateFailed, match="eus2-1: HTTP 503"):
        gate(0)


# -- propagation check -----------------------------------------------------------------------------
def test_verify_away_passes_once_the_edge_stops_sending_traffic(session, sim, demo_estate) -> None:
    for stamp in ("eus2-1", "eus2-2"):
        _patch(session, demo_estate, stamp, enabled=False)
    started = sim.now()

    result = ops.verify_traffic(session, demo_estate, ["eus2-1", "eus2-2"], count=10, timeout=600, interval=5)

    assert result.passed and result.streak == 10
    assert PROPAGATION_SECONDS <= sim.now() - started < PROPAGATION_SECONDS + 120
    assert set(result.served_by["regions"]) == {"westeurope", "northeurope"}
    assert any(p.stamp and p.stamp.startswith("eus2") for p in result.probes)  # before it propagated
    assert result.to_dict()["passed"] is True and "verified after" in result.describe()


def test_verify_times_out_while_the_region_still_serves(session, sim, demo_estate) -> None:
    started = sim.now()
    result = ops.verify_traffic(session, demo_estate, ["eus2-1"], count=10, timeout=60, interval=5)

    assert not result.passed and 55 <= sim.now() - started <= 61
    assert result.best_streak < 10 and "not verified after 60s" in result.describe()


def test_verify_back_passes_when_every_restored_stamp_answers(session, sim, demo_estate) -> None:
    result = ops.verify_traffic(session, demo_estate, ["neu-1", "neu-2"], mode="back", timeout=60)
    assert result.passed and len(result.probes) <= 6


def test_an_endpoint_that_never_names_the_stamp_fails_fast(session, demo_estate, monkeypatch) -> None:
    monkeypatch.setattr(session, "web_get", lambda url, timeout: WebResponse(200, {}, b"ok", 0.01))
    with pytest.raises(UsageError, match="without a x-mcctl-served-by header"):
        ops.verify_traffic(session, demo_estate, ["eus2-1"], count=3)


def test_connection_errors_count_as_not_verified(session, demo_estate, monkeypatch) -> None:
    from azure.core.exceptions import ServiceRequestError

    def refuse(url, timeout):
        raise ServiceRequestError("connection refused")

    monkeypatch.setattr(session, "web_get", refuse)
    result = ops.verify_traffic(session, demo_estate, ["eus2-1"], count=3, timeout=20, interval=5)
    assert not result.passed and result.probes[-1].error == "ServiceRequestError: connection refused"


# -- status ----------------------------------------------------------------------------------------
def test_traffic_shares_follow_priority_and_weight_with_nulls_as_defaults(session, sim, demo_estate) -> None:
    _patch(session, demo_estate, "eus2-1", priority=2)
    _patch(session, demo_estate, "eus2-2", enabled=False)
    sim.store.require(demo_estate.frontdoor.origin_id("origin-weu-1"))["properties"].update(weight=None, priority=None)
    inventory = read_inventory(session, demo_estate)

    status = ops.frontdoor_status(demo_estate, inventory, adapter.get_origin_group(session, demo_estate.frontdoor))

    rows = {r["stamp"]: r for r in status["origins"]}
    assert rows["weu-1"]["weight"] is None and rows["weu-1"]["traffic_share"] == 0.25
    assert rows["eus2-1"]["traffic_share"] == 0.0 and rows["eus2-1"]["serving"] is True  # a priority-2 backup
    assert rows["eus2-2"]["enabled_state"] == "Disabled" and rows["eus2-2"]["serving"] is False
    assert status["serving_regions"] == ["westeurope", "northeurope", "eastus2"]
    assert status["health_probe"] == {
        "path": "/health/stamp",
        "protocol": "Https",
        "request_type": "GET",
        "interval_seconds": 30,
    }
    regions = {r["region"]: r for r in status["regions"]}
    assert regions["eastus2"]["traffic_share"] == 0.0 and regions["westeurope"]["sql_primary"] is True
