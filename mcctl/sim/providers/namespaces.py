"""Microsoft.Resources providers: the resource provider lookups `az resource show/update --ids ...`
makes to choose an api-version (it reads `resourceTypes[].apiVersions` of the namespace and takes
the newest non-preview one of the id's top-level type), and `az provider show/list/register`.

- `GET /subscriptions/{s}/providers/{namespace}` (Providers_Get) and `GET /providers/{namespace}`
  (Providers_GetAtTenantScope): one provider, the shape of GetProviders.json's items (`id` only at
  subscription scope, `namespace`, `registrationState`, `registrationPolicy`, `resourceTypes` with
  `resourceType`, `locations`, `apiVersions`, `capabilities`). Unknown namespace: 404
  InvalidResourceNamespace, as ARM.
- `GET /subscriptions/{s}/providers` (Providers_List): every provider, paged.
- `POST /subscriptions/{s}/providers/{namespace}/register`: the provider (always Registered here).

The namespaces are those the simulator plays (API_VERSIONS: the api-versions its shapes follow,
newest first, the SDK's first) plus any namespace of a resource it holds (a plugin's), whose types
are taken from the held resources. Locations: the regions the simulator's resources are in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mcctl.domain.regions import display_name, normalize_region
from mcctl.sim.http import ArmError, SimRequest, SimResponse
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim

SUB_PROVIDERS = "/subscriptions/{sub}/providers"
# namespace → resource type → api-versions (newest first). The first of each is what the installed
# SDK (azure-mgmt-*) sends, so a client that picks the newest gets the shapes the simulator serves.
API_VERSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "Microsoft.Web": dict.fromkeys(
        ("serverfarms", "sites", "sites/config", "sites/slots", "locations", "operations"),
        ("2025-05-01", "2025-03-01", "2024-11-01", "2024-04-01", "2023-12-01"),
    ),
    "Microsoft.Cdn": dict.fromkeys(
        (
            "profiles",
            "profiles/afdendpoints",
            "profiles/afdendpoints/routes",
            "profiles/origingroups",
            "profiles/origingroups/origins",
            "operationresults",
            "operations",
        ),
        ("2026-10-01", "2025-06-01", "2025-04-15", "2024-09-01", "2024-02-01"),
    ),
    "Microsoft.Sql": dict.fromkeys(
        (
            "servers",
            "servers/databases",
            "servers/failoverGroups",
            "servers/databases/replicationLinks",
            "locations/failoverGroupOperationResults",
            "operations",
        ),
        ("2025-01-01", "2024-11-01-preview", "2023-08-01", "2021-11-01"),
    ),
    "Microsoft.Cache": {
        "redis": ("2024-11-01", "2024-03-01", "2023-08-01"),
        "redis/linkedServers": ("2024-11-01", "2024-03-01", "2023-08-01"),
        "redisEnterprise": ("2025-07-01", "2025-04-01", "2024-10-01"),
        "redisEnterprise/databases": ("2025-07-01", "2025-04-01", "2024-10-01"),
        "locations/operationsStatus": ("2025-07-01", "2024-11-01"),
        "operations": ("2025-07-01", "2024-11-01"),
    },
    "Microsoft.Insights": {
        "metrics": ("2024-02-01", "2023-10-01", "2018-01-01"),
        "metricDefinitions": ("2024-02-01", "2023-10-01", "2018-01-01"),
        "operations": ("2024-02-01",),
    },
    "Microsoft.Resources": {
        "resourceGroups": ("2024-11-01", "2024-03-01", "2022-09-01", "2021-04-01"),
        "subscriptions": ("2022-12-01", "2021-01-01", "2020-01-01"),
        "subscriptions/locations": ("2022-12-01", "2021-01-01", "2020-01-01"),
        "subscriptions/resourceGroups": ("2024-11-01", "2024-03-01", "2022-09-01"),
        "tags": ("2024-11-01", "2021-04-01"),
        "providers": ("2024-11-01", "2022-09-01"),
        "tenants": ("2022-12-01", "2020-01-01"),
    },
}
# Resource types at subscription or tenant scope: listed with no locations, as ARM does.
UNLOCATED = ("operations", "operationresults", "locations", "tags", "providers", "tenants", "subscriptions")
CAPABILITIES = "CrossResourceGroupResourceMove, CrossSubscriptionResourceMove, SupportsTags, SupportsLocation"
PLUGIN_API_VERSION = "2024-01-01"  # a plugin's namespace: the simulator accepts any api-version


class NamespacesProvider:
    name = "Microsoft.Resources/providers"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {}

    def register(self, router: Router) -> None:
        router.add("GET", SUB_PROVIDERS, _list_providers)
        router.add("GET", f"{SUB_PROVIDERS}/{{namespace}}", _get_provider)
        router.add("POST", f"{SUB_PROVIDERS}/{{namespace}}/register", _get_provider)
        router.add("GET", "/providers/{namespace}", _get_provider)

    def seed(self, sim: Sim, estate: Estate) -> None:
        return None  # derived from the seeded resources and API_VERSIONS


def _held_types(sim: Sim) -> dict[str, set[str]]:
    """Namespace (as first seen) → the resource types (without namespace) of the resources held."""
    found: dict[str, set[str]] = {}
    for body in sim.store.resources.values():
        namespace, _, rtype = str(body.get("type") or "").partition("/")
        if namespace and rtype:
            key = next((k for k in found if k.lower() == namespace.lower()), namespace)
            found.setdefault(key, set()).add(rtype)
    return found


def _catalogue(sim: Sim) -> dict[str, dict[str, tuple[str, ...]]]:
    catalogue = {ns: dict(types) for ns, types in API_VERSIONS.items()}
    for namespace, types in _held_types(sim).items():
        known = next((k for k in catalogue if k.lower() == namespace.lower()), None)
        entry = catalogue.setdefault(known or namespace, {})
        for rtype in sorted(types):
            if not any(t.lower() == rtype.lower() for t in entry):
                entry[rtype] = (PLUGIN_API_VERSION,)
    return catalogue


def _locations(sim: Sim) -> list[str]:
    names = {normalize_region(str(body.get("location") or "")) for body in sim.store.resources.values()}
    return [display_name(name) for name in sorted(names - {"", "global"})]


def _provider(sim: Sim, namespace: str, types: dict[str, tuple[str, ...]], sub: str | None) -> dict[str, Any]:
    locations = _locations(sim)
    body: dict[str, Any] = {
        "namespace": namespace,
        "registrationState": "Registered",
        "registrationPolicy": "RegistrationFree" if namespace == "Microsoft.Resources" else "RegistrationRequired",
        "resourceTypes": [
            {
                "resourceType": rtype,
                "locations": [] if rtype.split("/")[0].lower() in UNLOCATED else locations,
                "apiVersions": list(versions),
                "capabilities": CAPABILITIES if rtype.split("/")[0].lower() not in UNLOCATED else "None",
            }
            for rtype, versions in types.items()
        ],
    }
    if sub is not None:
        body = {"id": f"/subscriptions/{sub}/providers/{namespace}", **body}
    return body


def _list_providers(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    catalogue = _catalogue(sim)
    return sim.page(req, [_provider(sim, ns, catalogue[ns], p["sub"]) for ns in sorted(catalogue, key=str.lower)])


def _get_provider(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    catalogue = _catalogue(sim)
    namespace = next((ns for ns in catalogue if ns.lower() == p["namespace"].lower()), None)
    if namespace is None:
        raise ArmError(
            404,
            "InvalidResourceNamespace",
            f"The resource namespace '{p['namespace']}' is invalid.",
        )
    return SimResponse(200, _provider(sim, namespace, catalogue[namespace], p.get("sub")))
