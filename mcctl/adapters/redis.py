"""Redis geo-replication: Azure Managed Redis databases (azure-mgmt-redisenterprise) and Azure Cache
for Redis linked servers (azure-mgmt-redis).

Every read is per member, because each member reports the replication group as *it* sees it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcctl.adapters.errors import azure_errors
from mcctl.adapters.lro import WaitOptions, polling_for, wait_for
from mcctl.adapters.sdkvalues import plain
from mcctl.domain.observed import (
    LinkedDatabase,
    RedisCacheState,
    RedisClusterState,
    RedisDatabaseState,
    RedisLinkedServer,
)
from mcctl.domain.redislinks import cluster_of
from mcctl.domain.regions import display_name
from mcctl.errors import AzureRequestError, UsageError

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import RedisGeoReplication, RedisMember

# The SDK's own final-state-via for forceUnlink/forceLink; must be repeated when passing a poller.
ASYNC_OPERATION_FINAL = {"final-state-via": "azure-async-operation"}
LOCATION_FINAL = {"final-state-via": "location"}  # flush: the SDK GETs Location after success


# -- mapping ---------------------------------------------------------------------------------------
def _database_state(db: Any) -> RedisDatabaseState:
    geo = db.geo_replication
    return RedisDatabaseState(
        id=db.id,
        name=db.name,
        cluster=cluster_of(db.id) or "",
        provisioning_state=plain(db.provisioning_state),
        resource_state=plain(db.resource_state),
        group_nickname=geo.group_nickname if geo else None,
        linked_databases=tuple(LinkedDatabase(d.id, plain(d.state)) for d in (geo.linked_databases or []))
        if geo
        else (),
    )


def _cluster_state(cluster: Any) -> RedisClusterState:
    return RedisClusterState(
        id=cluster.id,
        name=cluster.name,
        location=cluster.location,
        sku=plain(cluster.sku.name) if cluster.sku else None,
        provisioning_state=plain(cluster.provisioning_state),
        resource_state=plain(cluster.resource_state),
        host_name=cluster.host_name,
        redis_version=cluster.redis_version,
    )


def _linked_server_state(server: Any) -> RedisLinkedServer:
    return RedisLinkedServer(
        id=server.id,
        name=server.name,
        linked_cache_id=server.linked_redis_cache_id,
        linked_cache_location=server.linked_redis_cache_location,
        server_role=server.server_role,
        provisioning_state=server.provisioning_state,
    )


def _cache_state(cache: Any, linked: list[Any]) -> RedisCacheState:
    return RedisCacheState(
        id=cache.id,
        name=cache.name,
        location=cache.location,
        provisioning_state=cache.provisioning_state,
        linked_servers=tuple(_linked_server_state(s) for s in linked),
    )


def _require_kind(redis: RedisGeoReplication, kind: str) -> None:
    if redis.kind != kind:
        raise UsageError(f"the estate's Redis is of kind '{redis.kind}'; this needs kind '{kind}'")


def _member(redis: RedisGeoReplication, region: str) -> RedisMember:
    member = redis.member_in(region)
    if member is None:
        regions = ", ".join(m.region for m in redis.members)
        raise UsageError(f"no Redis member in region '{region}' (members: {regions})")
    return member


def _label(member: RedisMember) -> str:
    return f"{member.ref.name} ({member.region})"


# -- Azure Managed Redis -----------------------------------------------------------------------------
def get_managed_database(session: AzureSession, redis: RedisGeoReplication, member: RedisMember) -> RedisDatabaseState:
    """One member's database and its view of the group; a 404 raises ResourceMissingError."""
    with azure_errors(f"reading database {redis.database} of Redis cluster {_label(member)}"):
        client = session.redis_enterprise(member.ref.subscription)
        return _database_state(client.databases.get(member.ref.resource_group, member.ref.name, redis.database))


def get_managed_databases(session: AzureSession, redis: RedisGeoReplication) -> dict[str, RedisDatabaseState | None]:
    """Region → that member's database (one databases.get per member). Any failure raises.

    The value type admits None so callers that read members one by one can mark an unreadable
    member, as mcctl.domain.redislinks expects.
    """
    _require_kind(redis, "managed")
    return {m.region: get_managed_database(session, redis, m) for m in redis.members}


def get_cluster(session: AzureSession, member: RedisMember) -> RedisClusterState:
    """One member's cluster (Azure Managed Redis / Redis Enterprise): SKU, provisioning and resource state."""
    with azure_errors(f"reading Redis cluster {_label(member)}"):
        client = session.redis_enterprise(member.ref.subscription)
        return _cluster_state(client.redis_enterprise.get(member.ref.resource_group, member.ref.name))


def list_cluster_databases(session: AzureSession, member: RedisMember) -> list[RedisDatabaseState]:
    """Every database of one member's cluster (paged)."""
    with azure_errors(f"listing databases of Redis cluster {_label(member)}"):
        client = session.redis_enterprise(member.ref.subscription)
        pages = client.databases.list_by_cluster(member.ref.resource_group, member.ref.name)
        return [_database_state(db) for db in pages]


