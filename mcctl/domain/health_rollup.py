"""The roll-up: shared dependencies onto their stamps, signals to a stamp's weighted verdict, stamps
to regions, regions to the estate (rules 1-6 of `mcctl.domain.health`), and the documents
`mcctl health -o json` prints (`to_dict`).

A stamp drained on purpose is `drained` whatever its signals say (they stay its `condition` and its
reasons); drained stamps and regions do not count in a roll-up, as a cordoned node does not count
against its cluster: only what is meant to serve does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.domain.estate import CANDIDATE_NOT_IN_ROTATION, DRAINED_IN_ESTATE
from mcctl.domain.health_signals import RANK, SEVERITY, Signal, Status

if TYPE_CHECKING:
    from mcctl.domain.estate import HealthDependency, HealthSettings


# -- dependencies ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DependencyHealth:
    name: str
    status: Status
    reason: str
    impact: str  # what it does to each dependent stamp while not healthy
    stamps: tuple[str, ...]  # the assessed stamps that depend on it
    probe: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "impact": self.impact,
            "stamps": list(self.stamps),
            "probe": dict(self.probe) if self.probe is not None else None,
        }


def dependency_health(dep: HealthDependency, stamps: Sequence[str], signal: Signal) -> DependencyHealth:
    """A dependency's own health from its check (a probe signal or the built-in check)."""
    probe = signal.detail if signal.name == "probe" else None
    return DependencyHealth(dep.name, signal.status, signal.reason, dep.impact, tuple(stamps), probe)


def dependency_signal(dep: DependencyHealth) -> Signal:
    """What a shared dependency does to one dependent stamp: at most its impact."""
    name = f"dependency:{dep.name}"
    if dep.status == "healthy":
        return Signal(name, "healthy", dep.reason)
    if dep.status == "unknown":
        return Signal(name, "unknown", dep.reason)
    status = dep.status if SEVERITY[dep.status] <= SEVERITY[dep.impact] else dep.impact
    return Signal(name, status, f"{dep.status}: {dep.reason}")  # type: ignore[arg-type]


# -- stamp -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StampHealth:
    name: str
    region: str
    status: Status
    reasons: list[str]  # why the stamp is not healthy: the signals that counted
    notes: list[str]  # signals that are not healthy but did not count (weight)
    signals: tuple[Signal, ...]
    weights: Mapping[str, float] = field(default_factory=dict)
    drained_by: str | None = None  # the journaled operation that drained it on purpose
    condition: Status | None = None  # its signals' verdict (what it would be if it served); None: = status

    @property
    def signals_status(self) -> Status:
        """The verdict of its signals alone: for a drained stamp, whether it could take traffic back."""
        return self.condition if self.condition is not None else self.status

    def signal(self, name: str) -> Signal | None:
        return next((s for s in self.signals if s.name == name), None)

    @property
    def probe(self) -> Mapping[str, Any] | None:
        found = self.signal("probe")
        return found.detail if found else None

    def to_dict(self) -> dict[str, Any]:
        # A drained stamp also has `drained_by` and `condition`; a serving one keeps the documented keys.
        drained = {"drained_by": self.drained_by, "condition": self.signals_status} if self.drained_by else {}
        return {
            "name": self.name,
            "region": self.region,
            "status": self.status,
            **drained,
            "reasons": list(self.reasons),
            "notes": list(self.notes),
            "probe": dict(self.probe) if self.probe is not None else None,
            "signals": [
                {
                    "name": s.name,
                    "status": s.status,
                    "reason": s.reason,
                    "weight": self.weights.get(s.name, 1.0),
                    "counted": _counts(s, self.weights.get(s.name, 1.0)),
                }
                for s in self.signals
            ],
        }


def _score(signal: Signal, weight: float) -> float:
    return SEVERITY.get(signal.status, 0) * weight


def _counts(signal: Signal, weight: float) -> bool:
    """Whether a non-healthy signal moved its stamp's verdict (healthy signals count as healthy)."""
    if signal.status == "healthy":
        return weight > 0
    if signal.status == "unknown":
        return weight > 0
    return _score(signal, weight) >= 1 - 1e-9


