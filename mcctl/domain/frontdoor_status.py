"""The `frontdoor status` document (a JSON contract) and the traffic shares it shows, from what ops
read (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mcctl.domain.edgehealth import EdgeHealth, EdgeVerdict, in_rotation, verdicts
from mcctl.domain.traffic import PLACES, OriginRoute, edge_shares, origin_shares, routes_from_views, stamp_shares

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.domain.frontdoor import FrontDoorObserved
    from mcctl.domain.observed import OriginGroupState, OriginState


def traffic_shares(origins: Sequence[OriginState | None]) -> list[float | None]:
    """Each origin's share of traffic by configuration, if every enabled origin is healthy (the
    rule of `traffic.origin_shares`: the enabled origins of the lowest priority split it by weight,
    null weight: 1000, priority: 1); None for an origin that could not be read."""
    read = [o for o in origins if o is not None]
    routes = [OriginRoute(o.name, o.name, o.enabled, o.effective_weight, o.effective_priority) for o in read]
    shares = iter(origin_shares(routes))
    return [None if o is None else round(next(shares), PLACES) for o in origins]


def _probe_settings(group: OriginGroupState | None) -> dict[str, Any] | None:
    if group is None or group.health_probe is None:
        return None
    probe = group.health_probe
    return {
        "path": probe.path,
        "protocol": probe.protocol,
        "request_type": probe.request_type,
        "interval_seconds": probe.interval_seconds,
    }


def status_document(
    estate: Estate,
    observed: FrontDoorObserved,
    group: OriginGroupState | None,
    edge: EdgeHealth | None = None,
    edge_error: str | None = None,
) -> dict[str, Any]:
    """Origins per stamp, regions, probe and load-balancing settings (`group` None: not read).

    Each origin's `edge_health` is Front Door's probes' view (`edge` None: not read, so unknown);
    `traffic_share` is what it gets by configuration and that view (an origin out of rotation gets
    none, unless none is in rotation), `configured_share` by configuration alone."""
    views = observed.views
    found = verdicts(views, edge)
    healthy = in_rotation(found)
    live, configured = stamp_shares(views, healthy), stamp_shares(views)
    # a region's share is rounded once, after adding its origins' (as `mcctl status` does)
    region_live = edge_shares(routes_from_views(views, healthy))
    region_configured = edge_shares(routes_from_views(views))
    origins: list[dict[str, Any]] = []  # JSON rows: one value type per key is more than a dict literal can say
    for view in views:
        if view.no_origin:
            continue  # a candidate before `stamps add`: no origin to show (`stamps list` shows the stamp)
        o = view.origin
        verdict = found[view.stamp.name]
        origins.append(
            {
                "stamp": view.stamp.name,
                "region": view.stamp.region,
                "origin": view.stamp.origin,
                "host": o.host_name if o else None,
                "enabled_state": o.enabled_state if o else None,
                "enabled": o.enabled if o else None,
                "weight": o.weight if o else None,
                "priority": o.priority if o else None,
                "provisioning_state": o.provisioning_state if o else None,
                "deployment_status": o.deployment_status if o else None,
                "app_state": view.app.state if view.app else None,
                "serving": view.serving,
                "edge_health": None if o is None else str(verdict),
                "in_rotation": None if o is None else _in_rotation(view.serving, verdict),
                "traffic_share": live.get(view.stamp.name),
                "configured_share": configured.get(view.stamp.name),
            }
        )
    sql_primary = observed.sql_primary
    regions = []
    for region in estate.regions:
        members = [row for row in origins if row["region"] == region]
        serving = [row["stamp"] for row in members if row["serving"]]
        regions.append(
            {
                "region": region,
                "serving": bool(serving),
                "stamps": [row["stamp"] for row in members],
                "serving_stamps": serving,
                "in_rotation": _any_in_rotation([row["in_rotation"] for row in members if row["serving"]]),
                "traffic_share": region_live.get(region),
                "configured_share": region_configured.get(region),
                "sql_primary": sql_primary == region if sql_primary else None,
            }
        )
    fd = estate.frontdoor
    return {
        "profile": fd.profile,
        "origin_group": fd.origin_group,
        "endpoint_host": fd.endpoint_host,
        "health_probe": _probe_settings(group),
        "load_balancing": None
        if group is None
        else {
            "sample_size": group.sample_size,
            "successful_samples_required": group.successful_samples_required,
            "additional_latency_ms": group.additional_latency_ms,
        },
        "edge_probes": {
            "read": edge is not None,
            "threshold_percent": edge.threshold if edge is not None else None,
            "error": edge_error,
        },
        "serving_regions": [r["region"] for r in regions if r["serving"]],
        "regions": regions,
        "origins": origins,
    }


def _in_rotation(serving: bool | None, verdict: EdgeVerdict) -> bool | None:
    """Serving by configuration and not taken out by Front Door's probes (unknown: None)."""
    if not serving:
        return serving
    if verdict is EdgeVerdict.UNKNOWN:
        return None
    return verdict is not EdgeVerdict.UNHEALTHY


def _any_in_rotation(found: list[bool | None]) -> bool | None:
    """A region's serving stamps: one in rotation is enough; none known: unknown (None)."""
    if any(found):
        return True
    return None if None in found or not found else False
