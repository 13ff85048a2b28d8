"""Stamps found by their tags (mcctl.ops.discovery.with_tagged_stamps, pure): a web app tagged
`mcctl-stamp` that the estate file does not list joins the estate; tags override a listed stamp's
lifecycle, generation and color; retired stamps leave `estate.stamps`."""

from __future__ import annotations

from mcctl.config.loader import demo_source, load_estate
from mcctl.domain.estate import Lifecycle
from mcctl.domain.observed import WebAppState
from mcctl.ops.discovery import with_tagged_stamps

SUB = "6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c"


def _app(rg: str, name: str, location: str = "West Europe", **tags: str) -> WebAppState:
    return WebAppState(
        id=f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Web/sites/{name}",
        name=name,
        location=location,
        state="Running",
        enabled=True,
        availability_state="Normal",
        default_host_name=f"{name}.azurewebsites.net",
        server_farm_id=f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Web/serverfarms/asp-{name}",
        tags=tuple(sorted(tags.items())),
    )


def test_untagged_apps_leave_the_estate_as_it_is() -> None:
    estate = load_estate(demo_source())
    assert with_tagged_stamps(estate, [_app("rg-x", "app-x"), _app("rg-mc-weu-1", "app-mc-weu-1")]) is estate


def test_a_tagged_app_the_file_does_not_list_is_a_candidate_stamp() -> None:
    estate = load_estate(demo_source())
    found = with_tagged_stamps(estate, [_app("rg-mc-weu-3", "app-mc-weu-3", **{"mcctl-stamp": "weu-3"})])
    stamp = found.stamp("weu-3")
    assert stamp is not None and stamp.discovered
    assert (stamp.region, stamp.resource_group, stamp.app_service_plan, stamp.web_app, stamp.origin) == (
        "westeurope", "rg-mc-weu-3", "asp-app-mc-weu-3", "app-mc-weu-3", "origin-weu-3",
    )  # fmt: skip
    assert stamp.lifecycle is Lifecycle.CANDIDATE
    assert stamp.health_url == "https://app-mc-weu-3.azurewebsites.net/health/stamp"  # the listed stamps' path
    assert [s.name for s in found.stamps][-1] == "weu-3" and len(found.stamps) == 7


def test_tags_override_a_listed_stamp_and_retired_ones_leave_the_stamps() -> None:
    estate = load_estate(demo_source())
    apps = [
        _app("rg-mc-weu-1", "app-mc-weu-1", **{"mcctl-stamp": "weu-1", "mcctl-lifecycle": "retired"}),
        _app("rg-mc-weu-2", "app-mc-weu-2", **{"mcctl-lifecycle": "retiring", "mcctl-color": "blue"}),
    ]
    found = with_tagged_stamps(estate, apps)
    assert found.stamp("weu-1") is None and found.retired_stamp("weu-1") is not None
    weu2 = found.stamp("weu-2")
    assert weu2 is not None and (weu2.lifecycle, weu2.color) == (Lifecycle.RETIRING, "blue")


def test_bad_or_taken_names_and_unknown_lifecycles_are_ignored() -> None:
    estate = load_estate(demo_source())
    apps = [
        _app("rg-a", "app-a", **{"mcctl-stamp": "weu-1"}),  # another app claiming a listed stamp's name
        _app("rg-b", "app-b", **{"mcctl-stamp": "bad name!"}),
        _app("rg-c", "app-c", **{"mcctl-stamp": "c-1", "mcctl-lifecycle": "bogus"}),
        _app("rg-d", "app-d", **{"mcctl-stamp": "c-1"}),  # the same name twice: the first (by id) wins
    ]
    found = with_tagged_stamps(estate, apps)
    weu1 = found.stamp("weu-1")
    assert weu1 is not None and weu1.web_app == "app-mc-weu-1"
    c1 = found.stamp("c-1")
    assert c1 is not None and c1.web_app == "app-c" and c1.lifecycle is Lifecycle.CANDIDATE
    assert [s.name for s in found.stamps].count("c-1") == 1 and len(found.stamps) == 7


def test_the_first_inventory_read_takes_the_web_apps_discovery_listed(session, sim, demo_estate) -> None:
    from mcctl.ops.discovery import discover
    from mcctl.ops.inventory import read_inventory

    sim.settings["page_size"] = 10  # the demo's 6 web apps: a list is one request

    def lists() -> int:  # the web apps lists sent to ARM
        return sum(1 for r in sim.requests if r.method == "GET" and r.path.lower().endswith("/microsoft.web/sites"))

    estate = discover(session, demo_estate)
    assert lists() == 1
    assert len(read_inventory(session, estate).views) == 6 and lists() == 1  # taken, not read again
    read_inventory(session, estate)
    assert lists() == 2  # once only: a later read (after a change) asks ARM

    discover(session, demo_estate)
    session.sleep(60)  # kept reads go stale on the session clock
    read_inventory(session, estate)
    assert lists() == 4
