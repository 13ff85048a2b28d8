"""Redis geo-replication: reading every member, and the guarded unlink / relink step kinds.

Status reads every member (in parallel): for `managed` (Azure Managed Redis) every database of each
region's cluster, with the estate's database's view of the replication group; for `cache` (Azure Cache
for Redis) each cache and its linked servers. A member that cannot be read does not hide the others.
The entries and verdicts are mcctl.domain.redisstatus'; the plans are mcctl.domain.redisgeo's,
judged from what `observe_unlink` / `observe_relink` read.

The steps (kind `managed` only):

- `redis_unlink`: Databases_ForceUnlink of the region's database on every member that still lists it.
- `redis_relink`: flush the region's database, then Databases_ForceLinkToReplicationGroup naming the
  members that are in the group now. Azure links only a new or empty database, and ARM cannot show
  whether a database is empty, so the flush is part of the step (waited for even with --no-wait:
  the link must not start before it is done). A flush leaves no state to read back, which is why it
  is not a step of its own: a step must be verifiable. Before flushing, the step re-reads the
  group and refuses if the database is no longer standalone (never flush a member of the group).

Both steps read back one key, `link` (mcctl.domain.redisgeo.link_state). Rollback is refused for both
kinds: the inverse of an unlink is a relink, which discards the region's data and needs typed
confirmation, and a rolled-back plan carries neither; the executor raises a UsageError naming the
command to run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from mcctl.adapters.lro import WaitOptions
from mcctl.domain.plan import Step
from mcctl.domain.redisgeo import (
    LINKED,
    UNLINKED,
    RedisObserved,
    RelinkRequest,
    UnlinkRequest,
    in_group,
    link_failed,
    link_state,
    listing_members,
    redis_of,
)
from mcctl.domain.redisstatus import MemberStatus, RedisStatus, redis_status
from mcctl.errors import McctlError, ResourceMissingError, UsageError, WaitTimeout
from mcctl.hookspecs import hookimpl
from mcctl.ops.parallel import read_parallel
from mcctl.ops.registry import StepKind

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate, RedisGeoReplication, RedisMember
    from mcctl.domain.observed import RedisDatabaseState


# -- status ------------------------------------------------------------------------------------------
def read_status(session: AzureSession, estate: Estate) -> RedisStatus:
    """Every member read in parallel; an unreadable member is kept with its error."""
    redis = redis_of(estate)
    read = _read_managed_member if redis.kind == "managed" else _read_cache_member
    reads = read_parallel({m.region: partial(read, session, redis, m) for m in redis.members})
    members = {
        m.region: reads.values.get(m.region) or MemberStatus(m, error=reads.errors[m.region]) for m in redis.members
    }
    return redis_status(redis, members)


def _read_managed_member(session: AzureSession, redis: RedisGeoReplication, member: RedisMember) -> MemberStatus:
    from mcctl.adapters import redis as adapter

    databases = tuple(adapter.list_cluster_databases(session, member))
    wanted = member.database_id(redis.database).lower()
    database = next((d for d in databases if d.id.lower() == wanted), None)
    if database is None:
        names = ", ".join(d.name.rsplit("/", 1)[-1] for d in databases) or "none"
        raise ResourceMissingError(
            f"Redis cluster {member.ref.name} ({member.region}) has no database '{redis.database}' "
            f"(its databases: {names})",
            status=404,
            hint="check redis.database in the estate file",
        )
    return MemberStatus(member, cluster=adapter.get_cluster(session, member), database=database, databases=databases)


def _read_cache_member(session: AzureSession, redis: RedisGeoReplication, member: RedisMember) -> MemberStatus:
    from mcctl.adapters import redis as adapter

    return MemberStatus(member, cache=adapter.get_cache_state(session, member))


# -- what the planners judge -------------------------------------------------------------------------
def _read_databases(
    session: AzureSession, redis: RedisGeoReplication, optional: str | None = None
) -> dict[str, RedisDatabaseState | None]:
    """Region → that member's database; `optional`'s member may be unreadable (None), no other may."""
    from mcctl.adapters import redis as adapter

    # One member after the other: the first one that must be readable and is not ends the read, no call after it.
    found: dict[str, RedisDatabaseState | None] = {}
    for member in redis.members:
        try:
            found[member.region] = adapter.get_managed_database(session, redis, member)
        except McctlError:
            if member.region != optional:
                raise
            found[member.region] = None
    return found


def observe_unlink(
    session: AzureSession, estate: Estate, request: UnlinkRequest, serving_stamps: tuple[str, ...] = ()
) -> RedisObserved:
    """Every member's database; the region being unlinked may be unreachable (that is often why).

    `serving_stamps`: the region's stamps that serve traffic now (the CLI has them from the inventory).
    Bad input is refused before any Azure call.
    """
    region = request.validate(estate).region
    redis = redis_of(estate)
    return RedisObserved(_read_databases(session, redis, optional=region), tuple(serving_stamps))


def observe_relink(session: AzureSession, estate: Estate, request: RelinkRequest) -> RedisObserved:
    """Every member's database, all readable: a relink names the group it links to. Bad input is
    refused before any Azure call."""
    request.validate(estate)
    return RedisObserved(_read_databases(session, redis_of(estate)))


# -- step kinds --------------------------------------------------------------------------------------
_FORWARD = {"redis_unlink": UNLINKED, "redis_relink": LINKED}


def _step_redis(estate: Estate, step: Step) -> tuple[RedisGeoReplication, str]:
    """The estate's Redis and the step's region; refuses a rolled-back (inverted) step."""
    region = step.params["region"]
    if step.after.get("link") != _FORWARD[step.kind]:
        if step.kind == "redis_unlink":
            raise UsageError(
                f"rolling back a Redis unlink is not supported: relinking {region} discards all data in its "
                "database and needs typed confirmation; nothing was changed",
                hint=f"mcctl redis relink {region}",
            )
        raise UsageError(
            f"rolling back a Redis relink is not supported: unlinking {region} needs typed confirmation; "
            "nothing was changed",
            hint=f"mcctl redis unlink {region}",
        )
    redis = estate.redis
    if redis is None or redis.kind != "managed" or redis.member_in(region) is None:
        raise UsageError(f"region {region} is no longer an Azure Managed Redis member in the estate file")
    return redis, region


def _narrowed(redis: RedisGeoReplication, regions: set[str]) -> RedisGeoReplication:
    """The same replication with only `regions`' members (what the adapter should call or name)."""
    return replace(redis, members=tuple(m for m in redis.members if m.region in regions))


