"""The health model: per-stamp signals, rolled up stamp → region → estate.

Every verdict is one of healthy / degraded / unhealthy / unknown and always comes with reasons, so
a table or a runbook never has to interpret a colour.

Signals of a stamp (each with a status and a one-line reason):
- `probe`: the stamp's health endpoint — HTTP status, latency against the yellow/red thresholds,
  and the per-check report when the body is Mission-Critical style JSON
  (`{"status": "Healthy", "entries": {"Sql": {"status": ...}}}`); a timeout or a connection
  failure is unhealthy;
- `app`: the web app's state (Stopped or disabled: unhealthy; availability Limited: degraded);
- `instances`: instances up on the App Service plan against `health.min_instances`
  (none: unhealthy; fewer: degraded);
- `origin`: the Front Door origin (disabled: degraded, it receives no traffic; missing: unhealthy);
- `redis`: the Redis link verdict of the stamp's region (linked / degraded / broken);
- `sql`: the stamp's region's SQL server and its role (unreachable primary: unhealthy; unreachable
  secondary: degraded);
- `dependency:NAME`: a shared dependency from `health.dependencies` that is not healthy holds each
  dependent stamp at most at the dependency's `impact` (degraded by default).

Roll-up rules (the documented contract):
1. Stamp — worst-of with weights. Each signal scores severity × weight (healthy 0, degraded 1,
   unhealthy 2; weight 0..1, `health.weights`). The stamp is unhealthy at a top score ≥ 2, degraded
   at ≥ 1, else unknown if a counted signal (weight > 0) is unknown, else healthy. So weight 1
   counts a signal as is, 0.5 lets only an unhealthy signal count, and only as degraded, and 0 only
   shows it. Non-healthy signals that did not count are listed as notes.
2. Region — from its stamps: unhealthy when the unhealthy stamps are at least
   `health.rollup.region` of them (default 100%: every stamp; `worst`: any one); otherwise degraded
   when any stamp is degraded or unhealthy; otherwise unknown when any is unknown; else healthy.
3. Estate — the same rule over its regions with `health.rollup.estate` (default 100%: a single
   region down leaves the estate degraded, not unhealthy).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mcctl.domain.estate import HealthDependency, HealthSettings
    from mcctl.domain.observed import AppServicePlanState, OriginState, WebAppState
    from mcctl.domain.redislinks import RegionLinkVerdict

Status = Literal["healthy", "degraded", "unhealthy", "unknown"]
STATUSES: tuple[Status, ...] = ("healthy", "degraded", "unhealthy", "unknown")

SEVERITY: dict[str, int] = {"healthy": 0, "degraded": 1, "unhealthy": 2}
# Worst-first order for sorting and for picking the worst of several statuses (unknown sits between
# healthy and degraded: not confirmed healthy, but nothing says it is broken).
RANK: dict[str, int] = {"healthy": 0, "unknown": 1, "degraded": 2, "unhealthy": 3}

LABELS = {
    "probe": "health endpoint",
    "app": "web app",
    "instances": "instances",
    "origin": "Front Door origin",
    "redis": "Redis link",
    "sql": "SQL",
}


def worst(statuses: Iterable[Status]) -> Status:
    found = list(statuses)
    return max(found, key=RANK.__getitem__) if found else "unknown"


def label(signal: str) -> str:
    if signal.startswith("dependency:"):
        return f"shared dependency {signal.split(':', 1)[1]}"
    return LABELS.get(signal, signal)


def seconds_text(seconds: float) -> str:
    """5 → "5s", 2.5 → "2.5s", 0.25 → "0.25s", 90 → "90s"."""
    return f"{seconds:g}s"


def ms_text(seconds: float) -> str:
    return f"{round(seconds * 1000)} ms"


# -- signals ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Signal:
    name: str  # probe, app, instances, origin, redis, sql, dependency:NAME
    status: Status
    reason: str  # one line, without the signal's label
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return f"{label(self.name)}: {self.reason}"


@dataclass(frozen=True)
class Check:
    """One entry of a Mission-Critical style health report."""

    name: str
    status: str  # as the endpoint reports it: Healthy / Degraded / Unhealthy / anything else
    description: str | None = None
    duration: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "description": self.description, "duration": self.duration}


@dataclass(frozen=True)
class ProbeResult:
    """What one GET of a health endpoint gave: an answer, a timeout, or a failure to connect."""

    url: str
    http_status: int | None = None
    seconds: float | None = None  # time to the answer (simulated seconds against the simulator)
    body: bytes = b""
    timed_out_after: float | None = None  # the timeout, when there was no answer in time
    error: str | None = None  # connection failure or other transport error (one line)


@dataclass(frozen=True)
class Report:
    """The Mission-Critical style JSON body of a health endpoint (ASP.NET Core health checks)."""

    status: str  # as reported (parse_report only accepts a string)
    checks: tuple[Check, ...]


def parse_report(body: bytes) -> Report | None:
    """`{"status": "Healthy", "entries": {"Sql": {"status": ..., "description": ...}}}`, or the
    list form `{"status": ..., "checks": [{"name": ..., "status": ...}]}`; None when the body is not
    such a report (plain text, HTML, other JSON)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        return None
    checks: list[Check] = []
    entries = data.get("entries")
    if isinstance(entries, dict):
        items = [(name, entry) for name, entry in entries.items() if isinstance(entry, dict)]
    elif isinstance(data.get("checks"), list):
        items = [(str(c.get("name", "?")), c) for c in data["checks"] if isinstance(c, dict)]
    else:
        items = []
    for name, entry in items:
        checks.append(
            Check(
                name=str(name),
                status=str(entry.get("status", "Unknown")),
                description=str(entry["description"]) if entry.get("description") else None,
                duration=str(entry["duration"]) if entry.get("duration") is not None else None,
            )
        )
    return Report(data["status"], tuple(checks))


