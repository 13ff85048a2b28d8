"""What a deployment pipeline leaves in the simulated Azure for a new stamp (`mcctl sim stamp deploy`):
its App Service plan and its running web app, tagged `mcctl-stamp` and `mcctl-lifecycle` (candidate
by default), and no Front Door origin (`mcctl stamps add` creates that).

Names follow an existing stamp of the region: its stamp name replaced in its resource group, plan
and web app names (weu-1's rg-mc-weu-1 / asp-mc-weu-1 / app-mc-weu-1 give weu-3's rg-mc-weu-3 /
asp-mc-weu-3 / app-mc-weu-3); with no such pattern, `rg-NAME`, `asp-NAME`, `app-NAME`.

Refusals raise `DeployRefused` (a ValueError) whose message starts with the argument it is about
("NAME: ...", "--region: ..."), before anything is stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcctl.domain.estate import TAG_COLOR, TAG_GENERATION, TAG_LIFECYCLE, TAG_STAMP, Lifecycle
from mcctl.domain.regions import check_region, normalize_region
from mcctl.sim.providers.health import endpoint_key, health_state
from mcctl.sim.providers.web import SITE_TYPE, plan_body, plan_id, site_body, site_id

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.sim.app import Sim

STAMP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,39}$")  # also a valid part of a web app's host name
WEB_APP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,58}[A-Za-z0-9]$")  # App Service: 2-60, a-z 0-9 -
SKU_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,9}$")  # P1v3, S1, B2, EP1, ...
LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")  # as the estate file's generation/color
DEPLOYABLE = (Lifecycle.CANDIDATE, Lifecycle.ACTIVE)
HEALTH_PATH = "/health/stamp"


class DeployRefused(ValueError):
    """A deploy that would be wrong; the message names the argument ("NAME: ..."), `hint` says what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class StampNames:
    subscription: str
    resource_group: str
    app_service_plan: str
    web_app: str


def derive_names(estate: Estate, name: str, region: str) -> StampNames:
    """The resource names a pipeline gives stamp `name` in `region`, after the region's first stamp
    whose names contain its own stamp name (else `rg-NAME`, `asp-NAME`, `app-NAME`)."""
    for template in (s for s in estate.stamps if s.region == region):
        parts = (template.resource_group, template.app_service_plan, template.web_app)
        if all(template.name in part for part in parts):
            rg, plan, app = (part.replace(template.name, name) for part in parts)
            return StampNames(estate.subscription, rg, plan, app)
    return StampNames(estate.subscription, f"rg-{name}", f"asp-{name}", f"app-{name}")


def deployed_sites(sim: Sim, stamp_tag: str = TAG_STAMP) -> dict[str, dict[str, Any]]:
    """Every simulated web app tagged `mcctl-stamp` (or the estate's `discover.stamp_tag`), by stamp
    name (lower-cased)."""
    found = {}
    for body in sim.store.resources.values():
        if body.get("type", "").lower() == SITE_TYPE.lower():
            stamp = _tag(body, stamp_tag) or _tag(body, TAG_STAMP)
            if stamp:
                found[stamp.lower()] = body
    return found


def deployed_health_url(sim: Sim, name: str, stamp_tag: str = TAG_STAMP) -> str | None:
    """The health endpoint of a stamp the simulator holds by its `mcctl-stamp` tag (None if none)."""
    with sim.store.transaction():
        site = deployed_sites(sim, stamp_tag).get(name.lower())
        if site is None:
            return None
        return f"https://{site['properties']['defaultHostName']}{HEALTH_PATH}"


