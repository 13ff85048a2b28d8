"""One stamp as an operator sees it: configured names joined with live state from every service."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.domain.estate import Estate, Stamp
from mcctl.domain.observed import AppServicePlanState, OriginState, WebAppState
from mcctl.domain.regions import normalize_region

if TYPE_CHECKING:
    from mcctl.domain.redislinks import RegionLinkVerdict


@dataclass(frozen=True)
class LocationMismatch:
    """A live resource of the stamp in another region than the estate file declares for the stamp
    (a region typo, or a resource moved/recreated elsewhere): the stamp is not where mcctl thinks."""

    resource: str  # "web_app" | "app_service_plan"
    name: str
    declared: str  # the stamp's region in the estate file (short form, "westeurope")
    live: str  # the resource's location as ARM reports it, short form

    def to_dict(self) -> dict[str, str]:
        return {"resource": self.resource, "name": self.name, "declared": self.declared, "live": self.live}

    def describe(self) -> str:
        what = "web app" if self.resource == "web_app" else "App Service plan"
        return f"{what} '{self.name}' is in {self.live}, the estate file declares {self.declared}"


@dataclass(frozen=True)
class StampView:
    stamp: Stamp
    plan: AppServicePlanState | None
    app: WebAppState | None
    origin: OriginState | None
    redis: RegionLinkVerdict | None
    sql_role: str | None
    problems: tuple[str, ...] = field(default_factory=tuple)
    # The origins were read and this stamp has none: a candidate before `stamps add` (for any other
    # stamp that is a problem, in `problems`).
    no_origin: bool = False

    @property
    def serving(self) -> bool | None:
        """Front Door sends it traffic and the app runs: enabled origin, running app, workers > 0.

        None when the origin or the app could not be read: unknown is not "no".
        """
        if self.no_origin and self.origin is None:
            return False
        if self.origin is None or self.app is None:
            return None
        return (
            self.origin.enabled
            and (self.app.state or "").lower() == "running"
            and (self.plan is None or (self.plan.number_of_workers or 0) > 0)
        )

    @property
    def location_mismatches(self) -> tuple[LocationMismatch, ...]:
        """The stamp's live web app and plan whose location is not the stamp's declared region
        (empty when they match or could not be read)."""
        found = []
        for resource, state in (("web_app", self.app), ("app_service_plan", self.plan)):
            if state is not None and state.location and normalize_region(state.location) != self.stamp.region:
                found.append(
                    LocationMismatch(resource, state.name, self.stamp.region, normalize_region(state.location))
                )
        return tuple(found)

    def summary(self) -> dict[str, Any]:
        """The `stamps list` row: a documented JSON contract (snake_case, flat)."""
        plan, app, origin, redis = self.plan, self.app, self.origin, self.redis
        return {
            "name": self.stamp.name,
            "region": self.stamp.region,
            "resource_group": self.stamp.resource_group,
            "plan": self.stamp.app_service_plan,
            "sku": plan.sku_name if plan else None,
            "instances": plan.capacity if plan else None,
            "workers": plan.number_of_workers if plan else None,
            "max_instances": plan.maximum_number_of_workers if plan else None,
            "web_app": self.stamp.web_app,
            "app_state": app.state if app else None,
            "origin": self.stamp.origin,
            "origin_enabled": origin.enabled if origin else (False if self.no_origin else None),
            "origin_weight": origin.weight if origin else None,
            "origin_priority": origin.priority if origin else None,
            "redis_link": redis.verdict if redis else None,
            "sql_role": self.sql_role,
            "serving": self.serving,
            "lifecycle": self.stamp.lifecycle.value,
            "generation": self.stamp.generation,
            "color": self.stamp.color,
        }

    def detail(self, estate: Estate) -> dict[str, Any]:
        """The `stamps show` document: the summary plus ids, health URL and reasons."""
        data = self.summary()
        data.update(
            {
                "subscription": self.stamp.subscription,
                "health_url": self.stamp.health_url,
                "default_host_name": self.app.default_host_name if self.app else None,
                "availability_state": self.app.availability_state if self.app else None,
                "plan_status": self.plan.status if self.plan else None,
                "plan_provisioning_state": self.plan.provisioning_state if self.plan else None,
                "origin_host": self.origin.host_name if self.origin else None,
                "origin_provisioning_state": self.origin.provisioning_state if self.origin else None,
                "redis_reason": self.redis.reason if self.redis else None,
                "ids": {
                    "app_service_plan": self.stamp.plan_ref.id,
                    "web_app": self.stamp.app_ref.id,
                    "origin": estate.frontdoor.origin_id(self.stamp.origin),
                    "sql_server": _sql_server_id(estate, self.stamp.region),
                    "redis": _redis_id(estate, self.stamp.region),
                },
                # issue 15: declared vs live location; also one line each in "problems"
                "location_mismatches": [m.to_dict() for m in self.location_mismatches],
                "problems": [*self.problems, *(m.describe() for m in self.location_mismatches)],
            }
        )
        return data


def _sql_server_id(estate: Estate, region: str) -> str | None:
    server = estate.sql.server_in(region) if estate.sql else None
    return server.ref.id if server else None


def _redis_id(estate: Estate, region: str) -> str | None:
    member = estate.redis.member_in(region) if estate.redis else None
    if member is None or estate.redis is None:
        return None
    return member.database_id(estate.redis.database) if estate.redis.kind == "managed" else member.ref.id