def _failing(report: Report | None) -> str:
    if report is None:
        return ""
    bad = [c for c in report.checks if c.status.lower() != "healthy"]
    if not bad:
        return ""
    parts = [f"{c.name} {c.status}" + (f" ({c.description})" if c.description else "") for c in bad]
    return " — checks: " + ", ".join(parts)


def probe_signal(probe: ProbeResult, settings: HealthSettings) -> Signal:
    """Judge a health endpoint answer: status code, report, then latency."""
    detail: dict[str, Any] = {
        "url": probe.url,
        "http_status": probe.http_status,
        "latency_ms": None if probe.seconds is None else round(probe.seconds * 1000),
        "error": None,
        "report_status": None,
        "checks": [],
    }
    if probe.timed_out_after is not None:
        detail["error"] = "timeout"
        return Signal("probe", "unhealthy", f"timeout after {seconds_text(probe.timed_out_after)}", detail)
    if probe.error is not None or probe.http_status is None:
        detail["error"] = probe.error or "no answer"
        return Signal("probe", "unhealthy", f"unreachable: {probe.error or 'no answer'}", detail)
    report = parse_report(probe.body)
    if report is not None:
        detail["report_status"] = report.status
        detail["checks"] = [c.to_dict() for c in report.checks]
    took = f" in {ms_text(probe.seconds)}" if probe.seconds is not None else ""
    if not 200 <= probe.http_status < 300:
        extra = f", report {report.status}{_failing(report)}" if report else ""
        return Signal("probe", "unhealthy", f"HTTP {probe.http_status}{took}{extra}", detail)
    reported = (report.status if report else "Healthy").lower()
    if reported == "unhealthy":
        return Signal(
            "probe", "unhealthy", f"HTTP {probe.http_status}{took} but report Unhealthy{_failing(report)}", detail
        )
    seconds = probe.seconds
    if seconds is not None and seconds * 1000 >= settings.latency_red_ms:
        return Signal("probe", "unhealthy", f"slow: {ms_text(seconds)} (red at {settings.latency_red_ms} ms)", detail)
    if report is not None and reported != "healthy":
        return Signal(
            "probe", "degraded", f"HTTP {probe.http_status}{took}, report {report.status}{_failing(report)}", detail
        )
    if seconds is not None and seconds * 1000 >= settings.latency_yellow_ms:
        return Signal(
            "probe", "degraded", f"slow: {ms_text(seconds)} (yellow at {settings.latency_yellow_ms} ms)", detail
        )
    return Signal("probe", "healthy", f"HTTP {probe.http_status}{took}", detail)


def app_signal(app: WebAppState | None, missing: str | None = None) -> Signal:
    """`missing`: why the app is absent (not found → unhealthy); absent without it → unknown."""
    if app is None:
        return Signal("app", "unhealthy", missing) if missing else Signal("app", "unknown", "could not be read")
    state = app.state or "?"
    if state.lower() != "running":
        return Signal("app", "unhealthy", f"{app.name} is {state}")
    if app.enabled is False:
        return Signal("app", "unhealthy", f"{app.name} is disabled")
    availability = app.availability_state or "Normal"
    if availability.lower() == "normal":
        return Signal("app", "healthy", "Running")
    if availability.lower() == "limited":
        return Signal("app", "degraded", "availability Limited (the region is impaired)")
    return Signal("app", "unhealthy", f"availability {availability}")


def instances_signal(plan: AppServicePlanState | None, minimum: int, missing: str | None = None) -> Signal:
    if plan is None:
        if missing:
            return Signal("instances", "unhealthy", missing)
        return Signal("instances", "unknown", "App Service plan could not be read")
    up = plan.number_of_workers if plan.number_of_workers is not None else plan.capacity
    if up is None:
        return Signal("instances", "unknown", "the plan reports no instance count")
    configured = f" of {plan.capacity}" if plan.capacity is not None and plan.capacity != up else ""
    detail = {"up": up, "configured": plan.capacity, "minimum": minimum}
    if up <= 0:
        return Signal("instances", "unhealthy", f"no instance up{configured}", detail)
    text = f"{up}{configured} up (minimum {minimum})"
    if up < minimum:
        return Signal("instances", "degraded", f"only {text}", detail)
    return Signal("instances", "healthy", text, detail)


