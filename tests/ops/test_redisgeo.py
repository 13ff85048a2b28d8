"""Redis geo-replication use cases on the in-memory simulator: status, unlink / relink plans and steps."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest

from mcctl.adapters import redis as adapter
from mcctl.adapters.clients import AzureSession
from mcctl.adapters.lro import WaitOptions
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import EstateSource, load_estate
from mcctl.domain.estate import Estate
from mcctl.domain.plan import Plan
from mcctl.domain.redisgeo import RelinkRequest, UnlinkRequest, plan_relink, plan_unlink
from mcctl.errors import ResourceMissingError, UsageError, WaitTimeout
from mcctl.ops import redisgeo
from mcctl.ops.steps import executor
from mcctl.sim.app import Sim
from mcctl.sim.providers.cache import has_data
from mcctl.sim.runtime import open_simulator

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REGIONS = ("westeurope", "northeurope", "eastus2")
WAIT = WaitOptions()


def _db_id(estate: Estate, region: str) -> str:
    return estate.redis.member_in(region).database_id("default")


def _stored_links(sim: Sim, estate: Estate, region: str) -> dict[str, str]:
    """cluster name → stored state in `region`'s own list (what the simulator keeps, not a view)."""
    db = sim.store.require(_db_id(estate, region))
    return {e["id"].split("/")[-3]: e["state"] for e in db["properties"]["geoReplication"]["linkedDatabases"]}


def _set_stored_state(sim: Sim, estate: Estate, viewer: str, target: str, state: str) -> None:
    with sim.store.transaction():
        db = sim.store.require(_db_id(estate, viewer))
        for entry in db["properties"]["geoReplication"]["linkedDatabases"]:
            if entry["id"].lower() == _db_id(estate, target).lower():
                entry["state"] = state
        sim.store.put(db)


def _apply(session: AzureSession, estate: Estate, plan, options: WaitOptions = WAIT) -> None:
    (step,) = plan.steps
    executor(step).apply(session, estate, step, options)


def _unlink(session: AzureSession, estate: Estate, region: str, serving: tuple[str, ...] = ()) -> Plan:
    request = UnlinkRequest(region)
    return plan_unlink(estate, redisgeo.observe_unlink(session, estate, request, serving), request)


def _relink(session: AzureSession, estate: Estate, region: str, with_regions: list[str] | tuple[str, ...] = ()) -> Plan:
    request = RelinkRequest(region, tuple(with_regions))
    return plan_relink(estate, redisgeo.observe_relink(session, estate, request), request)


def _link(session: AzureSession, estate: Estate, region: str) -> str:
    return redisgeo.link_state(estate.redis, redisgeo._read_databases(session, estate.redis), region)


# -- status ------------------------------------------------------------------------------------------
def test_status_all_linked_with_every_members_view(session: AzureSession, demo_estate: Estate) -> None:
    status = redisgeo.read_status(session, demo_estate)
    assert status.errors == [] and status.worst() == "linked"
    entries = status.entries()
    assert [e["region"] for e in entries] == list(REGIONS)
    neu = entries[1]
    assert (neu["cluster"], neu["database"], neu["group_nickname"]) == ("amr-mc-neu", "default", "mc-demo-geo")
    assert (neu["provisioning_state"], neu["resource_state"]) == ("Succeeded", "Running")
    assert [(v["seen_from"], v["state"]) for v in neu["views"]] == [(r, "Linked") for r in REGIONS]
    assert [(d["region"], d["cluster"], d["state"]) for d in neu["linked_databases"]] == [
        ("westeurope", "amr-mc-weu", "Linked"),
        ("northeurope", "amr-mc-neu", "Linked"),
        ("eastus2", "amr-mc-eus2", "Linked"),
    ]
    assert neu["other_databases"] == [] and neu["problems"] == [] and neu["error"] is None


