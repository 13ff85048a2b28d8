"""Verdict tables for Redis geo-replication links (pure domain, no SDK)."""

from __future__ import annotations

import dataclasses

import pytest

from mcctl.domain.estate import RedisGeoReplication, RedisMember, ResourceRef
from mcctl.domain.observed import (
    LinkedDatabase,
    RedisCacheState,
    RedisDatabaseState,
    RedisLinkedServer,
)
from mcctl.domain.redislinks import LinkView, cache_link_verdicts, region_link_verdicts

SUB = "00000000-0000-0000-0000-000000000001"
REGIONS = ("westeurope", "northeurope", "eastus2")
NAMES = {"westeurope": "weu", "northeurope": "neu", "eastus2": "eus2"}


def _redis(kind: str) -> RedisGeoReplication:
    provider = "Microsoft.Cache/redisEnterprise" if kind == "managed" else "Microsoft.Cache/redis"
    members = tuple(RedisMember(r, ResourceRef(SUB, "rg", provider, NAMES[r])) for r in REGIONS)
    return RedisGeoReplication(kind, members, group_nickname="geo" if kind == "managed" else None)


MANAGED = _redis("managed")
CACHE = _redis("cache")


def _db_id(region: str) -> str:
    return MANAGED.member_in(region).database_id("default")


def _db(region: str, views: dict[str, str | None]) -> RedisDatabaseState:
    """`region`'s database listing each region in `views` with that state."""
    return RedisDatabaseState(
        id=_db_id(region),
        name=f"{NAMES[region]}/default",
        cluster=NAMES[region],
        provisioning_state="Succeeded",
        resource_state="Running",
        group_nickname="geo",
        linked_databases=tuple(LinkedDatabase(_db_id(r), s) for r, s in views.items()),
    )


def _all_linked() -> dict[str, RedisDatabaseState | None]:
    return {r: _db(r, dict.fromkeys(REGIONS, "Linked")) for r in REGIONS}


def _with(dbs: dict, viewer: str, target: str, state: str | None, *, drop: bool = False) -> dict:
    views = {_region_of(e.id): e.state for e in dbs[viewer].linked_databases}
    if drop:
        views.pop(target)
    else:
        views[target] = state
    return {**dbs, viewer: _db(viewer, views)}


def _region_of(database_id: str) -> str:
    return next(r for r in REGIONS if _db_id(r) == database_id)


def _summary(verdicts: dict) -> dict[str, tuple[str, str]]:
    return {r: (v.verdict, v.reason) for r, v in verdicts.items()}


# -- managed -----------------------------------------------------------------------------------------
def test_every_view_linked_is_linked() -> None:
    verdicts = region_link_verdicts(MANAGED, _all_linked())
    assert {r: v.verdict for r, v in verdicts.items()} == dict.fromkeys(REGIONS, "linked")
    assert verdicts["eastus2"].views == tuple(LinkView(r, "Linked") for r in REGIONS)


@pytest.mark.parametrize(
    ("viewer", "state", "verdict", "reason"),
    [
        ("westeurope", "LinkFailed", "broken", "LinkFailed as seen from westeurope"),
        ("northeurope", "UnlinkFailed", "broken", "UnlinkFailed as seen from northeurope"),
        ("westeurope", "Linking", "degraded", "Linking as seen from westeurope"),
        ("northeurope", "Unlinking", "degraded", "Unlinking as seen from northeurope"),
        ("westeurope", "Relinking", "degraded", "Relinking as seen from westeurope"),
        ("eastus2", "LinkFailed", "broken", "LinkFailed in its own view"),
        ("westeurope", "linked", "linked", "linked as seen from westeurope, northeurope, eastus2"),
        ("westeurope", None, "degraded", "no state reported as seen from westeurope"),
    ],
)
def test_one_view_of_eastus2_decides(viewer: str, state: str | None, verdict: str, reason: str) -> None:
    verdicts = region_link_verdicts(MANAGED, _with(_all_linked(), viewer, "eastus2", state))
    assert _summary(verdicts)["eastus2"] == (verdict, reason)
    assert verdicts["westeurope"].verdict == "linked"
    assert verdicts["northeurope"].verdict == "linked"


