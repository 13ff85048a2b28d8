"""`--subscription` (repro 10): it replaces the estate's default subscription for every resource whose
entry names none of its own; explicit per-resource subscriptions are kept; a non-GUID is refused."""

from __future__ import annotations

import pytest
import yaml

from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.errors import UsageError

DEFAULT = "6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c"  # the demo's
DR = "22222222-2222-4222-8222-222222222222"
PINNED = "33333333-3333-4333-8333-333333333333"


def _with_pinned_resources() -> EstateSource:
    data = yaml.safe_load(demo_source().text)
    data["stamps"][0]["subscription"] = PINNED
    data["sql"]["servers"]["westeurope"] = {"name": "sql-mc-weu", "subscription": PINNED}
    data["redis"]["members"]["eastus2"] = {"name": "amr-mc-eus2", "subscription": PINNED}
    data["frontdoor"]["subscription"] = PINNED
    return EstateSource("pinned.yaml", yaml.safe_dump(data))


def test_without_the_option_the_file_decides() -> None:
    estate = load_estate(demo_source())
    assert estate.subscription == DEFAULT
    assert {s.subscription for s in estate.stamps} == {DEFAULT}


def test_the_override_applies_to_every_resource_without_its_own_subscription() -> None:
    estate = load_estate(demo_source(), subscription=DR)
    assert estate.subscription == DR
    assert {s.subscription for s in estate.stamps} == {DR}
    assert all(
        f"/subscriptions/{DR}/" in s.plan_ref.id and f"/subscriptions/{DR}/" in s.app_ref.id for s in estate.stamps
    )
    assert estate.frontdoor.subscription == DR
    assert estate.sql is not None and {s.ref.subscription for s in estate.sql.servers} == {DR}
    assert estate.redis is not None and {m.ref.subscription for m in estate.redis.members} == {DR}


def test_explicit_per_resource_subscriptions_are_kept() -> None:
    estate = load_estate(_with_pinned_resources(), subscription=DR)
    assert estate.stamps[0].subscription == PINNED
    assert {s.subscription for s in estate.stamps[1:]} == {DR}
    assert estate.frontdoor.subscription == PINNED
    assert estate.sql is not None
    assert {s.region: s.ref.subscription for s in estate.sql.servers} == {
        "westeurope": PINNED,
        "northeurope": DR,
        "eastus2": DR,
    }
    assert estate.redis is not None
    assert {m.region: m.ref.subscription for m in estate.redis.members}["eastus2"] == PINNED


@pytest.mark.parametrize("bad", ["not-a-guid", "", "2222222-2222-4222-8222-222222222222", f"{DR}/x", f" {DR}"])
def test_a_non_guid_override_is_refused_naming_the_option(bad) -> None:
    with pytest.raises(UsageError) as info:
        load_estate(demo_source(), subscription=bad)
    assert info.value.message.startswith("--subscription:") and "\n" not in info.value.message
