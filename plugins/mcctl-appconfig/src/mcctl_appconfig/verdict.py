"""What the configuration store's state means for the stamps that depend on it (pure).

- the store `Succeeded` and every replica `Succeeded`: healthy;
- a replica not `Succeeded` (Creating, Deleting, Failed, Canceled): degraded — clients fail over to
  the store's other endpoints, but the replica's region reads configuration from afar;
- the store not `Succeeded` (Failed, Creating, Updating, Deleting, Canceled) or missing (404): the
  section's `impact` (degraded by default) — every dependent stamp loses its configuration source;
- unreadable (an error answer, no answer): unknown.

The one signal is given to every dependent stamp: the effect of a shared dependency.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mcctl.domain.health import Signal
from mcctl_appconfig import SECTION

if TYPE_CHECKING:
    from mcctl_appconfig.settings import AppConfigSettings

SUCCEEDED = "succeeded"


class Verdict(StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    UNHEALTHY = "unhealthy"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Replica:
    name: str
    location: str | None
    provisioning_state: str | None
    endpoint: str | None

    @property
    def succeeded(self) -> bool:
        return (self.provisioning_state or "").lower() == SUCCEEDED


@dataclass(frozen=True)
class StoreReading:
    """The store as ARM answered: `found` False on a 404 (then nothing else is known)."""

    name: str
    resource_group: str
    subscription: str
    found: bool
    location: str | None = None
    sku: str | None = None
    provisioning_state: str | None = None
    endpoint: str | None = None
    replicas: tuple[Replica, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.found and (self.provisioning_state or "").lower() == SUCCEEDED

    def to_dict(self) -> dict[str, Any]:
        store = {k: v for k, v in asdict(self).items() if k != "replicas"}
        return {"store": store, "replicas": [asdict(r) for r in self.replicas]}


def judge(reading: StoreReading | None, settings: AppConfigSettings) -> tuple[Verdict, str]:
    """(verdict, one-line reason) of the store; `reading` None: it could not be read."""
    if reading is None:
        return Verdict.UNKNOWN, f"store {settings.store} could not be read"
    impact = Verdict(settings.impact.value)
    if not reading.found:
        return impact, f"store {reading.name} not found in resource group {reading.resource_group}"
    if not reading.succeeded:
        return impact, f"store {reading.name} is {reading.provisioning_state or 'in no provisioning state'}"
    failing = [r for r in reading.replicas if not r.succeeded]
    if failing:
        named = ", ".join(f"{r.name} ({r.location or '?'}) {r.provisioning_state or '?'}" for r in failing)
        return Verdict.DEGRADED, f"store {reading.name}: replica {named}"
    count = len(reading.replicas)
    return Verdict.HEALTHY, f"store {reading.name} and its {count} replica{'s' if count != 1 else ''} succeeded"


def stamp_signals(reading: StoreReading | None, settings: AppConfigSettings | None, stamp: str) -> list[Signal]:
    """The `appconfig` signal of one stamp: none when the estate has no store or the stamp does not
    depend on it."""
    if settings is None or not settings.serves(stamp):
        return []
    verdict, reason = judge(reading, settings)
    return [Signal(SECTION, verdict.value, reason, {"store": settings.store})]
