"""The health model: per-stamp signals, rolled up stamp → region → estate.

Every verdict is one of healthy / degraded / unhealthy / unknown — or drained, for a stamp (region,
scope) out of service on purpose — and always comes with reasons, so a table or a runbook never has
to interpret a colour.

Signals of a stamp (each with a status and a one-line reason):
- `probe`: the stamp's health endpoint — HTTP status, latency against the yellow/red thresholds,
  and the per-check report when the body is Mission-Critical style JSON
  (`{"status": "Healthy", "entries": {"Sql": {"status": ...}}}`); a timeout or a connection
  failure is unhealthy;
- `app`: the web app's state (Stopped or disabled: unhealthy; availability Limited: degraded);
- `instances`: instances up on the App Service plan against `health.min_instances`
  (none: unhealthy; fewer: degraded);
- `origin`: the Front Door origin (disabled: degraded, it receives no traffic — healthy when a
  journaled drain disabled it on purpose; missing: unhealthy);
- `redis`: the Redis link verdict of the stamp's region (linked / degraded / broken);
- `sql`: the stamp's region's SQL server and its role (unreachable primary: unhealthy; unreachable
  secondary: degraded);
- `dependency:NAME`: a shared dependency from `health.dependencies` that is not healthy holds each
  dependent stamp at most at the dependency's `impact` (degraded by default).
These are the built-in health signals, in this order (`mcctl.ops.health` registers them; a plugin
adds its own through the `register_health_signals` hook, and they count by the same rules).

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
4. Drained — a stamp drained on purpose (its origin disabled by a journaled operation not undone
   since; `HealthReadings.drained`) is `drained` whatever its signals say; their verdict is its
   `condition` and their reasons follow the drain's, so a drained stamp that is broken says so.
5. Only what is meant to serve counts — rules 2 and 3 leave drained stamps and regions out; a region
   whose stamps are all drained is `drained`; the whole estate with every stamp drained serves
   nothing and is unhealthy (a `--region`/`--stamp` scope all drained is `drained`).
6. SQL primary — the failover group's primary unreachable makes the estate (any scope) unhealthy:
   no region can write.
`--check` exits 0 on healthy or drained, 10 on degraded or unknown, 11 on unhealthy.

The model is split by meaning, and every public name is importable from here:
- `health_signals`: the statuses, `Signal`, and the judge of each built-in signal;
- `health_readings`: `HealthReadings` (what was read and probed) and each built-in signal's
  signals for one stamp from it;
- `health_rollup`: dependencies, the stamp verdict, the region and estate roll-ups, `to_dict`.
"""

from __future__ import annotations

from mcctl.domain.health_readings import (
    HealthReadings,
    app_signals,
    dependency_signals,
    instances_signals,
    origin_signals,
    probe_signals,
    redis_signals,
    sql_signals,
)
from mcctl.domain.health_rollup import (
    DependencyHealth,
    EstateHealth,
    RegionHealth,
    StampHealth,
    dependency_health,
    dependency_signal,
    estate_health,
    region_health,
    rollup,
    stamp_health,
)
from mcctl.domain.health_signals import (
    LABELS,
    RANK,
    SEVERITY,
    STATUSES,
    Check,
    ProbeResult,
    Report,
    Signal,
    SqlServerReach,
    Status,
    app_signal,
    instances_signal,
    label,
    ms_text,
    origin_signal,
    parse_report,
    probe_signal,
    redis_signal,
    seconds_text,
    sql_primary_signal,
    sql_signal,
    worst,
)

__all__ = [
    "LABELS",
    "RANK",
    "SEVERITY",
    "STATUSES",
    "Check",
    "DependencyHealth",
    "EstateHealth",
    "HealthReadings",
    "ProbeResult",
    "RegionHealth",
    "Report",
    "Signal",
    "SqlServerReach",
    "StampHealth",
    "Status",
    "app_signal",
    "app_signals",
    "dependency_health",
    "dependency_signal",
    "dependency_signals",
    "estate_health",
    "instances_signal",
    "instances_signals",
    "label",
    "ms_text",
    "origin_signal",
    "origin_signals",
    "parse_report",
    "probe_signal",
    "probe_signals",
    "redis_signal",
    "redis_signals",
    "region_health",
    "rollup",
    "seconds_text",
    "sql_primary_signal",
    "sql_signal",
    "sql_signals",
    "stamp_health",
    "worst",
]
