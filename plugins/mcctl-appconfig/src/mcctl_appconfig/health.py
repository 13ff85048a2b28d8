"""The `appconfig` health signal: its own read (the store and its replicas) and its judge.

`read` runs with `mcctl health`'s ARM reads; when it raises, `assess` lists the error and the judge
gets None (unknown). Every stamp that depends on the store gets the same signal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mcctl_appconfig.settings import settings_of
from mcctl_appconfig.verdict import StoreReading, stamp_signals

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.health import HealthReadings, Signal

DESCRIPTION = "the App Configuration store and its replicas (plugins.appconfig)"


def read(session: AzureSession, estate: Estate, stamps: tuple[Stamp, ...]) -> StoreReading | None:
    """The store's reading; None (nothing read) when no stamp in scope depends on a store."""
    settings = settings_of(estate)
    if settings is None or not any(settings.serves(s.name) for s in stamps):
        return None
    from mcctl_appconfig.reading import read_store

    return read_store(session, estate, settings)


def judge(readings: HealthReadings, stamp: Stamp) -> list[Signal]:
    from mcctl_appconfig import SECTION

    reading = readings.extra.get(SECTION)
    return stamp_signals(reading, settings_of(readings.estate), stamp.name)
