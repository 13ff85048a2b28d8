"""EstateSnapshot: what the safety rules count (serving stamps, regions, instances), and how it is built."""

from __future__ import annotations

import dataclasses

import pytest

from mcctl.domain.estate import Stamp
from mcctl.domain.observed import AppServicePlanState, OriginState, WebAppState
from mcctl.domain.snapshot import EstateSnapshot, StampSnapshot
from mcctl.domain.stampview import StampView

SUB = "00000000-0000-0000-0000-000000000001"


def _stamp(name: str, region: str, *, enabled: bool = True, running: bool = True, instances: int = 3) -> StampSnapshot:
    return StampSnapshot(name, region, origin_enabled=enabled, app_running=running, instances=instances)


def _estate() -> EstateSnapshot:
    """Three regions; neu-2 is drained, eus2-1 is stopped, eus2-2 has no instances."""
    return EstateSnapshot(
        (
            _stamp("weu-1", "westeurope", instances=3),
            _stamp("weu-2", "westeurope", instances=4),
            _stamp("neu-1", "northeurope", instances=5),
            _stamp("neu-2", "northeurope", enabled=False, instances=6),
            _stamp("eus2-1", "eastus2", running=False, instances=7),
            _stamp("eus2-2", "eastus2", instances=0),
        ),
        sql_primary="westeurope",
    )


@pytest.mark.parametrize(
    ("enabled", "running", "instances", "serving"),
    [
        pytest.param(True, True, 1, True, id="enabled-running-1-instance"),
        pytest.param(False, True, 3, False, id="origin-disabled"),
        pytest.param(True, False, 3, False, id="app-stopped"),
        pytest.param(True, True, 0, False, id="no-instances"),
        pytest.param(False, False, 0, False, id="nothing"),
    ],
)
def test_stamp_serves_only_with_enabled_origin_running_app_and_instances(
    enabled: bool, running: bool, instances: int, serving: bool
) -> None:
    assert _stamp("s", "westeurope", enabled=enabled, running=running, instances=instances).serving is serving


def test_serving_stamps_regions_and_capacity_count_only_serving_stamps() -> None:
    snap = _estate()
    assert [s.name for s in snap.serving_stamps] == ["weu-1", "weu-2", "neu-1"]
    assert snap.serving_regions == ("westeurope", "northeurope")  # eastus2 has stamps but none serves
    assert snap.serving_capacity == 3 + 4 + 5  # drained/stopped stamps' instances do not count
    assert [s.name for s in snap.serving_in("northeurope")] == ["neu-1"]
    assert snap.serving_in("eastus2") == ()
    assert snap.serving_in("nowhere") == ()


def test_serving_regions_keep_estate_order_without_duplicates() -> None:
    snap = EstateSnapshot(
        (_stamp("a", "eastus2"), _stamp("b", "westeurope"), _stamp("c", "eastus2"), _stamp("d", "westeurope"))
    )
    assert snap.serving_regions == ("eastus2", "westeurope")


def test_empty_snapshot_serves_nothing() -> None:
    snap = EstateSnapshot(())
    assert (snap.serving_stamps, snap.serving_regions, snap.serving_capacity) == ((), (), 0)
    assert snap.sql_primary is None


def test_stamp_finds_by_name() -> None:
    assert _estate().stamp("neu-2").instances == 6


def test_with_stamp_changes_one_stamp_and_leaves_the_original_alone() -> None:
    snap = _estate()
    restored = snap.with_stamp("neu-2", origin_enabled=True)
    assert restored.stamp("neu-2").origin_enabled is True
    assert restored.serving_capacity == snap.serving_capacity + 6
    assert restored.serving_regions == snap.serving_regions
    assert [s.name for s in restored.stamps] == [s.name for s in snap.stamps]  # order kept
    assert restored.sql_primary == "westeurope"
    assert snap.stamp("neu-2").origin_enabled is False  # frozen: a new snapshot, not a mutation
    for name in ("weu-1", "weu-2", "neu-1", "eus2-1", "eus2-2"):
        assert restored.stamp(name) == snap.stamp(name)


def test_with_stamp_can_change_several_fields() -> None:
    snap = _estate().with_stamp("eus2-1", app_running=True, instances=2)
    assert snap.stamp("eus2-1") == _stamp("eus2-1", "eastus2", instances=2)
    assert snap.serving_regions == ("westeurope", "northeurope", "eastus2")


def test_with_stamp_rejects_a_field_a_stamp_does_not_have() -> None:
    with pytest.raises(TypeError):
        _estate().with_stamp("weu-1", enabled=False)


def test_stamp_of_an_unknown_name_raises_key_error() -> None:
    with pytest.raises(KeyError):
        _estate().stamp("nope")


def test_with_stamp_of_an_unknown_name_raises_key_error() -> None:
    with pytest.raises(KeyError):
        _estate().with_stamp("nope", origin_enabled=False)


# --- from_views: the snapshot built from what `stamps list` reads ---------------------------------