def test_status_lists_every_database_of_the_cluster(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    other = copy.deepcopy(sim.store.require(_db_id(demo_estate, "westeurope")))
    with sim.store.transaction():
        sim.store.put({**other, "id": other["id"].replace("/default", "/x"), "name": "amr-mc-weu/x"})
    entry = redisgeo.read_status(session, demo_estate).entries(["westeurope"])[0]
    assert [d["name"] for d in entry["other_databases"]] == ["amr-mc-weu/x"]


def test_status_one_link_failed_in_an_outage(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    sim.set_outage("eastus2", True)
    status = redisgeo.read_status(session, demo_estate)
    eus2 = status.entries(["eastus2"])[0]
    assert eus2["verdict"] == "broken" and eus2["reason"] == "LinkFailed as seen from westeurope"
    assert [v["state"] for v in eus2["views"]] == ["LinkFailed", "LinkFailed", "Linked"]
    assert status.worst() == "broken" and status.worst(["westeurope", "northeurope"]) == "linked"


def test_status_keeps_readable_members_when_one_is_missing(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    member = demo_estate.redis.member_in("northeurope")
    with sim.store.transaction():
        sim.store.delete(member.database_id("default"))
        sim.store.delete(member.ref.id)
    status = redisgeo.read_status(session, demo_estate)
    assert len(status.errors) == 1 and isinstance(status.errors[0], ResourceMissingError)
    assert "amr-mc-neu" in status.errors[0].message
    entries = {e["region"]: e for e in status.entries()}
    assert entries["northeurope"]["verdict"] == "broken" and "amr-mc-neu" in entries["northeurope"]["error"]
    assert entries["westeurope"]["verdict"] == "degraded"  # not confirmed by the member that could not be read
    assert entries["westeurope"]["provisioning_state"] == "Succeeded"


def test_status_names_a_missing_database(session: AzureSession, demo_estate: Estate) -> None:
    estate = dataclasses.replace(demo_estate, redis=dataclasses.replace(demo_estate.redis, database="nope"))
    status = redisgeo.read_status(session, estate)
    assert len(status.errors) == 3
    assert "Redis cluster amr-mc-weu (westeurope) has no database 'nope' (its databases: default)" in (
        status.errors[0].message
    )


def test_status_of_the_cache_kind() -> None:
    path = FIXTURES / "estate-cache.yaml"
    estate = load_estate(EstateSource(str(path), path.read_text(encoding="utf-8")))
    simulator, _ = open_simulator(estate, "cache", persist=False)
    session = simulated_session(estate, simulator)
    try:
        entries = {e["region"]: e for e in redisgeo.read_status(session, estate).entries()}
        assert {r: (e["role"], e["verdict"]) for r, e in entries.items()} == {
            "westeurope": ("Primary", "linked"),
            "northeurope": ("Secondary", "linked"),
            "eastus2": ("Secondary", "linked"),
        }
        assert [
            (s["name"], s["region"], s["role"], s["location"]) for s in entries["westeurope"]["linked_servers"]
        ] == [
            ("redis-mc-neu", "northeurope", "Secondary", "North Europe"),
            ("redis-mc-eus2", "eastus2", "Secondary", "East US 2"),
        ]
        with pytest.raises(UsageError, match="works on Azure Managed Redis"):
            _unlink(session, estate, "eastus2")
    finally:
        session.close()


# -- link_state (what the steps read back) -------------------------------------------------------------
def test_link_state_values(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    assert _link(session, demo_estate, "eastus2") == "linked"
    _set_stored_state(sim, demo_estate, "westeurope", "eastus2", "Linking")
    assert _link(session, demo_estate, "eastus2") == "degraded"
    sim.set_outage("eastus2", True)
    assert _link(session, demo_estate, "eastus2") == "broken"
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    assert _link(session, demo_estate, "eastus2") == "unlinked"


# -- unlink ------------------------------------------------------------------------------------------
def test_unlink_plan_explains_the_consequence(session: AzureSession, demo_estate: Estate) -> None:
    plan = _unlink(session, demo_estate, "East US 2", ("eus2-1",))
    (step,) = plan.steps
    assert (plan.kind, plan.data_loss, plan.confirm_name) == ("redis_unlink", True, "amr-mc-eus2")
    assert (step.kind, step.before, step.after, step.params) == (
        "redis_unlink",
        {"link": "linked"},
        {"link": "unlinked"},
        {"region": "eastus2"},
    )
    notes = " ".join(plan.notes)
    assert "westeurope, northeurope stop replicating" in notes
    assert "`mcctl redis relink eastus2`, which flushes it (all its data is discarded)" in notes
    assert "eastus2 still serves traffic (eus2-1)" in notes


def test_unlink_applies_on_every_surviving_member(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    plan = _unlink(session, demo_estate, "eastus2")
    start = sim.now()
    _apply(session, demo_estate, plan)
    assert sim.now() - start >= 30
    assert _stored_links(sim, demo_estate, "westeurope") == {"amr-mc-weu": "Linked", "amr-mc-neu": "Linked"}
    assert _stored_links(sim, demo_estate, "northeurope") == {"amr-mc-weu": "Linked", "amr-mc-neu": "Linked"}
    assert _stored_links(sim, demo_estate, "eastus2") == {"amr-mc-eus2": "Linked"}
    assert executor(plan.steps[0]).read(session, demo_estate, plan.steps[0]) == {"link": "unlinked"}
    assert _unlink(session, demo_estate, "eastus2").empty  # nothing left to do


def test_unlink_tolerates_an_unreadable_target(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    sim.add_fault({"kind": "error", "method": "GET", "path": "/amr-mc-eus2/databases/default", "count": None})
    plan = _unlink(session, demo_estate, "eastus2")
    assert plan.steps[0].before == {"link": "broken"}
    assert "eastus2's own database could not be read" in " ".join(plan.notes)
    _apply(session, demo_estate, plan)
    sim.clear_faults()
    assert "amr-mc-eus2" not in _stored_links(sim, demo_estate, "westeurope")


def test_unlink_bad_region(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    with pytest.raises(UsageError, match=r"REGION: no Redis member in 'japaneast' \(members: westeurope"):
        _unlink(session, demo_estate, "japaneast")
    assert sim.requests == []


# -- relink ------------------------------------------------------------------------------------------
def test_relink_flushes_then_links(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    plan = _relink(session, demo_estate, "eastus2")
    (step,) = plan.steps
    assert (plan.data_loss, plan.confirm_name, step.before, step.after) == (
        True,
        "amr-mc-eus2",
        {"link": "unlinked"},
        {"link": "linked"},
    )
    assert step.params == {"region": "eastus2", "group": ["westeurope", "northeurope"]}
    assert "ALL DATA in amr-mc-eus2/default is discarded" in plan.notes[0]
    start = sim.now()
    _apply(session, demo_estate, plan)
    assert sim.now() - start >= 70  # 10 s flush, then 60 s link
    kinds = [op["kind"] for op in sim.store.data["operations"].values()]
    assert kinds[-2:] == ["redis.database.flush", "redis.database.forceLink"]
    assert _link(session, demo_estate, "eastus2") == "linked"
    assert _stored_links(sim, demo_estate, "eastus2") == {
        c: "Linked" for c in ("amr-mc-eus2", "amr-mc-weu", "amr-mc-neu")
    }
    assert has_data(sim, _db_id(demo_estate, "eastus2"))  # filled from the group again


def test_relink_of_a_linked_region_is_nothing_to_do(session: AzureSession, demo_estate: Estate) -> None:
    assert _relink(session, demo_estate, "eastus2").empty


def test_relink_of_a_region_still_in_the_group_is_refused(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    sim.set_outage("eastus2", True)
    with pytest.raises(UsageError) as err:
        _relink(session, demo_estate, "eastus2")
    assert "eastus2 is still in group mc-demo-geo (broken: LinkFailed as seen from westeurope)" in err.value.message
    assert err.value.hint == "unlink it first: mcctl redis unlink eastus2"


def test_relink_while_linking_says_wait(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    adapter.flush_database(session, demo_estate.redis, "eastus2", WAIT)
    adapter.force_link(session, demo_estate.redis, "eastus2", WaitOptions(wait=False))
    with pytest.raises(UsageError, match="eastus2 is being linked to group mc-demo-geo"):
        _relink(session, demo_estate, "eastus2")


def test_relink_of_a_database_that_still_lists_the_group_is_refused(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    # unlinked while it was unreachable: the others dropped it, its own list still names them
    with sim.store.transaction():
        for region in ("westeurope", "northeurope"):
            db = sim.store.require(_db_id(demo_estate, region))
            links = db["properties"]["geoReplication"]["linkedDatabases"]
            db["properties"]["geoReplication"]["linkedDatabases"] = [e for e in links if "amr-mc-eus2" not in e["id"]]
            sim.store.put(db)
    with pytest.raises(UsageError) as err:
        _relink(session, demo_estate, "eastus2")
    assert "still lists amr-mc-weu, amr-mc-neu as linked although no member lists it" in err.value.message
    assert "delete and recreate" in err.value.hint


def test_relink_links_to_the_members_in_the_group_only(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    redis = demo_estate.redis
    adapter.force_unlink(session, redis, "eastus2", WAIT)
    adapter.force_unlink(session, redis, "northeurope", WAIT)
    # westeurope (the survivor) and eastus2 (unlinked) both list only themselves: the operator says which
    with pytest.raises(UsageError) as err:
        _relink(session, demo_estate, "northeurope")
    assert "mcctl cannot tell which one is the group" in err.value.message
    assert err.value.hint == "name the surviving member(s): mcctl redis relink northeurope --with REGION"
    plan = _relink(session, demo_estate, "northeurope", ["West Europe"])
    assert plan.steps[0].params["group"] == ["westeurope"]
    _apply(session, demo_estate, plan)
    assert _stored_links(sim, demo_estate, "northeurope") == {"amr-mc-neu": "Linked", "amr-mc-weu": "Linked"}
    assert _stored_links(sim, demo_estate, "eastus2") == {"amr-mc-eus2": "Linked"}  # left alone
    assert _link(session, demo_estate, "northeurope") == "linked"
    _apply(session, demo_estate, _relink(session, demo_estate, "eastus2"))
    assert {_link(session, demo_estate, r) for r in REGIONS} == {"linked"}


@pytest.mark.parametrize(
    ("with_regions", "message"),
    [
        (["eastus2"], "--with: eastus2 is the region being relinked"),
        (["japaneast"], "--with: no Redis member in 'japaneast'"),
        (["westeurope"], "--with: westeurope is linked with northeurope too; name its whole group"),
    ],
)
def test_relink_with_bad_choices(session: AzureSession, demo_estate: Estate, with_regions, message) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    with pytest.raises(UsageError, match=message):
        _relink(session, demo_estate, "eastus2", with_regions)


def test_relink_with_the_whole_group_named(session: AzureSession, demo_estate: Estate) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    plan = _relink(session, demo_estate, "eastus2", ["northeurope", "westeurope"])
    assert plan.steps[0].params["group"] == ["westeurope", "northeurope"]


def test_relink_with_no_group_left_is_refused(session: AzureSession, demo_estate: Estate) -> None:
    for region in ("eastus2", "northeurope"):
        adapter.force_unlink(session, demo_estate.redis, region, WAIT)
    # westeurope now lists itself only: no member is left in the group
    with pytest.raises(UsageError, match="no other member of group mc-demo-geo lists another member"):
        _relink(session, demo_estate, "eastus2")


def test_relink_step_never_flushes_a_database_back_in_the_group(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    plan = _relink(session, demo_estate, "eastus2")
    _apply(session, demo_estate, plan)
    flushes = sum(op["kind"] == "redis.database.flush" for op in sim.store.data["operations"].values())
    with pytest.raises(UsageError, match="not flushing a database that is in the group"):
        _apply(session, demo_estate, plan)
    assert sum(op["kind"] == "redis.database.flush" for op in sim.store.data["operations"].values()) == flushes


def test_relink_timeout_covers_flush_and_link(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    plan = _relink(session, demo_estate, "eastus2")
    with pytest.raises(WaitTimeout):
        _apply(session, demo_estate, plan, WaitOptions(timeout=40))
    assert _link(session, demo_estate, "eastus2") == "degraded"  # Linking: it goes on in "Azure"
    sim.advance(60)
    assert _link(session, demo_estate, "eastus2") == "linked"


def test_relink_no_wait_still_waits_for_the_flush(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
    plan = _relink(session, demo_estate, "eastus2")
    start = sim.now()
    _apply(session, demo_estate, plan, WaitOptions(wait=False))
    assert 10 <= sim.now() - start < 60
    assert _stored_links(sim, demo_estate, "eastus2")["amr-mc-weu"] == "Linking"


# -- rollback is refused -----------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "command"), [("redis_unlink", "relink"), ("redis_relink", "unlink")])
def test_inverted_steps_are_refused(session: AzureSession, sim: Sim, demo_estate: Estate, kind, command) -> None:
    if kind == "redis_unlink":
        step = _unlink(session, demo_estate, "eastus2").steps[0]
    else:
        adapter.force_unlink(session, demo_estate.redis, "eastus2", WAIT)
        step = _relink(session, demo_estate, "eastus2").steps[0]
    inverse = step.inverse()
    calls = len(sim.requests)
    for run in (
        lambda: executor(inverse).read(session, demo_estate, inverse),
        lambda: executor(inverse).apply(session, demo_estate, inverse, WAIT),
    ):
        with pytest.raises(UsageError) as err:
            run()
        assert "is not supported" in err.value.message and err.value.hint == f"mcctl redis {command} eastus2"
    assert len(sim.requests) == calls  # refused before any Azure call
