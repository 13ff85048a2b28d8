"""What `mcctl redis status` shows: every member as read now, a verdict per region, one JSON entry each.

The reads are ops' (mcctl.ops.redisgeo.read_status); the verdicts are mcctl.domain.redislinks' (the
same the stamps table shows). A member that could not be read is kept with its error, so it does not
hide the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mcctl.domain.estate import RedisGeoReplication, RedisMember
from mcctl.domain.observed import RedisCacheState, RedisClusterState, RedisDatabaseState
from mcctl.domain.redislinks import (
    SEVERITY,
    RegionLinkVerdict,
    Verdict,
    cache_link_verdicts,
    cluster_of,
    region_link_verdicts,
)
from mcctl.domain.regions import normalize_region
from mcctl.errors import McctlError


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
        return max(shown, key=lambda v: SEVERITY[v], default="linked")

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


def redis_status(redis: RedisGeoReplication, members: Mapping[str, MemberStatus]) -> RedisStatus:
    """The verdicts and errors of `members` (region → member as read, in estate order)."""
    members = dict(members)
    if redis.kind == "managed":
        verdicts = region_link_verdicts(redis, {r: m.database for r, m in members.items()})
    else:
        verdicts = cache_link_verdicts(redis, {r: m.cache for r, m in members.items()})
    errors = [m.error for m in members.values() if m.error is not None]
    return RedisStatus(redis, members, verdicts, errors)
