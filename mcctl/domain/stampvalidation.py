"""Judging a stamp before it gets traffic (`mcctl stamps validate`): measured values in, verdicts out.

Each check is named and has a verdict (pass / warn / fail), a one-line detail and its measured
values. The stamp's verdict is `failed` when any check failed, else `passed` (warnings are shown,
and fail the stamp only when asked: `strict`). A check that could not be made (a read that failed)
fails: a gate before traffic does not vouch for what it could not see.

The checks, in order:
- `health`: every one of the N probes of the health endpoint answered 2xx, and the report's own
  status (a Mission-Critical style JSON body, when there is one) is not Unhealthy (Degraded: warn);
- `latency`: every probe answered under the limit (p50 and max reported);
- `smoke:PATH`: each smoke path, asked of the stamp's own host: the status wanted, under its limit;
- `app`, `instances`: the web app runs, its plan has at least the release's minimum up;
- `sql`, `redis`: as the health model judges them for the stamp's region (omitted where the
  estate has no SQL server / Redis member in that region, as the health model omits them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mcctl.domain.estate import SmokeCheck
from mcctl.domain.health_signals import ProbeResult, Signal, app_signal, instances_signal, parse_report
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.domain.estate import ReleaseSettings, Stamp
    from mcctl.domain.observed import AppServicePlanState, WebAppState

MAX_PROBES = 100  # as the estate file's release.probes
MAX_LATENCY_MS = 600_000
MAX_SMOKE_CHECKS = 100
SCHEMA_VERSION = 1  # of the JSON document (docs/schemas/stamp-validation.schema.json)


class CheckVerdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"


@dataclass(frozen=True)
class CheckResult:
    name: str  # health, latency, smoke:/path, app, instances, sql, redis
    verdict: CheckVerdict
    detail: str  # one line
    values: Mapping[str, Any] = field(default_factory=dict)  # what was measured

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "verdict": str(self.verdict), "detail": self.detail, **self.values}


@dataclass(frozen=True)
class ValidationSettings:
    """The thresholds of one validation: the estate's `release:` with the command's overrides."""

    probes: int
    max_latency_ms: int
    min_instances: int
    smoke: tuple[SmokeCheck, ...] = ()
    strict: bool = False  # warnings fail the stamp too

    def to_dict(self) -> dict[str, Any]:
        return {
            "probes": self.probes,
            "max_latency_ms": self.max_latency_ms,
            "min_instances": self.min_instances,
            "strict": self.strict,
        }


@dataclass(frozen=True)
class StampValidation:
    stamp: str
    region: str
    lifecycle: str
    health_url: str
    settings: ValidationSettings
    checks: tuple[CheckResult, ...]
    seconds: float  # how long the validation took (session clock: simulated seconds on the simulator)
    checked_at: str

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.checks, strict=self.settings.strict)

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASSED

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        """The checks that failed the stamp (with `strict`, the warnings too)."""
        bad = {CheckVerdict.FAIL, CheckVerdict.WARN} if self.settings.strict else {CheckVerdict.FAIL}
        return tuple(c for c in self.checks if c.verdict in bad)

    @property
    def failed_checks(self) -> tuple[CheckResult, ...]:
        return self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "stamp": self.stamp,
            "region": self.region,
            "lifecycle": self.lifecycle,
            "health_url": self.health_url,
            "verdict": str(self.verdict),
            "checks": [c.to_dict() for c in self.checks],
            "settings": self.settings.to_dict(),
            "checked_at": self.checked_at,
            "seconds": round(self.seconds, 3),
        }


def verdict_of(checks: Iterable[CheckResult], *, strict: bool = False) -> Verdict:
    bad = {CheckVerdict.FAIL, CheckVerdict.WARN} if strict else {CheckVerdict.FAIL}
    return Verdict.FAILED if any(c.verdict in bad for c in checks) else Verdict.PASSED


# -- input -----------------------------------------------------------------------------------------
def parse_latency_ms(text: str, option: str = "--max-latency") -> int:
    """'800ms', '1s', '1.5s', or a bare number of milliseconds ('800') → 800, 1000, 1500, 800."""
    match = re.fullmatch(r"\s*([0-9]{1,9}(?:\.[0-9]{1,3})?)\s*(ms|s)?\s*", text or "")
    if match is None:
        raise UsageError(f"{option}: '{text}' is not a latency (e.g. 800ms, 1s, 1.5s)")
    value = float(match.group(1)) * (1000 if match.group(2) == "s" else 1)
    if not math.isfinite(value) or not 1 <= value <= MAX_LATENCY_MS:
        raise UsageError(f"{option}: must be at least 1ms and at most {MAX_LATENCY_MS // 1000}s, got '{text}'")
    return round(value)


def parse_smoke(text: str, option: str = "--smoke") -> SmokeCheck:
    """'PATH[=STATUS]': '/api/items=200', '/missing=404', '/' (status 200). Only a 3-digit suffix
    is a status, so a query string keeps its own '=' ('/api?page=2')."""
    value = (text or "").strip()
    match = re.fullmatch(r"(/\S{0,2047}?)(?:=([0-9]{3}))?", value)
    if match is None:
        raise UsageError(f"{option}: '{text}' is not PATH[=STATUS] with a PATH starting with / (e.g. /api/items=200)")
    status = int(match.group(2)) if match.group(2) else 200
    if not 100 <= status <= 599:
        raise UsageError(f"{option}: '{text}': STATUS must be an HTTP status 100-599")
    return SmokeCheck(match.group(1), status)


def settings_for(
    release: ReleaseSettings,
    *,
    probes: int | None = None,
    max_latency_ms: int | None = None,
    smoke: Sequence[SmokeCheck] = (),
    strict: bool = False,
) -> ValidationSettings:
    """The estate's `release:` with the command's overrides; a `--smoke` path the estate already
    lists replaces its status (its latency limit stays)."""
    if probes is not None and not 1 <= probes <= MAX_PROBES:
        raise UsageError(f"--probes: must be between 1 and {MAX_PROBES}, got {probes}")
    checks = {c.path: c for c in release.smoke}
    for extra in smoke:
        known = checks.get(extra.path)
        checks[extra.path] = replace(known, status=extra.status) if known is not None else extra
    if len(checks) > MAX_SMOKE_CHECKS:
        raise UsageError(f"--smoke: at most {MAX_SMOKE_CHECKS} smoke paths, got {len(checks)}")
    return ValidationSettings(
        probes=probes if probes is not None else release.probes,
        max_latency_ms=max_latency_ms if max_latency_ms is not None else release.max_latency_ms,
        min_instances=release.min_instances,
        smoke=tuple(checks.values()),
        strict=strict,
    )


def smoke_url(stamp: Stamp, path: str) -> str:
    """The smoke path on the stamp's own host (its health endpoint's scheme and host, with any port):
    the candidate is not in Front Door's rotation, so it is asked directly."""
    scheme, _, rest = stamp.health_url.partition("://")
    authority = rest.split("/", 1)[0].split("?", 1)[0]
    return f"{scheme}://{authority}{path}"


