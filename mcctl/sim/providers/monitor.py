"""Microsoft.Insights metrics of a Front Door profile: `OriginHealthPercentage`, Front Door's own view
of its origins' health (the share of its health probes that succeeded).

Shape: Azure Monitor's Metrics - List (`GET {resource}/providers/Microsoft.Insights/metrics`),
split into one timeseries per value of the dimensions the `$filter` names (`Origin eq '*'`, with
`OriginGroup eq 'og'` to keep one origin group); without a dimension in the filter, one timeseries
for the whole profile. The `origin` dimension's value is the origin's host name.

What the probes conclude is the simulator's edge (`cdn.origin_healthy`): from the config that has
reached the edge, a region outage, a stopped app or an empty plan, and the stamp's health endpoint
(200 in time is healthy). The simulator keeps no history, so the answer has one data point, the
minute that contains now, at 100 or 0. Only origins the edge probes are present: enabled ones of an
origin group with health probes (a disabled origin is not probed, as in AFD).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from mcctl.sim.http import ArmError, SimRequest, SimResponse, bad_request
from mcctl.sim.providers.cdn import PROFILE, edge_config, origin_healthy, profile_of
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim

METRICS = PROFILE + "/providers/Microsoft.Insights/metrics"
ORIGIN_HEALTH = "OriginHealthPercentage"
DIMENSIONS = {"origin": "Origin", "origingroup": "OriginGroup"}  # lower-case name -> as Monitor spells it
_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)


class MonitorProvider:
    name = "Microsoft.Insights"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {}

    def register(self, router: Router) -> None:
        router.add("GET", METRICS, _list_metrics)

    def seed(self, sim: Sim, estate: Estate) -> None:
        return None  # metrics are derived from the other providers' state


def _list_metrics(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    profile = profile_of(sim, p)
    names = [n.strip() for n in (req.param("metricnames") or "").split(",") if n.strip()]
    unknown = [n for n in names if n.lower() != ORIGIN_HEALTH.lower()]
    if not names or unknown:
        raise bad_request(
            "BadRequest",
            f"Failed to find metric configuration for provider: Microsoft.Cdn, resource Type: profiles, "
            f"metric: {', '.join(unknown) or '(none)'}, Valid metrics: {ORIGIN_HEALTH}",
        )
    filters = _filters(req.param("$filter"))
    stamp = _minute(sim.now())
    series = _series(sim, profile, filters, stamp)
    end = datetime.fromtimestamp(sim.now(), UTC)
    body = {
        "cost": 0,
        "timespan": req.param("timespan") or f"{_iso(end - timedelta(hours=1))}/{_iso(end)}",
        "interval": req.param("interval") or "PT1M",
        "namespace": "Microsoft.Cdn/profiles",
        "resourceregion": "global",
        "value": [
            {
                "id": f"{profile['id']}/providers/Microsoft.Insights/metrics/{ORIGIN_HEALTH}",
                "type": "Microsoft.Insights/metrics",
                "name": {"value": ORIGIN_HEALTH, "localizedValue": "Origin Health Percentage"},
                "displayDescription": "The percentage of successful health probes from AFDX to origins.",
                "unit": "Percent",
                "timeseries": series,
                "errorCode": "Success",
            }
        ],
    }
    return SimResponse(200, body)


def _filters(text: str | None) -> dict[str, str]:
    """`Origin eq '*' and OriginGroup eq 'og'` -> {"origin": "*", "origingroup": "og"}."""
    found: dict[str, str] = {}
    if not text:
        return found
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        if match is None or match.group(1).lower() not in DIMENSIONS:
            raise ArmError(400, "BadRequest", f"Invalid $filter clause: {clause.strip()!r}")
        found[match.group(1).lower()] = match.group(2)
    return found


def _series(sim: Sim, profile: dict[str, Any], filters: dict[str, str], stamp: str) -> list[dict[str, Any]]:
    probed = []
    for origin in edge_config(sim, profile["id"]):
        if (origin.get("enabledState") or "").lower() != "enabled":
            continue  # AFD does not probe a disabled origin
        group = sim.store.get(origin["id"].rsplit("/origins/", 1)[0])
        probe = (group or {}).get("properties", {}).get("healthProbeSettings")
        if not probe:
            continue  # health probes off: nothing is measured
        values = {"origin": (origin.get("hostName") or "").lower(), "origingroup": origin.get("origin_group") or ""}
        if any(want != "*" and values[dim].lower() != want.lower() for dim, want in filters.items()):
            continue
        probed.append((values, 100.0 if origin_healthy(sim, origin, probe) else 0.0))
    split = [dim for dim in DIMENSIONS if dim in filters]
    if not split:
        if not probed:
            return []
        average = sum(v for _, v in probed) / len(probed)
        return [{"metadatavalues": [], "data": [{"timeStamp": stamp, "average": average}]}]
    return [
        {
            "metadatavalues": [{"name": {"value": dim, "localizedValue": dim}, "value": values[dim]} for dim in split],
            "data": [{"timeStamp": stamp, "average": value}],
        }
        for values, value in probed
    ]


def _minute(seconds: float) -> str:
    moment = datetime.fromtimestamp(seconds, UTC).replace(second=0, microsecond=0)
    return _iso(moment)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
