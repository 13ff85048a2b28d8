"""Microsoft.Cdn: Azure Front Door Standard/Premium profiles, endpoints, origin groups, origins, routes.

Shapes follow the 2026-10-01 examples (arm-examples/cdn): ids use `resourcegroups`, `afdendpoints`
and `origingroups` in lower case as the service does, while routes match any casing.

Origin and origin-group PATCHes are partial merges answered 202 with the *current* body plus an
Azure-AsyncOperation header (AFDOrigins_Update.json). The change is stored only when the operation
completes. provisioningState/deploymentStatus are not stored while an operation runs: they are
derived from the latest operation on the resource when the body is read, so a failed operation
(which runs no effect) shows Failed instead of staying Updating forever.

Front Door also has an edge: a completed change reaches the edge PROPAGATION_SECONDS later.
`sim.store.data["edge"]` keeps, per origin, the configs with the instant each reaches the edge;
`edge_config()` answers what the edge uses now (for a propagation check).

Origins are also created (full PUT) and deleted as LROs: see cdn_origins.py, which builds on the
helpers here; a deleted origin stays on the edge until its removal has propagated.

The endpoint itself (`https://{endpoint host}/...`, routed to `/@web/{host}/...`, no token) serves
from the edge config as AFD does: enabled origins only; among the healthy ones the lowest priority
wins, weighted among equal priority (a smooth weighted round-robin, so the choice is deterministic);
if every enabled origin is unhealthy it still routes to them; with every origin disabled it answers
503. Each answer names the origin it came from: `x-mcctl-served-by: {stamp}/{region}`.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mcctl.domain.regions import normalize_region
from mcctl.sim.http import ArmError, SimRequest, SimResponse, bad_request, not_found
from mcctl.sim.providers import probe
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate, FrontDoor
    from mcctl.sim.app import Effect, Sim

RG = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Cdn"
SUB = "/subscriptions/{sub}/providers/Microsoft.Cdn"
PROFILE = RG + "/profiles/{profile}"
ORIGIN_GROUP = PROFILE + "/originGroups/{og}"
ENDPOINT = PROFILE + "/afdEndpoints/{ep}"

PROFILE_TYPE = "Microsoft.Cdn/profiles"
ENDPOINT_TYPE = "Microsoft.Cdn/profiles/afdendpoints"
ORIGIN_GROUP_TYPE = "Microsoft.Cdn/profiles/origingroups"
ORIGIN_TYPE = "Microsoft.Cdn/profiles/origingroups/origins"
ROUTE_TYPE = "Microsoft.Cdn/profiles/afdendpoints/routes"

ORIGIN_UPDATE_SECONDS = 30  # AFD config changes take tens of seconds to be accepted
ORIGIN_GROUP_UPDATE_SECONDS = 40
PROPAGATION_SECONDS = 120  # then a few minutes more to reach every edge POP
ROUTE_NAME = "route-web"
EDGE_LATENCY_SECONDS = 0.05  # an answer from the nearest POP
SERVED_BY_HEADER = "x-mcctl-served-by"
DEFAULT_WEIGHT = 1000  # what AFD uses for an origin whose weight is not set
DEFAULT_PRIORITY = 1
# The endpoint's public host, `{name}.azurefd.{tld}` (e.g. `mc-demo-e4f5a6b7c8d9.z01.azurefd.net`):
# routes name the Front Door domain, so they never shadow another public host's routes.
EDGE_HOST = "/@web/{name}.azurefd.{tld}"
MAX_PATH_SEGMENTS = 6  # paths served through the endpoint: / up to /a/b/c/d/e/f
PROBE_TIMEOUT_SECONDS = 30.0  # a health probe answered later than this counts as failed

# Fields of an origin the edge routes with (what a propagation check compares).
EDGE_FIELDS = ("hostName", "originHostHeader", "httpPort", "httpsPort", "enabledState", "weight", "priority")
# Read-only properties a PATCH may carry (the SDK strips them, raw callers may not): ARM ignores them.
READ_ONLY = ("provisioningState", "deploymentStatus", "originGroupName")


# -- ids -------------------------------------------------------------------------------------------
def profile_id(sub: str, rg: str, profile: str) -> str:
    return f"/subscriptions/{sub}/resourcegroups/{rg}/providers/{PROFILE_TYPE}/{profile}"


def endpoint_id(sub: str, rg: str, profile: str, endpoint: str) -> str:
    return f"{profile_id(sub, rg, profile)}/afdendpoints/{endpoint}"


def origin_group_id(sub: str, rg: str, profile: str, og: str) -> str:
    return f"{profile_id(sub, rg, profile)}/origingroups/{og}"


def origin_id(sub: str, rg: str, profile: str, og: str, origin: str) -> str:
    return f"{origin_group_id(sub, rg, profile, og)}/origins/{origin}"


def route_id(sub: str, rg: str, profile: str, endpoint: str, route: str) -> str:
    return f"{endpoint_id(sub, rg, profile, endpoint)}/routes/{route}"


def endpoint_name(host: str) -> str:
    """`mc-demo-e4f5a6b7c8d9.z01.azurefd.net` → `mc-demo`: AFD appends a hash to the endpoint name."""
    label = host.split(".")[0]
    name, sep, suffix = label.rpartition("-")
    return name if sep and name and suffix.isalnum() and len(suffix) >= 8 else label


class CdnProvider:
    name = "Microsoft.Cdn"

    @property
    def effects(self) -> Mapping[str, Effect]:
        # Imported here: cdn_origins builds on this module's helpers (a one-way dependency).
        from mcctl.sim.providers import cdn_origins

        return {
            "cdn.origin.updated": _origin_updated,
            "cdn.origingroup.updated": _origin_group_updated,
            **cdn_origins.EFFECTS,
        }

    def register(self, router: Router) -> None:
        router.add("GET", f"{SUB}/profiles", _list_profiles_in_subscription)
        router.add("GET", f"{RG}/profiles", _list_profiles_in_group)
        router.add("GET", PROFILE, _get_profile)
        router.add("GET", f"{PROFILE}/afdEndpoints", _list_endpoints)
        router.add("GET", ENDPOINT, _get_endpoint)
        router.add("GET", f"{ENDPOINT}/routes", _list_routes)
        router.add("GET", f"{ENDPOINT}/routes/{{route}}", _get_route)
        router.add("GET", f"{PROFILE}/originGroups", _list_origin_groups)
        router.add("GET", ORIGIN_GROUP, _get_origin_group)
        router.add("PATCH", ORIGIN_GROUP, _patch_origin_group)
        router.add("GET", f"{ORIGIN_GROUP}/origins", _list_origins)
        router.add("GET", f"{ORIGIN_GROUP}/origins/{{origin}}", _get_origin)
        router.add("PATCH", f"{ORIGIN_GROUP}/origins/{{origin}}", _patch_origin)
        from mcctl.sim.providers import cdn_origins  # see `effects`

        router.add("PUT", f"{ORIGIN_GROUP}/origins/{{origin}}", cdn_origins.put_origin)
        router.add("DELETE", f"{ORIGIN_GROUP}/origins/{{origin}}", cdn_origins.delete_origin)
        router.add("GET", f"{RG}/operationresults/{{op}}", _operation_status)
        # The public endpoint, for any path up to MAX_PATH_SEGMENTS deep; no token needed.
        for depth in range(MAX_PATH_SEGMENTS + 1):
            router.add("GET", EDGE_HOST + "".join(f"/{{p{i}}}" for i in range(depth)), _serve_endpoint)
        router.add("POST", EDGE_HOST + "/mcctl-probe/writes", _serve_endpoint)  # a drill's write probes

    def seed(self, sim: Sim, estate: Estate) -> None:
        fd = estate.frontdoor
        sim.store.put(_profile_body(fd))
        sim.store.put(_endpoint_body(fd))
        sim.store.put(_origin_group_body(fd))
        sim.store.put(_route_body(fd))
        for stamp in estate.stamps:
            if stamp.candidate:
                continue  # a pipeline deployed it; its origin comes with `mcctl stamps add`
            body = _origin_body(fd, stamp.origin, f"{stamp.web_app}.azurewebsites.net", stamp.app_ref.id)
            sim.store.put(body)
            # Seeded config has been on the edge "forever".
            _edge_origins(sim)[body["id"].lower()] = [{"config": _edge_snapshot(body), "applied_at": 0.0}]
            # Which stamp an origin fronts, for the served-by header (ARM has no such notion).
            _edge_data(sim).setdefault("stamps", {})[body["id"].lower()] = {
                "stamp": stamp.name,
                "region": stamp.region,
            }


# -- seed bodies -----------------------------------------------------------------------------------
def _profile_body(fd: FrontDoor) -> dict[str, Any]:
    pid = profile_id(fd.subscription, fd.resource_group, fd.profile)
    return {
        "id": pid,
        "name": fd.profile,
        "type": PROFILE_TYPE,
        "kind": "frontdoor",
        "location": "Global",
        "sku": {"name": "Premium_AzureFrontDoor"},
        "tags": {},
        "properties": {
            "frontDoorId": str(uuid.uuid5(uuid.NAMESPACE_URL, pid.lower())),
            "logScrubbing": {"scrubbingRules": [], "state": "Enabled"},
            "originResponseTimeoutSeconds": 60,
            "provisioningState": "Succeeded",
            "resourceState": "Active",
        },
    }


def _endpoint_body(fd: FrontDoor) -> dict[str, Any]:
    name = endpoint_name(fd.endpoint_host)
    return {
        "id": endpoint_id(fd.subscription, fd.resource_group, fd.profile, name),
        "name": name,
        "type": ENDPOINT_TYPE,
        "location": "Global",
        "tags": {},
        "properties": {
            "autoGeneratedDomainNameLabelScope": "TenantReuse",
            "deploymentStatus": "NotStarted",
            "enabledState": "Enabled",
            "hostName": fd.endpoint_host,
            "profileName": fd.profile,
            "provisioningState": "Succeeded",
        },
    }


def _origin_group_body(fd: FrontDoor) -> dict[str, Any]:
    return {
        "id": origin_group_id(fd.subscription, fd.resource_group, fd.profile, fd.origin_group),
        "name": fd.origin_group,
        "type": ORIGIN_GROUP_TYPE,
        "properties": {
            "deploymentStatus": "NotStarted",
            "healthProbeSettings": {
                "probeIntervalInSeconds": 30,
                "probePath": "/health/stamp",
                "probeProtocol": "Https",
                "probeRequestType": "GET",
            },
            "loadBalancingSettings": {
                "additionalLatencyInMilliseconds": 50,
                "sampleSize": 4,
                "successfulSamplesRequired": 3,
            },
            "profileName": fd.profile,
            "provisioningState": "Succeeded",
            "sessionAffinityState": "Disabled",
            "trafficRestorationTimeToHealedOrNewEndpointsInMinutes": 10,
        },
    }


def _route_body(fd: FrontDoor) -> dict[str, Any]:
    ep = endpoint_name(fd.endpoint_host)
    # As in Routes_Get.json, references inside properties use the camel-cased path segments.
    og_ref = (
        f"/subscriptions/{fd.subscription}/resourceGroups/{fd.resource_group}/providers/{PROFILE_TYPE}"
        f"/{fd.profile}/originGroups/{fd.origin_group}"
    )
    return {
        "id": route_id(fd.subscription, fd.resource_group, fd.profile, ep, ROUTE_NAME),
        "name": ROUTE_NAME,
        "type": ROUTE_TYPE,
        "properties": {
            "cacheConfiguration": None,
            "customDomains": [],
            "deploymentStatus": "NotStarted",
            "enabledState": "Enabled",
            "endpointName": ep,
            "forwardingProtocol": "HttpsOnly",
            "httpsRedirect": "Enabled",
            "linkToDefaultDomain": "Enabled",
            "originGroup": {"id": og_ref},
            "originPath": None,
            "patternsToMatch": ["/*"],
            "provisioningState": "Succeeded",
            "ruleSets": [],
            "supportedProtocols": ["Http", "Https"],
        },
    }


def _origin_body(fd: FrontDoor, name: str, host: str, azure_origin: str) -> dict[str, Any]:
    return {
        "id": origin_id(fd.subscription, fd.resource_group, fd.profile, fd.origin_group, name),
        "name": name,
        "type": ORIGIN_TYPE,
        "properties": {
            "azureOrigin": {"id": azure_origin},
            "certificateNameCheckValidationMode": "OriginHostname",
            "customCertificateSubjects": None,
            "deploymentStatus": "NotStarted",
            "enabledState": "Enabled",
            "enforceCertificateNameCheck": True,
            "hostName": host,
            "httpPort": 80,
            "httpsPort": 443,
            "originGroupName": fd.origin_group,
            "originHostHeader": host,
            "priority": 1,
            "provisioningState": "Succeeded",
            "sharedPrivateLinkResource": None,
            "weight": 1000,
        },
    }


# -- views -----------------------------------------------------------------------------------------
def _latest_operation(sim: Sim, resource_id: str) -> dict[str, Any] | None:
    key = resource_id.lower()
    ops = [op for op in sim.store.data["operations"].values() if op["resource_id"] == key]
    return max(ops, key=lambda op: op["seq"]) if ops else None


def _view(sim: Sim, body: dict[str, Any]) -> dict[str, Any]:
    """The body as ARM shows it now: Creating/Updating/Deleting while an operation runs (by the
    operation's kind), Failed after one failed."""
    op = _latest_operation(sim, body["id"])
    if op is None or op["status"] == "Succeeded":
        return body
    body = copy.deepcopy(body)
    props = body["properties"]
    if op["status"] != "InProgress":
        props["provisioningState"] = props["deploymentStatus"] = "Failed"
    elif op["kind"].endswith(".create"):
        # As AFDOrigins_Create.json's 202 body: nothing is deployed to the edge yet.
        props["provisioningState"], props["deploymentStatus"] = "Creating", "NotStarted"
    else:
        props["provisioningState"] = "Deleting" if op["kind"].endswith(".delete") else "Updating"
        props["deploymentStatus"] = "InProgress"
    return body


def _require(sim: Sim, resource_id: str, resource_type: str, name: str, rg: str) -> dict[str, Any]:
    body = sim.store.get(resource_id)
    if body is None:
        raise not_found(resource_type, name, rg)
    return body


def profile_of(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    """The profile named by a route's `sub`, `rg`, `profile` (404 as ARM if there is none)."""
    return _require(sim, profile_id(p["sub"], p["rg"], p["profile"]), PROFILE_TYPE, p["profile"], p["rg"])


def _endpoint(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    profile_of(sim, p)
    rid = endpoint_id(p["sub"], p["rg"], p["profile"], p["ep"])
    return _require(sim, rid, ENDPOINT_TYPE, f"{p['profile']}/{p['ep']}", p["rg"])


def _origin_group(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    profile_of(sim, p)
    rid = origin_group_id(p["sub"], p["rg"], p["profile"], p["og"])
    return _require(sim, rid, ORIGIN_GROUP_TYPE, f"{p['profile']}/{p['og']}", p["rg"])


def _origin(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    _origin_group(sim, p)
    rid = origin_id(p["sub"], p["rg"], p["profile"], p["og"], p["origin"])
    return _require(sim, rid, ORIGIN_TYPE, f"{p['profile']}/{p['og']}/{p['origin']}", p["rg"])


# -- profiles, endpoints, routes -------------------------------------------------------------------
def _list_profiles_in_subscription(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.of_type(PROFILE_TYPE, p["sub"]))


def _list_profiles_in_group(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.of_type(PROFILE_TYPE, p["sub"], p["rg"]))


def _get_profile(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, profile_of(sim, p))


def _list_endpoints(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.children(profile_of(sim, p)["id"], "afdendpoints"))


def _get_endpoint(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _endpoint(sim, p))


def _list_routes(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.children(_endpoint(sim, p)["id"], "routes"))


def _get_route(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    parent = _endpoint(sim, p)
    rid = f"{parent['id']}/routes/{p['route']}"
    return SimResponse(200, _require(sim, rid, ROUTE_TYPE, f"{p['profile']}/{p['ep']}/{p['route']}", p["rg"]))


# -- origin groups ---------------------------------------------------------------------------------
def _list_origin_groups(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    groups = sim.store.children(profile_of(sim, p)["id"], "origingroups")
    return sim.page(req, [_view(sim, g) for g in groups])


def _get_origin_group(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _view(sim, _origin_group(sim, p)))


def _validate_origin_group(props: dict[str, Any]) -> None:
    probe = props.get("healthProbeSettings") or {}
    _check_enum(probe, "probeRequestType", ("NotSet", "GET", "HEAD"))
    _check_enum(probe, "probeProtocol", ("NotSet", "Http", "Https"))
    _check_range(probe, "probeIntervalInSeconds", 1, 255)
    balancing = props.get("loadBalancingSettings") or {}
    _check_range(balancing, "sampleSize", 0, 255)
    _check_range(balancing, "successfulSamplesRequired", 0, 255)
    _check_range(balancing, "additionalLatencyInMilliseconds", 0, 1000)


def _patch_origin_group(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    current = _origin_group(sim, p)
    changes = _patch_properties(req)
    _validate_origin_group(changes)
    return _start_update(sim, req, current, "cdn.origingroup", ORIGIN_GROUP_UPDATE_SECONDS, changes)


def _origin_group_updated(sim: Sim, resource_id: str, changes: dict[str, Any], completes_at: float) -> None:
    group = sim.store.require(resource_id)
    _merge(group["properties"], changes)
    group["properties"]["provisioningState"] = "Succeeded"
    group["properties"]["deploymentStatus"] = "Succeeded"
    sim.store.put(group)


# -- origins ---------------------------------------------------------------------------------------
def _list_origins(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    origins = sim.store.children(_origin_group(sim, p)["id"], "origins")
    return sim.page(req, [_view(sim, o) for o in origins])


def _get_origin(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _view(sim, _origin(sim, p)))


def _validate_origin(props: dict[str, Any]) -> None:
    _check_range(props, "weight", 1, 1000)
    _check_range(props, "priority", 1, 5)
    _check_range(props, "httpPort", 1, 65535)
    _check_range(props, "httpsPort", 1, 65535)
    _check_enum(props, "enabledState", ("Enabled", "Disabled"))


def _patch_origin(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    current = _origin(sim, p)
    changes = _patch_properties(req)
    _validate_origin(changes)
    return _start_update(sim, req, current, "cdn.origin", ORIGIN_UPDATE_SECONDS, changes)


def _origin_updated(sim: Sim, resource_id: str, changes: dict[str, Any], completes_at: float) -> None:
    origin = sim.store.require(resource_id)
    _merge(origin["properties"], changes)
    origin["properties"]["provisioningState"] = "Succeeded"
    origin["properties"]["deploymentStatus"] = "Succeeded"
    sim.store.put(origin)
    _record_edge_version(sim, origin, completes_at + PROPAGATION_SECONDS)


# -- PATCH as an LRO -------------------------------------------------------------------------------
def request_object(req: SimRequest) -> dict[str, Any] | None:
    """The JSON object a PATCH or PUT body holds (None: no body). A body that is JSON but not an
    object (`[1,2]`, `"str"`, `0`) is refused as ARM does, never read as "no change"."""
    try:
        body = req.json()
    except ValueError as exc:
        raise bad_request("InvalidRequestContent", f"The request content was invalid: {exc}") from None
    if not req.body.strip():
        return None  # no body at all (a literal `null` is a body, and not an object)
    if not isinstance(body, dict):
        kind = _json_type(body)
        article = "an" if kind[0] in "aeiou" else "a"
        raise bad_request(
            "InvalidRequestContent",
            f"The request content was invalid: the body must be a JSON object, not {article} {kind}.",
        )
    return body


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    names = {dict: "object", list: "array", str: "string", int: "number", float: "number", type(None): "null"}
    return names.get(type(value), "value")


def _patch_properties(req: SimRequest) -> dict[str, Any]:
    """The `properties` of a PATCH body, minus read-only fields and nulls (null = unchanged here)."""
    body = request_object(req) or {}
    props = body.get("properties")
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise bad_request("InvalidRequestContent", "The property 'properties' must be an object.")
    return {k: v for k, v in props.items() if k not in READ_ONLY and v is not None}


def _start_update(
    sim: Sim,
    req: SimRequest,
    current: dict[str, Any],
    family: str,
    duration: float,
    changes: dict[str, Any],
    effect: str | None = None,
    status: int = 202,
) -> SimResponse:
    """Start `{family}.update` (an lro_failure fault can match it); `effect` (`{family}.updated`: a
    merge) applies `changes` at completion. Answered `status` (202 for a PATCH, 200 for a full PUT)."""
    effect = effect or f"{family}.updated"
    running = running_operation(sim, current["id"])
    if running is not None and not (same_request(running, effect, changes) and sim.started_by_caller(running)):
        raise conflict(current["name"])
    op = running  # the same client's request again while it runs (a retry, a resume): the same operation
    if op is None:
        op = sim.start_operation(
            f"{family}.update",
            resource_id=current["id"].lower(),
            location="Global",
            duration=duration,
            effect=effect,
            args={"resource_id": current["id"], "changes": changes, "completes_at": sim.now() + duration},
        )
    headers: dict[str, str] = {}
    if op["status"] == "InProgress":
        headers = {"Azure-AsyncOperation": monitor_url(req, op), "Retry-After": sim.retry_after(op)}
    # 202 with the current body (the change applies at completion), as AFDOrigins_Update.json shows.
    return SimResponse(status if headers else 200, _view(sim, sim.store.require(current["id"])), headers)


def running_operation(sim: Sim, resource_id: str) -> dict[str, Any] | None:
    """The operation in progress on a resource, if any."""
    latest = _latest_operation(sim, resource_id)
    return latest if latest is not None and latest["status"] == "InProgress" else None


def same_request(op: dict[str, Any], effect: str, changes: dict[str, Any] | None) -> bool:
    """Whether `op` is what this request would start (then a repeat joins it instead of a 409)."""
    return (op.get("effect") or {}).get("name") == effect and op["effect"]["args"].get("changes") == changes


def conflict(name: str) -> ArmError:
    return ArmError(409, "Conflict", f"Another operation is in progress on '{name}'. Retry after it completes.")


def monitor_url(req: SimRequest, op: dict[str, Any]) -> str:
    """The Azure-AsyncOperation (and Location) monitor of `op`, on the host the client called."""
    return (
        f"{req.base_url}/subscriptions/{_segment(req.path, 'subscriptions')}/resourcegroups/"
        f"{_segment(req.path, 'resourcegroups')}/providers/Microsoft.Cdn/operationresults/{op['id']}"
        f"?api-version={req.param('api-version')}"
    )


def _operation_status(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.async_operation_status(p["op"], f"{req.base_url}{req.path}")


def _segment(path: str, name: str) -> str:
    parts = path.split("/")
    lowered = [part.lower() for part in parts]
    return parts[lowered.index(name) + 1]


def _merge(target: dict[str, Any], changes: dict[str, Any]) -> None:
    """JSON merge: nested objects (healthProbeSettings, ...) are merged, everything else replaced."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)


def _check_range(props: dict[str, Any], name: str, low: int, high: int) -> None:
    if name not in props:
        return
    value = props[name]
    if isinstance(value, bool) or not isinstance(value, int):
        # A type error says so: "must be between 1 and 1000" for "700" (a string) would mislead.
        shown = json.dumps(value)
        message = (
            f"The value {shown} of property '{name}' is invalid. It must be an integer, not a {_json_type(value)}."
        )
        raise bad_request("BadRequest", message)
    if not low <= value <= high:
        message = f"The value '{value}' of property '{name}' is invalid. It must be between {low} and {high}."
        raise bad_request("BadRequest", message)


def _check_enum(props: dict[str, Any], name: str, allowed: tuple[str, ...]) -> None:
    if name not in props:
        return
    value = props[name]
    match = next((a for a in allowed if isinstance(value, str) and a.lower() == value.lower()), None)
    if match is None:
        message = f"The value '{value}' of property '{name}' is invalid. Allowed: {', '.join(allowed)}."
        raise bad_request("BadRequest", message)
    props[name] = match  # ARM enums are case-insensitive; store the canonical spelling


# -- the edge --------------------------------------------------------------------------------------
def _edge_data(sim: Sim) -> dict[str, Any]:
    sim.store.dirty = True
    return sim.store.data.setdefault("edge", {})


def _edge_origins(sim: Sim) -> dict[str, list[dict[str, Any]]]:
    return _edge_data(sim).setdefault("origins", {})


def _edge_snapshot(body: dict[str, Any]) -> dict[str, Any]:
    return {name: body["properties"].get(name) for name in EDGE_FIELDS}


def _record_edge_version(sim: Sim, origin: dict[str, Any], applied_at: float) -> None:
    versions = _edge_origins(sim).setdefault(origin["id"].lower(), [])
    versions.append({"config": _edge_snapshot(origin), "applied_at": applied_at})
    # Keep the newest version already on the edge and everything still propagating.
    live = [i for i, v in enumerate(versions) if v["applied_at"] <= sim.now()]
    if live:
        del versions[: live[-1]]


def edge_config(sim: Sim, profile_id: str) -> list[dict[str, Any]]:
    """Per origin of the profile, the config the Front Door edge uses now.

    That is the newest config whose propagation delay has elapsed (None fields if nothing has
    reached the edge yet). Each dict: id, name, origin_group, applied_at (when that config reached
    the edge) and the routing fields hostName, originHostHeader, httpPort, httpsPort, enabledState,
    weight, priority. Pure: reads the state, changes nothing.
    """
    prefix = profile_id.lower() + "/origingroups/"
    now = sim.now()
    edge = sim.store.data.get("edge", {})
    versions_by_origin = edge.get("origins", {})
    known = [
        (key, body["id"], body["name"], body["properties"].get("originGroupName"))
        for key, body in sim.store.resources.items()
        if key.startswith(prefix) and body.get("type", "").lower() == ORIGIN_TYPE.lower()
    ]
    # A deleted origin is still routed to until its removal reaches the edge.
    known += [
        (key, gone["id"], gone["name"], gone["origin_group"])
        for key, gone in edge.get("removed", {}).items()
        if key.startswith(prefix) and key not in sim.store.resources and now < gone["until"]
    ]
    result = []
    for key, rid, name, group in known:
        live = [v for v in versions_by_origin.get(key, []) if v["applied_at"] <= now]
        current = max(live, key=lambda v: v["applied_at"]) if live else None
        config = dict(current["config"]) if current else dict.fromkeys(EDGE_FIELDS)
        result.append(
            {
                "id": rid,
                "name": name,
                "origin_group": group,
                "applied_at": current["applied_at"] if current else None,
                **config,
            }
        )
    return result


# -- the endpoint: what a client of the site sees --------------------------------------------------
def _endpoint_by_host(sim: Sim, host: str) -> dict[str, Any] | None:
    wanted = host.lower()
    for body in sim.store.resources.values():
        if body.get("type", "").lower() != ENDPOINT_TYPE.lower():
            continue
        if (body["properties"].get("hostName") or "").lower() == wanted:
            return body
    return None


def _route_for(sim: Sim, endpoint: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The enabled route whose pattern matches `path` most specifically (`/*` matches everything)."""
    best, best_length = None, -1
    for route in sim.store.children(endpoint["id"], "routes"):
        props = route["properties"]
        if (props.get("enabledState") or "Enabled").lower() != "enabled":
            continue
        for pattern in props.get("patternsToMatch") or []:
            prefix = pattern[:-1] if pattern.endswith("*") else None
            matched = path.lower().startswith(prefix.lower()) if prefix is not None else path.lower() == pattern.lower()
            if matched and len(pattern) > best_length:
                best, best_length = route, len(pattern)
    return best


def _azure_ref(sim: Sim) -> str:
    stamp = datetime.fromtimestamp(sim.now(), UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{uuid.uuid4().hex[:20]}"


def _edge_error(status: int, code: str, message: str, sim: Sim) -> SimResponse:
    return SimResponse(
        status, {"error": {"code": code, "message": message}}, {"X-Azure-Ref": _azure_ref(sim)}, EDGE_LATENCY_SECONDS
    )


def _serve_endpoint(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    host = f"{p['name']}.azurefd.{p['tld']}"
    endpoint = _endpoint_by_host(sim, host)
    if endpoint is None:
        raise ArmError(404, "NotFound", f"No Front Door endpoint answers for host '{host}'.")
    route = _route_for(sim, endpoint, req.path)
    if route is None or (endpoint["properties"].get("enabledState") or "Enabled").lower() != "enabled":
        return _edge_error(404, "NotFound", "Front Door has no enabled route for this request.", sim)
    group_id = route["properties"]["originGroup"]["id"]
    profile = endpoint["id"][: endpoint["id"].lower().index("/afdendpoints/")]
    group_name = group_id.rstrip("/").split("/")[-1].lower()
    origins = [o for o in edge_config(sim, profile) if (o["origin_group"] or "").lower() == group_name]
    chosen = choose_origin(sim, group_id, origins)
    if chosen is None:
        return _edge_error(503, "OriginUnavailable", "Every origin of the origin group is disabled.", sim)
    return _answer_from(sim, chosen, req.path, req.method)


def choose_origin(sim: Sim, group_id: str, origins: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The origin the edge sends the next request to (None when every origin is disabled).

    `origins` are edge configs (`edge_config()` items). Changes state: the round-robin position.
    """
    enabled = [o for o in origins if (o["enabledState"] or "").lower() == "enabled"]
    if not enabled:
        return None
    group = sim.store.get(group_id)
    probe = group["properties"].get("healthProbeSettings") if group else None
    healthy = [o for o in enabled if origin_healthy(sim, o, probe) or _not_yet_detected(sim, o, group)]
    pool = healthy or enabled  # all unhealthy: AFD still routes to the enabled origins
    best = min(_priority(o) for o in pool)
    candidates = sorted((o for o in pool if _priority(o) == best), key=lambda o: o["name"])
    return _weighted_pick(sim, group_id.lower(), candidates)


def detection_seconds(group: dict[str, Any] | None) -> float:
    """How long AFD keeps routing to an origin that stopped answering: until enough of its health
    probes failed that fewer than `successfulSamplesRequired` of the last `sampleSize` succeeded —
    (sampleSize − required + 1) probes, one every `probeIntervalInSeconds` (60 s by the defaults)."""
    props = (group or {}).get("properties") or {}
    probe = props.get("healthProbeSettings") or {}
    balancing = props.get("loadBalancingSettings") or {}
    interval = float(probe.get("probeIntervalInSeconds") or 30)
    sample, required = int(balancing.get("sampleSize") or 4), int(balancing.get("successfulSamplesRequired") or 3)
    return interval * max(1, sample - required + 1)


def _not_yet_detected(sim: Sim, origin: dict[str, Any], group: dict[str, Any] | None) -> bool:
    """A region that just went down still gets requests (which fail) until AFD's probes notice: what
    a drill's probes measure as the first part of the outage. (The health metric is the probes' own
    view: it turns at once.)"""
    if not (group or {}).get("properties", {}).get("healthProbeSettings"):
        return False
    started = sim.outage_started(_stamp_of(sim, origin)["region"])
    return started is not None and sim.now() < started + detection_seconds(group)


def _priority(origin: dict[str, Any]) -> int:
    value = origin.get("priority")
    return DEFAULT_PRIORITY if value is None else int(value)


def _weight(origin: dict[str, Any]) -> int:
    value = origin.get("weight")
    return DEFAULT_WEIGHT if value is None else int(value)


def _weighted_pick(sim: Sim, group_key: str, candidates: list[dict[str, Any]]) -> dict[str, Any]:
    """Smooth weighted round-robin (as nginx): proportional to weight, deterministic, interleaved."""
    state = _edge_data(sim).setdefault("wrr", {}).setdefault(group_key, {})
    keys = [o["id"].lower() for o in candidates]
    for key in list(state):
        if key not in keys:
            del state[key]  # an origin that comes back starts afresh
    total = 0
    best = 0
    for index, (origin, key) in enumerate(zip(candidates, keys, strict=True)):
        state[key] = state.get(key, 0) + _weight(origin)
        total += _weight(origin)
        if state[key] > state[keys[best]]:
            best = index
    state[keys[best]] -= total
    return candidates[best]


def _stamp_of(sim: Sim, origin: dict[str, Any]) -> dict[str, str | None]:
    known = sim.store.data.get("edge", {}).get("stamps", {}).get(origin["id"].lower())
    if known and known.get("region"):
        return known
    # A state seeded before the stamp map existed, or an origin created before its site was.
    return stamp_for(sim, origin["name"], _site_of(sim, origin))


def stamp_for(sim: Sim, origin_name: str, site: dict[str, Any] | None) -> dict[str, str | None]:
    """Which stamp an origin fronts: the site's `mcctl-stamp` tag (what a deployment pipeline sets),
    else the origin's name without its `origin-` prefix; the region is the site's."""
    tagged = ((site or {}).get("tags") or {}).get("mcctl-stamp")
    name = tagged or (origin_name[len("origin-") :] if origin_name.startswith("origin-") else origin_name)
    return {"stamp": name, "region": normalize_region(site["location"]) if site else None}


def _site_of(sim: Sim, origin: dict[str, Any]) -> dict[str, Any] | None:
    body = sim.store.get(origin["id"])
    if body is None:
        return None
    azure = (body.get("properties", {}).get("azureOrigin") or {}).get("id")
    return sim.store.get(azure) if azure else site_by_host(sim, body["properties"].get("hostName"))


def site_by_host(sim: Sim, host: str | None) -> dict[str, Any] | None:
    """The web app whose host names include `host` (an origin created without azureOrigin)."""
    if not host:
        return None
    wanted = host.lower()
    for body in sim.store.resources.values():
        if body.get("type", "").lower() == "microsoft.web/sites":
            if wanted in [h.lower() for h in body.get("properties", {}).get("hostNames") or []]:
                return body
    return None


def origin_healthy(sim: Sim, origin: dict[str, Any], probe: dict[str, Any] | None) -> bool:
    """What AFD's health probes conclude about an origin (an `edge_config()` item) right now."""
    if not probe:
        return True  # health probes off: AFD cannot tell, and treats every enabled origin as healthy
    if sim.region_down(_stamp_of(sim, origin)["region"]):
        return False
    site = _site_of(sim, origin)
    if site is not None:
        if (site["properties"].get("state") or "").lower() != "running":
            return False  # a stopped app answers 403
        plan = sim.store.get(site["properties"].get("serverFarmId") or "")
        if plan is not None and (plan["properties"].get("numberOfWorkers") or 0) <= 0:
            return False
    return _probe_answers_200(sim, origin.get("hostName"), probe.get("probePath") or "/")


def _probe_answers_200(sim: Sim, host: str | None, path: str) -> bool:
    """GET the probe path on the origin as AFD does (only 200 is healthy). Whatever the simulator
    serves there decides (e.g. a stamp health endpoint); nothing served there counts as healthy."""
    if not host:
        return True
    route = f"/@web/{host.lower()}{path if path != '/' else ''}"
    handler, params, _ = sim.router.match("GET", route)
    if handler is None or handler is _serve_endpoint:
        return True
    try:
        response = handler(sim, SimRequest("GET", f"https://{host}{path}", {"user-agent": "Edge Health Probe"}), params)
    except ArmError:
        return False
    return response.status == 200 and response.latency < PROBE_TIMEOUT_SECONDS


def _answer_from(sim: Sim, origin: dict[str, Any], path: str, method: str = "GET") -> SimResponse:
    """The origin's answer through the edge: 200 from a running app; AFD's 503 when the region is
    down; App Service's 403 for a stopped app. Either way the edge says which origin it used.
    `/mcctl-probe/...` paths are the app's database probes (mcctl/sim/providers/probe.py)."""

    stamp = _stamp_of(sim, origin)
    site = _site_of(sim, origin)
    headers = {
        SERVED_BY_HEADER: f"{stamp['stamp']}/{stamp['region']}",
        "x-mcctl-origin": origin["name"],
        "X-Azure-Ref": _azure_ref(sim),
        "X-Cache": "CONFIG_NOCACHE",
    }
    served = {"stamp": stamp["stamp"], "region": stamp["region"], "origin": origin["name"], "host": origin["hostName"]}
    if sim.region_down(stamp["region"]):
        error = {"code": "OriginUnreachable", "message": "The origin could not be reached."}
        return SimResponse(503, {"error": error, "served_by": served}, headers, EDGE_LATENCY_SECONDS)
    if site is not None and (site["properties"].get("state") or "").lower() != "running":
        error = {"code": "SiteStopped", "message": "Error 403 - This web app is stopped."}
        return SimResponse(403, {"error": error, "served_by": served}, headers, EDGE_LATENCY_SECONDS)
    if probe.is_probe_path(path):
        return probe.answer(sim, method, path, served, headers, EDGE_LATENCY_SECONDS)
    return SimResponse(200, {"served_by": served, "path": path}, headers, EDGE_LATENCY_SECONDS)
