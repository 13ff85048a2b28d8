"""Azure Resource Graph: one query across many subscriptions, via azure-mgmt-resourcegraph.

`POST /providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01` (tenant level, no
subscription in the path). The SDK has no pager for it: a result larger than a page comes back with
`$skipToken`, and the same query is sent again with `options.$skipToken` until none is returned
(docs: "paging results"; the query must project `id` for stable pages).

Resource Graph has its own quota, per user: every answer says how many queries are left in the
window (`x-ms-user-quota-remaining`) and when it resets (`x-ms-user-quota-resets-after`, hh:mm:ss).
At 0, the next page waits for the reset (on the session clock: simulated time against the
simulator) instead of being throttled; a 429 that happens anyway carries Retry-After, which
azure-core's RetryPolicy honours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcctl.adapters.errors import azure_errors
from mcctl.adapters.sdkvalues import plain
from mcctl.errors import AzureRequestError

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession

API_VERSION = "2021-03-01"  # azure-mgmt-resourcegraph 8.0.1's
MAX_PAGE = 1000  # Resource Graph's largest `$top`
QUOTA_REMAINING = "x-ms-user-quota-remaining"
QUOTA_RESETS_AFTER = "x-ms-user-quota-resets-after"
# A .NET TimeSpan as the service writes it: [d.]hh:mm:ss[.fffffff]
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$")


@dataclass(frozen=True)
class Quota:
    """What one answer said of the caller's Resource Graph quota (None: the header was absent)."""

    remaining: int | None
    resets_after: float | None  # seconds

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


@dataclass(frozen=True)
class GraphResult:
    """Every row of a query, with what it took: pages (requests) and seconds waited for the quota."""

    rows: tuple[dict[str, Any], ...]
    total_records: int | None
    pages: int
    quota_waits: float = 0.0


def parse_timespan(text: str | None) -> float | None:
    """Seconds in `hh:mm:ss` (or `d.hh:mm:ss.fff`); None for anything else."""
    found = _TIMESPAN.match((text or "").strip())
    if not found:
        return None
    days, hours, minutes, seconds = found.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def quota_of(headers: Mapping[str, str]) -> Quota:
    """The quota headers of an answer (case-insensitive names; unreadable values count as absent)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    raw = lowered.get(QUOTA_REMAINING)
    try:
        remaining = int(raw) if raw is not None else None
    except ValueError:
        remaining = None
    return Quota(remaining, parse_timespan(lowered.get(QUOTA_RESETS_AFTER)))


def _client(session: AzureSession) -> Any:
    def factory(credential: Any, _subscription: str, **kwargs: Any) -> Any:
        from azure.mgmt.resourcegraph import ResourceGraphClient

        return ResourceGraphClient(credential, **kwargs)

    # Tenant-level: one client whatever the subscriptions queried.
    return session.client("resourcegraph", "", factory)


MAX_QUOTA_WAIT = 60.0  # seconds: at most this long before the next page when the quota is spent


def query(session: AzureSession, text: str, subscriptions: Sequence[str], *, page_size: int = MAX_PAGE) -> GraphResult:
    """Every row `text` (KQL, projecting `id`) gives across `subscriptions`, page after page."""
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions, ResultFormat

    top = max(1, min(page_size, MAX_PAGE))
    rows: list[dict[str, Any]] = []
    token: str | None = None
    pages, waited, total = 0, 0.0, None
    what = f"querying Azure Resource Graph across {len(subscriptions)} subscription(s)"
    while True:
        options = QueryRequestOptions(top=top, skip_token=token, result_format=ResultFormat.OBJECT_ARRAY)
        request = QueryRequest(subscriptions=list(subscriptions), query=text, options=options)
        with azure_errors(what):
            answer, headers = _client(session).resources(
                request, cls=lambda response, body, _: (body, response.http_response.headers)
            )
        pages += 1
        total = answer.total_records
        page = _objects(answer.data)
        rows.extend(page)
        previous, token = token, answer.skip_token or None
        if token is not None and (token == previous or not page):
            # A server that hands back the token it was given, or pages with no rows, would be
            # followed for ever: what was read so far is not the whole estate.
            raise AzureRequestError(
                f"{what}: page {pages} gave {'the same $skipToken again' if page else 'no rows but a $skipToken'}"
                f" after {len(rows)} of {total} rows",
                hint="Resource Graph's paging went wrong: try again; if it persists, list the stamps in the file",
            )
        if token is None:
            if str(plain(answer.result_truncated) or "").lower() == "true":
                # No token to go on with: the rows are not all there. Acting on part of an estate
                # (the safety rules count serving stamps) is worse than not acting.
                raise AzureRequestError(
                    f"{what}: the result was truncated at {len(rows)} of {total} rows (no $skipToken)",
                    hint="the query must project `id` and use no limit/take for Resource Graph to page it",
                )
            return GraphResult(tuple(rows), total, pages, waited)
        quota = quota_of(headers)
        if quota.exhausted and quota.resets_after:
            # The next page would be throttled: wait for the window to reset (Resource Graph's is
            # seconds; a reset further off than MAX_QUOTA_WAIT is not waited for: the next page
            # then meets a 429, whose Retry-After azure-core honours, or fails the command).
            wait = min(quota.resets_after, MAX_QUOTA_WAIT)
            session.sleep(wait)
            waited += wait


def _objects(data: Any) -> list[dict[str, Any]]:
    """Rows as dicts, from `objectArray` (a list of objects) or `table` ({columns, rows})."""
    if isinstance(data, list):
        return [row for row in data if isinstance(row, dict)]
    if isinstance(data, dict) and isinstance(data.get("columns"), list):
        names = [str(c.get("name")) for c in data["columns"] if isinstance(c, dict)]
        return [dict(zip(names, row, strict=False)) for row in data.get("rows") or [] if isinstance(row, list)]
    return []
