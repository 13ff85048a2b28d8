"""Repeated slashes in a request path mean one, as on real ARM: `az resource show -g RG -n NAME
--resource-type Microsoft.Web/sites` sends `.../providers/Microsoft.Web//sites/NAME`. The query is
left as sent, links built from the path (nextLink, operation monitors) carry no `//`, and blob
names (where `a//b` is its own name) are not touched."""

from __future__ import annotations

from typing import Any

from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest, SimResponse

HOST = "https://management.sim.mcctl.invalid"
AUTH = {"Authorization": "Bearer t"}


def _get(sim: Sim, url: str) -> SimResponse:
    return sim.handle(SimRequest("GET", url if url.startswith("https://") else f"{HOST}{url}", AUTH))


def test_az_resource_show_with_a_resource_type_finds_the_site(sim: Sim, demo_estate: Estate) -> None:
    stamp = demo_estate.stamp("weu-1")
    assert stamp is not None
    url = (
        f"/subscriptions/{stamp.subscription}/resourceGroups/{stamp.resource_group}/providers/"
        f"Microsoft.Web//sites/{stamp.web_app}?api-version=2024-11-01"
    )

    response = _get(sim, url)

    assert response.status == 200, response.body
    assert response.body["name"] == stamp.web_app
    assert response.body["id"].lower() == stamp.app_ref.id.lower()


def test_the_query_keeps_its_slashes_and_the_path_loses_them() -> None:
    req = SimRequest("GET", f"{HOST}//subscriptions///s1/?api-version=1&next=https://x//y", AUTH)
    assert req.path == "/subscriptions/s1"
    assert req.param("next") == "https://x//y"


def test_next_links_of_a_list_sent_with_double_slashes_are_clean_and_followable(sim: Sim, demo_estate: Estate) -> None:
    sim.settings["page_size"] = 5  # a small page: the demo's resource groups then take several
    first = _get(sim, f"/subscriptions/{demo_estate.subscription}//resourcegroups?api-version=2024-11-01")
    assert first.status == 200, first.body
    items: list[Any] = list(first.body["value"])
    link = first.body["nextLink"]
    assert link and "//resourcegroups" not in link
    while link:
        assert link.split("://", 1)[1].count("//") == 0
        page = _get(sim, link)
        assert page.status == 200, page.body
        items += page.body["value"]
        link = page.body["nextLink"]
    assert len(items) == len({i["name"] for i in items}) > 5


def test_blob_names_keep_their_slashes() -> None:
    host_style = SimRequest("GET", "https://acct.blob.sim.mcctl.invalid/c/a//b", AUTH)
    path_style = SimRequest("GET", "https://127.0.0.1:8443/@blob/acct/c/a//b", AUTH)
    assert host_style.path == "/c/a//b"
    assert path_style.path == "/@blob/acct/c/a//b"
