"""The share of edge traffic per region (mcctl.domain.traffic): Front Door's routing rule as table
tests, the routing read from the inventory, and the preview a drain/restore/revert plan carries."""

from __future__ import annotations

import json

import pytest

from mcctl.domain.estate import Estate
from mcctl.domain.frontdoor import (
    FrontDoorObserved,
    Prior,
    RevertRequest,
    ShiftRequest,
    Target,
    plan_drain,
    plan_restore,
    plan_revert,
)
from mcctl.domain.observed import OriginState
from mcctl.domain.plan import Plan, Step
from mcctl.domain.stampview import StampView
from mcctl.domain.traffic import (
    OriginRoute,
    edge_shares,
    origin_shares,
    routes_from_views,
    traffic_preview,
    with_traffic,
)

# The demo layout: two stamps in each of three regions.
STAMPS = (
    ("weu-1", "westeurope"),
    ("weu-2", "westeurope"),
    ("neu-1", "northeurope"),
    ("neu-2", "northeurope"),
    ("eus2-1", "eastus2"),
    ("eus2-2", "eastus2"),
)


def _routes(**changes: dict) -> tuple[OriginRoute, ...]:
    """Every demo stamp enabled, weight 1000, priority 1, healthy; `changes` per stamp (weu_1=...)."""
    return tuple(
        OriginRoute(stamp, region, **{"enabled": True, "weight": 1000, "priority": 1, **changes.get(_key(stamp), {})})
        for stamp, region in STAMPS
    )


def _key(stamp: str) -> str:
    return stamp.replace("-", "_")


OFF, UNHEALTHY, BACKUP = {"enabled": False}, {"healthy": False}, {"priority": 2}
THIRD = 0.3333
WEU, NEU, EUS2 = ("weu-1", "weu-2"), ("neu-1", "neu-2"), ("eus2-1", "eus2-2")


def _each(change: dict, *stamps: str) -> dict[str, dict]:
    return {_key(stamp): change for stamp in stamps}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, (THIRD, THIRD, THIRD), id="all equal"),
        # the example: 10% of one region's weights against four full origins is 4.8% of traffic
        pytest.param(_each({"weight": 100}, *WEU), (0.0476, 0.4762, 0.4762), id="10% of weight is 4.8% of traffic"),
        pytest.param(_each({"weight": 100}, "weu-1"), (0.2157, 0.3922, 0.3922), id="one origin of a region lowered"),
        pytest.param(_each({"weight": 1}, "weu-1"), (0.2002, 0.3999, 0.3999), id="weight 1 still serves"),
        pytest.param(_each(OFF, *WEU), (0.0, 0.5, 0.5), id="disabled region"),
        pytest.param(_each(OFF, "weu-1"), (0.2, 0.4, 0.4), id="half a region disabled"),
        pytest.param(_each(BACKUP, *EUS2), (0.5, 0.5, 0.0), id="a priority-2 backup gets none"),
        pytest.param(
            _each(BACKUP, *WEU) | _each(OFF, *NEU, *EUS2),
            (1.0, 0.0, 0.0),
            id="the backup takes over when every priority-1 origin is disabled",
        ),
        pytest.param(_each(UNHEALTHY, *WEU), (0.0, 0.5, 0.5), id="unhealthy region"),
        pytest.param(
            _each(UNHEALTHY, *WEU) | _each(BACKUP, *NEU) | _each(OFF, *EUS2),
            (0.0, 1.0, 0.0),
            id="unhealthy priority-1 origins: the healthy backup serves",
        ),
        pytest.param(
            _each(UNHEALTHY, *WEU, *NEU, *EUS2),
            (THIRD, THIRD, THIRD),
            id="all unhealthy: AFD treats every enabled origin as healthy",
        ),
        pytest.param(
            _each(UNHEALTHY, *WEU) | _each(OFF, *NEU, *EUS2),
            (1.0, 0.0, 0.0),
            id="all enabled unhealthy: the fallback never sends to disabled origins",
        ),
        pytest.param(
            _each(UNHEALTHY | BACKUP, *WEU) | _each(UNHEALTHY, *NEU) | _each(OFF, *EUS2),
            (0.0, 1.0, 0.0),
            id="the all-unhealthy fallback still follows priority",
        ),
        pytest.param(_each(OFF, *WEU, *NEU, *EUS2), (0.0, 0.0, 0.0), id="none enabled: nobody gets traffic"),
    ],
)
def test_edge_shares(changes: dict, expected: tuple[float, float, float]) -> None:
    shares = edge_shares(_routes(**changes))
    assert list(shares) == ["westeurope", "northeurope", "eastus2"]  # every region, in first-seen order
    assert tuple(shares.values()) == expected
    if any(expected):
        assert sum(shares.values()) == pytest.approx(1.0, abs=1e-3)


