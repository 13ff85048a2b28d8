"""Contract: Resource Graph's spec examples through the real azure-mgmt-resourcegraph client and
mcctl's adapter (request shape, objectArray and table rows, $skipToken paging in `options`), and the
quota headers: a page that leaves no quota makes the next page wait for the reset."""

from __future__ import annotations

import json

import pytest

from mcctl.adapters import resourcegraph
from mcctl.errors import AzureRequestError
from tests.replay import Canned, ReplayTransport, example, from_example, replay_session

SUB = "cfbbd179-59d2-4052-aa06-9270a38aa9d6"  # the examples' subscription


def _sent(transport: ReplayTransport, index: int) -> dict:
    return json.loads(transport.requests[index][2])


def test_an_object_array_answer_from_the_spec_example_gives_its_rows(demo_estate) -> None:
    ex = example("resourcegraph/ResourcesBasicQuery.json")
    transport = ReplayTransport([from_example(ex, "POST", "/providers/Microsoft.ResourceGraph/resources")])
    query = ex["parameters"]["query"]["query"]
    result = resourcegraph.query(replay_session(demo_estate, transport), query, [SUB], page_size=50)
    assert list(result.rows) == ex["responses"]["200"]["body"]["data"]
    assert (result.total_records, result.pages, result.quota_waits) == (3, 1, 0.0)
    method, url, _ = transport.requests[0]
    assert method == "POST" and "/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01" in url
    assert _sent(transport, 0) == {
        "subscriptions": [SUB],
        "query": query,
        "options": {"$top": 50, "resultFormat": "objectArray", "allowPartialScopes": False},
    }


def test_pages_follow_skip_token_in_options_and_table_rows_become_objects(demo_estate) -> None:
    first = example("resourcegraph/ResourcesFirstPageQuery.json")
    following = example("resourcegraph/ResourcesNextPageQuery.json")
    last = dict(following["responses"]["200"]["body"])
    token = last.pop("$skipToken")  # the last page: the same answer, with no token after it
    url = "/providers/Microsoft.ResourceGraph/resources"
    transport = ReplayTransport(
        [
            Canned("POST", url, 200, first["responses"]["200"]["body"], once=True),
            Canned("POST", url, 200, following["responses"]["200"]["body"], once=True),
            Canned("POST", url, 200, last, once=True),
        ]
    )
    result = resourcegraph.query(replay_session(demo_estate, transport), "Resources | project id, name", [SUB])
    assert result.pages == 3 and len(result.rows) == 9
    assert result.rows[0]["name"] == "yetanothertest_OsDisk_1_f396cbcb625a457bb69fe2abf5975820"
    assert set(result.rows[0]) == {"id", "name", "type", "location"}
    # The 2021-03-01 model carries the token in `options` (the old example put it at the root).
    assert "$skipToken" not in _sent(transport, 0)["options"]
    assert _sent(transport, 1)["options"]["$skipToken"] == first["responses"]["200"]["body"]["$skipToken"]
    assert _sent(transport, 2)["options"]["$skipToken"] == token
    assert all("$skipToken" not in _sent(transport, i) for i in range(3))
    assert _sent(transport, 0)["options"]["$top"] == resourcegraph.MAX_PAGE


URL = "/providers/Microsoft.ResourceGraph/resources"


def _two_pages(demo_estate, remaining: str, resets_after: str) -> tuple[resourcegraph.GraphResult, list[float]]:
    """A query answered in two pages, the first with these quota headers; (result, what was slept)."""
    body = dict(example("resourcegraph/ResourcesBasicQuery.json")["responses"]["200"]["body"])
    quota = {"x-ms-user-quota-remaining": remaining, "x-ms-user-quota-resets-after": resets_after}
    transport = ReplayTransport(
        [Canned("POST", URL, 200, {**body, "$skipToken": "t1"}, quota, once=True), Canned("POST", URL, 200, body)]
    )
    session = replay_session(demo_estate, transport)
    slept: list[float] = []
    session.sleep = slept.append  # the session clock (simulated time against the simulator)
    return resourcegraph.query(session, "Resources | project id", [SUB]), slept


def test_an_exhausted_quota_makes_the_next_page_wait_for_the_reset(demo_estate) -> None:
    result, slept = _two_pages(demo_estate, "0", "00:00:04")
    assert (result.pages, result.quota_waits, slept) == (2, 4.0, [4.0])
    assert len(result.rows) == 6


def test_quota_left_means_no_wait(demo_estate) -> None:
    result, slept = _two_pages(demo_estate, "3", "00:00:04")
    assert result.pages == 2 and slept == []


def test_a_quota_reset_far_off_is_waited_for_at_most_a_minute(demo_estate) -> None:
    result, slept = _two_pages(demo_estate, "0", "01:00:00")
    assert result.pages == 2 and slept == [resourcegraph.MAX_QUOTA_WAIT] == [60.0]


def test_a_truncated_answer_without_a_token_is_an_error_not_part_of_the_rows(demo_estate) -> None:
    body = {**example("resourcegraph/ResourcesBasicQuery.json")["responses"]["200"]["body"], "totalRecords": 40}
    body["resultTruncated"] = "true"
    transport = ReplayTransport([Canned("POST", "/providers/Microsoft.ResourceGraph/resources", 200, body)])
    with pytest.raises(AzureRequestError, match="truncated at 3 of 40 rows"):
        resourcegraph.query(replay_session(demo_estate, transport), "Resources | limit 3", [SUB])


def test_a_server_handing_back_the_same_token_is_an_error_not_an_endless_loop(demo_estate) -> None:
    body = dict(example("resourcegraph/ResourcesBasicQuery.json")["responses"]["200"]["body"])
    transport = ReplayTransport([Canned("POST", URL, 200, {**body, "$skipToken": "same"})])
    with pytest.raises(AzureRequestError, match="page 2 gave the same \\$skipToken again after 6 of 3 rows"):
        resourcegraph.query(replay_session(demo_estate, transport), "Resources | project id", [SUB])
    empty = ReplayTransport([Canned("POST", URL, 200, {**body, "data": [], "$skipToken": "t1"})])
    with pytest.raises(AzureRequestError, match="page 1 gave no rows but a \\$skipToken"):
        resourcegraph.query(replay_session(demo_estate, empty), "Resources | project id", [SUB])


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:05", 5.0), ("01:02:03", 3723.0), ("1.00:00:01", 86401.0), ("00:00:00.5", 0.5), ("5s", None), (None, None)],
)
def test_resets_after_is_a_timespan(text: str | None, seconds: float | None) -> None:
    assert resourcegraph.parse_timespan(text) == seconds


def test_quota_headers_are_read_case_insensitively() -> None:
    quota = resourcegraph.quota_of({"X-Ms-User-Quota-Remaining": "0", "X-MS-USER-QUOTA-RESETS-AFTER": "00:00:02"})
    assert (quota.remaining, quota.resets_after, quota.exhausted) == (0, 2.0, True)
    assert not resourcegraph.quota_of({"x-ms-user-quota-remaining": "many"}).exhausted
