"""`mcctl status` assembled from hand-built reads (mcctl.domain.status): shares from configuration
and health, counts, roles, verdicts, and unreadable parts shown as unknown without hiding the rest."""

from __future__ import annotations

from dataclasses import replace

from mcctl.domain.estate import Estate
from mcctl.domain.health import EstateHealth, RegionHealth, StampHealth
from mcctl.domain.lease import LeaseHolder, LockStatus
from mcctl.domain.observed import AppServicePlanState, OriginState, WebAppState
from mcctl.domain.redislinks import RegionLinkVerdict
from mcctl.domain.sqlfailover_status import FailoverGroupStatus, Problem, ServerStatus
from mcctl.domain.stampview import StampView
from mcctl.domain.status import OpenOperation, OperationState, estate_status


def _views(
    estate: Estate,
    *,
    disabled: tuple[str, ...] = (),
    stopped: tuple[str, ...] = (),
    redis: dict[str, str] | None = None,
    roles: dict[str, str] | None = None,
) -> list[StampView]:
    redis = redis or {"westeurope": "linked", "northeurope": "linked", "eastus2": "linked"}
    roles = roles or {"westeurope": "Primary", "northeurope": "Secondary", "eastus2": "Secondary"}
    views = []
    for s in estate.stamps:
        plan = AppServicePlanState("p", s.app_service_plan, s.region, "P1v3", "Pv3", 3, 3, 30, "Ready", "Succeeded")
        state = "Stopped" if s.name in stopped else "Running"
        app = WebAppState("a", s.web_app, s.region, state, True, "Normal", "h", "p")
        enabled = "Disabled" if s.name in disabled else "Enabled"
        origin = OriginState("o", s.origin, "h", enabled, 1000, 1, "Succeeded", "NotStarted")
        verdict = RegionLinkVerdict(s.region, redis[s.region], "r")  # type: ignore[arg-type]
        views.append(StampView(s, plan, app, origin, verdict, roles[s.region]))
    return views


def _health(estate: Estate, unhealthy: tuple[str, ...] = (), status: str = "healthy") -> EstateHealth:
    stamps = {
        s.name: StampHealth(s.name, s.region, "unhealthy" if s.name in unhealthy else "healthy", [], [], ())
        for s in estate.stamps
    }
    regions = {}
    for region in estate.regions:
        mine = {n: st.status for n, st in stamps.items() if st.region == region}
        worst = "unhealthy" if "unhealthy" in mine.values() else "healthy"
        regions[region] = RegionHealth(region, worst, [], mine)  # type: ignore[arg-type]
    reasons = [f"region {r} unhealthy" for r, h in regions.items() if h.status == "unhealthy"]
    return EstateHealth(estate.name, status, reasons, regions, stamps, checked_at="2026-01-01T00:00:00Z")  # type: ignore[arg-type]


def _sql(primary: str = "westeurope", problems: tuple[Problem, ...] = ()) -> FailoverGroupStatus:
    servers = tuple(
        ServerStatus(region, f"sql-{region}", "Primary" if region == primary else "Secondary")
        for region in ("westeurope", "northeurope", "eastus2")
    )
    return FailoverGroupStatus("fg", "rg", primary, "Manual", None, "CATCH_UP", ("orders",), servers, (), problems)


FREE = LockStatus("blob", "https://x/demo.lock", "available", None, None)
OPERATION = OpenOperation(
    "20260101-000000-abcd", OperationState.IN_FLIGHT, "submitted", "frontdoor-drain", "drain eastus2", "0/2", "t", "me"
)


def _status(estate: Estate, **parts):
    reads = {
        "health": _health(estate),
        "views": _views(estate),
        "sql": _sql(),
        "lock": FREE,
        "operations": [],
        **parts,
    }
    return estate_status(estate, **reads)


def _regions(document) -> dict[str, dict]:
    return {r["name"]: r for r in document.to_dict()["regions"]}


def test_all_healthy_shares_split_by_configuration(demo_estate: Estate) -> None:
    doc = _status(demo_estate)
    regions = _regions(doc)
    assert list(regions) == ["westeurope", "northeurope", "eastus2"]
    assert regions["westeurope"] == {
        "name": "westeurope",
        "health": "healthy",
        "share": 0.3333,
        "configured_share": 0.3333,
        "stamps": 2,
        "serving": 2,
        "drained": 0,
        "sql_role": "Primary",
        "redis": "linked",
    }
    assert doc.status == "healthy" and doc.checked_at == "2026-01-01T00:00:00Z"
    assert doc.to_dict()["sql"] == {
        "primary_region": "westeurope",
        "verdict": "ready",
        "failover_ready": True,
        "problems": [],
    }


def test_unhealthy_region_gets_no_share_at_the_edge_but_keeps_its_configured_one(demo_estate: Estate) -> None:
    health = _health(demo_estate, unhealthy=("eus2-1", "eus2-2"), status="degraded")
    regions = _regions(_status(demo_estate, health=health))
    assert regions["eastus2"]["share"] == 0.0
    assert regions["eastus2"]["configured_share"] == 0.3333
    assert regions["westeurope"]["share"] == regions["northeurope"]["share"] == 0.5
    assert regions["eastus2"]["health"] == "unhealthy"


def test_every_origin_unhealthy_front_door_serves_them_all(demo_estate: Estate) -> None:
    every = tuple(s.name for s in demo_estate.stamps)
    regions = _regions(_status(demo_estate, health=_health(demo_estate, unhealthy=every, status="unhealthy")))
    assert [r["share"] for r in regions.values()] == [0.3333, 0.3333, 0.3333]