def stamp_health(
    name: str, region: str, signals: Sequence[Signal], settings: HealthSettings, drained_by: str | None = None
) -> StampHealth:
    """Rule 1: worst-of the signals, each scored severity × weight. Rule 4: `drained_by` (the
    operation that drained it on purpose) makes it `drained`, its signals' verdict its `condition`."""
    weights = {s.name: settings.weight(s.name) for s in signals}
    top = max((_score(s, weights[s.name]) for s in signals), default=0.0)
    if top >= 2 - 1e-9:
        status: Status = "unhealthy"
    elif top >= 1 - 1e-9:
        status = "degraded"
    elif any(s.status == "unknown" and weights[s.name] > 0 for s in signals) or not signals:
        status = "unknown"
    else:
        status = "healthy"
    ordered = sorted((s for s in signals if s.status != "healthy"), key=lambda s: -RANK[s.status])
    reasons = [s.text for s in ordered if _counts(s, weights[s.name])]
    notes = [f"{s.text} (weight {weights[s.name]:g}: not counted)" for s in ordered if not _counts(s, weights[s.name])]
    if not signals:
        reasons = ["no signal could be read"]
    if drained_by is not None:
        if drained_by == CANDIDATE_NOT_IN_ROTATION:
            why = "a candidate of a release, not yet given traffic (no origin yet, or disabled)"
        else:
            by = "its mark in the estate file" if drained_by == DRAINED_IN_ESTATE else f"operation {drained_by}"
            why = f"drained on purpose by {by} (origin disabled, no traffic)"
        if status != "healthy":
            why += f"; its own signals: {status}"
        return StampHealth(name, region, "drained", [why, *reasons], notes, tuple(signals), weights, drained_by, status)
    return StampHealth(name, region, status, reasons, notes, tuple(signals), weights)


# -- roll-up ---------------------------------------------------------------------------------------
def rollup(children: Mapping[str, str], unhealthy_share: float) -> Status:
    """Rules 2 and 3 over the children meant to serve (drained ones do not count; all drained:
    drained): unhealthy when the unhealthy children reach `unhealthy_share` of them (0: any one),
    else degraded when any is degraded or unhealthy, else unknown when any is unknown."""
    if not children:
        return "unknown"
    statuses = [s for s in children.values() if s != "drained"]
    if not statuses:
        return "drained"
    bad = sum(1 for s in statuses if s == "unhealthy")
    if bad and bad / len(statuses) >= unhealthy_share - 1e-9:
        return "unhealthy"
    if any(s in ("degraded", "unhealthy") for s in statuses):
        return "degraded"
    if "unknown" in statuses:
        return "unknown"
    return "healthy"


def _counted(children: Mapping[str, str], noun: str, conditions: Mapping[str, str] | None = None) -> list[str]:
    """ "1 of 2 stamps unhealthy (eus2-1)" per non-healthy status, worst first, drained last;
    a drained child that is not healthy itself says so: "(eus2-1: unhealthy)"."""
    total = len(children)
    conditions = conditions or {}
    parts = []
    for status in ("unhealthy", "degraded", "unknown", "drained"):
        names = [n for n, s in children.items() if s == status]
        if status == "drained":
            names = [n if conditions.get(n, "healthy") == "healthy" else f"{n}: {conditions[n]}" for n in names]
        if names:
            parts.append(f"{len(names)} of {total} {noun} {status} ({', '.join(names)})")
    return parts


@dataclass(frozen=True)
class RegionHealth:
    name: str
    status: Status
    reasons: list[str]
    stamps: dict[str, Status]  # stamp → status, in estate order

    def to_dict(self) -> dict[str, Any]:
        healthy = sum(1 for s in self.stamps.values() if s == "healthy")
        return {
            "name": self.name,
            "status": self.status,
            "reasons": list(self.reasons),
            "healthy_stamps": healthy,
            "total_stamps": len(self.stamps),
            "stamps": dict(self.stamps),
        }


