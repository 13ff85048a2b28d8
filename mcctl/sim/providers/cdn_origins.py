"""Microsoft.Cdn origins created and deleted, as LROs with the shapes of AFDOrigins_Create.json and
AFDOrigins_Delete.json (2026-10-01). Routes are registered by cdn.CdnProvider.

- PUT on an origin that does not exist creates it: 201 with the body as stored (provisioningState
  Creating, deploymentStatus NotStarted) and an Azure-AsyncOperation header. The origin exists at
  once (GET shows Creating); it is Succeeded when the operation completes, and its config reaches
  the edge PROPAGATION_SECONDS after that: until then the edge does not route to it.
- PUT on an existing origin replaces it (a full PUT: properties left out take their defaults):
  200 with the current body (Updating) + Azure-AsyncOperation; the new body is stored at
  completion and propagates, as a PATCH does.
- DELETE: 202 with Azure-AsyncOperation and Location, no body (Deleting while it runs); the origin
  is gone when the operation completes, and the edge keeps routing to it until that removal has
  propagated (`edge["removed"]`). 204 when there is no such origin.

Bodies are validated as a PATCH is (400 naming the property, no state change). A request while
another operation runs on the origin is 409, except the same client's request again (a retry): it
joins the running operation. Which stamp a new origin fronts (for the edge's served-by header) is recorded in
the edge "stamps" map from its web app (azureOrigin, else the app whose host name it names).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mcctl.sim.http import SimRequest, SimResponse, bad_request
from mcctl.sim.providers.cdn import (
    ORIGIN_TYPE,
    ORIGIN_UPDATE_SECONDS,
    PROPAGATION_SECONDS,
    READ_ONLY,
    _edge_data,
    _edge_origins,
    _origin,
    _origin_group,
    _record_edge_version,
    _site_of,
    _start_update,
    _validate_origin,
    _view,
    conflict,
    monitor_url,
    origin_id,
    request_object,
    running_operation,
    same_request,
    stamp_for,
)

if TYPE_CHECKING:
    from mcctl.sim.app import Effect, Sim

ORIGIN_CREATE_SECONDS = 45  # a new origin takes a little longer to be accepted than a change
ORIGIN_DELETE_SECONDS = 30
# What AFD stores for the properties a PUT leaves out or sends as null (`az afd origin update --set
# properties.weight=null`). Weight and priority get no stored default: the spec's AFDOrigins_Create.json
# (tests/fixtures/arm-examples/cdn, 2026-10-01) answers a PUT without them with `"weight": null,
# "priority": null` in its 200, 201 and 202 bodies alike, and the edge treats null as priority 1 and
# weight 1000 (cdn.DEFAULT_PRIORITY / DEFAULT_WEIGHT, as mcctl.domain.observed's AFD defaults).
PUT_DEFAULTS: dict[str, Any] = {
    "enabledState": "Enabled",
    "enforceCertificateNameCheck": True,
    "httpPort": 80,
    "httpsPort": 443,
    "originHostHeader": None,
    "priority": None,
    "sharedPrivateLinkResource": None,
    "weight": None,
}


# -- PUT: create or replace ------------------------------------------------------------------------
def put_origin(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    group = _origin_group(sim, p)
    rid = origin_id(p["sub"], p["rg"], p["profile"], p["og"], p["origin"])
    props = _put_properties(req, group["name"])
    existing = sim.store.get(rid)
    if existing is not None:
        op = running_operation(sim, rid)
        if op is not None and same_request(op, "cdn.origin.created", props) and sim.started_by_caller(op):
            return _created(sim, req, op)  # the create again while it runs (a retry): the same answer
        return _start_update(
            sim, req, _origin(sim, p), "cdn.origin", ORIGIN_UPDATE_SECONDS, props, "cdn.origin.replaced", 200
        )
    body = {
        "id": rid,
        "name": p["origin"],
        "type": ORIGIN_TYPE,
        "properties": {**props, "provisioningState": "Creating", "deploymentStatus": "NotStarted"},
    }
    sim.store.put(body)
    _remember_stamp(sim, body)
    _edge_data(sim).get("removed", {}).pop(rid.lower(), None)  # created again: no longer on its way out
    op = sim.start_operation(
        "cdn.origin.create",
        resource_id=rid.lower(),
        location="Global",
        duration=ORIGIN_CREATE_SECONDS,
        effect="cdn.origin.created",
        args={"resource_id": rid, "changes": props, "completes_at": sim.now() + ORIGIN_CREATE_SECONDS},
    )
    return _created(sim, req, op)


def _created(sim: Sim, req: SimRequest, op: dict[str, Any]) -> SimResponse:
    body = _view(sim, sim.store.require(op["resource_id"]))
    if op["status"] != "InProgress":
        return SimResponse(200, body)  # a repeat after it completed: nothing more to wait for
    headers = {"Azure-AsyncOperation": monitor_url(req, op), "Retry-After": sim.retry_after(op)}
    return SimResponse(201, body, headers)


def _put_properties(req: SimRequest, group_name: str) -> dict[str, Any]:
    """The full properties a PUT stores: the writable ones given (null = default), defaults for the
    rest, read-only ones ignored as ARM does. 400 naming the property when one is invalid."""
    body = request_object(req)  # 400 for a body that is not an object, as a PATCH gets
    given = body.get("properties") if body is not None else None
    if given is None:
        raise bad_request("InvalidRequestContent", "The property 'properties' is required and must be an object.")
    if not isinstance(given, dict):  # the same answer as a PATCH gets (cdn._patch_properties)
        raise bad_request("InvalidRequestContent", "The property 'properties' must be an object.")
    kept = {k: v for k, v in given.items() if k not in READ_ONLY and v is not None}
    _validate_origin(kept)  # the given values only (a default may be null); canonicalizes enums in place
    props = {**PUT_DEFAULTS, **kept}
    host = props.get("hostName")
    if not isinstance(host, str) or not host.strip():
        raise bad_request("BadRequest", "The property 'hostName' is required and must be a non-empty string.")
    azure = props.get("azureOrigin")
    if azure is not None and not (isinstance(azure, dict) and isinstance(azure.get("id"), str)):
        raise bad_request("BadRequest", "The property 'azureOrigin' must be an object with a string 'id'.")
    props["originGroupName"] = group_name
    return props


def _origin_created(sim: Sim, resource_id: str, changes: dict[str, Any], completes_at: float) -> None:
    origin = sim.store.require(resource_id)
    origin["properties"].update(provisioningState="Succeeded", deploymentStatus="Succeeded")
    sim.store.put(origin)
    _remember_stamp(sim, origin)  # its web app may have been deployed after the PUT
    _record_edge_version(sim, origin, completes_at + PROPAGATION_SECONDS)


def _origin_replaced(sim: Sim, resource_id: str, changes: dict[str, Any], completes_at: float) -> None:
    origin = sim.store.require(resource_id)
    origin["properties"] = {**copy.deepcopy(changes), "provisioningState": "Succeeded", "deploymentStatus": "Succeeded"}
    sim.store.put(origin)
    _remember_stamp(sim, origin)  # azureOrigin may name another app now
    _record_edge_version(sim, origin, completes_at + PROPAGATION_SECONDS)


def _remember_stamp(sim: Sim, origin: dict[str, Any]) -> None:
    _edge_data(sim).setdefault("stamps", {})[origin["id"].lower()] = stamp_for(
        sim, origin["name"], _site_of(sim, origin)
    )


# -- DELETE ----------------------------------------------------------------------------------------
def delete_origin(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    _origin_group(sim, p)  # 404 for an unknown profile or origin group, as ARM
    rid = origin_id(p["sub"], p["rg"], p["profile"], p["og"], p["origin"])
    origin = sim.store.get(rid)
    if origin is None:
        return SimResponse(204)  # AFDOrigins_Delete.json: nothing to delete
    op = running_operation(sim, rid)
    if op is not None and not same_request(op, "cdn.origin.deleted", None):
        raise conflict(origin["name"])
    if op is None:
        op = sim.start_operation(
            "cdn.origin.delete",
            resource_id=rid.lower(),
            location="Global",
            duration=ORIGIN_DELETE_SECONDS,
            effect="cdn.origin.deleted",
            args={"resource_id": rid, "completes_at": sim.now() + ORIGIN_DELETE_SECONDS},
        )
    monitor = monitor_url(req, op)
    headers = {"Azure-AsyncOperation": monitor, "Location": monitor, "Retry-After": sim.retry_after(op)}
    return SimResponse(202, None, headers)


def _origin_deleted(sim: Sim, resource_id: str, completes_at: float) -> None:
    origin = sim.store.require(resource_id)
    sim.store.delete(resource_id)
    key = resource_id.lower()
    removed = _edge_data(sim).setdefault("removed", {})
    _forget_removed(sim, removed)
    removed[key] = {
        "id": origin["id"],
        "name": origin["name"],
        "origin_group": origin["properties"].get("originGroupName"),
        "until": completes_at + PROPAGATION_SECONDS,
    }


def _forget_removed(sim: Sim, removed: dict[str, dict[str, Any]]) -> None:
    """Drop what the edge no longer knows: origins whose removal has propagated (and not re-created)."""
    for key, gone in list(removed.items()):
        if gone["until"] <= sim.now():
            del removed[key]
            if sim.store.get(key) is None:
                _edge_origins(sim).pop(key, None)
                _edge_data(sim).get("stamps", {}).pop(key, None)


EFFECTS: Mapping[str, Effect] = {
    "cdn.origin.created": _origin_created,
    "cdn.origin.replaced": _origin_replaced,
    "cdn.origin.deleted": _origin_deleted,
}
