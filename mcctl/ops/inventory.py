"""Read the whole estate's live state, batched per service and in parallel, into stamp views.

One paged list per service and subscription (plans, web apps, origins), one failover-group read and
one read per Redis member: never one GET per stamp per field. A service that cannot be read does not
hide the others: its fields show as unknown and the failure is reported alongside. So does one Redis
member: only its own region's stamps show the Redis verdict "unknown"; the other regions are judged
from the members that were read, as `redis status` judges them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from mcctl.domain.regions import normalize_region
from mcctl.domain.snapshot import EstateSnapshot
from mcctl.domain.stampview import StampView
from mcctl.errors import McctlError, ResourceMissingError
from mcctl.ops.parallel import read_parallel

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate


@dataclass
class Inventory:
    views: list[StampView]
    errors: list[McctlError] = field(default_factory=list)
    sql_primary: str | None = None  # region of the failover group's primary, when known
    # Retired stamps whose plan and web app still exist: in the rules' snapshot (serving nothing), so
    # a plan that brings one back (the rollback of a retire) can be judged; shown nowhere else.
    retired: list[StampView] = field(default_factory=list)

    def snapshot(self) -> EstateSnapshot:
        """What the safety rules reason about. Refuses to guess: any read error stops a mutation."""
        if self.errors:
            raise self.errors[0]
        return EstateSnapshot.from_views([*self.views, *self.retired], self.sql_primary)


def read_inventory(
    session: AzureSession,
    estate: Estate,
    region: str | None = None,
    stamp_name: str | None = None,
    *,
    with_redis: bool = True,
) -> Inventory:
    """Live state of the estate's stamps (optionally one region's, or one stamp's). `with_redis=False`:
    a view that shows no Redis link (`frontdoor status`) reads no Redis member (nor loads its SDK)."""
    from mcctl.adapters import frontdoor, redis, sql, web

    reads: dict[str, Callable[[], Any]] = {}
    for sub in {s.subscription for s in estate.stamps}:
        reads[f"plans:{sub}"] = partial(web.list_plans, session, sub)
        reads[f"apps:{sub}"] = partial(web.list_web_apps, session, sub)
    reads["origins"] = lambda: frontdoor.list_origins(session, estate.frontdoor)
    if estate.sql:
        reads["sql"] = partial(sql.get_failover_group, session, estate.sql)
    # One read per Redis member: one that cannot be read leaves only its own region unknown.
    for member in estate.redis.members if estate.redis and with_redis else ():
        if estate.redis is not None and estate.redis.kind == "managed":
            reads[f"redis:{member.region}"] = partial(redis.get_managed_database, session, estate.redis, member)
        else:
            reads[f"redis:{member.region}"] = partial(redis.get_cache_state, session, member)

    done = read_parallel(reads)
    results, errors = done.values, list(done.errors.values())
    plans: dict[str, Any] = {}
    apps: dict[str, Any] = {}
    for key, value in results.items():
        if key.startswith("plans:"):
            plans.update(value)
        elif key.startswith("apps:"):
            apps.update(value)
    origins = results.get("origins")
    roles = results["sql"].role_by_region() if "sql" in results else {}
    verdicts = _redis_verdicts(estate, results, done.errors)

    views: list[StampView] = []
    missing: list[str] = []
    wanted = normalize_region(region) if region else None
    for stamp in estate.stamps:
        if (wanted and stamp.region != wanted) or (stamp_name and stamp.name != stamp_name):
            continue
        problems: list[str] = []
        plan = plans.get(stamp.plan_ref.id.lower())
        app = apps.get(stamp.app_ref.id.lower())
        origin = origins.get(stamp.origin) if origins is not None else None
        if "plans:" + stamp.subscription in results and plan is None:
            problems.append(f"App Service plan '{stamp.app_service_plan}' not found in {stamp.resource_group}")
        if "apps:" + stamp.subscription in results and app is None:
            problems.append(f"web app '{stamp.web_app}' not found in {stamp.resource_group}")
        if origins is not None and origin is None and not stamp.candidate:  # a candidate gets one from `stamps add`
            problems.append(
                f"Front Door origin '{stamp.origin}' not found in origin group {estate.frontdoor.origin_group}"
            )
        missing.extend(f"stamp {stamp.name}: {p}" for p in problems)
        views.append(
            StampView(
                stamp=stamp,
                plan=plan,
                app=app,
                origin=origin,
                redis=verdicts.get(stamp.region),
                sql_role=roles.get(stamp.region),
                problems=tuple(problems),
                no_origin=origins is not None and origin is None,
            )
        )
    if missing:
        errors.append(ResourceMissingError("; ".join(missing), hint="check the names in the estate file"))
    primary = next((region for region, role in roles.items() if role == "Primary"), None)
    retired = [
        StampView(stamp=s, plan=plan, app=app, origin=None, redis=None, sql_role=None, no_origin=True)
        for s in estate.retired
        if (not wanted or s.region == wanted)
        and not stamp_name
        and (plan := plans.get(s.plan_ref.id.lower())) is not None
        and (app := apps.get(s.app_ref.id.lower())) is not None
    ]
    return Inventory(views, errors, primary, retired)


def _redis_verdicts(estate: Estate, results: dict[str, Any], errors: dict[str, McctlError]) -> dict[str, Any]:
    """Region → its Redis link verdict, judged from the members that were read (as `redis status`
    judges them); a region whose own member failed to read (other than "not found") is unknown."""
    from mcctl.domain import redislinks

    rg = estate.redis
    if rg is None:
        return {}
    states = {m.region: results.get(f"redis:{m.region}") for m in rg.members}
    if rg.kind == "managed":
        verdicts = redislinks.region_link_verdicts(rg, states)
    else:
        verdicts = redislinks.cache_link_verdicts(rg, states)
    unread = {
        m.region: errors[key].message
        for m in rg.members
        if (key := f"redis:{m.region}") in errors and not isinstance(errors[key], ResourceMissingError)
    }
    return redislinks.mark_unread(verdicts, unread)
