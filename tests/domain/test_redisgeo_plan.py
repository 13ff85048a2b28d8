"""Redis unlink / relink planning on hand-built database views (pure domain: no simulator, no session)."""

from __future__ import annotations

import dataclasses

import pytest

from mcctl.domain.estate import Cloud, Estate, FrontDoor, RedisGeoReplication, RedisMember, ResourceRef
from mcctl.domain.observed import LinkedDatabase, RedisDatabaseState
from mcctl.domain.redisgeo import (
    RedisObserved,
    RelinkRequest,
    UnlinkRequest,
    link_state,
    plan_relink,
    plan_unlink,
)
from mcctl.errors import UsageError

SUB = "00000000-0000-0000-0000-000000000001"
REGIONS = ("westeurope", "northeurope", "eastus2")
CLUSTERS = {"westeurope": "amr-weu", "northeurope": "amr-neu", "eastus2": "amr-eus2"}
REDIS = RedisGeoReplication(
    "managed",
    tuple(
        RedisMember(r, ResourceRef(SUB, "rg-redis", "Microsoft.Cache/redisEnterprise", c)) for r, c in CLUSTERS.items()
    ),
    group_nickname="geo",
)
ESTATE = Estate(
    name="demo",
    subscription=SUB,
    cloud=Cloud(),
    credential="default",
    frontdoor=FrontDoor(SUB, "rg-afd", "afd", "og", "demo.azurefd.net"),
    sql=None,
    redis=REDIS,
    stamps=(),
)


def _db_id(region: str) -> str:
    return REDIS.member_in(region).database_id("default")


def _db(region: str, views: dict[str, str]) -> RedisDatabaseState:
    """`region`'s database listing each region in `views` with that state (its own entry included)."""
    return RedisDatabaseState(
        id=_db_id(region),
        name=f"{CLUSTERS[region]}/default",
        cluster=CLUSTERS[region],
        provisioning_state="Succeeded",
        resource_state="Running",
        group_nickname="geo",
        linked_databases=tuple(LinkedDatabase(_db_id(r), state) for r, state in views.items()),
    )


def _linked(*regions: str) -> dict[str, RedisDatabaseState | None]:
    """Every member's database; `regions` list each other as Linked, the others stand alone."""
    return {r: _db(r, dict.fromkeys(regions, "Linked") if r in regions else {r: "Linked"}) for r in REGIONS}


ALL_LINKED = _linked(*REGIONS)
EUS2_UNLINKED = _linked("westeurope", "northeurope")


# -- unlink ------------------------------------------------------------------------------------------
def test_unlink_of_a_linked_region_is_one_data_loss_step() -> None:
    plan = plan_unlink(ESTATE, RedisObserved(ALL_LINKED, ("eus2-1",)), UnlinkRequest("East US 2"))
    (step,) = plan.steps
    assert (plan.kind, plan.data_loss, plan.confirm_name) == ("redis_unlink", True, "amr-eus2")
    assert plan.summary == "force-unlink eastus2 (amr-eus2/default) from Redis group geo"
    assert (step.kind, step.resource_id, step.before, step.after, step.params) == (
        "redis_unlink",
        _db_id("eastus2"),
        {"link": "linked"},
        {"link": "unlinked"},
        {"region": "eastus2"},
    )
    assert step.expected_seconds == 30
    assert plan.notes[0] == "now: linked (linked as seen from westeurope, northeurope, eastus2)"
    assert plan.notes[1].startswith("westeurope, northeurope stop replicating to and from eastus2")
    assert "eastus2 still serves traffic (eus2-1)" in plan.notes[-1]


def test_unlink_of_an_unlinked_region_is_an_empty_plan() -> None:
    plan = plan_unlink(ESTATE, RedisObserved(EUS2_UNLINKED), UnlinkRequest("eastus2"))
    assert plan.empty and plan.summary.endswith(": already unlinked")


def test_unlink_of_an_unreadable_region_says_so() -> None:
    plan = plan_unlink(ESTATE, RedisObserved({**ALL_LINKED, "eastus2": None}), UnlinkRequest("eastus2"))
    assert plan.steps[0].before == {"link": "broken"}
    assert "eastus2's own database could not be read" in " ".join(plan.notes)
    assert not any("still serves traffic" in note for note in plan.notes)


