"""The simulated Resource Graph (`POST /providers/Microsoft.ResourceGraph/resources`): the spec
examples' answer shape, the KQL subset mcctl sends, subscription scoping, `$top`/`$skipToken`
paging, refusals (400), and the per-caller quota headers and 429."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcctl.adapters import resourcegraph
from mcctl.adapters.clients import AzureSession
from mcctl.domain.estate import Estate
from mcctl.errors import AzureRequestError
from mcctl.sim.app import Sim
from mcctl.sim.http import SimRequest, SimResponse
from mcctl.sim.providers.resourcegraph import ResourceGraphProvider, parse_query
from tests.replay import example

URL = "https://management.sim.mcctl.invalid/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01"
AUTH = {"Authorization": "Bearer t"}
SITES = "Resources | where type =~ 'Microsoft.Web/sites' | project id, name, type, location, tags"


def _post(sim: Sim, body: dict[str, Any]) -> SimResponse:
    return sim.handle(SimRequest("POST", URL, AUTH, json.dumps(body).encode()))


def _provider(sim: Sim) -> ResourceGraphProvider:
    return next(p for p in sim.providers if isinstance(p, ResourceGraphProvider))


def test_the_answer_has_the_spec_examples_shape(sim: Sim, demo_estate: Estate) -> None:
    spec = example("resourcegraph/ResourcesBasicQuery.json")["responses"]["200"]["body"]
    answer = _post(sim, {"subscriptions": [demo_estate.subscription], "query": SITES})
    assert answer.status == 200
    assert set(spec) <= set(answer.body)
    assert answer.body["resultTruncated"] == "false" and answer.body["facets"] == []
    assert answer.body["totalRecords"] == answer.body["count"] == len(demo_estate.stamps)
    row = answer.body["data"][0]
    assert set(row) == set(spec["data"][0])
    assert row["type"] == "microsoft.web/sites"  # lower-cased, as Resource Graph returns types
    assert row["location"] == "eastus2"  # the short name ("East US 2" in the web app's own body)
    assert [r["id"] for r in answer.body["data"]] == sorted(s.app_ref.id for s in demo_estate.stamps)


def test_pages_by_top_and_skip_token_until_no_token(sim: Sim, demo_estate: Estate) -> None:
    request = {"subscriptions": [demo_estate.subscription], "query": SITES, "options": {"$top": 4}}
    first = _post(sim, request)
    assert (first.body["count"], first.body["totalRecords"], first.body["resultTruncated"]) == (4, 6, "false")
    token = first.body["$skipToken"]
    second = _post(sim, {**request, "options": {"$top": 4, "$skipToken": token}})
    assert second.body["count"] == 2 and "$skipToken" not in second.body
    ids = [r["id"] for r in first.body["data"] + second.body["data"]]
    assert len(set(ids)) == 6
    other = _post(sim, {**request, "query": SITES + " | order by name asc", "options": {"$skipToken": token}})
    assert other.status == 400  # a token is for the query that issued it


def test_without_id_or_with_take_the_result_is_truncated_not_paged(sim: Sim, demo_estate: Estate) -> None:
    for query in ("Resources | where type =~ 'microsoft.web/sites' | project name", SITES + " | take 5"):
        answer = _post(sim, {"query": query, "options": {"$top": 2}})
        assert (answer.body["count"], answer.body["resultTruncated"]) == (2, "true")
        assert "$skipToken" not in answer.body


def test_subscriptions_scope_the_rows(sim: Sim, demo_estate: Estate) -> None:
    other = "11111111-1111-4111-8111-111111111111"
    assert _post(sim, {"subscriptions": [other], "query": SITES}).body["data"] == []
    everything = _post(sim, {"query": "Resources | project id"}).body
    assert everything["totalRecords"] > len(demo_estate.stamps)  # plans, profiles, servers, ...


def test_tag_filters_projections_and_table_format(sim: Sim, demo_estate: Estate) -> None:
    site = sim.store.resources[demo_estate.stamps[1].app_ref.id.lower()]
    site["tags"] = {"mcctl-estate": "Demo", "mcctl-stamp": "weu-2"}
    query = (
        "Resources\n| where type =~ 'microsoft.web/sites'\n"
        "| where tags['mcctl-estate'] =~ 'demo' and isnotempty(tags['mcctl-stamp'])\n"
        "| project id, farm = tostring(properties.serverFarmId), properties.defaultHostName"
    )
    rows = _post(sim, {"query": query}).body["data"]
    assert rows == [
        {
            "id": site["id"],
            "farm": site["properties"]["serverFarmId"],
            "properties_defaultHostName": site["properties"]["defaultHostName"],
        }
    ]
    table = _post(sim, {"query": query, "options": {"resultFormat": "table"}}).body["data"]
    assert [c["name"] for c in table["columns"]] == ["id", "farm", "properties_defaultHostName"]
    assert table["rows"] == [list(rows[0].values())]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"query": "Resources | summarize count() by type"}, 400),
        ({"query": "ResourceContainers | project id"}, 400),
        ({"query": "Resources | where"}, 400),
        ({"query": SITES, "options": {"$top": 1001}}, 400),
        ({"query": SITES, "options": {"$skipToken": "not-a-token"}}, 400),
        ({"query": SITES, "managementGroups": ["mg"]}, 400),
        ({"options": {}}, 400),
        ({"query": "Resources | where name == 'a' and and | project id"}, 400),
        ({"query": "Resources | where 1 < 'a' | project id"}, 400),
        ({"query": "Resources | where " + "(" * 3000 + "true" + ")" * 3000 + " | project id"}, 400),
    ],
)
def test_what_is_outside_the_subset_is_refused_with_400(sim: Sim, body: dict[str, Any], status: int) -> None:
    answer = _post(sim, body)
    assert answer.status == status and answer.body["error"]["code"] == "BadRequest"
    assert "x-ms-user-quota-remaining" in answer.headers  # a refused query used its quota too


def test_every_answer_carries_the_quota_and_over_quota_is_429_with_retry_after(sim: Sim) -> None:
    _provider(sim).quota = 2
    answers = [_post(sim, {"query": "Resources | project id"}) for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert [a.headers["x-ms-user-quota-remaining"] for a in answers] == ["1", "0", "0"]
    assert answers[2].headers["x-ms-user-quota-resets-after"] == "00:00:05"
    assert answers[2].headers["Retry-After"] == "5"
    sim.advance(5)
    assert _post(sim, {"query": "Resources | project id"}).status == 200  # a new window


def test_the_adapter_waits_for_the_quota_reset_instead_of_being_throttled(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    _provider(sim).quota = 2
    before = sim.now()
    result = resourcegraph.query(session, SITES, [demo_estate.subscription], page_size=1)
    assert len(result.rows) == 6 and result.pages == 6
    assert all(r.status == 200 for r in sim.requests)  # never throttled
    assert result.quota_waits >= 10 and sim.now() - before >= 10  # two waits of the 5 s window


def test_a_throttled_query_is_retried_after_retry_after(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    sim.add_fault({"kind": "throttle", "path": "Microsoft.ResourceGraph", "retry_after": 3, "count": 1})
    result = resourcegraph.query(session, SITES, [demo_estate.subscription])
    assert [r.status for r in sim.requests] == [429, 200]
    assert len(result.rows) == 6


def test_a_refused_query_is_one_error_line(session: AzureSession, demo_estate: Estate) -> None:
    with pytest.raises(AzureRequestError, match="Resource Graph.*HTTP 400 BadRequest: Query is invalid"):
        resourcegraph.query(session, "Resources | summarize count()", [demo_estate.subscription])


def test_comparisons_of_the_subset() -> None:
    rows = [
        {"id": "a", "n": 1, "tags": {"k": "Blue"}, "s": "west-europe"},
        {"id": "b", "n": 2, "tags": {}, "s": "north"},
        {"id": "c", "n": 3, "tags": {"k": "green"}, "s": None},
    ]

    def ids(where: str) -> list[str]:
        return [r["id"] for r in parse_query(f"Resources | where {where} | project id").run(rows)]

    assert ids("tags['k'] =~ 'blue'") == ["a"]
    assert ids("tags['k'] == 'blue'") == []
    assert ids("tags['k'] !~ 'blue'") == ["b", "c"]
    assert ids("isempty(tags['k']) or n >= 3") == ["b", "c"]
    assert ids("not(isempty(tags['k'])) and n < 3") == ["a"]
    assert ids("s contains 'EUROPE'") == ["a"]
    assert ids("s !contains 'europe'") == ["b", "c"]
    assert ids("s has 'west'") == ["a"]
    assert ids("id in~ ('A', 'c')") == ["a", "c"]
    assert ids("id !in ('a')") == ["b", "c"]
    assert [r["id"] for r in parse_query("Resources | order by n desc | project id").run(rows)] == ["c", "b", "a"]