def _config(name: str, region: str) -> Stamp:
    return Stamp(name, region, SUB, f"rg-{name}", f"asp-{name}", f"app-{name}", f"origin-{name}", "https://h/health")


def _plan(name: str, capacity: int | None, workers: int | None = None) -> AppServicePlanState:
    workers = capacity if workers is None else workers
    return AppServicePlanState(
        id=f"/p/{name}",
        name=f"asp-{name}",
        location="West Europe",
        sku_name="P1v3",
        sku_tier="PremiumV3",
        capacity=capacity,
        number_of_workers=workers,
        maximum_number_of_workers=30,
        status="Ready",
        provisioning_state="Succeeded",
    )


def _app(name: str, state: str | None) -> WebAppState:
    return WebAppState(f"/a/{name}", f"app-{name}", "West Europe", state, True, "Normal", f"{name}.net", f"/p/{name}")


def _origin(name: str, enabled_state: str | None) -> OriginState:
    return OriginState(f"/o/{name}", f"origin-{name}", f"{name}.net", enabled_state, 1000, 1, "Succeeded", "Succeeded")


def _view(
    name: str,
    region: str = "westeurope",
    *,
    capacity: int | None = 3,
    workers: int | None = None,
    state: str | None = "Running",
    enabled_state: str | None = "Enabled",
    plan: bool = True,
    app: bool = True,
    origin: bool = True,
) -> StampView:
    return StampView(
        stamp=_config(name, region),
        plan=_plan(name, capacity, workers) if plan else None,
        app=_app(name, state) if app else None,
        origin=_origin(name, enabled_state) if origin else None,
        redis=None,
        sql_role=None,
    )


def test_from_views_takes_names_regions_origin_app_and_capacity() -> None:
    snap = EstateSnapshot.from_views(
        [
            _view("weu-1", "westeurope", capacity=3),
            _view("neu-1", "northeurope", capacity=4, enabled_state="Disabled"),
            _view("eus2-1", "eastus2", capacity=5, state="Stopped"),
        ],
        sql_primary="northeurope",
    )
    assert snap == EstateSnapshot(
        (
            StampSnapshot("weu-1", "westeurope", origin_enabled=True, app_running=True, instances=3),
            StampSnapshot("neu-1", "northeurope", origin_enabled=False, app_running=True, instances=4),
            StampSnapshot("eus2-1", "eastus2", origin_enabled=True, app_running=False, instances=5),
        ),
        sql_primary="northeurope",
    )
    assert snap.serving_regions == ("westeurope",)
    assert snap.serving_capacity == 3


def test_from_views_without_sql_has_no_primary() -> None:
    assert EstateSnapshot.from_views([_view("weu-1")]).sql_primary is None


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        pytest.param(_view("s", state="running"), {"app_running": True}, id="app-state-lowercase"),
        pytest.param(_view("s", state="RUNNING"), {"app_running": True}, id="app-state-uppercase"),
        pytest.param(_view("s", state=None), {"app_running": False}, id="app-state-null"),
        pytest.param(_view("s", enabled_state="enabled"), {"origin_enabled": True}, id="origin-lowercase"),
        pytest.param(_view("s", enabled_state=None), {"origin_enabled": False}, id="origin-state-null"),
        pytest.param(_view("s", capacity=None, workers=2), {"instances": 0}, id="capacity-null"),
        pytest.param(_view("s", capacity=7, workers=5), {"instances": 7}, id="capacity-not-workers"),
    ],
)
def test_from_views_maps_missing_and_odd_values(view: StampView, expected: dict[str, object]) -> None:
    stamp = EstateSnapshot.from_views([view]).stamp("s")
    assert {k: getattr(stamp, k) for k in expected} == expected


@pytest.mark.parametrize(
    "view",
    [
        pytest.param(_view("s", capacity=3, workers=3), id="workers-up"),
        pytest.param(_view("s", enabled_state="Disabled"), id="drained"),
        pytest.param(_view("s", state="Stopped"), id="stopped"),
    ],
)
def test_from_views_serving_agrees_with_the_stamp_view(view: StampView) -> None:
    assert EstateSnapshot.from_views([view]).stamp("s").serving is view.serving


def test_from_views_a_stamp_with_no_workers_does_not_serve() -> None:
    view = _view("s", capacity=3, workers=0)
    assert view.serving is False
    assert EstateSnapshot.from_views([view]).stamp("s").serving is False


@pytest.mark.parametrize(
    "view",
    [
        pytest.param(_view("s", plan=False), id="plan-unread"),
        pytest.param(_view("s", app=False), id="app-unread"),
        pytest.param(_view("s", origin=False), id="origin-unread"),
    ],
)
def test_from_views_refuses_a_stamp_whose_state_is_unknown(view: StampView) -> None:
    with pytest.raises(ValueError, match="stamp s: "):
        EstateSnapshot.from_views([view])


def test_snapshots_are_frozen() -> None:
    snap = _estate()
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.sql_primary = "eastus2"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.stamps[0].instances = 1  # type: ignore[misc]
