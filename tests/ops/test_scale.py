"""Scale planning: targets, bounds and --to-carry arithmetic (no Azure call for bad input)."""

from __future__ import annotations

import pytest

from mcctl.domain.scale import ScaleRequest, carry_targets, plan_scale
from mcctl.errors import UsageError
from mcctl.ops.scale import observe_scale


@pytest.mark.parametrize(
    ("current", "here", "there", "factor", "expected"),
    [
        ({"a": 3, "b": 3}, 6, 6, 1.0, {"a": 6, "b": 6}),  # carry an equal region: double
        ({"a": 3, "b": 3}, 6, 3, 1.0, {"a": 5, "b": 4}),  # odd total: the first stamp takes the remainder
        ({"a": 3, "b": 3}, 6, 6, 1.5, {"a": 9, "b": 9}),  # head-room factor
        ({"a": 3, "b": 3}, 6, 6, 1.25, {"a": 8, "b": 7}),  # 15 rounded up, spread
        ({"a": 8, "b": 2}, 10, 2, 1.0, {"a": 8, "b": 4}),  # never scales a stamp in
        ({"a": 3, "b": 3}, 6, 0, 1.0, {"a": 3, "b": 3}),  # nothing to carry: no change
        ({"a": 1}, 0, 4, 1.0, {"a": 4}),  # a region that serves nothing itself
        ({}, 0, 4, 1.0, {}),
    ],
)
def test_carry_targets(current, here, there, factor, expected) -> None:
    assert carry_targets(current, here, there, factor) == expected


def _plan(session, estate, **request):
    return plan_scale(estate, observe_scale(session, estate), ScaleRequest(**request))


def test_single_stamp_absolute(session, demo_estate) -> None:
    plan = _plan(session, demo_estate, stamp="neu-1", instances=5)
    assert [(s.params["stamp"], s.before, s.after) for s in plan.steps] == [("neu-1", {"capacity": 3}, {"capacity": 5})]
    assert plan.steps[0].expected_seconds == 70 and plan.summary == "scale stamp neu-1: neu-1 3→5"


def test_region_steps_share_one_parallel_group(session, demo_estate) -> None:
    plan = _plan(session, demo_estate, region="North Europe", by=2)
    assert [s.params["stamp"] for s in plan.steps] == ["neu-1", "neu-2"]
    assert {s.group for s in plan.steps} == {0} and len(plan.groups) == 1
    assert [s.after["capacity"] for s in plan.steps] == [5, 5]


def test_to_carry_uses_serving_instances_of_both_regions(session, demo_estate) -> None:
    plan = _plan(session, demo_estate, region="westeurope", to_carry="eastus2", factor=1.0)
    assert [s.after["capacity"] for s in plan.steps] == [6, 6]
    assert "sized to carry eastus2" in plan.notes[0]


def test_scaling_to_the_current_value_is_an_empty_plan(session, demo_estate) -> None:
    assert _plan(session, demo_estate, stamp="weu-1", instances=3).empty


def test_bounds_are_checked_against_the_live_maximum(session, demo_estate) -> None:
    with pytest.raises(UsageError, match="above the maximum of 30 workers"):
        _plan(session, demo_estate, stamp="weu-1", instances=31)
    with pytest.raises(UsageError, match="would have 0 instances"):
        _plan(session, demo_estate, stamp="weu-1", by=-3)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ({"stamp": "weu-1", "instances": 0}, "--instances: must be at least 1"),
        ({"stamp": "weu-1"}, "give exactly one of --instances, --by, --to-carry"),
        ({"stamp": "weu-1", "instances": 2, "by": 1}, "give exactly one"),
        ({"instances": 2}, "STAMP or --region: give exactly one"),
        ({"stamp": "weu-1", "region": "westeurope", "instances": 2}, "STAMP or --region"),
        ({"stamp": "nope", "instances": 2}, "STAMP: unknown stamp 'nope'"),
        ({"region": "westus", "instances": 2}, "--region: 'westus' has no stamps"),
        ({"stamp": "weu-1", "to_carry": "eastus2"}, "--to-carry: needs --region"),
        ({"region": "eastus2", "to_carry": "eastus2"}, "--to-carry: must name another region"),
        ({"stamp": "weu-1", "by": 0}, "--by: must not be 0"),
        ({"region": "eastus2", "to_carry": "westeurope", "factor": 0}, "--factor: must be greater than 0"),
    ],
)
def test_bad_requests_fail_before_any_azure_call(sim, demo_estate, request_, message) -> None:
    with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        ScaleRequest(**request_).validate(demo_estate)
    assert sim.requests == []
