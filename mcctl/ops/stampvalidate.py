"""`mcctl stamps validate`: probe and read a stamp end to end, then judge it (mcctl.domain.stampvalidation).

Read-only by construction: GETs of the stamp's health endpoint and smoke paths (on the stamp's own
host: a candidate is not in Front Door's rotation yet), and the reads the health model makes
(`ops.health.assess` for that one stamp, with the inventory read once and shared). No lease, no
journal, no change on Azure.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mcctl.domain import stampvalidation as judge
from mcctl.domain.health_signals import ProbeResult
from mcctl.ops.health import MAX_PROBE_SECONDS, assess, probe

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.stampvalidation import CheckResult, StampValidation, ValidationSettings
    from mcctl.domain.stampview import StampView
    from mcctl.ops.registry import Registry


def probe_timeout(estate: Estate, settings: ValidationSettings) -> float:
    """Seconds a probe may wait: the health model's timeout, or twice the latency limit if longer —
    an answer over the limit is measured (and fails), not cut off at it."""
    return min(MAX_PROBE_SECONDS, max(estate.health.timeout_seconds, 2 * settings.max_latency_ms / 1000))


def validate_stamp(
    session: AzureSession,
    estate: Estate,
    stamp: Stamp,
    settings: ValidationSettings | None = None,
    *,
    registry: Registry | None = None,
) -> StampValidation:
    """Every check of `stamp`, in order: health, latency, smoke paths, app, instances, sql, redis.
    `settings`: the thresholds (default: the estate file's `release:` as it is)."""
    from mcctl.ops.inventory import read_inventory

    if settings is None:
        settings = judge.settings_for(estate.release)
    started = session.clock.now()
    timeout = probe_timeout(estate, settings)
    # One after the other, as traffic would arrive: the p50 is over time, not one burst.
    probes = [probe(session, stamp.health_url, timeout) for _ in range(settings.probes)]
    checks: list[CheckResult] = [judge.judge_health(probes), judge.judge_latency(probes, settings.max_latency_ms)]
    for smoke in settings.smoke:
        answer: ProbeResult = probe(session, judge.smoke_url(stamp, smoke.path), timeout)
        checks.append(judge.judge_smoke(smoke, answer, settings.max_latency_ms))

    inventory = read_inventory(session, estate, stamp_name=stamp.name)
    view = next((v for v in inventory.views if v.stamp.name == stamp.name), None)
    checks.append(judge.judge_app(view.app if view else None, _problem(view, "web app")))
    plan_missing = _problem(view, "App Service plan")
    checks.append(judge.judge_instances(view.plan if view else None, settings.min_instances, plan_missing))

    # SQL and Redis as the health model judges them for the stamp's region (its own signals).
    health = assess(session, estate, stamp=stamp.name, inventory=inventory, registry=registry)
    judged = health.stamps.get(stamp.name)
    if estate.sql is not None and estate.sql.server_in(stamp.region) is not None:
        found = judged.signal("sql") if judged else None
        checks.append(judge.from_signal("sql", found, f"no SQL verdict for {stamp.region}"))
    if estate.redis is not None and estate.redis.member_in(stamp.region) is not None:
        found = judged.signal("redis") if judged else None
        checks.append(judge.from_signal("redis", found, f"no Redis verdict for {stamp.region}"))

    checked_at = datetime.fromtimestamp(session.clock.wall(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    seconds = max(0.0, session.clock.now() - started)
    return judge.validation(stamp, settings, checks, seconds=seconds, checked_at=checked_at)


def _problem(view: StampView | None, prefix: str) -> str | None:
    """The inventory's 'not found' problem for one of the stamp's resources (the app, the plan)."""
    if view is None:
        return None
    return next((p for p in view.problems if p.startswith(prefix)), None)
