"""The simulated ARM's cross-cutting behaviour, seen through the real SDK: paging, LROs, retries,
ARM error bodies, auth, persistence and simulated time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcctl.adapters import web
from mcctl.adapters.lro import WaitOptions
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import demo_source
from mcctl.errors import AuthError, AzureRequestError, ResourceMissingError, WaitTimeout
from mcctl.sim.http import SimRequest
from mcctl.sim.runtime import open_simulator


def _plan(sim, stamp):
    return sim.store.get(stamp.plan_ref.id)


def test_throttled_get_is_retried_after_retry_after_in_simulated_time(session, sim, demo_estate) -> None:
    sim.add_fault({"kind": "throttle", "method": "GET", "path": "/serverfarms/", "count": 2, "retry_after": 7})
    before = sim.now()
    plan = web.get_plan(session, demo_estate.stamps[0])
    assert plan.capacity == 3
    statuses = [r.status for r in sim.requests if "/serverfarms/" in r.path]
    assert statuses == [429, 429, 200]
    assert sim.now() - before >= 14  # the SDK slept Retry-After twice, on the simulated clock
    assert sim.faults == []


def test_persistent_5xx_surfaces_after_the_sdk_retries_with_code(session, sim, demo_estate) -> None:
    sim.add_fault({"kind": "error", "method": "GET", "path": "/sites", "count": 10, "status": 503})
    with pytest.raises(AzureRequestError) as info:
        web.list_web_apps(session, demo_estate.subscription)
    assert info.value.status == 503 and info.value.code == "ServiceUnavailable"
    assert "listing web apps" in info.value.message and "\n" not in info.value.message
    assert len([r for r in sim.requests if r.status == 503]) == 4  # first try + retry_status=3


def test_arm_404_becomes_resource_missing_naming_the_resource(session, demo_estate) -> None:
    from dataclasses import replace

    ghost = replace(demo_estate.stamps[0], app_service_plan="asp-ghost")
    with pytest.raises(ResourceMissingError) as info:
        web.get_plan(session, ghost)
    assert info.value.exit_code == 4 and info.value.code == "ResourceNotFound"
    assert "asp-ghost" in info.value.message


def test_lro_failure_fault_fails_the_wait_with_the_arm_code(session, sim, demo_estate) -> None:
    sim.add_fault({"kind": "lro_failure", "operation": "web.plan.*", "code": "ScaleFailed", "message": "no capacity"})
    with pytest.raises(AzureRequestError) as info:
        web.set_plan_capacity(session, demo_estate.stamps[0], 4, WaitOptions(timeout=600))
    assert info.value.code == "ScaleFailed"
    plan = _plan(sim, demo_estate.stamps[0])
    assert plan["sku"]["capacity"] == 3 and plan["properties"]["provisioningState"] == "Failed"
    assert plan["properties"]["status"] == "Ready"


def test_wait_timeout_is_measured_in_simulated_time_and_the_operation_goes_on(session, sim, demo_estate) -> None:
    stamp = demo_estate.stamps[0]
    with pytest.raises(WaitTimeout) as info:
        web.set_plan_capacity(session, stamp, 20, WaitOptions(timeout=60))  # takes 30 + 17*20 s
    assert info.value.exit_code == 6 and "operationresults" in info.value.message
    assert _plan(sim, stamp)["sku"]["capacity"] == 3
    sim.advance(3600)
    assert _plan(sim, stamp)["sku"]["capacity"] == 20


def test_no_wait_returns_after_submitting(session, sim, demo_estate) -> None:
    stamp = demo_estate.stamps[1]
    assert web.set_plan_capacity(session, stamp, 4, WaitOptions(wait=False)) is None
    assert _plan(sim, stamp)["properties"]["provisioningState"] == "InProgress"
    sim.advance(120)
    assert _plan(sim, stamp)["sku"]["capacity"] == 4


def test_api_version_is_required_and_auth_header_checked(sim) -> None:
    base = "https://management.sim.mcctl.invalid/subscriptions/x/providers/Microsoft.Web/serverfarms"
    no_version = sim.handle(SimRequest("GET", base, {"Authorization": "Bearer t"}))
    assert no_version.status == 400 and no_version.body["error"]["code"] == "MissingApiVersionParameter"
    anonymous = sim.handle(SimRequest("GET", base + "?api-version=2025-05-01", {}))
    assert anonymous.status == 401 and anonymous.body["error"]["code"] == "AuthenticationFailed"
    unknown = sim.handle(SimRequest("GET", base + "/../nothing/here?api-version=1", {"Authorization": "Bearer t"}))
    assert unknown.status == 404 and "error" in unknown.body


def test_sdk_surfaces_401_as_auth_error(demo_estate, sim) -> None:
    class NoAuthHeader:
        def get_token(self, *scopes, **kwargs):
            from azure.core.credentials import AccessToken

            return AccessToken("", 2**31)

    session = simulated_session(demo_estate, sim, credential=NoAuthHeader())
    with pytest.raises(AuthError) as info:
        web.list_plans(session, demo_estate.subscription)
    assert info.value.exit_code == 3


def test_state_is_shared_between_processes_through_the_file(demo_estate, tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    first, reason = open_simulator(demo_estate, "fp1", path=path)
    assert reason == "new"
    second, reason = open_simulator(demo_estate, "fp1", path=path)
    assert reason is None
    simulated_session(demo_estate, first)  # no request needed: state is on disk already
    web.set_plan_capacity(simulated_session(demo_estate, first), demo_estate.stamps[0], 4, WaitOptions())
    plan = web.get_plan(simulated_session(demo_estate, second), demo_estate.stamps[0])
    assert plan.capacity == 4
    on_disk = json.loads(path.read_text())
    assert on_disk["resources"][demo_estate.stamps[0].plan_ref.id.lower()]["sku"]["capacity"] == 4
    assert not list(tmp_path.glob("*.tmp"))  # atomic replace left no temporary file


def test_changed_estate_file_reseeds(demo_estate, tmp_path: Path) -> None:
    path = tmp_path / "demo.json"
    sim, _ = open_simulator(demo_estate, "v1", path=path)
    web.set_plan_capacity(simulated_session(demo_estate, sim), demo_estate.stamps[0], 4, WaitOptions())
    _, reason = open_simulator(demo_estate, "v2", path=path)
    assert reason == "estate file changed"
    fresh, _ = open_simulator(demo_estate, "v2", path=path)
    assert fresh.store.get(demo_estate.stamps[0].plan_ref.id)["sku"]["capacity"] == 3


def test_wall_time_also_completes_operations(demo_estate) -> None:
    now = [1_000_000.0]
    sim, _ = open_simulator(demo_estate, demo_source().fingerprint, persist=False)
    sim.clock._wall = lambda: now[0]
    web.set_plan_capacity(simulated_session(demo_estate, sim), demo_estate.stamps[0], 4, WaitOptions(wait=False))
    now[0] += 3600  # an hour passes for real while nobody polls
    assert web.get_plan(simulated_session(demo_estate, sim), demo_estate.stamps[0]).capacity == 4


def test_scale_above_maximum_is_rejected_with_an_arm_error_and_no_change(session, sim, demo_estate) -> None:
    with pytest.raises(AzureRequestError) as info:
        web.set_plan_capacity(session, demo_estate.stamps[0], 31, WaitOptions())
    assert info.value.status == 400 and "maximum number of workers" in info.value.message
    assert _plan(sim, demo_estate.stamps[0])["sku"]["capacity"] == 3
    assert sim.store.data["operations"] == {}
