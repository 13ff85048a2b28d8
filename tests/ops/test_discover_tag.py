"""Stamps discovered with Azure Resource Graph (estate file `discover:`), on the simulator through the
real SDK: one paged query (several pages at a small `$top`) combined with the file's stamps, the file
winning on a name both claim; other estates' web apps left out; failures fail the command."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from mcctl.bootstrap import simulated_session
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.domain.estate import DiscoverSettings, Estate, Lifecycle
from mcctl.errors import AzureRequestError
from mcctl.ops.discovery import discover, graph_query, graph_subscriptions
from mcctl.sim.app import Sim
from mcctl.sim.generate import estate_data
from mcctl.sim.providers.web import plan_id, site_body, site_id
from mcctl.sim.runtime import open_simulator

GRAPH = "/providers/Microsoft.ResourceGraph/resources"


def _load(data: dict[str, Any]) -> tuple[Estate, EstateSource]:
    source = EstateSource("estate.yaml", yaml.safe_dump(data, sort_keys=False))
    return load_estate(source), source


def _demo_with(discover_section: Any) -> dict[str, Any]:
    data = yaml.safe_load(demo_source().text)
    data["discover"] = discover_section
    return data


def _tagged_app(sim: Sim, subscription: str, name: str, **tags: str) -> str:
    sid = site_id(subscription, f"rg-{name}", f"app-{name}")
    sim.store.put(site_body(sid, "northeurope", plan_id(subscription, f"rg-{name}", f"asp-{name}"), tags))
    return sid


def _graph_posts(sim: Sim, since: int = 0) -> list[str]:
    return [r.path for r in sim.requests[since:] if r.method == "POST" and r.path.lower() == GRAPH.lower()]


def _discover(estate: Estate, sim: Sim) -> Estate:
    """The estate as discovery finds it, through a session on `sim` closed afterwards."""
    session = simulated_session(estate, sim)
    try:
        return discover(session, estate)
    finally:
        session.close()


def test_discovery_by_tag_pages_and_combines_with_the_files_stamps() -> None:
    estate, source = _load(_demo_with({"tag": "mcctl-estate=prod", "page_size": 2}))
    sim, _ = open_simulator(estate, source.fingerprint, persist=False)
    sub = estate.subscription
    for n in range(1, 6):
        _tagged_app(sim, sub, f"new-{n}", **{"mcctl-estate": "prod", "mcctl-stamp": f"new-{n}"})
    _tagged_app(sim, sub, "claims-weu-1", **{"mcctl-estate": "prod", "mcctl-stamp": "weu-1"})  # the file wins
    _tagged_app(sim, sub, "theirs", **{"mcctl-estate": "staging", "mcctl-stamp": "theirs-1"})  # another estate
    _tagged_app(sim, sub, "untagged-stamp", **{"mcctl-estate": "prod"})  # no stamp tag: not a stamp
    weu2 = estate.stamp("weu-2")
    assert weu2 is not None  # a listed stamp's release tags apply without the estate's tag
    sim.store.resources[weu2.app_ref.id.lower()]["tags"] = {"mcctl-lifecycle": "retiring", "mcctl-color": "blue"}
    found = _discover(estate, sim)
    names = [s.name for s in found.stamps]
    assert names == ["weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2", *(f"new-{n}" for n in range(1, 6))]
    weu1, new1, weu2_now = found.stamp("weu-1"), found.stamp("new-1"), found.stamp("weu-2")
    assert weu1 is not None and weu1.web_app == "app-mc-weu-1" and not weu1.discovered
    assert new1 is not None and new1.discovered and new1.lifecycle is Lifecycle.CANDIDATE
    assert (new1.region, new1.resource_group, new1.app_service_plan, new1.origin) == (
        "northeurope", "rg-new-1", "asp-new-1", "origin-new-1",
    )  # fmt: skip
    assert new1.health_url == "https://app-new-1.azurewebsites.net/health/stamp"
    assert weu2_now is not None and (weu2_now.lifecycle, weu2_now.color) == (Lifecycle.RETIRING, "blue")
    # 7 rows (5 new, the claimant, weu-2) at 2 a page: 4 queries, and no per-subscription web app list.
    assert len(_graph_posts(sim)) == 4
    assert not any(r.path.lower().endswith("/microsoft.web/sites") for r in sim.requests)


def test_a_generated_estate_listing_half_its_stamps_finds_the_rest_as_the_file_would_say_them() -> None:
    full_data = estate_data("prod", 4, 3)
    full, full_source = _load(full_data)
    sim, _ = open_simulator(full, full_source.fingerprint, persist=False)  # every stamp's resources exist
    for stamp in full.stamps:
        tags = {"mcctl-estate": "prod", "stamp": stamp.name, "mcctl-lifecycle": "active"}
        sim.store.resources[stamp.app_ref.id.lower()]["tags"] = tags
    discover_section = {"tag": "mcctl-estate=prod", "stamp_tag": "stamp", "page_size": 5}
    listed = {**full_data, "stamps": full_data["stamps"][:6], "discover": discover_section}
    estate, _ = _load(listed)
    found = _discover(estate, sim)
    by_name = sorted((replace(s, discovered=False) for s in found.stamps), key=lambda s: s.name)
    assert by_name == sorted(full.stamps, key=lambda s: s.name)  # found as the file would have said them
    assert [s.discovered for s in found.stamps] == [False] * 6 + [True] * 6
    assert len(_graph_posts(sim)) == 3  # 12 rows, 5 a page


def test_a_file_with_only_discover_loads_with_no_stamps_and_finds_them(tmp_path: Path) -> None:
    full_data = estate_data("prod", 2, 2)
    full, full_source = _load(full_data)
    sim, _ = open_simulator(full, full_source.fingerprint, persist=False)
    for stamp in full.stamps:
        sim.store.resources[stamp.app_ref.id.lower()]["tags"] = {"mcctl-estate": "prod", "mcctl-stamp": stamp.name}
    only = {k: v for k, v in full_data.items() if k != "stamps"}
    estate, _ = _load({**only, "discover": "mcctl-estate=prod"})  # the shorthand
    assert estate.stamps == () and estate.discover == DiscoverSettings("mcctl-estate", "prod")
    found = _discover(estate, sim)
    assert sorted(s.name for s in found.stamps) == sorted(s.name for s in full.stamps)
    assert len(_graph_posts(sim)) == 1  # 1000 a page by default


def test_a_failing_query_fails_instead_of_acting_on_part_of_the_estate() -> None:
    estate, source = _load(_demo_with({"tag": "mcctl-estate=prod"}))
    sim, _ = open_simulator(estate, source.fingerprint, persist=False)
    sim.add_fault(
        {"kind": "error", "path": "Microsoft.ResourceGraph", "status": 403, "code": "Forbidden", "count": None}
    )
    session = simulated_session(estate, sim)
    try:
        with pytest.raises(Exception, match="Resource Graph") as info:
            discover(session, estate)
    finally:
        session.close()
    assert getattr(info.value, "exit_code", None) is not None  # an mcctl error, not a traceback


def test_without_discover_the_web_app_lists_are_used_and_no_graph_query_is_sent(session, sim, demo_estate) -> None:
    assert discover(session, demo_estate) is demo_estate
    assert _graph_posts(sim) == []


def test_the_query_and_its_scope() -> None:
    estate, _ = _load(_demo_with({"tag": "team env=prod eu", "stamp_tag": "stamp"}))
    assert estate.discover is not None
    text = graph_query(estate.discover)
    assert text.startswith("Resources\n| where type =~ 'microsoft.web/sites'\n")
    assert "(tags['team env'] =~ 'prod eu' and isnotempty(tags['stamp']))" in text
    assert "| project id, " in text  # `id` projected: the result pages
    assert graph_subscriptions(estate, estate.discover) == [estate.subscription]
    subs = ["22222222-2222-4222-8222-222222222222", "11111111-1111-4111-8111-111111111111"]
    pinned, _ = _load(_demo_with({"tag": "a=b", "subscriptions": subs}))
    # the listed ones, and always the file's stamps' own: their release tags come from this query too
    assert pinned.discover is not None
    assert graph_subscriptions(pinned, pinned.discover) == sorted([*subs, estate.subscription])


def test_a_tagged_name_differing_from_a_listed_stamps_only_in_case_is_the_listed_stamp() -> None:
    """ARM compares names without case (origin-WEU-1 is origin-weu-1): a web app tagged `WEU-1` must
    not become a second stamp whose retire would delete the listed weu-1's origin."""
    estate, source = _load(_demo_with({"tag": "mcctl-estate=prod"}))
    sim, _ = open_simulator(estate, source.fingerprint, persist=False)
    sub = estate.subscription
    _tagged_app(sim, sub, "upper", **{"MCCTL-ESTATE": "prod", "mcctl-stamp": "WEU-1"})
    _tagged_app(sim, sub, "dupe-a", **{"mcctl-estate": "prod", "MCCTL-STAMP": "neu-7"})  # tag names: no case
    _tagged_app(sim, sub, "dupe-b", **{"mcctl-estate": "prod", "mcctl-stamp": "NEU-7"})  # the first one wins
    planless = site_id(sub, "rg-planless", "app-planless")
    sim.store.put(site_body(planless, "northeurope", "", {"mcctl-estate": "prod", "mcctl-stamp": "neu-8"}))
    found = _discover(estate, sim)
    names = [s.name for s in found.stamps]
    assert names == ["weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2", "neu-7"]
    neu7 = found.stamp("neu-7")
    assert neu7 is not None and neu7.web_app == "app-dupe-a"


def test_a_query_error_is_an_azure_error() -> None:
    estate, source = _load(_demo_with({"tag": "mcctl-estate=prod"}))
    sim, _ = open_simulator(estate, source.fingerprint, persist=False)
    sim.add_fault({"kind": "error", "path": "Microsoft.ResourceGraph", "status": 500, "count": None})
    session = simulated_session(estate, sim)
    try:
        with pytest.raises(AzureRequestError):
            discover(session, estate)
    finally:
        session.close()
