"""Microsoft.Resources resource groups and the generic resource lists, read-only, for the Azure CLI
(`az group show/list/exists`, `az resource list`) and any client that asks ARM what a group holds.

- `GET /subscriptions/{s}/resourcegroups/{rg}`: ResourceGroups_Get, the shape of
  CreateResourceGroup.json's 200 (`id`, `name`, `type`, `location`, `properties.provisioningState`);
  `HEAD` (ResourceGroups_CheckExistence): 204, or 404 with no body.
- `GET /subscriptions/{s}/resourcegroups`: ResourceGroups_List, paged.
- `GET /subscriptions/{s}/resources` and `.../resourcegroups/{rg}/resources`: Resources_List(ByResourceGroup),
  paged: the tracked resources (those with a location: sites, plans, profiles, SQL servers and
  databases...; not proxy resources such as origins), each with `id`, `name`, `type`, `location`
  (and `kind`, `sku`, `tags` when it has them), as ARM lists them.

The simulator keeps no resource group objects: a group exists when the simulator holds a resource in
it (its name spelled as in that resource's id). Its location is the region most of its resources
are in; a group holding only global resources (a Front Door profile) takes the subscription's most
used region, as such a group is created in some region in ARM. An unknown group is 404
ResourceGroupNotFound, a subscription the simulator holds nothing in 404 SubscriptionNotFound.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from mcctl.domain.regions import normalize_region
from mcctl.sim.http import ArmError, SimRequest, SimResponse
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim

GROUP_TYPE = "Microsoft.Resources/resourceGroups"
GROUPS = "/subscriptions/{sub}/resourcegroups"
GROUP = GROUPS + "/{rg}"
# Top-level fields of a resource that Resources_List returns (GenericResourceExpanded without $expand).
LISTED_FIELDS = ("id", "name", "type", "kind", "location", "sku", "tags", "identity", "managedBy", "plan")


class ResourceGroupsProvider:
    name = "Microsoft.Resources/resourceGroups"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {}

    def register(self, router: Router) -> None:
        router.add("GET", GROUPS, _list_groups)
        router.add("GET", GROUP, _get_group)
        router.add("HEAD", GROUP, _group_exists)
        router.add("GET", "/subscriptions/{sub}/resources", _list_resources)
        router.add("GET", GROUP + "/resources", _list_resources)

    def seed(self, sim: Sim, estate: Estate) -> None:
        return None  # groups are derived from the seeded resources


def _held(sim: Sim, subscription: str) -> list[dict[str, Any]]:
    """Every resource the simulator holds in the subscription (404 when it holds none)."""
    scope = f"/subscriptions/{subscription.lower()}/resourcegroups/"
    held = [body for key, body in sim.store.resources.items() if key.startswith(scope)]
    if not held:
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{subscription}' could not be found.")
    return held


def _group_name(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[[p.lower() for p in parts].index("resourcegroups") + 1]


def _groups(sim: Sim, subscription: str) -> dict[str, list[dict[str, Any]]]:
    """Group name (lower case) → its resources, in the order the simulator holds them."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for body in _held(sim, subscription):
        groups.setdefault(_group_name(body["id"]).lower(), []).append(body)
    return groups


def _main_region(resources: Iterable[dict[str, Any]]) -> str | None:
    """The region most of `resources` are in (ties: the first in name order), None if all are global."""
    counts = Counter(normalize_region(str(body.get("location") or "")) for body in resources)
    counts.pop("", None)
    counts.pop("global", None)
    if not counts:
        return None
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]


def _group_body(subscription: str, resources: list[dict[str, Any]], fallback: str) -> dict[str, Any]:
    name = _group_name(resources[0]["id"])
    return {
        "id": f"/subscriptions/{subscription}/resourceGroups/{name}",
        "name": name,
        "type": GROUP_TYPE,
        "location": _main_region(resources) or fallback,
        "properties": {"provisioningState": "Succeeded"},
    }


def _all_groups(sim: Sim, subscription: str) -> list[dict[str, Any]]:
    groups = _groups(sim, subscription)
    fallback = _main_region(body for members in groups.values() for body in members) or "westeurope"
    return [_group_body(subscription, groups[key], fallback) for key in sorted(groups)]


def _group_or_404(sim: Sim, subscription: str, name: str) -> dict[str, Any]:
    found = next((g for g in _all_groups(sim, subscription) if g["name"].lower() == name.lower()), None)
    if found is None:
        raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{name}' could not be found.")
    return found


def _list_groups(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, _all_groups(sim, p["sub"]))


def _get_group(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _group_or_404(sim, p["sub"], p["rg"]))


def _group_exists(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    known = p["rg"].lower() in _groups(sim, p["sub"])
    return SimResponse(204 if known else 404)


def _list_resources(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    held = _held(sim, p["sub"])
    if "rg" in p:
        _group_or_404(sim, p["sub"], p["rg"])
        held = [body for body in held if _group_name(body["id"]).lower() == p["rg"].lower()]
    wanted = _parse_filter(req.param("$filter"))
    expand = {part.strip().lower() for part in (req.param("$expand") or "").split(",")}
    listed = [_listed(body, expand) for body in held if body.get("location") and _matches(body, wanted)]
    return sim.page(req, listed)  # (its nextLink keeps $filter and $expand)


def _listed(body: dict[str, Any], expand: set[str]) -> dict[str, Any]:
    item = {k: body[k] for k in LISTED_FIELDS if body.get(k) is not None}
    state = (body.get("properties") or {}).get("provisioningState")
    if "provisioningstate" in expand and state:
        item["provisioningState"] = state
    return item


# The `$filter` clauses of Resources_List the CLI sends (`az resource list -g/--resource-type/-n/
# -l/--tag`): `field eq 'value'` joined by `and`.
_FILTER_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$", re.IGNORECASE)
FILTER_FIELDS = ("resourceGroup", "resourceType", "name", "location", "tagName", "tagValue")


def _parse_filter(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    wanted: dict[str, str] = {}
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        m = _FILTER_CLAUSE.match(clause)
        field = next((f for f in FILTER_FIELDS if m and f.lower() == m.group(1).lower()), None)
        if m is None or field is None:
            raise ArmError(
                400, "InvalidFilterInQueryString", f"Invalid $filter '{text}' specified in the query string."
            )
        wanted[field] = m.group(2).replace("''", "'")
    return wanted


def _matches(body: dict[str, Any], wanted: dict[str, str]) -> bool:
    tags = {k.lower(): v for k, v in (body.get("tags") or {}).items()}
    values = {
        "resourceGroup": _group_name(body["id"]),
        "resourceType": str(body.get("type") or ""),
        "name": str(body.get("name") or ""),
        "location": normalize_region(str(body.get("location") or "")),
    }
    for field, value in wanted.items():
        if field == "tagName":
            if value.lower() not in tags:
                return False
        elif field == "tagValue":
            if tags.get(wanted.get("tagName", "").lower()) != value:
                return False
        elif field == "location":
            if values["location"] != normalize_region(value):
                return False
        elif values[field].lower() != value.lower():
            return False
    return True
