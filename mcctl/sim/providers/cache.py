"""Microsoft.Cache: Azure Managed Redis (redisEnterprise, api-version 2025-07-01 shapes) and Azure Cache
for Redis linked servers (redis, api-version 2024-11-01 shapes).

Managed Redis geo-replication is kept per member: every database stores its own
`geoReplication.linkedDatabases` list, so members can disagree, as they do in Azure. What a list shows
is computed at read time on top of the stored state: links to a database in a region that is down
read `LinkFailed`, and a link whose force-link/unlink operation failed reads `LinkFailed` /
`UnlinkFailed`; the stored state itself is never rewritten for display.

The actions answer as the SDK expects (arm-contracts.md §3, §7.2, §7.5): forceUnlink and flush 202 with
Azure-AsyncOperation and Location; forceLinkToReplicationGroup 202 with Azure-AsyncOperation only;
the status monitor is `/subscriptions/{s}/providers/Microsoft.Cache/locations/{loc}/operationsStatus/{id}`
(OperationsStatusGet.json), and flush's Location (the SDK GETs it after success) answers 204.

Whether a database holds data is simulator-private (`store.data["redis"]["has_data"]`): seeded True,
False after a flush, True again once linked. Force-linking a database that still holds data is
refused with 400 BadRequest. Azure documents that force-link discards the data instead; the
simulator is stricter on purpose, so the tool's explicit flush-first step is exercised.

Azure Cache for Redis: linked server PUT answers 201 with provisioningState Creating and the SDK
polls the same URL until Succeeded; DELETE answers 202 with Location. A linked server whose other cache
is in a region that is down reads provisioningState Failed (computed at read time, like LinkFailed).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mcctl.domain.regions import display_name, normalize_region
from mcctl.sim.http import SimRequest, SimResponse, bad_request, not_found
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate, RedisGeoReplication
    from mcctl.sim.app import Effect, Sim

RG = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Cache"
SUB = "/subscriptions/{sub}/providers/Microsoft.Cache"
CLUSTER_TYPE = "Microsoft.Cache/redisEnterprise"
DATABASE_TYPE = "Microsoft.Cache/redisEnterprise/databases"
CACHE_TYPE = "Microsoft.Cache/Redis"
LINKED_SERVER_TYPE = "Microsoft.Cache/Redis/linkedServers"
UNLINK_SECONDS = 30
NOOP_SECONDS = 5  # an action with nothing left to do (a repeated force-unlink)
LINK_SECONDS = 60
FLUSH_SECONDS = 10
CACHE_LINK_SECONDS = 90
CACHE_UNLINK_SECONDS = 30
# What a failed operation leaves behind, per in-flight state (read-time view).
FAILED_STATE = {"linking": "LinkFailed", "unlinking": "UnlinkFailed", "creating": "Failed", "deleting": "Failed"}


def cluster_id(sub: str, rg: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{CLUSTER_TYPE}/{name}"


def cache_id(sub: str, rg: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Cache/redis/{name}"


class CacheProvider:
    name = "Microsoft.Cache"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {
            "redis.database.unlinked": _unlinked,
            "redis.database.linked": _linked,
            "redis.database.flushed": _flushed,
            "redis.cache.linked": _cache_linked,
            "redis.cache.unlinked": _cache_unlinked,
        }

    def register(self, router: Router) -> None:
        router.add("GET", f"{SUB}/redisEnterprise", _list_clusters_in_subscription)
        router.add("GET", f"{RG}/redisEnterprise", _list_clusters_in_group)
        router.add("GET", f"{RG}/redisEnterprise/{{cluster}}", _get_cluster)
        router.add("GET", f"{RG}/redisEnterprise/{{cluster}}/databases", _list_databases)
        router.add("GET", f"{RG}/redisEnterprise/{{cluster}}/databases/{{db}}", _get_database)
        router.add("POST", f"{RG}/redisEnterprise/{{cluster}}/databases/{{db}}/forceUnlink", _force_unlink)
        router.add(
            "POST", f"{RG}/redisEnterprise/{{cluster}}/databases/{{db}}/forceLinkToReplicationGroup", _force_link
        )
        router.add("POST", f"{RG}/redisEnterprise/{{cluster}}/databases/{{db}}/flush", _flush)
        router.add("GET", f"{SUB}/locations/{{location}}/operationsStatus/{{op}}", _operation_status)
        router.add("GET", f"{SUB}/locations/{{location}}/asyncOperations/{{op}}", _operation_status)
        router.add("GET", f"{SUB}/locations/{{location}}/operationResults/{{op}}", _operation_result)
        router.add("GET", f"{SUB}/redis", _list_caches_in_subscription)
        router.add("GET", f"{RG}/redis", _list_caches_in_group)
        router.add("GET", f"{RG}/redis/{{name}}", _get_cache)
        router.add("GET", f"{RG}/redis/{{name}}/linkedServers", _list_linked_servers)
        router.add("GET", f"{RG}/redis/{{name}}/linkedServers/{{linked}}", _get_linked_server)
        router.add("PUT", f"{RG}/redis/{{name}}/linkedServers/{{linked}}", _put_linked_server)
        router.add("DELETE", f"{RG}/redis/{{name}}/linkedServers/{{linked}}", _delete_linked_server)

    def seed(self, sim: Sim, estate: Estate) -> None:
        redis = estate.redis
        if redis is None:
            return
        if redis.kind == "managed":
            _seed_managed(sim, redis)
        else:
            _seed_caches(sim, redis)


# -- simulator-private state -------------------------------------------------------------------------
def _private(sim: Sim) -> dict[str, Any]:
    state = sim.store.data.setdefault("redis", {})
    state.setdefault("has_data", {})
    state.setdefault("transitions", {})  # resource id → id of the operation that last changed its links
    return state


def _set_has_data(sim: Sim, database_id: str, value: bool) -> None:
    _private(sim)["has_data"][database_id.lower()] = value
    sim.store.dirty = True


def has_data(sim: Sim, database_id: str) -> bool:
    """Whether the simulated database holds data (seeded True; False after a flush)."""
    return bool(_private(sim)["has_data"].get(database_id.lower(), False))


def _track(sim: Sim, resource_ids: list[str], op_id: str) -> None:
    transitions = _private(sim)["transitions"]
    for rid in resource_ids:
        transitions[rid.lower()] = op_id
    sim.store.dirty = True


def _failed_transition(sim: Sim, resource_id: str) -> bool:
    op_id = _private(sim)["transitions"].get(resource_id.lower())
    op = sim.store.data["operations"].get(op_id) if op_id else None
    return op is not None and op["status"] == "Failed"


# -- seeding -----------------------------------------------------------------------------------------
def _seed_managed(sim: Sim, redis: RedisGeoReplication) -> None:
    members = [(m, m.database_id(redis.database)) for m in redis.members]
    for member, db_id in members:
        ref = member.ref
        sim.store.put(
            {
                "id": ref.id,
                "name": ref.name,
                "type": CLUSTER_TYPE,
                "location": display_name(member.region),
                "kind": "v2",
                "sku": {"name": "Balanced_B5"},
                "tags": {},
                "properties": {
                    "hostName": f"{ref.name}.{normalize_region(member.region)}.redis.azure.net",
                    "provisioningState": "Succeeded",
                    "resourceState": "Running",
                    "redisVersion": "7.4",
                    "minimumTlsVersion": "1.2",
                    "highAvailability": "Enabled",
                    "redundancyMode": "ZR",
                    "publicNetworkAccess": "Enabled",
                },
            }
        )
        sim.store.put(
            {
                "id": db_id,
                "name": f"{ref.name}/{redis.database}",
                "type": DATABASE_TYPE,
                "properties": {
                    "provisioningState": "Succeeded",
                    "resourceState": "Running",
                    "clientProtocol": "Encrypted",
                    "clusteringPolicy": "EnterpriseCluster",
                    "evictionPolicy": "NoEviction",  # geo-replication requires it
                    "port": 10000,
                    "modules": [],
                    "geoReplication": {
                        "groupNickname": redis.group_nickname,
                        "linkedDatabases": [{"id": other, "state": "Linked"} for _, other in members],
                    },
                    "deferUpgrade": "NotDeferred",
                    "accessKeysAuthentication": "Disabled",
                    "redisVersion": "7.4",
                },
            }
        )
        _set_has_data(sim, db_id, True)


def _seed_caches(sim: Sim, redis: RedisGeoReplication) -> None:
    for member in redis.members:
        ref = member.ref
        sim.store.put(
            {
                "id": ref.id,
                "location": display_name(member.region),
                "name": ref.name,
                "type": CACHE_TYPE,
                "tags": {},
                "properties": {
                    "provisioningState": "Succeeded",
                    "redisVersion": "6.0",
                    "sku": {"name": "Premium", "family": "P", "capacity": 1},
                    "enableNonSslPort": False,
                    "minimumTlsVersion": "1.2",
                    "replicasPerMaster": 1,
                    "replicasPerPrimary": 1,
                    "updateChannel": "Stable",
                    "redisConfiguration": {},
                    "hostName": f"{ref.name}.redis.cache.windows.net",
                    "port": 6379,
                    "sslPort": 6380,
                    "linkedServers": [],
                    "publicNetworkAccess": "Enabled",
                },
            }
        )
    primary, *secondaries = redis.members
    for secondary in secondaries:
        _add_link_pair(sim, sim.store.require(primary.ref.id), sim.store.require(secondary.ref.id), "Succeeded")


def _linked_server_body(holder: dict[str, Any], other: dict[str, Any], role: str, state: str) -> dict[str, Any]:
    """The linked server `holder` keeps for `other`; `role` is other's role."""
    return {
        "id": f"{holder['id']}/linkedServers/{other['name']}",
        "name": other["name"],
        "type": LINKED_SERVER_TYPE,
        "properties": {
            "linkedRedisCacheId": other["id"],
            "linkedRedisCacheLocation": other["location"],
            "geoReplicatedPrimaryHostName": f"{other['name']}.geo.redis.cache.windows.net",
            "primaryHostName": f"{holder['name']}.redis.cache.windows.net",
            "provisioningState": state,
            "serverRole": role,
        },
    }