# -- judging ---------------------------------------------------------------------------------------
def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def _percentile(values: Sequence[int], share: float) -> int | None:
    """Nearest-rank percentile (p50 of 5 values: the 3rd smallest)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _answer_text(result: ProbeResult) -> str:
    if result.timed_out_after is not None:
        return f"no answer within {result.timed_out_after:g}s"
    if result.error is not None or result.http_status is None:
        return f"unreachable ({result.error or 'no answer'})"
    return f"HTTP {result.http_status}"


def _answered(result: ProbeResult) -> bool:
    return result.timed_out_after is None and result.error is None and result.http_status is not None


def judge_health(results: Sequence[ProbeResult]) -> CheckResult:
    """Every probe answered 2xx; the last report's status (Unhealthy: fail, Degraded: warn)."""
    statuses = [r.http_status if _answered(r) else None for r in results]
    bad = [r for r in results if not _answered(r) or not 200 <= (r.http_status or 0) < 300]
    reports = [parse_report(r.body) for r in results if _answered(r)]
    reported = [rep.status for rep in reports if rep is not None]
    report_status = reported[-1] if reported else None
    failing = sorted(
        {
            f"{c.name} {c.status}"
            for rep in reports
            if rep is not None
            for c in rep.checks
            if c.status.lower() != "healthy"
        }
    )
    values = {
        "url": results[0].url if results else None,
        "probes": len(results),
        "ok": len(results) - len(bad),
        "http_statuses": statuses,
        "report_status": report_status,
        "failing_checks": failing,
    }
    checks = f" (checks: {', '.join(failing)})" if failing else ""
    worst_report = next((s for s in ("Unhealthy", "Degraded") if s.lower() in {x.lower() for x in reported}), None)
    if bad:
        first = _answer_text(bad[0])
        report = f", report {report_status}" if report_status else ""
        detail = f"{len(bad)} of {len(results)} probes failed: {first}{report}{checks}"
        return CheckResult("health", CheckVerdict.FAIL, detail, values)
    ok = f"{len(results)}/{len(results)} probes 2xx"
    if worst_report == "Unhealthy":
        return CheckResult("health", CheckVerdict.FAIL, f"{ok} but report Unhealthy{checks}", values)
    if worst_report == "Degraded":
        return CheckResult("health", CheckVerdict.WARN, f"{ok}, report Degraded{checks}", values)
    report = f", report {report_status}" if report_status else " (no health report in the body)"
    return CheckResult("health", CheckVerdict.PASS, f"{ok}{report}", values)


