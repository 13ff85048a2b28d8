"""The outside-change refusal, below the CLI: one definition of a running provisioningState, the
snapshot's `changing` resources, and the guard's verdict (mcctl's own changes are not another's)."""

from __future__ import annotations

import pytest

from mcctl.domain import outside
from mcctl.domain.estate import SafetySettings, Stamp
from mcctl.domain.observed import AppServicePlanState, OriginState, WebAppState
from mcctl.domain.plan import Plan, Step
from mcctl.domain.snapshot import EstateSnapshot
from mcctl.domain.stampview import StampView
from mcctl.ops import steps
from mcctl.ops.guard import CHANGED_OUTSIDE, evaluate, reevaluate
from mcctl.ops.inflight import InFlightStep, Landing

SUB = "00000000-0000-0000-0000-000000000001"


@pytest.mark.parametrize(
    ("state", "running"),
    [
        (None, False),
        ("", False),
        ("Succeeded", False),
        (" failed ", False),
        ("Canceled", False),
        ("Cancelled", False),
        ("Updating", True),
        ("InProgress", True),
        ("Creating", True),
        ("Deleting", True),
    ],
)
def test_one_definition_of_a_running_provisioning_state(state: str | None, running: bool) -> None:
    assert outside.still_provisioning(state) is running
    assert steps.still_provisioning(state) is running  # the step kinds' `pending` use the same one


def _view(name: str, *, plan_state: str = "Succeeded", origin_state: str = "Succeeded") -> StampView:
    stamp = Stamp(name, "westeurope", SUB, f"rg-{name}", f"asp-{name}", f"app-{name}", f"origin-{name}", "https://h/x")
    plan = AppServicePlanState(
        f"/p/{name}", f"asp-{name}", "West Europe", "P1v3", "PremiumV3", 3, 3, 30, "Pending", plan_state
    )
    app = WebAppState(
        f"/a/{name}", f"app-{name}", "West Europe", "Running", True, "Normal", f"{name}.net", f"/p/{name}"
    )
    origin = OriginState(f"/o/{name}", f"origin-{name}", f"{name}.net", "Enabled", 1000, 1, origin_state, "Succeeded")
    return StampView(stamp=stamp, plan=plan, app=app, origin=origin, redis=None, sql_role=None)


def _snapshot() -> EstateSnapshot:
    return EstateSnapshot.from_views(
        [_view("weu-1", plan_state="InProgress"), _view("weu-2", origin_state="Updating"), _view("weu-3")]
    )


def _scale(name: str) -> Step:
    return Step("scale_plan", f"stamp {name}", f"/P/{name}", {"capacity": 3}, {"capacity": 4}, {"stamp": name})


def _plan(*items: Step) -> Plan:
    return Plan("scale", "scale", items)


def test_the_snapshot_lists_the_plans_and_origins_with_an_operation_running() -> None:
    changing = _snapshot().changing

    assert [(c.resource_id, c.state) for c in changing] == [("/p/weu-1", "InProgress"), ("/o/weu-2", "Updating")]
    assert _snapshot().stamp("weu-2").origin_settled is False
    assert "asp-weu-1 (stamp weu-1) is being changed by another client (provisioningState InProgress, status " in (
        changing[0].refusal()
    )


def test_a_step_on_a_resource_another_client_is_changing_is_refused_and_cannot_be_overridden() -> None:
    evaluation = evaluate(_plan(_scale("weu-3"), _scale("weu-1")), _snapshot(), SafetySettings())

    first = evaluation.refused[0]
    assert (first.rule, first.overridable) == (CHANGED_OUTSIDE, False)
    assert "asp-weu-1" in first.message and "asp-weu-3" not in first.message
    assert first.numbers["resources"] == ["/p/weu-1"]  # (ARM ids compare case-insensitively)


def test_steps_elsewhere_pass() -> None:
    evaluation = evaluate(_plan(_scale("weu-3")), _snapshot(), SafetySettings())

    assert CHANGED_OUTSIDE not in [r.rule for r in evaluation.results]


def test_a_touched_resource_counts_and_the_recheck_keeps_it() -> None:
    evaluation = evaluate(
        _plan(_scale("weu-3")), EstateSnapshot.from_views([_view("weu-3")]), SafetySettings(), touches=("/o/weu-2",)
    )
    assert not evaluation.refused  # judged on a snapshot where nothing runs

    again = reevaluate(evaluation, _snapshot(), SafetySettings(), [])

    assert [r.rule for r in again.refused] == [CHANGED_OUTSIDE] and "origin-weu-2" in again.refused[0].message


def test_mcctl_s_own_change_is_not_another_client_s() -> None:
    ours = InFlightStep("op-1", 0, _scale("weu-1"), Landing.RUNNING)

    counted = evaluate(_plan(_scale("weu-1")), _snapshot(), SafetySettings(), in_flight=[ours])
    joined = evaluate(_plan(_scale("weu-1")), _snapshot(), SafetySettings(), explained=("/p/WEU-1",))
    again = reevaluate(joined, _snapshot(), SafetySettings(), [])

    for evaluation in (counted, joined, again):
        assert CHANGED_OUTSIDE not in [r.rule for r in evaluation.results]
