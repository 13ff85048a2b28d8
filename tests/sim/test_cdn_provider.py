"""The simulated Microsoft.Cdn (Front Door) provider, driven through the real azure-mgmt-cdn client."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from mcctl.adapters import frontdoor
from mcctl.adapters.lro import WaitOptions
from mcctl.domain.estate import Estate
from mcctl.errors import AzureRequestError, ResourceMissingError, WaitTimeout
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest
from mcctl.sim.providers.cdn import ORIGIN_UPDATE_SECONDS, PROPAGATION_SECONDS, edge_config

HOST = "https://management.sim.mcctl.invalid"


def _origin_body(sim: Sim, estate: Estate, origin: str) -> dict:
    return sim.store.require(estate.frontdoor.origin_id(origin))


def _origins_client(session, estate: Estate):
    return session.cdn(estate.frontdoor.subscription).afd_origins


def _raw_get(sim: Sim, path: str) -> tuple[int, object]:
    response = sim.handle(SimRequest("GET", f"{HOST}{path}?api-version=2026-10-01", {"Authorization": "Bearer t"}))
    return response.status, response.body


# -- seeding and reads -----------------------------------------------------------------------------
def test_seed_has_one_origin_per_stamp_pointing_at_its_web_app(sim: Sim, demo_estate: Estate) -> None:
    for stamp in demo_estate.stamps:
        props = _origin_body(sim, demo_estate, stamp.origin)["properties"]
        assert props["hostName"] == props["originHostHeader"] == f"{stamp.web_app}.azurewebsites.net"
        assert props["azureOrigin"]["id"] == stamp.app_ref.id
        assert (props["weight"], props["priority"], props["httpPort"], props["httpsPort"]) == (1000, 1, 80, 443)
        assert props["enabledState"] == "Enabled"
        assert "_edge" not in props


def test_profile_lists_in_group_and_subscription(session, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    profiles = session.cdn(fd.subscription).profiles

    in_group = [(p.name, p.kind, p.location, p.sku.name) for p in profiles.list_by_resource_group(fd.resource_group)]
    in_sub = [p.name for p in profiles.list()]

    assert in_group == [(fd.profile, "frontdoor", "Global", "Premium_AzureFrontDoor")]
    assert in_sub == [fd.profile]


def test_routes_and_endpoint_reads(session, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    client = session.cdn(fd.subscription)

    endpoint = client.afd_endpoints.get(fd.resource_group, fd.profile, "mc-demo")
    routes = list(client.routes.list_by_endpoint(fd.resource_group, fd.profile, "mc-demo"))
    route = client.routes.get(fd.resource_group, fd.profile, "mc-demo", routes[0].name)

    assert endpoint.host_name == fd.endpoint_host
    assert [r.name for r in routes] == [route.name]
    assert route.origin_group.id.lower() == f"{fd.profile_ref.id}/originGroups/{fd.origin_group}".lower()
    assert route.patterns_to_match == ["/*"]


def test_requests_route_in_any_casing(sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    origin = demo_estate.stamps[0].origin
    path = (
        f"/subscriptions/{fd.subscription}/resourcegroups/{fd.resource_group}/providers/microsoft.cdn"
        f"/profiles/{fd.profile}/origingroups/{fd.origin_group}/origins/{origin}"
    )

    status, body = _raw_get(sim, path)

    assert status == 200
    assert body["name"] == origin
    assert body["type"] == "Microsoft.Cdn/profiles/origingroups/origins"


def test_unknown_origin_group_is_404_with_arm_error(sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    path = f"{fd.profile_ref.id}/originGroups/og-nope/origins"

    status, body = _raw_get(sim, path)

    assert status == 404
    assert body["error"]["code"] == "ResourceNotFound"
    assert "og-nope" in body["error"]["message"]


# -- paging ----------------------------------------------------------------------------------------
def test_origins_are_paged_with_next_links(session, sim: Sim, demo_estate: Estate) -> None:
    sim.settings["page_size"] = 2

    origins = frontdoor.list_origins(session, demo_estate.frontdoor)

    assert list(origins) == [s.origin for s in demo_estate.stamps]
    pages = [r for r in sim.requests if r.method == "GET" and r.path.lower().endswith("/origins")]
    assert len(pages) == 3  # 6 origins, 2 per page: the SDK followed two nextLinks


def test_first_page_carries_an_absolute_next_link(sim: Sim, demo_estate: Estate) -> None:
    sim.settings["page_size"] = 2
    fd = demo_estate.frontdoor

    status, body = _raw_get(sim, f"{fd.profile_ref.id}/originGroups/{fd.origin_group}/origins")

    assert status == 200
    assert len(body["value"]) == 2
    assert body["nextLink"].startswith(f"{HOST}/subscriptions/")


# -- origin PATCH as an LRO ------------------------------------------------------------------------
def test_patch_changes_state_only_at_completion(session, sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    name = demo_estate.stamps[0].origin
    seen: list[tuple[str, str, str]] = []

    def on_progress(status: str) -> None:
        # Called by the SDK's poller after each monitor answer: what does ARM hold at that moment?
        stored = _origin_body(sim, demo_estate, name)["properties"]["enabledState"]
        shown = frontdoor.get_origin(session, fd, name)
        seen.append((status, stored, shown.provisioning_state))

    started = sim.now()
    result = frontdoor.update_origin(session, fd, name, enabled=False, options=WaitOptions(on_progress=on_progress))

    running = [entry for entry in seen if entry[0] == "InProgress"]
    assert running and all(entry[1:] == ("Enabled", "Updating") for entry in running)
    assert seen[-1] == ("Succeeded", "Disabled", "Succeeded")
    assert result is not None and result.enabled_state == "Disabled"
    assert (result.provisioning_state, result.deployment_status) == ("Succeeded", "Succeeded")
    assert sim.now() - started >= ORIGIN_UPDATE_SECONDS - 1  # it took simulated time, no real sleep


def test_no_wait_patch_applies_when_simulated_time_passes(session, sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    name = demo_estate.stamps[0].origin

    assert frontdoor.update_origin(session, fd, name, weight=300, options=WaitOptions(wait=False)) is None

    during = frontdoor.get_origin(session, fd, name)
    assert (during.weight, during.provisioning_state, during.deployment_status) == (1000, "Updating", "InProgress")
    sim.advance(ORIGIN_UPDATE_SECONDS)
    after = frontdoor.get_origin(session, fd, name)
    assert (after.weight, after.provisioning_state, after.deployment_status) == (300, "Succeeded", "Succeeded")


def test_patch_initial_response_is_202_with_async_operation(sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    url = f"{HOST}{fd.origin_id(demo_estate.stamps[0].origin)}?api-version=2026-10-01"

    response = sim.handle(SimRequest("PATCH", url, {"Authorization": "Bearer t"}, b'{"properties": {"weight": 7}}'))

    assert response.status == 202
    assert response.body["properties"]["weight"] == 1000  # the current body, not the requested one
    assert "/providers/Microsoft.Cdn/operationresults/" in response.headers["Azure-AsyncOperation"]
    monitor = sim.handle(SimRequest("GET", response.headers["Azure-AsyncOperation"], {"Authorization": "Bearer t"}))
    assert (monitor.status, monitor.body["status"]) == (200, "InProgress")
    sim.advance(ORIGIN_UPDATE_SECONDS)
    monitor = sim.handle(SimRequest("GET", response.headers["Azure-AsyncOperation"], {"Authorization": "Bearer t"}))
    assert monitor.body["status"] == "Succeeded"


def test_patch_merges_only_given_properties(session, sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    name = demo_estate.stamps[1].origin
    before = dict(_origin_body(sim, demo_estate, name)["properties"])

    frontdoor.update_origin(session, fd, name, priority=3, options=WaitOptions())

    after = _origin_body(sim, demo_estate, name)["properties"]
    assert after["priority"] == 3
    unchanged = ("weight", "enabledState", "hostName", "originHostHeader", "azureOrigin", "httpsPort")
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}


@pytest.mark.parametrize(
    ("properties", "field"),
    [
        ({"weight": 0}, "weight"),
        ({"weight": 1001}, "weight"),
        ({"priority": 6}, "priority"),
        ({"enabledState": "Off"}, "enabledState"),
    ],
)
def test_invalid_patch_is_400_with_arm_error_and_no_state_change(
    session, sim: Sim, demo_estate: Estate, properties: dict, field: str
) -> None:
    fd = demo_estate.frontdoor
    name = demo_estate.stamps[0].origin
    before = sim.store.snapshot()["resources"]

    with pytest.raises(HttpResponseError) as caught:
        _origins_client(session, demo_estate).begin_update(
            fd.resource_group, fd.profile, fd.origin_group, name, {"properties": properties}
        )

    assert caught.value.status_code == 400
    assert caught.value.error.code == "BadRequest"
    assert field in caught.value.error.message
    assert sim.store.data["resources"] == before
    assert not any(op["status"] == "InProgress" for op in sim.store.data["operations"].values())


def test_adapter_turns_weight_zero_into_azure_request_error(session, demo_estate: Estate) -> None:
    with pytest.raises(AzureRequestError) as caught:
        frontdoor.update_origin(
            session, demo_estate.frontdoor, demo_estate.stamps[0].origin, weight=0, options=WaitOptions()
        )

    assert (caught.value.status, caught.value.code) == (400, "BadRequest")


def test_second_patch_while_one_runs_is_409(session, sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    name = demo_estate.stamps[0].origin
    frontdoor.update_origin(session, fd, name, weight=5, options=WaitOptions(wait=False))

    with pytest.raises(AzureRequestError) as caught:
        frontdoor.update_origin(session, fd, name, weight=6, options=WaitOptions(wait=False))

    assert caught.value.status == 409
    sim.advance(ORIGIN_UPDATE_SECONDS)
    assert _origin_body(sim, demo_estate, name)["properties"]["weight"] == 5


def test_throttled_patch_is_retried_by_the_sdk(session, sim: Sim, demo_estate: Estate) -> None:
    sim.add_fault({"kind": "throttle", "method": "PATCH", "path": "/origins/", "count": 1})
    name = demo_estate.stamps[0].origin

    result = frontdoor.update_origin(session, demo_estate.frontdoor, name, enabled=False, options=WaitOptions())

    assert result is not None and result.enabled_state == "Disabled"
    patches = [r.status for r in sim.requests if r.method == "PATCH"]
    assert patches == [429, 202]
    assert sim.faults == []


def test_lro_failure_raises_azure_request_error_and_leaves_config(session, sim: Sim, demo_estate: Estate) -> None:
    sim.add_fault({"kind": "lro_failure", "operation": "cdn.origin.*", "code": "OriginUpdateFailed"})
    fd = demo_estate.frontdoor
    name = demo_estate.stamps[0].origin

    with pytest.raises(AzureRequestError) as caught:
        frontdoor.update_origin(session, fd, name, enabled=False, options=WaitOptions())

    assert caught.value.code == "OriginUpdateFailed"
    assert name in caught.value.message
    assert _origin_body(sim, demo_estate, name)["properties"]["enabledState"] == "Enabled"
    failed = frontdoor.list_origins(session, fd)[name]
    assert (failed.provisioning_state, failed.deployment_status) == ("Failed", "Failed")


def test_wait_timeout_raises_and_the_operation_still_completes(session, sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    name = demo_estate.stamps[0].origin

    with pytest.raises(WaitTimeout) as caught:
        frontdoor.update_origin(session, fd, name, enabled=False, options=WaitOptions(timeout=5))

    assert "operationresults" in caught.value.message
    assert _origin_body(sim, demo_estate, name)["properties"]["enabledState"] == "Enabled"
    sim.advance(ORIGIN_UPDATE_SECONDS)
    assert frontdoor.get_origin(session, fd, name).enabled_state == "Disabled"


def test_unknown_origin_is_resource_missing_naming_it(session, demo_estate: Estate) -> None:
    with pytest.raises(ResourceMissingError) as caught:
        frontdoor.update_origin(session, demo_estate.frontdoor, "origin-nope", enabled=False, options=WaitOptions())

    assert caught.value.status == 404
    assert "origin-nope" in caught.value.message


def test_origin_group_patch_is_an_lro_merging_nested_settings(session, sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    groups = session.cdn(fd.subscription).afd_origin_groups

    groups.begin_update(
        fd.resource_group,
        fd.profile,
        fd.origin_group,
        {"properties": {"healthProbeSettings": {"probePath": "/hc"}}},
        polling=False,  # the default poller runs in a thread and would finish at once in simulated time
    )
    during = frontdoor.get_origin_group(session, fd)
    assert (during.health_probe.path, during.provisioning_state) == ("/health/stamp", "Updating")
    sim.advance(60)

    probe = frontdoor.get_origin_group(session, fd).health_probe
    assert (probe.path, probe.protocol, probe.interval_seconds) == ("/hc", "Https", 30)


# -- the edge --------------------------------------------------------------------------------------
def test_edge_config_lags_the_api_by_the_propagation_delay(session, sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    name = demo_estate.stamps[0].origin

    def edge_state() -> str:
        return next(o for o in edge_config(sim, fd.profile_ref.id) if o["name"] == name)["enabledState"]

    frontdoor.update_origin(session, fd, name, enabled=False, options=WaitOptions())

    assert edge_state() == "Enabled"  # accepted by ARM, not yet on the edge
    sim.advance(PROPAGATION_SECONDS - 5)
    assert edge_state() == "Enabled"
    sim.advance(10)
    assert edge_state() == "Disabled"
    assert len(edge_config(sim, fd.profile_ref.id)) == len(demo_estate.stamps)
    assert "edge" not in str(_origin_body(sim, demo_estate, name))