def force_unlink(session: AzureSession, redis: RedisGeoReplication, region: str, options: WaitOptions) -> None:
    """Remove `region`'s database from the group: Databases_ForceUnlink on every other member.

    Members are called one after the other; with --no-wait every call is only submitted.
    """
    from azure.mgmt.redisenterprise.models import ForceUnlinkParameters

    _require_kind(redis, "managed")
    target = _member(redis, region)
    target_id = target.database_id(redis.database)
    for member in redis.members:
        if member is target:
            continue
        what = f"force-unlinking {_label(target)} from the group on {_label(member)}"
        with azure_errors(what):
            client = session.redis_enterprise(member.ref.subscription)
            poller = client.databases.begin_force_unlink(
                member.ref.resource_group,
                member.ref.name,
                redis.database,
                ForceUnlinkParameters(ids=[target_id]),
                polling=polling_for(session, options, ASYNC_OPERATION_FINAL),
            )
            if options.wait:
                wait_for(poller, what, options)


def force_link(session: AzureSession, redis: RedisGeoReplication, region: str, options: WaitOptions) -> None:
    """Rejoin `region`'s (empty) database to the group: Databases_ForceLinkToReplicationGroup.

    `linkedDatabases` names every member's database, the target's included, as the spec example does.
    Azure discards the database's data; the simulator refuses a database that was not flushed.
    """
    from azure.mgmt.redisenterprise import models

    _require_kind(redis, "managed")
    if not redis.group_nickname:
        raise UsageError("redis.group_nickname is required to force-link a database")
    target = _member(redis, region)
    geo = models.ForceLinkParametersGeoReplication(
        group_nickname=redis.group_nickname,
        linked_databases=[models.LinkedDatabase(id=m.database_id(redis.database)) for m in redis.members],
    )
    what = f"force-linking {_label(target)} to replication group {redis.group_nickname}"
    with azure_errors(what):
        client = session.redis_enterprise(target.ref.subscription)
        poller = client.databases.begin_force_link_to_replication_group(
            target.ref.resource_group,
            target.ref.name,
            redis.database,
            models.ForceLinkParameters(geo_replication=geo),
            polling=polling_for(session, options, ASYNC_OPERATION_FINAL),
        )
        if options.wait:
            wait_for(poller, what, options)


def flush_database(session: AzureSession, redis: RedisGeoReplication, region: str, options: WaitOptions) -> None:
    """Discard all data of `region`'s database (Databases_Flush, no linked ids): before a force-link."""
    from azure.mgmt.redisenterprise.models import FlushParameters

    _require_kind(redis, "managed")
    target = _member(redis, region)
    what = f"flushing database {redis.database} of Redis cluster {_label(target)}"
    with azure_errors(what):
        client = session.redis_enterprise(target.ref.subscription)
        poller = client.databases.begin_flush(
            target.ref.resource_group,
            target.ref.name,
            redis.database,
            FlushParameters(ids=[]),
            polling=polling_for(session, options, LOCATION_FINAL),
        )
        if options.wait:
            wait_for(poller, what, options)


# -- Azure Cache for Redis ---------------------------------------------------------------------------
def get_cache_state(session: AzureSession, member: RedisMember) -> RedisCacheState:
    """One cache and its linked servers (redis.get + linked_server.list)."""
    with azure_errors(f"reading Redis cache {_label(member)}"):
        client = session.redis_cache(member.ref.subscription)
        cache = client.redis.get(member.ref.resource_group, member.ref.name)
        linked = list(client.linked_server.list(member.ref.resource_group, member.ref.name))
        return _cache_state(cache, linked)


def get_cache_states(session: AzureSession, redis: RedisGeoReplication) -> dict[str, RedisCacheState]:
    """Region → that member's cache and linked servers. Any failure raises."""
    _require_kind(redis, "cache")
    return {m.region: get_cache_state(session, m) for m in redis.members}


def link_cache(
    session: AzureSession, redis: RedisGeoReplication, primary_region: str, secondary_region: str, options: WaitOptions
) -> RedisLinkedServer | None:
    """Link the secondary to the primary (LinkedServer_Create on the primary, serverRole Secondary).

    Returns the primary's linked server once provisioned, or None with --no-wait.
    """
    from azure.mgmt.redis.models import RedisLinkedServerCreateParameters

    _require_kind(redis, "cache")
    primary, secondary = _member(redis, primary_region), _member(redis, secondary_region)
    params = RedisLinkedServerCreateParameters(
        linked_redis_cache_id=secondary.ref.id,
        linked_redis_cache_location=display_name(secondary.region),
        server_role="Secondary",
    )
    what = f"linking Redis cache {_label(secondary)} as secondary of {_label(primary)}"
    with azure_errors(what):
        client = session.redis_cache(primary.ref.subscription)
        poller = client.linked_server.begin_create(
            primary.ref.resource_group,
            primary.ref.name,
            secondary.ref.name,
            params,
            polling=polling_for(session, options),
        )
        if not options.wait:
            return None
        linked = _linked_server_state(wait_for(poller, what, options))
    # A first answer that is already final is never polled: the SDK hands back a Failed link as a result.
    if (linked.provisioning_state or "").lower() != "succeeded":
        raise AzureRequestError(f"{what}: the linked server ended {linked.provisioning_state or 'without a state'}")
    return linked


def unlink_cache(
    session: AzureSession, redis: RedisGeoReplication, primary_region: str, secondary_region: str, options: WaitOptions
) -> None:
    """Remove the link between primary and secondary (LinkedServer_Delete on the primary)."""
    _require_kind(redis, "cache")
    primary, secondary = _member(redis, primary_region), _member(redis, secondary_region)
    what = f"unlinking Redis cache {_label(secondary)} from {_label(primary)}"
    with azure_errors(what):
        client = session.redis_cache(primary.ref.subscription)
        poller = client.linked_server.begin_delete(
            primary.ref.resource_group,
            primary.ref.name,
            secondary.ref.name,
            polling=polling_for(session, options),
        )
        if options.wait:
            wait_for(poller, what, options)
