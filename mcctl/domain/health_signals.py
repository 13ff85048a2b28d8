"""The signals of a stamp and how each is judged: the health endpoint's answer (status, report,
latency), the web app, the plan's instances, the Front Door origin, the Redis link and SQL.

One value in, one `Signal` out (a status and a one-line reason); the rules are documented in
`mcctl.domain.health`, which also re-exports every name here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mcctl.domain.estate import HealthSettings
    from mcctl.domain.observed import AppServicePlanState, OriginState, WebAppState
    from mcctl.domain.redislinks import RegionLinkVerdict

# `drained` is never a signal's status: it is the verdict of a stamp drained on purpose (and of a
# region or scope whose stamps all are), which is not serving and is not expected to.
Status = Literal["healthy", "degraded", "unhealthy", "unknown", "drained"]
STATUSES: tuple[Status, ...] = ("healthy", "degraded", "unhealthy", "unknown", "drained")

SEVERITY: dict[str, int] = {"healthy": 0, "degraded": 1, "unhealthy": 2}
# Worst-first order for sorting and for picking the worst of several statuses (unknown sits between
# healthy and degraded: not confirmed healthy, but nothing says it is broken).
# Drained ranks with healthy: nothing in it needs acting on for the traffic it does not take.
RANK: dict[str, int] = {"healthy": 0, "drained": 0, "unknown": 1, "degraded": 2, "unhealthy": 3}

LABELS = {
    "probe": "health endpoint",
    "app": "web app",
    "instances": "instances",
    "origin": "Front Door origin",
    "edge": "Front Door probes",
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
    name: str  # probe, app, instances, origin, edge, redis, sql, dependency:NAME
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


def origin_signal(origin: OriginState | None, missing: str | None = None, drained_by: str | None = None) -> Signal:
    """`drained_by`: the journaled operation that disabled the origin on purpose (not undone since),
    or the estate file's mark; such an origin is as it should be, so the signal is healthy and the
    stamp is `drained`."""
    if origin is None:
        if drained_by is not None:  # a candidate stamp before `stamps add`: no origin yet, by design
            return Signal("origin", "healthy", f"no origin yet ({drained_by}: `mcctl stamps add` creates it)")
        if missing:
            return Signal("origin", "unhealthy", missing)
        return Signal("origin", "unknown", "could not be read")
    if not origin.enabled and drained_by is not None:
        state = origin.enabled_state or "disabled"
        return Signal("origin", "healthy", f"{origin.name} is {state} on purpose (drained by {drained_by})")
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
