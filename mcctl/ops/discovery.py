"""Stamps found on ARM by their tags: what a deployment pipeline created since the estate file was
written, and where each stamp is in a release.

A web app tagged `mcctl-stamp: NAME` is stamp NAME. One the estate file does not list joins the
estate (a candidate unless its `mcctl-lifecycle` tag says otherwise); for a listed one the tags
override the file's lifecycle, generation and color (mcctl writes them as a release goes, so they
are the current truth for every operator). A stamp whose lifecycle is `retired` leaves
`estate.stamps` for `estate.retired`. One paged list of web apps per subscription.

With the estate file's `discover:` (`Estate.discover`), Azure Resource Graph replaces those lists:
ONE paged query across the subscriptions (`discover.subscriptions`, default every subscription the
estate names) returns the web apps tagged with the estate's tag (`mcctl-estate=prod`) and those
carrying release tags; a web app the file does not list joins only with the estate's tag and a
stamp tag (`discover.stamp_tag`, default `mcctl-stamp`), so estates sharing a subscription stay
apart. The file's stamps still win on a name both claim. A query that fails fails the command:
acting on part of an estate (the safety rules count serving stamps) is worse than not acting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.estate import (
    TAG_COLOR,
    TAG_GENERATION,
    TAG_LIFECYCLE,
    TAG_STAMP,
    DiscoverSettings,
    Estate,
    Lifecycle,
    Stamp,
)
from mcctl.domain.observed import WebAppState
from mcctl.domain.regions import normalize_region
from mcctl.ops.parallel import read_parallel

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession

STAMP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")  # as the estate file's stamp names
HEALTH_PATH = "/health/stamp"  # a discovered stamp's health endpoint, unless a listed stamp uses another


def discover(session: AzureSession, estate: Estate) -> Estate:
    """The estate with its tagged stamps: the same object when the tags add or change nothing.
    Web app lists failing leave the estate as the file says (the commands' own reads report the
    failure); with `discover:`, a Resource Graph query failing raises (see the module)."""
    if estate.discover is not None:
        return discover_by_graph(session, estate, estate.discover)
    from functools import partial

    from mcctl.adapters import web

    subscriptions = sorted({estate.subscription, *(s.subscription for s in (*estate.stamps, *estate.retired))})
    # kept: the command's first inventory read takes this list instead of asking ARM again
    done = read_parallel({sub: partial(web.list_web_apps, session, sub, keep=True) for sub in subscriptions})
    apps = [app for found in done.values.values() for app in found.values()]
    return with_tagged_stamps(estate, apps)


RELEASE_TAGS = (TAG_LIFECYCLE, TAG_GENERATION, TAG_COLOR)


def graph_query(settings: DiscoverSettings) -> str:
    """The Resource Graph query discovery sends (KQL): web apps with the estate's tag and a stamp
    tag, or with release tags (a listed stamp's), projecting `id` so that the result pages."""
    estate_tag = f"tags['{settings.tag_name}'] =~ '{settings.tag_value}'"  # the schema allows no quotes
    release = " or ".join(f"isnotempty(tags['{tag}'])" for tag in RELEASE_TAGS)
    return "\n".join(
        (
            "Resources",
            "| where type =~ 'microsoft.web/sites'",
            f"| where ({estate_tag} and isnotempty(tags['{settings.stamp_tag}'])) or {release}",
            "| project id, name, location, tags, serverFarmId = tostring(properties.serverFarmId),"
            " defaultHostName = tostring(properties.defaultHostName)",
            "| order by id asc",
        )
    )


def graph_subscriptions(estate: Estate, settings: DiscoverSettings) -> list[str]:
    """The subscriptions the query spans: the listed ones, else every one the estate file names; and
    always the file's stamps' own (their release tags are read from the same query)."""
    stamps = {s.subscription for s in (*estate.stamps, *estate.retired)}
    if settings.subscriptions:
        return sorted({s.lower() for s in (*settings.subscriptions, *stamps)})
    named = {estate.subscription, estate.frontdoor.subscription, *stamps}
    named |= {s.ref.subscription for s in (estate.sql.servers if estate.sql else ())}
    named |= {m.ref.subscription for m in (estate.redis.members if estate.redis else ())}
    return sorted({s.lower() for s in named})


def discover_by_graph(session: AzureSession, estate: Estate, settings: DiscoverSettings) -> Estate:
    """The estate with the stamps Resource Graph finds by tag (one paged query; see the module)."""
    from mcctl.adapters import resourcegraph

    result = resourcegraph.query(
        session, graph_query(settings), graph_subscriptions(estate, settings), page_size=settings.page_size
    )
    return with_graph_rows(estate, settings, result.rows)


def with_graph_rows(estate: Estate, settings: DiscoverSettings, rows: Sequence[Mapping[str, Any]]) -> Estate:
    """Pure: the estate once Resource Graph's rows are applied. A row joins only with the estate's
    tag, unless it is a listed stamp's web app (whose release tags apply either way)."""
    listed = {s.app_ref.id.lower() for s in (*estate.stamps, *estate.retired)}
    apps = []
    for row in rows:
        app = _row_app(row)
        if app is None:
            continue
        value = next((v for k, v in app.tags if k.lower() == settings.tag_name.lower()), None)
        if app.id.lower() in listed or (value is not None and value.lower() == settings.tag_value.lower()):
            apps.append(app)
    return with_tagged_stamps(estate, apps, stamp_tag=settings.stamp_tag)


def _row_app(row: Mapping[str, Any]) -> WebAppState | None:
    """A web app as far as a Resource Graph row tells it (no state: discovery does not need it)."""
    rid, tags = row.get("id"), row.get("tags")
    if not isinstance(rid, str) or len(rid.split("/")) < 9:
        return None
    return WebAppState(
        id=rid,
        name=str(row.get("name") or rid.rsplit("/", 1)[-1]),
        location=str(row.get("location") or ""),
        state=None,
        enabled=None,
        availability_state=None,
        default_host_name=str(row.get("defaultHostName") or "") or None,
        server_farm_id=str(row.get("serverFarmId") or "") or None,
        tags=tuple(sorted((str(k), str(v)) for k, v in (tags.items() if isinstance(tags, dict) else ()))),
    )


def with_tagged_stamps(estate: Estate, apps: list[WebAppState], *, stamp_tag: str = TAG_STAMP) -> Estate:
    """Pure: the estate once the tags of `apps` are applied (see the module's docstring);
    `stamp_tag`: the tag that names a stamp."""
    listed = {s.name: s for s in (*estate.stamps, *estate.retired)}
    by_app = {s.app_ref.id.lower(): s for s in listed.values()}
    # Names compared as ARM compares resource names (origin-WEU-1 is origin-weu-1): without case.
    taken = {name.lower() for name in listed}
    changed = False
    found: dict[str, Stamp] = {}
    for app in sorted(apps, key=lambda a: a.id.lower()):
        name = app.tag(stamp_tag)
        known = by_app.get(app.id.lower())
        if known is None and (
            name is None or not STAMP_NAME.match(name) or name.lower() in taken or not app.server_farm_id
        ):
            continue  # untagged, not a stamp's name, taken (the file, or the first, wins), or planless
        stamp = known if known is not None else _stamp_of(estate, app, name or "")
        tagged = _with_tags(stamp, app)
        if tagged != stamp or known is None:
            changed = True
        found[tagged.name] = tagged
        taken.add(tagged.name.lower())
    if not changed:
        return estate
    every = [found.get(s.name, s) for s in listed.values()]
    every += [s for name, s in found.items() if name not in listed]
    return replace(
        estate,
        stamps=tuple(s for s in every if s.lifecycle is not Lifecycle.RETIRED),
        retired=tuple(s for s in every if s.lifecycle is Lifecycle.RETIRED),
    )


def _with_tags(stamp: Stamp, app: WebAppState) -> Stamp:
    lifecycle = app.tag(TAG_LIFECYCLE)
    try:
        state = Lifecycle(lifecycle) if lifecycle else stamp.lifecycle
    except ValueError:
        state = stamp.lifecycle  # a tag someone mistyped does not move a stamp
    return replace(
        stamp,
        lifecycle=state,
        generation=app.tag(TAG_GENERATION) or stamp.generation,
        color=app.tag(TAG_COLOR) or stamp.color,
    )


def _stamp_of(estate: Estate, app: WebAppState, name: str) -> Stamp:
    """A stamp the file does not list, from its web app: a candidate until its tags say otherwise."""
    parts = app.id.split("/")
    subscription, resource_group = parts[2], parts[4]
    plan = (app.server_farm_id or "").rstrip("/").rsplit("/", 1)[-1]
    region = normalize_region(app.location)
    host = app.default_host_name or f"{app.name}.azurewebsites.net"
    return Stamp(
        name=name,
        region=region,
        subscription=subscription,
        resource_group=resource_group,
        app_service_plan=plan,
        web_app=app.name,
        origin=f"origin-{name}",
        health_url=f"https://{host}{_health_path(estate, region)}",
        lifecycle=Lifecycle.CANDIDATE,
        discovered=True,
    )


def _health_path(estate: Estate, region: str) -> str:
    """The path the region's listed stamps use for health (all stamps run the same app)."""
    from urllib.parse import urlsplit

    for stamp in sorted(estate.stamps, key=lambda s: s.region != region):
        path = urlsplit(stamp.health_url).path
        if path:
            return path
    return HEALTH_PATH
