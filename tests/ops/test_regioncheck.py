"""`ops.regioncheck`: the subscription's locations, read once per estate subscription, against the
regions the estate names (custom clouds without `regions:`), with the simulator in process."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mcctl.adapters.subscriptions import list_locations
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import EstateSource, demo_source
from mcctl.domain.estate import Cloud
from mcctl.errors import EstateFileError, ResourceMissingError
from mcctl.ops.regioncheck import check_regions, needs_location_check, region_fields

CUSTOM = Cloud(name="custom", arm_endpoint="https://management.local.azurestack.external")


def test_the_simulator_answers_the_documented_shape(session, demo_estate) -> None:
    locations = list_locations(session, demo_estate.subscription)
    names = [loc.name for loc in locations]
    assert {"westeurope", "northeurope", "eastus2"} <= set(names) and len(names) == len(set(names))
    assert next(loc for loc in locations if loc.name == "eastus2").display_name == "East US 2"


def test_a_subscription_the_simulator_does_not_hold_is_not_found(session) -> None:
    with pytest.raises(ResourceMissingError, match="SubscriptionNotFound"):
        list_locations(session, "0b7c7a0e-1111-4a4a-9b9b-2c2c2c2c2c2c")


def test_fields_name_every_region_the_estate_file_names(demo_estate) -> None:
    paths = [path for path, _, _ in region_fields(demo_estate)]
    assert paths[:6] == [f"stamps[{i}].region" for i in range(6)]
    assert "sql.servers.eastus2" in paths and "redis.members.northeurope" in paths


def test_only_a_custom_cloud_without_regions_is_checked(demo_estate, tmp_path: Path) -> None:
    assert not needs_location_check(demo_estate, demo_source())
    custom = replace(demo_estate, cloud=CUSTOM)
    assert needs_location_check(custom, demo_source())
    with_regions = EstateSource(str(tmp_path / "e.yaml"), demo_source().text + "\nregions: [westeurope]\n")
    assert not needs_location_check(custom, with_regions)


def test_each_subscription_is_asked_once_and_typos_are_listed(demo_estate, sim) -> None:
    other = "0b7c7a0e-1111-4a4a-9b9b-2c2c2c2c2c2c"  # held by no simulated resource: unreadable (404)
    stamps = list(demo_estate.stamps)
    stamps[1] = replace(stamps[1], region="westeruope")
    stamps[3] = replace(stamps[3], subscription=other, region="nowhere")
    estate = replace(demo_estate, cloud=CUSTOM, stamps=tuple(stamps))
    session = simulated_session(estate, sim)
    warnings: list[str] = []
    with pytest.raises(EstateFileError) as info:
        check_regions(session, estate, warn=warnings.append)
    (problem,) = info.value.problems  # the other subscription's locations were not found: not checked
    assert problem.startswith("stamps[1].region: unknown region 'westeruope' (not in the subscription's locations: ")
    assert "did you mean 'westeurope'?" in info.value.problems[0]
    calls = [r.path.lower() for r in sim.requests if r.path.lower().endswith("/locations")]
    assert sorted(calls) == sorted(
        {f"/subscriptions/{demo_estate.subscription}/locations", f"/subscriptions/{other}/locations"}
    )
    session.close()


def test_unreadable_locations_only_warn(demo_estate, sim) -> None:
    estate = replace(demo_estate, cloud=CUSTOM)
    sim.add_fault({"kind": "error", "status": 403, "path": "/locations", "count": None})
    session = simulated_session(estate, sim)
    warnings: list[str] = []
    check_regions(session, estate, warn=warnings.append)
    assert len(warnings) == 1 and warnings[0].startswith("region names could not be checked")
    session.close()