def test_unknown_state_is_kept_as_sent() -> None:
    verdicts = region_link_verdicts(MANAGED, _with(_all_linked(), "westeurope", "northeurope", "Relinking"))
    assert LinkView("westeurope", "Relinking") in verdicts["northeurope"].views


def test_missing_from_a_members_list_is_broken() -> None:
    verdicts = region_link_verdicts(MANAGED, _with(_all_linked(), "northeurope", "eastus2", None, drop=True))
    assert _summary(verdicts)["eastus2"] == ("broken", "not listed by northeurope")
    assert LinkView("northeurope", None) in verdicts["eastus2"].views


def test_missing_from_its_own_list_is_broken() -> None:
    verdicts = region_link_verdicts(MANAGED, _with(_all_linked(), "eastus2", "eastus2", None, drop=True))
    assert _summary(verdicts)["eastus2"] == ("broken", "missing from its own list")


def test_broken_outranks_degraded() -> None:
    dbs = _with(_with(_all_linked(), "westeurope", "eastus2", "Linking"), "northeurope", "eastus2", "LinkFailed")
    assert _summary(region_link_verdicts(MANAGED, dbs))["eastus2"] == ("broken", "LinkFailed as seen from northeurope")


def test_unreadable_member_is_broken_and_leaves_others_unconfirmed() -> None:
    verdicts = region_link_verdicts(MANAGED, {**_all_linked(), "eastus2": None})
    assert _summary(verdicts) == {
        "westeurope": ("degraded", "not confirmed: eastus2 could not be read"),
        "northeurope": ("degraded", "not confirmed: eastus2 could not be read"),
        "eastus2": ("broken", "eastus2 could not be read"),
    }
    assert LinkView("eastus2", None, readable=False) in verdicts["westeurope"].views


def test_member_absent_from_the_mapping_counts_as_unreadable() -> None:
    dbs = _all_linked()
    del dbs["northeurope"]
    assert region_link_verdicts(MANAGED, dbs)["northeurope"].verdict == "broken"


def test_unlinked_member_is_broken_and_does_not_count_against_the_group() -> None:
    dbs = {
        "westeurope": _db("westeurope", {"westeurope": "Linked", "northeurope": "Linked"}),
        "northeurope": _db("northeurope", {"westeurope": "Linked", "northeurope": "Linked"}),
        "eastus2": _db("eastus2", {"eastus2": "Linked"}),
    }
    verdicts = region_link_verdicts(MANAGED, dbs)
    assert verdicts["westeurope"].verdict == "linked"
    assert verdicts["northeurope"].verdict == "linked"
    assert [v.seen_from for v in verdicts["westeurope"].views] == ["westeurope", "northeurope"]
    assert verdicts["eastus2"].verdict == "broken"
    assert verdicts["eastus2"].reason.startswith("not linked to any other member")


def test_ids_and_states_compare_case_insensitively() -> None:
    dbs = _all_linked()
    shouting = tuple(LinkedDatabase(e.id.upper(), "LINKED") for e in dbs["westeurope"].linked_databases)
    dbs["westeurope"] = dataclasses.replace(dbs["westeurope"], linked_databases=shouting)
    assert {v.verdict for v in region_link_verdicts(MANAGED, dbs).values()} == {"linked"}


# -- cache -------------------------------------------------------------------------------------------
def _cache_id(region: str) -> str:
    return CACHE.member_in(region).ref.id


def _server(holder: str, other: str, role: str, state: str | None = "Succeeded") -> RedisLinkedServer:
    return RedisLinkedServer(
        id=f"{_cache_id(holder)}/linkedServers/{NAMES[other]}",
        name=NAMES[other],
        linked_cache_id=_cache_id(other),
        linked_cache_location=other,
        server_role=role,
        provisioning_state=state,
    )


def _cache(region: str, *servers: RedisLinkedServer) -> RedisCacheState:
    return RedisCacheState(_cache_id(region), NAMES[region], region, "Succeeded", tuple(servers))


