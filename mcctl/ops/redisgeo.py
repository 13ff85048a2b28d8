"""Redis geo-replication: link status as every member sees it, and the guarded unlink / relink.

Status reads every member (in parallel): for `managed` (Azure Managed Redis) every database of each
region's cluster, with the estate's database's view of the replication group; for `cache` (Azure Cache
for Redis) each cache and its linked servers. A member that cannot be read does not hide the others.
The verdict per region is mcctl.domain.redislinks' (the same the stamps table shows).

Unlink and relink (kind `managed` only) are plans for the safe-mutation flow, one step each:

- `redis_unlink`: Databases_ForceUnlink of the region's database on every member that still lists
  it. The unlinked database keeps its data but cannot rejoin as it is.
- `redis_relink`: flush the region's database, then Databases_ForceLinkToReplicationGroup naming the
  members that are in the group now. Azure links only a new or empty database, and ARM cannot show
  whether a database is empty, so the flush is part of the step (waited for even with --no-wait:
  the link must not start before it is done). A flush leaves no state to read back, which is why it
  is not a step of its own: a step must be verifiable. Before flushing, the step re-reads the
  group and refuses if the database is no longer standalone (never flush a member of the group).

Both steps read back one key, `link`: "unlinked" when no other member lists the region's database,
else the region's verdict (linked / degraded / broken). Rollback is refused for both kinds: the
inverse of an unlink is a relink, which discards the region's data and needs typed confirmation, and
a rolled-back plan carries neither; the executor raises a UsageError naming the command to run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from mcctl.adapters.lro import WaitOptions
from mcctl.domain.plan import Plan, Step
from mcctl.domain.redislinks import (
    RegionLinkVerdict,
    Verdict,
    cache_link_verdicts,
    cluster_of,
    region_link_verdicts,
)
from mcctl.domain.regions import normalize_region
from mcctl.errors import McctlError, ResourceMissingError, UsageError, WaitTimeout
from mcctl.hookspecs import hookimpl
from mcctl.ops.registry import StepKind

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate, RedisGeoReplication, RedisMember
    from mcctl.domain.observed import RedisCacheState, RedisClusterState, RedisDatabaseState

# Azure gives no durations; these estimates (the plan's expected time) match the simulator.
UNLINK_SECONDS = 30
FLUSH_SECONDS = 10
LINK_SECONDS = 60

UNLINKED = "unlinked"  # the `link` value of a database no other member lists
LINKED = "linked"
_SEVERITY: dict[str, int] = {"linked": 0, "degraded": 1, "broken": 2}


# -- status ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MemberStatus:
    """One region's member as read now; `error` set when it could not be read."""

    member: RedisMember
    cluster: RedisClusterState | None = None  # managed: the member's cluster
    database: RedisDatabaseState | None = None  # managed: the estate's database of this cluster
    databases: tuple[RedisDatabaseState, ...] = ()  # managed: every database of the cluster
    cache: RedisCacheState | None = None  # cache: the cache and its linked servers
    error: McctlError | None = None

    @property
    def region(self) -> str:
        return self.member.region