def test_edge_shares_of_nothing_and_of_zero_weights() -> None:
    assert edge_shares([]) == {}
    # ARM refuses weight 0, but a hand-made route may say it: the chosen origins then split evenly
    zero = [OriginRoute("a", "r1", True, 0, 1), OriginRoute("b", "r2", True, 0, 1)]
    assert edge_shares(zero) == {"r1": 0.5, "r2": 0.5}
    assert origin_shares([OriginRoute("a", "r1", True, 300, 1), OriginRoute("b", "r1", True, 100, 1)]) == (0.75, 0.25)


def _view(estate: Estate, stamp: str, origin: OriginState | None) -> StampView:
    return StampView(estate.stamp(stamp), None, None, origin, None, None)


def _origin(name: str, *, enabled: bool = True, weight: int | None = 1000, priority: int | None = 1) -> OriginState:
    return OriginState(
        id=f"/origins/{name}",
        name=name,
        host_name=f"{name}.example.net",
        enabled_state="Enabled" if enabled else "Disabled",
        weight=weight,
        priority=priority,
        provisioning_state="Succeeded",
        deployment_status="Succeeded",
    )


def _views(estate: Estate, **origins: OriginState | None) -> tuple[StampView, ...]:
    """A view per demo stamp, origin enabled at 1000/1 unless given (weu_1=None: not read)."""
    return tuple(_view(estate, s.name, origins.get(_key(s.name), _origin(s.origin))) for s in estate.stamps)


def test_routes_from_views_use_afd_defaults_for_nulls_and_skip_unread_origins(demo_estate: Estate) -> None:
    views = _views(demo_estate, weu_1=None, neu_1=_origin("origin-neu-1", weight=None, priority=None))
    routes = routes_from_views(views, {"eus2-1": False})

    assert [r.stamp for r in routes] == ["weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"]
    neu_1 = routes[1]
    assert (neu_1.region, neu_1.enabled, neu_1.weight, neu_1.priority, neu_1.healthy) == (
        "northeurope",
        True,
        1000,
        1,
        True,
    )
    assert routes[3].healthy is False and all(r.healthy for r in routes if r.stamp != "eus2-1")
    # null weights count as 1000: weu-2 1000, neu 2000, eus2-2 1000 (eus2-1 out of rotation)
    assert edge_shares(routes) == {"westeurope": 0.25, "northeurope": 0.5, "eastus2": 0.25}


def _gradual(estate: Estate, region: str, steps: tuple[int, ...], observed: FrontDoorObserved, verb=plan_drain):
    return verb(estate, observed, ShiftRequest(Target(region), steps, 60))


def test_a_gradual_drain_previews_each_group(demo_estate: Estate) -> None:
    observed = FrontDoorObserved(_views(demo_estate))
    plan = _gradual(demo_estate, "westeurope", (10, 50, 100), observed)

    assert len(plan.groups) == 3
    assert plan.traffic == traffic_preview(observed.routes, plan)
    assert [s["westeurope"] for s in plan.traffic] == [0.3103, 0.2, 0.0]  # 1800/5800, 1000/5000, none
    assert plan.traffic[-1] == {"westeurope": 0.0, "northeurope": 0.5, "eastus2": 0.5}
    # the labels say the percentage is of the origin's own weight
    assert plan.steps[0].target == "stamp weu-1 origin origin-weu-1 (-10% of weight)"


def test_a_gradual_restore_previews_the_ramp(demo_estate: Estate) -> None:
    off = {_key(s): _origin(f"origin-{s}", enabled=False) for s in ("weu-1", "weu-2")}
    plan = _gradual(
        demo_estate, "westeurope", (10, 50, 100), FrontDoorObserved(_views(demo_estate, **off)), plan_restore
    )

    assert [s.target.endswith("(10% of weight)") for s in plan.steps[:2]] == [True, True]
    # the example first: 10% of the region's weights against four full origins is 4.8%
    assert [s["westeurope"] for s in plan.traffic] == [0.0476, 0.2, THIRD]


