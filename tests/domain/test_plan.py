"""Change plans: steps, parallel groups, timing, serialisation, rollback and projection onto a snapshot."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcctl.domain.plan import Plan, Step, project_step
from mcctl.domain.snapshot import EstateSnapshot, StampSnapshot

PLAN_ID = "/subscriptions/s/resourceGroups/rg-{0}/providers/Microsoft.Web/serverfarms/asp-{0}"
ORIGIN_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cdn/profiles/afd/originGroups/og/origins/o-{0}"


def _scale(stamp: str, before: int, after: int, *, seconds: float = 0.0, group: int = 0) -> Step:
    return Step(
        kind="scale_plan",
        target=f"stamp {stamp} plan asp-{stamp}",
        resource_id=PLAN_ID.format(stamp),
        before={"capacity": before},
        after={"capacity": after},
        params={"stamp": stamp},
        expected_seconds=seconds,
        group=group,
    )


def _origin(stamp: str, before: bool, after: bool, *, seconds: float = 0.0, group: int = 0) -> Step:
    return Step(
        kind="set_origin",
        target=f"stamp {stamp} origin o-{stamp}",
        resource_id=ORIGIN_ID.format(stamp),
        before={"enabled": before},
        after={"enabled": after},
        params={"stamp": stamp},
        expected_seconds=seconds,
        group=group,
    )


def _failover(before: str, after: str, *, seconds: float = 0.0, group: int = 0) -> Step:
    return Step(
        kind="sql_failover",
        target="SQL failover group fg",
        resource_id="/subscriptions/s/resourceGroups/rg/providers/Microsoft.Sql/servers/x/failoverGroups/fg",
        before={"primary_region": before},
        after={"primary_region": after},
        expected_seconds=seconds,
        group=group,
    )


def _snapshot() -> EstateSnapshot:
    return EstateSnapshot(
        (
            StampSnapshot("weu-1", "westeurope", True, True, 3),
            StampSnapshot("weu-2", "westeurope", True, True, 3),
            StampSnapshot("neu-1", "northeurope", False, True, 2),
        ),
        sql_primary="westeurope",
    )


# --- Step -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        pytest.param({"capacity": 3}, {"capacity": 1}, "capacity: 3 → 1", id="one-key"),
        pytest.param({"enabled": True}, {"enabled": False}, "enabled: True → False", id="bool"),
        pytest.param(
            {"enabled": True, "weight": 1000},
            {"enabled": False, "weight": 1000},
            "enabled: True → False, weight: 1000 → 1000",
            id="two-keys-in-order",
        ),
        pytest.param({}, {"capacity": 2}, "capacity: - → 2", id="new-key"),
        pytest.param({"weight": None}, {}, "weight: - → -", id="null-and-missing"),
        pytest.param({"a": 1}, {"b": 2}, "a: 1 → -, b: - → 2", id="before-keys-first"),
        pytest.param({}, {}, "", id="nothing"),
    ],
)
def test_step_change_reads_before_arrow_after(before: dict[str, Any], after: dict[str, Any], change: str) -> None:
    step = Step("set_origin", "t", "/id", before, after)
    assert step.change == change


def test_step_to_dict_has_every_field_and_the_change_text() -> None:
    step = _scale("weu-1", 3, 1, seconds=120.0, group=2)
    assert step.to_dict() == {
        "kind": "scale_plan",
        "target": "stamp weu-1 plan asp-weu-1",
        "resource_id": PLAN_ID.format("weu-1"),
        "before": {"capacity": 3},
        "after": {"capacity": 1},
        "params": {"stamp": "weu-1"},
        "expected_seconds": 120.0,
        "group": 2,
        "change": "capacity: 3 → 1",
    }


@pytest.mark.parametrize(
    "step",
    [
        pytest.param(_scale("weu-1", 3, 1, seconds=90.5, group=1), id="scale_plan"),
        pytest.param(_origin("neu-1", False, True, seconds=30), id="set_origin"),
        pytest.param(_failover("westeurope", "northeurope", seconds=600, group=3), id="sql_failover"),
    ],
)
def test_step_round_trips_through_json(step: Step) -> None:
    assert Step.from_dict(json.loads(json.dumps(step.to_dict()))) == step


def test_step_from_dict_defaults_timing_and_group() -> None:
    data = {"kind": "k", "target": "t", "resource_id": "/id", "before": {}, "after": {"x": 1}, "params": {}}
    step = Step.from_dict(data)
    assert (step.expected_seconds, step.group) == (0.0, 0)


def test_step_from_dict_needs_the_core_fields() -> None:
    with pytest.raises(KeyError):
        Step.from_dict({"kind": "k", "target": "t", "resource_id": "/id", "before": {}, "after": {}})


def test_step_inverse_swaps_before_and_after_and_keeps_the_rest() -> None:
    step = _origin("weu-1", True, False, seconds=45, group=4)
    inverse = step.inverse()
    assert (inverse.before, inverse.after) == ({"enabled": False}, {"enabled": True})
    assert (inverse.kind, inverse.target, inverse.resource_id, inverse.params) == (
        step.kind,
        step.target,
        step.resource_id,
        step.params,
    )
    assert (inverse.expected_seconds, inverse.group) == (45, 4)
    assert inverse.inverse() == step


# --- Plan: groups, timing, serialisation ------------------------------------------------------------


def test_groups_run_in_group_order_with_plan_order_inside_a_group() -> None:
    s0 = _origin("weu-1", True, False, group=1)
    s1 = _origin("weu-2", True, False, group=0)
    s2 = _scale("weu-1", 3, 1, group=1)
    s3 = _scale("weu-2", 3, 1, group=5)
    s4 = _failover("westeurope", "northeurope", group=0)
    plan = Plan("drain", "drain westeurope", (s0, s1, s2, s3, s4))
    assert plan.groups == [[(1, s1), (4, s4)], [(0, s0), (2, s2)], [(3, s3)]]


def test_a_plan_without_steps_is_empty_and_takes_no_time() -> None:
    plan = Plan("scale", "nothing to do", ())
    assert plan.empty
    assert plan.groups == []
    assert plan.expected_seconds == 0


@pytest.mark.parametrize(
    ("timings", "expected"),
    [
        pytest.param([(10, 0)], 10, id="one-step"),
        pytest.param([(10, 0), (20, 1), (30, 2)], 60, id="sequential-groups-add-up"),
        pytest.param([(10, 0), (40, 0), (25, 0)], 40, id="one-parallel-group-takes-its-slowest"),
        pytest.param([(10, 0), (40, 0), (5, 1), (7, 1)], 47, id="max-per-group-summed"),
        pytest.param([(5, 3), (50, 1), (6, 3)], 56, id="sparse-group-numbers"),
        pytest.param([(0, 0), (0, 1)], 0, id="instant-steps"),
    ],
)
def test_expected_seconds_sums_the_slowest_step_of_each_group(
    timings: list[tuple[float, int]], expected: float
) -> None:
    steps = tuple(_scale(f"s{i}", 3, 1, seconds=sec, group=g) for i, (sec, g) in enumerate(timings))
    plan = Plan("scale", "s", steps)
    assert not plan.empty
    assert plan.expected_seconds == expected


def _full_plan() -> Plan:
    return Plan(
        kind="failover",
        summary="forced failover to northeurope",
        steps=(
            _origin("neu-1", False, True, seconds=30, group=0),
            _failover("westeurope", "northeurope", seconds=600, group=1),
            _scale("weu-1", 3, 1, seconds=120, group=2),
            _scale("weu-2", 3, 1, seconds=100, group=2),
        ),
        data_loss=True,
        confirm_name="fg-mc-demo",
        notes=("data written in the last seconds may be lost", "Redis is not touched"),
    )


def test_plan_to_dict_is_the_documented_document() -> None:
    data = _full_plan().to_dict()
    assert data == {
        "kind": "failover",
        "summary": "forced failover to northeurope",
        "steps": [s.to_dict() for s in _full_plan().steps],
        "data_loss": True,
        "confirm_name": "fg-mc-demo",
        "notes": ["data written in the last seconds may be lost", "Redis is not touched"],
        "expected_seconds": 30 + 600 + 120,
        "gate": None,
        "interval": 0.0,
    }
    assert [s["change"] for s in data["steps"]] == [
        "enabled: False → True",
        "primary_region: westeurope → northeurope",
        "capacity: 3 → 1",
        "capacity: 3 → 1",
    ]


@pytest.mark.parametrize(
    "plan",
    [
        pytest.param(_full_plan(), id="everything"),
        pytest.param(Plan("scale", "scale weu-1 to 1", (_scale("weu-1", 3, 1),)), id="defaults"),
        pytest.param(Plan("scale", "nothing", ()), id="empty"),
    ],
)
def test_plan_round_trips_through_json(plan: Plan) -> None:
    text = json.dumps(plan.to_dict())
    assert Plan.from_dict(json.loads(text)) == plan


def test_plan_from_dict_defaults_the_optional_fields() -> None:
    plan = Plan.from_dict({"kind": "scale", "summary": "s", "steps": [_scale("weu-1", 3, 1).to_dict()]})
    assert (plan.data_loss, plan.confirm_name, plan.notes) == (False, None, ())
    assert plan.steps == (_scale("weu-1", 3, 1),)


# --- Plan.inverse: rollback -------------------------------------------------------------------------


def test_inverse_undoes_applied_steps_last_group_first_keeping_parallel_groups() -> None:
    plan = _full_plan()
    rollback = plan.inverse([0, 1, 2, 3], "roll back the failover")
    assert rollback.kind == "rollback:failover"
    assert rollback.summary == "roll back the failover"
    assert [(s.kind, s.params.get("stamp"), s.before, s.after, s.group) for s in rollback.steps] == [
        ("scale_plan", "weu-2", {"capacity": 1}, {"capacity": 3}, 0),
        ("scale_plan", "weu-1", {"capacity": 1}, {"capacity": 3}, 0),
        ("sql_failover", None, {"primary_region": "northeurope"}, {"primary_region": "westeurope"}, 1),
        ("set_origin", "neu-1", {"enabled": True}, {"enabled": False}, 2),
    ]
    # The two scale-ins ran in parallel, so their undo does too (a 30-stamp region must not take 30×).
    assert rollback.expected_seconds == 120 + 600 + 30
    assert (rollback.data_loss, rollback.confirm_name, rollback.notes) == (False, None, ())


@pytest.mark.parametrize(
    ("applied", "undone"),
    [
        pytest.param([], [], id="nothing-applied"),
        pytest.param([0], [0], id="first-only"),
        pytest.param([0, 2], [2, 0], id="gap"),
        pytest.param([2, 0, 1], [2, 1, 0], id="applied-given-out-of-order"),
    ],
)
def test_inverse_covers_only_the_applied_steps(applied: list[int], undone: list[int]) -> None:
    plan = _full_plan()
    rollback = plan.inverse(applied, "undo")
    last = max((plan.steps[i].group for i in undone), default=0)
    assert list(rollback.steps) == [replace(plan.steps[i].inverse(), group=last - plan.steps[i].group) for i in undone]
    assert rollback.empty is (not undone)


def test_a_rollback_round_trips_through_json() -> None:
    rollback = _full_plan().inverse([0, 1], "undo")
    assert Plan.from_dict(json.loads(json.dumps(rollback.to_dict()))) == rollback


# --- projection onto a snapshot ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "stamp", "field", "value"),
    [
        pytest.param(_scale("weu-1", 3, 1), "weu-1", "instances", 1, id="scale_plan-in"),
        pytest.param(_scale("neu-1", 2, 8), "neu-1", "instances", 8, id="scale_plan-out"),
        pytest.param(_origin("weu-2", True, False), "weu-2", "origin_enabled", False, id="set_origin-disable"),
        pytest.param(_origin("neu-1", False, True), "neu-1", "origin_enabled", True, id="set_origin-enable"),
    ],
)
def test_project_moves_the_named_stamp_only(step: Step, stamp: str, field: str, value: object) -> None:
    before = _snapshot()
    after = Plan("k", "s", (step,)).project(before)
    assert getattr(after.stamp(stamp), field) == value
    assert after == before.with_stamp(stamp, **{field: value})


def test_project_scale_coerces_the_capacity_to_int() -> None:
    step = Step("scale_plan", "t", "/id", {"capacity": 3}, {"capacity": "2"}, params={"stamp": "weu-1"})
    assert project_step(step, _snapshot()).stamp("weu-1").instances == 2


def test_project_sql_failover_moves_the_primary_only() -> None:
    before = _snapshot()
    after = Plan("failover", "s", (_failover("westeurope", "northeurope"),)).project(before)
    assert after.sql_primary == "northeurope"
    assert after.stamps == before.stamps


def test_project_set_origin_without_enabled_changes_nothing() -> None:
    step = Step("set_origin", "t", "/id", {"weight": 1000}, {"weight": 500}, params={"stamp": "weu-1"})
    assert Plan("k", "s", (step,)).project(_snapshot()) == _snapshot()


def test_project_of_an_unknown_kind_changes_nothing() -> None:
    step = Step("restart_app", "t", "/id", {"state": "Running"}, {"state": "Running"}, params={"stamp": "weu-1"})
    assert project_step(step, _snapshot()) == _snapshot()


def test_project_applies_steps_in_plan_order() -> None:
    plan = Plan(
        "k",
        "s",
        (
            _origin("weu-1", True, False),
            _scale("weu-1", 3, 5),
            _scale("weu-1", 5, 2),
            _origin("weu-1", False, True),
            _failover("westeurope", "northeurope"),
            _failover("northeurope", "westeurope"),
        ),
    )
    after = plan.project(_snapshot())
    assert after.stamp("weu-1") == StampSnapshot("weu-1", "westeurope", True, True, 2)
    assert after.sql_primary == "westeurope"


def test_project_of_an_empty_plan_is_the_snapshot() -> None:
    assert Plan("k", "s", ()).project(_snapshot()) == _snapshot()


def test_a_registered_projection_is_used_for_its_kind(registry) -> None:
    from mcctl.ops.registry import StepKind

    def _stop(step: Step, snapshot: EstateSnapshot) -> EstateSnapshot:
        return snapshot.with_stamp(step.params["stamp"], app_running=False)

    registry.add_step_kind(StepKind("stop_app", lambda *a: None, lambda *a: {}, project=_stop))
    step = Step("stop_app", "t", "/id", {"state": "Running"}, {"state": "Stopped"}, params={"stamp": "weu-2"})
    after = Plan("k", "s", (step,)).project(_snapshot(), registry.project_step)
    assert after.stamp("weu-2").app_running is False
    assert after.serving_capacity == 3
    assert _stop(step, _snapshot()) == after
    assert Plan("k", "s", (step,)).project(_snapshot()) == _snapshot()  # unknown without the registry


# --- property: applying a plan and then its full rollback restores the snapshot ---------------------

STAMPS = ("a-1", "a-2", "b-1", "c-1")
REGIONS = {"a-1": "eastus2", "a-2": "eastus2", "b-1": "westeurope", "c-1": "northeurope"}

_changes = st.lists(
    st.one_of(
        st.tuples(st.just("scale_plan"), st.sampled_from(STAMPS), st.integers(0, 10)),
        st.tuples(st.just("set_origin"), st.sampled_from(STAMPS), st.booleans()),
        st.tuples(st.just("sql_failover"), st.none(), st.sampled_from(sorted(set(REGIONS.values())))),
    ),
    max_size=12,
)


@st.composite
def _snapshots(draw: st.DrawFn) -> EstateSnapshot:
    stamps = tuple(
        StampSnapshot(name, REGIONS[name], draw(st.booleans()), draw(st.booleans()), draw(st.integers(0, 10)))
        for name in STAMPS
    )
    return EstateSnapshot(stamps, sql_primary=draw(st.sampled_from(sorted(set(REGIONS.values())))))


def _plan_from(snapshot: EstateSnapshot, changes: list[tuple[str, str | None, Any]], groups: list[int]) -> Plan:
    """Steps whose `before` is the state each step finds (as a plan builder records it)."""
    steps = []
    current = snapshot
    # a plan lists its steps in the order they run: groups never go down along the list
    ordered_groups = sorted(groups[n % len(groups)] for n in range(len(changes))) if groups else []
    for n, (kind, stamp, value) in enumerate(changes):
        group = ordered_groups[n] if groups else 0
        if kind == "scale_plan":
            step = _scale(stamp, current.stamp(stamp).instances, value, group=group)
        elif kind == "set_origin":
            step = _origin(stamp, current.stamp(stamp).origin_enabled, value, group=group)
        else:
            step = _failover(current.sql_primary, value, group=group)
        steps.append(step)
        current = project_step(step, current)
    return Plan("mixed", "random", tuple(steps))


@settings(max_examples=200, deadline=None)
@given(_snapshots(), _changes, st.lists(st.integers(0, 3), max_size=4))
def test_rolling_back_every_applied_step_restores_the_snapshot(
    snapshot: EstateSnapshot, changes: list[tuple[str, str | None, Any]], groups: list[int]
) -> None:
    plan = _plan_from(snapshot, changes, groups)
    after = plan.project(snapshot)
    rollback = plan.inverse(list(range(len(plan.steps))), "undo")
    assert rollback.project(after) == snapshot
    assert Plan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan
    assert sorted(i for group in plan.groups for i, _ in group) == list(range(len(plan.steps)))
    assert plan.expected_seconds == sum(max(s.expected_seconds for _, s in g) for g in plan.groups)


@settings(max_examples=200, deadline=None)
@given(_snapshots(), _changes, st.data())
def test_rolling_back_a_prefix_restores_the_snapshot(
    snapshot: EstateSnapshot, changes: list[tuple[str, str | None, Any]], data: st.DataObject
) -> None:
    # A failed run applied the first k steps; rolling those back must return to the start.
    plan = _plan_from(snapshot, changes, [])
    k = data.draw(st.integers(0, len(plan.steps)))
    partial = Plan(plan.kind, plan.summary, plan.steps[:k]).project(snapshot)
    assert plan.inverse(list(range(k)), "undo").project(partial) == snapshot


def test_a_gated_plans_expected_duration_counts_the_waits_between_its_groups() -> None:
    steps = tuple(_scale(f"s{i}", 3, 1, seconds=30, group=g) for i, g in enumerate((0, 1, 2)))
    gated = Plan("scale", "s", steps, gate="health", interval=60)
    assert gated.expected_seconds == 3 * 30 + 2 * 60  # the executor waits the interval before groups 2 and 3
    assert Plan("scale", "s", steps, interval=60).expected_seconds == 90  # no gate: no waits
