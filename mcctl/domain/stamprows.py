"""The `stamps list` rows (a JSON contract): each stamp's live state, its health verdict, Front
Door's probes' view of its origin and the share of edge traffic it gets (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mcctl.domain.edgehealth import in_rotation, verdicts_from_health
from mcctl.domain.traffic import stamp_shares

if TYPE_CHECKING:
    from mcctl.domain.health_rollup import StampHealth
    from mcctl.domain.stampview import StampView


def stamp_rows(views: Sequence[StampView], health: Mapping[str, StampHealth]) -> list[dict[str, Any]]:
    """The summary of each view (`sql_role` "unknown" where the region has a SQL server whose role
    could not be read) plus `health` (its verdict), `edge_health` (healthy, unhealthy,
    unknown or not probed; null when the origin was not read) and `traffic_share` (0..1 by the
    origins' configuration and whether Front Door's probes keep each in rotation, else mcctl's own
    verdict; null when the origin was not read)."""
    edge = verdicts_from_health(views, health)
    fallback = {name: s.status != "unhealthy" for name, s in health.items()}
    shares = stamp_shares(views, in_rotation(edge, fallback))
    rows = []
    for view in views:
        name = view.stamp.name
        stamp = health.get(name)
        has_sql = stamp is not None and any(s.name == "sql" for s in stamp.signals)
        rows.append(
            {
                **view.summary(),
                # its region has a SQL server whose role could not be read: unknown, not "no SQL here"
                "sql_role": view.sql_role or ("unknown" if has_sql else None),
                "edge_health": str(edge[name]) if view.origin is not None else None,
                "traffic_share": 0.0 if view.no_origin else shares.get(name),
                "health": stamp.status if stamp is not None else None,
            }
        )
    return rows


def retired_rows(views: Sequence[StampView]) -> list[dict[str, Any]]:
    """Retired stamps whose plan and web app still exist: the same fields, serving nothing."""
    return [{**view.summary(), "edge_health": None, "traffic_share": 0.0, "health": "retired"} for view in views]