def deploy_stamp(
    sim: Sim,
    estate: Estate,
    name: str,
    region: str,
    instances: int | None = None,
    sku: str | None = None,
    tags: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Create stamp `name`'s plan and web app in `region` as a pipeline would. `tags` adds to the
    stamp's (`mcctl-lifecycle`, `mcctl-generation`, `mcctl-color`; lifecycle default candidate).
    Returns what was created (names, ids, host, health URL, instances, sku, tags)."""
    settings = estate.simulation
    _check_name(estate, name)
    where = normalize_region(region)
    if estate.regions and where not in estate.regions:
        raise DeployRefused(f"--region: '{region}' is not a region of this estate ({', '.join(estate.regions)})")
    unknown = None if estate.regions else check_region(where, estate.cloud.name)
    if unknown is not None:  # an estate of discovered stamps only: any region of its cloud
        raise DeployRefused(f"--region: {unknown}")
    count = settings.instances if instances is None else instances
    if not 1 <= count <= settings.max_instances:
        raise DeployRefused(f"--instances: must be between 1 and {settings.max_instances}, got {count}")
    size = settings.sku if sku is None else sku
    if not SKU_NAME.match(size):
        raise DeployRefused(f"--sku: '{size}' is not an App Service plan SKU name (e.g. P1v3, S1)")
    stamp_tags = _stamp_tags(name, tags or {})
    if estate.discover is not None:  # tagged as the estate's Resource Graph query looks for them
        stamp_tags[estate.discover.stamp_tag] = stamp_tags.pop(TAG_STAMP)
        stamp_tags[estate.discover.tag_name] = estate.discover.tag_value
    names = derive_names(estate, name, where)
    if not WEB_APP_NAME.match(names.web_app):
        raise DeployRefused(f"NAME: '{name}' gives the web app name '{names.web_app}', which App Service refuses")
    pid = plan_id(names.subscription, names.resource_group, names.app_service_plan)
    sid = site_id(names.subscription, names.resource_group, names.web_app)
    with sim.store.transaction():
        _check_free(sim, name, pid, sid, names, estate.discover.stamp_tag if estate.discover else TAG_STAMP)
        sim.store.put(plan_body(pid, where, size, count, settings.max_instances))
        site = sim.store.put(site_body(sid, where, pid, stamp_tags))
        host = site["properties"]["defaultHostName"]
        health_url = f"https://{host}{HEALTH_PATH}"
        # The health provider keys endpoints (and the faults `sim stamp MODE` arms) by host/path,
        # as for the seeded stamps.
        health_state(sim)["endpoints"][endpoint_key(health_url)] = {
            "kind": "stamp",
            "name": name,
            "region": where,
            "site_id": sid.lower(),
        }
        sim.store.dirty = True
    return {
        "stamp": name,
        "region": where,
        "subscription": names.subscription,
        "resource_group": names.resource_group,
        "app_service_plan": names.app_service_plan,
        "web_app": names.web_app,
        "plan_id": pid,
        "web_app_id": sid,
        "host_name": host,
        "health_url": health_url,
        "instances": count,
        "sku": size,
        "tags": dict(stamp_tags),
    }


def _check_name(estate: Estate, name: str) -> None:
    if not STAMP_NAME.match(name):
        raise DeployRefused(
            f"NAME: '{name}' is not a stamp name (letters, digits and '-', starting with a letter or digit, "
            "at most 40 characters)"
        )
    listed: tuple[Stamp, ...] = (*estate.stamps, *estate.retired)
    if any(s.name.lower() == name.lower() for s in listed):
        raise DeployRefused(
            f"NAME: '{name}' is already a stamp of estate '{estate.name}'", hint="a new stamp needs a new NAME"
        )


def _check_free(sim: Sim, name: str, pid: str, sid: str, names: StampNames, stamp_tag: str) -> None:
    site = deployed_sites(sim, stamp_tag).get(name.lower())
    if site is not None:
        raise DeployRefused(
            f"NAME: stamp '{name}' is already deployed in the simulator (web app {site['name']})",
            hint=f"deploying again changes nothing: use it as it is (mcctl --sim stamps validate {name}), "
            "pick another NAME, or start over with mcctl --sim sim reset",
        )
    for rid, kind, resource in ((sid, "web app", names.web_app), (pid, "App Service plan", names.app_service_plan)):
        if sim.store.get(rid) is not None:
            raise DeployRefused(
                f"NAME: the {kind} '{resource}' that stamp '{name}' would get already exists",
                hint="pick another NAME, or start over with mcctl --sim sim reset",
            )


def _stamp_tags(name: str, extra: Mapping[str, str]) -> dict[str, str]:
    tags = {TAG_STAMP: name, TAG_LIFECYCLE: str(Lifecycle.CANDIDATE)}
    for key, value in extra.items():
        if key == TAG_LIFECYCLE:
            allowed = ", ".join(str(state) for state in DEPLOYABLE)
            if value not in {str(state) for state in DEPLOYABLE}:
                raise DeployRefused(f"--lifecycle: a deployed stamp is {allowed}, got '{value}'")
        elif key in (TAG_GENERATION, TAG_COLOR):
            if not LABEL.match(value):
                option = "--generation" if key == TAG_GENERATION else "--color"
                raise DeployRefused(f"{option}: '{value}' is not a label (letters, digits, '.', '_', '-'; up to 63)")
        else:
            raise DeployRefused(f"tags: '{key}' is not a stamp tag ({TAG_LIFECYCLE}, {TAG_GENERATION}, {TAG_COLOR})")
        tags[key] = value
    return tags


def _tag(body: Mapping[str, Any], key: str) -> str | None:
    """A tag's value, its name matched case-insensitively (ARM tag names are)."""
    for k, v in (body.get("tags") or {}).items():
        if k.lower() == key.lower():
            return str(v)
    return None
