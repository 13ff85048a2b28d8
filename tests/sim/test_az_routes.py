"""Routes the Azure CLI uses on the simulator (issue 19): a site's `config/web` and `publishxml`,
resource groups, the generic resource list (paged with its filter), provider lookups (which
`az resource show/update --ids` picks an api-version from), and full PUT on Front Door origins
validated exactly as PATCH. Driven through the real SDK clients where mcctl has them, else raw."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest, SimResponse
from tests.foreign_client import origin_path
from tests.replay import example

HOST = "https://management.sim.mcctl.invalid"
AUTH = {"Authorization": "Bearer t"}


def _call(sim: Sim, method: str, path: str, body: Any = None, api: str = "2024-11-01") -> SimResponse:
    sep = "&" if "?" in path else "?"
    url = path if path.startswith("https://") else f"{HOST}{path}{sep}api-version={api}"
    content = None if body is None else json.dumps(body).encode()
    return sim.handle(SimRequest(method, url, AUTH, content or b""))


def _all_pages(sim: Sim, path: str) -> tuple[list[dict[str, Any]], int]:
    """Follow nextLink as az does (the link as given); (items, pages)."""
    response = _call(sim, "GET", path)
    assert response.status == 200, response.body
    items, pages = list(response.body["value"]), 1
    while response.body.get("nextLink"):
        response = _call(sim, "GET", response.body["nextLink"])
        assert response.status == 200, response.body
        items += response.body["value"]
        pages += 1
    return items, pages


# -- Microsoft.Web: config/web and publishxml (what `az webapp show` reads) -------------------------
def test_site_config_has_the_spec_shape(session, sim: Sim, demo_estate: Estate) -> None:
    stamp = demo_estate.stamp("weu-1")
    assert stamp is not None
    client = session.web(stamp.subscription)

    config = client.web_apps.get_configuration(stamp.resource_group, stamp.web_app)

    spec = example("web/GetSiteConfig.json")["responses"]["200"]["body"]
    assert config.name == spec["name"] == "web"
    assert config.type == spec["type"]
    assert config.id.lower() == f"{stamp.app_ref.id}/config/web".lower()
    assert config.always_on is True and config.min_tls_version == "1.2"
    raw = _call(sim, "GET", f"{stamp.app_ref.id}/config/web", api="2025-05-01").body
    assert set(raw["properties"]) <= set(spec["properties"])  # only properties the spec example has
    assert {"alwaysOn", "minTlsVersion", "ftpsState", "virtualApplications"} <= set(raw["properties"])


def test_site_config_of_an_unknown_site_is_404(sim: Sim, demo_estate: Estate) -> None:
    stamp = demo_estate.stamp("weu-1")
    assert stamp is not None
    path = stamp.app_ref.id.replace(stamp.web_app, "app-nope") + "/config/web"
    response = _call(sim, "GET", path, api="2025-05-01")
    assert response.status == 404
    assert response.body["error"]["code"] == "ResourceNotFound"


def test_publishing_profiles_are_xml_with_web_deploy_ftp_and_zip(session, demo_estate: Estate) -> None:
    stamp = demo_estate.stamp("neu-2")
    assert stamp is not None
    client = session.web(stamp.subscription)

    chunks = client.web_apps.list_publishing_profile_xml_with_secrets(
        stamp.resource_group, stamp.web_app, {"format": "WebDeploy"}
    )
    root = ET.fromstring(b"".join(chunks))

    assert root.tag == "publishData"
    profiles = {p.get("publishMethod"): p.attrib for p in root.iter("publishProfile")}
    assert set(profiles) == {"MSDeploy", "FTP", "ZipDeploy"}
    assert profiles["FTP"]["publishUrl"].startswith("ftps://") and profiles["FTP"]["publishUrl"].endswith(
        "/site/wwwroot"
    )
    assert profiles["MSDeploy"]["publishUrl"] == f"{stamp.web_app}.scm.azurewebsites.net:443"
    assert profiles["ZipDeploy"]["destinationAppUrl"] == f"https://{stamp.web_app}.azurewebsites.net"


def test_publishing_profiles_refuse_an_unknown_format(sim: Sim, demo_estate: Estate) -> None:
    stamp = demo_estate.stamp("weu-1")
    assert stamp is not None
    response = _call(sim, "POST", f"{stamp.app_ref.id}/publishxml", {"format": "Zip"}, api="2025-05-01")
    assert response.status == 400
    assert "format" in response.body["error"]["message"]


# -- resource groups --------------------------------------------------------------------------------
def test_resource_group_get_has_the_spec_shape(sim: Sim, demo_estate: Estate) -> None:
    sub = demo_estate.subscription
    response = _call(sim, "GET", f"/subscriptions/{sub}/resourcegroups/RG-MC-WEU-1")

    assert response.status == 200
    spec = example("resources/CreateResourceGroup.json")["responses"]["200"]["body"]
    assert set(spec) <= set(response.body)
    assert response.body["name"] == "rg-mc-weu-1"  # spelled as the estate's resources spell it
    assert response.body["id"] == f"/subscriptions/{sub}/resourceGroups/rg-mc-weu-1"
    assert response.body["type"] == "Microsoft.Resources/resourceGroups"
    assert response.body["location"] == "westeurope"
    assert response.body["properties"] == {"provisioningState": "Succeeded"}


def test_a_group_of_global_resources_takes_the_subscriptions_main_region(sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    response = _call(sim, "GET", f"/subscriptions/{fd.subscription}/resourcegroups/{fd.resource_group}")
    assert response.status == 200
    assert response.body["location"] not in ("global", "Global", "")


def test_unknown_resource_group_is_404_and_head_says_whether_it_exists(sim: Sim, demo_estate: Estate) -> None:
    sub = demo_estate.subscription
    missing = _call(sim, "GET", f"/subscriptions/{sub}/resourcegroups/rg-nope")
    assert missing.status == 404
    assert missing.body["error"]["code"] == "ResourceGroupNotFound"
    assert _call(sim, "HEAD", f"/subscriptions/{sub}/resourcegroups/rg-mc-data").status == 204
    assert _call(sim, "HEAD", f"/subscriptions/{sub}/resourcegroups/rg-nope").status == 404


def test_resource_groups_list_pages_through_every_group(sim: Sim, demo_estate: Estate) -> None:
    sim.settings["page_size"] = 5  # a small page: the demo's lists then take several
    groups, pages = _all_pages(sim, f"/subscriptions/{demo_estate.subscription}/resourcegroups")
    expected = {s.resource_group for s in demo_estate.stamps} | {demo_estate.frontdoor.resource_group}
    assert {g["name"] for g in groups} >= expected
    assert len(groups) == len({g["name"] for g in groups})  # no group twice across pages
    assert pages == -(-len(groups) // 5) and pages > 1  # the simulator's page size is 5


# -- the generic resource list (`az resource list`) -------------------------------------------------
def test_resource_list_keeps_its_filter_on_every_page(sim: Sim, demo_estate: Estate) -> None:
    sim.settings["page_size"] = 5  # a small page: the demo's lists then take several
    sub = demo_estate.subscription
    items, pages = _all_pages(sim, f"/subscriptions/{sub}/resources?$filter=resourceGroup%20eq%20%27rg-mc-data%27")
    assert pages > 1
    assert items and {i["id"].split("/")[4] for i in items} == {"rg-mc-data"}
    assert all(i.get("location") for i in items)  # tracked resources only: no origins, no routes


def test_resource_list_by_type_and_in_a_group(sim: Sim, demo_estate: Estate) -> None:
    sub = demo_estate.subscription
    sites, _ = _all_pages(sim, f"/subscriptions/{sub}/resources?$filter=resourceType%20eq%20%27Microsoft.Web/sites%27")
    assert sorted(s["name"] for s in sites) == sorted(s.web_app for s in demo_estate.stamps)
    in_group, _ = _all_pages(sim, f"/subscriptions/{sub}/resourceGroups/rg-mc-weu-1/resources")
    assert {i["type"] for i in in_group} == {"Microsoft.Web/sites", "Microsoft.Web/serverfarms"}


def test_resource_list_refuses_a_filter_it_cannot_apply(sim: Sim, demo_estate: Estate) -> None:
    response = _call(sim, "GET", f"/subscriptions/{demo_estate.subscription}/resources?$filter=plan%20gt%203")
    assert response.status == 400
    assert response.body["error"]["code"] == "InvalidFilterInQueryString"


# -- provider lookups -------------------------------------------------------------------------------
def _az_api_version(provider: dict[str, Any], top_level_type: str) -> str:
    """What `az resource show --ids` picks: the newest non-preview api-version of the id's top type."""
    rt = next(t for t in provider["resourceTypes"] if t["resourceType"].lower() == top_level_type.lower())
    stable = sorted((v for v in rt["apiVersions"] if "preview" not in v), reverse=True)
    return stable[0]


