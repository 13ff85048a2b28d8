"""The inventory reads each service in batches, never one GET per stamp per field."""

from __future__ import annotations

from collections import Counter

from mcctl.ops.inventory import read_inventory


def test_reads_are_batched_per_service(session, sim, demo_estate) -> None:
    inventory = read_inventory(session, demo_estate)
    assert inventory.errors == [] and len(inventory.views) == 6
    paths = Counter(r.path.lower() for r in sim.requests)
    sub = f"/subscriptions/{demo_estate.subscription}".lower()
    assert paths[f"{sub}/providers/microsoft.web/serverfarms"] == 1  # 6 plans: one page (ARM's: 100)
    assert paths[f"{sub}/providers/microsoft.web/sites"] == 1
    assert sum(n for p, n in paths.items() if p.endswith("/origins")) == 1
    assert not any("/serverfarms/" in p or "/sites/" in p or "/origins/" in p for p in paths)
    assert sum(n for p, n in paths.items() if "/failovergroups/" in p) == 1
    assert sum(n for p, n in paths.items() if p.endswith("/databases/default")) == 3  # one per Redis member
    assert len(sim.requests) == 7


def test_region_and_stamp_filters(session, demo_estate) -> None:
    assert [v.stamp.name for v in read_inventory(session, demo_estate, region="North Europe").views] == [
        "neu-1",
        "neu-2",
    ]
    assert [v.stamp.name for v in read_inventory(session, demo_estate, stamp_name="eus2-2").views] == ["eus2-2"]


def test_a_disabled_origin_or_stopped_app_is_not_serving(session, sim, demo_estate) -> None:
    origin_id = demo_estate.frontdoor.origin_id("origin-weu-1")
    with sim.store.transaction():
        sim.store.get(origin_id)["properties"]["enabledState"] = "Disabled"
        sim.store.get(demo_estate.stamps[2].app_ref.id)["properties"]["state"] = "Stopped"
    views = {v.stamp.name: v for v in read_inventory(session, demo_estate).views}
    assert views["weu-1"].serving is False and views["neu-1"].serving is False
    assert views["weu-2"].serving is True
    assert views["weu-1"].summary()["origin_enabled"] is False
