"""Scale planning on hand-built values (pure domain: no simulator, no session)."""

from __future__ import annotations

import pytest

from mcctl.domain.estate import Cloud, Estate, FrontDoor, Stamp
from mcctl.domain.observed import AppServicePlanState, OriginState, WebAppState
from mcctl.domain.scale import ScaleObserved, ScaleRequest, plan_scale
from mcctl.domain.stampview import StampView
from mcctl.errors import AzureRequestError, UsageError

SUB = "00000000-0000-0000-0000-000000000001"
NAMES = {"weu-1": "westeurope", "weu-2": "westeurope", "eus2-1": "eastus2", "eus2-2": "eastus2"}
STAMPS = tuple(
    Stamp(name, region, SUB, f"rg-{name}", f"asp-{name}", f"app-{name}", f"origin-{name}", f"https://{name}")
    for name, region in NAMES.items()
)
ESTATE = Estate(
    name="demo",
    subscription=SUB,
    cloud=Cloud(),
    credential="default",
    frontdoor=FrontDoor(SUB, "rg-afd", "afd", "og", "demo.azurefd.net"),
    sql=None,
    redis=None,
    stamps=STAMPS,
)


def _view(stamp: Stamp, capacity: int | None, *, maximum: int | None = 30, serving: bool = True) -> StampView:
    name = stamp.app_service_plan
    plan = AppServicePlanState(
        f"/p/{name}", name, stamp.region, "P1v3", "PremiumV3", capacity, capacity, maximum, "Ready", "Succeeded"
    )
    app = WebAppState(f"/a/{stamp.web_app}", stamp.web_app, stamp.region, "Running", True, "Normal", None, None)
    state = "Enabled" if serving else "Disabled"
    origin = OriginState(f"/o/{stamp.origin}", stamp.origin, None, state, 1000, 1, "Succeeded", "Succeeded")
    return StampView(stamp, plan=plan, app=app, origin=origin, redis=None, sql_role=None)


def _observed(capacity: dict[str, int | None] | None = None, *, maximum: int | None = 30) -> ScaleObserved:
    """Every stamp serving, 3 instances unless `capacity` says otherwise."""
    capacity = capacity or {}
    return ScaleObserved(tuple(_view(s, capacity.get(s.name, 3), maximum=maximum) for s in STAMPS))


def test_one_stamp_to_an_absolute_count() -> None:
    plan = plan_scale(ESTATE, _observed(), ScaleRequest(stamp="weu-2", instances=5))
    assert plan.kind == "scale" and plan.summary == "scale stamp weu-2: weu-2 3→5"
    (step,) = plan.steps
    assert (step.kind, step.before, step.after, step.params) == (
        "scale_plan",
        {"capacity": 3},
        {"capacity": 5},
        {"stamp": "weu-2"},
    )
    assert step.target == "stamp weu-2 plan asp-weu-2" and step.expected_seconds == 30 + 20 * 2
    assert step.resource_id == STAMPS[1].plan_ref.id and plan.notes == ()


def test_a_region_by_a_delta_scales_each_stamp_in_one_group() -> None:
    plan = plan_scale(ESTATE, _observed({"eus2-1": 4}), ScaleRequest(region="East US 2", by=-1))
    assert [(s.params["stamp"], s.before["capacity"], s.after["capacity"]) for s in plan.steps] == [
        ("eus2-1", 4, 3),
        ("eus2-2", 3, 2),
    ]
    assert {s.group for s in plan.steps} == {0}
    assert plan.summary == "scale region eastus2: eus2-1 4→3, eus2-2 3→2"


def test_to_carry_counts_the_other_regions_plans_not_what_serves_now() -> None:
    # Issue 13: the load to carry is the region's capacity before the incident, never "serving
    # instances now" (this test pinned the old arithmetic, 4 for eastus2, which left survivors short).
    observed = ScaleObserved(
        (
            _view(STAMPS[0], 3),
            _view(STAMPS[1], 3),
            _view(STAMPS[2], 4),
            _view(STAMPS[3], 5, serving=False),  # drained: still 5 instances of load to carry
        )
    )
    plan = plan_scale(ESTATE, observed, ScaleRequest(region="westeurope", to_carry="eastus2", factor=1.5))
    # (6 here + 9 there) × 1.5 = 22.5 → 23
    assert sum(s.after["capacity"] for s in plan.steps) == 23
    assert any("eastus2 serves 4 now; 9 in its plans" in note for note in plan.notes)


def test_the_current_count_is_an_empty_plan() -> None:
    plan = plan_scale(ESTATE, _observed(), ScaleRequest(stamp="weu-1", instances=3))
    assert plan.empty and plan.summary == "scale stamp weu-1: no change"


def test_targets_outside_the_live_bounds_are_refused() -> None:
    with pytest.raises(UsageError, match="^stamp weu-1: 11 instances is above the maximum of 10 workers of App"):
        plan_scale(ESTATE, _observed(maximum=10), ScaleRequest(stamp="weu-1", instances=11))
    with pytest.raises(UsageError, match=r"^--by: stamp weu-1 would have 0 instances \(minimum 1\)$"):
        plan_scale(ESTATE, _observed(), ScaleRequest(region="westeurope", by=-3))


def test_an_unread_capacity_is_an_azure_error_not_a_guess() -> None:
    with pytest.raises(AzureRequestError, match="stamp weu-1: the App Service plan's capacity could not be read"):
        plan_scale(ESTATE, _observed({"weu-1": None}), ScaleRequest(stamp="weu-1", by=1))


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ScaleRequest(stamp="nope", instances=2), "STAMP: unknown stamp 'nope' (stamps: weu-1, weu-2, eus2-1, eus2-2)"),
        (ScaleRequest(region="westus", instances=2), "--region: 'westus' has no stamps (regions: westeurope, eastus2)"),
        (
            ScaleRequest(region="eastus2", to_carry="mars"),
            "--to-carry: 'mars' has no stamps (regions: westeurope, eastus2)",
        ),
        (ScaleRequest(region="eastus2", to_carry="East US 2"), "--to-carry: must name another region than --region"),
        (ScaleRequest(stamp="weu-1", region="eastus2", by=1), "STAMP or --region: give exactly one"),
    ],
)
def test_selection_errors_name_the_option_and_what_exists(request_: ScaleRequest, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        plan_scale(ESTATE, _observed(), request_)
    assert raised.value.message == message
