"""Redis geo-replication: the guarded unlink / relink plans (kind `managed` only), one step each.

- `redis_unlink`: Databases_ForceUnlink of the region's database on every member that still lists
  it. The unlinked database keeps its data but cannot rejoin as it is.
- `redis_relink`: flush the region's database, then Databases_ForceLinkToReplicationGroup naming the
  members that are in the group now (or the ones the operator names with --with).

Both steps read back one key, `link` (`link_state`): "unlinked" when no other member lists the
region's database, else the region's verdict (linked / degraded / broken, mcctl.domain.redislinks').
The planners judge what ops read (`RedisObserved`: every member's database) and never call Azure;
the step kinds that apply them live in mcctl.ops.redisgeo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mcctl.domain.estate import Estate, RedisGeoReplication, RedisMember
from mcctl.domain.observed import RedisDatabaseState
from mcctl.domain.plan import Plan, PlanKind, Step
from mcctl.domain.redislinks import region_link_verdicts
from mcctl.domain.regions import normalize_region
from mcctl.errors import UsageError

# Azure gives no durations; these estimates (the plan's expected time) match the simulator.
UNLINK_SECONDS = 30
FLUSH_SECONDS = 10
LINK_SECONDS = 60

UNLINKED = "unlinked"  # the `link` value of a database no other member lists
LINKED = "linked"


@dataclass(frozen=True)
class RedisObserved:
    """What ops read for a plan: region → that member's database (None: it could not be read), in
    estate order, and the region's stamps that serve traffic now (named in an unlink's note)."""

    databases: Mapping[str, RedisDatabaseState | None]
    serving_stamps: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnlinkRequest:
    region: str

    def validate(self, estate: Estate) -> RedisMember:
        """The region's member; a UsageError for input that needs no Azure call to refuse."""
        return member_of(managed_redis(estate, "unlink"), self.region)


@dataclass(frozen=True)
class RelinkRequest:
    region: str
    with_regions: tuple[str, ...] = ()  # --with: the members to link with (checked against what was read)

    def validate(self, estate: Estate) -> RedisMember:
        """The region's member; a UsageError for input that needs no Azure call to refuse."""
        return member_of(managed_redis(estate, "relink"), self.region)


# -- the estate's Redis ------------------------------------------------------------------------------
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


# -- the link state the steps read back --------------------------------------------------------------
def lists_database(db: RedisDatabaseState | None, database_id: str) -> bool:
    return db is not None and any(ld.id.lower() == database_id.lower() for ld in db.linked_databases)


def in_group(db: RedisDatabaseState | None) -> bool:
    """Whether a member's own list names any other member (a force-unlinked database lists only itself)."""
    if db is None:
        return False
    own = db.id.lower()
    return any(ld.id.lower() != own for ld in db.linked_databases)


def listing_members(
    redis: RedisGeoReplication, databases: Mapping[str, RedisDatabaseState | None], region: str
) -> list[str]:
    """The other members that still list `region`'s database (where a force-unlink must run), in estate order."""
    target = member_of(redis, region).database_id(redis.database)
    return [r for r, db in databases.items() if r != region and lists_database(db, target)]


def link_failed(redis: RedisGeoReplication, databases: Mapping[str, RedisDatabaseState | None], region: str) -> bool:
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
    if not listing_members(redis, databases, region):
        return UNLINKED
    return region_link_verdicts(redis, databases)[region].verdict


# -- planning ----------------------------------------------------------------------------------------
def _label(redis: RedisGeoReplication, member: RedisMember) -> str:
    return f"Redis database {member.ref.name}/{redis.database} ({member.region})"