def judge_latency(results: Sequence[ProbeResult], limit_ms: int) -> CheckResult:
    """Every probe answered in under `limit_ms`; a probe with no answer is over any limit."""
    latencies = [ms for r in results if _answered(r) and (ms := _ms(r.seconds)) is not None]
    unanswered = sum(1 for r in results if not _answered(r))
    p50, top = _percentile(latencies, 0.5), max(latencies) if latencies else None
    values = {"p50_ms": p50, "max_ms": top, "limit_ms": limit_ms, "unanswered": unanswered}
    over = sum(1 for ms in latencies if ms >= limit_ms)
    measured = f"p50 {p50} ms, max {top} ms" if latencies else "no answer to measure"
    if unanswered:
        detail = f"{unanswered} of {len(results)} probes unanswered; {measured} (limit {limit_ms} ms)"
        return CheckResult("latency", CheckVerdict.FAIL, detail, values)
    if over:
        detail = f"{measured}: {over} of {len(results)} at or over {limit_ms} ms"
        return CheckResult("latency", CheckVerdict.FAIL, detail, values)
    return CheckResult("latency", CheckVerdict.PASS, f"{measured} (limit {limit_ms} ms)", values)


def judge_smoke(check: SmokeCheck, result: ProbeResult, default_limit_ms: int) -> CheckResult:
    limit = check.max_latency_ms or default_limit_ms
    latency = _ms(result.seconds) if _answered(result) else None
    values = {
        "url": result.url,
        "path": check.path,
        "wanted_status": check.status,
        "http_status": result.http_status if _answered(result) else None,
        "latency_ms": latency,
        "limit_ms": limit,
    }
    name = f"smoke:{check.path}"
    if not _answered(result):
        return CheckResult(name, CheckVerdict.FAIL, _answer_text(result), values)
    if result.http_status != check.status:
        took = f" in {latency} ms" if latency is not None else ""
        detail = f"HTTP {result.http_status}{took}, wanted {check.status}"
        return CheckResult(name, CheckVerdict.FAIL, detail, values)
    if latency is not None and latency >= limit:
        detail = f"HTTP {result.http_status} but {latency} ms (limit {limit} ms)"
        return CheckResult(name, CheckVerdict.FAIL, detail, values)
    took = f" in {latency} ms" if latency is not None else ""
    return CheckResult(name, CheckVerdict.PASS, f"HTTP {result.http_status}{took} (limit {limit} ms)", values)


_SIGNAL_VERDICTS = {"healthy": CheckVerdict.PASS, "degraded": CheckVerdict.WARN, "unhealthy": CheckVerdict.FAIL}


def from_signal(name: str, signal: Signal | None, missing: str) -> CheckResult:
    """A health-model signal as a check: healthy → pass, degraded → warn, unhealthy → fail; unknown
    (or no signal when one was expected: `missing`) → fail, as nothing vouches for it."""
    if signal is None:
        return CheckResult(name, CheckVerdict.FAIL, missing, {"health": "unknown"})
    verdict = _SIGNAL_VERDICTS.get(signal.status, CheckVerdict.FAIL)
    reason = signal.reason if signal.status != "unknown" else f"could not be judged: {signal.reason}"
    return CheckResult(name, verdict, reason, {"health": signal.status})


def judge_app(app: WebAppState | None, missing: str | None = None) -> CheckResult:
    """The web app runs (availability Limited: warn), by the health model's own judge."""
    signal = app_signal(app, missing)
    check = from_signal("app", signal, "could not be read")
    values = {**check.values, "state": app.state if app else None}
    return replace(check, values=values)


def judge_instances(plan: AppServicePlanState | None, minimum: int, missing: str | None = None) -> CheckResult:
    """At least `minimum` instances up (fewer, even one: fail: a candidate must carry its share)."""
    signal = instances_signal(plan, minimum, missing)
    up = signal.detail.get("up")
    values = {"health": signal.status, "up": up, "configured": signal.detail.get("configured"), "minimum": minimum}
    if signal.status == "healthy":
        return CheckResult("instances", CheckVerdict.PASS, signal.reason, values)
    reason = signal.reason if signal.status != "unknown" else f"could not be judged: {signal.reason}"
    return CheckResult("instances", CheckVerdict.FAIL, reason, values)


def validation(
    stamp: Stamp,
    settings: ValidationSettings,
    checks: Sequence[CheckResult],
    *,
    seconds: float,
    checked_at: str,
) -> StampValidation:
    return StampValidation(
        stamp=stamp.name,
        region=stamp.region,
        lifecycle=str(stamp.lifecycle),
        health_url=stamp.health_url,
        settings=settings,
        checks=tuple(checks),
        seconds=seconds,
        checked_at=checked_at,
    )
