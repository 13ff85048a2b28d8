"""The estate reduced to what safety rules reason about: which stamps serve, with how many instances.

Plans are checked by projecting each step onto a snapshot of the live state and comparing the
snapshot before with the one after.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.outside import ResourceChange, provisioning_changes, still_provisioning

if TYPE_CHECKING:
    from mcctl.domain.stampview import StampView


@dataclass(frozen=True)
class StampSnapshot:
    name: str
    region: str
    origin_enabled: bool
    app_running: bool
    instances: int  # serving capacity: instances the plan runs (sku.capacity)
    workers_up: bool = True  # the plan has workers assigned right now (numberOfWorkers > 0)
    # False while an update of the origin is in flight (provisioningState Updating) that mcctl's
    # journal does not explain (another machine, another tool): it may end disabled, so the rules
    # do not count it as serving until it settles or a step of a plan sets it.
    origin_settled: bool = True

    @property
    def serving(self) -> bool:
        return (
            self.origin_enabled and self.origin_settled and self.app_running and self.workers_up and self.instances > 0
        )


@dataclass(frozen=True)
class EstateSnapshot:
    stamps: tuple[StampSnapshot, ...]
    sql_primary: str | None = None  # region of the SQL failover group's primary
    # Plans and origins with an operation running on them when the state was read (whoever started
    # it): a plan with a step on one that no mcctl change explains is refused (mcctl.ops.guard).
    changing: tuple[ResourceChange, ...] = ()

    @classmethod
    def from_views(cls, views: list[StampView], sql_primary: str | None = None) -> EstateSnapshot:
        """Refuses to guess: a stamp whose plan, app or origin is unknown cannot be reasoned about."""
        stamps = []
        for v in views:
            # A candidate stamp has no origin until `stamps add`: it serves nothing, knowingly.
            origin_known = v.origin is not None or v.stamp.candidate or v.stamp.lifecycle == "retired"
            parts = (("plan", v.plan), ("web app", v.app), ("origin", v.origin if not origin_known else True))
            unknown = [name for name, part in parts if part is None]
            if unknown or v.plan is None or v.app is None:
                raise ValueError(f"stamp {v.stamp.name}: {', '.join(unknown)} state unknown")
            stamps.append(
                StampSnapshot(
                    name=v.stamp.name,
                    region=v.stamp.region,
                    origin_enabled=v.origin.enabled if v.origin is not None else False,
                    app_running=(v.app.state or "").lower() == "running",
                    instances=v.plan.capacity or 0,
                    workers_up=(v.plan.number_of_workers or 0) > 0,
                    origin_settled=v.origin is None or not still_provisioning(v.origin.provisioning_state),
                )
            )
        return cls(tuple(stamps), sql_primary, provisioning_changes(views))

    def stamp(self, name: str) -> StampSnapshot:
        for stamp in self.stamps:
            if stamp.name == name:
                return stamp
        raise KeyError(f"no stamp '{name}' in the snapshot")

    def with_stamp(self, name: str, **changes: Any) -> EstateSnapshot:
        # Any: each field has its own type; `replace` refuses unknown field names at run time.
        self.stamp(name)  # a step naming an unknown stamp must not silently project to "no change"
        return replace(self, stamps=tuple(replace(s, **changes) if s.name == name else s for s in self.stamps))

    def worst_of(self, other: EstateSnapshot) -> EstateSnapshot:
        """Each stamp at the less serving of its two states (origin off in either, the fewer
        instances, ...); the SQL primary as in `other`. For a change that may or may not land: the
        rules must hold whichever way it goes, so a drain in flight counts as done and a restore or
        scale-out in flight does not count until it lands."""
        theirs = {stamp.name: stamp for stamp in other.stamps}
        stamps = []
        for mine in self.stamps:
            alt = theirs.get(mine.name, mine)
            stamps.append(
                replace(
                    mine,
                    origin_enabled=mine.origin_enabled and alt.origin_enabled,
                    origin_settled=mine.origin_settled and alt.origin_settled,
                    app_running=mine.app_running and alt.app_running,
                    workers_up=mine.workers_up and alt.workers_up,
                    instances=min(mine.instances, alt.instances),
                )
            )
        return replace(self, stamps=tuple(stamps), sql_primary=other.sql_primary)

    @property
    def serving_stamps(self) -> tuple[StampSnapshot, ...]:
        return tuple(s for s in self.stamps if s.serving)

    @property
    def serving_regions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.region for s in self.serving_stamps))

    @property
    def serving_capacity(self) -> int:
        return sum(s.instances for s in self.serving_stamps)

    def serving_in(self, region: str | None) -> tuple[StampSnapshot, ...]:
        """The serving stamps in `region` (none in an unknown one: a step whose target is not recorded)."""
        return tuple(s for s in self.serving_stamps if s.region == region)
