"""`mcctl status`: the estate on one screen, assembled from what was read (pure).

Every part comes from its own read (the health assessment, the inventory, the SQL failover group,
the operator lease, the journal), and any of them may have failed: a part that could not be read is
`None` here and shows as unknown, never as a guess, and never hides the parts that were read.

The traffic a region gets is computed as Front Door routes it (`mcctl.domain.traffic`): from the
origins' configuration *and* health — an origin of a stamp whose health verdict is `unhealthy` is
taken out of rotation, as Front Door's probes would (unless every origin is unhealthy: then Front
Door serves all of them). `configured_share` is the same without health, for comparison.

The JSON document (`to_dict`) is a documented contract (README "Status").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mcctl.domain.edgehealth import in_rotation, verdicts_from_health
from mcctl.domain.plan import PlanKind
from mcctl.domain.traffic import edge_shares, routes_from_views

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.domain.health import EstateHealth
    from mcctl.domain.lease import LockStatus
    from mcctl.domain.sqlfailover_status import FailoverGroupStatus
    from mcctl.domain.stampview import StampView

UNKNOWN = "unknown"  # a verdict that could not be read (shown as `?` in the table)
UNHEALTHY = "unhealthy"  # the one health verdict that takes a stamp's origin out of rotation


class OperationState(StrEnum):
    IN_FLIGHT = "in_flight"  # a change of it may still land (submitted with --no-wait, killed mid-step)
    INTERRUPTED = "interrupted"  # stopped part way, nothing of it running: resume it or roll it back
    RUNNING = "running"  # between its steps or waiting: its process holds the operator lease and lives


@dataclass(frozen=True)
class OpenOperation:
    """A journaled operation that is not over: in flight, or stopped part way."""

    id: str
    state: OperationState
    status: str  # the journaled operation status (submitted, partial, stopped, interrupted, ...)
    kind: str | None
    summary: str | None
    steps: str  # "done/total"
    started: str | None
    actor: str
    may_still_land: int = 0  # steps whose change is still running in Azure (or cannot be told)

    @property
    def resume(self) -> str:
        return f"{self._command} resume {self.id}"

    @property
    def rollback(self) -> str:
        return f"{self._command} rollback {self.id}"

    @property
    def _command(self) -> str:
        return "mcctl drill" if self.kind == PlanKind.DRILL else "mcctl"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": str(self.state),
            "status": str(self.status),
            "kind": self.kind,
            "summary": self.summary,
            "steps": self.steps,
            "started": self.started,
            "actor": self.actor,
            "may_still_land": self.may_still_land,
            "resume": self.resume,
            "rollback": self.rollback,
        }


@dataclass(frozen=True)
class RegionStatus:
    name: str
    health: str  # the region's verdict from the health assessment (unknown: not assessed)
    share: float | None  # of edge traffic, by configuration and health (None: origins unreadable)
    configured_share: float | None  # by configuration alone
    stamps: int
    serving: int | None  # stamps Front Door sends traffic to with a running app (None: unreadable)
    drained: int | None  # stamps whose origin is disabled (None: unreadable)
    sql_role: str | None  # Primary / Secondary / unknown; None: no SQL server in the region
    redis: str | None  # linked / degraded / broken / unknown; None: no Redis member in the region

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "health": self.health,
            "share": self.share,
            "configured_share": self.configured_share,
            "stamps": self.stamps,
            "serving": self.serving,
            "drained": self.drained,
            "sql_role": self.sql_role,
            "redis": self.redis,
        }


@dataclass(frozen=True)
class SqlSummary:
    primary_region: str | None
    verdict: str  # ready / degraded / not_ready / unknown
    failover_ready: bool | None  # None: the group could not be read
    problems: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "primary_region": self.primary_region,
            "verdict": self.verdict,
            "failover_ready": self.failover_ready,
            "problems": list(self.problems),
        }


@dataclass(frozen=True)
class EstateStatus:
    estate: str
    status: str  # the estate verdict (unknown: health could not be assessed)
    reasons: tuple[str, ...]
    regions: tuple[RegionStatus, ...]
    sql: SqlSummary | None  # None: the estate has no SQL failover group
    lock: LockStatus | None  # None: the lease could not be read
    operations: tuple[OpenOperation, ...] | None  # None: the journal could not be read
    checked_at: str | None = None
    errors: tuple[str, ...] = ()
    simulation: Mapping[str, Any] | None = field(default=None)  # active simulated faults (--sim only)
    problems: tuple[str, ...] = ()  # what the estate file says that the live estate does not
    # changes running in Azure that no mcctl operation accounts for (`mcctl.domain.outside`)
    in_flight: tuple[str, ...] = ()

    @property
    def check(self) -> tuple[int, tuple[str, ...]]:
        """`status --check`, with why: the estate's health verdict as `health --check` (0 healthy or
        drained, 10 degraded or unknown, 11 unhealthy: its roll-up already counts every stamp's
        Redis link and SQL, and the SQL primary unreachable), and at least 10 while the SQL failover
        group is not failover-ready or degraded (the way out of the next regional outage is
        impaired, though the estate serves)."""
        found = [(CHECK_CODES.get(self.status, 10), f"estate {self.status}")]
        if self.sql is not None and self.sql.verdict != "ready":
            found.append((10, f"SQL {self.sql.verdict.replace('_', ' ')}"))
        code = max(c for c, _ in found)
        return code, tuple(why for c, why in found if c == code and code)

    def to_dict(self) -> dict[str, Any]:
        code, why = self.check
        return {
            "estate": self.estate,
            "checked_at": self.checked_at,
            "status": self.status,
            "reasons": list(self.reasons),
            "regions": [r.to_dict() for r in self.regions],
            "sql": self.sql.to_dict() if self.sql is not None else None,
            "lock": _lock(self.lock),
            "operations": [o.to_dict() for o in self.operations] if self.operations is not None else None,
            "simulation": dict(self.simulation) if self.simulation is not None else None,
            "problems": list(self.problems),
            # only when something runs that mcctl did not start (the key set of a quiet estate is pinned)
            "in_flight": list(self.in_flight),
            "check": {"exit_code": code, "reasons": list(why)},
            "errors": list(self.errors),
        }


# `status --check`: the estate verdict as an exit code (anything else, e.g. unknown: 10).
CHECK_CODES = {"healthy": 0, "drained": 0, "degraded": 10, "unhealthy": 11}


def _lock(lock: LockStatus | None) -> dict[str, Any] | None:
    if lock is None:
        return None
    return {**lock.to_dict(), "held": lock.held}


def estate_status(
    estate: Estate,
    *,
    health: EstateHealth | None,
    views: Sequence[StampView] | None,
    sql: FailoverGroupStatus | None,
    lock: LockStatus | None,
    operations: Sequence[OpenOperation] | None,
    errors: Sequence[str] = (),
    checked_at: str | None = None,
    in_flight: Sequence[str] = (),
) -> EstateStatus:
    """The status document from what was read; `None` for each part whose read failed (`errors`
    says why). `sql` is None both when the estate has none and when it could not be read: the
    estate file tells which."""
    if health is not None:
        status, reasons = str(health.status), tuple(health.reasons)
    else:
        status, reasons = UNKNOWN, ("the estate's health could not be assessed",)
    edge, configured = _shares(health, views)
    regions = tuple(
        _region(estate, name, health, views, sql, edge.get(name), configured.get(name)) for name in estate.regions
    )
    return EstateStatus(
        estate=estate.name,
        status=status,
        reasons=reasons,
        regions=regions,
        sql=_sql(estate, sql, views),
        lock=lock,
        operations=tuple(operations) if operations is not None else None,
        checked_at=checked_at if checked_at is not None else (health.checked_at if health else None),
        errors=tuple(dict.fromkeys(errors)),
        problems=tuple(f"stamp {v.stamp.name}: {m.describe()}" for v in views or () for m in v.location_mismatches),
        in_flight=tuple(in_flight),
    )


def _shares(
    health: EstateHealth | None, views: Sequence[StampView] | None
) -> tuple[dict[str, float], dict[str, float]]:
    """Region -> share (by configuration and health, by configuration alone); a region none of
    whose origins was read is in neither (its share is unknown). Health: whether Front Door's
    probes keep each origin in rotation (the `edge` signal), else mcctl's verdict of the stamp."""
    if views is None:
        return {}, {}
    healthy: dict[str, bool] = {}
    if health is not None:  # Front Door's probes where read, else mcctl's own verdict of the stamp
        fallback = {name: s.status != UNHEALTHY for name, s in health.stamps.items()}
        healthy = in_rotation(verdicts_from_health(views, health.stamps), fallback)
    return edge_shares(routes_from_views(views, healthy)), edge_shares(routes_from_views(views))


