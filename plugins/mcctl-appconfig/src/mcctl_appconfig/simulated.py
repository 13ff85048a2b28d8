"""The simulated `Microsoft.AppConfiguration` resource provider (registered by this plugin's
`register_sim_providers` hook), api-version 2024-06-01 shapes as in the REST spec examples
ConfigurationStoresGet.json and ConfigurationStoresListReplicas.json (vendored under tests/fixtures,
where a contract test compares the answers with them).

Seeded from the estate file's `plugins.appconfig`: the store in the estate's first region, one
replica in each other region (named after it: `northeurope`), every one `Succeeded`.

It plays the shared dependency `appconfig` for `mcctl sim dependency MODE appconfig`: App
Configuration has no health endpoint to fail, so a mode is a provisioning state ARM would report,
which is what the `appconfig` health signal reads:
- `ok`: the store and every replica `Succeeded`;
- `degraded`: the first replica `Failed` (the store still `Succeeded`);
- `fail`, `down`: the store `Failed` (as after a failed update: its endpoint cannot be relied on);
- `slow`: refused (a provisioning state has no latency).
A regional outage (`sim outage start`) leaves the provisioning states alone, as it does in ARM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mcctl.sim.http import SimRequest, SimResponse, not_found
from mcctl.sim.router import Router
from mcctl_appconfig import SECTION

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim
    from mcctl_appconfig.settings import AppConfigSettings

API_VERSION = "2024-06-01"  # what azure-mgmt-appconfiguration 5.x sends
STORE = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.AppConfiguration/configurationStores/{store}"
STORE_TYPE = "Microsoft.AppConfiguration/configurationStores"
REPLICA_TYPE = "Microsoft.AppConfiguration/configurationStores/replicas"
SUFFIX = "azconfig.io"
SUCCEEDED, FAILED = "Succeeded", "Failed"
MODES = ("ok", "degraded", "fail", "down")
OPERATOR = "operator@mcctl.sim"


class AppConfigProvider:
    name = "Microsoft.AppConfiguration"
    dependencies = (SECTION,)  # the shared dependencies it plays (`mcctl sim dependency`)

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {}

    def register(self, router: Router) -> None:
        router.add("GET", STORE, _get_store)
        router.add("GET", f"{STORE}/replicas", _list_replicas)
        router.add("GET", f"{STORE}/replicas/{{replica}}", _get_replica)

    def seed(self, sim: Sim, estate: Estate) -> None:
        settings = _settings(estate)
        if settings is None:
            return
        now = sim.now_iso()
        regions = estate.regions
        store_id = _store_id(settings.subscription_in(estate), settings.resource_group, settings.store)
        sim.store.put(_store_body(store_id, settings.store, regions[0] if regions else "westeurope", now))
        for region in regions[1:]:
            sim.store.put(_replica_body(store_id, settings.store, region, now))

    def set_dependency(self, sim: Sim, name: str, mode: str) -> str:
        """Put the store in `mode` (see the module's doc); returns what was done, in words. Raises
        ValueError (naming MODE or NAME) for a mode it cannot play or an estate without a store."""
        if mode not in MODES:
            raise ValueError(f"MODE: '{mode}' is not simulated for {name} (choose from {', '.join(MODES)})")
        with sim.store.transaction():
            stores = [b for b in sim.store.resources.values() if b.get("type") == STORE_TYPE]
            if not stores:
                raise ValueError(f"NAME: no App Configuration store in this estate (estate file plugins.{SECTION})")
            done = []
            for store in stores:
                replicas = sim.store.children(store["id"], "replicas")
                if mode == "degraded" and not replicas:
                    raise ValueError(f"MODE: 'degraded' fails a replica, and store {store['name']} has none")
                store_state = FAILED if mode in ("fail", "down") else SUCCEEDED
                _set_state(sim, store, store_state)
                for index, replica in enumerate(replicas):
                    _set_state(sim, replica, FAILED if mode == "degraded" and index == 0 else SUCCEEDED)
                failed = [r["name"] for r in replicas if r["properties"]["provisioningState"] == FAILED]
                said = f"store {store['name']} {store_state}"
                done.append(said + (f", replica {', '.join(failed)} {FAILED}" if failed else ""))
            return "; ".join(done)


def _settings(estate: Estate) -> AppConfigSettings | None:
    from mcctl_appconfig.settings import settings_of

    return settings_of(estate)


def _set_state(sim: Sim, body: dict[str, Any], state: str) -> None:
    if body["properties"]["provisioningState"] != state:
        body["properties"]["provisioningState"] = state
        body["systemData"]["lastModifiedAt"] = sim.now_iso()
        sim.store.put(body)


# -- bodies ----------------------------------------------------------------------------------------
def _store_id(subscription: str, resource_group: str, store: str) -> str:
    return STORE.format(sub=subscription, rg=resource_group, store=store)


def _system_data(now: str) -> dict[str, Any]:
    return {
        "createdBy": OPERATOR,
        "createdByType": "User",
        "createdAt": now,
        "lastModifiedBy": OPERATOR,
        "lastModifiedByType": "User",
        "lastModifiedAt": now,
    }


def _store_body(store_id: str, name: str, region: str, now: str) -> dict[str, Any]:
    return {
        "type": STORE_TYPE,
        "properties": {
            "provisioningState": SUCCEEDED,
            "creationDate": now,
            "endpoint": f"https://{name.lower()}.{SUFFIX}",
            "encryption": {"keyVaultProperties": {"keyIdentifier": None, "identityClientId": None}},
            "disableLocalAuth": False,
            "privateEndpointConnections": [],
            "dataPlaneProxy": {"authenticationMode": "Pass-through", "privateLinkDelegation": "Disabled"},
            "softDeleteRetentionInDays": 7,
            "revisionRetentionPeriodInSeconds": 2592000,
            "enablePurgeProtection": False,
            "publicNetworkAccess": "Enabled",
        },
        "systemData": _system_data(now),
        "sku": {"name": "Standard"},
        "id": store_id,
        "name": name,
        "location": region,
        "tags": {},
    }


def replica_name(region: str) -> str:
    """A replica's name: letters and digits only (Azure's rule), here its region's."""
    return "".join(ch for ch in region if ch.isalnum())


def _replica_body(store_id: str, store: str, region: str, now: str) -> dict[str, Any]:
    name = replica_name(region)
    return {
        "id": f"{store_id}/replicas/{name}",
        "name": name,
        "type": REPLICA_TYPE,
        "location": region,
        "properties": {"endpoint": f"https://{store.lower()}-{name.lower()}.{SUFFIX}", "provisioningState": SUCCEEDED},
        "systemData": _system_data(now),
    }


# -- handlers --------------------------------------------------------------------------------------
def _store(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    body = sim.store.get(_store_id(p["sub"], p["rg"], p["store"]))
    if body is None:
        raise not_found(STORE_TYPE, p["store"], p["rg"])
    return body


def _get_store(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _store(sim, p))


def _list_replicas(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.children(_store(sim, p)["id"], "replicas"))


def _get_replica(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    store = _store(sim, p)
    body = sim.store.get(f"{store['id']}/replicas/{p['replica']}")
    if body is None:
        raise not_found(REPLICA_TYPE, f"{store['name']}/{p['replica']}", p["rg"])
    return SimResponse(200, body)
