"""The simulated Front Door endpoint: routing from the edge config (after propagation) by enabledState,
priority, weight and origin health, as a client of the site sees it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from mcctl.adapters import frontdoor
from mcctl.adapters.lro import WaitOptions
from mcctl.config.loader import demo_source
from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest, SimResponse
from mcctl.sim.providers.cdn import PROPAGATION_SECONDS, SERVED_BY_HEADER, detection_seconds
from mcctl.sim.router import Router
from mcctl.sim.runtime import all_providers, seed_state
from mcctl.sim.store import SimStore

ALL = {"weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"}


def _get(sim: Sim, estate: Estate, path: str = "/", headers: dict[str, str] | None = None) -> SimResponse:
    return sim.handle(SimRequest("GET", f"https://{estate.frontdoor.endpoint_host}{path}", headers or {}))


def _served(sim: Sim, estate: Estate, n: int) -> Counter:
    return Counter(_get(sim, estate).headers.get(SERVED_BY_HEADER, "-").split("/")[0] for _ in range(n))


def _patch(session, estate: Estate, stamp: str, **changes: Any) -> None:
    origin = estate.stamp(stamp).origin
    frontdoor.update_origin(session, estate.frontdoor, origin, options=WaitOptions(), **changes)


def _propagate(sim: Sim) -> None:
    sim.advance(PROPAGATION_SECONDS + 1)


def test_endpoint_answers_without_a_token_naming_the_stamp_and_region(sim: Sim, demo_estate: Estate) -> None:
    response = _get(sim, demo_estate, "/orders/42")

    assert response.status == 200
    stamp, region = response.headers[SERVED_BY_HEADER].split("/")
    assert demo_estate.stamp(stamp).region == region
    assert response.headers["X-Azure-Ref"] and response.headers["x-mcctl-origin"] == demo_estate.stamp(stamp).origin
    assert response.body["path"] == "/orders/42" and response.body["served_by"]["stamp"] == stamp
    assert response.latency > 0


def test_equal_weights_are_served_round_robin(sim: Sim, demo_estate: Estate) -> None:
    assert _served(sim, demo_estate, 12) == dict.fromkeys(ALL, 2)


def test_a_disabled_origin_keeps_serving_until_the_change_reaches_the_edge(session, sim, demo_estate) -> None:
    _patch(session, demo_estate, "eus2-1", enabled=False)

    assert _served(sim, demo_estate, 6)["eus2-1"] == 1  # accepted by ARM, not yet at the edge
    sim.advance(PROPAGATION_SECONDS - 10)
    assert _served(sim, demo_estate, 6)["eus2-1"] == 1
    sim.advance(20)
    assert _served(sim, demo_estate, 10) == dict.fromkeys(ALL - {"eus2-1"}, 2)


def test_weights_split_traffic_among_equal_priority(session, sim, demo_estate) -> None:
    for stamp in ALL:
        _patch(session, demo_estate, stamp, weight=3 if stamp == "weu-1" else 1)
    _propagate(sim)

    served = _served(sim, demo_estate, 16)  # two full rounds of the weights (3 + 5 × 1)

    assert served == {"weu-1": 6, **dict.fromkeys(ALL - {"weu-1"}, 2)}


def test_lower_priority_serves_only_when_every_preferred_origin_is_unhealthy(session, sim, demo_estate) -> None:
    for stamp in ("eus2-1", "eus2-2"):
        _patch(session, demo_estate, stamp, priority=2)
    _propagate(sim)
    assert _served(sim, demo_estate, 8) == dict.fromkeys(ALL - {"eus2-1", "eus2-2"}, 2)

    sim.set_outage("westeurope", True)
    sim.advance(DETECTION)  # once Front Door's probes have noticed
    assert _served(sim, demo_estate, 4) == {"neu-1": 2, "neu-2": 2}
    sim.set_outage("northeurope", True)
    sim.advance(DETECTION)
    assert _served(sim, demo_estate, 4) == {"eus2-1": 2, "eus2-2": 2}  # the backups take over


DETECTION = 60.0  # the demo origin group: a probe every 30 s, 3 of the last 4 must succeed


def test_a_region_that_goes_down_gets_requests_until_the_probes_notice(sim, demo_estate) -> None:
    frontdoor_ = demo_estate.frontdoor
    group = sim.store.get(f"{frontdoor_.profile_ref.id}/originGroups/{frontdoor_.origin_group}")
    assert detection_seconds(group) == DETECTION  # (4 - 3 + 1) failed probes, 30 s apart
    sim.set_outage("westeurope", True)

    during = [_get(sim, demo_estate) for _ in range(6)]  # every origin still in rotation: 1 of 3 fails
    failed = [r for r in during if r.status == 503]
    assert [r.headers[SERVED_BY_HEADER] for r in failed] == ["weu-1/westeurope", "weu-2/westeurope"]
    assert {r.body["error"]["code"] for r in failed} == {"OriginUnreachable"}

    sim.advance(DETECTION - 1)
    assert any(_get(sim, demo_estate).status == 503 for _ in range(6))
    sim.advance(1)
    assert all(_get(sim, demo_estate).status == 200 for _ in range(6))  # routed around it now


def test_all_enabled_origins_unhealthy_still_get_the_traffic(sim, demo_estate) -> None:
    for region in demo_estate.regions:
        sim.set_outage(region, True)

    answers = [_get(sim, demo_estate) for _ in range(6)]

    assert {a.headers[SERVED_BY_HEADER].split("/")[0] for a in answers} == ALL  # AFD routes to them anyway
    assert {a.status for a in answers} == {503}  # and the origins cannot answer


def test_a_stopped_app_is_skipped_and_answers_403_if_it_is_all_there_is(session, sim, demo_estate) -> None:
    app = demo_estate.stamp("neu-1").app_ref
    session.web(app.subscription).web_apps.stop(app.resource_group, app.name)
    assert "neu-1" not in _served(sim, demo_estate, 10)

    for stamp in ALL - {"neu-1"}:
        _patch(session, demo_estate, stamp, enabled=False)
    _propagate(sim)
    response = _get(sim, demo_estate)
    assert (response.status, response.headers[SERVED_BY_HEADER]) == (403, "neu-1/northeurope")


def test_every_origin_disabled_is_503_from_front_door(session, sim, demo_estate) -> None:
    for stamp in ALL:
        _patch(session, demo_estate, stamp, enabled=False)
    _propagate(sim)

    response = _get(sim, demo_estate)

    assert response.status == 503 and SERVED_BY_HEADER not in response.headers
    assert response.body["error"]["code"] == "OriginUnavailable"


def test_null_weight_and_priority_route_as_afd_defaults(sim, demo_estate) -> None:
    for versions in sim.store.data["edge"]["origins"].values():
        versions[-1]["config"].update(weight=None, priority=None)

    assert _served(sim, demo_estate, 6) == dict.fromkeys(ALL, 1)


def test_unknown_host_is_404(sim) -> None:
    response = sim.handle(SimRequest("GET", "https://nothing-here.z01.azurefd.net/", {}))
    assert response.status == 404


def test_probes_off_means_every_enabled_origin_counts_as_healthy(session, sim, demo_estate) -> None:
    group = sim.store.require(f"{demo_estate.frontdoor.profile_ref.id}/originGroups/og-web")
    group["properties"]["healthProbeSettings"] = None
    sim.set_outage("eastus2", True)

    assert _served(sim, demo_estate, 6)["eus2-1"] == 1  # AFD cannot know: it keeps sending traffic


class _HealthEndpoints:
    """A stand-in for stamp health endpoints: one host answers 503 on its probe path."""

    name = "test-health"
    effects: dict = {}

    def register(self, router: Router) -> None:
        router.add("GET", "/@web/{host}/health/stamp", self._health)

    def seed(self, sim: Sim, estate: Estate) -> None:
        pass

    @staticmethod
    def _health(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
        return SimResponse(503 if p["host"].startswith("app-mc-weu-2.") else 200, {"status": "x"})


@pytest.mark.parametrize("first", [True, False], ids=["registered-first", "registered-last"])
def test_an_origin_failing_its_health_probe_is_skipped(demo_estate: Estate, first: bool) -> None:
    state = seed_state(demo_estate, demo_source().fingerprint)
    others = [p for p in all_providers() if p.name != "health"]  # the stand-in replaces the real endpoints
    providers = [_HealthEndpoints(), *others] if first else [*others, _HealthEndpoints()]
    sim = Sim(SimStore(None, state), providers)

    assert _served(sim, demo_estate, 10) == dict.fromkeys(ALL - {"weu-2"}, 2)
    # the endpoint's routes never shadow another public host's
    probe = sim.handle(SimRequest("GET", "https://app-mc-weu-2.azurewebsites.net/health/stamp", {}))
    assert probe.status == 503