def _caches(primary_states: dict[str, str | None] | None = None, secondary_states: dict[str, str | None] | None = None):
    """westeurope primary of northeurope and eastus2; states default to Succeeded; a None state drops the link."""
    primary_states = {"northeurope": "Succeeded", "eastus2": "Succeeded", **(primary_states or {})}
    secondary_states = {"northeurope": "Succeeded", "eastus2": "Succeeded", **(secondary_states or {})}
    held = [_server("westeurope", r, "Secondary", s) for r, s in primary_states.items() if s is not None]
    return {
        "westeurope": _cache("westeurope", *held),
        **{
            r: _cache(r, *([_server(r, "westeurope", "Primary", s)] if s is not None else []))
            for r, s in secondary_states.items()
        },
    }


def test_cache_all_linked_with_roles() -> None:
    verdicts = cache_link_verdicts(CACHE, _caches())
    assert {r: (v.verdict, v.role) for r, v in verdicts.items()} == {
        "westeurope": ("linked", "Primary"),
        "northeurope": ("linked", "Secondary"),
        "eastus2": ("linked", "Secondary"),
    }
    assert verdicts["eastus2"].views == (LinkView("westeurope", "Succeeded"), LinkView("eastus2", "Succeeded"))


@pytest.mark.parametrize(
    ("primary_state", "secondary_state", "verdict", "reason"),
    [
        ("Creating", "Creating", "degraded", "Creating as seen from westeurope"),
        ("Succeeded", "Deleting", "degraded", "Deleting in its own view"),
        ("Failed", "Succeeded", "broken", "Failed as seen from westeurope"),
        (None, "Succeeded", "broken", "not listed by westeurope"),
        ("Succeeded", "Syncing", "degraded", "Syncing in its own view"),
    ],
)
def test_cache_secondary_link_states(primary_state, secondary_state, verdict: str, reason: str) -> None:
    caches = _caches({"eastus2": primary_state}, {"eastus2": secondary_state})
    assert _summary(cache_link_verdicts(CACHE, caches))["eastus2"] == (verdict, reason)


def test_cache_unlinked_secondary_is_broken_and_primary_stays_linked() -> None:
    verdicts = cache_link_verdicts(CACHE, _caches({"eastus2": None}, {"eastus2": None}))
    assert verdicts["eastus2"].verdict == "broken"
    assert verdicts["eastus2"].reason.startswith("not linked to the primary")
    assert _summary(verdicts)["westeurope"] == ("linked", "linked as seen from northeurope")


def test_cache_failed_view_of_primary_breaks_primary() -> None:
    verdicts = cache_link_verdicts(CACHE, _caches(secondary_states={"northeurope": "Failed"}))
    assert _summary(verdicts)["westeurope"] == ("broken", "Failed as seen from northeurope")


def test_cache_without_any_link_is_broken_everywhere() -> None:
    caches = {r: _cache(r) for r in REGIONS}
    assert _summary(cache_link_verdicts(CACHE, caches)) == dict.fromkeys(
        REGIONS, ("broken", "no geo-replication link found")
    )


def test_cache_conflicting_primaries_are_broken() -> None:
    caches = {
        "westeurope": _cache("westeurope", _server("westeurope", "northeurope", "Secondary")),
        "northeurope": _cache("northeurope", _server("northeurope", "eastus2", "Secondary")),
        "eastus2": _cache("eastus2"),
    }
    verdicts = cache_link_verdicts(CACHE, caches)
    assert {v.verdict for v in verdicts.values()} == {"broken"}
    assert verdicts["eastus2"].reason == "conflicting primaries: westeurope, northeurope"


def test_cache_unreadable_primary() -> None:
    verdicts = cache_link_verdicts(CACHE, {**_caches(), "westeurope": None})
    assert _summary(verdicts) == {
        "westeurope": ("broken", "westeurope could not be read"),
        "northeurope": ("degraded", "not confirmed: westeurope could not be read"),
        "eastus2": ("degraded", "not confirmed: westeurope could not be read"),
    }
