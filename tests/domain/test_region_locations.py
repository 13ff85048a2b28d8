"""`check_location`: a region against a subscription's locations (a custom cloud without `regions:`)."""

from __future__ import annotations

from mcctl.domain.regions import LISTED_AT_MOST, check_location


def test_a_listed_region_is_fine_in_either_spelling() -> None:
    assert check_location("eastus2", ["eastus2", "westeurope"]) is None
    assert check_location("East US 2", ["eastus2"]) is None
    assert check_location("local", ["Local"]) is None


def test_an_unknown_region_names_the_locations_and_the_closest() -> None:
    problem = check_location("eastsu2", ["westeurope", "eastus2"])
    assert problem == (
        "unknown region 'eastsu2' (not in the subscription's locations: eastus2, westeurope; did you mean 'eastus2'?)"
    )
    assert check_location("mars", ["local"]) == "unknown region 'mars' (not in the subscription's locations: local)"


def test_a_long_list_is_cut_with_its_count() -> None:
    names = [f"region{i:02d}" for i in range(40)]
    problem = check_location("regoin07", names)
    assert problem is not None and "... (40 in all)" in problem and "did you mean 'region07'?" in problem
    assert problem.count(",") == LISTED_AT_MOST