def _add_link_pair(sim: Sim, primary: dict[str, Any], secondary: dict[str, Any], state: str) -> list[str]:
    """Both sides of a passive geo-replication link; returns the two linked server ids."""
    made = [
        _linked_server_body(primary, secondary, "Secondary", state),
        _linked_server_body(secondary, primary, "Primary", state),
    ]
    for holder, server in zip((primary, secondary), made, strict=True):
        sim.store.put(server)
        ids = holder["properties"].setdefault("linkedServers", [])
        if not any(entry["id"].lower() == server["id"].lower() for entry in ids):
            ids.append({"id": server["id"]})
        sim.store.put(holder)
    return [server["id"] for server in made]


# -- shared helpers ----------------------------------------------------------------------------------
def _require_cluster(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    body = sim.store.get(cluster_id(p["sub"], p["rg"], p["cluster"]))
    if body is None:
        raise not_found(CLUSTER_TYPE, p["cluster"], p["rg"])
    return body


def _require_database(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    cluster = _require_cluster(sim, p)
    body = sim.store.get(f"{cluster['id']}/databases/{p['db']}")
    if body is None:
        raise not_found(DATABASE_TYPE, f"{p['cluster']}/{p['db']}", p["rg"])
    return body


def _monitors(req: SimRequest, p: dict[str, str], location: str, op: dict[str, Any]) -> dict[str, str]:
    base = f"{req.base_url}/subscriptions/{p['sub']}/providers/Microsoft.Cache/locations/{normalize_region(location)}"
    version = req.param("api-version") or ""
    return {
        "Azure-AsyncOperation": f"{base}/operationsStatus/{op['id']}?api-version={version}",
        "Location": f"{base}/operationResults/{op['id']}?api-version={version}",
    }


def _operation_status(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.async_operation_status(p["op"], req.path)


def _operation_result(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.location_status(p["op"])


def _links(db: dict[str, Any]) -> list[dict[str, Any]]:
    geo = db["properties"].setdefault("geoReplication", {})
    return geo.setdefault("linkedDatabases", [])


def _set_links(db: dict[str, Any], links: list[dict[str, Any]]) -> None:
    db["properties"].setdefault("geoReplication", {})["linkedDatabases"] = links


def _ids_in(values: Any, field: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise bad_request("InvalidRequestBody", f"The request body field '{field}' must be a list of resource ids.")
    return values


# -- Managed Redis: views ----------------------------------------------------------------------------
def _region_of_database(sim: Sim, database_id: str) -> str | None:
    cluster = sim.store.get(database_id.rsplit("/databases/", 1)[0])
    return normalize_region(cluster["location"]) if cluster else None


def _database_view(sim: Sim, body: dict[str, Any]) -> dict[str, Any]:
    """The database as ARM shows it now (see the module docstring for what is computed)."""
    body = copy.deepcopy(body)
    failed = _failed_transition(sim, body["id"])
    if failed and body["properties"].get("provisioningState") == "Updating":
        body["properties"]["provisioningState"] = "Failed"
        body["properties"]["resourceState"] = "UpdateFailed"
    for entry in (body["properties"].get("geoReplication") or {}).get("linkedDatabases") or []:
        state = str(entry.get("state") or "")
        if failed and state.lower() in FAILED_STATE:
            entry["state"] = FAILED_STATE[state.lower()]
        elif (
            entry["id"].lower() != body["id"].lower()
            and state.lower() in ("linked", "linking")
            and sim.region_down(_region_of_database(sim, entry["id"]))
        ):
            entry["state"] = "LinkFailed"
    return body


# -- Managed Redis: reads ----------------------------------------------------------------------------
def _list_clusters_in_subscription(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.of_type(CLUSTER_TYPE, p["sub"]))


def _list_clusters_in_group(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, sim.store.of_type(CLUSTER_TYPE, p["sub"], p["rg"]))


def _get_cluster(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _require_cluster(sim, p))


def _list_databases(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    cluster = _require_cluster(sim, p)
    return sim.page(req, [_database_view(sim, db) for db in sim.store.children(cluster["id"], "databases")])


def _get_database(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _database_view(sim, _require_database(sim, p)))


# -- Managed Redis: force-unlink -----------------------------------------------------------------------
def _force_unlink(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    """Unlink `ids` from the group this database belongs to. Idempotent: ids already gone are a no-op
    (the tool calls it on every surviving member, and a retried POST must not fail)."""
    db = _require_database(sim, p)
    cluster = _require_cluster(sim, p)
    ids = _ids_in((req.json() or {}).get("ids"), "ids")
    gone = {i.lower() for i in ids}
    if db["id"].lower() in gone:
        raise bad_request(
            "BadRequest", f"Database '{db['name']}' cannot force-unlink itself; call it on a surviving member."
        )
    survivors = _survivors(sim, db, gone)
    changed = False
    for survivor in survivors:
        for entry in _links(survivor):
            if entry["id"].lower() in gone:
                entry["state"], changed = "Unlinking", True
        sim.store.put(survivor)
    op = sim.start_operation(
        "redis.database.forceUnlink",
        resource_id=db["id"].lower(),
        location=cluster["location"],
        duration=UNLINK_SECONDS if changed else NOOP_SECONDS,
        effect="redis.database.unlinked",
        args={"database_id": db["id"], "ids": ids},
    )
    _track(sim, [s["id"] for s in survivors], op["id"])
    return SimResponse(202, None, {**_monitors(req, p, cluster["location"], op), "Retry-After": sim.retry_after(op)})


def _survivors(sim: Sim, db: dict[str, Any], gone: set[str]) -> list[dict[str, Any]]:
    """This database and every database it lists, except those being unlinked."""
    found = [db]
    for entry in _links(db):
        other = sim.store.get(entry["id"])
        if other is not None and entry["id"].lower() not in gone | {db["id"].lower()}:
            found.append(other)
    return found


def _unlinked(sim: Sim, database_id: str, ids: list[str]) -> None:
    gone = {i.lower() for i in ids}
    db = sim.store.get(database_id)
    if db is None:
        return
    for survivor in _survivors(sim, db, gone):
        _set_links(survivor, [e for e in _links(survivor) if e["id"].lower() not in gone])
        sim.store.put(survivor)
    for unlinked_id in ids:
        unlinked = sim.store.get(unlinked_id)
        if unlinked is not None:  # it now stands alone: its own list keeps only itself
            _set_links(unlinked, [{"id": unlinked["id"], "state": "Linked"}])
            sim.store.put(unlinked)


# -- Managed Redis: force-link -------------------------------------------------------------------------
def _force_link(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    """Rejoin an unlinked, empty database to the group its `linkedDatabases` belong to."""
    db = _require_database(sim, p)
    cluster = _require_cluster(sim, p)
    geo = (req.json() or {}).get("geoReplication")
    if not isinstance(geo, dict) or not isinstance(geo.get("groupNickname"), str) or not geo["groupNickname"]:
        raise bad_request("InvalidRequestBody", "The request body field 'geoReplication.groupNickname' is required.")
    entries = geo.get("linkedDatabases") or []
    requested = _ids_in([e.get("id") if isinstance(e, dict) else e for e in entries], "geoReplication.linkedDatabases")
    group = _link_targets(sim, db, geo["groupNickname"], requested)
    own = {"id": db["id"], "state": "Linking"}
    db["properties"]["geoReplication"] = {
        "groupNickname": geo["groupNickname"],
        "linkedDatabases": [own, *({"id": g["id"], "state": "Linking"} for g in group)],
    }
    db["properties"]["provisioningState"] = "Updating"
    db["properties"]["resourceState"] = "Updating"
    sim.store.put(db)
    for member in group:
        links = [e for e in _links(member) if e["id"].lower() != db["id"].lower()]
        _set_links(member, [*links, {"id": db["id"], "state": "Linking"}])
        sim.store.put(member)
    op = sim.start_operation(
        "redis.database.forceLink",
        resource_id=db["id"].lower(),
        location=cluster["location"],
        duration=LINK_SECONDS,
        effect="redis.database.linked",
        args={"database_id": db["id"], "group": [g["id"] for g in group]},
    )
    _track(sim, [db["id"], *(g["id"] for g in group)], op["id"])
    monitor = _monitors(req, p, cluster["location"], op)["Azure-AsyncOperation"]
    return SimResponse(202, None, {"Azure-AsyncOperation": monitor, "Retry-After": sim.retry_after(op)})


def _link_targets(sim: Sim, db: dict[str, Any], nickname: str, requested: list[str]) -> list[dict[str, Any]]:
    """Validate a force-link and return the databases of the group it joins (itself excluded)."""
    name = db["name"]
    if has_data(sim, db["id"]):
        raise bad_request(
            "BadRequest",
            f"Database '{name}' contains data. Only a new or flushed database can be linked to a replication "
            "group; flush it first (its data will be discarded).",
        )
    if any(e["id"].lower() != db["id"].lower() for e in _links(db)):
        raise bad_request("BadRequest", f"Database '{name}' is already linked to a replication group.")
    group: dict[str, dict[str, Any]] = {}
    for other_id in requested:
        if other_id.lower() == db["id"].lower():
            continue
        other = sim.store.get(other_id)
        if other is None:
            raise bad_request("BadRequest", f"Linked database '{other_id}' was not found.")
        other_nickname = (other["properties"].get("geoReplication") or {}).get("groupNickname")
        if other_nickname != nickname:
            raise bad_request(
                "BadRequest",
                f"Linked database '{other['name']}' belongs to replication group '{other_nickname}', not '{nickname}'.",
            )
        group[other["id"].lower()] = other
    if not group:
        raise bad_request("BadRequest", "geoReplication.linkedDatabases must name at least one other database.")
    return list(group.values())


def _linked(sim: Sim, database_id: str, group: list[str]) -> None:
    db = sim.store.get(database_id)
    if db is None:  # deleted meanwhile
        return
    for entry in _links(db):
        entry["state"] = "Linked"
    db["properties"]["provisioningState"] = "Succeeded"
    db["properties"]["resourceState"] = "Running"
    sim.store.put(db)
    for member_id in group:
        member = sim.store.get(member_id)
        if member is None:
            continue
        for entry in _links(member):
            if entry["id"].lower() == database_id.lower():
                entry["state"] = "Linked"
        sim.store.put(member)
    _set_has_data(sim, database_id, True)  # it now holds the group's replicated data


# -- Managed Redis: flush --------------------------------------------------------------------------------
def _flush(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    db = _require_database(sim, p)
    cluster = _require_cluster(sim, p)
    ids = _ids_in((req.json() or {}).get("ids") or [], "ids")
    listed = {e["id"].lower() for e in _links(db)}
    for other in ids:
        if other.lower() not in listed:
            raise bad_request("BadRequest", f"Database '{other}' is not linked to database '{db['name']}'.")
    op = sim.start_operation(
        "redis.database.flush",
        resource_id=db["id"].lower(),
        location=cluster["location"],
        duration=FLUSH_SECONDS,
        effect="redis.database.flushed",
        args={"ids": [db["id"], *ids]},
    )
    return SimResponse(202, None, {**_monitors(req, p, cluster["location"], op), "Retry-After": sim.retry_after(op)})


def _flushed(sim: Sim, ids: list[str]) -> None:
    for database_id in ids:
        _set_has_data(sim, database_id, False)


# -- Azure Cache for Redis ------------------------------------------------------------------------------
def _require_cache(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    body = sim.store.get(cache_id(p["sub"], p["rg"], p["name"]))
    if body is None:
        raise not_found(CACHE_TYPE, p["name"], p["rg"])
    return body


def _require_linked_server(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    cache = _require_cache(sim, p)
    body = sim.store.get(f"{cache['id']}/linkedServers/{p['linked']}")
    if body is None:
        raise not_found(LINKED_SERVER_TYPE, f"{p['name']}/{p['linked']}", p["rg"])
    return body


def _linked_server_view(sim: Sim, body: dict[str, Any]) -> dict[str, Any]:
    """A linked server whose link operation failed shows its failed state; one whose other cache is in a
    region that is down shows provisioningState Failed (ARM has no link-health field for passive
    geo-replication: this is the simulator's stand-in, so an outage breaks the link as seen from the
    others, as it does for Managed Redis). The stored state is kept."""
    props = body["properties"]
    state = str(props.get("provisioningState") or "").lower()
    if state in FAILED_STATE and _failed_transition(sim, body["id"]):
        body = copy.deepcopy(body)
        body["properties"]["provisioningState"] = FAILED_STATE[state]
    elif state == "succeeded" and sim.region_down(props.get("linkedRedisCacheLocation")):
        body = copy.deepcopy(body)
        body["properties"]["provisioningState"] = "Failed"
    return body


def _cache_view(sim: Sim, body: dict[str, Any]) -> dict[str, Any]:
    """A cache whose link operation failed shows provisioningState Failed (stored state is kept)."""
    state = str(body["properties"].get("provisioningState") or "").lower()
    if state in ("linking", "unlinking") and _failed_transition(sim, body["id"]):
        body = copy.deepcopy(body)
        body["properties"]["provisioningState"] = "Failed"
    return body


def _list_caches_in_subscription(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, [_cache_view(sim, c) for c in sim.store.of_type(CACHE_TYPE, p["sub"])])


def _list_caches_in_group(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, [_cache_view(sim, c) for c in sim.store.of_type(CACHE_TYPE, p["sub"], p["rg"])])


def _get_cache(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _cache_view(sim, _require_cache(sim, p)))


def _list_linked_servers(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    cache = _require_cache(sim, p)
    return sim.page(req, [_linked_server_view(sim, s) for s in sim.store.children(cache["id"], "linkedServers")])


def _get_linked_server(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _linked_server_view(sim, _require_linked_server(sim, p)))


def _put_linked_server(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    """Link a secondary to this (primary) cache: 201 Creating, then Succeeded on both sides."""
    primary = _require_cache(sim, p)
    existing = sim.store.get(f"{primary['id']}/linkedServers/{p['linked']}")
    if existing is not None:
        return SimResponse(200, _linked_server_view(sim, existing))
    props = (req.json() or {}).get("properties") or {}
    for field in ("linkedRedisCacheId", "linkedRedisCacheLocation", "serverRole"):
        if not props.get(field):
            raise bad_request("InvalidRequestBody", f"The request body field 'properties.{field}' is required.")
    if str(props["serverRole"]).lower() != "secondary":
        raise bad_request(
            "BadRequest", "A linked server must be created on the primary cache with serverRole 'Secondary'."
        )
    secondary = sim.store.get(props["linkedRedisCacheId"])
    if secondary is None or secondary.get("type", "").lower() != CACHE_TYPE.lower():
        raise not_found(CACHE_TYPE, props["linkedRedisCacheId"].rsplit("/", 1)[-1], p["rg"])
    if secondary["name"].lower() != p["linked"].lower():
        raise bad_request(
            "BadRequest", f"The linked server name must be the linked cache's name '{secondary['name']}'."
        )
    _check_linkable(sim, primary, secondary)
    server_ids = _add_link_pair(sim, primary, secondary, "Creating")
    for cache in (primary, secondary):
        cache["properties"]["provisioningState"] = "Linking"
        sim.store.put(cache)
    op = sim.start_operation(
        "redis.cache.link",
        resource_id=server_ids[0].lower(),
        location=primary["location"],
        duration=CACHE_LINK_SECONDS,
        effect="redis.cache.linked",
        args={"cache_ids": [primary["id"], secondary["id"]], "server_ids": server_ids},
    )
    _track(sim, [*server_ids, primary["id"], secondary["id"]], op["id"])
    return SimResponse(201, sim.store.get(server_ids[0]))


def _check_linkable(sim: Sim, primary: dict[str, Any], secondary: dict[str, Any]) -> None:
    if primary["id"].lower() == secondary["id"].lower():
        raise bad_request("BadRequest", "A cache cannot be linked to itself.")
    if any(
        str(s["properties"].get("serverRole")).lower() == "primary"
        for s in sim.store.children(primary["id"], "linkedServers")
    ):
        raise bad_request(
            "BadRequest", f"Cache '{primary['name']}' is a geo-replication secondary; link from its primary."
        )
    if sim.store.children(secondary["id"], "linkedServers"):
        raise bad_request("BadRequest", f"Cache '{secondary['name']}' is already geo-replicated.")


def _cache_linked(sim: Sim, cache_ids: list[str], server_ids: list[str]) -> None:
    for server_id in server_ids:
        server = sim.store.get(server_id)
        if server is not None:
            server["properties"]["provisioningState"] = "Succeeded"
            sim.store.put(server)
    for cid in cache_ids:
        cache = sim.store.get(cid)
        if cache is not None:
            cache["properties"]["provisioningState"] = "Succeeded"
            sim.store.put(cache)


def _delete_linked_server(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    """Unlink (from either side): 202 + Location; both linked servers go away when it completes."""
    holder = _require_cache(sim, p)
    server = _require_linked_server(sim, p)
    other = sim.store.get(server["properties"]["linkedRedisCacheId"])
    pair = [server]
    if other is not None:
        mirror = sim.store.get(f"{other['id']}/linkedServers/{holder['name']}")
        pair += [mirror] if mirror is not None else []
    for entry in pair:
        entry["properties"]["provisioningState"] = "Deleting"
        sim.store.put(entry)
    caches = [c for c in (holder, other) if c is not None]
    for cache in caches:
        cache["properties"]["provisioningState"] = "Unlinking"
        sim.store.put(cache)
    op = sim.start_operation(
        "redis.cache.unlink",
        resource_id=server["id"].lower(),
        location=holder["location"],
        duration=CACHE_UNLINK_SECONDS,
        effect="redis.cache.unlinked",
        args={"cache_ids": [c["id"] for c in caches], "server_ids": [s["id"] for s in pair]},
    )
    _track(sim, [*(s["id"] for s in pair), *(c["id"] for c in caches)], op["id"])
    location = _monitors(req, p, holder["location"], op)["Location"]
    return SimResponse(202, None, {"Location": location, "Retry-After": sim.retry_after(op)})


def _cache_unlinked(sim: Sim, cache_ids: list[str], server_ids: list[str]) -> None:
    gone = {s.lower() for s in server_ids}
    for server_id in server_ids:
        sim.store.delete(server_id)
    for cid in cache_ids:
        cache = sim.store.get(cid)
        if cache is None:
            continue
        links = cache["properties"].get("linkedServers") or []
        cache["properties"]["linkedServers"] = [e for e in links if e["id"].lower() not in gone]
        cache["properties"]["provisioningState"] = "Succeeded"
        sim.store.put(cache)
