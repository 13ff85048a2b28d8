"""Contract tests for mcctl.adapters.frontdoor.

Each adapter function is run twice through the real azure-mgmt-cdn client: once against the spec
example replayed verbatim (what Azure documents), once against the simulator (what `--sim` answers).
Both must yield the domain values the ops layer relies on.
"""

from __future__ import annotations

import json

import pytest

from mcctl.adapters import frontdoor
from mcctl.adapters.lro import WaitOptions
from mcctl.domain.estate import Estate, FrontDoor
from mcctl.domain.observed import HealthProbeSettings
from tests.replay import Canned, ReplayTransport, example, from_example, replay_session

SDK_API_VERSION = "api-version=2026-10-01"
EXAMPLE_PREFIX = "/subscriptions/subid/resourcegroups/RG/providers/Microsoft.Cdn/profiles/profile1"
# The estate entry the spec examples describe (their path parameters).
EXAMPLE_FD = FrontDoor(
    subscription="00000000-0000-0000-0000-000000000000",
    resource_group="RG",
    profile="profile1",
    origin_group="origingroup1",
    endpoint_host="endpoint1-abcdefghijklmnop.z01.azurefd.net",
)
REQUEST_PREFIX = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/RG/providers/Microsoft.Cdn"


def _replay(estate: Estate, *canned: Canned) -> tuple[ReplayTransport, object]:
    transport = ReplayTransport(list(canned))
    return transport, replay_session(estate, transport)


def _sent(transport: ReplayTransport, index: int = 0) -> tuple[str, str]:
    method, url, _ = transport.requests[index]
    return method, url


# -- profile ---------------------------------------------------------------------------------------
def test_get_profile_from_spec_example(demo_estate: Estate) -> None:
    transport, session = _replay(
        demo_estate, from_example(example("cdn/Profiles_Get.json"), "GET", "/profiles/profile1")
    )

    profile = frontdoor.get_profile(session, EXAMPLE_FD)

    assert profile == frontdoor.FrontDoorProfile(
        id=f"{EXAMPLE_PREFIX}",
        name="profile1",
        sku="Premium_AzureFrontDoor",
        resource_state="Active",
        provisioning_state="Succeeded",
    )
    method, url = _sent(transport)
    assert method == "GET"
    assert f"{REQUEST_PREFIX}/profiles/profile1?" in url
    assert SDK_API_VERSION in url


def test_get_profile_from_simulator(session, demo_estate: Estate) -> None:
    profile = frontdoor.get_profile(session, demo_estate.frontdoor)

    assert profile.name == demo_estate.frontdoor.profile
    assert profile.id.lower() == demo_estate.frontdoor.profile_ref.id.lower()
    assert (profile.sku, profile.resource_state, profile.provisioning_state) == (
        "Premium_AzureFrontDoor",
        "Active",
        "Succeeded",
    )


# -- endpoints -------------------------------------------------------------------------------------
def test_list_endpoints_from_spec_example(demo_estate: Estate) -> None:
    ex = example("cdn/AFDEndpoints_ListByProfile.json")
    transport, session = _replay(demo_estate, from_example(ex, "GET", "/afdEndpoints"))

    endpoints = frontdoor.list_endpoints(session, EXAMPLE_FD)

    assert endpoints == [
        {"name": "endpoint1", "host_name": "endpoint1-abcdefghijklmnop.z01.azurefd.net", "enabled_state": "Enabled"}
    ]
    assert f"{REQUEST_PREFIX}/profiles/profile1/afdEndpoints?" in _sent(transport)[1]


def test_list_endpoints_from_simulator(session, demo_estate: Estate) -> None:
    endpoints = frontdoor.list_endpoints(session, demo_estate.frontdoor)

    assert endpoints == [
        {"name": "mc-demo", "host_name": demo_estate.frontdoor.endpoint_host, "enabled_state": "Enabled"}
    ]


