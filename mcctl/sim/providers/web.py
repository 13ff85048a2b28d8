"""Microsoft.Web: App Service plans (serverfarms) and web apps (sites), api-version 2025-05-01 shapes.

Sites also answer what the Azure CLI reads for `az webapp show`: `GET .../sites/{name}/config/web`
(the site's configuration, GetSiteConfig.json's shape) and `POST .../sites/{name}/publishxml` (the
publishing profiles as XML: Web Deploy, FTP and Zip Deploy, with placeholder credentials).

Scaling is a full PUT of the plan with sku.capacity changed (the PATCH model has no sku), answered
202 with the plan body plus azure-asyncoperation and location headers, as in
CreateOrUpdateAppServicePlan.json; it takes simulated time proportional to the change.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

from mcctl.domain.regions import display_name, normalize_region
from mcctl.sim.http import ArmError, SimRequest, SimResponse, bad_request, not_found
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim

RG = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Web"
SUB = "/subscriptions/{sub}/providers/Microsoft.Web"
PLAN_TYPE = "Microsoft.Web/serverfarms"
SITE_TYPE = "Microsoft.Web/sites"
SCALE_BASE_SECONDS = 30
SCALE_SECONDS_PER_INSTANCE = 20


def plan_id(sub: str, rg: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{PLAN_TYPE}/{name}"


def site_id(sub: str, rg: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{SITE_TYPE}/{name}"


def _sku(name: str, capacity: int) -> dict[str, Any]:
    tier = {"P": "PremiumV3" if name.endswith("v3") else "Premium", "S": "Standard", "B": "Basic"}.get(
        name[0], "Premium"
    )
    return {
        "name": name,
        "tier": tier,
        "size": name,
        "family": name.rstrip("v0123456789") or name[0],
        "capacity": capacity,
    }


class WebProvider:
    name = "Microsoft.Web"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {"web.plan.scaled": _plan_scaled, "web.plan.scale_failed": _plan_scale_failed}

    def register(self, router: Router) -> None:
        router.add("GET", f"{SUB}/serverfarms", _list_plans_in_subscription)
        router.add("GET", f"{RG}/serverfarms", _list_plans_in_group)
        router.add("GET", f"{RG}/serverfarms/{{name}}", _get_plan)
        router.add("PUT", f"{RG}/serverfarms/{{name}}", _put_plan)
        router.add("GET", f"{RG}/serverfarms/{{name}}/operationresults/{{op}}", _plan_operation)
        router.add("GET", f"{RG}/serverfarms/{{name}}/sites", _list_sites_on_plan)
        router.add("GET", f"{SUB}/sites", _list_sites_in_subscription)
        router.add("GET", f"{RG}/sites", _list_sites_in_group)
        router.add("GET", f"{RG}/sites/{{name}}", _get_site)
        router.add("GET", f"{RG}/sites/{{name}}/config/web", _get_site_config)
        router.add("POST", f"{RG}/sites/{{name}}/publishxml", _publishing_profiles)
        for action in ("stop", "start", "restart"):
            router.add("POST", f"{RG}/sites/{{name}}/{action}", _site_action(action))

    def seed(self, sim: Sim, estate: Estate) -> None:
        settings = estate.simulation
        for stamp in estate.stamps:
            pid = plan_id(stamp.subscription, stamp.resource_group, stamp.app_service_plan)
            sim.store.put(plan_body(pid, stamp.region, settings.sku, settings.instances, settings.max_instances))
            sid = site_id(stamp.subscription, stamp.resource_group, stamp.web_app)
            sim.store.put(site_body(sid, stamp.region, pid))


def plan_body(pid: str, region: str, sku: str, instances: int, max_instances: int) -> dict[str, Any]:
    """An App Service plan as ARM shows it once created and Ready (GetAppServicePlan.json's shape)."""
    return {
        "id": pid,
        "name": pid.rsplit("/", 1)[-1],
        "type": PLAN_TYPE,
        "kind": "app",
        "location": display_name(region),
        "properties": {
            "geoRegion": display_name(region),
            "isSpot": False,
            "maximumNumberOfWorkers": max_instances,
            "numberOfSites": 1,
            "numberOfWorkers": instances,
            "provisioningState": "Succeeded",
            "reserved": False,
            "status": "Ready",
            "targetWorkerCount": 0,
            "targetWorkerSizeId": 0,
            "zoneRedundant": False,
        },
        "sku": _sku(sku, instances),
    }


def site_body(sid: str, region: str, pid: str, tags: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A running web app on plan `pid` (GetWebApp.json's shape), `<name>.azurewebsites.net`."""
    name = sid.rsplit("/", 1)[-1]
    host = f"{name}.azurewebsites.net"
    body: dict[str, Any] = {
        "id": sid,
        "name": name,
        "type": SITE_TYPE,
        "kind": "app",
        "location": display_name(region),
        "properties": {
            "state": "Running",
            "hostNames": [host],
            "repositorySiteName": name,
            "usageState": "Normal",
            "enabled": True,
            "enabledHostNames": [host, f"{name}.scm.azurewebsites.net"],
            "availabilityState": "Normal",
            "serverFarmId": pid,
            "reserved": False,
            "httpsOnly": True,
            "defaultHostName": host,
            "resourceGroup": sid.split("/")[4],
        },
    }
    if tags:
        body["tags"] = dict(tags)
    return body


# -- views -----------------------------------------------------------------------------------------
def _site_view(sim: Sim, body: dict[str, Any]) -> dict[str, Any]:
    """A site as ARM shows it now: in a regional outage the app is reachable only in a limited way."""
    if sim.region_down(normalize_region(body["location"])):
        body = copy.deepcopy(body)
        body["properties"]["availabilityState"] = "Limited"
    return body


def _require(sim: Sim, resource_id: str, resource_type: str, name: str, rg: str) -> dict[str, Any]:
    body = sim.store.get(resource_id)
    if body is None:
        raise not_found(resource_type, name, rg)
    return body


# -- plans -----------------------------------------------------------------------------------------
def _list_plans_in_subscription(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.of_type(PLAN_TYPE, p["sub"]))


def _list_plans_in_group(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.of_type(PLAN_TYPE, p["sub"], p["rg"]))


def _get_plan(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _require(sim, plan_id(p["sub"], p["rg"], p["name"]), PLAN_TYPE, p["name"], p["rg"]))


def _put_plan(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    """Only updates of existing plans are simulated (mcctl scales plans, it does not create them)."""
    current = _require(sim, plan_id(p["sub"], p["rg"], p["name"]), PLAN_TYPE, p["name"], p["rg"])
    body = req.json() or {}
    capacity = (body.get("sku") or {}).get("capacity")
    maximum = current["properties"].get("maximumNumberOfWorkers") or 0
    if capacity is None:
        capacity = current["sku"]["capacity"]
    if not isinstance(capacity, int) or capacity < 1:
        raise bad_request("InvalidParameter", f"The parameter sku.capacity has an invalid value: {capacity}.")
    if capacity > maximum:
        raise bad_request(
            "BadRequest",
            f"Requested number of workers ({capacity}) exceeds the maximum number of workers "
            f"({maximum}) allowed for App Service plan '{p['name']}'.",
        )
    running = next(
        (
            o
            for o in sim.store.data["operations"].values()
            if o["status"] == "InProgress" and o["resource_id"] == current["id"].lower()
        ),
        None,
    )
    if running is not None:
        # A retried PUT (same client, same capacity) gets its operation again; never another client's.
        if running["effect"]["args"]["capacity"] == capacity and sim.started_by_caller(running):
            return _accepted(sim, req, current, running)
        raise ArmError(409, "Conflict", f"An operation is already in progress on App Service plan '{p['name']}'.")
    previous = current["sku"]["capacity"]
    duration = 0 if capacity == previous else SCALE_BASE_SECONDS + SCALE_SECONDS_PER_INSTANCE * abs(capacity - previous)
    current["properties"]["targetWorkerCount"] = capacity
    if duration:
        current["properties"]["provisioningState"] = "InProgress"
        current["properties"]["status"] = "Pending"
    sim.store.put(current)
    op = sim.start_operation(
        "web.plan.scale",
        resource_id=current["id"].lower(),
        location=current["location"],
        duration=duration,
        effect="web.plan.scaled",
        on_failure="web.plan.scale_failed",
        args={"plan_id": current["id"], "capacity": capacity},
    )
    return _accepted(sim, req, current, op)


def _accepted(sim: Sim, req: SimRequest, plan: dict[str, Any], op: dict[str, Any]) -> SimResponse:
    monitor = f"{req.base_url}{req.path}/operationresults/{op['id']}?api-version={req.param('api-version')}"
    return SimResponse(
        202,
        sim.store.get(plan["id"]),
        {"Azure-AsyncOperation": monitor, "Location": monitor, "Retry-After": sim.retry_after(op)},
    )


def _plan_scaled(sim: Sim, plan_id: str, capacity: int) -> None:
    plan = sim.store.require(plan_id)
    plan["sku"]["capacity"] = capacity
    plan["properties"]["numberOfWorkers"] = capacity
    plan["properties"]["targetWorkerCount"] = 0
    plan["properties"]["provisioningState"] = "Succeeded"
    plan["properties"]["status"] = "Ready"
    sim.store.put(plan)


def _plan_scale_failed(sim: Sim, plan_id: str, capacity: int) -> None:
    """The plan keeps its previous capacity and says the last operation failed."""
    plan = sim.store.require(plan_id)
    plan["properties"]["targetWorkerCount"] = 0
    plan["properties"]["provisioningState"] = "Failed"
    plan["properties"]["status"] = "Ready"
    sim.store.put(plan)


def _plan_operation(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.async_operation_status(p["op"], f"{req.base_url}{req.path}")


# -- sites -----------------------------------------------------------------------------------------
def _list_sites_in_subscription(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, [_site_view(sim, s) for s in sim.store.of_type(SITE_TYPE, p["sub"])])


def _list_sites_in_group(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, [_site_view(sim, s) for s in sim.store.of_type(SITE_TYPE, p["sub"], p["rg"])])


def _list_sites_on_plan(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    pid = _require(sim, plan_id(p["sub"], p["rg"], p["name"]), PLAN_TYPE, p["name"], p["rg"])["id"].lower()
    sites = [s for s in sim.store.of_type(SITE_TYPE, p["sub"]) if s["properties"]["serverFarmId"].lower() == pid]
    return sim.page(req, [_site_view(sim, s) for s in sites])


def _get_site(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    body = _require(sim, site_id(p["sub"], p["rg"], p["name"]), SITE_TYPE, p["name"], p["rg"])
    return SimResponse(200, _site_view(sim, body))


def _site_action(action: str):
    def handler(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
        site = _require(sim, site_id(p["sub"], p["rg"], p["name"]), SITE_TYPE, p["name"], p["rg"])
        if action in ("stop", "start"):
            site["properties"]["state"] = "Stopped" if action == "stop" else "Running"
            sim.store.put(site)
        return SimResponse(200)  # the SDK accepts 200 only, with no body

    return handler


# -- site configuration and publishing profiles (what `az webapp show` adds to the site) -----------
def _get_site_config(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    site = _require(sim, site_id(p["sub"], p["rg"], p["name"]), SITE_TYPE, p["name"], p["rg"])
    return SimResponse(200, site_config_body(site))


def site_config_body(site: dict[str, Any]) -> dict[str, Any]:
    """The `web` config of a site (WebApps_GetConfiguration, GetSiteConfig.json's shape): what the
    estate's apps run with — always on, HTTPS-only friendly TLS settings, one worker per instance."""
    return {
        "id": f"{site['id']}/config/web",
        "name": "web",
        "type": "Microsoft.Web/sites/config",
        "kind": site.get("kind", "app"),
        "location": site.get("location"),
        "properties": {
            "acrUseManagedIdentityCreds": False,
            "alwaysOn": True,
            "appCommandLine": "",
            "autoHealEnabled": False,
            "azureStorageAccounts": {},
            "defaultDocuments": ["Default.htm", "Default.html", "index.html", "hostingstart.html"],
            "detailedErrorLoggingEnabled": False,
            "ftpsState": "FtpsOnly",
            "functionAppScaleLimit": 0,
            "functionsRuntimeScaleMonitoringEnabled": False,
            "http20Enabled": True,
            "httpLoggingEnabled": False,
            "linuxFxVersion": "",
            "loadBalancing": "LeastRequests",
            "logsDirectorySizeLimit": 35,
            "managedPipelineMode": "Integrated",
            "minTlsVersion": "1.2",
            "minimumElasticInstanceCount": 0,
            "netFrameworkVersion": "v8.0",
            "numberOfWorkers": 1,
            "remoteDebuggingEnabled": False,
            "requestTracingEnabled": False,
            "scmMinTlsVersion": "1.2",
            "use32BitWorkerProcess": False,
            "virtualApplications": [{"physicalPath": "site\\wwwroot", "preloadEnabled": True, "virtualPath": "/"}],
            "vnetName": "",
            "vnetPrivatePortsCount": 0,
            "vnetRouteAllEnabled": False,
            "webSocketsEnabled": False,
        },
    }


# A placeholder, never a secret: the simulated apps accept no deployments.
PUBLISH_PASSWORD = "simulated-not-a-secret"


def _publishing_profiles(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    """WebApps_ListPublishingProfileXmlWithSecrets: 200 with `<publishData>` (application/xml)."""
    site = _require(sim, site_id(p["sub"], p["rg"], p["name"]), SITE_TYPE, p["name"], p["rg"])
    body = req.json() or {}
    wanted = body.get("format") if isinstance(body, dict) else None
    if wanted is not None and wanted not in ("FileZilla3", "WebDeploy", "Ftp"):
        raise bad_request("InvalidParameter", f"The parameter format has an invalid value: {wanted}.")
    return SimResponse(200, publish_xml(site).encode(), {"Content-Type": "application/xml"})


def publish_xml(site: dict[str, Any]) -> str:
    """The three profiles App Service lists for a site, with its host names (XML-escaped)."""
    name = site["name"]
    host = site["properties"].get("defaultHostName") or f"{name}.azurewebsites.net"
    scm = f"{name}.scm.azurewebsites.net:443"
    ftp = f"ftps://waws-prod-{normalize_region(site['location'])}.ftp.azurewebsites.windows.net/site/wwwroot"
    common = {
        "destinationAppUrl": f"https://{host}",
        "SQLServerDBConnectionString": "",
        "mySQLDBConnectionString": "",
        "hostingProviderForumLink": "",
        "controlPanelLink": "https://portal.azure.com",
        "webSystem": "WebSites",
    }
    profiles = [
        {
            "profileName": f"{name} - Web Deploy",
            "publishMethod": "MSDeploy",
            "publishUrl": scm,
            "msdeploySite": name,
            "userName": f"${name}",
        },
        {
            "profileName": f"{name} - FTP",
            "publishMethod": "FTP",
            "publishUrl": ftp,
            "ftpPassiveMode": "True",
            "userName": f"{name}\\${name}",
        },
        {
            "profileName": f"{name} - Zip Deploy",
            "publishMethod": "ZipDeploy",
            "publishUrl": scm,
            "userName": f"${name}",
        },
    ]
    parts = []
    for profile in profiles:
        attrs = {**profile, "userPWD": PUBLISH_PASSWORD, **common}
        rendered = " ".join(f"{key}={quoteattr(value)}" for key, value in attrs.items())
        parts.append(f"<publishProfile {rendered}><databases /></publishProfile>")
    return f"<publishData>{''.join(parts)}</publishData>"
