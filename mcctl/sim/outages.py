"""Regional outages of the simulated estate (`mcctl sim outage start|end`, a drill's `fault`): which
regions are down and since when — what a forced failover's lost writes are counted back from.
A part of `Sim` (a mixin: its store and clock)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcctl.sim.clock import SimClock
    from mcctl.sim.store import SimStore


class RegionOutages:
    """Needs the store and clock of the class it is mixed into, and its `_sync_clock` (the persisted
    clock read back before an outage start is stamped with it)."""

    store: SimStore
    clock: SimClock

    def _sync_clock(self) -> Any:
        raise NotImplementedError  # Sim's

    @property
    def outages(self) -> list[str]:
        return self.store.data["outages"]

    def region_down(self, region: str | None) -> bool:
        from mcctl.domain.regions import normalize_region

        return region is not None and normalize_region(region) in self.outages

    def set_outage(self, region: str, down: bool) -> None:
        from mcctl.domain.regions import normalize_region

        with self.store.transaction():
            self._sync_clock()
            name = normalize_region(region)
            started = self.store.data.setdefault("outage_started", {})
            if down and name not in self.outages:
                self.outages.append(name)
                started[name] = self.clock.now()  # what a forced failover loses is counted back from it
            elif not down and name in self.outages:
                self.outages.remove(name)
                started.pop(name, None)
            self.store.dirty = True

    def outage_started(self, region: str | None) -> float | None:
        """When the outage of `region` began (simulated time), or None: no outage, or one started
        before the simulator recorded start times."""
        from mcctl.domain.regions import normalize_region

        if not self.region_down(region):
            return None
        assert region is not None
        return self.store.data.get("outage_started", {}).get(normalize_region(region))
