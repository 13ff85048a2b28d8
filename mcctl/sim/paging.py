"""How many items one page of a simulated ARM list holds: as ARM's, per resource type.

ARM's resource providers each choose their page size; the simulator uses (`page_size_for`):

- 1000: ARM's own lists (Microsoft.Resources): subscriptions, tenants, resource groups, providers,
  generic resources. Resources_List pages at 1000 and refuses `$top` above it (InvalidTopInQueryString).
- 100: App Service web apps and plans (Microsoft.Web/sites, serverfarms, a plan's sites): the
  service pages them 100 at a time (Get-AzWebApp and `az webapp list` follow nextLink past 100).
- 100: Front Door (Microsoft.Cdn) profiles, endpoints, routes, origin groups and origins; SQL servers,
  databases, replication links and failover groups; Redis clusters, databases, caches and linked
  servers; and any other list (a plugin's): the common resource-provider page.

A state's `settings.page_size` (tests: `sim.settings["page_size"] = 2`) overrides every list, so
paging can be exercised with a handful of resources. Resource Graph pages by `$top` (its own provider).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ARM_PAGE_SIZE = 1000  # Microsoft.Resources lists
RP_PAGE_SIZE = 100  # a resource provider's list unless PAGE_SIZES says otherwise

# Lower-cased ARM list type (namespace/type/child...) → items a page.
PAGE_SIZES: dict[str, int] = {
    "subscriptions": ARM_PAGE_SIZE,
    "tenants": ARM_PAGE_SIZE,
    "resourcegroups": ARM_PAGE_SIZE,
    "providers": ARM_PAGE_SIZE,
    "resources": ARM_PAGE_SIZE,  # Resources_List: generic resources, `$top` at most 1000
    "microsoft.web/sites": 100,
    "microsoft.web/serverfarms": 100,
    "microsoft.web/serverfarms/sites": 100,
    "microsoft.cdn/profiles": 100,
    "microsoft.cdn/profiles/afdendpoints": 100,
    "microsoft.cdn/profiles/afdendpoints/routes": 100,
    "microsoft.cdn/profiles/origingroups": 100,
    "microsoft.cdn/profiles/origingroups/origins": 100,
    "microsoft.sql/servers": 100,
    "microsoft.sql/servers/databases": 100,
    "microsoft.sql/servers/replicationlinks": 100,
    "microsoft.sql/servers/databases/replicationlinks": 100,
    "microsoft.sql/servers/failovergroups": 100,
    "microsoft.cache/redisenterprise": 100,
    "microsoft.cache/redisenterprise/databases": 100,
    "microsoft.cache/redis": 100,
    "microsoft.cache/redis/linkedservers": 100,
}


def list_type(path: str) -> str:
    """The ARM type a list URL lists, lower-cased: `.../providers/Microsoft.Cdn/profiles/p/originGroups/og/origins`
    → `microsoft.cdn/profiles/origingroups/origins`; `/subscriptions/s/resourcegroups` → `resourcegroups`."""
    parts = [p for p in path.lower().split("/") if p]
    if "providers" in parts[:-1]:
        at = len(parts) - 1 - parts[::-1].index("providers")
        rest = parts[at + 1 :]
        if rest:
            return "/".join([rest[0], *rest[1::2]])
    return parts[-1] if parts else ""


def page_size_for(path: str, settings: Mapping[str, Any]) -> int:
    """Items a page of the list at `path`: the state's `page_size` override if set, else ARM's."""
    override = settings.get("page_size")
    if override is not None:
        return int(override)
    return PAGE_SIZES.get(list_type(path), RP_PAGE_SIZE)