def _region(
    estate: Estate,
    name: str,
    health: EstateHealth | None,
    views: Sequence[StampView] | None,
    sql: FailoverGroupStatus | None,
    share: float | None,
    configured_share: float | None,
) -> RegionStatus:
    stamps = estate.stamps_in(name)
    mine = [v for v in views or () if v.stamp.region == name]
    known = views is not None and len(mine) == len(stamps)
    region_health = health.regions.get(name) if health is not None else None
    serving = [v.serving for v in mine]
    # a candidate with no origin yet is drained by design (not unreadable)
    drained = [(True if v.no_origin else None) if v.origin is None else not v.origin.enabled for v in mine]
    return RegionStatus(
        name=name,
        health=str(region_health.status) if region_health is not None else UNKNOWN,
        share=share,
        configured_share=configured_share,
        stamps=len(stamps),
        serving=sum(1 for s in serving if s) if known and None not in serving else None,
        drained=sum(1 for d in drained if d) if known and None not in drained else None,
        sql_role=_sql_role(estate, name, sql, mine),
        redis=_redis(estate, name, mine),
    )


def _sql_role(estate: Estate, region: str, sql: FailoverGroupStatus | None, mine: Sequence[StampView]) -> str | None:
    if estate.sql is None or estate.sql.server_in(region) is None:
        return None
    server = sql.server_in(region) if sql is not None else None
    if server is not None and server.role:
        return server.role
    return next((v.sql_role for v in mine if v.sql_role), UNKNOWN)


def _redis(estate: Estate, region: str, mine: Sequence[StampView]) -> str | None:
    if estate.redis is None or estate.redis.member_in(region) is None:
        return None
    return next((str(v.redis.verdict) for v in mine if v.redis is not None), UNKNOWN)


def _sql(estate: Estate, sql: FailoverGroupStatus | None, views: Sequence[StampView] | None) -> SqlSummary | None:
    if estate.sql is None:
        return None
    if sql is None:  # unread: the inventory may still say which region is primary
        primary = next((v.stamp.region for v in views or () if v.sql_role == "Primary"), None)
        return SqlSummary(primary, UNKNOWN, None)
    return SqlSummary(
        sql.primary_region,
        sql.verdict,
        sql.to_dict()["failover_ready"],
        tuple(p.message for p in sql.problems),
    )