def origin_signal(origin: OriginState | None, missing: str | None = None) -> Signal:
    if origin is None:
        if missing:
            return Signal("origin", "unhealthy", missing)
        return Signal("origin", "unknown", "could not be read")
    if not origin.enabled:
        return Signal("origin", "degraded", f"{origin.name} is {origin.enabled_state or 'disabled'} (no traffic)")
    return Signal("origin", "healthy", f"{origin.name} enabled")


def redis_signal(verdict: RegionLinkVerdict | None) -> Signal:
    if verdict is None:
        return Signal("redis", "unknown", "link verdict could not be read")
    status: Status = {"linked": "healthy", "degraded": "degraded", "broken": "unhealthy"}.get(
        verdict.verdict, "unknown"
    )  # type: ignore[assignment]
    return Signal("redis", status, f"{verdict.verdict}: {verdict.reason}")


@dataclass(frozen=True)
class SqlServerReach:
    """Whether a region's SQL server answers, and its role in the failover group."""

    region: str
    server: str
    role: str | None  # Primary / Secondary / None when the failover group could not be read
    reachable: bool | None  # None: not read (timed out)
    error: str | None = None


def sql_signal(reach: SqlServerReach) -> Signal:
    role = (reach.role or "").lower()
    who = f"{reach.role.lower() if reach.role else 'server'} {reach.server}"
    if reach.reachable is None:
        return Signal("sql", "unknown", f"{who}: {reach.error or 'not read'}")
    if not reach.reachable:
        status: Status = "degraded" if role == "secondary" else "unhealthy"
        return Signal("sql", status, f"{who} unreachable: {reach.error or 'no answer'}")
    if not reach.role:
        return Signal("sql", "unknown", f"server {reach.server} answers, its role is unknown (failover group not read)")
    return Signal("sql", "healthy", f"{who} reachable")


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


def sql_primary_signal(primary: SqlServerReach | None) -> Signal:
    """The built-in `sql` dependency: the failover group's primary must answer."""
    if primary is None:
        return Signal("sql", "unknown", "the failover group's primary is unknown (group not read)")
    if primary.reachable is None:
        return Signal("sql", "unknown", f"primary {primary.server} ({primary.region}): {primary.error or 'not read'}")
    if not primary.reachable:
        return Signal(
            "sql", "unhealthy", f"primary {primary.server} ({primary.region}) unreachable: {primary.error or '?'}"
        )
    return Signal("sql", "healthy", f"primary {primary.server} ({primary.region}) reachable")


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

    def signal(self, name: str) -> Signal | None:
        return next((s for s in self.signals if s.name == name), None)

    @property
    def probe(self) -> Mapping[str, Any] | None:
        found = self.signal("probe")
        return found.detail if found else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "region": self.region,
            "status": self.status,
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


def stamp_health(name: str, region: str, signals: Sequence[Signal], settings: HealthSettings) -> StampHealth:
    """Rule 1: worst-of the signals, each scored severity × weight."""
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
    return StampHealth(name, region, status, reasons, notes, tuple(signals), weights)


# -- roll-up ---------------------------------------------------------------------------------------
def rollup(children: Mapping[str, str], unhealthy_share: float) -> Status:
    """Rules 2 and 3: unhealthy when the unhealthy children reach `unhealthy_share` of all (0: any
    one), else degraded when any is degraded or unhealthy, else unknown when any is unknown."""
    if not children:
        return "unknown"
    statuses = list(children.values())
    bad = sum(1 for s in statuses if s == "unhealthy")
    if bad and bad / len(statuses) >= unhealthy_share - 1e-9:
        return "unhealthy"
    if any(s in ("degraded", "unhealthy") for s in statuses):
        return "degraded"
    if "unknown" in statuses:
        return "unknown"
    return "healthy"


def _counted(children: Mapping[str, str], noun: str) -> list[str]:
    """ "1 of 2 stamps unhealthy (eus2-1)" per non-healthy status, worst first."""
    total = len(children)
    parts = []
    for status in ("unhealthy", "degraded", "unknown"):
        names = [n for n, s in children.items() if s == status]
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
    children = {s.name: s.status for s in stamps}
    return RegionHealth(name, rollup(children, settings.region_unhealthy_share), _counted(children, "stamps"), children)


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
        """For `--check`: 0 healthy, 10 degraded (or unknown: not confirmed healthy), 11 unhealthy."""
        return {"healthy": 0, "degraded": 10, "unknown": 10, "unhealthy": 11}[self.status]

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
    **extra: Any,
) -> EstateHealth:
    """Roll stamps up to regions (in the order given) and regions up to the estate."""
    by_region: dict[str, list[StampHealth]] = {}
    for stamp in stamps:
        by_region.setdefault(stamp.region, []).append(stamp)
    regions = {region: region_health(region, members, settings) for region, members in by_region.items()}
    children = {r.name: r.status for r in regions.values()}
    status = rollup(children, settings.estate_unhealthy_share)
    reasons = []
    for region in sorted(regions.values(), key=lambda r: -RANK[r.status]):
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
        **extra,
    )