def test_drained_and_stopped_stamps_are_counted(demo_estate: Estate) -> None:
    views = _views(demo_estate, disabled=("eus2-1", "eus2-2", "weu-1"), stopped=("neu-2",))
    regions = _regions(_status(demo_estate, views=views))
    assert (regions["eastus2"]["serving"], regions["eastus2"]["drained"], regions["eastus2"]["share"]) == (0, 2, 0.0)
    assert (regions["westeurope"]["serving"], regions["westeurope"]["drained"]) == (1, 1)
    assert (regions["northeurope"]["serving"], regions["northeurope"]["drained"]) == (1, 0)
    # weights: weu-2, neu-1, neu-2 enabled at 1000 each (a stopped app's share is health's to take away)
    assert regions["westeurope"]["share"] == 0.3333 and regions["northeurope"]["share"] == 0.6667


def test_health_verdicts_are_passed_through_as_given(demo_estate: Estate) -> None:
    health = _health(demo_estate)
    drained = replace(health.regions["eastus2"], status="drained")
    health = replace(health, regions={**health.regions, "eastus2": drained}, status="drained")
    doc = _status(demo_estate, health=health)
    assert doc.status == "drained" and _regions(doc)["eastus2"]["health"] == "drained"


def test_sql_role_from_the_failover_group_and_its_readiness(demo_estate: Estate) -> None:
    sql = _sql(primary="northeurope", problems=(Problem("not_ready", "link SEEDING"),))
    doc = _status(demo_estate, sql=sql)
    regions = _regions(doc)
    assert regions["northeurope"]["sql_role"] == "Primary" and regions["westeurope"]["sql_role"] == "Secondary"
    assert doc.to_dict()["sql"] == {
        "primary_region": "northeurope",
        "verdict": "not_ready",
        "failover_ready": False,
        "problems": ["link SEEDING"],
    }


def test_redis_verdict_per_region(demo_estate: Estate) -> None:
    views = _views(demo_estate, redis={"westeurope": "linked", "northeurope": "degraded", "eastus2": "broken"})
    regions = _regions(_status(demo_estate, views=views))
    assert [r["redis"] for r in regions.values()] == ["linked", "degraded", "broken"]


def test_lock_holder_and_operations_with_their_commands(demo_estate: Estate) -> None:
    holder = LeaseHolder("alice@contoso.com", "ops-1", 4242, "op-1", "mcctl scale weu-1 4", "t0")
    lock = LockStatus("blob", "https://x/demo.lock", "leased", holder, None)
    data = _status(demo_estate, lock=lock, operations=[OPERATION]).to_dict()
    assert data["lock"]["held"] is True and data["lock"]["actor"] == "alice@contoso.com"
    assert data["lock"]["operation"] == "op-1"
    (op,) = data["operations"]
    assert op["state"] == "in_flight" and op["id"] == "20260101-000000-abcd"
    assert op["resume"] == "mcctl resume 20260101-000000-abcd"
    assert op["rollback"] == "mcctl rollback 20260101-000000-abcd"


def test_unreadable_parts_are_unknown_and_hide_nothing_else(demo_estate: Estate) -> None:
    doc = _status(
        demo_estate, health=None, sql=None, lock=None, operations=None, errors=["reading x: boom", "reading x: boom"]
    )
    data = doc.to_dict()
    assert data["status"] == "unknown" and data["reasons"]
    assert data["lock"] is None and data["operations"] is None
    assert data["sql"] == {"primary_region": "westeurope", "verdict": "unknown", "failover_ready": None, "problems": []}
    assert data["errors"] == ["reading x: boom"]
    regions = _regions(doc)
    # The inventory was read: configuration-only shares, counts, roles and Redis are still shown.
    assert regions["eastus2"]["health"] == "unknown" and regions["eastus2"]["share"] == 0.3333
    assert regions["westeurope"]["serving"] == 2 and regions["westeurope"]["sql_role"] == "Primary"


def test_no_inventory_leaves_shares_and_counts_unknown(demo_estate: Estate) -> None:
    regions = _regions(_status(demo_estate, views=None, sql=None))
    assert {(r["share"], r["serving"], r["drained"], r["redis"], r["sql_role"]) for r in regions.values()} == {
        (None, None, None, "unknown", "unknown")
    }
    # health still read
    assert regions["westeurope"]["health"] == "healthy"


def test_unreadable_origin_of_one_stamp_leaves_its_region_counts_unknown(demo_estate: Estate) -> None:
    views = [replace(v, origin=None) if v.stamp.name == "neu-1" else v for v in _views(demo_estate)]
    regions = _regions(_status(demo_estate, views=views))
    assert regions["northeurope"]["drained"] is None and regions["northeurope"]["serving"] is None
    assert regions["westeurope"]["drained"] == 0
    # neu-1 is left out of the routing (nothing known of it): the others split what is known
    assert regions["northeurope"]["share"] == 0.2


def test_estate_without_sql_or_redis(demo_estate: Estate) -> None:
    estate = replace(demo_estate, sql=None, redis=None)
    views = [replace(v, sql_role=None, redis=None) for v in _views(demo_estate)]
    doc = _status(estate, views=views, sql=None)
    assert doc.to_dict()["sql"] is None
    assert {(r["sql_role"], r["redis"]) for r in _regions(doc).values()} == {(None, None)}