@dataclass
class RedisStatus:
    redis: RedisGeoReplication
    members: dict[str, MemberStatus]  # region → member, in estate order
    verdicts: dict[str, RegionLinkVerdict]
    errors: list[McctlError] = field(default_factory=list)

    def worst(self, regions: list[str] | None = None) -> Verdict:
        shown = [self.verdicts[r].verdict for r in (regions or list(self.verdicts))]
        return max(shown, key=lambda v: _SEVERITY[v], default="linked")

    def entries(self, regions: list[str] | None = None) -> list[dict[str, Any]]:
        """One JSON entry per region (the `redis status -o json` contract)."""
        wanted = regions or list(self.members)
        build = self._managed_entry if self.redis.kind == "managed" else self._cache_entry
        return [build(self.members[r]) for r in wanted]

    def _common(self, status: MemberStatus) -> dict[str, Any]:
        verdict = self.verdicts[status.region]
        return {
            "region": status.region,
            "kind": self.redis.kind,
            "verdict": verdict.verdict,
            "reason": verdict.reason,
        }

    def _managed_entry(self, status: MemberStatus) -> dict[str, Any]:
        member, db, cluster = status.member, status.database, status.cluster
        ids = {m.database_id(self.redis.database).lower(): m.region for m in self.redis.members}
        return {
            **self._common(status),
            "cluster": member.ref.name,
            "cluster_sku": cluster.sku if cluster else None,
            "cluster_provisioning_state": cluster.provisioning_state if cluster else None,
            "cluster_resource_state": cluster.resource_state if cluster else None,
            "host_name": cluster.host_name if cluster else None,
            "resource_group": member.ref.resource_group,
            "subscription": member.ref.subscription,
            "database": self.redis.database,
            "id": member.database_id(self.redis.database),
            "provisioning_state": db.provisioning_state if db else None,
            "resource_state": db.resource_state if db else None,
            "group_nickname": db.group_nickname if db else None,
            "linked_databases": [
                {
                    "region": ids.get(linked.id.lower()),
                    "cluster": cluster_of(linked.id),
                    "state": linked.state,
                    "id": linked.id,
                }
                for linked in (db.linked_databases if db else ())
            ],
            "views": self._managed_views(status.region),
            "other_databases": [
                {"name": d.name, "provisioning_state": d.provisioning_state, "resource_state": d.resource_state}
                for d in status.databases
                if db is None or d.id.lower() != db.id.lower()
            ],
            "problems": self._managed_problems(status),
            "error": status.error.message if status.error else None,
        }

    def _managed_views(self, region: str) -> list[dict[str, Any]]:
        """How every member (standalone ones included) lists `region`'s database."""
        target = self.redis.member_in(region).database_id(self.redis.database).lower()  # type: ignore[union-attr]
        views = []
        for viewer in self.members.values():
            db = viewer.database
            state = None
            if db is not None:
                state = next((ld.state or "" for ld in db.linked_databases if ld.id.lower() == target), None)
            views.append({"seen_from": viewer.region, "state": state, "readable": db is not None})
        return views

    def _managed_problems(self, status: MemberStatus) -> list[str]:
        db = status.database
        if db is None:
            return []
        problems = []
        cluster = status.cluster
        if cluster and cluster.provisioning_state and cluster.provisioning_state.lower() != "succeeded":
            problems.append(f"cluster provisioning state {cluster.provisioning_state}")
        if cluster and cluster.resource_state and cluster.resource_state.lower() != "running":
            problems.append(f"cluster resource state {cluster.resource_state}")
        wanted = self.redis.group_nickname
        if wanted and db.group_nickname != wanted:
            problems.append(f"group nickname is {db.group_nickname!r}, the estate says {wanted!r}")
        if db.provisioning_state and db.provisioning_state.lower() != "succeeded":
            problems.append(f"database provisioning state {db.provisioning_state}")
        if db.resource_state and db.resource_state.lower() != "running":
            problems.append(f"database resource state {db.resource_state}")
        return problems

    def _cache_entry(self, status: MemberStatus) -> dict[str, Any]:
        member, cache = status.member, status.cache
        verdict = self.verdicts[status.region]
        regions = {m.ref.id.lower(): m.region for m in self.redis.members}
        return {
            **self._common(status),
            "role": verdict.role,
            "cache": member.ref.name,
            "resource_group": member.ref.resource_group,
            "subscription": member.ref.subscription,
            "id": member.ref.id,
            "location": cache.location if cache else None,
            "provisioning_state": cache.provisioning_state if cache else None,
            "linked_servers": [
                {
                    "name": server.name,
                    "region": regions.get((server.linked_cache_id or "").lower())
                    or (normalize_region(server.linked_cache_location) if server.linked_cache_location else None),
                    "role": server.server_role,
                    "location": server.linked_cache_location,
                    "provisioning_state": server.provisioning_state,
                    "linked_cache_id": server.linked_cache_id,
                }
                for server in (cache.linked_servers if cache else ())
            ],
            "views": [{"seen_from": v.seen_from, "state": v.state, "readable": v.readable} for v in verdict.views],
            "problems": [f"cache provisioning state {cache.provisioning_state}"]
            if cache and cache.provisioning_state and cache.provisioning_state.lower() != "succeeded"
            else [],
            "error": status.error.message if status.error else None,
        }


