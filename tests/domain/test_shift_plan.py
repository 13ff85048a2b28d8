"""`plan_shift` and the `shift-capacity` rule against hand-built observed values (no simulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcctl.config.loader import EstateSource, load_estate
from mcctl.domain.estate import Estate, Lifecycle
from mcctl.domain.frontdoor import FrontDoorObserved, OriginChange, PastOperation, Prior, prior_from_history
from mcctl.domain.observed import OriginState, WebAppState
from mcctl.domain.plan import Plan, PlanKind
from mcctl.domain.safety import RuleContext
from mcctl.domain.shift import (
    GATE,
    SetShiftRequest,
    ShiftSets,
    parse_stamp_set,
    plan_shift,
    shift_capacity,
)
from mcctl.domain.snapshot import EstateSnapshot, StampSnapshot
from mcctl.domain.stampview import StampView
from mcctl.errors import UsageError
from tests.domain.test_frontdoor_plan import _origin

FIXTURE = Path(__file__).parents[1] / "fixtures" / "estate-bluegreen.yaml"


@pytest.fixture
def estate() -> Estate:
    text = FIXTURE.read_text(encoding="utf-8")
    return load_estate(EstateSource(str(FIXTURE), text))


def _observed(estate: Estate, origins: dict[str, OriginState | None] | None = None) -> FrontDoorObserved:
    """Every stamp serving at the defaults, except weu-3 (disabled) and what `origins` says."""
    origins = {"weu-3": _origin("origin-weu-3", enabled=False), **(origins or {})}
    views = []
    for stamp in estate.stamps:
        app = WebAppState(f"/sites/{stamp.web_app}", stamp.web_app, stamp.region, "Running", True, "Normal", None, None)
        origin = origins[stamp.name] if stamp.name in origins else _origin(stamp.origin)
        views.append(StampView(stamp, None, app, origin, None, None))
    return FrontDoorObserved(tuple(views))


def _origin_changes(plan: Plan) -> list[tuple[int, str, dict[str, Any], dict[str, Any]]]:
    return [(s.group, s.params["stamp"], s.before, s.after) for s in plan.steps if s.kind == "set_origin"]


def test_a_gradual_shift_moves_the_weights_of_both_sets_together(estate) -> None:
    request = SetShiftRequest(("weu-1",), ("weu-3",), (10, 50, 100), 300.0)
    plan = plan_shift(estate, _observed(estate), request)

    assert plan.kind == PlanKind.SHIFT == "shift" and plan.gate == GATE and plan.interval == 300.0
    assert _origin_changes(plan) == [
        (0, "weu-3", {"weight": 1000, "enabled": False}, {"weight": 100, "enabled": True}),
        (0, "weu-1", {"weight": 1000}, {"weight": 900}),
        (1, "weu-3", {"weight": 100}, {"weight": 500}),
        (1, "weu-1", {"weight": 900}, {"weight": 500}),
        (2, "weu-3", {"weight": 500}, {"weight": 1000}),
        (2, "weu-1", {"enabled": True}, {"enabled": False}),
    ]
    # the disabling step records the origin's weight/priority before the shift (frontdoor restore)
    last = [s for s in plan.steps if s.after.get("enabled") is False][0]
    assert last.params["prior"] == {"weight": 1000, "priority": 1} and last.params["side"] == "from"
    # a group of its own, after the gate has seen weu-3 carry it all, marks weu-1 retiring (weu-3 is
    # already active in the estate file)
    lifecycle = [(s.group, s.params["stamp"], s.after) for s in plan.steps if s.kind == "set_lifecycle"]
    assert lifecycle == [(3, "weu-1", {"lifecycle": Lifecycle.RETIRING.value})]
    # the preview: each set's share of all edge traffic after each step (7 origins of 1000 → 6 serve)
    assert [dict(t) for t in plan.traffic] == [
        {"from weu-1": 0.15, "to weu-3": 0.0167},
        {"from weu-1": 0.0833, "to weu-3": 0.0833},
        {"from weu-1": 0.0, "to weu-3": 0.1667},
        {"from weu-1": 0.0, "to weu-3": 0.1667},  # (the tags move no traffic)
    ]
    # the gate's settings travel with the plan (resume is gated the same way)
    assert ShiftSets.of(Plan.from_dict(plan.to_dict())).gate == {"max_error_rate": None, "probes": 20}


def test_weights_split_evenly_and_proportionally_and_clamp_to_what_arm_accepts(estate) -> None:
    observed = _observed(
        estate,
        {
            "weu-1": _origin("origin-weu-1", weight=600),
            "weu-2": _origin("origin-weu-2", weight=1000, priority=2),
            "weu-3": _origin("origin-weu-3", enabled=False, weight=5, priority=3),
        },
    )
    request = SetShiftRequest(("weu-3",), ("weu-1", "weu-2"), (1, 100), 60.0)
    # weu-3 is not serving: nothing to shift
    with pytest.raises(UsageError, match="--from: weu-3 serve nothing"):
        plan_shift(estate, observed, request)

    request = SetShiftRequest(("weu-1", "weu-2"), ("weu-3",), (1, 100), 60.0)
    plan = plan_shift(estate, observed, request)
    # W = 1600: at 1% weu-3 gets 16 (at the --from set's lowest priority, 1), each --from origin 99% of its own
    assert _origin_changes(plan) == [
        (0, "weu-3", {"weight": 5, "enabled": False, "priority": 3}, {"weight": 16, "enabled": True, "priority": 1}),
        (0, "weu-1", {"weight": 600}, {"weight": 594}),
        (0, "weu-2", {"weight": 1000}, {"weight": 990}),
        (1, "weu-3", {"weight": 16}, {"weight": 1000}),  # 1600 clamped to 1000
        (1, "weu-1", {"enabled": True}, {"enabled": False}),
        (1, "weu-2", {"enabled": True}, {"enabled": False}),
    ]


def test_a_shift_at_once_is_one_group_with_no_gate(estate) -> None:
    plan = plan_shift(estate, _observed(estate), SetShiftRequest(("weu-1",), ("weu-3",)))
    assert plan.gate is None and plan.interval == 0.0
    assert {s.group for s in plan.steps if s.kind == "set_origin"} == {0}
    assert {s.group for s in plan.steps if s.kind == "set_lifecycle"} == {1}  # once the traffic has moved
    assert ShiftSets.of(plan).gate == {}


@pytest.mark.parametrize(
    ("sources", "targets", "message"),
    [
        ((), ("weu-3",), "--from: name at least one stamp"),
        (("weu-1",), ("nope",), "--to: no stamp 'nope'"),
        (("weu-1",), ("weu-1",), "--to: weu-1 also in --from"),
        (("weu-1",), ("neu-1",), "--to: the sets must cover the same regions"),
        (("weu-1", "neu-1"), ("weu-3",), "--to: the sets must cover the same regions"),
    ],
)
def test_bad_sets_name_the_option(estate, sources, targets, message) -> None:
    with pytest.raises(UsageError, match=message):
        SetShiftRequest(sources, targets).validate(estate)


def test_a_to_stamp_without_origin_hints_stamps_add(estate) -> None:
    with pytest.raises(UsageError, match="--to: stamp weu-3 has no Front Door origin") as caught:
        plan_shift(estate, _observed(estate, {"weu-3": None}), SetShiftRequest(("weu-1",), ("weu-3",)))
    assert caught.value.hint == "mcctl stamps add weu-3"


def test_parse_stamp_set() -> None:
    assert parse_stamp_set("weu-1, weu-2", "--from") == ("weu-1", "weu-2")
    for bad in ("", "weu-1,,weu-2", "weu-1,weu-1"):
        with pytest.raises(UsageError, match="--from:"):
            parse_stamp_set(bad, "--from")


def test_a_shift_counts_as_a_drain_of_the_from_origins_for_restore(estate) -> None:
    plan = plan_shift(estate, _observed(estate), SetShiftRequest(("weu-1",), ("weu-3",), (50, 100)))
    changes = tuple(
        OriginChange(s.params["origin"], s.before, s.after, s.params.get("prior"))
        for s in plan.steps
        if s.kind == "set_origin"
    )
    past = (PastOperation("op-1", plan.kind, "succeeded", changes),)
    assert prior_from_history(past, "origin-weu-1") == Prior(1000, 1, "op-1")
    assert prior_from_history(past, "origin-weu-3") is None


# -- the rule --------------------------------------------------------------------------------------
def _snapshot(instances: dict[str, int]) -> EstateSnapshot:
    return EstateSnapshot(
        tuple(StampSnapshot(name, "westeurope", name != "weu-3", True, count) for name, count in instances.items())
    )


def _verdict(estate: Estate, instances: dict[str, int]):
    plan = plan_shift(estate, _observed(estate), SetShiftRequest(("weu-1",), ("weu-3",), (10, 50, 100)))
    before = _snapshot(instances)
    return shift_capacity(RuleContext(plan, before, plan.project(before), estate.safety))


def test_the_capacity_rule_refuses_the_first_step_that_lands_on_too_few_instances(estate) -> None:
    passed, message, numbers = _verdict(estate, {"weu-1": 4, "weu-2": 4, "weu-3": 1})
    # 50% × 50% × 4 = 1 is enough; 50% × 100% × 4 = 2 is not
    assert passed is False
    assert message.startswith("step 3 (100% to weu-3, 0% left on weu-1): weu-3 run(s) 1 instance(s), below 2")
    assert (numbers["step"], numbers["share"], numbers["to_instances"], numbers["from_instances"]) == (3, 100, 1, 4)

    passed, message, _ = _verdict(estate, {"weu-1": 4, "weu-2": 4, "weu-3": 2})
    assert passed is True and "enough for 100%" in message


def test_the_capacity_rule_judges_only_shifts(estate) -> None:
    plan = plan_shift(estate, _observed(estate), SetShiftRequest(("weu-1",), ("weu-3",), (10, 100)))
    before = _snapshot({"weu-1": 4, "weu-2": 4, "weu-3": 0})
    rollback = plan.inverse([0, 1], "undo")
    assert shift_capacity(RuleContext(rollback, before, rollback.project(before), estate.safety)) is None


def test_weights_above_the_maximum_scale_every_weight_of_the_step_alike(estate) -> None:
    # W = 2000: at 90% weu-3 alone would need 1800 (over Front Door's 1000), so the whole step is
    # scaled by 1000/1800 and the split stays 90/10 instead of 1000 : 200 (83/17)
    request = SetShiftRequest(("weu-1", "weu-2"), ("weu-3",), (90, 100), 60.0)
    plan = plan_shift(estate, _observed(estate), request)
    first = [s for s in plan.steps if s.group == 0 and s.kind == "set_origin"]
    # (weu-3's origin is already at weight 1000 in this estate: its step only enables it)
    weights = {s.params["stamp"]: s.after.get("weight", s.before.get("weight", 1000)) for s in first}
    assert weights["weu-3"] == 1000 and weights["weu-1"] == weights["weu-2"] == 56
    assert round(weights["weu-3"] / sum(weights.values()), 2) == 0.90


def test_a_to_set_that_already_serves_keeps_its_part_and_is_judged_by_the_rule(estate) -> None:
    # weu-3 already serves at 1000 beside weu-2 (1000): W = 2000, weu-3 starts at 50% of the pair
    observed = _observed(estate, {"weu-3": _origin("origin-weu-3")})
    plan = plan_shift(estate, observed, SetShiftRequest(("weu-2",), ("weu-3",), (10, 50, 75, 100), 60.0))
    # 10% and 50% would lower weu-3: left out (a note says so); at 75% weu-3 would need 1500, so the
    # step is scaled by 1000/1500: weu-3 1000, weu-2 333 (75/25); at 100% weu-2 is disabled
    assert _origin_changes(plan) == [
        (0, "weu-2", {"weight": 1000}, {"weight": 333}),
        (1, "weu-2", {"enabled": True}, {"enabled": False}),
    ]
    assert any("would lower it, left out" in note for note in plan.notes)
    # the rule knows both sets though no --to weight changes: 1 instance of weu-3 cannot take 75% of
    # what weu-2 and weu-3 served together (3 + 1 instances)
    sets = ShiftSets.of(plan)
    assert (sets.sources, sets.targets) == (("weu-2",), ("weu-3",))
    stamps = tuple(StampSnapshot(s.name, s.region, True, True, 1 if s.name == "weu-3" else 3) for s in estate.stamps)
    before = EstateSnapshot(stamps)
    verdict = shift_capacity(RuleContext(plan, before, before, estate.safety))
    assert verdict is not None and verdict[0] is False
    assert "of the 4 instance(s) of weu-2, weu-3" in verdict[1]