def test_provider_get_has_the_spec_shape_and_leads_az_to_the_sdk_version(sim: Sim, demo_estate: Estate) -> None:
    response = _call(sim, "GET", f"/subscriptions/{demo_estate.subscription}/providers/microsoft.cdn")

    assert response.status == 200
    spec_item = example("resources/GetProviders.json")["responses"]["200"]["body"]["value"][1]
    assert set(spec_item) <= set(response.body)
    assert response.body["namespace"] == "Microsoft.Cdn"
    assert response.body["registrationState"] == "Registered"
    types = {t["resourceType"] for t in response.body["resourceTypes"]}
    assert {"profiles", "profiles/origingroups/origins"} <= types
    assert _az_api_version(response.body, "profiles") == "2026-10-01"  # what azure-mgmt-cdn sends


@pytest.mark.parametrize(
    ("namespace", "top_type", "version"),
    [("Microsoft.Web", "sites", "2025-05-01"), ("Microsoft.Sql", "servers", "2025-01-01")],
)
def test_provider_versions_match_what_the_simulator_serves(
    sim: Sim, demo_estate: Estate, namespace: str, top_type: str, version: str
) -> None:
    response = _call(sim, "GET", f"/subscriptions/{demo_estate.subscription}/providers/{namespace}")
    assert _az_api_version(response.body, top_type) == version


