"""Reads that do not grow with the stamp count: the inventory of a generated estate of 6, 240 and
600 stamps asks ARM the same lists (more pages only as the lists grow), never one GET per stamp;
`stamps list`'s health adds a fixed handful of reads beside one probe per stamp."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mcctl.adapters.clients import AzureSession
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import EstateSource, load_estate
from mcctl.domain.estate import Estate
from mcctl.ops.health import survey
from mcctl.ops.inventory import read_inventory
from mcctl.sim.app import Sim
from mcctl.sim.generate import estate_data, estate_yaml
from mcctl.sim.runtime import open_simulator

PAGE = 100  # items per page, set explicitly: the counts below are about batching, not the default size


def kind(path: str) -> str:
    """What an ARM request read, by the shape of its path (resource names left out)."""
    path = path.lower()
    if not path.startswith("/subscriptions/"):
        return "probe"  # a stamp's health endpoint (a web request, host-style)
    for suffix, name in (
        ("/providers/microsoft.web/serverfarms", "plans list"),
        ("/providers/microsoft.web/sites", "web apps list"),
        ("/origins", "origins list"),
        ("/databases/default", "redis database"),
    ):
        if path.endswith(suffix):
            return name
    if "/failovergroups/" in path:
        return "failover group"
    if "/providers/microsoft.insights/" in path:
        return "edge health metrics"
    if "/origingroups/" in path:
        return "origin group"
    if "/microsoft.sql/servers/" in path:
        return "sql server"
    return path  # anything else is named in full, so a new per-stamp read shows in the failure


def generated(
    tmp_path: Path, regions: int, per_region: int, text: str | None = None
) -> tuple[Estate, Sim, AzureSession]:
    text = text or estate_yaml("scale", regions, per_region)
    path = tmp_path / "scale.yaml"
    path.write_text(text, encoding="utf-8")
    source = EstateSource(str(path), text)
    estate = load_estate(source)
    sim, _ = open_simulator(estate, source.fingerprint, persist=False)
    sim.settings["page_size"] = PAGE
    return estate, sim, simulated_session(estate, sim)


@pytest.fixture
def sessions() -> Iterator[list[AzureSession]]:
    opened: list[AzureSession] = []
    yield opened
    for session in opened:
        session.close()


@pytest.mark.parametrize(("regions", "per_region"), [(3, 2), (12, 20), (12, 50)])
def test_inventory_requests_do_not_grow_with_stamps(tmp_path: Path, sessions, regions: int, per_region: int) -> None:
    estate, sim, session = generated(tmp_path, regions, per_region)
    sessions.append(session)
    stamps = regions * per_region
    assert len(estate.stamps) == stamps

    inventory = read_inventory(session, estate)

    assert inventory.errors == [] and len(inventory.views) == stamps
    assert all(r.status == 200 for r in sim.requests)
    pages = math.ceil(stamps / PAGE)  # one subscription, one origin group: one paged list each
    assert Counter(kind(r.path) for r in sim.requests) == {
        "plans list": pages,
        "web apps list": pages,
        "origins list": pages,
        "failover group": 1,
        "redis database": min(regions, 5),  # one per geo-replicated member (Azure: at most 5)
    }


def test_stamps_list_at_240_stamps_reads_a_fixed_handful_beside_one_probe_per_stamp(tmp_path: Path, sessions) -> None:
    estate, sim, session = generated(tmp_path, 12, 20)
    sessions.append(session)

    found = survey(session, estate, operations=[])

    assert found.health is not None and found.inventory.errors == [] and found.health.errors == []
    assert {s.status for s in found.health.stamps.values()} == {"healthy"}
    counts = Counter(kind(r.path) for r in sim.requests)
    assert counts.pop("probe") == 240
    assert counts == {
        "plans list": 3,
        "web apps list": 3,
        "origins list": 3,
        "failover group": 1,
        "redis database": 5,
        "sql server": 3,  # each region's server answers (the built-in `sql` dependency)
        "origin group": 1,  # Front Door's probes' view of the origins (the `edge` signal)...
        "edge health metrics": 1,  # ...from one metrics query for the whole origin group
    }
    assert sum(counts.values()) <= 20  # the bound at 240 stamps


def test_no_health_reads_only_the_inventory(tmp_path: Path, sessions) -> None:
    estate, sim, session = generated(tmp_path, 3, 2)
    sessions.append(session)

    found = survey(session, estate, health=False)

    assert found.health is None and len(found.inventory.views) == 6
    assert {kind(r.path) for r in sim.requests} == {
        "plans list", "web apps list", "origins list", "failover group", "redis database",
    }  # fmt: skip


def test_lists_are_per_subscription_not_per_stamp(tmp_path: Path, sessions) -> None:
    """240 stamps whose regions are spread over 3 subscriptions: each subscription's plans and
    web apps are listed once (80 stamps each: one page), the origins once for the profile."""
    data = estate_data("scale", 12, 20)
    subscriptions = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"mcctl-test/{i}")) for i in range(3)]
    regions = list(dict.fromkeys(stamp["region"] for stamp in data["stamps"]))
    for stamp in data["stamps"]:
        stamp["subscription"] = subscriptions[regions.index(stamp["region"]) % 3]
    estate, sim, session = generated(tmp_path, 12, 20, yaml.safe_dump(data, sort_keys=False))
    sessions.append(session)

    inventory = read_inventory(session, estate)

    assert inventory.errors == [] and len(inventory.views) == 240
    lists = Counter(r.path.lower() for r in sim.requests if kind(r.path) in ("plans list", "web apps list"))
    assert lists == {
        f"/subscriptions/{sub}/providers/microsoft.web/{what}": 1
        for sub in subscriptions
        for what in ("serverfarms", "sites")
    }
    assert Counter(kind(r.path) for r in sim.requests)["origins list"] == 3
