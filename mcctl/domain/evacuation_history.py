"""The journal's evacuations and reinstatements of a region, as plain values (pure): which
evacuation is still in effect, and what it changed (the survivors' capacities before it, the SQL
primary's region before it). Ops reads the journal into `PastRun`s; `evacuate` sizes a re-run from
before the evacuation in effect, and `reinstate` puts back what it changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from mcctl.domain.evacuation import EvacuationKind


@dataclass(frozen=True)
class PastRun:
    """A journaled evacuate or reinstate of a region that changed something, as plain values: what
    its applied carry steps found (stamp -> capacity before) and where its failover moved the SQL
    primary from. `undone`: a rollback of it succeeded since."""

    id: str
    kind: EvacuationKind
    status: str
    region: str
    capacities: Mapping[str, int] = field(default_factory=dict)
    sql_from: str | None = None
    undone: bool = False
    added: Mapping[str, int] = field(default_factory=dict)  # stamp -> instances its carry steps added


@dataclass(frozen=True)
class PastEvacuation:
    """An evacuation of a region still in effect (no reinstate of the region succeeded since): the
    survivors' capacities before it and the SQL primary's region before it. Evacuations run again
    on top of it merge in: the oldest values win, they are what was there before any of them."""

    id: str  # the first of them
    status: str
    region: str
    capacities: Mapping[str, int] = field(default_factory=dict)
    sql_from: str | None = None
    # stamp -> instances these evacuations added: what a reinstate takes away again (another region's
    # evacuation since may have added more to the same stamps, and that stays)
    added: Mapping[str, int] = field(default_factory=dict)


def evacuation_in_effect(history: Sequence[PastRun], region: str) -> PastEvacuation | None:
    """The evacuation of `region` in effect after `history` (oldest first), or None."""
    found: PastEvacuation | None = None
    for run in history:
        if run.region != region or run.undone:
            continue
        if run.kind is EvacuationKind.REINSTATE:
            found = None if run.status == "succeeded" else found
            continue
        if found is None:
            found = PastEvacuation(run.id, run.status, region, dict(run.capacities), run.sql_from, dict(run.added))
            continue
        merged = {**run.capacities, **found.capacities}
        added = {name: found.added.get(name, 0) + run.added.get(name, 0) for name in {*found.added, *run.added}}
        found = replace(found, capacities=merged, sql_from=found.sql_from or run.sql_from, added=added)
    return found
