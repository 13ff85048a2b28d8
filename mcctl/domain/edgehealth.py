"""Front Door's own view of its origins (pure): what its health probes conclude, which decides where
the edge sends traffic, whatever mcctl's own probe of a stamp says.

It is read from Azure Monitor's `OriginHealthPercentage` metric of the profile (per origin, the
share of successful health probes in the latest minute) and judged as Front Door judges a sample
window: healthy when at least `successful_samples_required` of `sample_size` samples succeed (AFD's
defaults: 3 of 4, so 75%). A disabled origin is not probed; nor is any origin of a group without
health probes (Front Door then treats every enabled origin as healthy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from mcctl.domain.health_signals import Signal

if TYPE_CHECKING:
    from mcctl.domain.estate import Stamp
    from mcctl.domain.health_readings import HealthReadings
    from mcctl.domain.health_rollup import StampHealth
    from mcctl.domain.observed import OriginGroupState, OriginState
    from mcctl.domain.stampview import StampView

SIGNAL = "edge"
DEFAULT_SAMPLE_SIZE = 4  # AFD's load-balancing defaults
DEFAULT_SUCCESSFUL_SAMPLES = 3


class EdgeVerdict(StrEnum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    UNKNOWN = "unknown"  # probed, but no recent sample could be read
    NOT_PROBED = "not probed"  # disabled, or the origin group has no health probes


@dataclass(frozen=True)
class EdgeHealth:
    """The probes' view as read: `percent` by origin host name (lower case), the latest minute's
    share of successful probes; `probes`: the origin group has health probes; `threshold`: the
    percentage at or above which Front Door keeps an origin in rotation."""

    percent: Mapping[str, float] = field(default_factory=dict)
    probes: bool = True
    threshold: float = 100.0 * DEFAULT_SUCCESSFUL_SAMPLES / DEFAULT_SAMPLE_SIZE

    def verdict(self, origin: OriginState | None) -> EdgeVerdict:
        """What Front Door's probes say of `origin` (None: the origin was not read)."""
        if origin is None:
            return EdgeVerdict.UNKNOWN
        if not origin.enabled or not self.probes:
            return EdgeVerdict.NOT_PROBED
        percent = self.percent_of(origin)
        if percent is None:
            return EdgeVerdict.UNKNOWN
        return EdgeVerdict.HEALTHY if percent >= self.threshold - 1e-9 else EdgeVerdict.UNHEALTHY

    def percent_of(self, origin: OriginState) -> float | None:
        for key in (origin.host_name, origin.name):
            if key and key.lower() in self.percent:
                return self.percent[key.lower()]
        return None


def edge_health(group: OriginGroupState | None, percent: Mapping[str, float]) -> EdgeHealth:
    """The view from the origin group's settings (None: AFD's defaults) and the metric's values."""
    if group is None:
        return EdgeHealth(dict(percent))
    size = group.sample_size or DEFAULT_SAMPLE_SIZE
    required = min(group.successful_samples_required or DEFAULT_SUCCESSFUL_SAMPLES, size)
    return EdgeHealth(dict(percent), probes=group.health_probe is not None, threshold=100.0 * required / size)


def verdicts(views: Sequence[StampView], edge: EdgeHealth | None) -> dict[str, EdgeVerdict]:
    """stamp -> Front Door's view of its origin (edge None: the view could not be read)."""
    return {v.stamp.name: EdgeVerdict.UNKNOWN if edge is None else edge.verdict(v.origin) for v in views}


def verdicts_from_health(views: Sequence[StampView], stamps: Mapping[str, StampHealth]) -> dict[str, EdgeVerdict]:
    """stamp -> Front Door's view of its origin as the `edge` health signal judged it: healthy or
    unhealthy; not probed for a disabled origin; else unknown (no signal: no sample, not read)."""
    found = {}
    for view in views:
        health = stamps.get(view.stamp.name)
        signal = next((s for s in health.signals if s.name == SIGNAL), None) if health is not None else None
        if signal is not None and signal.status in ("healthy", "unhealthy"):
            found[view.stamp.name] = EdgeVerdict(signal.status)
        elif view.origin is not None and not view.origin.enabled:
            found[view.stamp.name] = EdgeVerdict.NOT_PROBED
        else:
            found[view.stamp.name] = EdgeVerdict.UNKNOWN
    return found


def in_rotation(found: Mapping[str, EdgeVerdict], fallback: Mapping[str, bool] | None = None) -> dict[str, bool]:
    """stamp -> whether Front Door keeps it in rotation, for the traffic share: the probes' view
    where it is known; else `fallback` (e.g. mcctl's own probe of the stamp); else assumed so."""
    chosen = dict(fallback or {})
    for stamp, verdict in found.items():
        if verdict in (EdgeVerdict.HEALTHY, EdgeVerdict.UNHEALTHY):
            chosen[stamp] = verdict is EdgeVerdict.HEALTHY
    return chosen


def edge_signals(readings: HealthReadings, stamp: Stamp) -> list[Signal]:
    """The `edge` health signal: Front Door's probes of the stamp's origin, healthy or unhealthy.

    No signal where the probes' view says nothing: an origin Front Door does not probe (disabled:
    drained or off; a group without health probes), an origin without a recent sample (a change
    still reaching the edge; Azure Monitor's minutes of ingestion delay), or a view that could not
    be read (its error is listed with the result's errors). The stamp is then judged by its other
    signals, its own health endpoint first, rather than turned `unknown` by a missing metric."""
    view = readings.views.get(stamp.name)
    edge = readings.extra.get(SIGNAL)
    if view is None or view.origin is None or edge is None:
        return []
    verdict = edge.verdict(view.origin)
    percent = edge.percent_of(view.origin)
    if verdict not in (EdgeVerdict.HEALTHY, EdgeVerdict.UNHEALTHY) or percent is None:
        return []
    detail = {"percent": percent, "threshold": edge.threshold}
    if verdict is EdgeVerdict.HEALTHY:
        return [Signal(SIGNAL, "healthy", f"{percent:g}% succeed", detail)]
    reason = f"{percent:g}% succeed (needs {edge.threshold:g}%): out of rotation"
    return [Signal(SIGNAL, "unhealthy", reason, detail)]
