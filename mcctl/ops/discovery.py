"""Stamps found on ARM by their tags: what a deployment pipeline created since the estate file was
written, and where each stamp is in a release.

A web app tagged `mcctl-stamp: NAME` is stamp NAME. One the estate file does not list joins the
estate (a candidate unless its `mcctl-lifecycle` tag says otherwise); for a listed one the tags
override the file's lifecycle, generation and color (mcctl writes them as a release goes, so they
are the current truth for every operator). A stamp whose lifecycle is `retired` leaves
`estate.stamps` for `estate.retired`. One paged list of web apps per subscription.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from mcctl.domain.estate import TAG_COLOR, TAG_GENERATION, TAG_LIFECYCLE, TAG_STAMP, Estate, Lifecycle, Stamp
from mcctl.domain.regions import normalize_region
from mcctl.ops.parallel import read_parallel

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.observed import WebAppState

STAMP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")  # as the estate file's stamp names
HEALTH_PATH = "/health/stamp"  # a discovered stamp's health endpoint, unless a listed stamp uses another


def discover(session: AzureSession, estate: Estate) -> Estate:
    """The estate with its tagged stamps: the same object when the tags add or change nothing.
    Reads failing leave the estate as the file says (the commands' own reads report the failure)."""
    from functools import partial

    from mcctl.adapters import web

    subscriptions = sorted({estate.subscription, *(s.subscription for s in (*estate.stamps, *estate.retired))})
    # kept: the command's first inventory read takes this list instead of asking ARM again
    done = read_parallel({sub: partial(web.list_web_apps, session, sub, keep=True) for sub in subscriptions})
    apps = [app for found in done.values.values() for app in found.values()]
    return with_tagged_stamps(estate, apps)


def with_tagged_stamps(estate: Estate, apps: list[WebAppState]) -> Estate:
    """Pure: the estate once the tags of `apps` are applied (see the module's docstring)."""
    listed = {s.name: s for s in (*estate.stamps, *estate.retired)}
    by_app = {s.app_ref.id.lower(): s for s in listed.values()}
    changed = False
    found: dict[str, Stamp] = {}
    for app in sorted(apps, key=lambda a: a.id.lower()):
        name = app.tag(TAG_STAMP)
        known = by_app.get(app.id.lower())
        if known is None and (name is None or not STAMP_NAME.match(name) or name in listed or name in found):
            continue  # untagged, a name that is not a stamp's, or taken: the file (or the first) wins
        stamp = known if known is not None else _stamp_of(estate, app, name or "")
        tagged = _with_tags(stamp, app)
        if tagged != stamp or known is None:
            changed = True
        found[tagged.name] = tagged
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
