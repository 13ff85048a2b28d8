"""The share of edge traffic each region gets, from the origins' configuration (pure).

A drain step that lowers an origin to "90% of its weight" says little about traffic: what a region
gets depends on every origin of the origin group. Front Door routes a request to the origins of the
lowest priority among the enabled healthy ones and splits between them by weight, so 10% of one
region's weights (two origins at 100) against four full origins (1000 each) is 200/4200 = 4.8% of
the traffic. `traffic_preview` applies a plan's `set_origin` steps group by group to the current
routing and says, after each group, what every region gets.

The shares are what the configuration asks for, as if every client were equally close to every
origin: Front Door's latency sensitivity (it prefers the fastest origins of a priority within
`additional_latency_ms`) is not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.observed import AFD_DEFAULT_PRIORITY, AFD_DEFAULT_WEIGHT

if TYPE_CHECKING:
    from mcctl.domain.plan import Plan, Step
    from mcctl.domain.stampview import StampView

# The step kind that changes an origin (a journal contract; mcctl.domain.frontdoor.STEP_KIND).
SET_ORIGIN = "set_origin"
PLACES = 4  # shares are rounded to 4 places (0.0476 = 4.76%)


@dataclass(frozen=True)
class OriginRoute:
    """One origin as Front Door routes to it."""

    stamp: str
    region: str
    enabled: bool
    weight: int  # effective (null -> AFD_DEFAULT_WEIGHT)
    priority: int  # effective (null -> AFD_DEFAULT_PRIORITY)
    healthy: bool = True  # AFD's probes take an unhealthy origin out of rotation


def origin_shares(routes: Sequence[OriginRoute]) -> tuple[float, ...]:
    """Each route's share of edge traffic (unrounded, in the order of `routes`).

    The rule: the candidates are the enabled origins that are healthy; if no enabled origin is
    healthy, Front Door "considers all origins healthy" (its documented behaviour on complete probe
    failure), so the candidates are all enabled origins. Among the candidates, those of the lowest
    priority number get the traffic, split by weight (all equal if their weights add up to 0, which
    ARM does not accept but a hand-made route may say). No enabled origin: nobody gets traffic.
    """
    enabled = [i for i, r in enumerate(routes) if r.enabled]
    candidates = [i for i in enabled if routes[i].healthy] or enabled
    if not candidates:
        return tuple(0.0 for _ in routes)
    top = min(routes[i].priority for i in candidates)
    chosen = {i: max(routes[i].weight, 0) for i in candidates if routes[i].priority == top}
    total = sum(chosen.values())
    return tuple(
        0.0 if i not in chosen else chosen[i] / total if total > 0 else 1 / len(chosen) for i in range(len(routes))
    )


def edge_shares(routes: Sequence[OriginRoute]) -> dict[str, float]:
    """Region -> its share of edge traffic (0..1, rounded to 4 places), every region of `routes`
    present in the order it first appears, 0.0 when it gets none. The rule is `origin_shares`'s:
    the lowest priority among enabled healthy origins, split by weight; if none is healthy, the
    enabled ones regardless of health; none enabled: all 0.0."""
    totals: dict[str, float] = {}
    for route, share in zip(routes, origin_shares(routes), strict=True):
        totals[route.region] = totals.get(route.region, 0.0) + share
    return {region: round(total, PLACES) for region, total in totals.items()}


def stamp_shares(views: Sequence[StampView], healthy: Mapping[str, bool] | None = None) -> dict[str, float]:
    """Stamp -> its share of edge traffic (rounded to 4 places) by `origin_shares`'s rule, with
    `healthy` as in `routes_from_views`; a stamp whose origin was not read is absent."""
    routes = routes_from_views(views, healthy)
    return {r.stamp: round(share, PLACES) for r, share in zip(routes, origin_shares(routes), strict=True)}


def routes_from_views(views: Sequence[StampView], healthy: Mapping[str, bool] | None = None) -> tuple[OriginRoute, ...]:
    """The current routing from the inventory. `healthy`: stamp -> whether Front Door's probes
    keep it in rotation (a stamp not in it counts as healthy). Stamps without a readable origin are
    left out: nothing is known of what they get."""
    health = healthy or {}
    return tuple(
        OriginRoute(
            stamp=view.stamp.name,
            region=view.stamp.region,
            enabled=view.origin.enabled,
            weight=view.origin.effective_weight,
            priority=view.origin.effective_priority,
            healthy=health.get(view.stamp.name, True),
        )
        for view in views
        if view.origin is not None
    )


def _field(after: Mapping[str, Any], key: str, current: int, default: int) -> int:
    """A weight or priority after a step: unchanged if the step does not set it; null: AFD's default."""
    if key not in after:
        return current
    return default if after[key] is None else int(after[key])


def _moved(route: OriginRoute, after: Mapping[str, Any]) -> OriginRoute:
    """`route` once a `set_origin` step with `after` is applied to it."""
    enabled = after.get("enabled")
    return replace(
        route,
        enabled=route.enabled if enabled is None else bool(enabled),
        weight=_field(after, "weight", route.weight, AFD_DEFAULT_WEIGHT),
        priority=_field(after, "priority", route.priority, AFD_DEFAULT_PRIORITY),
    )


def _apply(routes: tuple[OriginRoute, ...], step: Step) -> tuple[OriginRoute, ...]:
    """The routing once `step` is applied (a stamp not in `routes` changes nothing known)."""
    if step.kind != SET_ORIGIN:
        return routes  # scaling or a SQL failover moves no edge traffic
    stamp = step.params.get("stamp")
    return tuple(_moved(r, step.after) if r.stamp == stamp else r for r in routes)


def traffic_preview(routes: Sequence[OriginRoute], plan: Plan) -> tuple[dict[str, float], ...]:
    """One entry per step group of `plan` (in the order they run): each region's share of edge
    traffic after that group is applied to `routes`. Only `set_origin` steps move routing (their
    `params["stamp"]` and `after`: enabled/weight/priority); other kinds leave the shares as they are."""
    current = tuple(routes)
    preview = []
    for group in plan.groups:
        for _, step in group:
            current = _apply(current, step)
        preview.append(edge_shares(current))
    return tuple(preview)


def with_traffic(plan: Plan, routes: Sequence[OriginRoute]) -> Plan:
    """`plan` carrying its traffic preview from `routes` (the routing before it runs)."""
    return replace(plan, traffic=traffic_preview(routes, plan))