def _unlink_read(session: AzureSession, estate: Estate, step: Step) -> dict[str, Any]:
    redis, region = _step_redis(estate, step)
    return {"link": link_state(redis, _read_databases(session, redis, optional=region), region)}


def _unlink_apply(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    from mcctl.adapters import redis as adapter

    redis, region = _step_redis(estate, step)
    listing = set(listing_members(redis, _read_databases(session, redis, optional=region), region))
    if listing:
        adapter.force_unlink(session, _narrowed(redis, listing | {region}), region, options)


def _relink_read(session: AzureSession, estate: Estate, step: Step) -> dict[str, Any]:
    redis, region = _step_redis(estate, step)
    return {"link": link_state(redis, _read_databases(session, redis), region)}


def _relink_apply(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    from mcctl.adapters import redis as adapter

    redis, region = _step_redis(estate, step)
    databases = _read_databases(session, redis)
    state = link_state(redis, databases, region)
    if not (state == UNLINKED and not in_group(databases[region])) and not link_failed(redis, databases, region):
        raise UsageError(
            f"{region}'s database is no longer standalone (now {state}): not flushing a database that is in the group",
            hint="check `mcctl redis status`",
        )
    group = set(step.params["group"]) | {region}  # as planned and confirmed (journaled with the plan)
    started = session.now()
    if state != UNLINKED:
        # A resumed relink whose link failed: take the failed link out of the group first (a
        # database Azure still lists cannot be force-linked again), then flush and link as planned.
        listing = set(listing_members(redis, databases, region))
        adapter.force_unlink(session, _narrowed(redis, listing | {region}), region, options)
    # The flush must be done before the link starts, so it is waited for even with --no-wait.
    adapter.flush_database(session, redis, region, WaitOptions(options.timeout, True, options.on_progress))
    remaining = None if options.timeout is None else max(0.0, options.timeout - (session.now() - started))
    try:
        adapter.force_link(session, _narrowed(redis, group), region, replace(options, timeout=remaining))
    except WaitTimeout:
        raise
    except McctlError as exc:
        from mcctl.ops.steprun import AppliedButFailed

        # The flush already discarded the data: this step changed the estate whatever the link did.
        raise AppliedButFailed(f"{region}'s database was flushed, then linking it failed: {exc.message}") from exc


def _pending(session: AzureSession, estate: Estate, step: Step) -> bool:
    """A force-unlink, flush or force-link still running: a member's database is not settled (a
    force-unlink runs on the members that keep the group, a flush and a link on the region's own)."""
    from mcctl.domain.outside import still_provisioning

    redis, region = _step_redis(estate, step)
    databases = _read_databases(session, redis, optional=region)
    return any(db is not None and still_provisioning(db.provisioning_state) for db in databases.values())


REDIS_UNLINK = StepKind(
    "redis_unlink",
    _unlink_apply,
    _unlink_read,
    reversible=False,
    pending=_pending,
    undo_hint=lambda step: f"mcctl redis relink {step.params['region']} (discards that region's data)",
)
REDIS_RELINK = StepKind(
    "redis_relink",
    _relink_apply,
    _relink_read,
    reversible=False,
    pending=_pending,
    undo_hint=lambda step: f"mcctl redis unlink {step.params['region']}",
)


@hookimpl
def register_step_kinds(register: Callable[[StepKind], None]) -> None:
    register(REDIS_UNLINK)
    register(REDIS_RELINK)