def plan_unlink(estate: Estate, observed: RedisObserved, request: UnlinkRequest) -> Plan:
    """Force-unlink the region's database from the group (on every member that still lists it)."""
    redis = managed_redis(estate, "unlink")
    member = request.validate(estate)
    region = member.region
    databases = observed.databases
    state = link_state(redis, databases, region)
    listing = listing_members(redis, databases, region)
    summary = f"force-unlink {region} ({member.ref.name}/{redis.database}) from Redis group {redis.group_nickname}"
    if state == UNLINKED:
        return Plan(kind=PlanKind.REDIS_UNLINK, summary=f"{summary}: already unlinked", steps=())
    verdict = region_link_verdicts(redis, databases)[region]
    notes = [
        f"now: {verdict.verdict} ({verdict.reason})",
        f"{', '.join(listing)} stop replicating to and from {region}; writes in {region} are no longer replicated",
        "the unlinked database keeps its data but cannot rejoin as it is: delete and recreate it, or run "
        f"`mcctl redis relink {region}`, which flushes it (all its data is discarded) and force-links it",
        f"rollback is not available: `mcctl redis relink {region}` reverses this",
    ]
    if databases.get(region) is None:
        notes.append(f"{region}'s own database could not be read: it may still list the group until it is reachable")
    if observed.serving_stamps:
        notes.append(
            f"{region} still serves traffic ({', '.join(observed.serving_stamps)}): its stamps keep using the "
            "standalone database, whose sessions and data diverge from the group; drain the region first if that "
            "matters"
        )
    step = Step(
        kind="redis_unlink",
        target=_label(redis, member),
        resource_id=member.database_id(redis.database),
        before={"link": state},
        after={"link": UNLINKED},
        params={"region": region},
        expected_seconds=UNLINK_SECONDS,
    )
    return Plan(
        kind=PlanKind.REDIS_UNLINK,
        summary=summary,
        steps=(step,),
        data_loss=True,
        confirm_name=member.ref.name,
        notes=tuple(notes),
    )


def plan_relink(estate: Estate, observed: RedisObserved, request: RelinkRequest) -> Plan:
    """Flush the region's (force-unlinked) database and force-link it to the members in the group now.

    `request.with_regions` names the members to link with instead. It is needed when no member lists
    another (every other member stands alone, e.g. after two regions were unlinked): a survivor and a
    force-unlinked database look the same then, so the operator says which one is the group.
    """
    redis = managed_redis(estate, "relink")
    member = request.validate(estate)
    region = member.region
    databases = observed.databases
    state = link_state(redis, databases, region)
    summary = (
        f"flush {region}'s Redis database ({member.ref.name}/{redis.database}) and force-link it "
        f"to group {redis.group_nickname}"
    )
    if state == LINKED:
        return Plan(kind=PlanKind.REDIS_RELINK, summary=f"{summary}: already linked", steps=())
    if state != UNLINKED:
        _refuse_in_group(redis, databases, member)
    own = databases.get(region)
    if own is not None and in_group(own):
        others = [ld.id.rsplit("/databases/", 1)[0].rsplit("/", 1)[-1] for ld in own.linked_databases]
        names = ", ".join(o for o in others if o != member.ref.name)
        raise UsageError(
            f"{region}'s database still lists {names} as linked although no member lists it (it was unlinked "
            "while unreachable); only a database that has left the group can be force-linked",
            hint=f"force-unlink {names} on {member.ref.name} itself (az redisenterprise database force-unlink), "
            "or delete and recreate the database; then run this again",
        )
    if request.with_regions:
        group = _chosen_group(redis, databases, region, request.with_regions)
    else:
        group = [r for r, db in databases.items() if r != region and in_group(db)]
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
        kind=PlanKind.REDIS_RELINK,
        summary=summary,
        steps=(step,),
        data_loss=True,
        confirm_name=member.ref.name,
        notes=notes,
    )


def _refuse_in_group(
    redis: RedisGeoReplication, databases: Mapping[str, RedisDatabaseState | None], member: RedisMember
) -> None:
    """A region another member still lists is not relinked: it is being linked, or must be unlinked first."""
    region = member.region
    verdict = region_link_verdicts(redis, databases)[region]
    target = member.database_id(redis.database).lower()
    linking = any(
        (ld.state or "").lower() == "linking"
        for db in databases.values()
        if db is not None
        for ld in db.linked_databases
        if ld.id.lower() == target
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


def _chosen_group(
    redis: RedisGeoReplication,
    databases: Mapping[str, RedisDatabaseState | None],
    region: str,
    with_regions: tuple[str, ...],
) -> list[str]:
    chosen = list(dict.fromkeys(member_of(redis, r, "--with").region for r in with_regions))
    if region in chosen:
        raise UsageError(f"--with: {region} is the region being relinked; name the members to link it with")
    region_of = {m.database_id(redis.database).lower(): m.region for m in redis.members}
    for other in chosen:
        db = databases.get(other)
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