def redis_of(estate: Estate) -> RedisGeoReplication:
    if estate.redis is None:
        raise UsageError("the estate file has no `redis:` section", hint="add redis: (see README, The estate file)")
    return estate.redis


def member_of(redis: RedisGeoReplication, region: str, what: str = "REGION") -> RedisMember:
    member = redis.member_in(normalize_region(region))
    if member is None:
        regions = ", ".join(m.region for m in redis.members)
        raise UsageError(f"{what}: no Redis member in '{region}' (members: {regions})")
    return member


def read_status(session: AzureSession, estate: Estate) -> RedisStatus:
    """Every member read in parallel; an unreadable member is kept with its error."""
    redis = redis_of(estate)
    read = _read_managed_member if redis.kind == "managed" else _read_cache_member
    with ThreadPoolExecutor(max_workers=min(8, len(redis.members)) or 1) as pool:
        futures = [pool.submit(_guarded, read, session, redis, m) for m in redis.members]
        members = {m.region: f.result() for m, f in zip(redis.members, futures, strict=True)}
    if redis.kind == "managed":
        verdicts = region_link_verdicts(redis, {r: m.database for r, m in members.items()})
    else:
        verdicts = cache_link_verdicts(redis, {r: m.cache for r, m in members.items()})
    errors = [m.error for m in members.values() if m.error is not None]
    return RedisStatus(redis, members, verdicts, errors)


def _guarded(read: Any, session: AzureSession, redis: RedisGeoReplication, member: RedisMember) -> MemberStatus:
    try:
        return read(session, redis, member)
    except McctlError as exc:
        return MemberStatus(member, error=exc)


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


# -- the link state the steps read back --------------------------------------------------------------
def _lists(db: RedisDatabaseState | None, database_id: str) -> bool:
    return db is not None and any(ld.id.lower() == database_id.lower() for ld in db.linked_databases)


def _in_group(db: RedisDatabaseState | None) -> bool:
    """Whether a member's own list names any other member (a force-unlinked database lists only itself)."""
    if db is None:
        return False
    own = db.id.lower()
    return any(ld.id.lower() != own for ld in db.linked_databases)


def _link_failed(redis: RedisGeoReplication, databases: Mapping[str, RedisDatabaseState | None], region: str) -> bool:
    """A force-link that failed (a relink resumed after its link operation failed): every entry
    naming `region`'s database says LinkFailed, so it holds no data the group relies on."""
    target = member_of(redis, region).database_id(redis.database).lower()
    states = [
        (ld.state or "").lower()
        for db in databases.values()
        if db is not None
        for ld in db.linked_databases
        if ld.id.lower() == target
    ]
    return bool(states) and all(s == "linkfailed" for s in states)


def link_state(redis: RedisGeoReplication, databases: Mapping[str, RedisDatabaseState | None], region: str) -> str:
    """`region`'s link as the steps read it back: "unlinked" when no other member lists its database,
    else its verdict (linked / degraded / broken)."""
    target = member_of(redis, region).database_id(redis.database)
    if not any(_lists(db, target) for other, db in databases.items() if other != region):
        return UNLINKED
    return region_link_verdicts(redis, databases)[region].verdict


def _read_databases(
    session: AzureSession, redis: RedisGeoReplication, optional: str | None = None
) -> dict[str, RedisDatabaseState | None]:
    """Region → that member's database; `optional`'s member may be unreadable (None), no other may."""
    from mcctl.adapters import redis as adapter

    found: dict[str, RedisDatabaseState | None] = {}
    for member in redis.members:
        try:
            found[member.region] = adapter.get_managed_database(session, redis, member)
        except McctlError:
            if member.region != optional:
                raise
            found[member.region] = None
    return found


# -- planning ----------------------------------------------------------------------------------------
def managed_redis(estate: Estate, command: str) -> RedisGeoReplication:
    redis = redis_of(estate)
    if redis.kind != "managed":
        raise UsageError(
            f"`mcctl redis {command}` works on Azure Managed Redis (redis.kind: managed); this estate's Redis "
            f"is kind '{redis.kind}' (Azure Cache for Redis linked servers)",
            hint="manage linked servers with az redis server-link; `mcctl redis status` shows them",
        )
    if not redis.group_nickname:
        raise UsageError("redis.group_nickname is required to unlink or relink a database")
    return redis


