"""What `mcctl health` read and probed, and what each built-in signal makes of it for one stamp.

`ops.health.assess` reads once what the built-in signals share (every stamp's probe, the
inventory, each region's SQL server, the shared dependencies' checks) into `HealthReadings`; each
registered health signal then judges a stamp from it. The functions here are the built-in
signals' judges: `(readings, stamp) -> signals`, none when the signal does not apply to that stamp
(no Redis in its region, no SQL server there, no shared dependency serving it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.domain.health_rollup import DependencyHealth, dependency_signal
from mcctl.domain.health_signals import (
    ProbeResult,
    Signal,
    SqlServerReach,
    app_signal,
    instances_signal,
    origin_signal,
    probe_signal,
    redis_signal,
    sql_signal,
)

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate, HealthSettings, Stamp
    from mcctl.domain.stampview import StampView


@dataclass(frozen=True)
class HealthReadings:
    """Everything the signals judge a stamp by.

    `views`: a stamp missing here was not read (`inventory_read` False: the inventory failed or
    timed out) or is not in the inventory. `sql`: by region, the regions with a SQL server.
    `dependencies`: the shared dependencies of the assessed stamps, already judged. `extra`: the
    value of each registered signal's own `read`, by signal name (None when that read failed; its
    error is in the result's errors). `drained`: stamp → the journaled operation that drained it on
    purpose (its origin is disabled by a drain not undone since); empty when the journal was not read.
    """

    estate: Estate
    stamps: tuple[Stamp, ...]  # the assessed stamps, in estate order
    probes: Mapping[str, ProbeResult]  # stamp → its health endpoint's answer
    views: Mapping[str, StampView]
    inventory_read: bool
    sql: Mapping[str, SqlServerReach] = field(default_factory=dict)
    dependencies: Sequence[DependencyHealth] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    drained: Mapping[str, str] = field(default_factory=dict)

    @property
    def settings(self) -> HealthSettings:
        return self.estate.health

    def unread(self) -> str:
        """Why a stamp has no view: its inventory signals are unknown for this reason."""
        return "not read" if not self.inventory_read else "not in the inventory"


def _problem(view: StampView, prefix: str) -> str | None:
    """The inventory's 'not found' problem for one resource of a stamp, if any."""
    return next((p for p in view.problems if p.startswith(prefix)), None)


def probe_signals(readings: HealthReadings, stamp: Stamp) -> list[Signal]:
    return [probe_signal(readings.probes[stamp.name], readings.settings)]


def app_signals(readings: HealthReadings, stamp: Stamp) -> list[Signal]:
    view = readings.views.get(stamp.name)
    if view is None:
        return [Signal("app", "unknown", readings.unread())]
    return [app_signal(view.app, _problem(view, "web app"))]


def instances_signals(readings: HealthReadings, stamp: Stamp) -> list[Signal]:
    view = readings.views.get(stamp.name)
    if view is None:
        return [Signal("instances", "unknown", readings.unread())]
    return [instances_signal(view.plan, readings.settings.min_instances, _problem(view, "App Service plan"))]


def origin_signals(readings: HealthReadings, stamp: Stamp) -> list[Signal]:
    view = readings.views.get(stamp.name)
    if view is None:
        return [Signal("origin", "unknown", readings.unread())]
    drained_by = readings.drained.get(stamp.name)
    return [origin_signal(view.origin, _problem(view, "Front Door origin"), drained_by)]


def redis_signals(readings: HealthReadings, stamp: Stamp) -> list[Signal]:
    redis = readings.estate.redis
    if redis is None or not redis.member_in(stamp.region):
        return []
    view = readings.views.get(stamp.name)
    if view is None:
        return [Signal("redis", "unknown", readings.unread())]
    return [redis_signal(view.redis)]


def sql_signals(readings: HealthReadings, stamp: Stamp) -> list[Signal]:
    reach = readings.sql.get(stamp.region)
    return [sql_signal(reach)] if reach is not None else []


def dependency_signals(readings: HealthReadings, stamp: Stamp) -> list[Signal]:
    """One `dependency:NAME` signal per shared dependency the stamp depends on."""
    return [dependency_signal(dep) for dep in readings.dependencies if stamp.name in dep.stamps]
