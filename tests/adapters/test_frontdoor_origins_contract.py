"""Contract tests for mcctl.adapters.frontdoor_origins (origins created and deleted whole, for
`stamps add` and `stamps retire`): each function runs through the real azure-mgmt-cdn client against
the spec examples AFDOrigins_Create / Delete / Get replayed verbatim, and against the simulator."""

from __future__ import annotations

import json

from mcctl.adapters import frontdoor_origins
from mcctl.adapters.lro import WaitOptions
from mcctl.domain.estate import Estate
from mcctl.domain.originspec import OriginSpec
from tests.adapters.test_frontdoor_contract import EXAMPLE_FD, SDK_API_VERSION, _replay
from tests.replay import Canned, example, from_example

SPEC = OriginSpec(
    host_name="host1.blob.core.windows.net",
    origin_host_header="host1.foo.com",
    priority=1,
    weight=1,
    enabled=False,
    azure_origin_id="/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/app-1",
)


def test_create_sends_the_spec_request_shape_and_waits_for_the_201(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Create.json")
    transport, session = _replay(demo_estate, from_example(ex, "PUT", "/origins/origin1", status="201"))

    frontdoor_origins.create_origin(session, EXAMPLE_FD, "origin1", SPEC, WaitOptions())

    method, url, body = transport.requests[0]
    assert method == "PUT" and "/originGroups/origingroup1/origins/origin1?" in url and SDK_API_VERSION in url
    sent = json.loads(body)["properties"]
    # every field the example sends, with the same spelling, plus what mcctl sets on purpose
    assert set(ex["parameters"]["origin"]["properties"]) <= set(sent)
    assert sent == {
        "hostName": "host1.blob.core.windows.net",
        "originHostHeader": "host1.foo.com",
        "httpPort": 80,
        "httpsPort": 443,
        "priority": 1,
        "weight": 1,
        "enabledState": "Disabled",
        "azureOrigin": {"id": SPEC.azure_origin_id},
        "enforceCertificateNameCheck": True,
    }


def test_create_polls_a_202_to_its_end(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Create.json")
    accepted = from_example(ex, "PUT", "/origins/origin1", status="202")
    monitor = Canned("GET", "/operationresults/operationid", 200, {"status": "Succeeded"})
    final = from_example(example("cdn/AFDOrigins_Get.json"), "GET", "/origins/origin1")
    transport, session = _replay(demo_estate, accepted, monitor, final)

    frontdoor_origins.create_origin(session, EXAMPLE_FD, "origin1", SPEC, WaitOptions())

    assert [m for m, _, _ in transport.requests] == ["PUT", "GET", "GET"]


def test_delete_polls_the_async_operation(demo_estate: Estate) -> None:
    ex = example("cdn/AFDOrigins_Delete.json")
    accepted = from_example(ex, "DELETE", "/origins/origin1", status="202")
    monitor = Canned("GET", "/operationresults/operationid", 200, {"status": "Succeeded"})
    transport, session = _replay(demo_estate, accepted, monitor)

    frontdoor_origins.delete_origin(session, EXAMPLE_FD, "origin1", WaitOptions())

    methods = [(m, u.split("?")[0].rsplit("/", 2)[-2:]) for m, u, _ in transport.requests]
    assert methods == [("DELETE", ["origins", "origin1"]), ("GET", ["operationresults", "operationId"])]


def test_read_spec_from_the_get_example_and_none_when_absent(demo_estate: Estate) -> None:
    transport, session = _replay(
        demo_estate, from_example(example("cdn/AFDOrigins_Get.json"), "GET", "/origins/origin1")
    )
    spec = frontdoor_origins.read_origin_spec(session, EXAMPLE_FD, "origin1")
    # null weight and priority are Front Door's defaults; no azureOrigin in the example
    assert spec == OriginSpec("host1.blob.core.windows.net", "host1.foo.com", 80, 443, 1, 1000, True, None, True)

    missing = Canned("GET", "/origins/nope", 404, {"error": {"code": "NotFound", "message": "no such origin"}})
    _, session = _replay(demo_estate, missing)
    assert frontdoor_origins.read_origin_spec(session, EXAMPLE_FD, "nope") is None


def test_create_read_delete_against_the_simulator(session, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    spec = OriginSpec(
        host_name="app-mc-weu-1.azurewebsites.net",
        origin_host_header="app-mc-weu-1.azurewebsites.net",
        weight=5,
        enabled=True,
        azure_origin_id=demo_estate.stamps[0].app_ref.id,
    )
    assert frontdoor_origins.read_origin_spec(session, fd, "origin-extra") is None

    frontdoor_origins.create_origin(session, fd, "origin-extra", spec, WaitOptions())
    assert frontdoor_origins.read_origin_spec(session, fd, "origin-extra") == spec

    frontdoor_origins.delete_origin(session, fd, "origin-extra", WaitOptions())
    assert frontdoor_origins.read_origin_spec(session, fd, "origin-extra") is None