def region_health(name: str, stamps: Sequence[StampHealth], settings: HealthSettings) -> RegionHealth:
    """Rule 2 (and 5: only the stamps meant to serve count; every stamp drained: drained)."""
    children = {s.name: s.status for s in stamps}
    conditions = {s.name: s.signals_status for s in stamps}
    reasons = _counted(children, "stamps", conditions)
    return RegionHealth(name, rollup(children, settings.region_unhealthy_share), reasons, children)


@dataclass(frozen=True)
class EstateHealth:
    """The answer of `mcctl health` and of `ops.health.assess`."""

    name: str
    status: Status
    reasons: list[str]
    regions: dict[str, RegionHealth]
    stamps: dict[str, StampHealth]
    dependencies: dict[str, DependencyHealth] = field(default_factory=dict)
    scope: Mapping[str, str | None] = field(default_factory=dict)  # {"region": ..., "stamp": ...}
    checked_at: str | None = None
    timeout_seconds: float | None = None
    errors: list[str] = field(default_factory=list)  # reads that failed (their signals are unknown)

    @property
    def exit_code(self) -> int:
        """For `--check`: 0 healthy or drained (on purpose), 10 degraded (or unknown: not confirmed
        healthy), 11 unhealthy."""
        return {"healthy": 0, "drained": 0, "degraded": 10, "unknown": 10, "unhealthy": 11}[self.status]

    def to_dict(self) -> dict[str, Any]:
        return {
            "estate": self.name,
            "scope": dict(self.scope),
            "status": self.status,
            "reasons": list(self.reasons),
            "checked_at": self.checked_at,
            "timeout_seconds": self.timeout_seconds,
            "regions": [r.to_dict() for r in self.regions.values()],
            "stamps": [s.to_dict() for s in self.stamps.values()],
            "dependencies": [d.to_dict() for d in self.dependencies.values()],
            "errors": list(self.errors),
        }


def estate_health(
    name: str,
    stamps: Sequence[StampHealth],
    settings: HealthSettings,
    dependencies: Sequence[DependencyHealth] = (),
    *,
    sql_primary: Signal | None = None,
    scope: Mapping[str, str | None] | None = None,
    **extra: Any,
) -> EstateHealth:
    """Roll stamps up to regions (in the order given) and regions up to the estate (rules 2-6).

    `sql_primary`: the failover group's primary answering (`sql_primary_signal`); unhealthy makes
    the verdict unhealthy whatever the regions say (rule 6). `scope`: {"region", "stamp"} when only
    part of the estate was assessed; a scope whose stamps are all drained is `drained`, the whole
    estate with every stamp drained serves nothing and is `unhealthy` (rule 5).
    """
    by_region: dict[str, list[StampHealth]] = {}
    for stamp in stamps:
        by_region.setdefault(stamp.region, []).append(stamp)
    regions = {region: region_health(region, members, settings) for region, members in by_region.items()}
    children = {r.name: r.status for r in regions.values()}
    status = rollup(children, settings.estate_unhealthy_share)
    reasons = []
    if sql_primary is not None and sql_primary.status == "unhealthy":
        status = "unhealthy"
        reasons.append(f"no region can write: SQL {sql_primary.reason}")
    whole = not any((scope or {}).values())
    if status == "drained" and whole:
        status = "unhealthy"
        reasons.append("no region serves traffic: every stamp is drained")
    # Worst first; a drained region is listed last (it takes no traffic, nothing there is urgent).
    for region in sorted(regions.values(), key=lambda r: (r.status == "drained", -RANK[r.status])):
        if region.status != "healthy":
            reasons.append(f"region {region.name} {region.status}: " + "; ".join(region.reasons))
    for dep in dependencies:
        if dep.status != "healthy":
            reasons.append(f"shared dependency {dep.name} {dep.status}: {dep.reason}")
    return EstateHealth(
        name=name,
        status=status,
        reasons=reasons,
        regions=regions,
        stamps={s.name: s for s in stamps},
        dependencies={d.name: d for d in dependencies},
        scope=dict(scope or {}),
        **extra,
    )
