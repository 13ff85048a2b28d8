"""Front Door's probes' view read as on Azure: Azure Monitor's OriginHealthPercentage of the profile,
through the real SDK pipeline, answered by the simulator from its edge."""

from __future__ import annotations

import pytest
from azure.core.rest import HttpRequest

from mcctl.adapters import frontdoor
from mcctl.adapters.clients import AzureSession
from mcctl.adapters.lro import WaitOptions
from mcctl.domain.estate import Estate
from mcctl.domain.stamprows import stamp_rows
from mcctl.errors import McctlError
from mcctl.ops.edgehealth import read_edge_health
from mcctl.ops.frontdoor import frontdoor_status
from mcctl.ops.health import assess
from mcctl.ops.inventory import read_inventory
from mcctl.sim.app import Sim


def _host(demo_estate: Estate, index: int) -> str:
    return f"app-mc-{demo_estate.stamps[index].name}.azurewebsites.net"


def test_every_enabled_origin_has_a_sample_at_100(session: AzureSession, demo_estate: Estate) -> None:
    found = frontdoor.origin_health(session, demo_estate.frontdoor)
    assert found == {_host(demo_estate, i): 100.0 for i in range(6)}


def test_an_outage_fails_the_probes_of_its_region_only(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    sim.set_outage("eastus2", True)
    found = frontdoor.origin_health(session, demo_estate.frontdoor)
    assert {h for h, p in found.items() if p == 0.0} == {_host(demo_estate, 4), _host(demo_estate, 5)}
    assert sorted(p for p in found.values()) == [0.0, 0.0, 100.0, 100.0, 100.0, 100.0]


def test_a_stopped_app_fails_and_a_disabled_origin_is_not_probed(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    weu1, neu1 = demo_estate.stamps[0], demo_estate.stamps[2]
    session.web(weu1.subscription).web_apps.stop(weu1.resource_group, weu1.web_app)
    frontdoor.update_origin(session, demo_estate.frontdoor, neu1.origin, enabled=False, options=WaitOptions())
    found = frontdoor.origin_health(session, demo_estate.frontdoor)
    assert found[_host(demo_estate, 2)] == 100.0  # accepted, not yet at the edge: still probed
    sim.advance(600)  # the disabled config reaches the edge
    found = frontdoor.origin_health(session, demo_estate.frontdoor)
    assert found[_host(demo_estate, 0)] == 0.0 and _host(demo_estate, 2) not in found
    view = read_edge_health(session, demo_estate)
    assert view.threshold == 75.0 and view.probes  # the demo group: 3 of 4 samples


def test_the_answer_has_azure_monitor_s_shape(session: AzureSession, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    group = f"/subscriptions/{fd.subscription}/resourceGroups/{fd.resource_group}"
    profile = f"{group}/providers/Microsoft.Cdn/profiles/{fd.profile}"
    params = {"api-version": "2023-10-01", "metricnames": "OriginHealthPercentage", "$filter": "Origin eq '*'"}
    client = session.cdn(fd.subscription)
    body = client.send_request(
        HttpRequest("GET", f"{profile}/providers/Microsoft.Insights/metrics", params=params)
    ).json()
    (metric,) = body["value"]
    assert metric["name"]["value"] == "OriginHealthPercentage" and metric["unit"] == "Percent"
    series = metric["timeseries"][0]
    assert series["metadatavalues"][0]["name"]["value"] == "origin"
    assert series["data"][-1]["average"] == 100.0 and series["data"][-1]["timeStamp"].endswith(":00Z")
    whole = dict(params, **{"$filter": ""})  # no dimension in the filter: one series for the profile
    body = client.send_request(
        HttpRequest("GET", f"{profile}/providers/Microsoft.Insights/metrics", params=whole)
    ).json()
    assert [s["metadatavalues"] for s in body["value"][0]["timeseries"]] == [[]]
    bad = dict(params, metricnames="RequestCount")
    answer = client.send_request(HttpRequest("GET", f"{profile}/providers/Microsoft.Insights/metrics", params=bad))
    assert answer.status_code == 400 and "OriginHealthPercentage" in answer.json()["error"]["message"]


def test_a_failed_read_is_an_mcctl_error(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    sim.add_fault({"kind": "error", "path": "microsoft.insights/metrics", "status": 500, "count": 10})
    with pytest.raises(McctlError, match="OriginHealthPercentage"):
        frontdoor.origin_health(session, demo_estate.frontdoor)


def test_a_stopped_app_gets_no_share(session: AzureSession, demo_estate: Estate) -> None:
    weu1 = demo_estate.stamps[0]
    session.web(weu1.subscription).web_apps.stop(weu1.resource_group, weu1.web_app)
    inventory = read_inventory(session, demo_estate)
    health = assess(session, demo_estate, inventory=inventory)
    rows = {r["name"]: r for r in stamp_rows(inventory.views, health.stamps)}
    assert rows["weu-1"]["traffic_share"] == 0.0 and rows["weu-1"]["edge_health"] == "unhealthy"
    assert rows["weu-2"]["traffic_share"] == 0.2  # the five others split it
    group = frontdoor.get_origin_group(session, demo_estate.frontdoor)
    document = frontdoor_status(demo_estate, inventory, group, session)
    origins = {o["stamp"]: o for o in document["origins"]}
    assert origins["weu-1"]["traffic_share"] == 0.0 and origins["weu-1"]["configured_share"] == 0.1667
    assert origins["weu-1"]["in_rotation"] is False and origins["weu-2"]["in_rotation"] is True
    assert document["edge_probes"] == {"read": True, "threshold_percent": 75.0, "error": None}


def test_without_the_probes_view_shares_fall_back_to_mcctl_s_own_verdict(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    sim.set_outage("eastus2", True)
    sim.add_fault({"kind": "error", "path": "microsoft.insights/metrics", "status": 500, "count": 100})
    inventory = read_inventory(session, demo_estate)
    health = assess(session, demo_estate, inventory=inventory)
    assert any("OriginHealthPercentage" in e for e in health.errors)
    assert health.stamps["weu-1"].status == "healthy"  # a missing view does not make stamps unknown
    assert "edge" not in {s.name for s in health.stamps["eus2-1"].signals}
    rows = {r["name"]: r for r in stamp_rows(inventory.views, health.stamps)}
    assert rows["eus2-1"]["edge_health"] == "unknown" and rows["eus2-1"]["traffic_share"] == 0.0  # its 503s
    document = frontdoor_status(demo_estate, inventory, None, session)
    assert document["edge_probes"]["read"] is False and "OriginHealthPercentage" in document["edge_probes"]["error"]
    assert {o["edge_health"] for o in document["origins"]} == {"unknown"}
    assert {o["traffic_share"] for o in document["origins"]} == {0.1667}  # by configuration alone
