"""Is each region's Redis in the geo-replication group, as every member sees it?

Geo-replication state is reported per member: each Azure Managed Redis database lists the linked
databases and a state for each as *it* sees them, and each Azure Cache for Redis cache lists its own
linked servers. The views can disagree (one member says LinkFailed while another says Linked), so a
region's verdict combines every view of it, and the reason names the view that decided it.

Rules, per region R:
- every view of R (R's own list and every other member's list) says linked → "linked";
- any view says LinkFailed/UnlinkFailed (cache: Failed), a member does not list R, or R's own member
  could not be read → "broken";
- otherwise (Linking, Unlinking, Creating, any value ARM adds later, or another member that could
  not be read, so R's link is not confirmed) → "degraded".
A member that lists no other member at all has been unlinked (force-unlink, deleted link): it is
broken itself, and its view is not held against the regions that are still in the group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from mcctl.domain.estate import RedisGeoReplication
from mcctl.domain.observed import RedisCacheState, RedisDatabaseState

# "unknown" only in a stamp's view (`mark_unread`): its region's own member could not be read
Verdict = Literal["linked", "degraded", "broken", "unknown"]

# the worst view decides a verdict; unknown is "not confirmed", as degraded is
SEVERITY: dict[str, int] = {"linked": 0, "degraded": 1, "unknown": 1, "broken": 2}
MANAGED_OK = frozenset({"linked"})
MANAGED_FAILED = frozenset({"linkfailed", "unlinkfailed"})
CACHE_OK = frozenset({"succeeded"})
CACHE_FAILED = frozenset({"failed"})


@dataclass(frozen=True)
class LinkView:
    """One member's view of a region's link."""

    seen_from: str  # region of the member whose view this is
    state: str | None  # as that member reports it (kept as ARM sent it); None: not listed / not read
    readable: bool = True  # False: that member could not be read at all


@dataclass(frozen=True)
class RegionLinkVerdict:
    region: str
    verdict: Verdict
    reason: str  # one line, e.g. "LinkFailed as seen from westeurope"
    views: tuple[LinkView, ...] = ()
    role: str | None = None  # cache kind only: "Primary" / "Secondary"


# -- shared judgement --------------------------------------------------------------------------------
def _judge_view(region: str, view: LinkView, ok: frozenset[str], failed: frozenset[str]) -> tuple[Verdict, str]:
    own = view.seen_from == region
    if not view.readable:
        if own:
            return "broken", f"{region} could not be read"
        return "degraded", f"not confirmed: {view.seen_from} could not be read"
    if view.state is None:
        return "broken", "missing from its own list" if own else f"not listed by {view.seen_from}"
    lowered = view.state.lower()
    if lowered in ok:
        return "linked", ""
    where = "in its own view" if own else f"as seen from {view.seen_from}"
    if not lowered:
        return "degraded", f"no state reported {where}"
    if lowered in failed:
        return "broken", f"{view.state} {where}"
    return "degraded", f"{view.state} {where}"


def _verdict(
    region: str, views: tuple[LinkView, ...], ok: frozenset[str], failed: frozenset[str], role: str | None = None
) -> RegionLinkVerdict:
    worst: Verdict = "linked"
    reason = f"linked as seen from {', '.join(v.seen_from for v in views)}"
    for view in views:
        verdict, why = _judge_view(region, view, ok, failed)
        if SEVERITY[verdict] > SEVERITY[worst]:
            worst, reason = verdict, why
    return RegionLinkVerdict(region, worst, reason, views, role)


def _broken(region: str, reason: str, views: Iterable[LinkView] = (), role: str | None = None) -> RegionLinkVerdict:
    return RegionLinkVerdict(region, "broken", reason, tuple(views), role)


# -- Azure Managed Redis ---------------------------------------------------------------------------
def _listed_ids(db: RedisDatabaseState) -> dict[str, str]:
    """Linked database id (lower-cased) → state; "" when listed without a state."""
    return {linked.id.lower(): linked.state or "" for linked in db.linked_databases}


def region_link_verdicts(
    redis: RedisGeoReplication, databases: Mapping[str, RedisDatabaseState | None]
) -> dict[str, RegionLinkVerdict]:
    """Verdict per region for kind "managed". `databases` maps region → database (None = not read)."""
    ids = {m.region: m.database_id(redis.database).lower() for m in redis.members}
    listed = {r: _listed_ids(db) for r, db in databases.items() if db is not None}
    standalone = {r for r, entries in listed.items() if not set(entries) - {ids[r]}} if len(ids) > 1 else set()
    verdicts: dict[str, RegionLinkVerdict] = {}
    for region, own_id in ids.items():
        views = tuple(
            LinkView(other, listed[other].get(own_id), True) if other in listed else LinkView(other, None, False)
            for other in ids
            if other == region or other not in standalone
        )
        if region in standalone:
            verdicts[region] = _broken(region, "not linked to any other member (its own list has only itself)", views)
        else:
            verdicts[region] = _verdict(region, views, MANAGED_OK, MANAGED_FAILED)
    return verdicts


# -- Azure Cache for Redis (passive geo-replication: one primary, linked secondaries) ---------------------
def _primary_regions(ids: Mapping[str, str], caches: Mapping[str, RedisCacheState]) -> list[str]:
    """Regions some member names as primary: a cache holding Secondary links, or the target of a Primary link."""
    region_of = {cid: region for region, cid in ids.items()}
    found: dict[str, None] = {}
    for region, cache in caches.items():
        for server in cache.linked_servers:
            role = (server.server_role or "").lower()
            if role == "secondary":
                found.setdefault(region)
            elif role == "primary" and (server.linked_cache_id or "").lower() in region_of:
                found.setdefault(region_of[(server.linked_cache_id or "").lower()])
    return [r for r in ids if r in found]


def _cache_view(viewer: str, cache: RedisCacheState | None, target_id: str) -> LinkView:
    """`viewer`'s link to `target_id`: its linked server's provisioningState ("" when it has none)."""
    if cache is None:
        return LinkView(viewer, None, False)
    for server in cache.linked_servers:
        if (server.linked_cache_id or "").lower() == target_id:
            return LinkView(viewer, server.provisioning_state or "")
    return LinkView(viewer, None)


def cache_link_verdicts(
    redis: RedisGeoReplication, caches: Mapping[str, RedisCacheState | None]
) -> dict[str, RegionLinkVerdict]:
    """Verdict per region for kind "cache". `caches` maps region → cache (None = not read).

    The primary is found from the links themselves. A secondary's link is seen from two sides (the
    primary's linked server for it, and its own linked server for the primary); the primary's verdict
    combines every secondary's view of it. A linked server's provisioningState Succeeded = linked.
    """
    ids = {m.region: m.ref.id.lower() for m in redis.members}
    readable = {r: c for r, c in caches.items() if c is not None}
    primaries = _primary_regions(ids, readable)
    if len(primaries) != 1:
        why = "no geo-replication link found" if not primaries else f"conflicting primaries: {', '.join(primaries)}"
        return {r: _broken(r, f"{r} could not be read" if caches.get(r) is None else why) for r in ids}
    primary = primaries[0]
    standalone = {r for r, c in readable.items() if not c.linked_servers}
    verdicts = {primary: _primary_verdict(primary, ids, caches, standalone)}
    for region in ids:
        if region == primary:
            continue
        views = (
            _cache_view(primary, caches.get(primary), ids[region]),
            _cache_view(region, caches.get(region), ids[primary]),
        )
        if region in standalone:
            why = "not linked to the primary (it has no linked servers)"
            verdicts[region] = _broken(region, why, views, "Secondary")
        else:
            verdicts[region] = _verdict(region, views, CACHE_OK, CACHE_FAILED, "Secondary")
    return verdicts


def _primary_verdict(
    primary: str, ids: Mapping[str, str], caches: Mapping[str, RedisCacheState | None], standalone: set[str]
) -> RegionLinkVerdict:
    own = caches.get(primary)
    if own is None:
        return _broken(primary, f"{primary} could not be read", [LinkView(primary, None, False)], "Primary")
    views = tuple(
        _cache_view(region, caches.get(region), ids[primary])
        for region in ids
        if region != primary and region not in standalone
    )
    if not views:
        return _broken(primary, "no secondary is linked", (), "Primary")
    return _verdict(primary, views, CACHE_OK, CACHE_FAILED, "Primary")


def mark_unread(verdicts: Mapping[str, RegionLinkVerdict], unread: Mapping[str, str]) -> dict[str, RegionLinkVerdict]:
    """The verdicts a stamp view shows: a region whose own member could not be read (region → why)
    is "unknown", not "broken" (`redis status` keeps broken, with the error, and exits with it); the
    other regions keep the verdict judged from the members that were read."""
    marked = dict(verdicts)
    for region, why in unread.items():
        if region in marked:
            marked[region] = replace(marked[region], verdict="unknown", reason=f"{region} could not be read: {why}")
    return marked


def cluster_of(database_id: str) -> str | None:
    """ ".../redisEnterprise/{cluster}/databases/{db}" → cluster (ARM ids compare case-insensitively)."""
    parts = database_id.split("/")
    lowered = [p.lower() for p in parts]
    if "redisenterprise" in lowered and lowered.index("redisenterprise") + 1 < len(parts):
        return parts[lowered.index("redisenterprise") + 1]
    return None