# -- origin group ----------------------------------------------------------------------------------
def test_get_origin_group_from_spec_example(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOriginGroups_Get.json")
    transport, session = _replay(demo_estate, from_example(ex, "GET", "/originGroups/origingroup1"))

    group = frontdoor.get_origin_group(session, EXAMPLE_FD)

    assert group.name == "origingroup1"
    assert group.id == f"{EXAMPLE_PREFIX}/origingroups/origingroup1"
    assert group.health_probe == HealthProbeSettings(
        path="/path1", request_type="HEAD", protocol="Http", interval_seconds=10
    )
    assert (group.sample_size, group.successful_samples_required, group.additional_latency_ms) == (3, 3, 1000)
    assert group.provisioning_state == "Succeeded"
    assert f"{REQUEST_PREFIX}/profiles/profile1/originGroups/origingroup1?" in _sent(transport)[1]


def test_get_origin_group_from_simulator(session, demo_estate: Estate) -> None:
    group = frontdoor.get_origin_group(session, demo_estate.frontdoor)

    assert group.name == demo_estate.frontdoor.origin_group
    assert group.health_probe == HealthProbeSettings(
        path="/health/stamp", request_type="GET", protocol="Https", interval_seconds=30
    )
    assert group.sample_size is not None and group.successful_samples_required is not None
    assert group.successful_samples_required <= group.sample_size
    assert group.provisioning_state == "Succeeded"


# -- origins ---------------------------------------------------------------------------------------
def test_list_origins_from_spec_example_keeps_null_weight_and_priority(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_ListByOriginGroup.json")
    transport, session = _replay(demo_estate, from_example(ex, "GET", "/originGroups/origingroup1/origins"))

    origins = frontdoor.list_origins(session, EXAMPLE_FD)

    assert list(origins) == ["origin1"]
    origin = origins["origin1"]
    assert origin.id == f"{EXAMPLE_PREFIX}/origingroups/origingroup1/origins/origin1"
    assert origin.host_name == "host1.blob.core.windows.net"
    assert origin.enabled_state == "Enabled" and origin.enabled is True
    assert origin.weight is None
    assert origin.priority is None
    assert (origin.provisioning_state, origin.deployment_status) == ("Succeeded", "NotStarted")
    assert f"{REQUEST_PREFIX}/profiles/profile1/originGroups/origingroup1/origins?" in _sent(transport)[1]


def test_list_origins_from_simulator(session, demo_estate: Estate) -> None:
    origins = frontdoor.list_origins(session, demo_estate.frontdoor)

    assert list(origins) == [stamp.origin for stamp in demo_estate.stamps]
    for stamp in demo_estate.stamps:
        origin = origins[stamp.origin]
        assert origin.host_name == f"{stamp.web_app}.azurewebsites.net"
        assert (origin.enabled_state, origin.weight, origin.priority) == ("Enabled", 1000, 1)
        assert origin.provisioning_state == "Succeeded"


def test_get_origin_from_spec_example(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Get.json")
    _, session = _replay(demo_estate, from_example(ex, "GET", "/origins/origin1"))

    origin = frontdoor.get_origin(session, EXAMPLE_FD, "origin1")

    assert (origin.name, origin.enabled_state, origin.weight, origin.priority) == ("origin1", "Enabled", None, None)


def test_get_origin_from_simulator(session, demo_estate: Estate) -> None:
    stamp = demo_estate.stamps[2]

    origin = frontdoor.get_origin(session, demo_estate.frontdoor, stamp.origin)

    assert origin.id.lower() == demo_estate.frontdoor.origin_id(stamp.origin).lower()
    assert origin.host_name == f"{stamp.web_app}.azurewebsites.net"


# -- origin PATCH (LRO) ----------------------------------------------------------------------------
def test_update_origin_replays_202_async_operation_and_final_get(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Update.json")
    accepted = from_example(ex, "PATCH", "/origins/origin1", status="202")
    assert "azure-asyncoperation" in accepted.headers  # the example's polling header drives ARMPolling
    monitor = Canned("GET", "/operationresults/operationid", 200, {"status": "Succeeded"})
    final = from_example(example("cdn/AFDOrigins_Get.json"), "GET", "/origins/origin1")
    transport, session = _replay(demo_estate, accepted, monitor, final)

    result = frontdoor.update_origin(session, EXAMPLE_FD, "origin1", enabled=False, options=WaitOptions())

    assert result is not None
    assert (result.name, result.enabled_state, result.weight, result.priority) == ("origin1", "Enabled", None, None)
    methods = [(m, u.split("?")[0].rsplit("/", 2)[-2:]) for m, u, _ in transport.requests]
    assert methods == [
        ("PATCH", ["origins", "origin1"]),
        ("GET", ["operationresults", "operationId"]),
        ("GET", ["origins", "origin1"]),
    ]
    patch_body = json.loads(transport.requests[0][2])
    assert patch_body == {"properties": {"enabledState": "Disabled"}}  # a partial update, nothing else
    assert SDK_API_VERSION in transport.requests[0][1]


def test_update_origin_sends_only_given_fields(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Update.json")
    transport, session = _replay(demo_estate, from_example(ex, "PATCH", "/origins/origin1", status="200"))

    result = frontdoor.update_origin(session, EXAMPLE_FD, "origin1", weight=250, priority=2, options=WaitOptions())

    assert result is not None and result.provisioning_state == "Succeeded"
    assert json.loads(transport.requests[0][2]) == {"properties": {"weight": 250, "priority": 2}}


def test_update_origin_no_wait_returns_none_after_the_patch(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Update.json")
    transport, session = _replay(demo_estate, from_example(ex, "PATCH", "/origins/origin1", status="202"))

    result = frontdoor.update_origin(session, EXAMPLE_FD, "origin1", enabled=True, options=WaitOptions(wait=False))

    assert result is None
    assert [m for m, _, _ in transport.requests] == ["PATCH"]


def test_update_origin_against_simulator(session, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    name = demo_estate.stamps[0].origin

    result = frontdoor.update_origin(session, fd, name, enabled=False, weight=10, options=WaitOptions())

    assert result is not None
    assert (result.enabled_state, result.weight, result.priority) == ("Disabled", 10, 1)
    assert (result.provisioning_state, result.deployment_status) == ("Succeeded", "Succeeded")
    assert frontdoor.list_origins(session, fd)[name] == result


def test_update_origin_requires_a_change(demo_estate: Estate) -> None:
    transport, session = _replay(demo_estate)

    with pytest.raises(ValueError, match="at least one"):
        frontdoor.update_origin(session, EXAMPLE_FD, "origin1", options=WaitOptions())
    assert transport.requests == []
