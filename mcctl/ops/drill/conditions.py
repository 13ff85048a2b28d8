"""What a drill's `check` and `wait` steps judge: one condition on the estate as `mcctl status`
shows it (the same read, so a drill's verdicts agree with `status`, `sql status` and `frontdoor
status`), with the numbers that decided it.

Conditions (a check step's params, as the plan file parser normalises them; `wait` uses health):
- {check: health, region: R | stamp: S, status: healthy|degraded}  at least that healthy (neither:
  the whole estate)
- {check: sql, ready: bool, primary_region: R}   failover-ready (when true), and/or the primary in R
- {check: redis, linked: bool}                   every Redis member linked
- {check: frontdoor, region: R, min_share: x, max_share: y}  R's share of edge traffic as `mcctl
  status` reports it: by the origins' configuration and Front Door's health probes (the edge
  applies a configuration change minutes later: a drill's drain and evacuate steps wait for that)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.ops.services import Services

# healthier first: "at least degraded" accepts healthy too
HEALTH_ORDER = ("healthy", "degraded", "unhealthy")


@dataclass(frozen=True)
class Verdict:
    ok: bool
    detail: str  # what was measured against what was asked, one line


def read_status(services: Services) -> dict[str, Any]:
    """The estate as `mcctl status --output json` shows it."""
    from mcctl.ops.status import read_estate_status

    status = read_estate_status(services.session, services.estate, services.journal, registry=services.registry)
    return status.to_dict()


def judge(condition: Mapping[str, Any], status: Mapping[str, Any], health: Any = None) -> Verdict:
    """One condition ({"check": "health", "region": ..., ...}) against a status document; a stamp's
    health is judged from `health` (an EstateHealth: `read_health`)."""
    fields = {k: v for k, v in condition.items() if k != "check" and v is not None}
    what = str(condition.get("check"))
    if what == "health" and fields.get("stamp"):
        return _stamp_health(fields, health)
    judges = {"health": _health, "sql": _sql, "redis": _redis, "frontdoor": _frontdoor}
    if what not in judges:
        raise UsageError(f"no drill condition '{what}' (health, sql, redis or frontdoor)")
    return judges[what](fields, status)


def needs_health(condition: Mapping[str, Any]) -> bool:
    return condition.get("check") == "health" and bool(condition.get("stamp"))


def read_health(services: Services) -> Any:
    from mcctl.ops.health import assess

    return assess(services.session, services.estate, operations=services.journal.operations())


def _stamp_health(wanted: dict[str, Any], health: Any) -> Verdict:
    goal = str(wanted.get("status") or "healthy")
    stamp = str(wanted["stamp"])
    found = health.stamps.get(stamp) if health is not None else None
    status = str(found.status) if found is not None else "unknown"
    return Verdict(_at_least(status, goal), f"health of stamp {stamp}: {status} (wanted {goal})")


def verdict_now(services: Services, condition: Mapping[str, Any], *, drained_answers: bool = False) -> Verdict:
    """Read what the condition needs, now, and judge it. `drained_answers` (a `wait`): a region
    drained on purpose is judged by its stamps' own signals — after an outage it will not turn
    `healthy` before it is reinstated, but its stamps answering is what the wait is for."""
    health = read_health(services) if needs_health(condition) else None
    status = {} if health is not None else read_status(services)
    verdict = judge(condition, status, health)
    region = condition.get("region")
    if verdict.ok or not drained_answers or condition.get("check") != "health" or not region:
        return verdict
    if _region(status, str(region)).get("health") != "drained":
        return verdict
    return _drained_region(str(region), str(condition.get("status") or "healthy"), read_health(services))


def _drained_region(region: str, goal: str, health: Any) -> Verdict:
    own = [s.condition or s.status for s in health.stamps.values() if s.region == region and s.status == "drained"]
    worst = max(own, key=lambda status: HEALTH_ORDER.index(status) if status in HEALTH_ORDER else len(HEALTH_ORDER))
    return Verdict(
        _at_least(worst, goal),
        f"health of {region}: drained on purpose, its stamps' own signals {worst} (wanted {goal})",
    )


def _region(status: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    for region in status.get("regions") or ():
        if region.get("name") == name:
            return region
    raise UsageError(f"region '{name}' is not in the estate")


def _at_least(found: str | None, wanted: str) -> bool:
    if found not in HEALTH_ORDER or wanted not in HEALTH_ORDER:
        return False
    return HEALTH_ORDER.index(found) <= HEALTH_ORDER.index(wanted)


def _health(wanted: dict[str, Any], status: Mapping[str, Any]) -> Verdict:
    goal = str(wanted.get("status") or "healthy")
    if wanted.get("region"):
        region = str(wanted["region"])
        found = _region(status, region).get("health")
        return Verdict(_at_least(found, goal), f"health of {region}: {found} (wanted {goal})")
    found = status.get("status")
    why = "; ".join(status.get("reasons") or ())
    return Verdict(_at_least(found, goal), f"estate health: {found} (wanted {goal})" + (f" — {why}" if why else ""))


def _sql(wanted: dict[str, Any], status: Mapping[str, Any]) -> Verdict:
    sql = status.get("sql") or {}
    parts, ok = [], True
    if wanted.get("primary_region"):
        found = sql.get("primary_region")
        ok = ok and found == wanted["primary_region"]
        parts.append(f"SQL primary in {found} (wanted {wanted['primary_region']})")
    if wanted.get("ready"):  # (ready: false means "not checked": after a forced failover the old primary is down)
        ready = bool(sql.get("failover_ready"))
        ok = ok and ready
        parts.append(f"SQL failover {'ready' if ready else 'not ready'} ({sql.get('verdict')})")
    if not parts:
        parts.append(f"SQL: {sql.get('verdict')}")
        ok = sql.get("verdict") == "ready"
    return Verdict(ok, "; ".join(parts))


def _redis(wanted: dict[str, Any], status: Mapping[str, Any]) -> Verdict:
    regions = [_region(status, str(wanted["region"]))] if wanted.get("region") else list(status.get("regions") or ())
    states = {str(r.get("name")): r.get("redis") for r in regions}
    linked = all(state == "linked" for state in states.values())
    goal = bool(wanted.get("linked", True))
    shown = ", ".join(f"{name} {state}" for name, state in states.items())
    return Verdict(linked == goal, f"Redis: {shown} (wanted {'linked' if goal else 'not linked'})")


def _frontdoor(wanted: dict[str, Any], status: Mapping[str, Any]) -> Verdict:
    region = str(wanted["region"])
    share = _region(status, region).get("share")
    if share is None:
        return Verdict(False, f"{region}'s share of edge traffic is unknown")
    ok = True
    bounds = []
    if wanted.get("min_share") is not None:
        ok = ok and share >= float(wanted["min_share"]) - 1e-9
        bounds.append(f">= {float(wanted['min_share']):.0%}")
    if wanted.get("max_share") is not None:
        ok = ok and share <= float(wanted["max_share"]) + 1e-9
        bounds.append(f"<= {float(wanted['max_share']):.0%}")
    return Verdict(ok, f"{region} serves {share:.0%} of edge traffic (wanted {' and '.join(bounds) or 'any'})")