def test_a_restore_preview_counts_the_priority_it_puts_back(demo_estate: Estate) -> None:
    off = {_key(s): _origin(f"origin-{s}", enabled=False) for s in ("weu-1", "weu-2")}
    observed = FrontDoorObserved(_views(demo_estate, **off), priors={"origin-weu-1": Prior(1000, 2, "d1")})
    plan = _gradual(demo_estate, "westeurope", (10, 50, 100), observed, plan_restore)

    # weu-1 comes back as a priority-2 backup: only weu-2 (100, 500, 1000) serves next to the others
    assert [s["westeurope"] for s in plan.traffic] == [0.0244, 0.1111, 0.2]


def test_an_unhealthy_region_gets_nothing_before_its_drain(demo_estate: Estate) -> None:
    observed = FrontDoorObserved(_views(demo_estate), healthy={"weu-1": False, "weu-2": False})
    plan = _gradual(demo_estate, "westeurope", (50, 100), observed)
    assert plan.traffic == ({"westeurope": 0.0, "northeurope": 0.5, "eastus2": 0.5},) * 2


def test_only_origin_steps_move_traffic(demo_estate: Estate) -> None:
    scale = Step("scale_plan", "stamp neu-1 plan", "/x", {"capacity": 3}, {"capacity": 6}, {"stamp": "neu-1"})
    off = Step("set_origin", "weu-1", "/o", {"enabled": True}, {"enabled": False}, {"stamp": "weu-1"}, group=1)
    unknown = Step("set_origin", "gone", "/g", {"weight": 1000}, {"weight": 1}, {"stamp": "not-a-stamp"}, group=2)
    null = Step("set_origin", "weu-2", "/o2", {"weight": 300}, {"weight": None}, {"stamp": "weu-2"}, group=3)
    plan = Plan("evacuate", "s", (scale, off, unknown, null))
    routes = routes_from_views(_views(demo_estate, weu_2=_origin("origin-weu-2", weight=300)))

    preview = traffic_preview(routes, plan)

    assert [p["westeurope"] for p in preview] == [
        0.2453,  # scaling moves nothing: 1300 of 5300
        0.0698,  # weu-1 disabled: 300 of 4300
        0.0698,  # a stamp the routing does not know changes nothing
        0.2,  # a null weight is AFD's 1000: 1000 of 5000
    ]
    assert len(preview) == len(plan.groups) == 4


def test_plan_json_carries_the_preview_only_when_there_is_one(demo_estate: Estate) -> None:
    plain = Plan("scale", "s", ())
    assert "traffic" not in plain.to_dict() and Plan.from_dict(plain.to_dict()).traffic == ()

    plan = _gradual(demo_estate, "eastus2", (50, 100), FrontDoorObserved(_views(demo_estate)))
    data = json.loads(json.dumps(plan.to_dict()))
    assert data["traffic"] == [
        {"westeurope": 0.4, "northeurope": 0.4, "eastus2": 0.2},
        {"westeurope": 0.5, "northeurope": 0.5, "eastus2": 0.0},
    ]
    assert Plan.from_dict(data) == plan  # a resumed plan shows the same preview
    assert plan.inverse([0, 1, 2, 3], "undo").traffic == ()  # a rollback has none unless computed
    assert with_traffic(plan.inverse([0, 1], "undo"), routes_from_views(_views(demo_estate))).traffic == (
        {"westeurope": THIRD, "northeurope": THIRD, "eastus2": THIRD},
    )


def test_a_revert_previews_its_one_group(demo_estate: Estate) -> None:
    views = _views(demo_estate, eus2_1=_origin("origin-eus2-1", weight=100))
    request = RevertRequest("op1", "frontdoor-drain", "drain eastus2", (("origin-eus2-1", {"weight": 1000}),))
    plan = plan_revert(demo_estate, FrontDoorObserved(views), request)
    assert plan.traffic == ({"westeurope": THIRD, "northeurope": THIRD, "eastus2": THIRD},)
