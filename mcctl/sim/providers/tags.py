"""Microsoft.Resources tags at a resource's scope: the Tags API `az tag update` uses
(Tags_GetAtScope, Tags_UpdateAtScope, Tags_CreateOrUpdateAtScope, Tags_DeleteAtScope; api-version
2021-04-01 and later), for ANY resource the simulator holds.

`{resourceId}/providers/Microsoft.Resources/tags/default`:
- GET: 200 `{"id": ".../tags/default", "name": "default", "type": "Microsoft.Resources/tags",
  "properties": {"tags": {...}}}` (shape of PatchTagsResource.json / GetTagsResource.json plus the
  wrapper's id, name and type, as ARM answers);
- PATCH `{"operation": "Merge"|"Replace"|"Delete", "properties": {"tags": {...}}}`: Merge adds or
  overwrites, Replace sets exactly, Delete removes each given name whose value matches (an empty
  value removes the name whatever its value: how `az tag update --operation delete --tags k` asks);
  200 with every tag now;
- PUT `{"properties": {"tags": {...}}}`: Replace; DELETE: every tag removed (200, no body).
The resource's own `tags` change, so a GET or list of the resource shows them. Tag names match
case-insensitively, values exactly, as in ARM. An unknown resource is 404 ResourceNotFound; a bad
body is 400 naming the field, and changes nothing. ARM's limits: 50 tags, names up to 512
characters (none of `< > % & \\ ? /`), values up to 256.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mcctl.sim.http import ArmError, SimRequest, SimResponse, bad_request
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim

SUFFIX = "/providers/Microsoft.Resources/tags/default"
TAGS_TYPE = "Microsoft.Resources/tags"
OPERATIONS = ("Merge", "Replace", "Delete")
MAX_TAGS = 50
MAX_NAME = 512
MAX_VALUE = 256
FORBIDDEN_NAME_CHARS = "<>%&\\?/"
# A resource id under a resource group: namespace, then 1 to 4 type/name pairs (sites, a Front
# Door origin three levels down, ...). The router's placeholders stand for one segment each.
_GROUP = "/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}"
MAX_DEPTH = 4


def _templates() -> list[str]:
    templates = []
    for depth in range(1, MAX_DEPTH + 1):
        pairs = "".join(f"/{{t{i}}}/{{n{i}}}" for i in range(depth))
        templates.append(f"{_GROUP}{pairs}{SUFFIX}")
    return templates


class TagsProvider:
    name = "Microsoft.Resources/tags"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {}

    def register(self, router: Router) -> None:
        for template in _templates():
            router.add("GET", template, _get)
            router.add("PATCH", template, _patch)
            router.add("PUT", template, _put)
            router.add("DELETE", template, _delete)

    def seed(self, sim: Sim, estate: Estate) -> None:
        return None  # tags live on the resources the other providers seed


# -- handlers --------------------------------------------------------------------------------------
def _resource(sim: Sim, req: SimRequest, p: dict[str, str]) -> dict[str, Any]:
    resource_id = req.path[: -len(SUFFIX)]
    body = sim.store.get(resource_id)
    if body is None:
        kind = "/".join([p["ns"], *(p[f"t{i}"] for i in range(MAX_DEPTH) if f"t{i}" in p)])
        name = "/".join(p[f"n{i}"] for i in range(MAX_DEPTH) if f"n{i}" in p)
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource '{kind}/{name}' under resource group '{p['rg']}' was not found. "
            "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
        )
    return body


def _answer(body: dict[str, Any]) -> SimResponse:
    return SimResponse(
        200,
        {
            "id": f"{body['id']}{SUFFIX}",
            "name": "default",
            "type": TAGS_TYPE,
            "properties": {"tags": dict(body.get("tags") or {})},
        },
    )


def _get(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return _answer(_resource(sim, req, p))


def _patch(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    body = _resource(sim, req, p)
    request = _object(req.json(), "the request body")
    operation = request.get("operation")
    wanted = next((o for o in OPERATIONS if isinstance(operation, str) and o.lower() == operation.lower()), None)
    if wanted is None:
        raise bad_request(
            "InvalidRequestContent",
            f"The property 'operation' has an invalid value {operation!r}: expected one of {', '.join(OPERATIONS)}.",
        )
    given = _tags(request)
    current: dict[str, str] = dict(body.get("tags") or {})
    if wanted == "Replace":
        after = given
    elif wanted == "Merge":
        after = _without(current, given) | given
    else:
        after = {
            k: v
            for k, v in current.items()
            if not any(k.lower() == name.lower() and value in ("", v) for name, value in given.items())
        }
    return _store(sim, body, after)


def _put(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    body = _resource(sim, req, p)
    return _store(sim, body, _tags(_object(req.json(), "the request body")))


def _delete(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    body = _resource(sim, req, p)
    _store(sim, body, {})
    return SimResponse(200)


def _store(sim: Sim, body: dict[str, Any], tags: dict[str, str]) -> SimResponse:
    if len(tags) > MAX_TAGS:
        raise bad_request(
            "InvalidTagCount",
            f"The number of tags ({len(tags)}) exceeds the limit of {MAX_TAGS} for resource '{body['id']}'.",
        )
    body["tags"] = tags
    sim.store.put(body)
    return _answer(body)


# -- the body --------------------------------------------------------------------------------------
def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise bad_request("InvalidRequestContent", f"{what} must be a JSON object.")
    return value


def _tags(request: dict[str, Any]) -> dict[str, str]:
    """`properties.tags`, checked against ARM's rules: an object of string names and values."""
    properties = request.get("properties")
    if not isinstance(properties, dict):
        raise bad_request("InvalidRequestContent", "The property 'properties' is required and must be an object.")
    tags = properties.get("tags")
    if not isinstance(tags, dict):
        raise bad_request(
            "InvalidRequestContent", "The property 'properties.tags' is required and must be an object of strings."
        )
    for name, value in tags.items():
        if not isinstance(value, str):
            raise bad_request(
                "InvalidRequestContent", f"The value of tag 'properties.tags.{name}' must be a string, got {value!r}."
            )
        if not name.strip() or len(name) > MAX_NAME:
            raise bad_request(
                "InvalidTagNameLength",
                f"The tag name 'properties.tags.{name[:40]}' must be 1 to {MAX_NAME} characters long.",
            )
        if any(c in FORBIDDEN_NAME_CHARS for c in name):
            raise bad_request(
                "InvalidTagNameCharacters",
                f"The tag name 'properties.tags.{name}' has characters that are not allowed: {FORBIDDEN_NAME_CHARS}",
            )
        if len(value) > MAX_VALUE:
            raise bad_request(
                "InvalidTagValueLength",
                f"The value of tag 'properties.tags.{name}' exceeds the limit of {MAX_VALUE} characters.",
            )
    if len(tags) > MAX_TAGS:
        raise bad_request(
            "InvalidTagCount", f"The number of tags in 'properties.tags' exceeds the limit of {MAX_TAGS}."
        )
    return dict(tags)


def _without(current: dict[str, str], names: Mapping[str, str]) -> dict[str, str]:
    """`current` less the names in `names` (case-insensitively: ARM tag names are)."""
    lowered = {n.lower() for n in names}
    return {k: v for k, v in current.items() if k.lower() not in lowered}