def _label(redis: RedisGeoReplication, member: RedisMember) -> str:
    return f"Redis database {member.ref.name}/{redis.database} ({member.region})"


def plan_unlink(session: AzureSession, estate: Estate, region: str, serving_stamps: tuple[str, ...] = ()) -> Plan:
    """Force-unlink `region`'s database from the group (on every member that still lists it).

    `serving_stamps`: the region's stamps that serve traffic now (named in a note).
    """
    redis = managed_redis(estate, "unlink")
    member = member_of(redis, region)
    region = member.region
    databases = _read_databases(session, redis, optional=region)
    target = member.database_id(redis.database)
    state = link_state(redis, databases, region)
    listing = [r for r, db in databases.items() if r != region and _lists(db, target)]
    summary = f"force-unlink {region} ({member.ref.name}/{redis.database}) from Redis group {redis.group_nickname}"
    if state == UNLINKED:
        return Plan(kind="redis_unlink", summary=f"{summary}: already unlinked", steps=())
    verdict = region_link_verdicts(redis, databases)[region]
    notes = [
        f"now: {verdict.verdict} ({verdict.reason})",
        f"{', '.join(listing)} stop replicating to and from {region}; writes in {region} are no longer replicated",
        "the unlinked database keeps its data but cannot rejoin as it is: delete and recreate it, or run "
        f"`mcctl redis relink {region}`, which flushes it (all its data is discarded) and force-links it",
        f"rollback is not available: `mcctl redis relink {region}` reverses this",
    ]
    if databases[region] is None:
        notes.append(f"{region}'s own database could not be read: it may still list the group until it is reachable")
    if serving_stamps:
        notes.append(
            f"{region} still serves traffic ({', '.join(serving_stamps)}): its stamps keep using the standalone "
            "database, whose sessions and data diverge from the group; drain the region first if that matters"
        )
    step = Step(
        kind="redis_unlink",
        target=_label(redis, member),
        resource_id=target,
        before={"link": state},
        after={"link": UNLINKED},
        params={"region": region},
        expected_seconds=UNLINK_SECONDS,
    )
    return Plan(
        kind="redis_unlink",
        summary=summary,
        steps=(step,),
        data_loss=True,
        confirm_name=member.ref.name,
        notes=tuple(notes),
    )