def test_unlink_refuses_an_unknown_region_and_the_cache_kind() -> None:
    with pytest.raises(UsageError, match=r"REGION: no Redis member in 'japaneast' \(members: westeurope"):
        plan_unlink(ESTATE, RedisObserved(ALL_LINKED), UnlinkRequest("japaneast"))
    cache = dataclasses.replace(ESTATE, redis=dataclasses.replace(REDIS, kind="cache"))
    with pytest.raises(UsageError, match="works on Azure Managed Redis"):
        UnlinkRequest("eastus2").validate(cache)


# -- relink ------------------------------------------------------------------------------------------
def test_relink_of_an_unlinked_region_flushes_and_links_to_the_group() -> None:
    plan = plan_relink(ESTATE, RedisObserved(EUS2_UNLINKED), RelinkRequest("eastus2"))
    (step,) = plan.steps
    assert (plan.kind, plan.data_loss, plan.confirm_name) == ("redis_relink", True, "amr-eus2")
    assert (step.kind, step.before, step.after, step.params) == (
        "redis_relink",
        {"link": "unlinked"},
        {"link": "linked"},
        {"region": "eastus2", "group": ["westeurope", "northeurope"]},
    )
    assert step.expected_seconds == 70  # flush, then link
    assert plan.notes[0].startswith("ALL DATA in amr-eus2/default is discarded")
    assert plan.notes[-1] == "rollback is not available: `mcctl redis unlink eastus2` reverses this"


def test_relink_of_a_linked_region_is_an_empty_plan() -> None:
    plan = plan_relink(ESTATE, RedisObserved(ALL_LINKED), RelinkRequest("eastus2"))
    assert plan.empty and plan.summary.endswith(": already linked")


def test_relink_when_no_member_lists_another_needs_with() -> None:
    alone = _linked()  # every member lists only itself: survivor and unlinked look the same
    with pytest.raises(UsageError) as err:
        plan_relink(ESTATE, RedisObserved(alone), RelinkRequest("eastus2"))
    assert "mcctl cannot tell which one is the group" in err.value.message
    assert err.value.hint == "name the surviving member(s): mcctl redis relink eastus2 --with REGION"
    plan = plan_relink(ESTATE, RedisObserved(alone), RelinkRequest("eastus2", ("West Europe",)))
    assert plan.steps[0].params["group"] == ["westeurope"]


def test_relink_with_a_partial_group_is_refused() -> None:
    with pytest.raises(UsageError, match="--with: westeurope is linked with northeurope too; name its whole group"):
        plan_relink(ESTATE, RedisObserved(EUS2_UNLINKED), RelinkRequest("eastus2", ("westeurope",)))
    plan = plan_relink(ESTATE, RedisObserved(EUS2_UNLINKED), RelinkRequest("eastus2", ("northeurope", "westeurope")))
    assert plan.steps[0].params["group"] == ["westeurope", "northeurope"]  # in estate order


def test_relink_of_a_region_still_in_the_group_is_refused() -> None:
    failed = {
        **ALL_LINKED,
        "westeurope": _db("westeurope", {**dict.fromkeys(REGIONS, "Linked"), "eastus2": "LinkFailed"}),
    }
    with pytest.raises(UsageError) as err:
        plan_relink(ESTATE, RedisObserved(failed), RelinkRequest("eastus2"))
    assert "eastus2 is still in group geo (broken: LinkFailed as seen from westeurope)" in err.value.message
    assert err.value.hint == "unlink it first: mcctl redis unlink eastus2"
    linking = {
        **ALL_LINKED,
        "westeurope": _db("westeurope", {**dict.fromkeys(REGIONS, "Linked"), "eastus2": "Linking"}),
    }
    with pytest.raises(UsageError, match="eastus2 is being linked to group geo"):
        plan_relink(ESTATE, RedisObserved(linking), RelinkRequest("eastus2"))


def test_link_state_reads_unlinked_when_no_other_member_lists_the_region() -> None:
    assert link_state(REDIS, ALL_LINKED, "eastus2") == "linked"
    assert link_state(REDIS, EUS2_UNLINKED, "eastus2") == "unlinked"
    # its own list still names the group, but no other member lists it: unlinked all the same
    stale = {**EUS2_UNLINKED, "eastus2": _db("eastus2", dict.fromkeys(REGIONS, "Linked"))}
    assert link_state(REDIS, stale, "eastus2") == "unlinked"
    with pytest.raises(UsageError, match="still lists amr-weu, amr-neu as linked although no member lists it"):
        plan_relink(ESTATE, RedisObserved(stale), RelinkRequest("eastus2"))