def test_providers_list_pages_and_tenant_lookup(sim: Sim, demo_estate: Estate) -> None:
    sim.settings["page_size"] = 5  # a small page: the demo's lists then take several
    providers, pages = _all_pages(sim, f"/subscriptions/{demo_estate.subscription}/providers")
    assert pages > 1
    assert {"Microsoft.Web", "Microsoft.Cdn", "Microsoft.Sql", "Microsoft.Resources"} <= {
        p["namespace"] for p in providers
    }
    tenant = _call(sim, "GET", "/providers/Microsoft.Web")
    assert tenant.status == 200 and "id" not in tenant.body and tenant.body["namespace"] == "Microsoft.Web"


def test_unknown_namespace_is_404(sim: Sim, demo_estate: Estate) -> None:
    response = _call(sim, "GET", f"/subscriptions/{demo_estate.subscription}/providers/Microsoft.Nope")
    assert response.status == 404
    assert response.body["error"]["code"] == "InvalidResourceNamespace"


# -- Front Door origins: full PUT validated as PATCH ------------------------------------------------
CDN_API = "2026-10-01"


@pytest.mark.parametrize(
    "change",
    [
        {"weight": 0},
        {"weight": 1001},
        {"weight": "heavy"},
        {"priority": 0},
        {"priority": 6},
        {"httpPort": 70000},
        {"enabledState": "Maybe"},
    ],
)
def test_put_refuses_what_patch_refuses_with_the_same_error(sim: Sim, demo_estate: Estate, change: dict) -> None:
    path = origin_path(demo_estate)
    before = _call(sim, "GET", path, api=CDN_API).body
    full = json.loads(json.dumps(before))  # what `az afd origin update` / `az resource update` PUT
    full["properties"].update(change)

    put = _call(sim, "PUT", path, full, api=CDN_API)
    patch = _call(sim, "PATCH", path, {"properties": change}, api=CDN_API)

    assert put.status == patch.status == 400
    assert put.body == patch.body
    assert next(iter(change)) in put.body["error"]["message"]
    assert _call(sim, "GET", path, api=CDN_API).body == before  # nothing changed, nothing started


def test_put_and_patch_agree_on_a_properties_value_that_is_not_an_object(sim: Sim, demo_estate: Estate) -> None:
    path = origin_path(demo_estate)
    put = _call(sim, "PUT", path, {"properties": [1]}, api=CDN_API)
    patch = _call(sim, "PATCH", path, {"properties": [1]}, api=CDN_API)
    assert put.status == patch.status == 400 and put.body == patch.body


def test_full_put_of_the_got_body_is_an_lro_that_changes_weight_and_state(sim: Sim, demo_estate: Estate) -> None:
    path = origin_path(demo_estate, "origin-neu-1")
    body = _call(sim, "GET", path, api=CDN_API).body
    body["properties"].update(weight=250, enabledState="disabled")

    started = _call(sim, "PUT", path, body, api=CDN_API)

    assert started.status == 200  # a replace: the current body, Updating, plus the monitor
    assert started.body["properties"]["provisioningState"] == "Updating"
    assert started.body["properties"]["weight"] == 1000  # applied when the operation completes
    monitor = started.headers["Azure-AsyncOperation"]
    assert _call(sim, "GET", monitor).body["status"] == "InProgress"
    sim.advance(60)
    assert _call(sim, "GET", monitor).body["status"] == "Succeeded"
    after = _call(sim, "GET", path, api=CDN_API).body["properties"]
    assert (after["weight"], after["enabledState"], after["provisioningState"]) == (250, "Disabled", "Succeeded")
    assert after["hostName"] == body["properties"]["hostName"]
    assert after["azureOrigin"] == body["properties"]["azureOrigin"]  # kept: the PUT carried it


def test_sdk_begin_create_on_an_existing_origin_replaces_it(session, sim: Sim, demo_estate: Estate) -> None:
    fd = demo_estate.frontdoor
    client = session.cdn(fd.subscription)
    current = client.afd_origins.get(fd.resource_group, fd.profile, fd.origin_group, "origin-eus2-1")
    current.priority = 2

    poller = client.afd_origins.begin_create(fd.resource_group, fd.profile, fd.origin_group, "origin-eus2-1", current)
    result = poller.result()  # the in-process transport turns the poller's sleeps into simulated time

    assert result.priority == 2 and result.provisioning_state == "Succeeded"
    again = client.afd_origins.get(fd.resource_group, fd.profile, fd.origin_group, "origin-eus2-1")
    assert again.priority == 2 and again.weight == current.weight