def plan_relink(
    session: AzureSession, estate: Estate, region: str, with_regions: tuple[str, ...] | list[str] = ()
) -> Plan:
    """Flush `region`'s (force-unlinked) database and force-link it to the members in the group now.

    `with_regions` names the members to link with instead. It is needed when no member lists another
    (every other member stands alone, e.g. after two regions were unlinked): a survivor and a
    force-unlinked database look the same then, so the operator says which one is the group.
    """
    redis = managed_redis(estate, "relink")
    member = member_of(redis, region)
    region = member.region
    databases = _read_databases(session, redis)
    state = link_state(redis, databases, region)
    summary = (
        f"flush {region}'s Redis database ({member.ref.name}/{redis.database}) and force-link it "
        f"to group {redis.group_nickname}"
    )
    if state == LINKED:
        return Plan(kind="redis_relink", summary=f"{summary}: already linked", steps=())
    if state != UNLINKED:
        verdict = region_link_verdicts(redis, databases)[region]
        linking = any(
            (ld.state or "").lower() == "linking"
            for db in databases.values()
            if db is not None
            for ld in db.linked_databases
            if ld.id.lower() == member.database_id(redis.database).lower()
        )
        if linking:
            raise UsageError(
                f"{region} is being linked to group {redis.group_nickname} ({verdict.reason}); nothing to do yet",
                hint="check again with `mcctl redis status`",
            )
        raise UsageError(
            f"{region} is still in group {redis.group_nickname} ({verdict.verdict}: {verdict.reason}); "
            "only a force-unlinked database can be relinked",
            hint=f"unlink it first: mcctl redis unlink {region}",
        )
    own = databases[region]
    if _in_group(own):
        others = [ld.id.rsplit("/databases/", 1)[0].rsplit("/", 1)[-1] for ld in own.linked_databases]  # type: ignore[union-attr]
        names = ", ".join(o for o in others if o != member.ref.name)
        raise UsageError(
            f"{region}'s database still lists {names} as linked although no member lists it (it was unlinked "
            "while unreachable); only a database that has left the group can be force-linked",
            hint=f"force-unlink {names} on {member.ref.name} itself (az redisenterprise database force-unlink), "
            "or delete and recreate the database; then run this again",
        )
    if with_regions:
        group = _chosen_group(redis, databases, region, with_regions)
    else:
        group = [r for r, db in databases.items() if r != region and _in_group(db)]
    if not group:
        raise UsageError(
            f"no other member of group {redis.group_nickname} lists another member, so mcctl cannot tell which "
            f"one is the group to link {region} to",
            hint=f"name the surviving member(s): mcctl redis relink {region} --with REGION",
        )
    step = Step(
        kind="redis_relink",
        target=_label(redis, member),
        resource_id=member.database_id(redis.database),
        before={"link": UNLINKED},
        after={"link": LINKED},
        params={"region": region, "group": group},
        expected_seconds=FLUSH_SECONDS + LINK_SECONDS,
    )
    notes = (
        f"ALL DATA in {member.ref.name}/{redis.database} is discarded: it is flushed, then force-linked and "
        f"filled from the group ({', '.join(group)})",
        "Azure links only a new or empty database and ARM cannot show whether it is empty, so mcctl flushes it "
        "first (the flush operation: FLUSHALL is blocked under geo-replication)",
        f"until linking completes {region}'s stamps see an empty or partly filled cache",
        f"rollback is not available: `mcctl redis unlink {region}` reverses this",
    )
    return Plan(
        kind="redis_relink",
        summary=summary,
        steps=(step,),
        data_loss=True,
        confirm_name=member.ref.name,
        notes=notes,
    )


def _chosen_group(
    redis: RedisGeoReplication,
    databases: Mapping[str, RedisDatabaseState | None],
    region: str,
    with_regions: tuple[str, ...] | list[str],
) -> list[str]:
    chosen = list(dict.fromkeys(member_of(redis, r, "--with").region for r in with_regions))
    if region in chosen:
        raise UsageError(f"--with: {region} is the region being relinked; name the members to link it with")
    region_of = {m.database_id(redis.database).lower(): m.region for m in redis.members}
    for other in chosen:
        db = databases[other]
        nickname = db.group_nickname if db else None
        if nickname != redis.group_nickname:
            raise UsageError(f"--with: {other}'s database is in group {nickname!r}, not {redis.group_nickname!r}")
        partners = {region_of.get(ld.id.lower(), ld.id) for ld in db.linked_databases} if db else set()
        missing = sorted(partners - {other, region} - set(chosen))
        if missing:
            raise UsageError(
                f"--with: {other} is linked with {', '.join(missing)} too; name its whole group",
                hint="`mcctl redis status` shows who lists whom",
            )
    return [r for r in databases if r in chosen]  # in estate order


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
    databases = _read_databases(session, redis, optional=region)
    target = redis.member_in(region).database_id(redis.database)  # type: ignore[union-attr]
    listing = {r for r, db in databases.items() if r != region and _lists(db, target)}
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
    if not (state == UNLINKED and not _in_group(databases[region])) and not _link_failed(redis, databases, region):
        raise UsageError(
            f"{region}'s database is no longer standalone (now {state}): not flushing a database that is in the group",
            hint="check `mcctl redis status`",
        )
    group = set(step.params["group"]) | {region}  # as planned and confirmed (journaled with the plan)
    started = session.now()
    if state != UNLINKED:
        # A resumed relink whose link failed: take the failed link out of the group first (a
        # database Azure still lists cannot be force-linked again), then flush and link as planned.
        target = redis.member_in(region).database_id(redis.database)  # type: ignore[union-attr]
        listing = {r for r, db in databases.items() if r != region and _lists(db, target)}
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
    from mcctl.ops.steps import still_provisioning

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
