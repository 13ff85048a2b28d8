"""Front Door's probes' view of its origins, judged as Front Door judges a sample window (table tests)."""

from __future__ import annotations

import pytest

from mcctl.domain.edgehealth import EdgeHealth, EdgeVerdict, edge_health, in_rotation
from mcctl.domain.observed import HealthProbeSettings, OriginGroupState, OriginState

HOST = "app-a.azurewebsites.net"


def _origin(enabled: bool = True, host: str | None = HOST) -> OriginState:
    return OriginState(
        id="/o/origin-a",
        name="origin-a",
        host_name=host,
        enabled_state="Enabled" if enabled else "Disabled",
        weight=1000,
        priority=1,
        provisioning_state="Succeeded",
        deployment_status="Succeeded",
    )


def _group(sample_size: int | None = 4, required: int | None = 3, probes: bool = True) -> OriginGroupState:
    probe = HealthProbeSettings("/health/stamp", "GET", "Https", 30) if probes else None
    return OriginGroupState("/og", "og", probe, sample_size, required, 50, "Succeeded")


@pytest.mark.parametrize(
    ("percent", "group", "origin", "expected"),
    [
        (100.0, _group(), _origin(), EdgeVerdict.HEALTHY),
        (75.0, _group(), _origin(), EdgeVerdict.HEALTHY),  # 3 of 4 samples: AFD keeps it
        (74.9, _group(), _origin(), EdgeVerdict.UNHEALTHY),
        (0.0, _group(), _origin(), EdgeVerdict.UNHEALTHY),
        (50.0, _group(sample_size=2, required=1), _origin(), EdgeVerdict.HEALTHY),  # 1 of 2
        (50.0, _group(sample_size=None, required=None), _origin(), EdgeVerdict.UNHEALTHY),  # defaults: 3 of 4
        (None, _group(), _origin(), EdgeVerdict.UNKNOWN),  # no recent sample
        (0.0, _group(), _origin(enabled=False), EdgeVerdict.NOT_PROBED),  # AFD does not probe a disabled origin
        (0.0, _group(probes=False), _origin(), EdgeVerdict.NOT_PROBED),  # probes off: every origin counts
    ],
)
def test_verdict(percent: float | None, group: OriginGroupState, origin: OriginState, expected: EdgeVerdict) -> None:
    view = edge_health(group, {} if percent is None else {HOST: percent})
    assert view.verdict(origin) is expected


def test_the_metric_s_origin_matches_host_or_name_in_any_case() -> None:
    assert EdgeHealth({HOST: 0.0}).verdict(_origin(host=HOST.upper())) is EdgeVerdict.UNHEALTHY
    assert EdgeHealth({"origin-a": 0.0}).verdict(_origin(host=None)) is EdgeVerdict.UNHEALTHY
    assert EdgeHealth({}).verdict(None) is EdgeVerdict.UNKNOWN


def test_in_rotation_takes_the_probes_view_where_known_else_the_fallback() -> None:
    found = {
        "a": EdgeVerdict.HEALTHY,
        "b": EdgeVerdict.UNHEALTHY,
        "c": EdgeVerdict.UNKNOWN,
        "d": EdgeVerdict.NOT_PROBED,
    }
    fallback = {"a": False, "b": True, "c": False, "d": True}
    assert in_rotation(found, fallback) == {"a": True, "b": False, "c": False, "d": True}
    assert in_rotation(found) == {"a": True, "b": False}  # the rest: assumed in rotation by the routes
